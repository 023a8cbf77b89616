package cortex

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"nexusos/cortex/bitnet"
	"nexusos/cortex/kernels"
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
	// Probe, when set, measures read bandwidth (3 passes, Threads threads)
	// before every repetition of the generation test and after the last:
	// on a shared machine the bandwidth left to a process changes from one
	// second to the next, so each repetition is compared with the probes
	// around it.
	Probe *Prober
}

// probePasses is the number of probe passes between two repetitions.
const probePasses = 3

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
	// Bytes is the weight bytes read per token by a generation test (every
	// linear layer plus the output table), 0 for prompt tests, whose
	// batches reuse each weight for many tokens.
	Bytes int64
	// Probes holds, for each repetition of a generation test run with
	// BenchOptions.Probe, the median read bandwidth (GB/s) of the probe
	// passes just before and just after it.
	Probes []float64
}

// ProbeMedian returns the median of Probes (0 without probes).
func (r BenchResult) ProbeMedian() float64 { return median(r.Probes) }

// Fraction returns the median over repetitions of the weight read rate
// divided by the probe bandwidth around the repetition (0 without probes).
func (r BenchResult) Fraction() float64 {
	if len(r.Probes) != len(r.Rates) || r.Bytes == 0 {
		return 0
	}
	f := make([]float64, len(r.Rates))
	for i, x := range r.Rates {
		f[i] = float64(r.Bytes) * x / 1e9 / r.Probes[i]
	}
	return median(f)
}

// GBs returns the median rate of weight reads in GB/s (10⁹ bytes), or 0
// for a prompt test.
func (r BenchResult) GBs() float64 { return float64(r.Bytes) * r.Median() / 1e9 }

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
		lin, outB := m.Net.Bytes()
		r := BenchResult{Test: fmt.Sprintf("tg%d", opts.Gen), Threads: opts.Threads, Bytes: lin + outB}
		var probes [][]float64 // passes before each repetition, and after the last
		for i := -1; i < reps; i++ {
			s.Reset(0)
			tok := rng.IntN(V)
			if opts.Probe != nil && i >= 0 {
				probes = append(probes, opts.Probe.Read(opts.Threads, probePasses))
			}
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
		if opts.Probe != nil {
			probes = append(probes, opts.Probe.Read(opts.Threads, probePasses))
			for i := range reps {
				r.Probes = append(r.Probes, median(append(append([]float64(nil), probes[i]...), probes[i+1]...)))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// ProbeSize is the buffer a Prober reads: 16 times the 32 MiB last-level
// cache of the machines Cortex is tuned on, so that each pass streams from
// memory.
const ProbeSize = 512 << 20

// A Prober measures memory read bandwidth: how fast a number of threads
// read a ProbeSize buffer (backed by transparent huge pages where the
// kernel grants them) with the widest vector loads, each thread one
// contiguous share (kernels.ReadAll). Generation reads every weight once
// per token, so this is its bound.
type Prober struct {
	buf   []byte
	Huge  bool   // the buffer is in huge pages
	Loads string // "avx512", "avx2" or "go"
}

// NewProber maps and fills the buffer. Close it to unmap.
func NewProber() (*Prober, error) {
	buf, err := unix.Mmap(-1, 0, ProbeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("cortex: probe buffer: %w", err)
	}
	_ = unix.Madvise(buf, unix.MADV_HUGEPAGE) // best effort
	for i := 0; i < len(buf); i += 64 {
		buf[i] = byte(i>>6) | 1 // non-zero pages: reads must not hit the zero page
	}
	return &Prober{buf: buf, Loads: kernels.ReadAllImpl(),
		Huge: hugeBytes(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))) > 0}, nil
}

// Close unmaps the buffer.
func (p *Prober) Close() error {
	if p.buf == nil {
		return nil
	}
	b := p.buf
	p.buf = nil
	return unix.Munmap(b)
}

// Read reads the buffer passes times with threads threads and returns the
// rate of each pass in GB/s (10⁹ bytes per second).
func (p *Prober) Read(threads, passes int) []float64 {
	threads = max(threads, 1)
	share := len(p.buf) / threads &^ 4095
	var out []float64
	for pass := 0; pass < passes; pass++ {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for t := 0; t < threads; t++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				kernels.ReadAll(p.buf[t*share : (t+1)*share])
			}()
		}
		time.Sleep(time.Millisecond) // let the goroutines reach the start line
		t0 := time.Now()
		close(start)
		wg.Wait()
		out = append(out, float64(share*threads)/time.Since(t0).Seconds()/1e9)
	}
	return out
}

// hugeBytes returns the bytes of the mapping that starts at addr which
// the kernel backs with huge pages (AnonHugePages + FilePmdMapped in
// /proc/self/smaps; 0 if unknown).
func hugeBytes(addr uintptr) int64 {
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0
	}
	prefix := strconv.FormatUint(uint64(addr), 16) + "-"
	in := false
	var n int64
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			in = strings.HasPrefix(f[0], prefix)
			continue
		}
		if !in {
			continue
		}
		for _, key := range []string{"AnonHugePages:", "FilePmdMapped:"} {
			if v, ok := strings.CutPrefix(line, key); ok {
				k, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				n += k << 10
			}
		}
	}
	return n
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
