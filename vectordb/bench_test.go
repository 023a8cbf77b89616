package vectordb

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// Benchmarks (go test -bench . -run XXX ./vectordb/): they print figures,
// they assert nothing about time.

func benchPoints(r *rand.Rand, start, n, dim int) []PointStruct {
	pts := make([]PointStruct, n)
	for i := range pts {
		pts[i] = PointStruct{ID: num(uint64(start + i)), Vectors: dense(randVec(r, dim)...), Payload: Payload{"g": float64(i % 100), "name": fmt.Sprint("p", i)}}
	}
	return pts
}

// BenchmarkUpsert measures logged (fsynced) upserts of 100-d points in
// batches of 1000.
func BenchmarkUpsert(b *testing.B) {
	db, _ := openTemp(b)
	must(b, db.CreateCollection(bg, "b", simpleConfig(100, Cosine)))
	r := rand.New(rand.NewSource(1))
	batches := make([][]PointStruct, 8)
	for i := range batches {
		batches[i] = benchPoints(r, i*1000, 1000, 100)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		must(b, errOf(db.Upsert(bg, "b", batches[i%len(batches)], true)))
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "points/s")
}

// benchN is the collection size of BenchmarkQuery: $NEXUS_BENCH_N or 20000.
func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("NEXUS_BENCH_N")); err == nil && n >= 1000 {
		return n
	}
	return 20000
}

// BenchmarkQuery compares exact and HNSW search on benchN() random 100-d
// points (cosine), and times a reopen (checkpoint + HNSW file).
func BenchmarkQuery(b *testing.B) {
	db, dir := openTemp(b)
	cfg := simpleConfig(100, Cosine)
	cfg.HNSW.FullScanThreshold = 1
	must(b, db.CreateCollection(bg, "b", cfg))
	must(b, errOf(db.CreateFieldIndex(bg, "b", "g", SchemaInteger, nil, true)))
	r := rand.New(rand.NewSource(1))
	n := benchN()
	start := time.Now()
	for i := 0; i < n/1000; i++ {
		must(b, errOf(db.Upsert(bg, "b", benchPoints(r, i*1000, 1000, 100), true)))
	}
	up := time.Since(start)
	waitIndexed(b, db, "b")
	b.Logf("%d points: upserts %v, indexing done %v after start", n, up, time.Since(start))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.Logf("heap in use after indexing: %.1f MiB (%.0f bytes/point)", float64(ms.HeapInuse)/(1<<20), float64(ms.HeapInuse)/float64(n))
	for _, tc := range []struct {
		name string
		req  QueryRequest
	}{
		{"exact", QueryRequest{Params: &SearchParams{Exact: true}}},
		{"hnsw-ef64", QueryRequest{Params: &SearchParams{HnswEf: 64}}},
		{"hnsw-ef64-filter10pct", QueryRequest{Params: &SearchParams{HnswEf: 64}, Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "g", Range: &Range{Lt: ptr(10.0)}}}}}}},
		{"hnsw-filter1pct", QueryRequest{Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "g", Match: &Match{Value: int64(3)}}}}}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				req := tc.req
				req.Query = &Query{Nearest: &VectorInput{Dense: randVec(r, 100)}}
				must(b, errOf(db.Query(bg, "b", req)))
			}
		})
		if tc.req.Filter != nil {
			// The same filtered query forced through the graph.
			b.Run(tc.name+"-graph", func(b *testing.B) {
				defer func(v int, g float64) { exactWork, graphCost = v, g }(exactWork, graphCost)
				exactWork, graphCost = 0, 0
				for i := 0; i < b.N; i++ {
					req := tc.req
					req.Query = &Query{Nearest: &VectorInput{Dense: randVec(r, 100)}}
					must(b, errOf(db.Query(bg, "b", req)))
				}
			})
		}
	}
	b.Run("reopen", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			must(b, db.Close())
			t1 := time.Now()
			var err error
			db, err = Open(dir, Options{})
			must(b, err)
			b.Logf("close %v, open %v", t1.Sub(t0), time.Since(t1))
		}
	})
}

// BenchmarkUpsertOne measures one acknowledged (fsynced) single-point
// upsert: the latency floor of wait=true writes.
func BenchmarkUpsertOne(b *testing.B) {
	db, _ := openTemp(b)
	must(b, db.CreateCollection(bg, "b", simpleConfig(100, Cosine)))
	r := rand.New(rand.NewSource(1))
	pts := benchPoints(r, 0, 64, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		must(b, errOf(db.Upsert(bg, "b", pts[i%64:i%64+1], true)))
	}
}

// BenchmarkCrashReopen opens a crash image (files copied while open, no
// Close) of a benchN()-point collection that checkpointed along the way:
// Open loads the checkpoint and saved graph and replays the log tail.
func BenchmarkCrashReopen(b *testing.B) {
	dir := b.TempDir()
	db, err := Open(dir, Options{CheckpointBytes: 8 << 20})
	must(b, err)
	cfg := simpleConfig(100, Cosine)
	must(b, db.CreateCollection(bg, "b", cfg))
	r := rand.New(rand.NewSource(1))
	n := benchN()
	for i := 0; i < n/1000; i++ {
		must(b, errOf(db.Upsert(bg, "b", benchPoints(r, i*1000, 1000, 100), true)))
	}
	waitIndexed(b, db, "b")
	// What the indexer's idle callback does, done here synchronously so
	// the crash image is taken after it.
	c, _ := db.collection("b")
	db.idleCheckpoint(c)
	db.bg.Wait()
	crashed := b.TempDir()
	copyDir(b, dir, crashed)
	db.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		trial := b.TempDir()
		b.StopTimer()
		copyDir(b, crashed, trial)
		b.StartTimer()
		t0 := time.Now()
		db2, err := Open(trial, Options{})
		must(b, err)
		opened := time.Since(t0)
		c, _ := db2.collection("b")
		d := c.dense[""]
		b.Logf("open %v: %d points, %d already in the graph, %d left to index", opened, len(c.points), d.indexed.Load(), d.flat.Len()-int(d.indexed.Load()))
		b.StopTimer()
		db2.Close()
		b.StartTimer()
	}
}
