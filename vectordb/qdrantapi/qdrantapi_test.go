package qdrantapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"nexusos/vectordb"
)

func TestPayloadValues(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(`{
		"a": 1, "s": "x", "n": null, "arr": [1, [2, 3], "y"],
		"o": {"b": 2, "c": [4, 5]},
		"objs": [{"b": 6}, {"b": [7, 8]}, 9, [{"b": 10}]],
		"lit[0]": 11
	}`), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want string
	}{
		{"a", "[1]"},
		{"s", "[x]"},
		{"n", "[]"},
		{"missing", "[]"},
		{"arr", "[1 [2 3] y]"}, // a final array is flattened one level
		{"arr[]", "[1 2 3 y]"}, // each element, itself flattened
		{"o.b", "[2]"},
		{"o.c", "[4 5]"},
		{"o.c[]", "[4 5]"},
		{"o[].b", "[]"}, // "[]" takes the elements of an array only
		{"a[]", "[]"},
		{"objs.b", "[6 7 8]"}, // arrays on the way are walked, objects only
		{"objs[].b", "[6 7 8]"},
		{"a.b", "[]"},      // no object to step into
		{"lit[0]", "[11]"}, // brackets other than [] are part of the name
		{"o.b.c", "[]"},
		{"objs[].b.c", "[]"},
		{"arr.x", "[]"},
		{"o.missing", "[]"},
		{"objs[].missing", "[]"},
		{"objs.b[]", "[7 8]"}, // only arrays take "[]"
		{"s[]", "[]"},
		{"n[]", "[]"},
		{"o.c[].x", "[]"},
		{"objs[]", "[map[b:6] map[b:[7 8]] 9 map[b:10]]"},
	} {
		got := payloadValues(doc, tc.path)
		if s := fmt.Sprint(nonNil(got)); s != tc.want {
			t.Errorf("payloadValues(%q) = %s, want %s", tc.path, s, tc.want)
		}
	}
}

func nonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func TestGroupIDs(t *testing.T) {
	p := vectordb.Payload{"k": []any{"a", 2.0, 2.5, -3.0, true, nil, 1e19, map[string]any{}}}
	got := groupIDs(p, "k")
	want := []any{"a", int64(2), int64(-3)}
	if !slices.Equal(got, want) {
		t.Errorf("groupIDs = %#v, want %#v", got, want)
	}
}

func TestCompareFacetValues(t *testing.T) {
	// Sorted: bools, then integers, then strings, each by value.
	want := []any{false, true, int64(-1), int64(0), int64(7), "", "a", "b"}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, compareFacetValues)
	if !slices.Equal(got, want) {
		t.Errorf("sorted = %v, want %v", got, want)
	}
}

// testDB opens a DB with collection "c" (2-d cosine vectors) holding
// points.
func testDB(t *testing.T, points []vectordb.PointStruct) *vectordb.DB {
	t.Helper()
	db, err := vectordb.Open(t.TempDir(), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	err = db.CreateCollection(ctx, "c", vectordb.CollectionConfig{
		Vectors: map[string]vectordb.VectorParams{vectordb.DefaultVector: {Size: 2, Distance: vectordb.Cosine}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Upsert(ctx, "c", points, true); err != nil {
		t.Fatal(err)
	}
	return db
}

func point(n uint64, x, y float32, p vectordb.Payload) vectordb.PointStruct {
	return vectordb.PointStruct{ID: vectordb.PointID{Num: n}, Vectors: vectordb.NamedVectors{"": {Dense: []float32{x, y}}}, Payload: p}
}

func ids(hits []vectordb.ScoredPoint) string {
	var s []string
	for _, h := range hits {
		s = append(s, h.ID.String())
	}
	return fmt.Sprint(s)
}

func TestGroupsAndLookup(t *testing.T) {
	// Points 1..6 in order of decreasing similarity to (1, 0).
	db := testDB(t, []vectordb.PointStruct{
		point(1, 1, 0, vectordb.Payload{"k": "a", "x": 1}),
		point(2, 1, 0.1, vectordb.Payload{"k": []any{"a", 7}, "x": 2}),
		point(3, 1, 0.2, vectordb.Payload{"k": "b", "x": 3}),
		point(4, 1, 0.3, vectordb.Payload{"k": 7, "x": 4}),
		point(5, 1, 0.4, vectordb.Payload{"x": 5}),
		point(6, 1, 0.5, vectordb.Payload{"k": "a", "x": 6}),
	})
	ctx := context.Background()
	req := vectordb.QueryRequest{
		Query:       &vectordb.Query{Nearest: &vectordb.VectorInput{Dense: []float32{1, 0}}},
		Params:      &vectordb.SearchParams{Exact: true},
		Limit:       1, // ignored
		Offset:      3, // ignored
		WithPayload: vectordb.PayloadSelector{Include: []string{"x"}},
	}
	groups, err := Groups(ctx, db, "c", req, "k", 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		got = append(got, fmt.Sprintf("%v:%s", g.ID, ids(g.Hits)))
	}
	if want := "[a:[1 2] 7:[2 4] b:[3]]"; fmt.Sprint(got) != want {
		t.Errorf("groups = %v, want %s", got, want)
	}
	if h := groups[0].Hits[1]; len(h.Payload) != 1 || h.Payload["x"] != 2.0 || h.Vectors != nil {
		t.Errorf("hit 2 carries payload %v and vectors %v, want {x: 2} and none", h.Payload, h.Vectors)
	}

	// Lookup: group 7 names point 7, which does not exist; "a" and "b"
	// are no point ids here.
	pointID := func(id any) (vectordb.PointID, bool) {
		n, ok := id.(int64)
		return vectordb.PointID{Num: uint64(n)}, ok && n >= 0
	}
	more := append(groups, Group{ID: int64(4)}, Group{ID: int64(-1)})
	recs, err := Lookup(ctx, db, "c", more, vectordb.PayloadSelector{All: true}, vectordb.VectorSelector{}, pointID)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if want := i == 3; (r != nil) != want {
			t.Errorf("lookup of group %v: %v", more[i].ID, r)
		}
	}
	if r := recs[3]; r.ID.Num != 4 || r.Payload["k"] != 7.0 {
		t.Errorf("lookup of group 4 = %+v", *r)
	}
	if _, err := Lookup(ctx, db, "nope", groups, vectordb.PayloadSelector{}, vectordb.VectorSelector{}, pointID); vectordb.KindOf(err) != vectordb.KindNotFound {
		t.Errorf("lookup in a missing collection: %v", err)
	}
	if _, err := Groups(ctx, db, "nope", req, "k", 3, 2); vectordb.KindOf(err) != vectordb.KindNotFound {
		t.Errorf("groups in a missing collection: %v", err)
	}
}

func TestFacet(t *testing.T) {
	db := testDB(t, []vectordb.PointStruct{
		point(1, 1, 0, vectordb.Payload{"k": []any{"a", "a", 1, true, 1.5, nil}}),
		point(2, 1, 0, vectordb.Payload{"k": "a", "f": true}),
		point(3, 1, 0, vectordb.Payload{"k": []any{1, "b"}, "f": true}),
		point(4, 1, 0, vectordb.Payload{"k": false}),
		point(5, 1, 0, vectordb.Payload{}),
	})
	ctx := context.Background()
	for _, tc := range []struct {
		filter *vectordb.Filter
		limit  int
		want   string
	}{
		{nil, 10, "[{1 2} {a 2} {false 1} {true 1} {b 1}]"},
		{nil, 2, "[{1 2} {a 2}]"},
		{nil, 0, "[]"},
		{&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "f", Match: &vectordb.Match{Value: true}}}}}, 10, "[{1 1} {a 1} {b 1}]"},
	} {
		hits, err := Facet(ctx, db, "c", "k", tc.filter, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(hits); got != tc.want {
			t.Errorf("facet (filter %v, limit %d) = %s, want %s", tc.filter != nil, tc.limit, got, tc.want)
		}
	}
	if _, err := Facet(ctx, db, "nope", "k", nil, 10); vectordb.KindOf(err) != vectordb.KindNotFound {
		t.Errorf("facet of a missing collection: %v", err)
	}
}

func TestMatrix(t *testing.T) {
	db := testDB(t, []vectordb.PointStruct{
		point(1, 1, 0, vectordb.Payload{"in": true}),
		point(2, 1, 0.1, vectordb.Payload{"in": true}),
		point(3, 0, 1, vectordb.Payload{"in": true}),
		point(4, 1, 0.05, nil),
	})
	ctx := context.Background()
	in := &vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "in", Match: &vectordb.Match{Value: true}}}}}
	sample, rows, err := Matrix(ctx, db, "c", "", in, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sample) != 3 || len(rows) != 3 {
		t.Fatalf("sample %v, %d rows; want 3 points and rows", sample, len(rows))
	}
	nearest := map[uint64]string{1: "[2]", 2: "[1]", 3: "[2]"}
	for i, r := range rows {
		if r.ID != sample[i] {
			t.Errorf("row %d is of %v, want %v", i, r.ID, sample[i])
		}
		if got := ids(r.Hits); got != nearest[r.ID.Num] {
			t.Errorf("nearest of %v = %s, want %s", r.ID, got, nearest[r.ID.Num])
		}
	}
	sample, rows, err = Matrix(ctx, db, "c", "", nil, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(sample) != 2 || len(rows) != 2 || len(rows[0].Hits) != 1 {
		t.Errorf("sample of 2: %v, %v", sample, rows)
	}
}
