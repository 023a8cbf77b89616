package bitnet

import (
	"context"
	"os"
	"testing"

	"nexusos/cortex/gguf"
)

// BenchmarkForward times prompt processing (128 tokens, batched) and
// single-token decoding on the model named by $CORTEX_BENCH_MODEL (for
// example a file from `nexus cortex synth --preset 2b-4t`), or on the tiny
// reference model.
func BenchmarkForward(b *testing.B) {
	path := os.Getenv("CORTEX_BENCH_MODEL")
	if path == "" {
		path = testdata + "/bitnet-tiny-tq2_0.gguf"
	}
	f, err := gguf.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	m, err := Load(f, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		prompt := make([]int, 128)
		for i := range prompt {
			prompt[i] = (i * 7919) % m.Config.NVocab
		}
		s, err := m.NewSession(SessionConfig{Context: 256, Threads: threads})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run("pp128/threads="+string(rune('0'+threads)), func(b *testing.B) {
			for b.Loop() {
				s.Reset(0)
				if _, err := s.Forward(ctx, prompt, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(prompt))/b.Elapsed().Seconds(), "tok/s")
		})
		b.Run("tg/threads="+string(rune('0'+threads)), func(b *testing.B) {
			s.Reset(0)
			for b.Loop() {
				if s.Pos() == s.Context() {
					s.Reset(0)
				}
				if _, err := s.Forward(ctx, []int{3}, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
		})
		s.Close()
	}
}
