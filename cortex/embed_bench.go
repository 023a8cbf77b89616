package cortex

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"nexusos/cortex/bitnet"
)

// EmbedBenchOptions configures BenchEmbed.
type EmbedBenchOptions struct {
	// Tokens is the length of each embedded sequence (random ids, the
	// last one EOS when the tokenizer has one).
	Tokens int
	// Texts is the number of sequences embedded in one call (0: 1); short
	// ones run together (bitnet.EmbedSession.EmbedBatch).
	Texts int
	// Threads is the worker threads (0: GOMAXPROCS).
	Threads int
	// Reps is the measured repetitions after one warm-up (0: 3).
	Reps int
	// Seed picks the random ids.
	Seed uint64
}

// BenchEmbed measures how fast e embeds opts.Texts sequences of
// opts.Tokens tokens in one call: Rates are tokens per second of wall-clock time, CPURates tokens
// per CPU-second of the process (user+system).
func BenchEmbed(ctx context.Context, e *Embedder, opts EmbedBenchOptions) (BenchResult, error) {
	if opts.Texts <= 0 {
		opts.Texts = 1
	}
	res := BenchResult{Test: fmt.Sprintf("embed%d", opts.Tokens), Threads: opts.Threads}
	if opts.Texts > 1 {
		res.Test = fmt.Sprintf("embed%dx%d", opts.Tokens, opts.Texts)
	}
	if opts.Tokens <= 0 {
		return res, fmt.Errorf("cortex: bench: %d tokens", opts.Tokens)
	}
	if opts.Reps <= 0 {
		opts.Reps = 3
	}
	r := rand.New(rand.NewPCG(opts.Seed, 0xbe7c))
	nv := e.Net.Config.NVocab
	seqs := make([][]int, opts.Texts)
	for k := range seqs {
		ids := make([]int, opts.Tokens)
		for i := range ids {
			ids[i] = r.IntN(nv)
		}
		if e.Tok != nil && e.Tok.EOS() >= 0 {
			ids[len(ids)-1] = int(e.Tok.EOS())
		}
		seqs[k] = ids
	}
	s := e.Net.NewEmbedSession(bitnet.EmbedSessionConfig{Threads: opts.Threads, MaxTokens: opts.Tokens})
	defer s.Close()
	for rep := 0; rep <= opts.Reps; rep++ {
		t0, c0 := time.Now(), cpuTime()
		if _, err := s.EmbedBatch(ctx, seqs); err != nil {
			return res, err
		}
		wall, cpu := time.Since(t0), cpuTime()-c0
		if rep == 0 {
			continue // warm-up
		}
		n := float64(opts.Tokens * opts.Texts)
		res.Rates = append(res.Rates, n/wall.Seconds())
		if cpu > 0 {
			res.CPURates = append(res.CPURates, n/cpu.Seconds())
		}
	}
	return res, nil
}
