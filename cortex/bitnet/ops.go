package bitnet

import (
	"math"

	"nexusos/cortex/quant"
)

// rmsNorm writes rmsnorm(x)·w to dst as ggml computes it: squares in f32
// summed in f64, scale = 1/sqrtf(mean + eps), then (x·scale)·w.
//
// The f64 sum uses four partial sums (ggml adds sequentially): in double
// precision the order changes the result far below float32 resolution.
func rmsNorm(dst, x, w []float32, eps float32) {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i] * x[i])
		s1 += float64(x[i+1] * x[i+1])
		s2 += float64(x[i+2] * x[i+2])
		s3 += float64(x[i+3] * x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i] * x[i])
	}
	sum := (s0 + s1) + (s2 + s3)
	mean := float32(sum / float64(len(x)))
	scale := 1 / float32(math.Sqrt(float64(mean+eps)))
	w = w[:len(x)]
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = (v * scale) * w[i]
	}
}

// ropeCache fills cs with (cos, sin) pairs for position pos, as ggml's
// rope cache: theta starts at pos·freqScale and is multiplied by
// base^(-2/dims) in float32 for each pair.
func ropeCache(cs []float32, pos int, dims int, base, freqScale float32) {
	thetaScale := float32(math.Pow(float64(base), -2.0/float64(dims)))
	theta := float32(pos)
	for i := 0; i < dims; i += 2 {
		t := freqScale * theta
		cs[i] = float32(math.Cos(float64(t)))
		cs[i+1] = float32(math.Sin(float64(t)))
		theta *= thetaScale
	}
}

// ropeNeox rotates the first dims values of each head of x (nHead heads of
// headDim) in NEOX order: pairs (i, i+dims/2).
//
// ggml writes x0·cos − x1·sin and x0·sin + x1·cos; compilers with FMA
// contraction on (clang's default, GCC's for GNU C, both with -march=native)
// fuse the first product of each into an FMA, so that is computed here too:
// it keeps q and k bit-identical to ggml's, which matters because they are
// rounded to f16 next.
func ropeNeox(x []float32, nHead, headDim, dims int, cs []float32) {
	half := dims / 2
	for h := 0; h < nHead; h++ {
		v := x[h*headDim : h*headDim+headDim]
		for i := 0; i < half; i++ {
			c, s := cs[2*i], cs[2*i+1]
			x0, x1 := v[i], v[i+half]
			v[i] = fma32(x0, c, -(x1 * s))
			v[i+half] = fma32(x0, s, x1*c)
		}
	}
}

// silu is ggml_v_silu, one lane: x/(1+e(0−x)) with ggml's vector exp.
// (ggml's scalar ggml_silu_f32 with libm's expf only runs on the last
// n mod 16 values of a row; FFN widths are multiples of 16.)
func silu(x float32) float32 {
	return x / (1 + ggmlExpf(0-x))
}

// ffnAct writes act(g)·u into g.
func ffnAct(act Activation, g, u []float32) {
	u = u[:len(g)]
	switch act {
	case ActReLU2:
		for i, v := range g {
			r := max(v, 0)
			g[i] = (r * r) * u[i]
		}
	default:
		swiglu(g, u)
	}
}

// swigluRef writes silu(g)·u into g.
func swigluRef(g, u []float32) {
	u = u[:len(g)]
	for i, v := range g {
		g[i] = silu(v) * u[i]
	}
}

// softmaxInPlace is ggml's soft_max with the scale already applied, as its
// AVX-512 build computes it (ggml_vec_soft_max_f32): x − max, the exponential
// of ggmlExpf in lanes of 16 whose float32 tree sums are added in f64, then
// multiply by f32(1/sum). ggml runs over the whole KV window, where masked
// keys give exact zeros, so a short last chunk sums as if zero-padded.
//
// Matching ggml's exp and summation order to the bit matters: the
// probabilities are rounded to f16 next, and one probability on the other
// side of an f16 rounding boundary moves a logit by up to ~0.1 a few layers
// later (the per-token int8 absmax of the following linears amplifies it).
func softmaxInPlace(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for c := 0; c < len(x); c += 16 {
		var l [16]float32
		for i := range min(16, len(x)-c) {
			e := ggmlExpf(x[c+i] - m)
			x[c+i] = e
			l[i] = e
		}
		sum += float64(sum16(&l))
	}
	s := float32(1 / sum)
	for i := range x {
		x[i] *= s
	}
}

// sum16 is _mm512_reduce_add_ps: halves added pairwise, 8+8, 4+4, 2+2, 1+1.
func sum16(l *[16]float32) float32 {
	for w := 8; w >= 1; w /= 2 {
		for i := range w {
			l[i] += l[i+w]
		}
	}
	return l[0]
}

// ggmlExpf is one lane of ggml_v_expf, ggml's AVX-512 expf (also used by its
// soft_max and silu): round x·log2(e) to n, a two-part reduction
// b = x − n·ln2, a degree-5 polynomial j ≈ e^b and _mm512_scalef_ps(j, n);
// |n| > 192 gives 0 or +Inf. Within 1.5 ulp of e^x, and bit-exact with ggml
// (see fma32).
func ggmlExpf(x float32) float32 {
	const r = 0x1.8p23
	n := fma32(x, 0x1.715476p+0, r) - r
	if n > 192 || n < -192 {
		if n <= 0 {
			return 0
		}
		return float32(math.Inf(1))
	}
	b := fma32(-n, 0x1.7f7d1cp-20, fma32(-n, 0x1.62e4p-1, x))
	u := b * b
	j := fma32(fma32(fma32(0x1.0e4020p-7, b, 0x1.573e2ep-5), u, fma32(0x1.555e66p-3, b, 0x1.fffdb6p-2)), u,
		fma32(0x1.ffffecp-1, b, 1))
	// scalef: j·2^n rounded once (exact in float64, then one rounding).
	return float32(float64(j) * math.Float64frombits(uint64(1023+int64(n))<<52))
}

// fma32 is a float32 fused multiply-add: the float64 product of two
// float32s is exact, so one float64 add and the rounding to float32 give
// the fused result (barring a double-rounding tie, far rarer than 2^-28).
func fma32(a, b, c float32) float32 {
	return float32(float64(a)*float64(b) + float64(c))
}

// dotF16 returns Σ f16(w[i])·x[i] accumulated in float32 (w holds float16
// bit patterns, x values already rounded to f16).
func dotF16(w []uint16, x []float32) float32 {
	var s0, s1, s2, s3 float32
	x = x[:len(w)]
	tab := quant.F16Table()
	i := 0
	for ; i+4 <= len(w); i += 4 {
		s0 += tab[w[i]] * x[i]
		s1 += tab[w[i+1]] * x[i+1]
		s2 += tab[w[i+2]] * x[i+2]
		s3 += tab[w[i+3]] * x[i+3]
	}
	for ; i < len(w); i++ {
		s0 += tab[w[i]] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpyF16Ref adds a·f16(v[i]) to dst[i].
func axpyF16Ref(dst []float32, v []uint16, a float32) {
	v = v[:len(dst)]
	tab := quant.F16Table()
	for i := range dst {
		dst[i] += a * tab[v[i]]
	}
}

// toF16Ref stores src as float16 bit patterns in dst.
func toF16Ref(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = quant.F32ToF16(v)
	}
}

// roundF16Ref rounds x to float16 precision in place.
func roundF16Ref(x []float32) {
	for i, v := range x {
		x[i] = quant.RoundF16(v)
	}
}
