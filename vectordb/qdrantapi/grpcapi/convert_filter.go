package grpcapi

import (
	"math"
	"strings"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/types/known/timestamppb"

	"nexusos/vectordb"
)

// Bounds on filters from requests.
const (
	maxFilterDepth      = 32     // nesting of filters and nested conditions
	maxFilterConditions = 10000  // conditions in one filter, all levels
	maxMatchValues      = 10000  // values in one match any/except or has_id
	maxFilterValues     = 100000 // such values in one filter, all levels
)

// filterConv converts one request's filter tree and counts what it visits
// against the bounds.
type filterConv struct {
	count  int // conditions
	values int // ids, match values and text tokens
}

// addValues charges n listed values against the filter's budget.
func (c *filterConv) addValues(n int) error {
	if n > maxMatchValues {
		return badInput("a condition lists more than %d values", maxMatchValues)
	}
	c.values += n
	if c.values > maxFilterValues {
		return badInput("filter lists more than %d values in all", maxFilterValues)
	}
	return nil
}

// filterFromProto converts a filter. A nil filter gives nil.
func filterFromProto(f *qdrant.Filter) (*vectordb.Filter, error) {
	if f == nil {
		return nil, nil
	}
	var c filterConv
	return c.filter(f, 0)
}

func (c *filterConv) filter(f *qdrant.Filter, depth int) (*vectordb.Filter, error) {
	if depth > maxFilterDepth {
		return nil, badInput("filter nested deeper than %d levels", maxFilterDepth)
	}
	out := &vectordb.Filter{}
	var err error
	if out.Must, err = c.conditions(f.GetMust(), depth); err != nil {
		return nil, err
	}
	if out.Should, err = c.conditions(f.GetShould(), depth); err != nil {
		return nil, err
	}
	if out.MustNot, err = c.conditions(f.GetMustNot(), depth); err != nil {
		return nil, err
	}
	if ms := f.GetMinShould(); ms != nil {
		conds, err := c.conditions(ms.GetConditions(), depth)
		if err != nil {
			return nil, err
		}
		// A count above len(conds) matches nothing, as in Qdrant; clamp it
		// so it fits an int.
		out.MinShould = &vectordb.MinShould{Conditions: conds, MinCount: int(min(ms.GetMinCount(), maxFilterConditions+1))}
	}
	return out, nil
}

func (c *filterConv) conditions(cs []*qdrant.Condition, depth int) ([]vectordb.Condition, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	out := make([]vectordb.Condition, 0, len(cs))
	for _, pc := range cs {
		vc, err := c.condition(pc, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, vc)
	}
	return out, nil
}

func (c *filterConv) condition(pc *qdrant.Condition, depth int) (vectordb.Condition, error) {
	c.count++
	if c.count > maxFilterConditions {
		return vectordb.Condition{}, badInput("filter has more than %d conditions", maxFilterConditions)
	}
	switch k := pc.GetConditionOneOf().(type) {
	case *qdrant.Condition_Field:
		return c.field(k.Field, depth)
	case *qdrant.Condition_IsEmpty:
		key := k.IsEmpty.GetKey()
		if err := checkName("is_empty key", key); err != nil {
			return vectordb.Condition{}, err
		}
		return vectordb.Condition{IsEmpty: &key}, nil
	case *qdrant.Condition_IsNull:
		key := k.IsNull.GetKey()
		if err := checkName("is_null key", key); err != nil {
			return vectordb.Condition{}, err
		}
		return vectordb.Condition{IsNull: &key}, nil
	case *qdrant.Condition_HasId:
		ids := k.HasId.GetHasId()
		if err := c.addValues(len(ids)); err != nil {
			return vectordb.Condition{}, err
		}
		vids, err := pointIDsFromProto(ids)
		if err != nil {
			return vectordb.Condition{}, err
		}
		if vids == nil {
			vids = []vectordb.PointID{}
		}
		return vectordb.Condition{HasID: vids}, nil
	case *qdrant.Condition_HasVector:
		name := k.HasVector.GetHasVector()
		return vectordb.Condition{HasVector: &name}, nil
	case *qdrant.Condition_Nested:
		key := k.Nested.GetKey()
		if err := checkName("nested key", key); err != nil {
			return vectordb.Condition{}, err
		}
		f, err := c.filter(k.Nested.GetFilter(), depth+1)
		if err != nil {
			return vectordb.Condition{}, err
		}
		return vectordb.Condition{Nested: &vectordb.NestedCondition{Key: key, Filter: *f}}, nil
	case *qdrant.Condition_Filter:
		f, err := c.filter(k.Filter, depth+1)
		if err != nil {
			return vectordb.Condition{}, err
		}
		return vectordb.Condition{Filter: f}, nil
	case nil:
		return vectordb.Condition{}, badInput("condition is empty")
	default:
		return vectordb.Condition{}, badInput("unknown condition kind %T", k)
	}
}

// field converts a field condition. Qdrant lets one field condition carry
// several tests (all must hold); the engine's FieldCondition holds one, so
// several become a nested filter of musts.
func (c *filterConv) field(fc *qdrant.FieldCondition, depth int) (vectordb.Condition, error) {
	key := fc.GetKey()
	if err := checkName("field condition key", key); err != nil {
		return vectordb.Condition{}, err
	}
	if fc.GeoBoundingBox != nil || fc.GeoRadius != nil || fc.GeoPolygon != nil {
		return vectordb.Condition{}, unsupported("geo conditions")
	}
	var parts []vectordb.Condition
	add := func(f vectordb.FieldCondition) {
		f.Key = key
		parts = append(parts, vectordb.Condition{Field: &f})
	}
	if fc.Match != nil {
		cond, err := c.match(key, fc.Match)
		if err != nil {
			return vectordb.Condition{}, err
		}
		parts = append(parts, cond)
	}
	if r := fc.Range; r != nil {
		for _, b := range []*float64{r.Lt, r.Gt, r.Gte, r.Lte} {
			if b != nil && math.IsNaN(*b) {
				return vectordb.Condition{}, badInput("range bound is NaN")
			}
		}
		add(vectordb.FieldCondition{Range: &vectordb.Range{Lt: r.Lt, Gt: r.Gt, Gte: r.Gte, Lte: r.Lte}})
	}
	if r := fc.DatetimeRange; r != nil {
		dr := &vectordb.DatetimeRange{}
		for _, b := range []struct {
			in  *timestamppb.Timestamp
			out **time.Time
		}{{r.Lt, &dr.Lt}, {r.Gt, &dr.Gt}, {r.Gte, &dr.Gte}, {r.Lte, &dr.Lte}} {
			if b.in == nil {
				continue
			}
			if err := b.in.CheckValid(); err != nil {
				return vectordb.Condition{}, badInput("datetime range bound: %v", err)
			}
			t := b.in.AsTime()
			*b.out = &t
		}
		add(vectordb.FieldCondition{DatetimeRange: dr})
	}
	if r := fc.ValuesCount; r != nil {
		vc := &vectordb.ValuesCount{}
		for _, b := range []struct {
			in  *uint64
			out **int
		}{{r.Lt, &vc.Lt}, {r.Gt, &vc.Gt}, {r.Gte, &vc.Gte}, {r.Lte, &vc.Lte}} {
			if b.in == nil {
				continue
			}
			n := int(min(*b.in, math.MaxInt32))
			*b.out = &n
		}
		add(vectordb.FieldCondition{ValuesCount: vc})
	}
	if fc.IsEmpty != nil {
		k := key
		cond := vectordb.Condition{IsEmpty: &k}
		if !*fc.IsEmpty {
			cond = vectordb.Condition{Filter: &vectordb.Filter{MustNot: []vectordb.Condition{cond}}}
		}
		parts = append(parts, cond)
	}
	if fc.IsNull != nil {
		k := key
		cond := vectordb.Condition{IsNull: &k}
		if !*fc.IsNull {
			cond = vectordb.Condition{Filter: &vectordb.Filter{MustNot: []vectordb.Condition{cond}}}
		}
		parts = append(parts, cond)
	}
	switch len(parts) {
	case 0:
		return vectordb.Condition{}, badInput("field condition on %q has no test: give match, range, datetime_range, values_count, is_empty or is_null", truncate(key))
	case 1:
		return parts[0], nil
	default:
		return vectordb.Condition{Filter: &vectordb.Filter{Must: parts}}, nil
	}
}

// matchFromProto converts a match. text_any (any token) becomes a should
// over one text match per token.
func (c *filterConv) match(key string, m *qdrant.Match) (vectordb.Condition, error) {
	field := func(vm vectordb.Match) vectordb.Condition {
		return vectordb.Condition{Field: &vectordb.FieldCondition{Key: key, Match: &vm}}
	}
	switch k := m.GetMatchValue().(type) {
	case *qdrant.Match_Keyword:
		return field(vectordb.Match{Value: k.Keyword}), nil
	case *qdrant.Match_Integer:
		return field(vectordb.Match{Value: k.Integer}), nil
	case *qdrant.Match_Boolean:
		return field(vectordb.Match{Value: k.Boolean}), nil
	case *qdrant.Match_Text:
		t := k.Text
		return field(vectordb.Match{Text: &t}), nil
	case *qdrant.Match_Keywords:
		if err := c.addValues(len(k.Keywords.GetStrings())); err != nil {
			return vectordb.Condition{}, err
		}
		return field(vectordb.Match{Any: anyStrings(k.Keywords.GetStrings())}), nil
	case *qdrant.Match_Integers:
		if err := c.addValues(len(k.Integers.GetIntegers())); err != nil {
			return vectordb.Condition{}, err
		}
		return field(vectordb.Match{Any: anyInts(k.Integers.GetIntegers())}), nil
	case *qdrant.Match_ExceptKeywords:
		if err := c.addValues(len(k.ExceptKeywords.GetStrings())); err != nil {
			return vectordb.Condition{}, err
		}
		return field(vectordb.Match{Except: anyStrings(k.ExceptKeywords.GetStrings())}), nil
	case *qdrant.Match_ExceptIntegers:
		if err := c.addValues(len(k.ExceptIntegers.GetIntegers())); err != nil {
			return vectordb.Condition{}, err
		}
		return field(vectordb.Match{Except: anyInts(k.ExceptIntegers.GetIntegers())}), nil
	case *qdrant.Match_TextAny:
		toks := strings.Fields(k.TextAny)
		if err := c.addValues(len(toks)); err != nil {
			return vectordb.Condition{}, err
		}
		f := &vectordb.Filter{}
		for _, t := range toks {
			f.Should = append(f.Should, field(vectordb.Match{Text: &t}))
		}
		if len(toks) == 0 {
			// No token can match.
			f.Should = []vectordb.Condition{{HasID: []vectordb.PointID{}}}
		}
		return vectordb.Condition{Filter: f}, nil
	case *qdrant.Match_Phrase:
		return vectordb.Condition{}, unsupported("phrase match")
	case nil:
		return vectordb.Condition{}, badInput("match on %q is empty", truncate(key))
	default:
		return vectordb.Condition{}, badInput("unknown match kind %T", k)
	}
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func anyInts(is []int64) []any {
	out := make([]any, len(is))
	for i, n := range is {
		out[i] = n
	}
	return out
}

// filterToProto is the inverse of filterFromProto for the filters it
// produces from Qdrant's own conditions. It lets a vectordb filter be sent
// to a remote Qdrant and is how the converters are round-trip tested.
func filterToProto(f *vectordb.Filter) *qdrant.Filter {
	if f == nil {
		return nil
	}
	out := &qdrant.Filter{
		Must:    conditionsToProto(f.Must),
		Should:  conditionsToProto(f.Should),
		MustNot: conditionsToProto(f.MustNot),
	}
	if f.MinShould != nil {
		out.MinShould = &qdrant.MinShould{Conditions: conditionsToProto(f.MinShould.Conditions), MinCount: uint64(f.MinShould.MinCount)}
	}
	return out
}

func conditionsToProto(cs []vectordb.Condition) []*qdrant.Condition {
	if len(cs) == 0 {
		return nil
	}
	out := make([]*qdrant.Condition, len(cs))
	for i, c := range cs {
		out[i] = conditionToProto(c)
	}
	return out
}

func conditionToProto(c vectordb.Condition) *qdrant.Condition {
	switch {
	case c.Field != nil:
		return &qdrant.Condition{ConditionOneOf: &qdrant.Condition_Field{Field: fieldToProto(c.Field)}}
	case c.IsEmpty != nil:
		return qdrant.NewIsEmpty(*c.IsEmpty)
	case c.IsNull != nil:
		return qdrant.NewIsNull(*c.IsNull)
	case c.HasID != nil:
		return qdrant.NewHasID(pointIDsToProto(c.HasID)...)
	case c.HasVector != nil:
		return qdrant.NewHasVector(*c.HasVector)
	case c.Nested != nil:
		return qdrant.NewNestedFilter(c.Nested.Key, filterToProto(&c.Nested.Filter))
	case c.Filter != nil:
		return qdrant.NewFilterAsCondition(filterToProto(c.Filter))
	default:
		return &qdrant.Condition{}
	}
}

func fieldToProto(f *vectordb.FieldCondition) *qdrant.FieldCondition {
	out := &qdrant.FieldCondition{Key: f.Key}
	if m := f.Match; m != nil {
		out.Match = matchToProto(m)
	}
	if r := f.Range; r != nil {
		out.Range = &qdrant.Range{Lt: r.Lt, Gt: r.Gt, Gte: r.Gte, Lte: r.Lte}
	}
	if r := f.DatetimeRange; r != nil {
		ts := func(t *time.Time) *timestamppb.Timestamp {
			if t == nil {
				return nil
			}
			return timestamppb.New(*t)
		}
		out.DatetimeRange = &qdrant.DatetimeRange{Lt: ts(r.Lt), Gt: ts(r.Gt), Gte: ts(r.Gte), Lte: ts(r.Lte)}
	}
	if r := f.ValuesCount; r != nil {
		u := func(n *int) *uint64 {
			if n == nil {
				return nil
			}
			v := uint64(max(*n, 0))
			return &v
		}
		out.ValuesCount = &qdrant.ValuesCount{Lt: u(r.Lt), Gt: u(r.Gt), Gte: u(r.Gte), Lte: u(r.Lte)}
	}
	return out
}

func matchToProto(m *vectordb.Match) *qdrant.Match {
	switch {
	case m.Text != nil:
		return &qdrant.Match{MatchValue: &qdrant.Match_Text{Text: *m.Text}}
	case m.Any != nil:
		if ss, ok := allStrings(m.Any); ok {
			return &qdrant.Match{MatchValue: &qdrant.Match_Keywords{Keywords: &qdrant.RepeatedStrings{Strings: ss}}}
		}
		return &qdrant.Match{MatchValue: &qdrant.Match_Integers{Integers: &qdrant.RepeatedIntegers{Integers: allInts(m.Any)}}}
	case m.Except != nil:
		if ss, ok := allStrings(m.Except); ok {
			return &qdrant.Match{MatchValue: &qdrant.Match_ExceptKeywords{ExceptKeywords: &qdrant.RepeatedStrings{Strings: ss}}}
		}
		return &qdrant.Match{MatchValue: &qdrant.Match_ExceptIntegers{ExceptIntegers: &qdrant.RepeatedIntegers{Integers: allInts(m.Except)}}}
	}
	switch v := m.Value.(type) {
	case string:
		return &qdrant.Match{MatchValue: &qdrant.Match_Keyword{Keyword: v}}
	case bool:
		return &qdrant.Match{MatchValue: &qdrant.Match_Boolean{Boolean: v}}
	case int64:
		return &qdrant.Match{MatchValue: &qdrant.Match_Integer{Integer: v}}
	case int:
		return &qdrant.Match{MatchValue: &qdrant.Match_Integer{Integer: int64(v)}}
	case float64:
		return &qdrant.Match{MatchValue: &qdrant.Match_Integer{Integer: int64(v)}}
	}
	return &qdrant.Match{}
}

// allStrings reports whether vs are all strings (an empty list counts as
// strings) and returns them.
func allStrings(vs []any) ([]string, bool) {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func allInts(vs []any) []int64 {
	out := make([]int64, 0, len(vs))
	for _, v := range vs {
		switch n := v.(type) {
		case int64:
			out = append(out, n)
		case int:
			out = append(out, int64(n))
		case float64:
			out = append(out, int64(n))
		}
	}
	return out
}
