package bitnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"nexusos/cortex/gguf"
	"nexusos/cortex/kernels"
	"nexusos/cortex/quant"
)

// intermediates holds llama.cpp's own graph tensors for the prompt.
type intermediates struct {
	data  []float32
	index map[string]struct {
		shape []int
		off   int
	}
}

func loadIntermediates(t *testing.T, name string) *intermediates {
	b, err := os.ReadFile(filepath.Join(testdata, name+".prompt.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Tensors []struct {
			Name   string
			Shape  []int
			Offset int `json:"offset_bytes"`
		}
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	in := &intermediates{data: readF32(t, name+".prompt.f32.bin"), index: map[string]struct {
		shape []int
		off   int
	}{}}
	for _, e := range idx.Tensors {
		in.index[e.Name] = struct {
			shape []int
			off   int
		}{e.Shape, e.Offset / 4}
	}
	return in
}

func (in *intermediates) get(t *testing.T, name string) []float32 {
	t.Helper()
	e, ok := in.index[name]
	if !ok {
		t.Fatalf("intermediate %s missing", name)
	}
	n := 1
	for _, d := range e.shape {
		n *= d
	}
	return in.data[e.off : e.off+n]
}

// opCheck is the per-op acceptance of tolerances.json: max abs ≤ 1e-5 and
// max abs / absmax ≤ 1e-5. It skips non-finite reference entries (masked
// attention scores).
func opCheck(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var maxAbs, absMax float64
	for i := range want {
		w := float64(want[i])
		if math.IsInf(w, 0) || math.IsNaN(w) {
			continue
		}
		absMax = max(absMax, math.Abs(w))
		maxAbs = max(maxAbs, math.Abs(float64(got[i])-w))
	}
	rel := maxAbs / max(absMax, 1e-30)
	if maxAbs > 1e-5 || rel > 1e-5 {
		t.Errorf("%s: max abs %.3g, relative %.3g (limit 1e-5)", what, maxAbs, rel)
	}
	worstRel[what] = max(worstRel[what], rel)
}

var worstRel = map[string]float64{}

// TestOpsMatchIntermediates feeds each op llama.cpp's own input and compares
// with llama.cpp's output, for every op of every layer.
func TestOpsMatchIntermediates(t *testing.T) {
	for _, name := range tinyModels {
		t.Run(name, func(t *testing.T) {
			_, m := openModel(t, name, Options{})
			in := loadIntermediates(t, name)
			c := m.Config
			const T = 24
			E, F := c.NEmbd, c.NFF
			hd := c.HeadDim
			nq, nkv := c.NHead*hd, c.NHeadKV*hd
			s, err := m.NewSession(SessionConfig{Context: 64, Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			norm := func(x, w []float32, n int) []float32 {
				out := make([]float32, len(x))
				for r := 0; r < len(x)/n; r++ {
					rmsNorm(out[r*n:(r+1)*n], x[r*n:(r+1)*n], w, c.Eps)
				}
				return out
			}
			lin := func(l *linear, x []float32) []float32 {
				out := make([]float32, T*l.rows)
				s.in.set(x, T, l.cols)
				s.linear(l, out)
				return out
			}
			add := func(a, b []float32) []float32 {
				out := make([]float32, len(a))
				for i := range a {
					out[i] = a[i] + b[i]
				}
				return out
			}
			x := in.get(t, "embd")
			for li := range m.layers {
				l := &m.layers[li]
				p := fmt.Sprintf("blk.%d.", li)
				g := func(n string) []float32 { return in.get(t, p+n) }
				opCheck(t, "rms_norm attn_norm", norm(x, l.attnNorm, E), g("attn_norm"))
				opCheck(t, "matmul attn_q", lin(&l.q, g("attn_norm")), g("q"))
				opCheck(t, "matmul attn_k", lin(&l.k, g("attn_norm")), g("k"))
				opCheck(t, "matmul attn_v", lin(&l.v, g("attn_norm")), g("v"))
				q := append([]float32(nil), g("q")...)
				k := append([]float32(nil), g("k")...)
				cs := make([]float32, c.RopeDim)
				for tt := 0; tt < T; tt++ {
					ropeCache(cs, tt, c.RopeDim, c.RopeBase, c.RopeFreqScl)
					ropeNeox(q[tt*nq:(tt+1)*nq], c.NHead, hd, c.RopeDim, cs)
					ropeNeox(k[tt*nkv:(tt+1)*nkv], c.NHeadKV, hd, c.RopeDim, cs)
				}
				opCheck(t, "rope q", q, g("q_rope"))
				opCheck(t, "rope k", k, g("k_rope"))

				// kq: raw f16(q)·f16(k) scores, [head, query, key].
				qr, kr, v := g("q_rope"), g("k_rope"), g("v")
				kq := make([]float32, c.NHead*T*T)
				ref := g("kq")
				group := c.NHead / c.NHeadKV
				for h := 0; h < c.NHead; h++ {
					for i := 0; i < T; i++ {
						qh := make([]float32, hd)
						for d := range qh {
							qh[d] = quant.RoundF16(qr[i*nq+h*hd+d])
						}
						for j := 0; j < T; j++ {
							idx := (h*T+i)*T + j
							if j > i {
								kq[idx] = ref[idx]
								continue
							}
							kh := make([]uint16, hd)
							for d := range kh {
								kh[d] = quant.F32ToF16(kr[j*nkv+(h/group)*hd+d])
							}
							kq[idx] = dotF16(kh, qh)
						}
					}
				}
				opCheck(t, "kq", kq, ref)
				sm := make([]float32, c.NHead*T*T)
				refSm := g("kq_softmax")
				scale := 1 / float32(math.Sqrt(float64(hd)))
				for h := 0; h < c.NHead; h++ {
					for i := 0; i < T; i++ {
						row := sm[(h*T+i)*T : (h*T+i)*T+i+1]
						for j := range row {
							row[j] = ref[(h*T+i)*T+j] * scale
						}
						softmaxInPlace(row)
					}
				}
				opCheck(t, "softmax", sm, refSm)

				// Whole attention (the production path): cache from the
				// reference k_rope and v, queries from q_rope.
				s.pos = 0
				for tt := 0; tt < T; tt++ {
					for d := 0; d < nkv; d++ {
						s.kc[li][tt*nkv+d] = quant.F32ToF16(kr[tt*nkv+d])
						s.vc[li][tt*nkv+d] = quant.F32ToF16(v[tt*nkv+d])
					}
				}
				copy(s.q, qr)
				s.attention(li, T)
				opCheck(t, "attention kqv_out", s.att[:T*nq], g("kqv_out"))

				opCheck(t, "rms_norm attn_sub_norm", norm(g("kqv_out"), l.attnSubNorm, nq), g("attn_sub_norm"))
				opCheck(t, "matmul attn_output", lin(&l.o, g("attn_sub_norm")), g("attn_out"))
				opCheck(t, "residual ffn_inp", add(x, g("attn_out")), g("ffn_inp"))
				opCheck(t, "rms_norm ffn_norm", norm(g("ffn_inp"), l.ffnNorm, E), g("ffn_norm"))
				opCheck(t, "matmul ffn_gate", lin(&l.gate, g("ffn_norm")), g("ffn_gate"))
				opCheck(t, "matmul ffn_up", lin(&l.up, g("ffn_norm")), g("ffn_up"))
				act := append([]float32(nil), g("ffn_gate")...)
				ffnAct(ActSiLU, act, g("ffn_up"))
				opCheck(t, "swiglu", act, g("ffn_act"))
				opCheck(t, "rms_norm ffn_sub_norm", norm(g("ffn_act"), l.ffnSubNorm, F), g("ffn_sub_norm"))
				opCheck(t, "matmul ffn_down", lin(&l.down, g("ffn_sub_norm")), g("ffn_down"))
				opCheck(t, "residual l_out", add(g("ffn_inp"), g("ffn_down")), g("l_out"))
				x = g("l_out")
			}
			rn := norm(x, m.outputNorm, E)
			opCheck(t, "rms_norm output_norm", rn, in.get(t, "result_norm"))
			logits := make([]float32, T*c.NVocab)
			if err := s.head(in.get(t, "blk.3.l_out"), T, logits); err != nil {
				t.Fatal(err)
			}
			opCheck(t, "lm_head", logits, in.get(t, "logits"))
		})
	}
	for _, k := range slices.Sorted(maps.Keys(worstRel)) {
		t.Logf("worst relative difference %-28s %.2g", k, worstRel[k])
	}
}

// TestKernelsMatchOracle checks every linear of both tiny models computed
// by cortex/kernels (matrix-vector and matrix-matrix) against the plain
// oracle in cortex/quant: dequantized trits, the oracle's own Q8_K
// quantization and exact integer block sums.
func TestKernelsMatchOracle(t *testing.T) {
	for _, name := range tinyModels {
		f, m := openModel(t, name, Options{})
		s, err := m.NewSession(SessionConfig{Context: 8, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		const T = 3
		for li := range m.layers {
			l := &m.layers[li]
			for _, lin := range []*linear{&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down} {
				x := make([]float32, T*lin.cols)
				for i := range x {
					x[i] = float32(math.Sin(float64(i*7+li))) * 2
				}
				got := make([]float32, T*lin.rows)
				s.in.set(x, T, lin.cols)
				s.linear(lin, got)
				one := make([]float32, lin.rows)
				s.in.set(x[:lin.cols], 1, lin.cols)
				s.linear(lin, one)
				ti, _ := f.Tensor(lin.name + ".weight")
				nb := lin.cols / quant.QK_K
				bs := int(ti.Type.TypeSize())
				for tt := 0; tt < T; tt++ {
					a := quant.QuantizeQ8K(x[tt*lin.cols : (tt+1)*lin.cols])
					for r := 0; r < lin.rows; r++ {
						trits := make([][quant.QK_K]int8, nb)
						d := make([]float32, nb)
						for b := 0; b < nb; b++ {
							blk := lin.w[(r*nb+b)*bs:]
							if ti.Type == gguf.TypeTQ2_0 {
								d[b] = quant.DecodeTQ2(blk, &trits[b])
							} else {
								d[b] = quant.DecodeTQ1(blk, &trits[b])
							}
						}
						want := quant.DotTernaryQ8K(trits, d, a) * lin.scale
						g := got[tt*lin.rows+r]
						if math.Abs(float64(g-want)) > 1e-5*max(1, math.Abs(float64(want))) {
							t.Fatalf("%s %s token %d row %d: kernels %g, oracle %g", name, lin.name, tt, r, g, want)
						}
						if tt == 0 && one[r] != g {
							t.Fatalf("%s %s row %d: matvec %g != matmul %g", name, lin.name, r, one[r], g)
						}
					}
				}
			}
		}
		s.Close()
	}
	t.Logf("kernels implementation: %s", kernels.Impl())
}

func TestGgmlExpfAccuracy(t *testing.T) {
	for x := float32(-110); x < 90; x += 0.0137 {
		got, want := float64(ggmlExpf(x)), math.Exp(float64(x))
		if want < 1.2e-38 { // float32 subnormal range: absolute check
			if math.Abs(got-want) > 1e-44 {
				t.Fatalf("ggmlExpf(%g) = %g, want %g", x, got, want)
			}
			continue
		}
		if want > math.MaxFloat32 {
			if !math.IsInf(got, 1) {
				t.Fatalf("ggmlExpf(%g) = %g, want +Inf", x, got)
			}
			continue
		}
		if rel := math.Abs(got-want) / want; rel > 3e-7 {
			t.Fatalf("ggmlExpf(%g) = %g, want %g (rel %g)", x, got, want, rel)
		}
	}
}

// TestI2SKernelsMatchOracle checks I2_S linears (bitnet.cpp layout and
// per-token int8 activations) of a synthetic model against a plain
// oracle: dequantized trits, bitnet.cpp's quantize_row_i8_s written out
// here, and (Σ trit·q) / act_scale · weight_scale.
func TestI2SKernelsMatchOracle(t *testing.T) {
	c := SynthTiny()
	c.Arch, c.WeightType, c.Seed = "bitnet-25", gguf.TypeI2_S, 5
	var buf bytes.Buffer
	if err := WriteSynth(&buf, c); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.OpenBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.NewSession(SessionConfig{Context: 8, Threads: 2})
	defer s.Close()
	const T = 3
	for _, lin := range []*linear{&m.layers[0].q, &m.layers[1].down, &m.layers[3].gate} {
		x := make([]float32, T*lin.cols)
		for i := range x {
			x[i] = float32(math.Cos(float64(i) * 0.37))
		}
		got := make([]float32, T*lin.rows)
		s.in.set(x, T, lin.cols)
		s.linear(lin, got)
		w := make([]float32, lin.rows*lin.cols)
		ti, _ := f.Tensor(lin.name + ".weight")
		data, _ := f.TensorData(ti)
		if err := quant.Dequantize(gguf.TypeI2_S, data, len(w), w); err != nil {
			t.Fatal(err)
		}
		for tt := 0; tt < T; tt++ {
			xs := x[tt*lin.cols : (tt+1)*lin.cols]
			amax := 0.00001
			for _, v := range xs {
				amax = max(amax, math.Abs(float64(v)))
			}
			sc := float32(127 / amax)
			q := make([]float32, len(xs))
			for i, v := range xs {
				q[i] = float32(max(-128, min(127, math.Round(float64(v*sc)))))
			}
			for r := 0; r < lin.rows; r++ {
				var sum int64
				for i := range q {
					sum += int64(math.Round(float64(w[r*lin.cols+i]/lin.i2s))) * int64(q[i])
				}
				want := float32(sum) / sc * lin.i2s
				if g := got[tt*lin.rows+r]; math.Abs(float64(g-want)) > 1e-5*max(1, math.Abs(float64(want))) {
					t.Fatalf("%s token %d row %d: kernels %g, oracle %g", lin.name, tt, r, g, want)
				}
			}
		}
	}
}
