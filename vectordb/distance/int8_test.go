package distance

import (
	"math/rand/v2"
	"testing"
)

// TestDotU8I8 checks every int8 kernel the CPU runs against the portable
// reference, bit for bit, over random inputs of every length up to 300
// (all tails) and the extreme byte values.
func TestDotU8I8(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 300; n++ {
		for trial := 0; trial < 4; trial++ {
			a := make([]uint8, n)
			b := make([]int8, n+r.IntN(3)) // b may be longer
			for i := range a {
				a[i] = uint8(r.Uint32())
			}
			for i := range b {
				b[i] = int8(r.Uint32())
			}
			switch trial {
			case 2:
				for i := range a {
					a[i], b[i] = 255, -128
				}
			case 3:
				for i := range a {
					a[i], b[i] = 255, 127
				}
			}
			want := dotU8I8Generic(a, b)
			if got := DotU8I8(a, b); got != want {
				t.Fatalf("DotU8I8 (%s) n=%d trial %d: %d, want %d", Int8Impl(), n, trial, got, want)
			}
			for _, v := range int8Variants {
				if got := v.f(a, b); got != want {
					t.Fatalf("%s n=%d trial %d: %d, want %d", v.name, n, trial, got, want)
				}
			}
		}
	}
}

// TestDotU8I8Batch checks the batch kernel against the reference for
// every length up to 300 (multiples of 16 take the VNNI batch kernel,
// the others the fallback) and batches of 0..5 vectors of mixed lengths.
func TestDotU8I8Batch(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for n := 0; n <= 300; n++ {
		for cnt := 0; cnt <= 5; cnt++ {
			a := make([]uint8, n)
			for i := range a {
				a[i] = uint8(r.Uint32())
			}
			bs := make([][]int8, cnt)
			for i := range bs {
				bs[i] = make([]int8, n+r.IntN(3))
				for j := range bs[i] {
					bs[i][j] = int8(r.Uint32())
				}
			}
			if cnt == 5 {
				for j := range a {
					a[j], bs[0][j], bs[1][j] = 255, -128, 127
				}
			}
			out := make([]int32, cnt+1)
			out[cnt] = 12345
			DotU8I8Batch(a, bs, out)
			for i, b := range bs {
				if want := dotU8I8Generic(a, b); out[i] != want {
					t.Fatalf("n=%d cnt=%d: out[%d] = %d, want %d", n, cnt, i, out[i], want)
				}
			}
			if out[cnt] != 12345 {
				t.Fatalf("n=%d cnt=%d: wrote past the batch", n, cnt)
			}
		}
	}
}

type int8Variant struct {
	name string
	f    func(a []uint8, b []int8) int32
}

var int8Variants []int8Variant

func BenchmarkDotU8I8(b *testing.B) {
	x := make([]uint8, 128)
	y := make([]int8, 128)
	for i := range x {
		x[i], y[i] = uint8(i), int8(i-64)
	}
	b.SetBytes(128)
	for b.Loop() {
		DotU8I8(x[:100], y)
	}
}
