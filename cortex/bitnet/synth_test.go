package bitnet

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"nexusos/cortex/gguf"
)

// TestSynthLoadsAndRuns writes synthetic models of each ternary type and
// architecture, loads them and checks that batched prompt processing and
// token-by-token decoding give the same logits.
func TestSynthLoadsAndRuns(t *testing.T) {
	for _, tc := range []struct {
		arch   string
		typ    gguf.TensorType
		scales bool
	}{
		{"bitnet", gguf.TypeTQ2_0, false},
		{"bitnet", gguf.TypeTQ1_0, true},
		{"bitnet-25", gguf.TypeI2_S, false},
		{"bitnet-b1.58", gguf.TypeTQ2_0, false},
	} {
		t.Run(tc.arch+"-"+tc.typ.String(), func(t *testing.T) {
			c := SynthTiny()
			c.Arch, c.WeightType, c.Scales, c.Seed = tc.arch, tc.typ, tc.scales, 42
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
			want := ActSiLU
			if tc.arch != "bitnet" {
				want = ActReLU2
			}
			if m.Config.Act != want {
				t.Errorf("activation %v, want %v", m.Config.Act, want)
			}
			toks := []int{1, 300, 301, 302, 5, 7, 400, 259}
			ctx := context.Background()
			s1, _ := m.NewSession(SessionConfig{Context: 32, Threads: 2})
			defer s1.Close()
			batch, err := s1.Forward(ctx, toks, true)
			if err != nil {
				t.Fatal(err)
			}
			s2, _ := m.NewSession(SessionConfig{Context: 32, Threads: 1, Batch: 3})
			defer s2.Close()
			V := m.Config.NVocab
			// A prompt longer than the batch runs in several steps.
			s3, _ := m.NewSession(SessionConfig{Context: 32, Threads: 2, Batch: 3})
			defer s3.Close()
			multi, err := s3.Forward(ctx, toks, true)
			if err != nil {
				t.Fatal(err)
			}
			if d, _, _, _ := logitDiff(multi, batch, V); d != 0 {
				t.Fatalf("multi-step prompt differs from one batch by %g", d)
			}
			for i, tok := range toks {
				l, err := s2.Forward(ctx, []int{tok}, false)
				if err != nil {
					t.Fatal(err)
				}
				maxAbs, _, agree, _ := logitDiff(l, batch[i*V:(i+1)*V], V)
				// Batched and single-token paths compute the same sums in
				// the same order.
				if maxAbs != 0 || agree != 1 {
					t.Fatalf("token %d: batched vs single-token logits differ by %g", i, maxAbs)
				}
			}
		})
	}
}

// rewrite copies a GGUF image, replacing metadata values (nil deletes)
// and dropping tensors.
func rewrite(t *testing.T, img []byte, meta map[string]any, drop map[string]bool) *gguf.File {
	t.Helper()
	f, err := gguf.OpenBytes(img)
	if err != nil {
		t.Fatal(err)
	}
	w := gguf.NewWriter()
	for _, k := range f.Keys() {
		v, _ := f.Value(k)
		x := v.Any()
		if nv, ok := meta[k]; ok {
			if nv == nil {
				continue
			}
			x = nv
		}
		if err := w.Set(k, x); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range meta {
		if _, ok := f.Value(k); !ok && v != nil {
			w.Set(k, v)
		}
	}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		if drop[ti.Name] {
			continue
		}
		d, _ := f.TensorData(ti)
		if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, d); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := w.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	g, err := gguf.OpenBytes(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLoadErrors checks that bad or unsupported files fail with an error
// that names the problem.
func TestLoadErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSynth(&buf, SynthTiny()); err != nil {
		t.Fatal(err)
	}
	img := buf.Bytes()
	cases := []struct {
		name string
		meta map[string]any
		drop map[string]bool
		want string
	}{
		{"unsupported arch", map[string]any{"general.architecture": "llama"}, nil, `"llama"`},
		{"no arch", map[string]any{"general.architecture": nil}, nil, "general.architecture"},
		{"heads do not divide", map[string]any{"bitnet.attention.head_count": uint32(7)}, nil, "divide"},
		{"kv heads do not divide", map[string]any{"bitnet.attention.head_count_kv": uint32(3)}, nil, "divide"},
		{"no eps", map[string]any{"bitnet.attention.layer_norm_rms_epsilon": nil}, nil, "layer_norm_rms_epsilon"},
		{"huge layer count", map[string]any{"bitnet.block_count": uint32(1 << 30)}, nil, "out of range"},
		{"more layers than tensors", map[string]any{"bitnet.block_count": uint32(5)}, nil, "blk.4."},
		{"wrong ffn size", map[string]any{"bitnet.feed_forward_length": uint32(512)}, nil, "ffn_sub_norm"},
		{"odd rope dims", map[string]any{"bitnet.rope.dimension_count": uint32(7)}, nil, "rope"},
		{"yarn rope", map[string]any{"bitnet.rope.scaling.type": "yarn"}, nil, "yarn"},
		{"missing tensor", nil, map[string]bool{"blk.2.ffn_up.weight": true}, "blk.2.ffn_up.weight"},
		{"missing norm", nil, map[string]bool{"output_norm.weight": true}, "output_norm.weight"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(rewrite(t, img, tc.meta, tc.drop), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %s", err, tc.want)
			}
		})
	}
	// A linear layer of an unsupported type names the tensor and type.
	w := gguf.NewWriter()
	f, _ := gguf.OpenBytes(img)
	for _, k := range f.Keys() {
		v, _ := f.Value(k)
		w.Set(k, v.Any())
	}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		d, _ := f.TensorData(ti)
		if ti.Name == "blk.0.attn_q.weight" {
			w.AddTensor(ti.Name, gguf.TypeF16, ti.Dims, make([]byte, 2*ti.Elements()))
			continue
		}
		w.AddTensor(ti.Name, ti.Type, ti.Dims, d)
	}
	var out bytes.Buffer
	w.WriteTo(&out)
	g, _ := gguf.OpenBytes(out.Bytes())
	if _, err := Load(g, Options{}); err == nil || !strings.Contains(err.Error(), "blk.0.attn_q.weight has type F16") {
		t.Errorf("F16 linear: %v", err)
	}
	if _, err := writeSynthErr(SynthConfig{WeightType: gguf.TypeF16, NEmbd: 256, NLayer: 1, NHead: 1, NHeadKV: 1, NFF: 256, NVocab: 300}); err == nil {
		t.Error("non-ternary synth accepted")
	}
	// Token ids are checked.
	m, err := Load(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.NewSession(SessionConfig{Context: 4})
	defer s.Close()
	if _, err := s.Forward(context.Background(), []int{512}, false); err == nil {
		t.Error("token id out of range accepted")
	}
	if _, err := s.Forward(context.Background(), []int{1, 2, 3, 4, 5}, false); err == nil {
		t.Error("context overflow accepted")
	}
}

func writeSynthErr(c SynthConfig) (int, error) {
	var buf bytes.Buffer
	err := WriteSynth(&buf, c)
	return buf.Len(), err
}

// TestLinearBias checks optional blk.N.<linear>.bias tensors: a zero bias
// leaves the logits unchanged, a non-zero one changes them.
func TestLinearBias(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSynth(&buf, SynthTiny()); err != nil {
		t.Fatal(err)
	}
	withBias := func(v float32) []float32 {
		f, err := gguf.OpenBytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		w := gguf.NewWriter()
		for _, k := range f.Keys() {
			x, _ := f.Value(k)
			w.Set(k, x.Any())
		}
		for i := range f.Tensors {
			ti := &f.Tensors[i]
			d, _ := f.TensorData(ti)
			w.AddTensor(ti.Name, ti.Type, ti.Dims, d)
		}
		b := make([]byte, 4*256)
		for i := 0; i < 256; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		w.AddTensor("blk.1.attn_q.bias", gguf.TypeF32, []uint64{256}, b)
		var out bytes.Buffer
		w.WriteTo(&out)
		g, err := gguf.OpenBytes(out.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		m, err := Load(g, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := m.NewSession(SessionConfig{Context: 8, Threads: 1})
		defer s.Close()
		l, err := s.Forward(context.Background(), []int{1, 300, 301}, false)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	f, _ := gguf.OpenBytes(buf.Bytes())
	m, _ := Load(f, Options{})
	s, _ := m.NewSession(SessionConfig{Context: 8, Threads: 1})
	defer s.Close()
	plain, _ := s.Forward(context.Background(), []int{1, 300, 301}, false)
	zero, one := withBias(0), withBias(0.5)
	d0, _, _, _ := logitDiff(zero, plain, len(plain))
	d1, _, _, _ := logitDiff(one, plain, len(plain))
	if d0 != 0 || d1 == 0 {
		t.Errorf("zero bias moved logits by %g; bias 0.5 by %g", d0, d1)
	}
}
