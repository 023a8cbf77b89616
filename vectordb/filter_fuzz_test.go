package vectordb

import (
	"encoding/json"
	"testing"
)

// FuzzFilterIndexEquivalence evaluates a filter (JSON of the Filter type)
// over a few payloads twice, in a collection without payload indexes and
// in one with them: evaluation must never panic, and preselection through
// indexes must never change the answer.
func FuzzFilterIndexEquivalence(f *testing.F) {
	seeds := []string{
		`{"Must":[{"Field":{"Key":"city","Match":{"Value":"Berlin"}}}]}`,
		`{"Must":[{"Field":{"Key":"n","Range":{"Gte":2,"Lt":9}}}],"MustNot":[{"IsNull":"city"}]}`,
		`{"Should":[{"Field":{"Key":"tags","Match":{"Any":["a","z"]}}},{"HasID":[{"Num":2}]}]}`,
		`{"Must":[{"Field":{"Key":"when","DatetimeRange":{"Gt":"2024-01-01T00:00:00Z"}}}]}`,
		`{"Must":[{"Field":{"Key":"text","Match":{"Text":"quick fox"}}}]}`,
		`{"Must":[{"Nested":{"Key":"country.cities","Filter":{"Must":[{"Field":{"Key":"pop","Range":{"Gt":1}}}]}}}]}`,
		`{"MinShould":{"MinCount":2,"Conditions":[{"IsEmpty":"tags"},{"Field":{"Key":"n","ValuesCount":{"Lte":1}}}]}}`,
		`{"Must":[{"Filter":{"Must":[{"Field":{"Key":"n","Match":{"Value":5}}}]}}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	plain := filterFixture(f, false)
	indexed := filterFixture(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		var flt Filter
		if json.Unmarshal(data, &flt) != nil {
			return
		}
		// JSON numbers arrive as float64; match values must be integers,
		// strings or bools, as the API layers produce them.
		a, errA := plain.Scroll(bg, "f", ScrollRequest{Filter: &flt, Limit: 100})
		b, errB := indexed.Scroll(bg, "f", ScrollRequest{Filter: &flt, Limit: 100})
		if (errA == nil) != (errB == nil) {
			t.Fatalf("errors differ: %v / %v", errA, errB)
		}
		if errA != nil {
			if KindOf(errA) != KindBadInput {
				t.Fatalf("bad filter gave %v", errA)
			}
			return
		}
		if !textMatchUsed(&flt) {
			eq(t, ids(b.Points), ids(a.Points))
		}
	})
}

// textMatchUsed reports whether f has a full-text match, whose meaning
// changes with a text index (tokens instead of substring).
func textMatchUsed(f *Filter) bool {
	for _, list := range [][]Condition{f.Must, f.Should, f.MustNot} {
		for _, c := range list {
			if condUsesText(&c) {
				return true
			}
		}
	}
	if f.MinShould != nil {
		for _, c := range f.MinShould.Conditions {
			if condUsesText(&c) {
				return true
			}
		}
	}
	return false
}

func condUsesText(c *Condition) bool {
	switch {
	case c.Field != nil && c.Field.Match != nil && c.Field.Match.Text != nil:
		return true
	case c.Filter != nil:
		return textMatchUsed(c.Filter)
	case c.Nested != nil:
		return textMatchUsed(&c.Nested.Filter)
	}
	return false
}
