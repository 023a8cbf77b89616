package bitnet

import (
	"context"
	"fmt"
	"os"
	"testing"

	"nexusos/cortex/gguf"
)

// BenchmarkEmbed times the embedding of one sequence of
// $CORTEX_BENCH_EMBED_TOKENS tokens (default 128) on the model named by
// $CORTEX_BENCH_EMBED_MODEL (for example the file of `nexus cortex
// embed-bench --synth 0.6b --synth-out FILE`), or on the tiny converted
// reference model; it reports tokens/s.
func BenchmarkEmbed(b *testing.B) {
	path := os.Getenv("CORTEX_BENCH_EMBED_MODEL")
	if path == "" {
		path = testdata + "/" + embedTinyI2S + ".gguf"
	}
	f, err := gguf.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	m, err := LoadEmbed(f)
	if err != nil {
		b.Fatal(err)
	}
	n := 128
	if s := os.Getenv("CORTEX_BENCH_EMBED_TOKENS"); s != "" {
		fmt.Sscan(s, &n)
	}
	toks := make([]int, n)
	for i := range toks {
		toks[i] = (i * 7919) % m.Config.NVocab
	}
	for _, threads := range []int{1, 2} {
		s := m.NewEmbedSession(EmbedSessionConfig{Threads: threads})
		b.Run(fmt.Sprintf("embed%d/threads=%d", n, threads), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Embed(context.Background(), toks); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(toks))/b.Elapsed().Seconds(), "tok/s")
		})
		s.Close()
	}
}
