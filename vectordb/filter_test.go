package vectordb

import (
	"encoding/json"
	"testing"
	"time"
)

// filterFixture is a collection of points with varied payloads.
func filterFixture(t testing.TB, indexed bool) *DB {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "f", simpleConfig(2, Dot)))
	payloads := []string{
		`{"city":"Berlin","n":1,"tags":["a","b"],"ok":true,"when":"2024-01-02T10:00:00Z","text":"The quick brown fox","country":{"name":"DE","cities":[{"name":"Berlin","pop":3.6},{"name":"Bonn","pop":0.3}]}}`,
		`{"city":"London","n":5,"tags":["b"],"ok":false,"when":"2024-03-01T00:00:00+01:00","text":"lazy dog","country":{"name":"UK","cities":[{"name":"London","pop":9},{"name":"Leeds","pop":0.8}]}}`,
		`{"city":"Paris","n":10,"tags":[],"ok":null,"when":"2023-12-31","text":"Quick thinking"}`,
		`{"city":null,"n":2.5,"other":1}`,
		`{}`,
	}
	var pts []PointStruct
	for i, s := range payloads {
		var p Payload
		must(t, json.Unmarshal([]byte(s), &p))
		pts = append(pts, PointStruct{ID: num(uint64(i + 1)), Vectors: dense(1, float32(i)), Payload: p})
	}
	must(t, errOf(db.Upsert(bg, "f", pts, true)))
	if indexed {
		for k, s := range map[string]PayloadSchemaType{"city": SchemaKeyword, "n": SchemaFloat, "when": SchemaDatetime, "text": SchemaText, "ok": SchemaBool, "tags": SchemaKeyword} {
			must(t, errOf(db.CreateFieldIndex(bg, "f", k, s, nil, true)))
		}
	}
	return db
}

func fc(key string) *FieldCondition { return &FieldCondition{Key: key} }

func TestFilters(t *testing.T) {
	tm := func(s string) *time.Time { v, _ := time.Parse(time.RFC3339, s); return &v }
	match := func(key string, m Match) Condition { f := fc(key); f.Match = &m; return Condition{Field: f} }
	cases := []struct {
		name string
		f    Filter
		want []uint64
	}{
		{"value", Filter{Must: []Condition{match("city", Match{Value: "Berlin"})}}, []uint64{1}},
		{"int value on float", Filter{Must: []Condition{match("n", Match{Value: int64(5)})}}, []uint64{2}},
		{"bool", Filter{Must: []Condition{match("ok", Match{Value: true})}}, []uint64{1}},
		{"array any element", Filter{Must: []Condition{match("tags", Match{Value: "b"})}}, []uint64{1, 2}},
		{"any", Filter{Must: []Condition{match("city", Match{Any: []any{"Paris", "London"}})}}, []uint64{2, 3}},
		{"except", Filter{Must: []Condition{match("city", Match{Except: []any{"Paris", "London"}})}}, []uint64{1, 5}}, // null never matches, missing does
		{"text", Filter{Must: []Condition{match("text", Match{Text: ptr("quick")})}}, nil},                            // set per index below
		{"range", Filter{Must: []Condition{{Field: &FieldCondition{Key: "n", Range: &Range{Gt: ptr(1.0), Lte: ptr(5.0)}}}}}, []uint64{2, 4}},
		{"datetime", Filter{Must: []Condition{{Field: &FieldCondition{Key: "when", DatetimeRange: &DatetimeRange{Gte: tm("2024-01-01T00:00:00Z"), Lt: tm("2024-02-29T23:00:00Z")}}}}}, []uint64{1}},
		{"datetime zone instant", Filter{Must: []Condition{{Field: &FieldCondition{Key: "when", DatetimeRange: &DatetimeRange{Lte: tm("2024-02-29T23:00:00Z"), Gt: tm("2024-01-03T00:00:00Z")}}}}}, []uint64{2}},
		{"values_count", Filter{Must: []Condition{{Field: &FieldCondition{Key: "tags", ValuesCount: &ValuesCount{Gte: ptr(1)}}}}}, []uint64{1, 2}},
		{"is_empty", Filter{Must: []Condition{{IsEmpty: ptr("tags")}}}, []uint64{3, 4, 5}},
		{"is_null", Filter{Must: []Condition{{IsNull: ptr("city")}}}, []uint64{4}},
		{"has_id", Filter{Must: []Condition{{HasID: []PointID{num(2), num(4), num(77)}}}}, []uint64{2, 4}},
		{"must_not", Filter{MustNot: []Condition{{HasID: []PointID{num(1), num(2)}}}}, []uint64{3, 4, 5}},
		{"should", Filter{Should: []Condition{match("city", Match{Value: "Paris"}), {HasID: []PointID{num(5)}}}}, []uint64{3, 5}},
		{"min_should", Filter{MinShould: &MinShould{MinCount: 2, Conditions: []Condition{
			match("city", Match{Value: "Berlin"}), match("tags", Match{Value: "a"}), match("city", Match{Value: "London"})}}}, []uint64{1}},
		{"nested key", Filter{Must: []Condition{match("country.name", Match{Value: "UK"})}}, []uint64{2}},
		{"array path", Filter{Must: []Condition{match("country.cities[].name", Match{Value: "Bonn"})}}, []uint64{1}},
		// Without nested, conditions may match different elements...
		{"flat cross-element", Filter{Must: []Condition{
			match("country.cities[].name", Match{Value: "Bonn"}),
			{Field: &FieldCondition{Key: "country.cities[].pop", Range: &Range{Gt: ptr(1.0)}}}}}, []uint64{1}},
		// ...with nested, one element must satisfy all of them.
		{"nested filter", Filter{Must: []Condition{{Nested: &NestedCondition{Key: "country.cities", Filter: Filter{Must: []Condition{
			match("name", Match{Value: "Bonn"}),
			{Field: &FieldCondition{Key: "pop", Range: &Range{Gt: ptr(1.0)}}}}}}}}}, nil},
		{"nested filter hit", Filter{Must: []Condition{{Nested: &NestedCondition{Key: "country.cities", Filter: Filter{Must: []Condition{
			match("name", Match{Value: "Leeds"}),
			{Field: &FieldCondition{Key: "pop", Range: &Range{Lt: ptr(1.0)}}}}}}}}}, []uint64{2}},
		{"boolean filter", Filter{Must: []Condition{{Filter: &Filter{Should: []Condition{{HasID: []PointID{num(1)}}, {HasID: []PointID{num(3)}}}}}}}, []uint64{1, 3}},
		{"has_vector", Filter{Must: []Condition{{HasVector: ptr("")}}}, []uint64{1, 2, 3, 4, 5}},
	}
	for _, indexed := range []bool{false, true} {
		db := filterFixture(t, indexed)
		for _, tc := range cases {
			want := tc.want
			if tc.name == "text" {
				want = []uint64{1}
				if indexed {
					want = []uint64{1, 3} // tokens, lower-cased
				}
			}
			t.Run(tc.name, func(t *testing.T) {
				f := tc.f
				res, err := db.Scroll(bg, "f", ScrollRequest{Filter: &f, Limit: 100})
				must(t, err)
				got := []uint64{}
				for _, r := range res.Points {
					got = append(got, r.ID.Num)
				}
				if want == nil {
					want = []uint64{}
				}
				eq(t, got, want)
				n, err := db.Count(bg, "f", &f)
				must(t, err)
				eq(t, n, len(want))
			})
		}
	}
}

func TestFilterValidation(t *testing.T) {
	db := filterFixture(t, false)
	bad := []Filter{
		{Must: []Condition{{}}},
		{Must: []Condition{{Field: &FieldCondition{Key: "a"}}}},
		{Must: []Condition{{Field: &FieldCondition{Key: "a", Match: &Match{}}}}},
		{Must: []Condition{{Field: &FieldCondition{Key: "a[x]", Match: &Match{Value: "x"}}}}},
		{Must: []Condition{{IsNull: ptr("a"), IsEmpty: ptr("b")}}},
	}
	for i := range bad {
		_, err := db.Count(bg, "f", &bad[i])
		mustKind(t, err, KindBadInput)
	}
}

func TestPayloadIndexInfo(t *testing.T) {
	db := filterFixture(t, true)
	info, err := db.CollectionInfo(bg, "f")
	must(t, err)
	eq(t, info.PayloadSchema["city"].Points, 3)
	eq(t, info.PayloadSchema["n"].Points, 4)
	eq(t, info.PayloadSchema["when"].Points, 3)
	must(t, errOf(db.DeleteFieldIndex(bg, "f", "city", true)))
	info, _ = db.CollectionInfo(bg, "f")
	_, ok := info.PayloadSchema["city"]
	eq(t, ok, false)
	// Index maintenance across updates.
	must(t, errOf(db.SetPayload(bg, "f", Payload{"n": 100.0}, PointsSelector{IDs: []PointID{num(5)}}, "", true)))
	res, err := db.Scroll(bg, "f", ScrollRequest{Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "n", Range: &Range{Gte: ptr(50.0)}}}}}})
	must(t, err)
	eq(t, ids(res.Points), []PointID{num(5)})
	must(t, errOf(db.Delete(bg, "f", PointsSelector{IDs: []PointID{num(5)}}, true)))
	res, _ = db.Scroll(bg, "f", ScrollRequest{Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "n", Range: &Range{Gte: ptr(50.0)}}}}}})
	eq(t, len(res.Points), 0)
}

func TestIndexKinds(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{
		{ID: num(1), Vectors: dense(1, 0), Payload: Payload{"u": "5C56C793-69F3-4FBF-87E6-C4BF54C28C26", "t": "Invoice number 42", "d": "2024-05-01T10:00:00+02:00", "b": true}},
		{ID: num(2), Vectors: dense(0, 1), Payload: Payload{"u": "6c56c793-69f3-4fbf-87e6-c4bf54c28c26", "t": "invoicing rules", "d": "2024-05-01T09:00:00Z", "b": false}},
	}, true)))
	must(t, errOf(db.CreateFieldIndex(bg, "c", "u", SchemaUUID, nil, true)))
	must(t, errOf(db.CreateFieldIndex(bg, "c", "t", SchemaText, &TextIndexParams{Tokenizer: "prefix", MinTokenLen: 2}, true)))
	must(t, errOf(db.CreateFieldIndex(bg, "c", "d", SchemaDatetime, nil, true)))
	must(t, errOf(db.CreateFieldIndex(bg, "c", "b", SchemaBool, nil, true)))
	count := func(f Filter) int {
		t.Helper()
		n, err := db.Count(bg, "c", &f)
		must(t, err)
		return n
	}
	fcm := func(key string, m Match) Filter {
		return Filter{Must: []Condition{{Field: &FieldCondition{Key: key, Match: &m}}}}
	}
	eq(t, count(fcm("u", Match{Value: "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"})), 1)
	eq(t, count(fcm("t", Match{Text: ptr("invoic")})), 2) // prefix tokens
	eq(t, count(fcm("t", Match{Text: ptr("invoice 42")})), 1)
	eq(t, count(fcm("b", Match{Value: false})), 1)
	// 10:00+02:00 is 08:00Z: before 09:00Z.
	res, err := db.Scroll(bg, "c", ScrollRequest{OrderBy: &OrderBy{Key: "d"}})
	must(t, err)
	eq(t, ids(res.Points), []PointID{num(1), num(2)})
	info, _ := db.CollectionInfo(bg, "c")
	eq(t, info.PayloadSchema["t"].Text.Tokenizer, "prefix")
	mustKind(t, errOf(db.CreateFieldIndex(bg, "c", "x", "polygon", nil, true)), KindBadInput)
}

// TestNoImplicitArrayWalk: as in Qdrant, "a.b" does not look inside an
// array a; "a[].b" does.
func TestNoImplicitArrayWalk(t *testing.T) {
	db := filterFixture(t, false)
	gte := 5.0
	cond := func(key string) *Filter {
		f := fc(key)
		f.Range = &Range{Gte: &gte}
		return &Filter{Must: []Condition{{Field: f}}}
	}
	n, err := db.Count(bg, "f", cond("country.cities.pop"))
	must(t, err)
	eq(t, n, 0)
	n, err = db.Count(bg, "f", cond("country.cities[].pop"))
	must(t, err)
	eq(t, n, 1)
}

// TestIndexedRangesMatchScan: ranges answered from a numeric index (upper
// bound only, lower only, both, exclusive ends, multi-valued points) give
// the same counts as the same filters scanned without an index.
func TestIndexedRangesMatchScan(t *testing.T) {
	open := func(indexed bool) *DB {
		db, _ := openTemp(t)
		must(t, db.CreateCollection(bg, "r", simpleConfig(2, Dot)))
		var pts []PointStruct
		for i := range 300 {
			p := Payload{"n": float64(i % 100)}
			if i%7 == 0 {
				p["n"] = []any{float64(i % 100), float64((i * 3) % 100)}
			}
			pts = append(pts, PointStruct{ID: num(uint64(i + 1)), Vectors: dense(1, float32(i)), Payload: p})
		}
		must(t, errOf(db.Upsert(bg, "r", pts, true)))
		if indexed {
			must(t, errOf(db.CreateFieldIndex(bg, "r", "n", SchemaFloat, nil, true)))
		}
		return db
	}
	idx, scan := open(true), open(false)
	f := func(v float64) *float64 { return &v }
	for _, r := range []Range{{Lt: f(1)}, {Lte: f(50)}, {Gt: f(98)}, {Gte: f(10), Lt: f(20)}, {Gt: f(10), Lte: f(10)}, {Gte: f(0)}, {Lt: f(0)}} {
		fc := &FieldCondition{Key: "n", Range: &r}
		filter := &Filter{Must: []Condition{{Field: fc}}}
		a, err := idx.Count(bg, "r", filter)
		must(t, err)
		b, err := scan.Count(bg, "r", filter)
		must(t, err)
		if a != b {
			t.Errorf("range %+v: indexed %d, scanned %d", r, a, b)
		}
	}
}
