package hnswbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"time"

	"nexusos/internal/benchstat"
	"nexusos/vectordb"
	"nexusos/vectordb/distance"
	"nexusos/vectordb/qdrantapi/rest"
)

// FilteredOptions configure RunFiltered. Zero fields take the defaults
// in brackets.
type FilteredOptions struct {
	CacheDir    string
	N           int     // points in the collection [1000000]
	Queries     int     // held-out queries [200]
	K           int     // recall@K [10]
	M           int     // HNSW M [16]
	EfConstruct int     // HNSW ef_construct [200]
	Ef          []int   // hnsw_ef values, each sent with every query of a pass over the filters; 0 lets the engine choose [0]
	Seed        uint64  // split and payload seed [1]
	Noise       float64 // standard deviation per element of the noise added to copies [0.03]
	// Selectivity lists the filters to run, in percent of the points
	// (1..100; 100 is no filter) [1,10,50].
	Selectivity []int
	Repeat      int // query passes per filter; latencies pool them [3]
	// DBDir is the directory under which the database is created, in a
	// temporary directory removed afterwards [CacheDir]. The load fsyncs
	// every batch, so a tmpfs (/dev/shm) makes it much faster.
	DBDir string
	// KeepDB, if set, is the database directory to use and keep: a
	// collection of N points loaded there by an earlier run (with the
	// same options) is searched again without reloading, so two builds of
	// the engine can be compared on one graph.
	KeepDB string
	// PayloadM, if set, is set as the collection's hnsw_config.payload_m
	// (with FullScanKB as its full_scan_threshold) by a PATCH before the
	// queries, and when positive the queries wait for the payload links
	// it makes the engine build (per value of "bucket" with at least
	// full_scan_threshold worth of points); 0 removes them.
	PayloadM   *int
	FullScanKB int // full_scan_threshold in KB sent with PayloadM [1000]
	// QueryProfile, if set, receives a CPU profile of the query passes
	// only (not the load and build).
	QueryProfile io.Writer
	Progress     io.Writer
}

func (o *FilteredOptions) defaults() {
	if o.N <= 0 {
		o.N = 1_000_000
	}
	if o.Queries <= 0 {
		o.Queries = 200
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
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Noise <= 0 {
		o.Noise = 0.03
	}
	if len(o.Selectivity) == 0 {
		o.Selectivity = []int{1, 10, 50}
	}
	if o.Repeat <= 0 {
		o.Repeat = 3
	}
	if o.FullScanKB <= 0 {
		o.FullScanKB = 1000
	}
	if len(o.Ef) == 0 {
		o.Ef = []int{0}
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// Buckets is the number of values of the synthetic payload field
// "bucket": a filter bucket < s keeps about s% of the points.
const Buckets = 100

// Scale returns n unit vectors made from the base vectors of base (n0 =
// base.Len() of them): the first min(n, n0) are the base vectors, every
// later one is a copy of base vector i mod n0 plus Gaussian noise of
// standard deviation sigma per element, renormalised. It is
// deterministic in its inputs.
func Scale(base *Vectors, n int, sigma float64, seed uint64) *Vectors {
	dim := base.Dim
	out := &Vectors{Dim: dim, Data: make([]float32, n*dim)}
	n0 := base.Len()
	copy(out.Data, base.Data[:min(n, n0)*dim])
	if n <= n0 {
		return out
	}
	// Fill the copies in parallel, one generator per block of rows, so
	// the result does not depend on the number of workers.
	const block = 4096
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				r := rand.New(rand.NewPCG(seed, uint64(lo)))
				for i := lo; i < min(lo+block, n); i++ {
					v := out.Row(i)
					copy(v, base.Row(i%n0))
					for j := range v {
						v[j] += float32(r.NormFloat64() * sigma)
					}
					distance.Normalize(v)
				}
			}
		}()
	}
	for lo := n0; lo < n; lo += block {
		next <- lo
	}
	close(next)
	wg.Wait()
	return out
}

// BucketsOf returns the "bucket" payload of n points, uniform in
// [0, Buckets), deterministic in seed.
func BucketsOf(n int, seed uint64) []uint8 {
	r := rand.New(rand.NewPCG(seed, 0xb0c4e7))
	b := make([]uint8, n)
	for i := range b {
		b[i] = uint8(r.IntN(Buckets))
	}
	return b
}

// FilteredTruth returns, for every query, the ids of the exact top k
// points by inner product among those whose bucket is below limit.
func FilteredTruth(ctx context.Context, pts *Vectors, bucket []uint8, limit int, queries *Vectors, k int) (*GroundTruth, error) {
	var allowed []uint32
	for i, b := range bucket {
		if int(b) < limit {
			allowed = append(allowed, uint32(i))
		}
	}
	g, err := exactTopK(ctx, queries, k, len(allowed), func(j int) uint32 { return allowed[j] }, func(id uint32) []float32 { return pts.Row(int(id)) })
	if err != nil {
		return nil, fmt.Errorf("filtered ground truth: %w", err)
	}
	return g, nil
}

// restClient talks to the in-process REST server.
type restClient struct {
	base string
	c    *http.Client
}

func (rc *restClient) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, rc.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := rc.c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, out)
	}
	return out, nil
}

func (rc *restClient) json(ctx context.Context, method, path string, body any) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return rc.do(ctx, method, path, raw)
}

const filteredCollection = "filtered_bench"

// RunFiltered measures filtered search over REST at scale: it scales the
// word vectors to o.N points with Scale, gives each an integer payload
// field "bucket" (with an integer payload index), loads them into a fresh
// database through the REST API of an in-process server on a loopback
// listener, waits for the HNSW graph, then sends every query (sequentially,
// one client) with the filter bucket < s for each selectivity s and
// reports p50/p99 latency and recall@K against exact filtered ground
// truth.
func RunFiltered(ctx context.Context, o FilteredOptions, out io.Writer) error {
	o.defaults()
	p := func(format string, args ...any) { fmt.Fprintf(o.Progress, format+"\n", args...) }
	for _, s := range o.Selectivity {
		if s < 1 || s > Buckets {
			return fmt.Errorf("selectivity %d%%: want 1..%d", s, Buckets)
		}
	}
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return fmt.Errorf("create cache: %w", err)
	}
	p("loading vectors (cache %s)", o.CacheDir)
	all, err := LoadGloVe(ctx, o.CacheDir)
	if err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	nonZero := 0
	for i := range all.Len() {
		if distance.Dot(all.Row(i), all.Row(i)) > 0 {
			nonZero++
		}
	}
	n0 := min(o.N, nonZero-o.Queries)
	split, err := MakeSplit(all, n0, o.Queries, o.Seed)
	if err != nil {
		return err
	}
	all = nil
	base := &Vectors{Dim: split.Base.Dim(), Data: make([]float32, 0, n0*split.Base.Dim())}
	for id := range uint32(n0) {
		base.Data = append(base.Data, split.Base.At(id)...)
	}
	split.Base = nil
	pts := Scale(base, o.N, o.Noise, o.Seed)
	base = nil
	bucket := BucketsOf(o.N, o.Seed)
	dim := pts.Dim

	parent := o.DBDir
	if parent == "" {
		parent = o.CacheDir
	}
	dbDir := o.KeepDB
	if dbDir == "" {
		if dbDir, err = os.MkdirTemp(parent, "filtered-db-"); err != nil {
			return err
		}
		defer os.RemoveAll(dbDir)
	} else {
		parent = dbDir
	}
	// Checkpoints only on Close: the bench measures search, not the
	// background rewrites of a growing checkpoint.
	db, err := vectordb.Open(dbDir, vectordb.Options{CheckpointBytes: -1, MaxPointsPerUpsert: 1 << 20})
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rest.NewHandler(db, rest.Config{MaxRequestBytes: 256 << 20})}
	go srv.Serve(ln)
	defer srv.Close()
	rc := &restClient{base: "http://" + ln.Addr().String(), c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}}
	coll := "/collections/" + filteredCollection

	fmt.Fprintf(out, "vectors: %s, %d points = %d word vectors + %d noisy copies (copy of word i mod %d + Gaussian noise, sigma %g per element, renormalised), %d held-out queries, dim %d, cosine, seed %d\n",
		Package, o.N, n0, o.N-n0, n0, o.Noise, o.Queries, dim, o.Seed)
	fmt.Fprintf(out, "payload: integer field \"bucket\" uniform in 0..%d with an integer payload index; filters bucket < s\n", Buckets-1)
	fmt.Fprintf(out, "served: Qdrant REST handler in-process on %s (HTTP/1.1 keep-alive, one client, sequential queries); kernels %s; GOMAXPROCS %d; load average %s\n",
		ln.Addr(), distance.Impl(), runtime.GOMAXPROCS(0), benchstat.LoadAvg())
	fmt.Fprintf(out, "hnsw: M=%d ef_construct=%d; database in %s\n\n", o.M, o.EfConstruct, parent)

	loaded, err := keptPoints(ctx, rc, coll, o.N)
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintf(out, "load: kept database %s already holds the %d points\n", dbDir, o.N)
	} else if err := loadFiltered(ctx, rc, coll, pts, bucket, o, out); err != nil {
		return err
	}
	if o.PayloadM != nil {
		if err := linkPayloads(ctx, rc, db, coll, o, out); err != nil {
			return err
		}
	} else if err := settleLinks(ctx, db, out); err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	_, rss := memNow()
	fmt.Fprintf(out, "memory: RSS %.1f MB (the bench's own copy of the points is %.1f MB of it)\n\n", mb(int64(rss)), mb(int64(4*len(pts.Data))))
	if o.KeepDB == "" {
		defer rc.do(ctx, "DELETE", coll, nil)
	}
	return queryFiltered(ctx, rc, coll, pts, bucket, split.Queries, o, out)
}

// keptPoints reports whether the collection already holds n points (a
// kept database, loaded by an earlier run with the same options), waiting
// for its graph if so.
func keptPoints(ctx context.Context, rc *restClient, coll string, n int) (bool, error) {
	raw, err := rc.do(ctx, "GET", coll, nil)
	if err != nil {
		return false, nil // no such collection: load it
	}
	var info struct {
		Result struct {
			Points int `json:"points_count"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		return false, err
	}
	if info.Result.Points != n {
		return false, fmt.Errorf("kept database: collection %s holds %d points, want %d: remove the directory", coll, info.Result.Points, n)
	}
	return true, waitIndexed(ctx, rc, coll, n, time.Now(), io.Discard)
}

// waitIndexed polls the collection until its graph holds n vectors.
func waitIndexed(ctx context.Context, rc *restClient, coll string, n int, start time.Time, progress io.Writer) error {
	for {
		raw, err := rc.do(ctx, "GET", coll, nil)
		if err != nil {
			return err
		}
		var info struct {
			Result struct {
				Indexed int `json:"indexed_vectors_count"`
			} `json:"result"`
		}
		if err := json.Unmarshal(raw, &info); err != nil {
			return err
		}
		if info.Result.Indexed >= n {
			return nil
		}
		fmt.Fprintf(progress, "  indexing: %d/%d %s\n", info.Result.Indexed, n, time.Since(start).Round(time.Second))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}

// loadFiltered creates the collection and its index, uploads the points
// and waits for the graph.
func loadFiltered(ctx context.Context, rc *restClient, coll string, pts *Vectors, bucket []uint8, o FilteredOptions, out io.Writer) error {
	p := func(format string, args ...any) { fmt.Fprintf(o.Progress, format+"\n", args...) }
	if _, err := rc.json(ctx, "PUT", coll, map[string]any{
		"vectors":     map[string]any{"size": pts.Dim, "distance": "Cosine"},
		"hnsw_config": map[string]any{"m": o.M, "ef_construct": o.EfConstruct},
	}); err != nil {
		return err
	}
	if _, err := rc.json(ctx, "PUT", coll+"/index?wait=true", map[string]any{"field_name": "bucket", "field_schema": "integer"}); err != nil {
		return err
	}
	start := time.Now()
	cpu0 := processCPU()
	const batch = 10000
	for lo := 0; lo < o.N; lo += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+batch, o.N)
		body := upsertBody(pts, bucket, lo, hi)
		if _, err := rc.do(ctx, "PUT", coll+"/points?wait=true", body); err != nil {
			return err
		}
		if lo/batch%20 == 0 {
			p("  upload: %d/%d points %s", hi, o.N, time.Since(start).Round(time.Second))
		}
	}
	upload := time.Since(start)
	if err := waitIndexed(ctx, rc, coll, o.N, start, o.Progress); err != nil {
		return err
	}
	built := time.Since(start)
	fmt.Fprintf(out, "load: %d points uploaded over REST in %.1f s (batches of %d, wait=true); HNSW graph complete %.1f s after the first upload; %.1f s CPU\n",
		o.N, upload.Seconds(), batch, built.Seconds(), (processCPU() - cpu0).Seconds())
	return nil
}

// linkPayloads sets hnsw_config.payload_m and full_scan_threshold by a
// PATCH over REST and waits for the payload links.
func linkPayloads(ctx context.Context, rc *restClient, db *vectordb.DB, coll string, o FilteredOptions, out io.Writer) error {
	start := time.Now()
	pm := *o.PayloadM
	if _, err := rc.json(ctx, "PATCH", coll, map[string]any{
		"hnsw_config": map[string]any{"payload_m": pm, "full_scan_threshold": o.FullScanKB},
	}); err != nil {
		return err
	}
	for {
		info, err := db.CollectionInfo(ctx, filteredCollection)
		if err != nil {
			return err
		}
		n := info.PayloadLinkedVectors[vectordb.DefaultVector]
		if pm > 0 && n >= o.N && !info.PayloadLinksBusy {
			fmt.Fprintf(out, "payload links: payload_m=%d, full_scan_threshold %d KB: %d points linked per \"bucket\" value in %.1f s\n",
				pm, o.FullScanKB, n, time.Since(start).Seconds())
			return nil
		}
		if pm <= 0 && n == 0 && !info.PayloadLinksBusy {
			fmt.Fprintf(out, "payload links: none (payload_m=0, full_scan_threshold %d KB)\n", o.FullScanKB)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// settleLinks waits, with the collection's own settings, until no
// background job builds payload links (the engine builds them for the
// indexed "bucket" field when payload_m is unset, as Qdrant does), so
// that no build runs during the timed queries, and reports them.
func settleLinks(ctx context.Context, db *vectordb.DB, out io.Writer) error {
	start := time.Now()
	idle := 0
	for idle < 4 { // idle for 2 s: the job that follows indexing has run
		info, err := db.CollectionInfo(ctx, filteredCollection)
		if err != nil {
			return err
		}
		if info.PayloadLinksBusy {
			idle = 0
		} else if idle++; idle == 4 {
			if n := info.PayloadLinkedVectors[vectordb.DefaultVector]; n > 0 {
				fmt.Fprintf(out, "payload links: collection defaults (payload_m unset = m): %d points linked; waited %.1f s for them\n",
					n, time.Since(start).Seconds())
			} else {
				fmt.Fprintf(out, "payload links: none with the collection's settings\n")
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return nil
}

// queryFiltered runs the timed query passes of every selectivity.
func queryFiltered(ctx context.Context, rc *restClient, coll string, pts *Vectors, bucket []uint8, queries *Vectors, o FilteredOptions, out io.Writer) error {
	p := func(format string, args ...any) { fmt.Fprintf(o.Progress, format+"\n", args...) }
	if o.QueryProfile != nil {
		if err := pprof.StartCPUProfile(o.QueryProfile); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(out, "%11s  %7s  %9s  %9s  %9s  %9s  %9s\n", "selectivity", "hnsw_ef", "matching", "p50 ms", "p99 ms", "mean ms", "recall@"+strconv.Itoa(o.K))
	gts := map[int]*GroundTruth{}
	for _, ef := range o.Ef {
		for _, s := range o.Selectivity {
			matching := 0
			for _, b := range bucket {
				if int(b) < s {
					matching++
				}
			}
			gt := gts[s]
			if gt == nil {
				p("ground truth for bucket < %d (%d points)", s, matching)
				var err error
				if gt, err = FilteredTruth(ctx, pts, bucket, s, queries, o.K); err != nil {
					return err
				}
				gts[s] = gt
			}
			bodies := make([][]byte, queries.Len())
			for i := range bodies {
				req := map[string]any{"query": queries.Row(i), "limit": o.K}
				if s < Buckets {
					req["filter"] = map[string]any{"must": []any{map[string]any{"key": "bucket", "range": map[string]any{"lt": s}}}}
				}
				if ef > 0 {
					req["params"] = map[string]any{"hnsw_ef": ef}
				}
				var err error
				if bodies[i], err = json.Marshal(req); err != nil {
					return err
				}
			}
			// A warm-up pass gives the recall; the timed passes follow.
			hits := 0
			for i, body := range bodies {
				ids, err := queryIDs(ctx, rc, coll, body)
				if err != nil {
					return err
				}
				truth := gt.Row(i)
				for _, id := range ids[:min(len(ids), o.K)] {
					if slices.Contains(truth, id) {
						hits++
					}
				}
			}
			var lat []time.Duration
			for range o.Repeat {
				for _, body := range bodies {
					t0 := time.Now()
					if _, err := queryIDs(ctx, rc, coll, body); err != nil {
						return err
					}
					lat = append(lat, time.Since(t0))
				}
			}
			var sum time.Duration
			for _, d := range lat {
				sum += d
			}
			label := strconv.Itoa(s) + "%"
			if s == Buckets {
				label = "100% (none)"
			}
			fmt.Fprintf(out, "%11s  %7s  %9d  %9.3f  %9.3f  %9.3f  %9.4f\n", label, efText(ef), matching,
				ms(benchstat.Percentile(lat, 50)), ms(benchstat.Percentile(lat, 99)), ms(sum/time.Duration(max(len(lat), 1))),
				float64(hits)/float64(max(1, queries.Len()*gt.K)))
		}
	}
	fmt.Fprintf(out, "\n(%d queries × %d passes per filter; load average %s after the run)\n", queries.Len(), o.Repeat, benchstat.LoadAvg())
	return nil
}

func efText(ef int) string {
	if ef <= 0 {
		return "default"
	}
	return strconv.Itoa(ef)
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// upsertBody renders points lo..hi as a REST batch upsert.
func upsertBody(pts *Vectors, bucket []uint8, lo, hi int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"batch":{"ids":[`)
	for i := lo; i < hi; i++ {
		if i > lo {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
	}
	b.WriteString(`],"vectors":[`)
	var num []byte
	for i := lo; i < hi; i++ {
		if i > lo {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, x := range pts.Row(i) {
			if j > 0 {
				b.WriteByte(',')
			}
			num = strconv.AppendFloat(num[:0], float64(x), 'g', -1, 32)
			b.Write(num)
		}
		b.WriteByte(']')
	}
	b.WriteString(`],"payloads":[`)
	for i := lo; i < hi; i++ {
		if i > lo {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"bucket":%d}`, bucket[i])
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// queryIDs sends one query and returns the ids of the answer.
func queryIDs(ctx context.Context, rc *restClient, coll string, body []byte) ([]uint32, error) {
	raw, err := rc.do(ctx, "POST", coll+"/points/query", body)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Result struct {
			Points []struct {
				ID json.Number `json:"id"`
			} `json:"points"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, err
	}
	ids := make([]uint32, 0, len(resp.Result.Points))
	for _, pt := range resp.Result.Points {
		n, err := strconv.ParseUint(pt.ID.String(), 10, 32)
		if err != nil {
			return nil, errors.New("query: non-numeric point id " + pt.ID.String())
		}
		ids = append(ids, uint32(n))
	}
	return ids, nil
}
