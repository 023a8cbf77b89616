package hnswbench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"nexusos/internal/benchstat"
	"nexusos/vectordb/distance"
	"nexusos/vectordb/hnsw"
)

// Options configure Run.
type Options struct {
	CacheDir    string // where the tarball, converted vectors and ground truth live
	N           int    // base vectors (default 300000)
	Queries     int    // held-out queries (default 1000)
	K           int    // recall@K (default 10)
	M           int    // HNSW M (default 16)
	EfConstruct int    // HNSW ef_construct (default 200)
	Ef          []int  // search ef values to sweep (default 10,20,40,80,120,160,200)
	Threads     []int  // build thread counts; the largest also runs queries (default 1,2)
	Seed        uint64 // split seed (default 1)
	Repeat      int    // query passes per point; the median is reported (default 3)
	// Progress, if set, receives progress lines during long steps.
	Progress io.Writer
	// ExportDir, if set, receives the split (base.vec, queries.vec in the
	// cache format) and the ground truth (gt.bin) so other engines can be
	// measured on exactly the same data.
	ExportDir string
	// ExportOnly stops after the export.
	ExportOnly bool
	// Int8 also measures int8 scalar quantization (quantile Quantile,
	// default 0.99): the graph is traversed with the codes and the best
	// K × oversampling candidates are rescored with the float vectors, as
	// Qdrant's scalar quantization with rescore, for every value of
	// Oversampling (default 1).
	Int8 bool
	// Int8Build builds the graph with its neighbour searches and selection
	// scored by the int8 codes (hnsw.Index.InsertQuantized); it implies
	// Int8.
	Int8Build    bool
	Quantile     float64
	Oversampling []float64
	// Binary also measures binary quantization with each of these
	// encodings (hnsw.OneBit, TwoBits, OneAndHalfBits) and the query
	// encoding BinaryQuery, at every value of Oversampling, rescored as
	// for Int8.
	Binary      []hnsw.BinaryEncoding
	BinaryQuery hnsw.BinaryQuery
	// Product also measures product quantization with each of these
	// compression ratios (4, 8, 16, 32 or 64: Qdrant's x4 … x64, N/4
	// elements per code byte; codebooks trained by k-means on up to
	// hnsw.PQSample base vectors), at every value of Oversampling,
	// rescored as for Int8.
	Product []int
	// QueryProfile, if set, receives a CPU profile of the search passes
	// only (not the load, ground truth and build).
	QueryProfile io.Writer
}

func (o *Options) defaults() {
	if o.N <= 0 {
		o.N = 300000
	}
	if o.Queries <= 0 {
		o.Queries = 1000
	}
	if o.K <= 0 {
		o.K = 10
	}
	if o.M <= 0 {
		o.M = 16
	}
	if o.EfConstruct <= 0 {
		o.EfConstruct = 200
	}
	if len(o.Ef) == 0 {
		o.Ef = []int{10, 20, 40, 80, 120, 160, 200}
	}
	if len(o.Threads) == 0 {
		o.Threads = []int{1, 2}
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Repeat <= 0 {
		o.Repeat = 3
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Quantile <= 0 || o.Quantile > 1 {
		o.Quantile = 0.99
	}
	if len(o.Oversampling) == 0 {
		o.Oversampling = []float64{1}
	}
	for i, v := range o.Oversampling {
		o.Oversampling[i] = max(v, 1)
	}
}

// ParseInts parses a comma-separated list of positive integers.
func ParseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad number %q in list %q", f, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// Run executes the whole benchmark and prints its report to out.
func Run(ctx context.Context, o Options, out io.Writer) error {
	o.defaults()
	p := func(format string, args ...any) { fmt.Fprintf(o.Progress, format+"\n", args...) }
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return fmt.Errorf("create cache: %w", err)
	}
	p("loading vectors (cache %s)", o.CacheDir)
	all, err := LoadGloVe(ctx, o.CacheDir)
	if err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	split, err := MakeSplit(all, o.N, o.Queries, o.Seed)
	if err != nil {
		return err
	}
	all = nil
	p("ground truth: exact top-%d of %d queries over %d vectors", o.K, o.Queries, o.N)
	gt, err := CachedGroundTruth(ctx, o.CacheDir, split, o.K)
	if err != nil {
		return fmt.Errorf("ground truth: %w", err)
	}
	if o.ExportDir != "" {
		if err := Export(o.ExportDir, split, gt); err != nil {
			return err
		}
		p("exported the split to %s", o.ExportDir)
		if o.ExportOnly {
			return nil
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	baseHeap, baseRSS := memNow()

	fmt.Fprintf(out, "vectors: %s, %d base + %d queries, dim %d, cosine (unit vectors, inner product), split seed %d\n",
		Package, split.Base.Len(), split.Queries.Len(), split.Base.Dim(), o.Seed)
	fmt.Fprintf(out, "kernels: %s; GOMAXPROCS %d; %s\n", distance.Impl(), runtime.GOMAXPROCS(0), "load average "+benchstat.LoadAvg())
	fmt.Fprintf(out, "hnsw: M=%d ef_construct=%d\n\n", o.M, o.EfConstruct)

	var idx *hnsw.Index
	var buildQ *hnsw.Quantized
	if o.Int8Build {
		o.Int8 = true
		start := time.Now()
		buildQ = hnsw.Calibrate(split.Base, split.Base.Len(), o.Quantile)
		buildQ.Unit = true
		buildQ.Quantize(split.Base, split.Base.Len())
		fmt.Fprintf(out, "int8 codes for the build made in %.2f s; the graph's neighbour searches and selection are scored by them\n", time.Since(start).Seconds())
	}
	threads := slices.Clone(o.Threads)
	slices.Sort(threads)
	for _, t := range threads {
		idx = nil
		runtime.GC()
		cfg := hnsw.Config{M: o.M, EfConstruct: o.EfConstruct, Metric: hnsw.Dot, Seed: 1}
		var cpu0 time.Duration
		cpu0 = processCPU()
		start := time.Now()
		idx, err = BuildQuantized(ctx, cfg, split.Base, buildQ, t, func(done int) {
			p("  build (%d thread(s)): %d/%d (%.0f%%) %s", t, done, split.Base.Len(), 100*float64(done)/float64(split.Base.Len()), time.Since(start).Round(time.Second))
		})
		if err != nil {
			return err
		}
		wall := time.Since(start)
		cpu := processCPU() - cpu0
		fmt.Fprintf(out, "build, %d thread(s): %.1f s wall, %.1f s CPU\n", t, wall.Seconds(), cpu.Seconds())
	}

	runtime.GC()
	debug.FreeOSMemory()
	heap, rss := memNow()
	fmt.Fprintf(out, "memory: vectors %.1f MB + graph %.1f MB allocated; Go heap %.1f MB in use (%.1f MB before the build); RSS %.1f MB (%.1f MB before)\n",
		mb(split.Base.Bytes()), mb(idx.Bytes()), mb(int64(heap)), mb(int64(baseHeap)), mb(int64(rss)), mb(int64(baseRSS)))
	searchers := []Searcher{FloatSearcher(idx)}
	modes := []string{"float"}
	if o.Int8 {
		start := time.Now()
		qz := buildQ
		if qz == nil {
			qz = hnsw.Calibrate(split.Base, split.Base.Len(), o.Quantile)
			qz.Unit = true // the split is unit-normalised
			qz.Quantize(split.Base, split.Base.Len())
		}
		lo, hi := qz.Range()
		fmt.Fprintf(out, "int8 (%s kernel): quantile %g, range [%.4f, %.4f], quantized in %.2f s; codes %.1f MB: float index (vectors + graph) %.1f MB, int8 index (codes + graph) %.1f MB, + float vectors kept for rescoring\n",
			distance.Int8Impl(), o.Quantile, lo, hi, time.Since(start).Seconds(), mb(qz.Bytes()),
			mb(split.Base.Bytes()+idx.Bytes()), mb(qz.Bytes()+idx.Bytes()))
		for _, os := range o.Oversampling {
			searchers = append(searchers, Int8Searcher(idx, split.Base, qz, os))
			modes = append(modes, fmt.Sprintf("int8 os=%g", os))
		}
	}
	for _, enc := range o.Binary {
		start := time.Now()
		bz := hnsw.NewBinary(split.Base, split.Base.Len(), enc, o.BinaryQuery)
		bz.Quantize(split.Base, split.Base.Len())
		fmt.Fprintf(out, "binary %s, query %s (%s kernel): encoded in %.2f s; codes %.1f MB (%d bytes/vector): binary index (codes + graph) %.1f MB, + float vectors kept for rescoring\n",
			enc, o.BinaryQuery, distance.PopcntImpl(), time.Since(start).Seconds(), mb(bz.Bytes()), 8*bz.Words(), mb(bz.Bytes()+idx.Bytes()))
		name := map[hnsw.BinaryEncoding]string{hnsw.OneBit: "bin1", hnsw.TwoBits: "bin2", hnsw.OneAndHalfBits: "bin1.5"}[enc]
		if o.BinaryQuery != hnsw.QuerySame {
			name += "/q" + strings.TrimSuffix(strings.TrimPrefix(o.BinaryQuery.String(), "scalar"), "bits")
		}
		for _, os := range o.Oversampling {
			searchers = append(searchers, BinarySearcher(idx, split.Base, bz, os))
			modes = append(modes, fmt.Sprintf("%s os=%g", name, os))
		}
	}
	for _, ratio := range o.Product {
		start := time.Now()
		pz := hnsw.NewProduct(split.Base, split.Base.Len(), min(ratio/4, split.Base.Dim()), hnsw.Dot)
		trained := time.Since(start)
		pz.Quantize(split.Base, split.Base.Len())
		fmt.Fprintf(out, "product x%d (%d sub-vectors of %d): codebooks trained in %.2f s, encoded in %.2f s; codes + codebooks %.1f MB (%d bytes/vector): product index (codes + graph) %.1f MB, + float vectors kept for rescoring\n",
			ratio, pz.CodeBytes(), pz.Sub(), trained.Seconds(), (time.Since(start) - trained).Seconds(), mb(pz.Bytes()), pz.CodeBytes(), mb(pz.Bytes()+idx.Bytes()))
		for _, os := range o.Oversampling {
			searchers = append(searchers, ProductSearcher(idx, split.Base, pz, os))
			modes = append(modes, fmt.Sprintf("pq x%d os=%g", ratio, os))
		}
	}
	fmt.Fprintln(out)

	qt := threads[len(threads)-1]
	if o.QueryProfile != nil {
		if err := pprof.StartCPUProfile(o.QueryProfile); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(out, "%-14s  %6s  %9s  %14s  %14s  %14s\n", "search", "ef", "recall@"+strconv.Itoa(o.K), "q/s 1 thr wall", "q/s 1 thr CPU", fmt.Sprintf("q/s %d thr wall", qt))
	for _, ef := range o.Ef {
		for si, search := range searchers {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec := RecallOf(search, split.Queries, gt, o.K, ef)
			var walls, cpus, pars []float64
			for range o.Repeat {
				w, c := querySingle(search, split.Queries, o.K, ef)
				walls = append(walls, w)
				cpus = append(cpus, c)
				pars = append(pars, queryParallel(search, split.Queries, o.K, ef, qt))
			}
			n := float64(split.Queries.Len())
			fmt.Fprintf(out, "%-14s  %6d  %9.4f  %14.0f  %14.0f  %14.0f\n", modes[si], ef, rec, n/benchstat.Median(walls), n/benchstat.Median(cpus), n/benchstat.Median(pars))
		}
	}
	fmt.Fprintf(out, "\n(load average %s after the run)\n", benchstat.LoadAvg())
	return nil
}

// Build inserts every vector of base into a new index on threads
// goroutines, calling progress (if not nil) about every five seconds.
func Build(ctx context.Context, cfg hnsw.Config, base *hnsw.Flat, threads int, progress func(done int)) (*hnsw.Index, error) {
	return BuildQuantized(ctx, cfg, base, nil, threads, progress)
}

// BuildQuantized is Build with the neighbour searches and selection scored
// by qz's int8 codes of base (hnsw.Index.InsertQuantized); qz nil is Build.
func BuildQuantized(ctx context.Context, cfg hnsw.Config, base *hnsw.Flat, qz *hnsw.Quantized, threads int, progress func(done int)) (*hnsw.Index, error) {
	idx := hnsw.New(cfg, base)
	var next atomic.Int64
	var done atomic.Int64
	n := int64(base.Len())
	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				// Claim ids in small batches so threads work on nearby
				// ids without contending on the counter.
				lo := next.Add(64) - 64
				if lo >= n {
					return
				}
				for id := lo; id < min(lo+64, n); id++ {
					idx.InsertQuantized(uint32(id), qz)
				}
				done.Add(min(64, n-lo))
			}
		}()
	}
	stop := make(chan struct{})
	if progress != nil {
		go func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					progress(int(done.Load()))
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	return idx, nil
}

// Searcher answers a top-k query at ef.
type Searcher func(q []float32, k, ef int) []hnsw.Result

// FloatSearcher searches idx with the float vectors.
func FloatSearcher(idx *hnsw.Index) Searcher {
	return func(q []float32, k, ef int) []hnsw.Result { return idx.Search(q, k, ef, nil) }
}

// Int8Searcher traverses idx (a Dot index over base) with the int8 codes
// of qz and rescores the best ceil(k × oversampling) candidates with the
// float vectors of base.
func Int8Searcher(idx *hnsw.Index, base *hnsw.Flat, qz *hnsw.Quantized, oversampling float64) Searcher {
	return func(q []float32, k, ef int) []hnsw.Result {
		kk := max(k, int(math.Ceil(float64(k)*oversampling)))
		res := idx.SearchQuantized(q, kk, max(ef, kk), nil, qz)
		for i := range res {
			res[i].Dist = -distance.Dot(q, base.At(res[i].ID))
		}
		slices.SortFunc(res, func(a, b hnsw.Result) int { return cmp.Compare(a.Dist, b.Dist) })
		return res[:min(k, len(res))]
	}
}

// BinarySearcher traverses idx (a Dot index over base) with the binary
// codes of bz and rescores the best ceil(k × oversampling) candidates
// with the float vectors of base.
func BinarySearcher(idx *hnsw.Index, base *hnsw.Flat, bz *hnsw.Binary, oversampling float64) Searcher {
	return func(q []float32, k, ef int) []hnsw.Result {
		kk := max(k, int(math.Ceil(float64(k)*oversampling)))
		res := idx.SearchBinary(q, kk, max(ef, kk), nil, bz)
		for i := range res {
			res[i].Dist = -distance.Dot(q, base.At(res[i].ID))
		}
		slices.SortFunc(res, func(a, b hnsw.Result) int { return cmp.Compare(a.Dist, b.Dist) })
		return res[:min(k, len(res))]
	}
}

// ProductSearcher traverses idx (a Dot index over base) with the product
// codes of pz and rescores the best ceil(k × oversampling) candidates
// with the float vectors of base.
func ProductSearcher(idx *hnsw.Index, base *hnsw.Flat, pz *hnsw.Product, oversampling float64) Searcher {
	return func(q []float32, k, ef int) []hnsw.Result {
		kk := max(k, int(math.Ceil(float64(k)*oversampling)))
		res := idx.SearchProduct(q, kk, max(ef, kk), nil, pz)
		for i := range res {
			res[i].Dist = -distance.Dot(q, base.At(res[i].ID))
		}
		slices.SortFunc(res, func(a, b hnsw.Result) int { return cmp.Compare(a.Dist, b.Dist) })
		return res[:min(k, len(res))]
	}
}

// ParseProduct parses a comma-separated list of product quantization
// compression ratios: 4, 8, 16, 32, 64, with or without Qdrant's x.
func ParseProduct(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		switch v := strings.TrimPrefix(f, "x"); v {
		case "4", "8", "16", "32", "64":
			n, _ := strconv.Atoi(v)
			out = append(out, n)
		default:
			return nil, fmt.Errorf("unknown compression %q (x4, x8, x16, x32 or x64)", f)
		}
	}
	return out, nil
}

// ParseFloats parses a comma-separated list of numbers.
func ParseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) {
			return nil, fmt.Errorf("bad number %q in list %q", f, s)
		}
		out = append(out, v)
	}
	return out, nil
}

// ParseBinary parses a comma-separated list of binary encodings: 1 or
// one_bit, 1.5 or one_and_half_bits, 2 or two_bits.
func ParseBinary(s string) ([]hnsw.BinaryEncoding, error) {
	var out []hnsw.BinaryEncoding
	for _, f := range strings.Split(s, ",") {
		switch strings.TrimSpace(f) {
		case "":
		case "1", "one_bit":
			out = append(out, hnsw.OneBit)
		case "1.5", "one_and_half_bits":
			out = append(out, hnsw.OneAndHalfBits)
		case "2", "two_bits":
			out = append(out, hnsw.TwoBits)
		default:
			return nil, fmt.Errorf("unknown binary encoding %q (1, 1.5 or 2)", f)
		}
	}
	return out, nil
}

// ParseBinaryQuery parses a query encoding: binary (or default),
// scalar4bits or scalar8bits.
func ParseBinaryQuery(s string) (hnsw.BinaryQuery, error) {
	switch s {
	case "", "default", "binary":
		return hnsw.QuerySame, nil
	case "scalar4bits":
		return hnsw.QueryScalar4, nil
	case "scalar8bits":
		return hnsw.QueryScalar8, nil
	}
	return 0, fmt.Errorf("unknown query encoding %q (binary, scalar4bits or scalar8bits)", s)
}

// Recall returns the mean recall@k of idx over the queries at ef.
func Recall(idx *hnsw.Index, queries *Vectors, gt *GroundTruth, k, ef int) float64 {
	return RecallOf(FloatSearcher(idx), queries, gt, k, ef)
}

// RecallOf returns the mean recall@k of search over the queries at ef.
func RecallOf(search Searcher, queries *Vectors, gt *GroundTruth, k, ef int) float64 {
	var hits int
	for i := range queries.Len() {
		res := search(queries.Row(i), k, ef)
		truth := gt.Row(i)[:min(k, gt.K)]
		for _, r := range res {
			if slices.Contains(truth, r.ID) {
				hits++
			}
		}
	}
	return float64(hits) / float64(queries.Len()*min(k, gt.K))
}

// querySingle runs every query once on one locked OS thread and returns
// the wall and thread-CPU seconds.
func querySingle(search Searcher, queries *Vectors, k, ef int) (wall, cpu float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := threadCPU()
	start := time.Now()
	for i := range queries.Len() {
		search(queries.Row(i), k, ef)
	}
	return time.Since(start).Seconds(), (threadCPU() - c0).Seconds()
}

// queryParallel runs every query once on threads goroutines and returns
// the wall seconds.
func queryParallel(search Searcher, queries *Vectors, k, ef, threads int) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= queries.Len() {
					return
				}
				search(queries.Row(i), k, ef)
			}
		}()
	}
	wg.Wait()
	return time.Since(start).Seconds()
}

func mb(b int64) float64 { return float64(b) / 1e6 }

func memNow() (heap uint64, rss uint64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, readRSS()
}

// readRSS returns the resident set size from /proc/self/status (0 where
// unavailable).
func readRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// DefaultCacheDir is where `nexus bench vectors` caches data under home.
func DefaultCacheDir(home string) string { return filepath.Join(home, "bench", "vectors") }

// Export writes the split and ground truth to dir: base.vec and
// queries.vec in the cache format, gt.bin as "NXGT\0\0\0\1", uint32
// queries, uint32 k, then queries*k uint32 ids (all little-endian).
func Export(dir string, s *Split, gt *GroundTruth) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	base := &Vectors{Dim: s.Base.Dim(), Data: make([]float32, 0, s.Base.Len()*s.Base.Dim())}
	for id := range uint32(s.Base.Len()) {
		base.Data = append(base.Data, s.Base.At(id)...)
	}
	for name, v := range map[string]*Vectors{"base.vec": base, "queries.vec": s.Queries} {
		if err := writeFileAtomic(filepath.Join(dir, name), func(w io.Writer) error { return WriteVectors(w, v) }); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return writeFileAtomic(filepath.Join(dir, "gt.bin"), func(w io.Writer) error { return writeGroundTruth(w, gt) })
}
