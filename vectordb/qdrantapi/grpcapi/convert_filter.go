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
