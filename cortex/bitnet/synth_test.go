package bitnet

import (
	"bytes"
	"context"
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

func TestLoadErrors(t *testing.T) {
	c := SynthTiny()
	c.Arch = "bitnet"
	var buf bytes.Buffer
	if err := WriteSynth(&buf, c); err != nil {
		t.Fatal(err)
	}
	// Rewrite with a different architecture name.
	f, err := gguf.OpenBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	w := gguf.NewWriter()
	for _, k := range f.Keys() {
		v, _ := f.Value(k)
		x := v.Any()
		if k == "general.architecture" {
			x = "llama"
		}
		w.Set(k, x)
	}
	var out bytes.Buffer
	w.WriteTo(&out)
	g, err := gguf.OpenBytes(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(g, Options{}); err == nil || !bytes.Contains([]byte(err.Error()), []byte(`"llama"`)) {
		t.Errorf("unsupported arch error = %v", err)
	}
	if _, err := Load(g, Options{}); err == nil {
		t.Error("model without tensors loaded")
	}
	if _, err := writeSynthErr(SynthConfig{WeightType: gguf.TypeF16, NEmbd: 256, NLayer: 1, NHead: 1, NHeadKV: 1, NFF: 256, NVocab: 300}); err == nil {
		t.Error("non-ternary synth accepted")
	}
}

func writeSynthErr(c SynthConfig) (int, error) {
	var buf bytes.Buffer
	err := WriteSynth(&buf, c)
	return buf.Len(), err
}
