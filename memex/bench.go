package memex

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"time"

	"nexusos/memex/corpus"
	"nexusos/memex/extract"
	"nexusos/vectordb"
)

// BenchOptions size the MemexFS benchmark.
type BenchOptions struct {
	Dir     string // scratch directory (removed afterwards)
	Files   int    // files ingested from disk (default 10,000)
	Chunks  int    // chunks in the store for the latency run (default 100,000)
	Queries int    // timed queries (default 200)
	// QueryProfile, when set, receives a CPU profile of the timed
	// queries only (go tool pprof).
	QueryProfile io.Writer
}

// Bench measures ingest throughput on a generated corpus of mixed
// documents, then query latency with the store grown to opts.Chunks
// chunks, and prints the figures to w.
func Bench(ctx context.Context, o BenchOptions, w io.Writer) error {
	if o.Files == 0 {
		o.Files = 10000
	}
	if o.Chunks == 0 {
		o.Chunks = 100000
	}
	if o.Queries == 0 {
		o.Queries = 200
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(o.Dir)
	inv := o.Files / 2
	c := corpus.Generate(corpus.Options{Seed: 7, Invoices: inv, Distractors: inv / 10, Filler: max(0, o.Files-inv-inv/2-40)})
	docs := filepath.Join(o.Dir, "docs")
	fmt.Fprintf(w, "generating %d files (invoices in 5 layouts x 6 formats, distractors, notes, filler) ...\n", len(c.Docs))
	if err := c.WriteTo(docs); err != nil {
		return err
	}
	db, err := vectordb.Open(filepath.Join(o.Dir, "vectordb"), vectordb.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := Open(ctx, Options{Dir: filepath.Join(o.Dir, "memex"), DB: db})
	if err != nil {
		return err
	}
	defer m.Close()
	start := time.Now()
	sum, err := m.Add(ctx, []string{docs}, nil)
	if err != nil {
		return err
	}
	el := time.Since(start).Seconds()
	fmt.Fprintf(w, "ingest: %d files, %d chunks, %.1f MiB in %.2f s = %.0f files/s, %.2f MiB/s (skipped %d)\n",
		sum.Indexed, sum.Chunks, float64(sum.Bytes)/(1<<20), el, float64(sum.Indexed)/el, float64(sum.Bytes)/(1<<20)/el, len(sum.Skipped))
	byFormat := map[string][]corpus.Doc{}
	for _, d := range c.Docs {
		ext := filepath.Ext(d.Name)
		byFormat[ext] = append(byFormat[ext], d)
	}
	var exts []string
	for e := range byFormat {
		exts = append(exts, e)
	}
	sort.Strings(exts)
	for _, e := range exts {
		ds := byFormat[e]
		t0 := time.Now()
		var n int64
		for _, d := range ds {
			if x, err := extract.File(d.Name, d.Data); err == nil {
				m.build(d.Name, "/", d.Name, "", int64(len(d.Data)), x, nil)
				n += int64(len(d.Data))
			}
		}
		s := time.Since(t0).Seconds()
		fmt.Fprintf(w, "  extract+facts+embed %-6s %5d files %8.0f files/s %7.2f MiB/s (in memory, one core)\n", e, len(ds), float64(len(ds))/s, float64(n)/(1<<20)/s)
	}
	// Grow the store to o.Chunks chunks with generated documents upserted
	// directly (same extraction and embedding, no files), with their file
	// records, so set questions see every one of them.
	have := sum.Chunks
	grow := corpus.Generate(corpus.Options{Seed: 8, Invoices: max(0, o.Chunks-have), Distractors: 1})
	batch := make([]vectordb.PointStruct, 0, 512)
	var recs []*FileRecord
	commit := func(wait bool) error {
		if _, err := db.Upsert(ctx, m.coll, batch, wait); err != nil {
			return err
		}
		if err := m.putRecords(recs, make([]*FileRecord, len(recs))); err != nil {
			return err
		}
		batch, recs = batch[:0], recs[:0]
		return nil
	}
	for i, d := range grow.Docs {
		if have >= o.Chunks {
			break
		}
		x, err := extract.File(d.Name, d.Data)
		if err != nil {
			continue
		}
		rec, pts := m.build(fmt.Sprintf("/bench/%d/%s", i, d.Name), "/bench", d.Name, "", int64(len(d.Data)), x, nil)
		batch = append(batch, pts...)
		recs = append(recs, rec)
		have += len(pts)
		if len(batch) >= 512 {
			if err := commit(false); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		if err := commit(true); err != nil {
			return err
		}
	}
	info, err := db.CollectionInfo(ctx, m.coll)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "store grown to %d chunks; waiting for the HNSW index to catch up ...\n", info.PointsCount)
	t0 := time.Now()
	for info.IndexedVectorsCount < info.PointsCount && time.Since(t0) < 10*time.Minute {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		if info, err = db.CollectionInfo(ctx, m.coll); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "indexed %d of %d vectors after %s\n", info.IndexedVectorsCount, info.PointsCount, time.Since(t0).Round(time.Second))
	if o.QueryProfile != nil {
		if err := pprof.StartCPUProfile(o.QueryProfile); err != nil {
			return fmt.Errorf("query cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, set := range []bool{true, false} {
		var lat []time.Duration
		for i := 0; len(lat) < o.Queries && i < o.Queries*10; i++ {
			q := c.Questions[i%len(c.Questions)]
			if q.Set != set {
				continue
			}
			t0 := time.Now()
			if _, err := m.Query(ctx, q.Text, QueryOptions{Now: c.Now, Limit: 10}); err != nil {
				return err
			}
			lat = append(lat, time.Since(t0))
		}
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		kind := "semantic (dense + word-by-word + sparse, rank.go)"
		if set {
			kind = "set questions (filter over the file catalog)"
		}
		if len(lat) > 0 {
			fmt.Fprintf(w, "query latency, %s: p50 %s p99 %s over %d queries at %d chunks (GOMAXPROCS %d)\n", kind,
				lat[len(lat)/2].Round(10*time.Microsecond), lat[len(lat)*99/100].Round(10*time.Microsecond), len(lat), info.PointsCount, runtime.GOMAXPROCS(0))
		}
	}
	return nil
}
