package vectordb

import (
	"math/rand"
	"sync"
	"testing"
)

// TestHammer runs upserts, deletes, payload updates, queries, scrolls and
// counts concurrently (run it with -race), then checks the index agrees
// with an exact scan.
func TestHammer(t *testing.T) {
	if testing.Short() {
		t.Skip("hammer test skipped in -short mode")
	}
	dir := t.TempDir()
	db, err := Open(dir, Options{CheckpointBytes: 64 << 10, Logger: quiet})
	must(t, err)
	cfg := simpleConfig(8, Cosine)
	cfg.HNSW.FullScanThreshold = 1 // use the graph early
	must(t, db.CreateCollection(bg, "h", cfg))
	must(t, errOf(db.CreateFieldIndex(bg, "h", "g", SchemaInteger, nil, true)))
	const writers, readers, rounds = 3, 3, 150
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < rounds; i++ {
				var pts []PointStruct
				for j := 0; j < 5; j++ {
					pts = append(pts, PointStruct{ID: num(uint64(r.Intn(300))), Vectors: dense(randVec(r, 8)...), Payload: Payload{"g": float64(r.Intn(10))}})
				}
				var err error
				switch i % 4 {
				case 0, 1:
					_, err = db.Upsert(bg, "h", pts, i%2 == 0)
				case 2:
					_, err = db.Delete(bg, "h", PointsSelector{IDs: []PointID{num(uint64(r.Intn(300)))}}, true)
				case 3:
					_, err = db.SetPayload(bg, "h", Payload{"x": 1.0}, PointsSelector{Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "g", Match: &Match{Value: int64(r.Intn(10))}}}}}}, "", true)
				}
				if err != nil && KindOf(err) != KindNotFound {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	for rd := 0; rd < readers; rd++ {
		wg.Add(1)
		go func(rd int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(100 + rd)))
			for i := 0; i < rounds; i++ {
				q := QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: randVec(r, 8)}}, Limit: 5, WithPayload: PayloadSelector{All: true}}
				if i%2 == 0 {
					q.Filter = &Filter{Must: []Condition{{Field: &FieldCondition{Key: "g", Range: &Range{Lt: ptr(5.0)}}}}}
				}
				if _, err := db.Query(bg, "h", q); err != nil {
					t.Error(err)
					return
				}
				if _, err := db.Scroll(bg, "h", ScrollRequest{Limit: 20}); err != nil {
					t.Error(err)
					return
				}
				if _, err := db.CollectionInfo(bg, "h"); err != nil {
					t.Error(err)
					return
				}
			}
		}(rd)
	}
	wg.Wait()
	waitIndexed(t, db, "h")
	// After the storm the graph (full of replaced and deleted nodes) still
	// finds the true neighbours (same rank as the exact scan), and every
	// hit it returns is live and scored as an exact scan scores it.
	r := rand.New(rand.NewSource(99))
	found, total := 0, 0
	for i := 0; i < 20; i++ {
		q := &Query{Nearest: &VectorInput{Dense: randVec(r, 8)}}
		a, err := db.Query(bg, "h", QueryRequest{Query: q, Limit: 5, Params: &SearchParams{HnswEf: 200}})
		must(t, err)
		e, err := db.Query(bg, "h", QueryRequest{Query: q, Limit: 300, Params: &SearchParams{Exact: true}})
		must(t, err)
		exactScore := map[PointID]float32{}
		for _, h := range e {
			exactScore[h.ID] = h.Score
		}
		for j, h := range a {
			s, ok := exactScore[h.ID]
			if !ok {
				t.Fatalf("graph returned %v, which is not a live point", h.ID)
			}
			approx(t, h.Score, s)
			if j < len(e) && h.ID == e[j].ID {
				found++
			}
		}
		total += min(5, len(e))
	}
	if recall := float64(found) / float64(total); recall < 0.8 {
		t.Fatalf("recall@5 after hammering = %.2f < 0.8", recall)
	}
	want := dump(t, db, "h")
	must(t, db.Close())
	db2, err := Open(dir, Options{Logger: quiet})
	must(t, err)
	defer db2.Close()
	eq(t, dump(t, db2, "h"), want)
}
