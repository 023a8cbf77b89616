package bitnet

import (
	"math"
	"math/rand/v2"
	"testing"

	"nexusos/cortex/quant"
)

func TestDotF16FastMatchesReference(t *testing.T) {
	if !haveF16Asm {
		t.Skip("no AVX2/FMA/F16C (or purego build): only the reference exists")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{1, 31, 32, 33, 64, 256, 2560, 2561} {
		w := make([]uint16, n)
		x := make([]float32, n)
		var absSum float64
		for i := range w {
			w[i] = quant.F32ToF16(float32(rng.NormFloat64()))
			x[i] = quant.RoundF16(float32(rng.NormFloat64()))
			absSum += math.Abs(float64(quant.F16ToF32(w[i]) * x[i]))
		}
		got, want := dotF16Fast(w, x), dotF16(w, x)
		if d := math.Abs(float64(got - want)); d > 1e-6*absSum+1e-7 {
			t.Errorf("n=%d: fast %g, reference %g", n, got, want)
		}
	}
}

func BenchmarkDotF16(b *testing.B) {
	w := make([]uint16, 2560)
	x := make([]float32, 2560)
	for i := range w {
		w[i] = quant.F32ToF16(float32(i%7) - 3)
		x[i] = float32(i%5) - 2
	}
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			dotF16(w, x)
		}
	})
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			dotF16Fast(w, x)
		}
	})
}

func TestAxpyF16MatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, n := range []int{8, 32, 128, 12} {
		v := make([]uint16, n)
		a, b := make([]float32, n), make([]float32, n)
		for i := range v {
			v[i] = quant.F32ToF16(float32(rng.NormFloat64()))
			a[i] = float32(rng.NormFloat64())
			b[i] = a[i]
		}
		axpyF16(a, v, 0.37)
		axpyF16Ref(b, v, 0.37)
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-6*(1+math.Abs(float64(b[i]))) {
				t.Fatalf("n=%d i=%d: %g vs %g", n, i, a[i], b[i])
			}
		}
	}
}

func TestF16ConversionsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{1, 7, 8, 9, 64, 130} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-8)))
		}
		x[0] = 65519 // just below the overflow threshold
		h1, h2 := make([]uint16, n), make([]uint16, n)
		toF16(h1, x)
		toF16Ref(h2, x)
		r1, r2 := append([]float32(nil), x...), append([]float32(nil), x...)
		roundF16(r1)
		roundF16Ref(r2)
		for i := range x {
			if h1[i] != h2[i] || r1[i] != r2[i] {
				t.Fatalf("n=%d x=%g: toF16 %#x vs %#x, round %g vs %g", n, x[i], h1[i], h2[i], r1[i], r2[i])
			}
		}
	}
}

func TestSwigluMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{3, 8, 64, 771} {
		g := make([]float32, n)
		u := make([]float32, n)
		for i := range g {
			g[i] = float32(rng.NormFloat64() * 8)
			u[i] = float32(rng.NormFloat64())
		}
		g[0], g[n-1] = -100, 95 // exp overflow and underflow
		if n > 8 {
			// e(-x) near the ends of ggml_v_expf's range: n = 128 (finite),
			// n > 192 (+Inf), 2^-149 and below.
			copy(g[1:], []float32{-88.5, -88.7, -133, -200, 87, 103.5, 103.9, 150, 1e-30, -0.0})
		}
		a, b := append([]float32(nil), g...), append([]float32(nil), g...)
		swiglu(a, u)
		swigluRef(b, u)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("n=%d g=%g u=%g: %g vs %g", n, g[i], u[i], a[i], b[i])
			}
		}
	}
}
