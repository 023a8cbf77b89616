package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzWeights feeds arbitrary bytes as weights of every type (weights come
// from untrusted model files: TQ2_0/I2_S code 3, TQ1_0 bytes ≥ 243, NaN or
// infinite scales) and checks that every implementation agrees with the
// reference, for one token and for a batch.
func FuzzWeights(f *testing.F) {
	f.Add([]byte{0x00}, uint64(1))
	f.Add([]byte{0xff, 0xfe, 0x7c, 0x00}, uint64(2)) // code 3, fp16 inf
	f.Add([]byte{0xf3, 0xf4, 0x55, 0xaa, 0x7e, 0x00}, uint64(3))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		if len(data) == 0 {
			return
		}
		const rows, cols, tokens = 5, 512, 6
		rng := rand.New(rand.NewPCG(seed, seed))
		fill := func(n int) []byte {
			w := make([]byte, n)
			for i := range w {
				w[i] = data[i%len(data)] ^ byte(i/len(data))
			}
			return w
		}
		ys := make([][]BlockQ8K, tokens)
		as := make([]I8S, tokens)
		for i := range ys {
			ys[i] = randQ8K(rng, cols/QK)
			x := make([]float32, cols)
			for j := range x {
				x[j] = float32(rng.NormFloat64())
			}
			QuantizeI8S(x, &as[i])
		}
		w1, w2, wi, w8 := fill(rows*TQ1RowSize(cols)), fill(rows*TQ2RowSize(cols)), fill(rows*I2SRowSize(cols)), fill(rows*Q8RowSize(cols))
		run := func() [][]float32 {
			out := make([][]float32, 8)
			for i := range out {
				out[i] = make([]float32, tokens*rows)
			}
			MatVecTQ1(out[0], w1, rows, cols, ys[0])
			MatVecTQ2(out[1], w2, rows, cols, ys[0])
			MatVecI2S(out[2], wi, rows, cols, 0.5, &as[0])
			MatVecQ8(out[3], w8, rows, cols, ys[0])
			MatMulTQ1(out[4], w1, rows, cols, ys)
			MatMulTQ2(out[5], w2, rows, cols, ys)
			MatMulI2S(out[6], wi, rows, cols, 0.5, as)
			return out
		}
		prev := Impl()
		defer func() { _ = SetImpl(prev) }()
		if err := SetImpl("purego"); err != nil {
			t.Fatal(err)
		}
		want := run()
		for _, name := range Impls() {
			if err := SetImpl(name); err != nil {
				t.Fatal(err)
			}
			got := run()
			for k := range want {
				for i := range want[k] {
					g, w := got[k][i], want[k][i]
					if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
						t.Fatalf("%s: product %d value %d: %g, reference %g", name, k, i, g, w)
					}
				}
			}
		}
	})
}
