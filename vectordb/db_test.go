package vectordb

import (
	"errors"
	"math"
	"testing"
)

func TestCollectionsLifecycle(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "a", simpleConfig(4, Dot)))
	err := db.CreateCollection(bg, "a", simpleConfig(4, Dot))
	mustKind(t, err, KindBadInput)
	eq(t, err.Error(), "Wrong input: Collection `a` already exists!")
	mustKind(t, db.CreateCollection(bg, "../x", simpleConfig(4, Dot)), KindBadInput)
	mustKind(t, db.CreateCollection(bg, "b", simpleConfig(0, Dot)), KindBadInput)
	mustKind(t, db.CreateCollection(bg, "b", simpleConfig(3, "Hamming")), KindBadInput)
	must(t, db.CreateCollection(bg, "b", simpleConfig(2, Cosine)))
	eq(t, db.Collections(), []string{"a", "b"})
	eq(t, exists(t, db, "a"), true)
	eq(t, exists(t, db, "zz"), false)

	_, err = db.CollectionInfo(bg, "zz")
	mustKind(t, err, KindNotFound)
	eq(t, err.Error(), "Not found: Collection `zz` doesn't exist!")

	must(t, db.UpdateAliases(bg, []AliasOp{{Create: &Alias{Alias: "al", Collection: "a"}}}))
	eq(t, exists(t, db, "al"), true)
	info, err := db.CollectionInfo(bg, "al")
	must(t, err)
	eq(t, info.Config.Vectors[DefaultVector].Size, 4)
	// A failing action leaves all aliases unchanged.
	err = db.UpdateAliases(bg, []AliasOp{
		{Rename: &struct{ Old, New string }{"al", "al2"}},
		{Create: &Alias{Alias: "x", Collection: "missing"}},
	})
	mustKind(t, err, KindNotFound)
	as, err := db.Aliases("")
	must(t, err)
	eq(t, as, []Alias{{Alias: "al", Collection: "a"}})
	must(t, db.UpdateAliases(bg, []AliasOp{{Rename: &struct{ Old, New string }{"al", "al2"}}}))
	as, _ = db.Aliases("a")
	eq(t, as, []Alias{{Alias: "al2", Collection: "a"}})

	must(t, db.UpdateCollection(bg, "a", CollectionUpdate{HNSW: &HNSWConfig{M: 32}}))
	info, _ = db.CollectionInfo(bg, "a")
	eq(t, info.Config.HNSW.M, 32)

	ok, err := db.DeleteCollection(bg, "a")
	must(t, err)
	eq(t, ok, true)
	ok, _ = db.DeleteCollection(bg, "a")
	eq(t, ok, false)
	eq(t, exists(t, db, "al2"), false)
	eq(t, db.Collections(), []string{"b"})
}

func TestUpsertValidation(t *testing.T) {
	db, _ := openTemp(t)
	cfg := CollectionConfig{
		Vectors:       map[string]VectorParams{"img": {Size: 3, Distance: Cosine}},
		SparseVectors: map[string]SparseVectorParams{"txt": {}},
	}
	must(t, db.CreateCollection(bg, "c", cfg))
	good := PointStruct{ID: num(1), Vectors: NamedVectors{"img": {Dense: []float32{3, 0, 4}}}}
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{good}, true)))

	cases := []struct {
		name string
		p    PointStruct
		msg  string
	}{
		{"dim", PointStruct{ID: num(2), Vectors: NamedVectors{"img": {Dense: []float32{1, 2}}}},
			"Wrong input: Vector dimension error: expected dim: 3, got 2"},
		{"name", PointStruct{ID: num(2), Vectors: NamedVectors{"nope": {Dense: []float32{1, 2, 3}}}},
			"Wrong input: Not existing vector name error: nope"},
		{"nan", PointStruct{ID: num(2), Vectors: NamedVectors{"img": {Dense: []float32{1, float32(math.NaN()), 3}}}}, ""},
		{"inf", PointStruct{ID: num(2), Vectors: NamedVectors{"img": {Dense: []float32{1, float32(math.Inf(1)), 3}}}}, ""},
		{"sparse-dup", PointStruct{ID: num(2), Vectors: NamedVectors{"txt": {Sparse: &SparseVector{Indices: []uint32{1, 1}, Values: []float32{1, 2}}}}}, ""},
		{"sparse-len", PointStruct{ID: num(2), Vectors: NamedVectors{"txt": {Sparse: &SparseVector{Indices: []uint32{1}, Values: []float32{1, 2}}}}}, ""},
		{"uuid", PointStruct{ID: PointID{UUID: "not-a-uuid"}}, ""},
		{"payload-nan", PointStruct{ID: num(2), Payload: Payload{"x": math.NaN()}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The bad point comes second: nothing of the batch may apply.
			ok := PointStruct{ID: num(9), Vectors: NamedVectors{"img": {Dense: []float32{1, 1, 1}}}}
			_, err := db.Upsert(bg, "c", []PointStruct{ok, tc.p}, true)
			mustKind(t, err, KindBadInput)
			if tc.msg != "" {
				eq(t, err.Error(), tc.msg)
			}
			n, err := db.Count(bg, "c", nil)
			must(t, err)
			eq(t, n, 1)
		})
	}
	recs, err := db.Get(bg, "c", []PointID{num(1)}, PayloadSelector{}, VectorSelector{All: true})
	must(t, err)
	eq(t, recs[0].Vectors["img"].Dense, []float32{0.6, 0, 0.8}) // cosine: normalised
	_, err = db.Upsert(bg, "missing", []PointStruct{good}, true)
	mustKind(t, err, KindNotFound)
}

func errOf[T any](_ T, err error) error { return err }

func TestScrollOrderAndPaging(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	u1 := PointID{UUID: "b0000000-0000-0000-0000-000000000000"}
	u2 := PointID{UUID: "A0000000-0000-0000-0000-000000000000"} // canonicalised to lower case
	var pts []PointStruct
	for _, id := range []PointID{u1, num(10), u2, num(2), num(7)} {
		pts = append(pts, PointStruct{ID: id, Vectors: dense(1, 1), Payload: Payload{"n": float64(id.Num)}})
	}
	must(t, errOf(db.Upsert(bg, "c", pts, true)))
	want := []PointID{num(2), num(7), num(10), {UUID: "a0000000-0000-0000-0000-000000000000"}, u1}
	var got []PointID
	var off *PointID
	for page := 0; page < 10; page++ {
		res, err := db.Scroll(bg, "c", ScrollRequest{Offset: off, Limit: 2})
		must(t, err)
		got = append(got, ids(res.Points)...)
		off = res.NextPageOffset
		if off == nil {
			break
		}
	}
	eq(t, got, want)

	// Filtered scroll and order_by.
	res, err := db.Scroll(bg, "c", ScrollRequest{Limit: 10, Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "n", Range: &Range{Gte: ptr(5.0)}}}}}})
	must(t, err)
	eq(t, ids(res.Points), []PointID{num(7), num(10)})

	_, err = db.Scroll(bg, "c", ScrollRequest{OrderBy: &OrderBy{Key: "n"}})
	mustKind(t, err, KindBadInput)
	must(t, errOf(db.CreateFieldIndex(bg, "c", "n", SchemaInteger, nil, true)))
	res, err = db.Scroll(bg, "c", ScrollRequest{Limit: 3, OrderBy: &OrderBy{Key: "n", Direction: Desc, StartFrom: 9.0}})
	must(t, err)
	eq(t, ids(res.Points), []PointID{num(7), num(2), u1}) // 7, 2, then the 0s in id order
	eq(t, res.Points[0].OrderValue, any(int64(7)))
}

func TestPayloadAndVectorUpdates(t *testing.T) {
	db, _ := openTemp(t)
	cfg := CollectionConfig{Vectors: map[string]VectorParams{"a": {Size: 2, Distance: Dot}, "b": {Size: 2, Distance: Dot}}}
	must(t, db.CreateCollection(bg, "c", cfg))
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{
		{ID: num(1), Vectors: NamedVectors{"a": {Dense: []float32{1, 0}}, "b": {Dense: []float32{0, 1}}}, Payload: Payload{"x": 1.0, "o": map[string]any{"k": "v"}}},
		{ID: num(2), Vectors: NamedVectors{"a": {Dense: []float32{0, 1}}}, Payload: Payload{"x": 2.0}},
	}, true)))
	sel1 := PointsSelector{IDs: []PointID{num(1)}}
	get := func(id uint64) Record {
		t.Helper()
		r, err := db.Get(bg, "c", []PointID{num(id)}, PayloadSelector{All: true}, VectorSelector{All: true})
		must(t, err)
		if len(r) != 1 {
			t.Fatalf("point %d missing", id)
		}
		return r[0]
	}
	must(t, errOf(db.SetPayload(bg, "c", Payload{"y": "z"}, sel1, "", true)))
	eq(t, get(1).Payload, Payload{"x": 1.0, "y": "z", "o": map[string]any{"k": "v"}})
	must(t, errOf(db.SetPayload(bg, "c", Payload{"k2": true}, sel1, "o", true)))
	eq(t, get(1).Payload["o"], any(map[string]any{"k": "v", "k2": true}))
	must(t, errOf(db.DeletePayload(bg, "c", []string{"o.k", "x"}, sel1, true)))
	eq(t, get(1).Payload, Payload{"y": "z", "o": map[string]any{"k2": true}})
	must(t, errOf(db.OverwritePayload(bg, "c", Payload{"only": 1.0}, sel1, true)))
	eq(t, get(1).Payload, Payload{"only": 1.0})
	must(t, errOf(db.ClearPayload(bg, "c", sel1, true)))
	eq(t, get(1).Payload, Payload{})
	_, err := db.SetPayload(bg, "c", Payload{"y": 1.0}, PointsSelector{IDs: []PointID{num(99)}}, "", true)
	mustKind(t, err, KindNotFound)

	must(t, errOf(db.UpdateVectors(bg, "c", []PointVectors{{ID: num(2), Vectors: NamedVectors{"b": {Dense: []float32{5, 5}}}}}, true)))
	eq(t, get(2).Vectors["b"].Dense, []float32{5, 5})
	eq(t, get(2).Vectors["a"].Dense, []float32{0, 1})
	_, err = db.UpdateVectors(bg, "c", []PointVectors{{ID: num(3), Vectors: NamedVectors{"b": {Dense: []float32{5, 5}}}}}, true)
	mustKind(t, err, KindNotFound)
	must(t, errOf(db.DeleteVectors(bg, "c", []string{"a"}, PointsSelector{IDs: []PointID{num(2)}}, true)))
	_, has := get(2).Vectors["a"]
	eq(t, has, false)

	must(t, errOf(db.Delete(bg, "c", PointsSelector{Filter: &Filter{Must: []Condition{{HasVector: ptr("a")}}}}, true)))
	n, _ := db.Count(bg, "c", nil)
	eq(t, n, 1)
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	must(t, err)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Euclid)))
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{{ID: num(1), Vectors: dense(1, 2), Payload: Payload{"a": "b"}}}, true)))
	must(t, errOf(db.CreateFieldIndex(bg, "c", "a", SchemaKeyword, nil, true)))
	must(t, db.UpdateAliases(bg, []AliasOp{{Create: &Alias{Alias: "al", Collection: "c"}}}))
	must(t, db.Close())

	db, err = Open(dir, Options{})
	must(t, err)
	defer db.Close()
	recs, err := db.Get(bg, "al", []PointID{num(1)}, PayloadSelector{All: true}, VectorSelector{All: true})
	must(t, err)
	eq(t, recs, []Record{{ID: num(1), Payload: Payload{"a": "b"}, Vectors: dense(1, 2)}})
	info, err := db.CollectionInfo(bg, "c")
	must(t, err)
	eq(t, info.PayloadSchema["a"], PayloadIndexInfo{DataType: SchemaKeyword, Points: 1})
}

func TestOpenLocksDirectory(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	must(t, err)
	_, err = Open(dir, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: want ErrLocked, got %v", err)
	}
	must(t, db.Close())
	db, err = Open(dir, Options{})
	must(t, err)
	must(t, db.Close())
}
