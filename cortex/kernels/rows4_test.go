package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatVecF16 checks the float16 matrix-vector kernel against float64
// sums on several shapes and row ranges, and that it leaves the rows it
// does not handle untouched.
func TestMatVecF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range []struct{ rows, cols int }{{4, 32}, {7, 64}, {33, 2560}, {64, 96}, {13, 40}} {
		w := make([]uint16, sh.rows*sh.cols)
		for i := range w {
			w[i] = FP32ToFP16(float32(rng.NormFloat64()))
		}
		x := make([]float32, sh.cols)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for _, rr := range [][2]int{{0, sh.rows}, {1, sh.rows}, {sh.rows / 2, sh.rows}, {0, 3}} {
			t.Run(fmt.Sprintf("%s/%dx%d/%d-%d", cur.name, sh.rows, sh.cols, rr[0], rr[1]), func(t *testing.T) {
				dst := make([]float32, sh.rows)
				for i := range dst {
					dst[i] = -12345
				}
				n := MatVecF16(dst, w, sh.rows, sh.cols, x, rr[0], rr[1])
				if n%4 != 0 || n < 0 || n > rr[1]-rr[0] {
					t.Fatalf("did %d rows of [%d, %d)", n, rr[0], rr[1])
				}
				if cur.name != "purego" && haveF16Rows4 && sh.cols%32 == 0 && n != (rr[1]-rr[0])&^3 {
					t.Errorf("did %d rows of [%d, %d), want %d", n, rr[0], rr[1], (rr[1]-rr[0])&^3)
				}
				for r := range dst {
					if r < rr[0] || r >= rr[0]+n {
						if dst[r] != -12345 {
							t.Fatalf("row %d outside [%d, %d) written", r, rr[0], rr[0]+n)
						}
						continue
					}
					var want, mag float64
					for i := range sh.cols {
						p := float64(FP16ToFP32(w[r*sh.cols+i])) * float64(x[i])
						want += p
						mag += math.Abs(p)
					}
					if d := math.Abs(float64(dst[r]) - want); d > 1e-5*mag {
						t.Errorf("row %d: got %g want %g", r, dst[r], want)
					}
				}
			})
		}
	}
}
