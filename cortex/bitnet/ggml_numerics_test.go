package bitnet

import (
	"math"
	"testing"
)

// ggml_v_expf.f32.bin holds 4096 (x, ggml_v_expf(x)) float32 pairs computed
// by ggml's AVX-512 ggml_v_expf (bitnet.cpp 2024-10-18, clang 14,
// -march=native): random x in [-110, 95], many small |x|, and -Inf, ±0,
// overflow, underflow and subnormal results.
func TestGgmlExpfBitExact(t *testing.T) {
	v := readF32(t, "ggml_v_expf.f32.bin")
	if len(v) != 2*4096 {
		t.Fatalf("%d values", len(v))
	}
	for i := 0; i < len(v); i += 2 {
		x, want := v[i], v[i+1]
		if got := ggmlExpf(x); math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("ggmlExpf(%g) = %g (%#08x), ggml %g (%#08x)", x, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
}

// The softmax sums lanes of 16 as _mm512_reduce_add_ps does, a short last
// chunk as if zero-padded.
func TestSoftmaxChunks(t *testing.T) {
	for _, n := range []int{1, 15, 16, 17, 40, 64} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(math.Sin(float64(i))) * 4
		}
		want := append([]float32(nil), x...)
		m := float32(math.Inf(-1))
		for _, e := range want {
			m = max(m, e)
		}
		var sum float64
		for c := 0; c < n; c += 16 {
			var l [16]float32
			for i := c; i < min(c+16, n); i++ {
				want[i] = ggmlExpf(want[i] - m)
				l[i-c] = want[i]
			}
			// (l0+l8)+(l4+l12) ... : the pairwise tree
			var s8 [8]float32
			for i := range s8 {
				s8[i] = l[i] + l[i+8]
			}
			s4 := [4]float32{s8[0] + s8[4], s8[1] + s8[5], s8[2] + s8[6], s8[3] + s8[7]}
			s2 := [2]float32{s4[0] + s4[2], s4[1] + s4[3]}
			sum += float64(s2[0] + s2[1])
		}
		inv := float32(1 / sum)
		for i := range want {
			want[i] *= inv
		}
		softmaxInPlace(x)
		for i := range x {
			if x[i] != want[i] {
				t.Fatalf("n=%d: p[%d] = %g, want %g", n, i, x[i], want[i])
			}
		}
	}
}
