package vectordb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// waitLinked waits until the collection's default vector has payload
// links on want vectors (0: none).
func waitLinked(t *testing.T, db *DB, coll string, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		info, err := db.CollectionInfo(bg, coll)
		must(t, err)
		got := info.PayloadLinkedVectors[DefaultVector]
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("payload links on %d vectors, want %d", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPayloadLinksSearch: with payload_m the engine links the points of
// each keyword value, and a filtered search on that field follows only
// the allowed points yet finds the exact answer's points, in a graph so
// sparse (m = 4, 30 values) that the global links alone rarely lead from
// one allowed point to another. Setting payload_m to 0 removes the links;
// reopening builds them again.
func TestPayloadLinksSearch(t *testing.T) {
	graphSearchAlways(t)

	const n, dim, values, k = 6000, 16, 30, 10
	dir := t.TempDir()
	r := rand.New(rand.NewSource(9))
	db := openColorCollection(t, dir, "p", HNSWConfig{M: 4, EfConstruct: 64, FullScanThreshold: 1, PayloadM: ptr(8)}, n, dim, values, r)
	defer func() { db.Close() }()
	var err error

	queries := make([]*Query, 40)
	for i := range queries {
		queries[i] = &Query{Nearest: &VectorInput{Dense: randVec(r, dim)}}
	}
	// recall runs the queries filtered on one color and returns the
	// recall against exact search and how many went the within way.
	recall := func() (float64, int64) {
		return colorRecall(t, db, "p", queries, values, k, &SearchParams{HnswEf: 32})
	}
	rec, within := recall()
	t.Logf("recall@%d with payload links: %.3f (%d of %d searches within)", k, rec, within, len(queries))
	if within == 0 {
		t.Fatal("no search followed the payload links")
	}
	if rec < 0.9 {
		t.Fatalf("recall@%d with payload links = %.3f < 0.9", k, rec)
	}

	// payload_m = 0: the links go, and searches no longer go within.
	must(t, db.UpdateCollection(bg, "p", CollectionUpdate{HNSW: &HNSWConfig{PayloadM: ptr(0)}}))
	waitLinked(t, db, "p", 0)
	if _, within := recall(); within != 0 {
		t.Fatalf("%d searches went within without payload links", within)
	}

	// Back on, closed and reopened: the links are read back with the
	// graph, not built again.
	must(t, db.UpdateCollection(bg, "p", CollectionUpdate{HNSW: &HNSWConfig{PayloadM: ptr(8)}}))
	waitLinked(t, db, "p", n)
	must(t, db.Close())
	builds := payloadLinkBuilds.Load()
	db, err = Open(dir, Options{Logger: quiet})
	must(t, err)
	info, err := db.CollectionInfo(bg, "p")
	must(t, err)
	if got := info.PayloadLinkedVectors[DefaultVector]; got != n {
		t.Fatalf("payload links on %d vectors after reopen, want %d read from the index file", got, n)
	}
	waitIndexed(t, db, "p")
	if rec, within := recall(); within == 0 || rec < 0.9 {
		t.Fatalf("after reopen: recall %.3f, %d searches within", rec, within)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if info, err = db.CollectionInfo(bg, "p"); err != nil || !info.PayloadLinksBusy || time.Now().After(deadline) {
			break
		}
	}
	if b := payloadLinkBuilds.Load(); b != builds {
		t.Fatalf("payload links built %d times after reopen, want 0 (read from the index file)", b-builds)
	}
	// A payload_m changed just before Close ends with links built for
	// it after the reopen (built before Close and saved, or rebuilt).
	must(t, db.UpdateCollection(bg, "p", CollectionUpdate{HNSW: &HNSWConfig{PayloadM: ptr(6)}}))
	must(t, db.Close())
	db, err = Open(dir, Options{Logger: quiet})
	must(t, err)
	waitIndexed(t, db, "p")
	c, err := db.collection("p")
	must(t, err)
	d := c.dense[DefaultVector]
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		d.mu.Lock()
		pm := d.plinkBuilt.payloadM
		d.mu.Unlock()
		if pm == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("payload links built for payload_m %d after reopen, want 6", pm)
		}
	}
	waitLinked(t, db, "p", n)

	// With int8 codes the within search traverses with them.
	must(t, db.UpdateCollection(bg, "p", CollectionUpdate{Quantization: json.RawMessage(`{"scalar":{"type":"int8","always_ram":true}}`)}))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		info, err := db.CollectionInfo(bg, "p")
		must(t, err)
		if info.QuantizedVectors[DefaultVector] == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("codes on %d vectors, want %d", info.QuantizedVectors[DefaultVector], n)
		}
	}
	if rec, within := recall(); within == 0 || rec < 0.9 {
		t.Fatalf("with int8 codes: recall %.3f, %d searches within", rec, within)
	}
}

// TestPayloadLinksHammer builds, replaces and removes payload links (by
// payload_m changes and upserts) while filtered searches run (run it with
// -race); every answer must satisfy its filter.
func TestPayloadLinksHammer(t *testing.T) {
	if testing.Short() {
		t.Skip("hammer test skipped in -short mode")
	}
	graphSearchAlways(t)
	db, _ := openTemp(t)
	cfg := simpleConfig(8, Dot)
	cfg.HNSW = HNSWConfig{M: 4, EfConstruct: 32, FullScanThreshold: 1, PayloadM: ptr(4)}
	must(t, db.CreateCollection(bg, "h", cfg))
	must(t, errOf(db.CreateFieldIndex(bg, "h", "g", SchemaInteger, nil, true)))
	r := rand.New(rand.NewSource(1))
	var pts []PointStruct
	for i := range 2000 {
		pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, 8)...), Payload: Payload{"g": float64(i % 5)}})
	}
	must(t, errOf(db.Upsert(bg, "h", pts, true)))
	done := make(chan struct{})
	errs := make(chan error, 4)
	go func() {
		defer close(done)
		r := rand.New(rand.NewSource(2))
		for i := range 60 {
			var err error
			switch i % 3 {
			case 0:
				_, err = db.Upsert(bg, "h", []PointStruct{{ID: num(uint64(r.Intn(2500))), Vectors: dense(randVec(r, 8)...), Payload: Payload{"g": float64(r.Intn(5))}}}, true)
			case 1:
				err = db.UpdateCollection(bg, "h", CollectionUpdate{HNSW: &HNSWConfig{PayloadM: ptr(i % 2 * 4)}})
			case 2:
				_, err = db.Delete(bg, "h", PointsSelector{IDs: []PointID{num(uint64(r.Intn(2500)))}}, true)
			}
			if err != nil {
				errs <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
		errs <- nil
	}()
	for rd := range 2 {
		go func() {
			r := rand.New(rand.NewSource(int64(10 + rd)))
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				g := float64(r.Intn(5))
				f := &Filter{Must: []Condition{{Field: &FieldCondition{Key: "g", Range: &Range{Gte: ptr(g), Lte: ptr(g)}}}}}
				res, err := db.Query(bg, "h", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: randVec(r, 8)}}, Limit: 5, Filter: f, WithPayload: PayloadSelector{All: true}})
				if err != nil {
					errs <- err
					return
				}
				for _, h := range res {
					if h.Payload["g"] != g {
						errs <- fmt.Errorf("point %v with g=%v answered the filter g=%v", h.ID, h.Payload["g"], g)
						return
					}
				}
			}
		}()
	}
	<-done
	for range 3 { // the writer's result and the two readers'
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestWithinPlan: the search within the allowed nodes is planned for
// filters that leave few global links among the allowed nodes, and the
// search through every node for broad ones, where it is cheaper.
func TestWithinPlan(t *testing.T) {
	const total, m, pm, ef, limit = 1_000_000, 16, 16, 200, 10
	for _, tc := range []struct {
		share  float64
		within bool
	}{
		{0.01, true}, {0.05, true}, {0.10, true}, {0.50, false}, {0.90, false},
	} {
		est := int(tc.share * total)
		got := withinCost(est, total, 2*ef, m, pm) < graphWork(est, total, ef, limit, m)
		if got != tc.within {
			t.Errorf("%.0f%% allowed: within %v (costs %.0f vs %.0f), want %v", 100*tc.share, got,
				withinCost(est, total, 2*ef, m, pm), graphWork(est, total, ef, limit, m), tc.within)
		}
	}
	// Without payload links a within search scores only the allowed
	// share of the global links.
	if a, b := withinCost(100, 1000, 100, 16, 0), 100*(2*16*0.1); a != b {
		t.Errorf("withinCost without payload links = %v, want %v", a, b)
	}
}

// TestPayloadLinkFileDamaged: a damaged or stale payload link file is
// ignored at Open (the graph file still loads) and the links are built
// again.
func TestPayloadLinkFileDamaged(t *testing.T) {
	const n, dim = 1200, 8
	dir := t.TempDir()
	db, err := Open(dir, Options{Logger: quiet})
	must(t, err)
	cfg := simpleConfig(dim, Dot)
	cfg.HNSW = HNSWConfig{M: 4, EfConstruct: 32, FullScanThreshold: 1, PayloadM: ptr(4)}
	must(t, db.CreateCollection(bg, "d", cfg))
	must(t, errOf(db.CreateFieldIndex(bg, "d", "k", SchemaKeyword, nil, true)))
	r := rand.New(rand.NewSource(4))
	var pts []PointStruct
	for i := range n {
		pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, dim)...), Payload: Payload{"k": fmt.Sprint(i % 3)}})
	}
	must(t, errOf(db.Upsert(bg, "d", pts, true)))
	waitIndexed(t, db, "d")
	waitLinked(t, db, "d", n)
	must(t, db.Close())
	path := payloadFileName(filepath.Join(dir, collectionsDir, "d"), DefaultVector)
	for _, damage := range []func([]byte) []byte{
		func(b []byte) []byte { return b[:len(b)/2] },                                                       // torn
		func(b []byte) []byte { b[len(b)-3] ^= 0x40; return b },                                             // bit flip
		func(b []byte) []byte { return bytes.Replace(b, []byte(`"last_seq":`), []byte(`"last_seq":9`), 1) }, // edited header
	} {
		raw, err := os.ReadFile(path)
		must(t, err)
		must(t, os.WriteFile(path, damage(raw), 0o644))
		loaded, builds := denseFilesLoaded.Load(), payloadLinkBuilds.Load()
		db, err = Open(dir, Options{Logger: quiet})
		must(t, err)
		if denseFilesLoaded.Load() == loaded {
			t.Fatal("the graph file was not loaded")
		}
		waitIndexed(t, db, "d")
		for deadline := time.Now().Add(30 * time.Second); payloadLinkBuilds.Load() == builds; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("payload links not built again")
			}
		}
		waitLinked(t, db, "d", n)
		must(t, db.Close()) // writes a good file for the next round
	}
}

// TestPayloadBlocks: the blocks of a keyword index are its values held by
// at least the threshold; an integer index adds ranges of two adjacent
// steps of just over half the threshold each, so every point of a value
// lies in one or two ranges; blocks above the size bound or of at most a
// quarter of the threshold are left out.
func TestPayloadBlocks(t *testing.T) {
	build := func(schema PayloadSchemaType, counts []int) *fieldIndex {
		fi, err := newFieldIndex("f", schema, nil)
		must(t, err)
		slot := uint32(0)
		for v, c := range counts {
			for range c {
				var val any = float64(v)
				if schema == SchemaKeyword {
					val = fmt.Sprint("v", v)
				}
				fi.add(&point{id: num(uint64(slot)), slot: slot, payload: Payload{"f": val}})
				slot++
			}
		}
		return fi
	}
	identity := func(s uint32) (uint32, bool) { return s, true }
	sizes := func(blocks [][]uint32) []int {
		var out []int
		for _, b := range blocks {
			out = append(out, len(b))
		}
		slices.Sort(out)
		return out
	}
	lim := blockLimits{threshold: 100, maxPoints: 1000}

	// Keyword: values of 100 and 150 points are blocks, 99 is not.
	kw := build(SchemaKeyword, []int{99, 100, 150})
	if got, want := sizes(payloadBlocks(kw, lim, identity)), []int{100, 150}; !slices.Equal(got, want) {
		t.Errorf("keyword blocks %v, want %v", got, want)
	}

	// Integer, 10 values of 30 points: steps close once past 50 points
	// (2 values each: 60 points), so 5 steps and 4 ranges of 120 points,
	// each value in the range of its step and its neighbour's.
	in := build(SchemaInteger, []int{30, 30, 30, 30, 30, 30, 30, 30, 30, 30})
	blocks := payloadBlocks(in, lim, identity)
	if got, want := sizes(blocks), []int{120, 120, 120, 120}; !slices.Equal(got, want) {
		t.Fatalf("integer blocks %v, want %v", got, want)
	}
	seen := map[uint32]int{}
	for _, b := range blocks {
		for _, id := range b {
			seen[id]++
		}
	}
	for id := uint32(0); id < 300; id++ {
		v := id / 30
		want := 2 // interior steps are in two ranges
		if v < 2 || v >= 8 {
			want = 1
		}
		if seen[id] != want {
			t.Fatalf("point of value %d is in %d ranges, want %d", v, seen[id], want)
		}
	}

	// Blocks above maxPoints are left out; so are ranges of few points
	// (toID dropping points not yet in the graph).
	if got := sizes(payloadBlocks(in, blockLimits{threshold: 100, maxPoints: 119}, identity)); len(got) != 0 {
		t.Errorf("blocks above the bound: %v, want none", got)
	}
	few := func(s uint32) (uint32, bool) { return s, s%5 == 0 } // 24 of a range's 120
	if got := sizes(payloadBlocks(in, lim, few)); len(got) != 0 {
		t.Errorf("blocks of at most threshold/4 points: %v, want none", got)
	}
	// One step covers all points: a single block of them.
	if got, want := sizes(payloadBlocks(in, blockLimits{threshold: 1000, maxPoints: 1000}, identity)), []int{300}; !slices.Equal(got, want) {
		t.Errorf("single-step blocks %v, want %v", got, want)
	}
}

// TestPayloadLinksDefault: with payload_m unset the engine links an
// integer index's value ranges with m, as Qdrant does, and a range filter
// on that field then searches within the allowed points; m: 0 without
// payload_m, or payload_m: 0, builds none.
func TestPayloadLinksDefault(t *testing.T) {
	graphSearchAlways(t)

	const n, dim = 3000, 8
	for _, tc := range []struct {
		name   string
		hnsw   HNSWConfig
		linked bool
	}{
		{"default", HNSWConfig{M: 8, EfConstruct: 32, FullScanThreshold: 1}, true},
		{"payload_m 0", HNSWConfig{M: 8, EfConstruct: 32, FullScanThreshold: 1, PayloadM: ptr(0)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(t.TempDir(), Options{Logger: quiet})
			must(t, err)
			defer db.Close()
			cfg := simpleConfig(dim, Cosine)
			cfg.HNSW = tc.hnsw
			must(t, db.CreateCollection(bg, "d", cfg))
			must(t, errOf(db.CreateFieldIndex(bg, "d", "bucket", SchemaInteger, nil, true)))
			r := rand.New(rand.NewSource(3))
			var pts []PointStruct
			for i := range n {
				pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, dim)...), Payload: Payload{"bucket": float64(i % 100)}})
			}
			must(t, errOf(db.Upsert(bg, "d", pts, true)))
			waitIndexed(t, db, "d")
			if !tc.linked {
				time.Sleep(200 * time.Millisecond) // a build would have started
				waitLinked(t, db, "d", 0)
				return
			}
			waitLinked(t, db, "d", n)
			within0 := withinAnswers.Load()
			lt := 10.0
			f := &Filter{Must: []Condition{{Field: &FieldCondition{Key: "bucket", Range: &Range{Lt: &lt}}}}}
			hits, err := db.Query(bg, "d", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: randVec(r, dim)}}, Limit: 5, Filter: f})
			must(t, err)
			if len(hits) != 5 {
				t.Fatalf("%d hits, want 5", len(hits))
			}
			for _, h := range hits {
				if h.ID.Num%100 >= 10 {
					t.Fatalf("hit %v does not match bucket < 10", h.ID)
				}
			}
			if withinAnswers.Load() == within0 {
				t.Fatal("the range filter did not search within the linked points")
			}
		})
	}
	h := HNSWConfig{M: 0, NoGraph: true}
	if got := h.effectivePayloadM(); got != 0 {
		t.Errorf("m: 0 without payload_m: payload_m %d, want 0", got)
	}
	h.PayloadM = ptr(6)
	if got := h.effectivePayloadM(); got != 6 {
		t.Errorf("m: 0, payload_m 6: payload_m %d, want 6", got)
	}
}

// TestNoGraph: with m: 0 (Qdrant's "no global graph") the indexer adds
// the vectors without linking them, payload_m links each keyword value's
// points, and a filtered search on that field follows those links alone,
// entering at allowed points; unfiltered searches scan exactly.
func TestNoGraph(t *testing.T) {
	graphSearchAlways(t)

	const n, dim, values, k = 3000, 8, 5, 10
	dir := t.TempDir()
	r := rand.New(rand.NewSource(4))
	db := openColorCollection(t, dir, "z", HNSWConfig{NoGraph: true, EfConstruct: 32, FullScanThreshold: 1, PayloadM: ptr(8)}, n, dim, values, r)
	defer func() { db.Close() }()

	c, err := db.collection("z")
	must(t, err)
	g := c.dense[DefaultVector].graph
	if g.Len() != n {
		t.Fatalf("graph holds %d nodes, want %d", g.Len(), n)
	}
	if got := g.Search(randVec(r, dim), k, 50, nil); len(got) != 1 {
		t.Fatalf("search of the global graph found %d nodes, want only its entry point (no global links)", len(got))
	}

	filtered := func(stage string) {
		t.Helper()
		queries := make([]*Query, 20)
		for i := range queries {
			queries[i] = &Query{Nearest: &VectorInput{Dense: randVec(r, dim)}}
		}
		rec, within := colorRecall(t, db, "z", queries, values, k, nil)
		if within != 20 {
			t.Fatalf("%s: %d of 20 filtered searches followed the payload links", stage, within)
		}
		if rec < 0.9 {
			t.Fatalf("%s: recall@%d of filtered searches without a global graph = %.3f, want >= 0.9", stage, k, rec)
		}
	}
	filtered("built")
	// Unfiltered: no graph to search, so an exact scan answers.
	graph1 := graphAnswers.Load()
	q := randVec(r, dim)
	got, err := db.Query(bg, "z", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: q}}, Limit: k})
	must(t, err)
	want, err := db.Query(bg, "z", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: q}}, Limit: k, Params: &SearchParams{Exact: true}})
	must(t, err)
	if graphAnswers.Load() != graph1 || len(got) != k || got[0].ID != want[0].ID {
		t.Fatalf("unfiltered search: graph answers %d, %d hits (best %v, exact %v); want an exact scan", graphAnswers.Load()-graph1, len(got), got[0].ID, want[0].ID)
	}
	// Reopened: the unlinked graph and the payload links are read back.
	must(t, db.Close())
	db, err = Open(dir, Options{Logger: quiet})
	must(t, err)
	waitIndexed(t, db, "z")
	waitLinked(t, db, "z", n)
	filtered("reopened")
}

// graphSearchAlways makes filtered searches take the graph whatever the
// selection's size, until the test ends.
func graphSearchAlways(t *testing.T) {
	oldWork, oldCost := exactWork, graphCost
	exactWork, graphCost = 0, 0
	t.Cleanup(func() { exactWork, graphCost = oldWork, oldCost })
}

// openColorCollection opens a database in dir with a collection of n
// random dim-vectors whose keyword-indexed payload "color" is c0…c(values-1)
// in turn, and waits until they are indexed and payload-linked.
func openColorCollection(t *testing.T, dir, name string, hc HNSWConfig, n, dim, values int, r *rand.Rand) *DB {
	t.Helper()
	db, err := Open(dir, Options{Logger: quiet})
	must(t, err)
	t.Cleanup(func() { db.Close() })
	cfg := simpleConfig(dim, Cosine)
	cfg.HNSW = hc
	must(t, db.CreateCollection(bg, name, cfg))
	must(t, errOf(db.CreateFieldIndex(bg, name, "color", SchemaKeyword, nil, true)))
	var pts []PointStruct
	for i := range n {
		pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, dim)...), Payload: Payload{"color": fmt.Sprintf("c%d", i%values)}})
	}
	must(t, errOf(db.Upsert(bg, name, pts, true)))
	waitIndexed(t, db, name)
	waitLinked(t, db, name, n)
	return db
}

// colorRecall runs query i filtered on color i%values (graph searches
// with params) and returns their recall against exact search and how many
// followed the payload links. Every hit must match its filter.
func colorRecall(t *testing.T, db *DB, name string, queries []*Query, values, k int, params *SearchParams) (float64, int64) {
	t.Helper()
	within0 := withinAnswers.Load()
	found, total := 0, 0
	for i, q := range queries {
		color := fmt.Sprintf("c%d", i%values)
		f := &Filter{Must: []Condition{{Field: &FieldCondition{Key: "color", Match: &Match{Value: color}}}}}
		want, err := db.Query(bg, name, QueryRequest{Query: q, Limit: k, Filter: f, Params: &SearchParams{Exact: true}})
		must(t, err)
		got, err := db.Query(bg, name, QueryRequest{Query: q, Limit: k, Filter: f, Params: params})
		must(t, err)
		in := map[PointID]bool{}
		for _, h := range want {
			in[h.ID] = true
		}
		for _, h := range got {
			if h.ID.Num%uint64(values) != uint64(i%values) {
				t.Fatalf("query %d: point %v does not match the filter", i, h.ID)
			}
			if in[h.ID] {
				found++
			}
		}
		total += len(want)
	}
	return float64(found) / float64(total), withinAnswers.Load() - within0
}
