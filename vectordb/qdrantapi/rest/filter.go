package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"nexusos/vectordb"
)

// maxFilterDepth bounds how deeply filters may nest (filters inside
// conditions inside nested conditions ...), so a hostile request cannot
// exhaust the stack.
const maxFilterDepth = 32

// parseFilter decodes Qdrant's Filter JSON (openapi v1.19.0
// components/schemas/Filter). A JSON null yields nil.
//
// Accepted conditions: field conditions with match (value, any, except,
// text), range (numbers: Range; RFC 3339 strings: DatetimeRange),
// values_count, is_empty/is_null flags; is_empty, is_null, has_id,
// has_vector, nested and a nested filter; matches value, any, except,
// text, text_any, phrase and prefix; geo_radius, geo_bounding_box and
// geo_polygon.
func parseFilter(raw json.RawMessage) (*vectordb.Filter, error) {
	return parseFilterDepth(raw, 0)
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

func parseFilterDepth(raw json.RawMessage, depth int) (*vectordb.Filter, error) {
	if isNull(raw) {
		return nil, nil
	}
	if depth > maxFilterDepth {
		return nil, fmt.Errorf("filter nested deeper than %d levels", maxFilterDepth)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("filter: expected an object: %w", err)
	}
	f := &vectordb.Filter{}
	for k, v := range obj {
		var err error
		switch k {
		case "must":
			f.Must, err = parseConditionList(v, depth)
		case "should":
			f.Should, err = parseConditionList(v, depth)
		case "must_not":
			f.MustNot, err = parseConditionList(v, depth)
		case "min_should":
			f.MinShould, err = parseMinShould(v, depth)
		default:
			err = fmt.Errorf("unknown field `%s`, expected one of `should`, `min_should`, `must`, `must_not`", k)
		}
		if err != nil {
			return nil, fmt.Errorf("filter.%s: %w", k, err)
		}
	}
	return f, nil
}

// parseConditionList accepts a single condition or an array of them.
func parseConditionList(raw json.RawMessage, depth int) ([]vectordb.Condition, error) {
	t := bytes.TrimSpace(raw)
	if isNull(t) {
		return nil, nil
	}
	if t[0] != '[' {
		c, err := parseCondition(t, depth)
		if err != nil {
			return nil, err
		}
		return []vectordb.Condition{c}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(t, &items); err != nil {
		return nil, err
	}
	out := make([]vectordb.Condition, 0, len(items))
	for i, it := range items {
		c, err := parseCondition(it, depth)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func parseMinShould(raw json.RawMessage, depth int) (*vectordb.MinShould, error) {
	if isNull(raw) {
		return nil, nil
	}
	var w struct {
		Conditions []json.RawMessage `json:"conditions"`
		MinCount   *int              `json:"min_count"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	if w.MinCount == nil || *w.MinCount < 1 {
		return nil, fmt.Errorf("min_count must be at least 1")
	}
	ms := &vectordb.MinShould{MinCount: *w.MinCount, Conditions: []vectordb.Condition{}}
	for i, it := range w.Conditions {
		c, err := parseCondition(it, depth)
		if err != nil {
			return nil, fmt.Errorf("conditions[%d]: %w", i, err)
		}
		ms.Conditions = append(ms.Conditions, c)
	}
	return ms, nil
}

func parseCondition(raw json.RawMessage, depth int) (vectordb.Condition, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return vectordb.Condition{}, fmt.Errorf("condition: expected an object")
	}
	if _, ok := obj["key"]; ok {
		return parseFieldCondition(obj)
	}
	if v, ok := obj["is_empty"]; ok && len(obj) == 1 {
		k, err := parsePayloadField(v)
		if err != nil {
			return vectordb.Condition{}, fmt.Errorf("is_empty: %w", err)
		}
		return vectordb.Condition{IsEmpty: &k}, nil
	}
	if v, ok := obj["is_null"]; ok && len(obj) == 1 {
		k, err := parsePayloadField(v)
		if err != nil {
			return vectordb.Condition{}, fmt.Errorf("is_null: %w", err)
		}
		return vectordb.Condition{IsNull: &k}, nil
	}
	if v, ok := obj["has_id"]; ok && len(obj) == 1 {
		var raws []json.RawMessage
		if err := json.Unmarshal(v, &raws); err != nil {
			return vectordb.Condition{}, fmt.Errorf("has_id: expected an array of point ids")
		}
		ids := make([]vectordb.PointID, 0, len(raws))
		for _, r := range raws {
			id, err := parsePointID(r)
			if err != nil {
				return vectordb.Condition{}, fmt.Errorf("has_id: %w", err)
			}
			ids = append(ids, id)
		}
		return vectordb.Condition{HasID: ids}, nil
	}
	if v, ok := obj["slice"]; ok && len(obj) == 1 {
		var w struct {
			Total *uint32 `json:"total"`
			Index *uint32 `json:"index"`
		}
		if err := json.Unmarshal(v, &w); err != nil || w.Total == nil || w.Index == nil || *w.Total == 0 {
			return vectordb.Condition{}, fmt.Errorf("slice: expected {total ≥ 1, index}")
		}
		if *w.Index >= *w.Total {
			return vectordb.Condition{}, invalid("filter.slice.index", "value %d invalid, must be below total %d", *w.Index, *w.Total)
		}
		return vectordb.Condition{Slice: &vectordb.Slice{Total: *w.Total, Index: *w.Index}}, nil
	}
	if v, ok := obj["has_vector"]; ok && len(obj) == 1 {
		var name string
		if err := json.Unmarshal(v, &name); err != nil {
			return vectordb.Condition{}, fmt.Errorf("has_vector: expected a vector name")
		}
		return vectordb.Condition{HasVector: &name}, nil
	}
	if v, ok := obj["nested"]; ok && len(obj) == 1 {
		var w struct {
			Key    *string         `json:"key"`
			Filter json.RawMessage `json:"filter"`
		}
		if err := json.Unmarshal(v, &w); err != nil {
			return vectordb.Condition{}, fmt.Errorf("nested: %w", err)
		}
		if w.Key == nil {
			return vectordb.Condition{}, fmt.Errorf("nested: missing field `key`")
		}
		if isNull(w.Filter) {
			return vectordb.Condition{}, fmt.Errorf("nested: missing field `filter`")
		}
		f, err := parseFilterDepth(w.Filter, depth+1)
		if err != nil {
			return vectordb.Condition{}, fmt.Errorf("nested: %w", err)
		}
		return vectordb.Condition{Nested: &vectordb.NestedCondition{Key: *w.Key, Filter: *f}}, nil
	}
	for _, k := range []string{"geo_bounding_box", "geo_radius", "geo_polygon"} {
		if _, ok := obj[k]; ok {
			return vectordb.Condition{}, fmt.Errorf("condition `%s` is not supported", k)
		}
	}
	f, err := parseFilterDepth(raw, depth+1)
	if err != nil {
		return vectordb.Condition{}, fmt.Errorf("condition: not a field, is_empty, is_null, has_id, has_vector, nested condition or filter: %w", err)
	}
	return vectordb.Condition{Filter: f}, nil
}

func parsePayloadField(raw json.RawMessage) (string, error) {
	var w struct {
		Key *string `json:"key"`
	}
	if err := json.Unmarshal(raw, &w); err != nil || w.Key == nil {
		return "", fmt.Errorf(`expected {"key": "..."}`)
	}
	return *w.Key, nil
}

func parseFieldCondition(obj map[string]json.RawMessage) (vectordb.Condition, error) {
	var key string
	if err := json.Unmarshal(obj["key"], &key); err != nil {
		return vectordb.Condition{}, fmt.Errorf("key: expected a string")
	}
	fc := &vectordb.FieldCondition{Key: key}
	var cond vectordb.Condition
	n := 0
	for k, v := range obj {
		if k == "key" || isNull(v) {
			continue
		}
		var err error
		switch k {
		case "match":
			fc.Match, err = parseMatch(v)
		case "range":
			fc.Range, fc.DatetimeRange, err = parseRange(v)
		case "values_count":
			fc.ValuesCount, err = parseValuesCount(v)
		case "is_empty", "is_null":
			var b bool
			if err = json.Unmarshal(v, &b); err != nil {
				err = fmt.Errorf("expected a boolean")
				break
			}
			k2 := key
			inner := vectordb.Condition{IsEmpty: &k2}
			if k == "is_null" {
				inner = vectordb.Condition{IsNull: &k2}
			}
			if b {
				cond = inner
			} else {
				// `false` asks for the opposite: the key is not empty
				// (not null).
				cond = vectordb.Condition{Filter: &vectordb.Filter{MustNot: []vectordb.Condition{inner}}}
			}
		case "geo_radius":
			var w struct {
				Center *geoPointWire `json:"center"`
				Radius *float64      `json:"radius"`
			}
			if err = json.Unmarshal(v, &w); err != nil || w.Center == nil || w.Radius == nil {
				err = fmt.Errorf("expected {center, radius}")
				break
			}
			fc.GeoRadius = &vectordb.GeoRadius{Center: w.Center.point(), Radius: *w.Radius}
		case "geo_bounding_box":
			var w struct {
				TopLeft     *geoPointWire `json:"top_left"`
				BottomRight *geoPointWire `json:"bottom_right"`
			}
			if err = json.Unmarshal(v, &w); err != nil || w.TopLeft == nil || w.BottomRight == nil {
				err = fmt.Errorf("expected {top_left, bottom_right}")
				break
			}
			fc.GeoBox = &vectordb.GeoBoundingBox{TopLeft: w.TopLeft.point(), BottomRight: w.BottomRight.point()}
		case "geo_polygon":
			var w struct {
				Exterior *struct {
					Points []geoPointWire `json:"points"`
				} `json:"exterior"`
				Interiors []struct {
					Points []geoPointWire `json:"points"`
				} `json:"interiors"`
			}
			if err = json.Unmarshal(v, &w); err != nil || w.Exterior == nil {
				err = fmt.Errorf("expected {exterior, interiors}")
				break
			}
			pg := &vectordb.GeoPolygon{Exterior: geoRing(w.Exterior.Points)}
			for _, in := range w.Interiors {
				pg.Interiors = append(pg.Interiors, geoRing(in.Points))
			}
			fc.GeoPolygon = pg
		default:
			err = fmt.Errorf("unknown field")
		}
		if err != nil {
			return vectordb.Condition{}, fmt.Errorf("field condition on `%s`: %s: %w", key, k, err)
		}
		n++
	}
	if n == 0 {
		return vectordb.Condition{}, invalid("filter", "At least one field condition must be specified for key %q", key)
	}
	if n != 1 {
		return vectordb.Condition{}, fmt.Errorf("field condition on `%s`: exactly one of match, range, values_count, is_empty, is_null is required, got %d", key, n)
	}
	if cond.IsEmpty != nil || cond.IsNull != nil || cond.Filter != nil {
		return cond, nil
	}
	return vectordb.Condition{Field: fc}, nil
}

func parseMatch(raw json.RawMessage) (*vectordb.Match, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("expected an object")
	}
	if len(obj) != 1 {
		return nil, fmt.Errorf("exactly one of value, any, except, text is required")
	}
	for k, v := range obj {
		switch k {
		case "value":
			val, err := parseValueVariant(v)
			if err != nil {
				return nil, err
			}
			return &vectordb.Match{Value: val}, nil
		case "any", "except":
			vals, err := parseAnyVariants(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if k == "any" {
				return &vectordb.Match{Any: vals}, nil
			}
			return &vectordb.Match{Except: vals}, nil
		case "text":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("text: expected a string")
			}
			return &vectordb.Match{Text: &s}, nil
		case "text_any", "phrase", "prefix":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("%s: expected a string", k)
			}
			switch k {
			case "text_any":
				return &vectordb.Match{TextAny: &s}, nil
			case "phrase":
				return &vectordb.Match{Phrase: &s}, nil
			}
			return &vectordb.Match{Prefix: &s}, nil
		}
		return nil, fmt.Errorf("unknown match `%s`", k)
	}
	return nil, fmt.Errorf("empty match")
}

// parseValueVariant decodes Qdrant's ValueVariants: string, int64 or bool.
func parseValueVariant(raw json.RawMessage) (any, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return nil, fmt.Errorf("value: missing")
	}
	switch t[0] {
	case '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		return s, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(t, &b); err != nil {
			return nil, fmt.Errorf("value: %w", err)
		}
		return b, nil
	}
	n, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("value: expected a string, an integer or a boolean, got %.40s", t)
	}
	return n, nil
}

// parseAnyVariants decodes Qdrant's AnyVariants: all strings or all
// integers.
func parseAnyVariants(raw json.RawMessage) ([]any, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("expected an array")
	}
	out := make([]any, 0, len(items))
	var kind byte
	for _, it := range items {
		v, err := parseValueVariant(it)
		if err != nil {
			return nil, err
		}
		k := byte('i')
		switch v.(type) {
		case bool:
			return nil, fmt.Errorf("expected strings or integers, got a boolean")
		case string:
			k = 's'
		}
		if kind != 0 && kind != k {
			return nil, fmt.Errorf("mixed strings and integers")
		}
		kind = k
		out = append(out, v)
	}
	return out, nil
}

type rangeWire struct {
	Lt  json.RawMessage `json:"lt"`
	Gt  json.RawMessage `json:"gt"`
	Gte json.RawMessage `json:"gte"`
	Lte json.RawMessage `json:"lte"`
}

func (r rangeWire) fields() [4]json.RawMessage { return [4]json.RawMessage{r.Lt, r.Gt, r.Gte, r.Lte} }

// parseRange decodes RangeInterface: numbers make a Range, RFC 3339 strings
// a DatetimeRange. Mixing both is an error.
func parseRange(raw json.RawMessage) (*vectordb.Range, *vectordb.DatetimeRange, error) {
	var w rangeWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, nil, fmt.Errorf("expected an object with lt, gt, gte, lte")
	}
	strs, nums := 0, 0
	for _, f := range w.fields() {
		t := bytes.TrimSpace(f)
		if isNull(t) {
			continue
		}
		if t[0] == '"' {
			strs++
		} else {
			nums++
		}
	}
	if strs > 0 && nums > 0 {
		return nil, nil, fmt.Errorf("mixed numbers and date-times")
	}
	if strs > 0 {
		var out [4]*time.Time
		for i, f := range w.fields() {
			if isNull(f) {
				continue
			}
			var s string
			if err := json.Unmarshal(f, &s); err != nil {
				return nil, nil, err
			}
			tm, err := parseDatetime(s)
			if err != nil {
				return nil, nil, err
			}
			out[i] = &tm
		}
		return nil, &vectordb.DatetimeRange{Lt: out[0], Gt: out[1], Gte: out[2], Lte: out[3]}, nil
	}
	var out [4]*float64
	for i, f := range w.fields() {
		if isNull(f) {
			continue
		}
		var x float64
		if err := json.Unmarshal(f, &x); err != nil {
			return nil, nil, fmt.Errorf("expected a number or an RFC 3339 date-time")
		}
		out[i] = &x
	}
	return &vectordb.Range{Lt: out[0], Gt: out[1], Gte: out[2], Lte: out[3]}, nil, nil
}

// datetimeLayouts are the date-time spellings Qdrant accepts: RFC 3339,
// and the same without a zone (taken as UTC), with a space or a T.
var datetimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseDatetime parses an RFC 3339 date-time (or a zone-less variant, as
// UTC) and returns it in UTC.
func parseDatetime(s string) (time.Time, error) {
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 date-time", s)
}

func parseValuesCount(raw json.RawMessage) (*vectordb.ValuesCount, error) {
	var w rangeWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("expected an object with lt, gt, gte, lte")
	}
	var out [4]*int
	for i, f := range w.fields() {
		if isNull(f) {
			continue
		}
		n, err := strconv.ParseUint(string(bytes.TrimSpace(f)), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("expected a non-negative integer")
		}
		v := int(n)
		out[i] = &v
	}
	return &vectordb.ValuesCount{Lt: out[0], Gt: out[1], Gte: out[2], Lte: out[3]}, nil
}

// encodeFilter renders f as Qdrant Filter JSON; parseFilter(encodeFilter(f))
// yields f again for every filter parseFilter produces.
func encodeFilter(f *vectordb.Filter) map[string]any {
	if f == nil {
		return nil
	}
	out := map[string]any{}
	if f.Must != nil {
		out["must"] = encodeConditions(f.Must)
	}
	if f.Should != nil {
		out["should"] = encodeConditions(f.Should)
	}
	if f.MustNot != nil {
		out["must_not"] = encodeConditions(f.MustNot)
	}
	if f.MinShould != nil {
		out["min_should"] = map[string]any{
			"conditions": encodeConditions(f.MinShould.Conditions),
			"min_count":  f.MinShould.MinCount,
		}
	}
	return out
}

func encodeConditions(cs []vectordb.Condition) []any {
	out := make([]any, 0, len(cs))
	for _, c := range cs {
		out = append(out, encodeCondition(c))
	}
	return out
}

func encodeCondition(c vectordb.Condition) any {
	switch {
	case c.Field != nil:
		fc := c.Field
		m := map[string]any{"key": fc.Key}
		switch {
		case fc.Match != nil:
			m["match"] = encodeMatch(fc.Match)
		case fc.Range != nil:
			m["range"] = encodeBounds(fc.Range.Lt, fc.Range.Gt, fc.Range.Gte, fc.Range.Lte)
		case fc.DatetimeRange != nil:
			d := fc.DatetimeRange
			m["range"] = encodeBounds(d.Lt, d.Gt, d.Gte, d.Lte)
		case fc.ValuesCount != nil:
			v := fc.ValuesCount
			m["values_count"] = encodeBounds(v.Lt, v.Gt, v.Gte, v.Lte)
		case fc.GeoRadius != nil:
			m["geo_radius"] = map[string]any{"center": encodeGeo(fc.GeoRadius.Center), "radius": fc.GeoRadius.Radius}
		case fc.GeoBox != nil:
			m["geo_bounding_box"] = map[string]any{"top_left": encodeGeo(fc.GeoBox.TopLeft), "bottom_right": encodeGeo(fc.GeoBox.BottomRight)}
		case fc.GeoPolygon != nil:
			ring := func(r []vectordb.GeoPoint) map[string]any {
				ps := make([]any, len(r))
				for i, g := range r {
					ps[i] = encodeGeo(g)
				}
				return map[string]any{"points": ps}
			}
			in := make([]any, len(fc.GeoPolygon.Interiors))
			for i, r := range fc.GeoPolygon.Interiors {
				in[i] = ring(r)
			}
			m["geo_polygon"] = map[string]any{"exterior": ring(fc.GeoPolygon.Exterior), "interiors": in}
		}
		return m
	case c.Slice != nil:
		return map[string]any{"slice": map[string]any{"total": c.Slice.Total, "index": c.Slice.Index}}
	case c.IsEmpty != nil:
		return map[string]any{"is_empty": map[string]any{"key": *c.IsEmpty}}
	case c.IsNull != nil:
		return map[string]any{"is_null": map[string]any{"key": *c.IsNull}}
	case c.HasID != nil:
		ids := make([]any, 0, len(c.HasID))
		for _, id := range c.HasID {
			ids = append(ids, jsonID(id))
		}
		return map[string]any{"has_id": ids}
	case c.HasVector != nil:
		return map[string]any{"has_vector": *c.HasVector}
	case c.Nested != nil:
		return map[string]any{"nested": map[string]any{"key": c.Nested.Key, "filter": encodeFilter(&c.Nested.Filter)}}
	case c.Filter != nil:
		return encodeFilter(c.Filter)
	}
	return map[string]any{}
}

func encodeMatch(m *vectordb.Match) map[string]any {
	switch {
	case m.Any != nil:
		return map[string]any{"any": m.Any}
	case m.Except != nil:
		return map[string]any{"except": m.Except}
	case m.Text != nil:
		return map[string]any{"text": *m.Text}
	case m.TextAny != nil:
		return map[string]any{"text_any": *m.TextAny}
	case m.Phrase != nil:
		return map[string]any{"phrase": *m.Phrase}
	case m.Prefix != nil:
		return map[string]any{"prefix": *m.Prefix}
	}
	return map[string]any{"value": m.Value}
}

func encodeBounds[T any](lt, gt, gte, lte *T) map[string]any {
	m := map[string]any{}
	put := func(k string, v *T) {
		if v == nil {
			return
		}
		switch x := any(*v).(type) {
		case time.Time:
			m[k] = x.UTC().Format(time.RFC3339Nano)
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return
			}
			m[k] = x
		default:
			m[k] = x
		}
	}
	put("lt", lt)
	put("gt", gt)
	put("gte", gte)
	put("lte", lte)
	return m
}

// sortedKeys returns m's keys in order (for deterministic messages).
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// geoPointWire is GeoPoint: {"lon", "lat"}, both required.
type geoPointWire struct {
	Lon *float64 `json:"lon"`
	Lat *float64 `json:"lat"`
}

// point returns the location; a missing coordinate becomes NaN, which
// the engine rejects as out of range.
func (g geoPointWire) point() vectordb.GeoPoint {
	p := vectordb.GeoPoint{Lon: math.NaN(), Lat: math.NaN()}
	if g.Lon != nil {
		p.Lon = *g.Lon
	}
	if g.Lat != nil {
		p.Lat = *g.Lat
	}
	return p
}

func geoRing(ps []geoPointWire) []vectordb.GeoPoint {
	out := make([]vectordb.GeoPoint, len(ps))
	for i, p := range ps {
		out[i] = p.point()
	}
	return out
}

func encodeGeo(g vectordb.GeoPoint) map[string]any {
	return map[string]any{"lon": g.Lon, "lat": g.Lat}
}
