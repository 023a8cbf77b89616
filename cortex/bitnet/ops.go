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
func ropeNeox(x []float32, nHead, headDim, dims int, cs []float32) {
	half := dims / 2
	for h := 0; h < nHead; h++ {
		v := x[h*headDim : h*headDim+headDim]
		for i := 0; i < half; i++ {
			c, s := cs[2*i], cs[2*i+1]
			x0, x1 := v[i], v[i+half]
			v[i] = x0*c - x1*s
			v[i+half] = x0*s + x1*c
		}
	}
}

// silu is ggml_silu_f32: x/(1+expf(−x)).
func silu(x float32) float32 {
	return x / (1 + expf(-x))
}

// expf is a float32 exponential (Cephes' expf: range reduction by ln 2 and
// a degree-6 polynomial), within about 2 ulp of the exact value and much
// cheaper than math.Exp.
func expf(x float32) float32 {
	switch {
	case x > 88.72283:
		return float32(math.Inf(1))
	case x < -103.97208:
		return 0
	case x != x:
		return x
	}
	h := x*1.442695041 + 0.5
	k := int32(h) // truncation: floor for h ≥ 0
	if float32(k) > h {
		k--
	}
	n := float32(k)
	r := x - n*0.693359375 - n*-2.12194440e-4
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	y := p*r*r + r + 1
	e := int32(n)
	if e < -125 {
		// Scale in two steps so that 2^e stays a normal float32.
		y *= math.Float32frombits(uint32(e+125+127) << 23)
		return y * math.Float32frombits(uint32(-125+127)<<23)
	}
	if e > 127 {
		return y * 2 * math.Float32frombits(uint32(e-1+127)<<23)
	}
	return y * math.Float32frombits(uint32(e+127)<<23)
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

// softmaxInPlace is ggml's soft_max with the scale already applied: x −
// max, expf, sum in f64, multiply by f32(1/sum).
func softmaxInPlace(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		x[i] = e
		sum += float64(e)
	}
	s := float32(1 / sum)
	for i := range x {
		x[i] *= s
	}
}

// dotF16 returns Σ f16(w[i])·x[i] accumulated in float32 (w holds float16
// bit patterns, x values already rounded to f16).
func dotF16(w []uint16, x []float32) float32 {
	var s0, s1, s2, s3 float32
	x = x[:len(w)]
	i := 0
	for ; i+4 <= len(w); i += 4 {
		s0 += quant.F16ToF32(w[i]) * x[i]
		s1 += quant.F16ToF32(w[i+1]) * x[i+1]
		s2 += quant.F16ToF32(w[i+2]) * x[i+2]
		s3 += quant.F16ToF32(w[i+3]) * x[i+3]
	}
	for ; i < len(w); i++ {
		s0 += quant.F16ToF32(w[i]) * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpyF16Ref adds a·f16(v[i]) to dst[i].
func axpyF16Ref(dst []float32, v []uint16, a float32) {
	v = v[:len(dst)]
	for i := range dst {
		dst[i] += a * quant.F16ToF32(v[i])
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
