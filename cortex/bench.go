package cortex

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"syscall"
	"time"

	"nexusos/cortex/bitnet"
)

// BenchOptions configure Bench. The tests mirror llama-bench: "pp" times
// one prompt of Prompt random tokens processed in batches from an empty
// cache; "tg" times Gen single-token decodes from an empty cache.
type BenchOptions struct {
	Prompt  int // 0: skip pp
	Gen     int // 0: skip tg
	Threads int
	Batch   int // prompt batch (0: the session default, 128)
	Reps    int // 0: 3
}

// BenchResult is one test's throughput over the repetitions.
type BenchResult struct {
	Test    string // "pp128", "tg64"
	Threads int
	Rates   []float64 // tokens/s of each repetition (wall clock)
	// CPURates are tokens per CPU-second (user+system time of the whole
	// process) of each repetition: a figure that a busy machine distorts
	// much less than wall-clock time, as long as the threads are not
	// spinning.
	CPURates []float64
}

// Median returns the median wall-clock rate.
func (r BenchResult) Median() float64 { return median(r.Rates) }

// CPUMedian returns the median rate per CPU-second.
func (r BenchResult) CPUMedian() float64 { return median(r.CPURates) }

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Bench measures prompt processing and generation speed after one warm-up
// run of each test.
func (m *Model) Bench(ctx context.Context, opts BenchOptions) ([]BenchResult, error) {
	reps := opts.Reps
	if reps <= 0 {
		reps = 3
	}
	V := m.Net.Config.NVocab
	rng := rand.New(rand.NewPCG(1, 2))
	tokens := func(n int) []int {
		t := make([]int, n)
		for i := range t {
			t[i] = rng.IntN(V)
		}
		return t
	}
	nctx := max(opts.Prompt, opts.Gen, 1)
	s, err := m.Net.NewSession(bitnet.SessionConfig{Context: nctx, Threads: opts.Threads, Batch: opts.Batch})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var out []BenchResult
	if opts.Prompt > 0 {
		r := BenchResult{Test: fmt.Sprintf("pp%d", opts.Prompt), Threads: opts.Threads}
		for i := -1; i < reps; i++ {
			s.Reset(0)
			p := tokens(opts.Prompt)
			start, cpu0 := time.Now(), cpuTime()
			if _, err := s.Forward(ctx, p, false); err != nil {
				return nil, err
			}
			if i >= 0 {
				r.Rates = append(r.Rates, float64(opts.Prompt)/time.Since(start).Seconds())
				r.CPURates = append(r.CPURates, float64(opts.Prompt)/(cpuTime()-cpu0).Seconds())
			}
		}
		out = append(out, r)
	}
	if opts.Gen > 0 {
		r := BenchResult{Test: fmt.Sprintf("tg%d", opts.Gen), Threads: opts.Threads}
		for i := -1; i < reps; i++ {
			s.Reset(0)
			tok := rng.IntN(V)
			start, cpu0 := time.Now(), cpuTime()
			for j := 0; j < opts.Gen; j++ {
				l, err := s.Forward(ctx, []int{tok}, false)
				if err != nil {
					return nil, err
				}
				tok = argmax(l)
			}
			if i >= 0 {
				r.Rates = append(r.Rates, float64(opts.Gen)/time.Since(start).Seconds())
				r.CPURates = append(r.CPURates, float64(opts.Gen)/(cpuTime()-cpu0).Seconds())
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func argmax(x []float32) int {
	b := 0
	for i, v := range x {
		if v > x[b] {
			b = i
		}
	}
	return b
}
