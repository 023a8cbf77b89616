package bitnet

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// TestPoolHammer runs many loops of random sizes on pools of several
// widths and checks that every index is visited exactly once per loop.
func TestPoolHammer(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for _, threads := range []int{1, 2, 3, 8} {
		p := newPool(threads)
		for iter := 0; iter < 500; iter++ {
			n := rng.IntN(3000)
			grain := 1 + rng.IntN(64)
			seen := make([]atomic.Int32, n)
			p.parallel(n, grain, func(lo, hi int) {
				if lo >= hi || hi > n {
					t.Errorf("bad chunk [%d, %d) of %d", lo, hi, n)
				}
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("threads %d n %d grain %d: index %d visited %d times", threads, n, grain, i, c)
				}
			}
		}
		p.close()
	}
}
