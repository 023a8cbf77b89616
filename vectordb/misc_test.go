package vectordb

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func jsonPayload(t testing.TB, s string) Payload {
	var p Payload
	must(t, json.Unmarshal([]byte(s), &p))
	return p
}

func TestPayloadPaths(t *testing.T) {
	p := jsonPayload(t, `{"a":{"b":1,"c":[{"d":1,"e":2},{"d":3}]},"arr":[1,2,3],"x":null}`)
	del := []struct{ key, want string }{
		{"a.b", `{"a":{"c":[{"d":1,"e":2},{"d":3}]},"arr":[1,2,3],"x":null}`},
		{"a.c[].d", `{"a":{"b":1,"c":[{"e":2},{}]},"arr":[1,2,3],"x":null}`},
		{"a.c[1]", `{"a":{"b":1,"c":[{"d":1,"e":2}]},"arr":[1,2,3],"x":null}`},
		{"arr[]", `{"a":{"b":1,"c":[{"d":1,"e":2},{"d":3}]},"arr":[],"x":null}`},
		{"missing.key", `{"a":{"b":1,"c":[{"d":1,"e":2},{"d":3}]},"arr":[1,2,3],"x":null}`},
	}
	for _, tc := range del {
		got := deletePayloadKey(p, tc.key)
		eq(t, got, jsonPayload(t, tc.want))
	}
	// The original is never modified.
	eq(t, p, jsonPayload(t, `{"a":{"b":1,"c":[{"d":1,"e":2},{"d":3}]},"arr":[1,2,3],"x":null}`))

	sel := []struct {
		s    PayloadSelector
		want string
	}{
		{PayloadSelector{Include: []string{"a.c[].d", "x"}}, `{"a":{"c":[{"d":1},{"d":3}]},"x":null}`},
		{PayloadSelector{Include: []string{"a"}, Exclude: []string{"a.c"}}, `{"a":{"b":1}}`},
		{PayloadSelector{Include: []string{"arr"}}, `{"arr":[1,2,3]}`},
		{PayloadSelector{Exclude: []string{"a", "arr"}}, `{"x":null}`},
	}
	for _, tc := range sel {
		eq(t, selectPayload(p, tc.s), jsonPayload(t, tc.want))
	}
	eq(t, selectPayload(p, PayloadSelector{}), Payload(nil))

	set, err := setPayloadAt(p, Payload{"n": 1.0}, "a.new")
	must(t, err)
	eq(t, set["a"].(map[string]any)["new"], any(map[string]any{"n": 1.0}))
	// Array selectors descend into elements (objects); missing arrays are
	// left alone.
	arr := Payload{"l": []any{map[string]any{"x": 1.0}, map[string]any{"x": 2.0}}}
	set, err = setPayloadAt(arr, Payload{"n": 1.0}, "l[1].b")
	must(t, err)
	eq(t, set["l"], any([]any{map[string]any{"x": 1.0}, map[string]any{"x": 2.0, "b": map[string]any{"n": 1.0}}}))
	set, err = setPayloadAt(arr, Payload{"n": 1.0}, "l[]")
	must(t, err)
	eq(t, set["l"], any([]any{map[string]any{"x": 1.0, "n": 1.0}, map[string]any{"x": 2.0, "n": 1.0}}))
	eq(t, arr["l"].([]any)[0], any(map[string]any{"x": 1.0})) // the input is not modified
	set, err = setPayloadAt(arr, Payload{"n": 1.0}, "nope[0].b")
	must(t, err)
	eq(t, set, arr)

	for _, bad := range []string{"", "a[", "a[x]", "a[-1]"} {
		if _, err := parsePath(bad); err == nil {
			t.Errorf("parsePath(%q) accepted", bad)
		}
	}
	n, err := normalizeValue(map[string]any{"i": int64(3), "u": uint8(2), "f": float32(1.5), "n": json.Number("7")}, 0)
	must(t, err)
	eq(t, n, any(map[string]any{"i": 3.0, "u": 2.0, "f": 1.5, "n": 7.0}))
	deep := any("x")
	for i := 0; i < maxPayloadDepth+2; i++ {
		deep = []any{deep}
	}
	if _, err := normalizeValue(deep, 0); err == nil {
		t.Error("over-deep payload accepted")
	}
	if _, err := normalizeValue(struct{}{}, 0); err == nil {
		t.Error("struct payload accepted")
	}
}

func TestPointIDs(t *testing.T) {
	id, err := NewPointIDFromString("42")
	must(t, err)
	eq(t, id, num(42))
	id, err = NewPointIDFromString("5C56C793-69F3-4FBF-87E6-C4BF54C28C26")
	must(t, err)
	eq(t, id.UUID, "5c56c793-69f3-4fbf-87e6-c4bf54c28c26")
	_, err = NewPointIDFromString("-1")
	mustKind(t, err, KindBadInput)
	_, err = NewPointIDFromString("042")
	mustKind(t, err, KindBadInput)
}

func TestLimitsAndClosed(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{MaxPointsPerUpsert: 2})
	must(t, err)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	pts := []PointStruct{{ID: num(1), Vectors: dense(1, 1)}, {ID: num(2), Vectors: dense(1, 1)}, {ID: num(3), Vectors: dense(1, 1)}}
	mustKind(t, errOf(db.Upsert(bg, "c", pts, true)), KindTooLarge)
	mustKind(t, db.UpdateCollection(bg, "c", CollectionUpdate{Vectors: map[string]VectorParamsDiff{"nope": {}}}), KindBadInput)
	mustKind(t, db.UpdateCollection(bg, "c", CollectionUpdate{HNSW: &HNSWConfig{M: -1}}), KindBadInput)
	mustKind(t, db.UpdateCollection(bg, "nope", CollectionUpdate{}), KindNotFound)
	mustKind(t, db.UpdateAliases(bg, []AliasOp{{Create: &Alias{Alias: "c", Collection: "c"}}}), KindConflict) // Qdrant answers 409
	mustKind(t, db.UpdateAliases(bg, []AliasOp{{Delete: ptr("none")}}), KindNotFound)
	mustKind(t, db.UpdateAliases(bg, []AliasOp{{}}), KindBadInput)
	var buf bytes.Buffer
	must(t, db.WriteSummary(&buf))
	if !strings.Contains(buf.String(), "c: 0 points") {
		t.Fatalf("summary: %q", buf.String())
	}
	must(t, db.Close())
	must(t, db.Close()) // idempotent
	mustKind(t, db.CreateCollection(bg, "d", simpleConfig(2, Dot)), KindUnavailable)
	mustKind(t, errOf(db.Upsert(bg, "c", pts[:1], true)), KindUnavailable)
	mustKind(t, errOf(db.Query(bg, "c", QueryRequest{})), KindUnavailable)
}

func TestSparseRecommendAverage(t *testing.T) {
	db := hybridFixture(t)
	// avg(pos) = {1:1, 2:1}; minus neg {1:1, 3:2} → 2*pos - neg = {1:1, 2:2, 3:-2}.
	res, err := db.Query(bg, "h", QueryRequest{Using: "raw", Query: &Query{Recommend: &RecommendInput{
		Positive: []VectorInput{{ID: ptr(num(1))}}, Negative: []VectorInput{{ID: ptr(num(3))}}}}})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(2)})
	approx(t, res[0].Score, 1)
}
