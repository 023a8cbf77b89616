package distance

import (
	"math/rand/v2"
	"testing"
)

// popcntCase makes a query of n words (or nplanes planes of n words) and
// cnt vectors, some longer than n, from seed, with all-ones and all-zero
// words mixed in so that every lane saturates sometime.
func popcntCase(seed uint64, n, nplanes, cnt int) (q []uint64, bs [][]uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	word := func() uint64 {
		switch r.IntN(8) {
		case 0:
			return ^uint64(0)
		case 1:
			return 0
		}
		return r.Uint64()
	}
	q = make([]uint64, n*nplanes)
	for i := range q {
		q[i] = word()
	}
	bs = make([][]uint64, cnt)
	for i := range bs {
		bs[i] = make([]uint64, n+r.IntN(3))
		for j := range bs[i] {
			bs[i][j] = word()
		}
	}
	return q, bs
}

// checkPopcnt compares the batch kernels in use with the portable
// references, bit for bit.
func checkPopcnt(t *testing.T, seed uint64, n, nplanes, cnt int) {
	q, bs := popcntCase(seed, n, nplanes, cnt)
	out := make([]int32, cnt+1)
	out[cnt] = 12345
	if nplanes == 1 {
		XorPopcntBatch(q, bs, out)
		for i, b := range bs {
			if want := xorPopcntGeneric(q, b); out[i] != want || XorPopcnt(q, b) != int(want) {
				t.Fatalf("XorPopcntBatch (%s) n=%d cnt=%d: out[%d] = %d, want %d", PopcntImpl(), n, cnt, i, out[i], want)
			}
		}
	} else {
		XorPopcntPlanesBatch(q, nplanes, bs, out)
		for i, b := range bs {
			if want := xorPopcntPlanesGeneric(q, nplanes, b); out[i] != want {
				t.Fatalf("XorPopcntPlanesBatch (%s) n=%d planes=%d cnt=%d: out[%d] = %d, want %d", PopcntImpl(), n, nplanes, cnt, i, out[i], want)
			}
		}
	}
	if out[cnt] != 12345 {
		t.Fatalf("n=%d planes=%d cnt=%d: wrote past the batch", n, nplanes, cnt)
	}
}

// TestXorPopcnt checks the kernels against the references for every
// length up to 40 words (every tail of the eight-word registers), plane
// counts 1, 2, 4 and 8 and batches of 0..4 vectors.
func TestXorPopcnt(t *testing.T) {
	seed := uint64(1)
	for n := 1; n <= 40; n++ {
		for _, planes := range []int{1, 2, 4, 8} {
			for cnt := 0; cnt <= 4; cnt++ {
				checkPopcnt(t, seed, n, planes, cnt)
				seed++
			}
		}
	}
	// A known value: all ones against zeros is 64 per word, weighted
	// 1+2+4+8 over four planes.
	ones := []uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	out := make([]int32, 1)
	XorPopcntPlanesBatch(ones, 4, [][]uint64{{0}}, out)
	if out[0] != 64*15 {
		t.Fatalf("planes of ones: %d, want %d", out[0], 64*15)
	}
	XorPopcntBatch(ones[:3], [][]uint64{{0, 1, ^uint64(0)}}, out)
	if out[0] != 64+63 {
		t.Fatalf("XorPopcntBatch: %d, want %d", out[0], 64+63)
	}
}

// FuzzXorPopcnt compares the kernels with the references on shapes and
// words derived from the fuzz input.
func FuzzXorPopcnt(f *testing.F) {
	f.Add(uint64(1), uint8(2), uint8(1), uint8(3))
	f.Add(uint64(7), uint8(13), uint8(4), uint8(1))
	f.Add(uint64(42), uint8(24), uint8(8), uint8(5))
	f.Fuzz(func(t *testing.T, seed uint64, n, nplanes, cnt uint8) {
		planes := []int{1, 2, 4, 8}[nplanes%4]
		checkPopcnt(t, seed, 1+int(n%64), planes, int(cnt%6))
	})
}

func BenchmarkXorPopcntBatch(b *testing.B) {
	q, bs := popcntCase(3, 2, 1, 32)
	out := make([]int32, len(bs))
	for b.Loop() {
		XorPopcntBatch(q, bs, out)
	}
}
