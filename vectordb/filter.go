package vectordb

import (
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
)

// maxFilterDepth bounds the nesting of filters.
const maxFilterDepth = 32

// validateFilter checks that every condition has exactly one test and that
// keys parse. It returns a KindBadInput error naming the problem.
func validateFilter(f *Filter, depth int) error {
	if f == nil {
		return nil
	}
	if depth > maxFilterDepth {
		return BadInput("Filter nested deeper than %d levels", maxFilterDepth)
	}
	for _, list := range [][]Condition{f.Must, f.Should, f.MustNot} {
		for i := range list {
			if err := validateCondition(&list[i], depth); err != nil {
				return err
			}
		}
	}
	if f.MinShould != nil {
		if f.MinShould.MinCount < 0 {
			return BadInput("min_should.min_count must be non-negative")
		}
		for i := range f.MinShould.Conditions {
			if err := validateCondition(&f.MinShould.Conditions[i], depth); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateCondition(c *Condition, depth int) error {
	n := 0
	if c.Field != nil {
		n++
		fc := c.Field
		if _, err := parsePath(fc.Key); err != nil {
			return err
		}
		tests := 0
		if fc.Match != nil {
			tests++
			m := fc.Match
			k := 0
			if m.Value != nil {
				k++
			}
			if m.Any != nil {
				k++
			}
			if m.Except != nil {
				k++
			}
			for _, p := range []*string{m.Text, m.TextAny, m.Phrase, m.Prefix} {
				if p != nil {
					k++
				}
			}
			if k != 1 {
				return BadInput("Match condition on %q must have exactly one of value, any, except, text, text_any, phrase, prefix", fc.Key)
			}
		}
		if fc.Range != nil {
			tests++
		}
		if fc.DatetimeRange != nil {
			tests++
		}
		if fc.ValuesCount != nil {
			tests++
		}
		if fc.GeoRadius != nil {
			tests++
			if err := validGeoPoint(fc.GeoRadius.Center); err != nil {
				return err
			}
			if !(fc.GeoRadius.Radius >= 0) || math.IsInf(fc.GeoRadius.Radius, 0) {
				return BadInput("Geo radius must be a non-negative number")
			}
		}
		if fc.GeoBox != nil {
			tests++
			if err := validGeoPoint(fc.GeoBox.TopLeft); err != nil {
				return err
			}
			if err := validGeoPoint(fc.GeoBox.BottomRight); err != nil {
				return err
			}
		}
		if fc.GeoPolygon != nil {
			tests++
			if err := validRing(fc.GeoPolygon.Exterior); err != nil {
				return err
			}
			if len(fc.GeoPolygon.Interiors) > maxGeoRings {
				return BadInput("Geo polygon has more than %d interiors", maxGeoRings)
			}
			for _, r := range fc.GeoPolygon.Interiors {
				if err := validRing(r); err != nil {
					return err
				}
			}
		}
		if tests == 0 {
			return badRequest("At least one field condition must be specified for key %q", fc.Key)
		}
	}
	if c.IsEmpty != nil {
		n++
		if _, err := parsePath(*c.IsEmpty); err != nil {
			return err
		}
	}
	if c.IsNull != nil {
		n++
		if _, err := parsePath(*c.IsNull); err != nil {
			return err
		}
	}
	if c.HasID != nil {
		n++
	}
	if c.HasVector != nil {
		n++
	}
	if c.Slice != nil {
		n++
		if c.Slice.Total == 0 || c.Slice.Index >= c.Slice.Total {
			return BadInput("slice index %d must be below total %d", c.Slice.Index, c.Slice.Total)
		}
	}
	if c.Nested != nil {
		n++
		if _, err := parsePath(c.Nested.Key); err != nil {
			return err
		}
		if err := validateFilter(&c.Nested.Filter, depth+1); err != nil {
			return err
		}
	}
	if c.Filter != nil {
		n++
		if err := validateFilter(c.Filter, depth+1); err != nil {
			return err
		}
	}
	if n != 1 {
		return BadInput("A filter condition must have exactly one clause, got %d", n)
	}
	return nil
}

// matcher evaluates a filter against points of one collection.
//
// Preconditions: the collection's mu is held (read or write) while a
// matcher is used.
type matcher struct {
	c *collection
}

// match reports whether p satisfies f (nil f matches everything).
func (m matcher) match(f *Filter, p *point) bool {
	if f == nil {
		return true
	}
	return m.matchIn(f, p, map[string]any(p.payload))
}

// matchIn evaluates f with root as the payload object keys are resolved in
// (the point's payload, or one element of a nested array).
func (m matcher) matchIn(f *Filter, p *point, root map[string]any) bool {
	for i := range f.Must {
		if !m.cond(&f.Must[i], p, root) {
			return false
		}
	}
	for i := range f.MustNot {
		if m.cond(&f.MustNot[i], p, root) {
			return false
		}
	}
	if len(f.Should) > 0 {
		ok := false
		for i := range f.Should {
			if m.cond(&f.Should[i], p, root) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if ms := f.MinShould; ms != nil && ms.MinCount > 0 {
		n := 0
		for i := range ms.Conditions {
			if m.cond(&ms.Conditions[i], p, root) {
				n++
				if n >= ms.MinCount {
					break
				}
			}
		}
		if n < ms.MinCount {
			return false
		}
	}
	return true
}

func (m matcher) cond(c *Condition, p *point, root map[string]any) bool {
	switch {
	case c.Field != nil:
		return m.field(c.Field, root)
	case c.IsEmpty != nil:
		for _, v := range valuesOfRaw(root, *c.IsEmpty) {
			if v == nil {
				continue
			}
			if arr, ok := v.([]any); ok && len(arr) == 0 {
				continue
			}
			return false
		}
		return true
	case c.IsNull != nil:
		for _, v := range valuesOfRaw(root, *c.IsNull) {
			if v == nil {
				return true
			}
		}
		return false
	case c.HasID != nil:
		for _, id := range c.HasID {
			if id == p.id {
				return true
			}
		}
		// Tolerate non-canonical UUID spellings.
		if p.id.IsUUID() {
			for _, id := range c.HasID {
				if id.IsUUID() && strings.EqualFold(id.UUID, p.id.UUID) {
					return true
				}
			}
		}
		return false
	case c.Slice != nil:
		return sliceOf(p.id, c.Slice.Total) == c.Slice.Index
	case c.HasVector != nil:
		v, ok := p.vectors[*c.HasVector]
		return ok && (v.Dense != nil || v.Sparse != nil || v.Multi != nil)
	case c.Nested != nil:
		for _, v := range valuesOf(root, c.Nested.Key) {
			if obj, ok := v.(map[string]any); ok && m.matchIn(&c.Nested.Filter, p, obj) {
				return true
			}
		}
		return false
	case c.Filter != nil:
		return m.matchIn(c.Filter, p, root)
	}
	return false
}

// valuesOfRaw resolves key without flattening a final array.
func valuesOfRaw(root map[string]any, key string) []any {
	segs, err := parsePath(key)
	if err != nil {
		return nil
	}
	return valuesAt(root, segs)
}

func (m matcher) field(fc *FieldCondition, root map[string]any) bool {
	switch {
	case fc.Match != nil:
		return m.matchValue(fc, root)
	case fc.Range != nil:
		return eachValue(root, fc.Key, func(v any) bool {
			f, ok := v.(float64)
			return ok && inRange(fc.Range, f)
		})
	case fc.DatetimeRange != nil:
		return eachValue(root, fc.Key, func(v any) bool {
			s, ok := v.(string)
			if !ok {
				return false
			}
			t, ok := parseDatetime(s)
			return ok && inDatetimeRange(fc.DatetimeRange, t)
		})
	case fc.GeoRadius != nil || fc.GeoBox != nil || fc.GeoPolygon != nil:
		return eachValue(root, fc.Key, func(v any) bool {
			g, ok := geoValue(v)
			if !ok {
				return false
			}
			switch {
			case fc.GeoRadius != nil:
				return haversine(fc.GeoRadius.Center, g) <= fc.GeoRadius.Radius
			case fc.GeoBox != nil:
				return inGeoBox(fc.GeoBox, g)
			}
			if !inRing(fc.GeoPolygon.Exterior, g) {
				return false
			}
			for _, r := range fc.GeoPolygon.Interiors {
				if inRing(r, g) {
					return false
				}
			}
			return true
		})
	case fc.ValuesCount != nil:
		n := 0
		for _, v := range valuesOfRaw(root, fc.Key) {
			if arr, ok := v.([]any); ok {
				n += len(arr)
			} else if v != nil {
				n++
			}
		}
		vc := fc.ValuesCount
		return (vc.Lt == nil || n < *vc.Lt) && (vc.Gt == nil || n > *vc.Gt) &&
			(vc.Lte == nil || n <= *vc.Lte) && (vc.Gte == nil || n >= *vc.Gte)
	}
	return false
}

func (m matcher) matchValue(fc *FieldCondition, root map[string]any) bool {
	mt := fc.Match
	if fi := m.c.fields[fc.Key]; (fi == nil || fi.schema != SchemaUUID) && (mt.Value != nil || mt.Any != nil) {
		// Equality on a non-UUID key: no value slice to build.
		return eachValue(root, fc.Key, func(v any) bool {
			if mt.Value != nil {
				return jsonEqual(v, mt.Value)
			}
			for _, want := range mt.Any {
				if jsonEqual(v, want) {
					return true
				}
			}
			return false
		})
	}
	if mt.Prefix != nil {
		return eachValue(root, fc.Key, func(v any) bool {
			s, ok := v.(string)
			return ok && strings.HasPrefix(s, *mt.Prefix)
		})
	}
	if mt.TextAny != nil || mt.Phrase != nil {
		tok := defaultTokenizer.tokenize
		if fi := m.c.fields[fc.Key]; fi != nil && fi.schema == SchemaText {
			tok = fi.tokenize
		}
		return eachValue(root, fc.Key, func(v any) bool {
			s, ok := v.(string)
			if !ok {
				return false
			}
			if mt.Phrase != nil {
				return containsPhrase(tok(s), tok(*mt.Phrase))
			}
			have := map[string]bool{}
			for _, t := range tok(s) {
				have[t] = true
			}
			for _, t := range tok(*mt.TextAny) {
				if have[t] {
					return true
				}
			}
			return false
		})
	}
	vals := valuesOf(root, fc.Key)
	if fi := m.c.fields[fc.Key]; fi != nil && fi.schema == SchemaUUID && mt.Text == nil {
		// A uuid index compares UUID values, not spellings.
		vals = canonicalUUIDs(vals)
		mt = &Match{Value: canonicalUUID(mt.Value), Any: canonicalUUIDs(mt.Any), Except: canonicalUUIDs(mt.Except)}
		if fc.Match.Any != nil && mt.Any == nil {
			mt.Any = []any{}
		}
		if fc.Match.Except != nil && mt.Except == nil {
			mt.Except = []any{}
		}
	}
	switch {
	case mt.Value != nil:
		for _, v := range vals {
			if jsonEqual(v, mt.Value) {
				return true
			}
		}
		return false
	case mt.Any != nil:
		for _, v := range vals {
			for _, want := range mt.Any {
				if jsonEqual(v, want) {
					return true
				}
			}
		}
		return false
	case mt.Except != nil:
		if len(vals) == 0 {
			return true
		}
		for _, v := range vals {
			if v == nil {
				continue // Qdrant: null never matches except
			}
			excluded := false
			for _, e := range mt.Except {
				if jsonEqual(v, e) {
					excluded = true
					break
				}
			}
			if !excluded {
				return true
			}
		}
		return false
	case mt.Text != nil:
		if fi := m.c.fields[fc.Key]; fi != nil && fi.schema == SchemaText {
			want := fi.tokenize(*mt.Text)
			for _, v := range vals {
				s, ok := v.(string)
				if !ok {
					continue
				}
				if containsAllTokens(fi.indexTokens(s), want) {
					return true
				}
			}
			return false
		}
		for _, v := range vals {
			if s, ok := v.(string); ok && strings.Contains(s, *mt.Text) {
				return true
			}
		}
		return false
	}
	return false
}

func canonicalUUID(v any) any {
	if s, ok := v.(string); ok {
		if u, err := uuid.Parse(s); err == nil {
			return u.String()
		}
	}
	return v
}

func canonicalUUIDs(vs []any) []any {
	if vs == nil {
		return nil
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = canonicalUUID(v)
	}
	return out
}

func containsAllTokens(have, want []string) bool {
	if len(want) == 0 {
		return false
	}
	set := make(map[string]struct{}, len(have))
	for _, t := range have {
		set[t] = struct{}{}
	}
	for _, t := range want {
		if _, ok := set[t]; !ok {
			return false
		}
	}
	return true
}

// jsonEqual compares a stored payload value with a condition value. Numbers
// compare by value whatever their Go type; UUID-looking strings compare
// case-insensitively.
func jsonEqual(stored, want any) bool {
	switch w := want.(type) {
	case string:
		s, ok := stored.(string)
		return ok && s == w
	case bool:
		b, ok := stored.(bool)
		return ok && b == w
	}
	wf, ok := toFloat(want)
	if !ok {
		return false
	}
	sf, ok := stored.(float64)
	return ok && sf == wf
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	}
	return 0, false
}

func inRange(r *Range, f float64) bool {
	if math.IsNaN(f) {
		return false
	}
	return (r.Lt == nil || f < *r.Lt) && (r.Gt == nil || f > *r.Gt) &&
		(r.Lte == nil || f <= *r.Lte) && (r.Gte == nil || f >= *r.Gte)
}

func inDatetimeRange(r *DatetimeRange, t time.Time) bool {
	return (r.Lt == nil || t.Before(*r.Lt)) && (r.Gt == nil || t.After(*r.Gt)) &&
		(r.Lte == nil || !t.After(*r.Lte)) && (r.Gte == nil || !t.Before(*r.Gte))
}

// datetimeLayouts are the payload date-time spellings accepted, as Qdrant
// accepts them: RFC 3339 with or without a zone (no zone means UTC), with a
// space or a T, and a plain date.
var datetimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseDatetime parses a payload or filter date-time as Qdrant does.
func ParseDatetime(s string) (time.Time, bool) { return parseDatetime(s) }

func parseDatetime(s string) (time.Time, bool) {
	if len(s) < 10 || len(s) > 64 {
		return time.Time{}, false
	}
	if len(s) == 10 {
		// A plain date, the common payload spelling: try its layout
		// first (the others cannot match ten bytes).
		t, err := time.Parse("2006-01-02", s)
		return t, err == nil
	}
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// defaultTokenizer tokenises text without a text index: words,
// lower-cased.
var defaultTokenizer = &fieldIndex{text: TextIndexParams{Tokenizer: "word"}}

// containsPhrase reports whether want occurs as a consecutive run of
// have; an empty phrase matches nothing.
func containsPhrase(have, want []string) bool {
	if len(want) == 0 {
		return false
	}
	for i := 0; i+len(want) <= len(have); i++ {
		match := true
		for j, w := range want {
			if have[i+j] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// Geo bounds.
const (
	maxGeoRings      = 1024
	maxGeoRingPoints = 1 << 16
	earthRadiusM     = 6371000.0
)

func validGeoPoint(g GeoPoint) error {
	if !(g.Lat >= -90 && g.Lat <= 90) || !(g.Lon >= -180 && g.Lon <= 180) {
		return BadInput("Geo point out of range: lat %g must be in [-90, 90], lon %g in [-180, 180]", g.Lat, g.Lon)
	}
	return nil
}

// validRing checks a polygon ring: at least 4 points, closed.
func validRing(r []GeoPoint) error {
	if len(r) < 4 {
		return BadInput("Geo polygon ring must have at least 4 points, got %d", len(r))
	}
	if len(r) > maxGeoRingPoints {
		return BadInput("Geo polygon ring has more than %d points", maxGeoRingPoints)
	}
	if r[0] != r[len(r)-1] {
		return BadInput("Geo polygon ring is not closed: the first and last points must be equal")
	}
	for _, g := range r {
		if err := validGeoPoint(g); err != nil {
			return err
		}
	}
	return nil
}

// geoValue reads a payload location {"lon": x, "lat": y}.
func geoValue(v any) (GeoPoint, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return GeoPoint{}, false
	}
	lon, ok1 := m["lon"].(float64)
	lat, ok2 := m["lat"].(float64)
	return GeoPoint{Lon: lon, Lat: lat}, ok1 && ok2
}

// haversine is the great-circle distance between a and b in metres.
func haversine(a, b GeoPoint) float64 {
	rad := math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

func inGeoBox(b *GeoBoundingBox, g GeoPoint) bool {
	if g.Lat > b.TopLeft.Lat || g.Lat < b.BottomRight.Lat {
		return false
	}
	if b.TopLeft.Lon <= b.BottomRight.Lon {
		return g.Lon >= b.TopLeft.Lon && g.Lon <= b.BottomRight.Lon
	}
	return g.Lon >= b.TopLeft.Lon || g.Lon <= b.BottomRight.Lon // crosses the antimeridian
}

// inRing reports whether g lies inside the closed ring r (even-odd rule
// on the lon/lat plane).
func inRing(r []GeoPoint, g GeoPoint) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Lat > g.Lat) != (b.Lat > g.Lat) &&
			g.Lon < (b.Lon-a.Lon)*(g.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// sliceOf is the slice of id among total: FNV-1a of its canonical text.
func sliceOf(id PointID, total uint32) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id.String()))
	return h.Sum32() % total
}
