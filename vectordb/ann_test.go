package vectordb

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

func randVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// waitIndexed waits for the background indexers of a collection.
func waitIndexed(t testing.TB, db *DB, coll string) {
	t.Helper()
	c, err := db.collection(coll)
	must(t, err)
	for _, d := range c.dense {
		d.waitIndexed()
	}
}

func TestRecallHNSWvsExact(t *testing.T) {
	const n, dim, queries, k = 4000, 24, 60, 10
	db, _ := openTemp(t)
	cfg := simpleConfig(dim, Cosine)
	cfg.HNSW = HNSWConfig{M: 16, EfConstruct: 64, FullScanThreshold: 1}
	must(t, db.CreateCollection(bg, "r", cfg))
	r := rand.New(rand.NewSource(7))
	var pts []PointStruct
	for i := 0; i < n; i++ {
		pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, dim)...), Payload: Payload{"g": float64(i % 100)}})
	}
	must(t, errOf(db.Upsert(bg, "r", pts, true)))
	waitIndexed(t, db, "r")
	info, err := db.CollectionInfo(bg, "r")
	must(t, err)
	eq(t, info.IndexedVectorsCount, n)

	found, total := 0, 0
	for i := 0; i < queries; i++ {
		q := &Query{Nearest: &VectorInput{Dense: randVec(r, dim)}}
		exact, err := db.Query(bg, "r", QueryRequest{Query: q, Limit: k, Params: &SearchParams{Exact: true}})
		must(t, err)
		approxRes, err := db.Query(bg, "r", QueryRequest{Query: q, Limit: k, Params: &SearchParams{HnswEf: 64}})
		must(t, err)
		want := map[PointID]bool{}
		for _, h := range exact {
			want[h.ID] = true
		}
		for _, h := range approxRes {
			if want[h.ID] {
				found++
			}
		}
		total += len(exact)

		// A very selective filter (1% of points) must give exact results.
		f := &Filter{Must: []Condition{{Field: &FieldCondition{Key: "g", Match: &Match{Value: int64(i)}}}}}
		fe, err := db.Query(bg, "r", QueryRequest{Query: q, Limit: k, Filter: f, Params: &SearchParams{Exact: true}})
		must(t, err)
		fa, err := db.Query(bg, "r", QueryRequest{Query: q, Limit: k, Filter: f})
		must(t, err)
		eq(t, hitIDs(fa), hitIDs(fe))
	}
	recall := float64(found) / float64(total)
	t.Logf("recall@%d = %.3f over %d queries", k, recall, queries)
	if recall < 0.9 {
		t.Fatalf("recall@%d = %.3f < 0.9", k, recall)
	}

	// Replaced and deleted points never come back from the graph.
	must(t, errOf(db.Delete(bg, "r", PointsSelector{Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "g", Range: &Range{Lt: ptr(50.0)}}}}}}, true)))
	for i := 0; i < 5; i++ {
		res, err := db.Query(bg, "r", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: randVec(r, dim)}}, Limit: 20})
		must(t, err)
		for _, h := range res {
			if h.ID.Num%100 < 50 {
				t.Fatalf("deleted point %v returned", h.ID)
			}
		}
	}
}

// TestHNSWSavedAndReloaded: after Close, Open loads the graph instead of
// rebuilding it, and searches give the same answers.
func TestHNSWSavedAndReloaded(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{Logger: quiet})
	must(t, err)
	cfg := simpleConfig(16, Euclid)
	cfg.HNSW.FullScanThreshold = 1
	must(t, db.CreateCollection(bg, "r", cfg))
	r := rand.New(rand.NewSource(3))
	var pts []PointStruct
	for i := 0; i < 1500; i++ {
		pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, 16)...)})
	}
	must(t, errOf(db.Upsert(bg, "r", pts, true)))
	must(t, errOf(db.Delete(bg, "r", PointsSelector{IDs: []PointID{num(3), num(5)}}, true)))
	must(t, errOf(db.Upsert(bg, "r", pts[10:20], true))) // replaced vectors
	waitIndexed(t, db, "r")
	queries := make([]*Query, 10)
	var before [][]ScoredPoint
	for i := range queries {
		queries[i] = &Query{Nearest: &VectorInput{Dense: randVec(r, 16)}}
		res, err := db.Query(bg, "r", QueryRequest{Query: queries[i], Params: &SearchParams{HnswEf: 32}})
		must(t, err)
		before = append(before, res)
	}
	must(t, db.Close())
	if _, err := os.Stat(denseFileName(filepath.Join(dir, collectionsDir, "r"), "")); err != nil {
		t.Fatalf("index file not written: %v", err)
	}
	loaded := denseFilesLoaded.Load()
	db, err = Open(dir, Options{Logger: quiet})
	must(t, err)
	eq(t, denseFilesLoaded.Load(), loaded+1)
	c, _ := db.collection("r")
	d := c.dense[""]
	eq(t, d.graph.Len(), 1498)
	for i, q := range queries {
		res, err := db.Query(bg, "r", QueryRequest{Query: q, Params: &SearchParams{HnswEf: 32}})
		must(t, err)
		eq(t, res, before[i])
	}
	// More writes, then a crash (a copy of the files, no Close): Open
	// takes the graph saved at the checkpoint and replays the log on top.
	var more []PointStruct
	for i := 2000; i < 2100; i++ {
		more = append(more, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, 16)...)})
	}
	must(t, errOf(db.Upsert(bg, "r", more, true)))
	must(t, errOf(db.Delete(bg, "r", PointsSelector{IDs: []PointID{num(7)}}, true)))
	crashed := t.TempDir()
	crashImage(t, db, dir, crashed)
	want := dump(t, db, "r")
	must(t, db.Close())
	loaded = denseFilesLoaded.Load()
	db2, err := Open(crashed, Options{Logger: quiet})
	must(t, err)
	defer db2.Close()
	eq(t, denseFilesLoaded.Load(), loaded+1)
	eq(t, dump(t, db2, "r"), want)
	waitIndexed(t, db2, "r")
	// The recovered graph finds the exact neighbours (recall@5 over ten
	// queries; a graph built by several goroutines may miss one now and
	// then, a broken one misses most).
	found, total := 0, 0
	for i := 0; i < 10; i++ {
		q := &Query{Nearest: &VectorInput{Dense: randVec(r, 16)}}
		a, err := db2.Query(bg, "r", QueryRequest{Query: q, Limit: 5, Params: &SearchParams{HnswEf: 64}})
		must(t, err)
		e, err := db2.Query(bg, "r", QueryRequest{Query: q, Limit: 5, Params: &SearchParams{Exact: true}})
		must(t, err)
		if len(a) != 5 {
			t.Fatalf("after crash recovery: graph %v, exact %v", hitIDs(a), hitIDs(e))
		}
		got := map[PointID]bool{}
		for _, h := range a {
			got[h.ID] = true
		}
		for _, h := range e {
			total++
			if got[h.ID] {
				found++
			}
		}
	}
	if float64(found) < 0.9*float64(total) {
		t.Fatalf("after crash recovery: recall@5 %d/%d", found, total)
	}
}

// TestFilteredGraphSearch forces filtered searches through the graph (no
// exact shortcut) and checks their recall against exact filtered search.
func TestFilteredGraphSearch(t *testing.T) {
	defer func(v int, g float64) { exactWork, graphCost = v, g }(exactWork, graphCost)
	exactWork, graphCost = 0, 0
	const n, dim, k = 3000, 16, 10
	db, _ := openTemp(t)
	cfg := simpleConfig(dim, Dot)
	cfg.HNSW = HNSWConfig{M: 16, EfConstruct: 64, FullScanThreshold: 1}
	must(t, db.CreateCollection(bg, "r", cfg))
	r := rand.New(rand.NewSource(5))
	var pts []PointStruct
	for i := 0; i < n; i++ {
		pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, dim)...), Payload: Payload{"g": float64(i % 10)}})
	}
	must(t, errOf(db.Upsert(bg, "r", pts, true)))
	must(t, errOf(db.CreateFieldIndex(bg, "r", "g", SchemaInteger, nil, true)))
	waitIndexed(t, db, "r")
	filters := []*Filter{
		{Must: []Condition{{Field: &FieldCondition{Key: "g", Range: &Range{Lt: ptr(5.0)}}}}},            // index, 50%
		{MustNot: []Condition{{Field: &FieldCondition{Key: "g", Match: &Match{Any: []any{int64(1)}}}}}}, // no preselection, 90%
		{Must: []Condition{{Field: &FieldCondition{Key: "g", Match: &Match{Value: int64(3)}}}}},         // 10%
	}
	for fi, f := range filters {
		before := graphAnswers.Load()
		found, total := 0, 0
		for i := 0; i < 20; i++ {
			q := &Query{Nearest: &VectorInput{Dense: randVec(r, dim)}}
			exact, err := db.Query(bg, "r", QueryRequest{Query: q, Limit: k, Filter: f, Params: &SearchParams{Exact: true}})
			must(t, err)
			got, err := db.Query(bg, "r", QueryRequest{Query: q, Limit: k, Filter: f})
			must(t, err)
			eq(t, len(got), k)
			want := map[PointID]bool{}
			for _, h := range exact {
				want[h.ID] = true
			}
			for _, h := range got {
				if want[h.ID] {
					found++
				}
			}
			total += len(exact)
		}
		recall := float64(found) / float64(total)
		t.Logf("filter %d: recall@%d = %.3f, %d of 20 answered by the graph", fi, k, recall, graphAnswers.Load()-before)
		if graphAnswers.Load() == before {
			t.Fatalf("filter %d: no search used the graph", fi)
		}
		if recall < 0.9 {
			t.Fatalf("filter %d: recall %.3f < 0.9", fi, recall)
		}
	}
}
