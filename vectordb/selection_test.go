package vectordb

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"testing"
)

// randPayload returns a payload over the fields of TestFilteredSearchBruteForce:
// kw (keyword index), i (integer index; one value or two), f (float
// index), b (bool index), tags (keyword index, an array), u (no index).
// Fields are sometimes missing.
func randPayload(r *rand.Rand) Payload {
	p := Payload{}
	if r.Intn(10) > 0 {
		p["kw"] = string(rune('a' + r.Intn(5)))
	}
	switch r.Intn(10) {
	case 0:
	case 1:
		p["i"] = []any{float64(r.Intn(20)), float64(r.Intn(20))}
	default:
		p["i"] = float64(r.Intn(20))
	}
	p["f"] = r.Float64()
	if r.Intn(5) > 0 {
		p["b"] = r.Intn(2) == 0
	}
	var tags []any
	for range r.Intn(4) {
		tags = append(tags, string(rune('w'+r.Intn(4))))
	}
	p["tags"] = tags
	p["u"] = float64(r.Intn(10))
	return p
}

// randCondition returns one condition on those fields, has_id, or (below
// depth 2) a nested filter.
func randCondition(r *rand.Rand, depth, maxID int) Condition {
	key := func() string { return []string{"kw", "i", "f", "b", "tags", "u"}[r.Intn(6)] }
	value := func(k string) any {
		switch k {
		case "kw":
			return string(rune('a' + r.Intn(6)))
		case "tags":
			return string(rune('w' + r.Intn(5)))
		case "b":
			return r.Intn(2) == 0
		}
		return int64(r.Intn(21))
	}
	bound := func() *float64 {
		if r.Intn(2) == 0 {
			return nil
		}
		return ptr(float64(r.Intn(21)) + []float64{0, 0.5}[r.Intn(2)])
	}
	switch n := r.Intn(12); {
	case n < 4:
		k := key()
		if k == "f" {
			k = "i"
		}
		return Condition{Field: &FieldCondition{Key: k, Match: &Match{Value: value(k)}}}
	case n < 6:
		k := key()
		if k == "f" {
			k = "kw"
		}
		var any []any
		for range 1 + r.Intn(3) {
			any = append(any, value(k))
		}
		return Condition{Field: &FieldCondition{Key: k, Match: &Match{Any: any}}}
	case n < 9:
		k := []string{"i", "u", "f"}[r.Intn(3)]
		rg := &Range{Gt: bound(), Gte: bound(), Lt: bound(), Lte: bound()}
		if k == "f" {
			rg = &Range{Gte: ptr(r.Float64()), Lt: ptr(r.Float64() + 0.3)}
		}
		return Condition{Field: &FieldCondition{Key: k, Range: rg}}
	case n < 10:
		var hid []PointID
		for range 1 + r.Intn(40) {
			hid = append(hid, num(uint64(r.Intn(maxID))))
		}
		return Condition{HasID: hid}
	case n < 11 && depth < 2:
		f := randFilter(r, depth+1, maxID)
		return Condition{Filter: &f}
	}
	return Condition{IsEmpty: ptr("tags")}
}

// randFilter returns a filter of up to 3 must, 3 should and 2 must_not
// conditions, and sometimes a min_should.
func randFilter(r *rand.Rand, depth, maxID int) Filter {
	var f Filter
	for range r.Intn(4) {
		f.Must = append(f.Must, randCondition(r, depth, maxID))
	}
	for range r.Intn(4) {
		f.Should = append(f.Should, randCondition(r, depth, maxID))
	}
	for range r.Intn(3) {
		f.MustNot = append(f.MustNot, randCondition(r, depth, maxID))
	}
	if r.Intn(8) == 0 {
		f.MinShould = &MinShould{MinCount: 1, Conditions: []Condition{randCondition(r, depth, maxID), randCondition(r, depth, maxID)}}
	}
	return f
}

// TestFilteredSearchBruteForce checks filtered search, count and scroll
// against a brute-force scan (every stored point tested with the filter,
// exact scores) on random points and random filters: fresh, after
// deletes, payload overwrites, vector deletes and re-upserts (slots freed
// and reused), after a clean reopen and after a crash.
func TestFilteredSearchBruteForce(t *testing.T) {
	work, cost := exactWork, graphCost
	defer func() { exactWork, graphCost = work, cost }()
	const n, dim, k, filters = 2000, 8, 10, 150
	db, dir := openTemp(t)
	cfg := simpleConfig(dim, Dot)
	cfg.HNSW = HNSWConfig{M: 8, EfConstruct: 48, FullScanThreshold: 1}
	must(t, db.CreateCollection(bg, "r", cfg))
	for field, schema := range map[string]PayloadSchemaType{"kw": SchemaKeyword, "i": SchemaInteger, "f": SchemaFloat, "b": SchemaBool, "tags": SchemaKeyword} {
		must(t, errOf(db.CreateFieldIndex(bg, "r", field, schema, nil, true)))
	}
	r := rand.New(rand.NewSource(11))
	upsert := func(db *DB, ids []uint64) {
		var pts []PointStruct
		for _, id := range ids {
			pts = append(pts, PointStruct{ID: num(id), Vectors: dense(randVec(r, dim)...), Payload: randPayload(r)})
		}
		must(t, errOf(db.Upsert(bg, "r", pts, true)))
	}
	some := func(count, below int) []PointID {
		var out []PointID
		for range count {
			out = append(out, num(uint64(r.Intn(below))))
		}
		return out
	}
	var first []uint64
	for i := range n {
		first = append(first, uint64(i))
	}
	upsert(db, first)

	check := func(t *testing.T, db *DB, wantPoints int) {
		waitIndexed(t, db, "r")
		all, err := db.Scroll(bg, "r", ScrollRequest{Limit: 10 * n, WithPayload: PayloadSelector{All: true}, WithVector: VectorSelector{All: true}})
		must(t, err)
		eq(t, len(all.Points), wantPoints)
		c, err := db.collection("r")
		must(t, err)
		found, total := 0, 0
		for trial := range filters {
			f := randFilter(r, 0, n+500)
			name := fmt.Sprintf("filter %d %+v", trial, f)
			// Brute force: test every point, score every match.
			q := randVec(r, dim)
			var match []PointID
			var want []ScoredPoint
			c.mu.RLock()
			m := matcher{c}
			for _, rec := range all.Points {
				if !m.match(&f, &point{id: rec.ID, payload: rec.Payload}) {
					continue
				}
				match = append(match, rec.ID)
				if v := rec.Vectors[DefaultVector].Dense; v != nil { // DeleteVectors removed some
					want = append(want, ScoredPoint{ID: rec.ID, Score: dot(q, v)})
				}
			}
			sel := c.selectFilter(&f)
			var selected []PointID
			if sel != nil {
				sel.bits.each(func(s uint32) bool { selected = append(selected, c.slots[s].id); return true })
			}
			c.mu.RUnlock()
			// The selection holds every match, and only them when exact.
			if sel != nil {
				sortPointIDs(selected)
				eq(t, sel.n, len(selected))
				for _, id := range match {
					if _, ok := slices.BinarySearchFunc(selected, id, ComparePointIDs); !ok {
						t.Fatalf("%s: matching point %s is not selected", name, id)
					}
				}
				if sel.exact && len(selected) != len(match) {
					t.Fatalf("%s: exact selection of %d points, %d match", name, len(selected), len(match))
				}
			}
			sort.Slice(want, func(i, j int) bool {
				if want[i].Score != want[j].Score {
					return want[i].Score > want[j].Score
				}
				return ComparePointIDs(want[i].ID, want[j].ID) < 0
			})
			want = want[:min(k, len(want))]
			sortPointIDs(match)

			cnt, err := db.Count(bg, "r", &f)
			must(t, err)
			if cnt != len(match) {
				t.Fatalf("%s: count %d, brute force %d", name, cnt, len(match))
			}
			sc, err := db.Scroll(bg, "r", ScrollRequest{Filter: &f, Limit: 10 * n})
			must(t, err)
			if !slices.Equal(ids(sc.Points), match) {
				t.Fatalf("%s: scroll %v, brute force %v", name, ids(sc.Points), match)
			}
			// Exact search, and the engine's own plan (an exact scan of
			// the selection at this size).
			for _, params := range []*SearchParams{{Exact: true}, nil} {
				got, err := db.Query(bg, "r", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: q}}, Filter: &f, Limit: k, Params: params})
				must(t, err)
				if !slices.Equal(hitIDs(got), hitIDs(want)) {
					t.Fatalf("%s, params %+v: got %v, brute force %v", name, params, hitIDs(got), hitIDs(want))
				}
				for i := range got {
					eq(t, got[i].Score, want[i].Score)
				}
			}
			// The graph, forced: every hit matches, recall is high.
			exactWork, graphCost = 0, 0
			got, err := db.Query(bg, "r", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: q}}, Filter: &f, Limit: k})
			exactWork, graphCost = work, cost
			must(t, err)
			eq(t, len(got), len(want))
			for _, h := range got {
				if _, ok := slices.BinarySearchFunc(match, h.ID, ComparePointIDs); !ok {
					t.Fatalf("%s: graph hit %s does not match", name, h.ID)
				}
				if slices.Contains(hitIDs(want), h.ID) {
					found++
				}
			}
			total += len(want)
		}
		if recall := float64(found) / float64(max(total, 1)); recall < 0.9 {
			t.Fatalf("forced graph search: recall %.3f < 0.9", recall)
		}
	}

	mutate := func(db *DB) {
		// Ids of existing points (payload updates of missing ones fail).
		existing := func(count int) []PointID {
			all, err := db.Scroll(bg, "r", ScrollRequest{Limit: 10 * n})
			must(t, err)
			var out []PointID
			for range count {
				out = append(out, all.Points[r.Intn(len(all.Points))].ID)
			}
			return out
		}
		must(t, errOf(db.Delete(bg, "r", PointsSelector{IDs: some(300, n)}, true)))
		must(t, errOf(db.OverwritePayload(bg, "r", randPayload(r), PointsSelector{IDs: existing(200)}, true)))
		must(t, errOf(db.SetPayload(bg, "r", Payload{"i": float64(7), "kw": "e"}, PointsSelector{IDs: existing(200)}, "", true)))
		must(t, errOf(db.DeletePayload(bg, "r", []string{"kw", "tags"}, PointsSelector{IDs: existing(100)}, true)))
		must(t, errOf(db.ClearPayload(bg, "r", PointsSelector{IDs: existing(50)}, true)))
		must(t, errOf(db.DeleteVectors(bg, "r", []string{DefaultVector}, PointsSelector{IDs: existing(30)}, true)))
		must(t, errOf(db.Delete(bg, "r", PointsSelector{Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "i", Match: &Match{Value: int64(3)}}}}}}, true)))
		var again []uint64
		for _, id := range some(300, n+500) { // re-upserts and new points: freed slots reused
			again = append(again, id.Num)
		}
		upsert(db, again)
	}
	count := func(db *DB) int {
		n, err := db.Count(bg, "r", nil)
		must(t, err)
		return n
	}

	t.Run("fresh", func(t *testing.T) { check(t, db, n) })
	mutate(db)
	want := count(db)
	t.Run("updated", func(t *testing.T) { check(t, db, want) })
	must(t, db.Close())
	db, err := Open(dir, Options{})
	must(t, err)
	defer func() { db.Close() }()
	t.Run("reopened", func(t *testing.T) { check(t, db, want) })
	mutate(db)
	want = count(db)
	crashed := t.TempDir()
	crashImage(t, db, dir, crashed) // the log after the reopen's checkpoint is replayed
	db2, err := Open(crashed, Options{})
	must(t, err)
	defer db2.Close()
	t.Run("crashed", func(t *testing.T) { check(t, db2, want) })
}

// TestSlotSet checks the compressed slot sets against a map, across the
// array and bitmap containers.
func TestSlotSet(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	var s slotSet
	ref := map[uint32]bool{}
	for step := range 60000 {
		slot := uint32(r.Intn(3 << 16))
		if step%7 == 0 {
			slot = uint32(r.Intn(6000)) // a dense container: becomes a bitmap
		}
		if r.Intn(3) == 0 {
			s.remove(slot)
			delete(ref, slot)
		} else {
			s.add(slot)
			ref[slot] = true
		}
	}
	eq(t, s.len(), len(ref))
	var want []uint32
	for x := range ref {
		want = append(want, x)
	}
	slices.Sort(want)
	var got []uint32
	s.each(func(x uint32) bool { got = append(got, x); return true })
	eq(t, got, want)
	b := newBitmap(3 << 16)
	s.orInto(b)
	got = got[:0]
	b.each(func(x uint32) bool { got = append(got, x); return true })
	eq(t, got, want)
	eq(t, b.count(), len(want))
	for x := range want {
		s.remove(want[x])
	}
	eq(t, s.len(), 0)
	eq(t, len(s.keys), 0)

	// A bitmap container reaching past the end of the bitmap it is ORed
	// into (a common value in a collection of 5001 slots).
	for x := range uint32(5001) {
		s.add(x)
	}
	b = newBitmap(5001)
	s.orInto(b)
	eq(t, b.count(), 5001)
}
