package rest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"nexusos/vectordb"
)

func ptr[T any](v T) *T { return &v }

func TestParseFilter(t *testing.T) {
	day := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   string
		want *vectordb.Filter
	}{
		{"null", `null`, nil},
		{"empty", `{}`, &vectordb.Filter{}},
		{"match value string", `{"must":[{"key":"kind","match":{"value":"invoice"}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "kind", Match: &vectordb.Match{Value: "invoice"}}}}}},
		{"match value int single condition", `{"must":{"key":"n","match":{"value":3}}}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "n", Match: &vectordb.Match{Value: int64(3)}}}}}},
		{"match value bool", `{"should":[{"key":"ok","match":{"value":true}}]}`,
			&vectordb.Filter{Should: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "ok", Match: &vectordb.Match{Value: true}}}}}},
		{"match any", `{"must":[{"key":"tag","match":{"any":["a","b"]}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "tag", Match: &vectordb.Match{Any: []any{"a", "b"}}}}}}},
		{"match except ints", `{"must_not":[{"key":"n","match":{"except":[1,2]}}]}`,
			&vectordb.Filter{MustNot: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "n", Match: &vectordb.Match{Except: []any{int64(1), int64(2)}}}}}}},
		{"match text", `{"must":[{"key":"body","match":{"text":"vector db"}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "body", Match: &vectordb.Match{Text: ptr("vector db")}}}}}},
		{"range numbers", `{"must":[{"key":"price","range":{"gte":10,"lt":20.5}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "price", Range: &vectordb.Range{Gte: ptr(10.0), Lt: ptr(20.5)}}}}}},
		{"range datetime", `{"must":[{"key":"date","range":{"gte":"2026-02-01T00:00:00Z","lt":null}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "date", DatetimeRange: &vectordb.DatetimeRange{Gte: &day}}}}}},
		{"range datetime with offset", `{"must":[{"key":"date","range":{"gte":"2026-02-01T01:00:00+01:00"}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "date", DatetimeRange: &vectordb.DatetimeRange{Gte: &day}}}}}},
		{"range datetime no zone", `{"must":[{"key":"date","range":{"gte":"2026-02-01 00:00:00"}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "date", DatetimeRange: &vectordb.DatetimeRange{Gte: &day}}}}}},
		{"values_count", `{"must":[{"key":"tags","values_count":{"gt":1,"lte":3}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "tags", ValuesCount: &vectordb.ValuesCount{Gt: ptr(1), Lte: ptr(3)}}}}}},
		{"is_empty", `{"must":[{"is_empty":{"key":"tags"}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{IsEmpty: ptr("tags")}}}},
		{"is_null", `{"must":[{"is_null":{"key":"x"}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{IsNull: ptr("x")}}}},
		{"field is_empty flag", `{"must":[{"key":"tags","is_empty":true}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{IsEmpty: ptr("tags")}}}},
		{"field is_null false", `{"must":[{"key":"x","is_null":false}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Filter: &vectordb.Filter{MustNot: []vectordb.Condition{{IsNull: ptr("x")}}}}}}},
		{"has_id", `{"must":[{"has_id":[1,"5C56C793-69F3-4FBF-87E6-C4BF54C28C26"]}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{HasID: []vectordb.PointID{{Num: 1}, {UUID: "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"}}}}}},
		{"has_vector", `{"must":[{"has_vector":"dense"}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{HasVector: ptr("dense")}}}},
		{"nested key paths", `{"must":[{"key":"a.b[].c","match":{"value":"x"}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "a.b[].c", Match: &vectordb.Match{Value: "x"}}}}}},
		{"nested", `{"must":[{"nested":{"key":"items","filter":{"must":[{"key":"qty","range":{"gt":2}}]}}}]}`,
			&vectordb.Filter{Must: []vectordb.Condition{{Nested: &vectordb.NestedCondition{Key: "items", Filter: vectordb.Filter{
				Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "qty", Range: &vectordb.Range{Gt: ptr(2.0)}}}}}}}}}},
		{"nested filter", `{"should":[{"must":[{"has_vector":"v"}]}]}`,
			&vectordb.Filter{Should: []vectordb.Condition{{Filter: &vectordb.Filter{Must: []vectordb.Condition{{HasVector: ptr("v")}}}}}}},
		{"min_should", `{"min_should":{"conditions":[{"has_id":[1]},{"has_id":[2]}],"min_count":1}}`,
			&vectordb.Filter{MinShould: &vectordb.MinShould{MinCount: 1, Conditions: []vectordb.Condition{{HasID: []vectordb.PointID{{Num: 1}}}, {HasID: []vectordb.PointID{{Num: 2}}}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseFilter(json.RawMessage(c.in))
			if err != nil {
				t.Fatalf("parseFilter(%s): %v", c.in, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("parseFilter(%s)\n got %s\nwant %s", c.in, dump(got), dump(c.want))
			}
			checkRoundTrip(t, got)
		})
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func checkRoundTrip(t *testing.T, f *vectordb.Filter) {
	t.Helper()
	if f == nil {
		return
	}
	enc, err := json.Marshal(encodeFilter(f))
	if err != nil {
		t.Fatalf("encode %s: %v", dump(f), err)
	}
	back, err := parseFilter(enc)
	if err != nil {
		t.Fatalf("re-parse %s: %v", enc, err)
	}
	if !reflect.DeepEqual(normalize(back), normalize(f)) {
		t.Fatalf("round trip changed the filter:\n was %s\n now %s\n via %s", dump(f), dump(back), enc)
	}
}

// normalize maps empty condition slices to nil (encodeFilter writes an
// empty array for an empty non-nil list, which parses back as empty).
func normalize(f *vectordb.Filter) *vectordb.Filter {
	if f == nil {
		return nil
	}
	g := *f
	fix := func(cs []vectordb.Condition) []vectordb.Condition {
		if len(cs) == 0 {
			return nil
		}
		out := make([]vectordb.Condition, len(cs))
		for i, c := range cs {
			if c.Filter != nil {
				c.Filter = normalize(c.Filter)
			}
			if c.Nested != nil {
				n := *c.Nested
				n.Filter = *normalize(&n.Filter)
				c.Nested = &n
			}
			if c.HasID != nil && len(c.HasID) == 0 {
				c.HasID = []vectordb.PointID{}
			}
			out[i] = c
		}
		return out
	}
	g.Must, g.Should, g.MustNot = fix(f.Must), fix(f.Should), fix(f.MustNot)
	if f.MinShould != nil {
		ms := *f.MinShould
		ms.Conditions = fix(ms.Conditions)
		g.MinShould = &ms
	}
	return &g
}

func TestParseFilterRejects(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"not an object", `[1]`, "expected an object"},
		{"unknown field", `{"musts":[]}`, "unknown field `musts`"},
		{"float match", `{"must":[{"key":"x","match":{"value":1.5}}]}`, "expected a string, an integer or a boolean"},
		{"mixed any", `{"must":[{"key":"x","match":{"any":["a",1]}}]}`, "mixed strings and integers"},
		{"mixed range", `{"must":[{"key":"x","range":{"gt":1,"lt":"2026-01-01T00:00:00Z"}}]}`, "mixed numbers and date-times"},
		{"bad datetime", `{"must":[{"key":"x","range":{"gt":"yesterday"}}]}`, "not an RFC 3339 date-time"},
		{"negative values_count", `{"must":[{"key":"x","values_count":{"gt":-1}}]}`, "non-negative integer"},
		{"two tests", `{"must":[{"key":"x","match":{"value":1},"range":{"gt":1}}]}`, "exactly one of"},
		{"no test", `{"must":[{"key":"x"}]}`, "At least one field condition"},
		{"geo", `{"must":[{"key":"x","geo_radius":{"center":{"lon":0,"lat":0}}}]}`, "expected {center, radius}"},
		{"bad id", `{"must":[{"has_id":[-3]}]}`, "expected an unsigned integer or a UUID"},
		{"bad uuid", `{"must":[{"has_id":["not-a-uuid"]}]}`, "expected an unsigned integer or a UUID"},
		{"min_count zero", `{"min_should":{"conditions":[],"min_count":0}}`, "min_count must be at least 1"},
		{"nested without filter", `{"must":[{"nested":{"key":"a"}}]}`, "missing field `filter`"},
		{"too deep", strings.Repeat(`{"must":[`, 40) + `{}` + strings.Repeat(`]}`, 40), "nested deeper than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseFilter(json.RawMessage(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("parseFilter(%s) = %v, want an error containing %q", c.in, err, c.want)
			}
		})
	}
}

// FuzzFilterJSON checks that the filter parser never panics and that every
// filter it accepts survives encode → parse unchanged.
func FuzzFilterJSON(f *testing.F) {
	seeds := []string{
		`{}`, `null`, `{"must":[{"key":"kind","match":{"value":"invoice"}}]}`,
		`{"should":[{"key":"n","match":{"any":[1,2,3]}}],"must_not":{"has_id":[7]}}`,
		`{"must":[{"key":"d","range":{"gte":"2026-01-01T00:00:00Z","lt":"2026-02-01"}}]}`,
		`{"must":[{"key":"p","range":{"gt":1.5,"lte":99}}]}`,
		`{"must":[{"nested":{"key":"items","filter":{"must":[{"key":"q","values_count":{"gt":0}}]}}}]}`,
		`{"min_should":{"conditions":[{"is_empty":{"key":"a"}},{"is_null":{"key":"b"}},{"has_vector":"v"}],"min_count":2}}`,
		`{"must":[{"key":"t","match":{"text":"hello world"}}]}`,
		`{"must":[{"must_not":[{"key":"x","match":{"except":["a"]}}]}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		flt, err := parseFilter(data)
		if err != nil || flt == nil {
			return
		}
		checkRoundTrip(t, flt)
	})
}
