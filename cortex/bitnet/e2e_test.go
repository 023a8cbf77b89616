package bitnet

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"nexusos/cortex/gguf"
)

const testdata = "../testdata"

var tinyModels = []string{"bitnet-tiny-tq2_0", "bitnet-tiny-tq1_0-scaled"}

func readF32(t testing.TB, name string) []float32 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

type refRun struct {
	Prompt []int `json:"prompt_token_ids"`
	Greedy []int `json:"greedy_continuation"`
}

func readRef(t testing.TB, name string) refRun {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	var r refRun
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func openModel(t testing.TB, name string, opts Options) (*gguf.File, *Model) {
	t.Helper()
	f, err := gguf.Open(filepath.Join(testdata, name+".gguf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := Load(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f, m
}

// logitDiff compares rows of logits: max and mean absolute difference and
// the number of rows whose argmax agrees.
func logitDiff(got, want []float32, vocab int) (maxAbs, meanAbs float64, agree, rows int) {
	rows = len(want) / vocab
	var sum float64
	for r := 0; r < rows; r++ {
		g, w := got[r*vocab:(r+1)*vocab], want[r*vocab:(r+1)*vocab]
		for i := range w {
			d := math.Abs(float64(g[i] - w[i]))
			maxAbs = max(maxAbs, d)
			sum += d
		}
		if argmax(g) == argmax(w) {
			agree++
		}
	}
	return maxAbs, sum / float64(len(want)), agree, rows
}

// teacherForced runs the prompt as one batch and then each greedy token as
// a single-token step, returning prompt and generation logits.
func teacherForced(t testing.TB, m *Model, ref refRun, threads, batch int) (prompt, gen []float32) {
	t.Helper()
	s, err := m.NewSession(SessionConfig{Context: 256, Threads: threads, Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	prompt, err = s.Forward(ctx, ref.Prompt, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range ref.Greedy {
		l, err := s.Forward(ctx, []int{tok}, false)
		if err != nil {
			t.Fatal(err)
		}
		gen = append(gen, l...)
	}
	return prompt, gen
}

// Acceptance from tolerances.json: max abs ≤ 0.5, mean abs ≤ 0.08, argmax
// agreement ≥ 75% of positions.
func checkLogits(t *testing.T, what string, got, want []float32, vocab int) {
	t.Helper()
	maxAbs, meanAbs, agree, rows := logitDiff(got, want, vocab)
	t.Logf("%s: max abs %.4f, mean abs %.5f, argmax %d/%d", what, maxAbs, meanAbs, agree, rows)
	if maxAbs > 0.5 || meanAbs > 0.08 || agree*4 < rows*3 {
		t.Errorf("%s: max abs %.4f (≤0.5), mean abs %.5f (≤0.08), argmax %d/%d (≥75%%)", what, maxAbs, meanAbs, agree, rows)
	}
}

func TestLogitsMatchLlamaCpp(t *testing.T) {
	for _, name := range tinyModels {
		t.Run(name, func(t *testing.T) {
			_, m := openModel(t, name, Options{})
			ref := readRef(t, name+".json")
			prompt, gen := teacherForced(t, m, ref, 2, 0)
			V := m.Config.NVocab
			checkLogits(t, "prompt vs llama.cpp", prompt, readF32(t, name+".prompt_logits.f32.bin"), V)
			checkLogits(t, "teacher-forced generation vs llama.cpp", gen, readF32(t, name+".gen_logits.f32.bin"), V)
			checkLogits(t, "prompt vs numpy", prompt, readF32(t, name+".numpy.prompt_logits.f32.bin"), V)
		})
	}
}

func TestReLU2MatchesNumpy(t *testing.T) {
	for _, name := range tinyModels {
		t.Run(name, func(t *testing.T) {
			_, m := openModel(t, name, Options{Act: ActReLU2})
			ref := readRef(t, name+".numpy.relu2.json")
			prompt, gen := teacherForced(t, m, ref, 1, 0)
			V := m.Config.NVocab
			checkLogits(t, "relu2 prompt vs numpy", prompt, readF32(t, name+".numpy.relu2.prompt_logits.f32.bin"), V)
			checkLogits(t, "relu2 teacher-forced generation vs numpy", gen, readF32(t, name+".numpy.relu2.gen_logits.f32.bin"), V)
		})
	}
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
