package quant

import "math"

// Q8K is one quantised 256-value activation block (ggml's block_q8_K).
type Q8K struct {
	D     float32
	Qs    [QK_K]int8
	Bsums [QK_K / 16]int16
}

// QuantizeQ8K is ggml's quantize_row_q8_K_ref for len(x)/256 blocks: per
// block, m is the first element of largest magnitude (keeping its sign),
// iscale = −127/m, q = min(127, round-half-even(f32(iscale·x))), d = 1/iscale.
// An all-zero block gives d = 0 and q = 0.
func QuantizeQ8K(x []float32) []Q8K {
	out := make([]Q8K, len(x)/QK_K)
	for b := range out {
		xb := x[b*QK_K : (b+1)*QK_K]
		var amax, m float32
		for _, v := range xb {
			if a := float32(math.Abs(float64(v))); a > amax {
				amax, m = a, v
			}
		}
		if amax == 0 {
			continue
		}
		iscale := -127 / m
		o := &out[b]
		for j, v := range xb {
			q := math.RoundToEven(float64(iscale * v))
			o.Qs[j] = int8(min(127, q))
		}
		for j := 0; j < 16; j++ {
			var s int16
			for _, q := range o.Qs[16*j : 16*j+16] {
				s += int16(q)
			}
			o.Bsums[j] = s
		}
		o.D = 1 / iscale
	}
	return out
}

// DotTernaryQ8K is the oracle for ggml_vec_dot_tq{1,2}_0_q8_K: per block the
// exact integer Σ trit·q times (d_x·d_w) in float32, blocks summed in f32.
func DotTernaryQ8K(trits [][QK_K]int8, d []float32, a []Q8K) float32 {
	var sum float32
	for b := range a {
		var s int32
		for j := range trits[b] {
			s += int32(trits[b][j]) * int32(a[b].Qs[j])
		}
		sum += float32(s) * (a[b].D * d[b])
	}
	return sum
}

// DotF32 is a plain float32 dot product accumulated in float64.
func DotF32(x, y []float32) float32 {
	var s float64
	for i := range x {
		s += float64(x[i]) * float64(y[i])
	}
	return float32(s)
}
