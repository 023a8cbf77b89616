package vectordb

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/google/uuid"
)

// fieldIndex is a payload index on one key.
//
// Preconditions: the owning collection's mu is held for writing by add and
// remove, and at least for reading by every other method.
type fieldIndex struct {
	key    string
	segs   []pathSeg
	schema PayloadSchemaType
	text   TextIndexParams
	stop   map[string]bool // stopwords (lower-case), nil: none

	byPoint map[PointID][]any // values indexed per point
	eq      map[any]*slotSet  // value or token -> slots of the points

	// sortedMu guards sorted and ranged, the range views of numeric,
	// integer and datetime indexes, rebuilt lazily by readers.
	sortedMu sync.Mutex
	sorted   []numEntry // by value, then id (order_by)
	ranged   []numSlot  // by value (range filters)
}

type numEntry struct {
	v  float64
	id PointID
}

type numSlot struct {
	v    float64
	slot uint32
}

func newFieldIndex(key string, schema PayloadSchemaType, text *TextIndexParams) (*fieldIndex, error) {
	segs, err := parsePath(key)
	if err != nil {
		return nil, err
	}
	switch schema {
	case SchemaKeyword, SchemaInteger, SchemaFloat, SchemaBool, SchemaDatetime, SchemaText, SchemaUUID, SchemaGeo:
	default:
		return nil, BadInput("Unknown payload schema type %q", schema)
	}
	fi := &fieldIndex{key: key, segs: segs, schema: schema, byPoint: map[PointID][]any{}, eq: map[any]*slotSet{}}
	if text != nil {
		fi.text = *text
	}
	if fi.text.Tokenizer == "" {
		fi.text.Tokenizer = "word"
	}
	switch fi.text.Tokenizer {
	case "word", "whitespace", "prefix", "multilingual":
	default:
		return nil, BadInput("Unknown tokenizer %q", fi.text.Tokenizer)
	}
	if fi.text.MaxTokenLen < 0 || fi.text.MinTokenLen < 0 {
		return nil, BadInput("Token lengths must be non-negative")
	}
	for _, l := range fi.text.StopwordLanguages {
		list, ok := stopwordLists[l]
		if !ok {
			return nil, BadInput("Unsupported stopwords language %q (supported: english)", l)
		}
		if fi.stop == nil {
			fi.stop = map[string]bool{}
		}
		for _, w := range strings.Fields(list) {
			fi.stop[w] = true
		}
	}
	if len(fi.text.CustomStopwords) > 0 && fi.stop == nil {
		fi.stop = map[string]bool{}
	}
	for _, w := range fi.text.CustomStopwords {
		fi.stop[strings.ToLower(w)] = true
	}
	return fi, nil
}

// stopwordLists are the built-in stopword lists by language.
var stopwordLists = map[string]string{
	"english": `a about above after again against all am an and any are aren't as at be because been before being below
between both but by can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from
further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how
how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off
on once only or other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some
such than that that's the their theirs them themselves then there there's these they they'd they'll they're they've
this those through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's
where where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours
yourself yourselves`,
}

// info returns the index as CollectionInfo reports it.
func (fi *fieldIndex) info() PayloadIndexInfo {
	pi := PayloadIndexInfo{DataType: fi.schema, Points: len(fi.byPoint)}
	if fi.schema == SchemaText || (fi.schema == SchemaKeyword && fi.text.Prefix) || fi.text.Schema != nil {
		t := fi.text
		pi.Text = &t
	}
	return pi
}

// rangeCapable reports whether the index answers range queries and order_by.
func (fi *fieldIndex) rangeCapable() bool {
	return fi.schema == SchemaInteger || fi.schema == SchemaFloat || fi.schema == SchemaDatetime
}

// extract returns the index keys of a payload for this index.
func (fi *fieldIndex) extract(p Payload) []any {
	vals := flatValues(valuesAt(map[string]any(p), fi.segs))
	var out []any
	for _, v := range vals {
		switch fi.schema {
		case SchemaKeyword:
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		case SchemaUUID:
			if s, ok := v.(string); ok {
				if u, err := uuid.Parse(s); err == nil {
					out = append(out, u.String())
				}
			}
		case SchemaInteger:
			if f, ok := v.(float64); ok && f == float64(int64(f)) {
				out = append(out, f)
			}
		case SchemaFloat:
			if f, ok := v.(float64); ok {
				out = append(out, f)
			}
		case SchemaBool:
			if b, ok := v.(bool); ok {
				out = append(out, b)
			}
		case SchemaDatetime:
			if s, ok := v.(string); ok {
				if t, ok := parseDatetime(s); ok {
					out = append(out, float64(t.UnixMicro()))
				}
			}
		case SchemaText:
			if s, ok := v.(string); ok {
				for _, t := range fi.indexTokens(s) {
					out = append(out, t)
				}
			}
		case SchemaGeo:
			if g, ok := geoValue(v); ok && validGeoPoint(g) == nil {
				out = append(out, g)
			}
		}
	}
	return out
}

func (fi *fieldIndex) add(p *point) {
	vals := fi.extract(p.payload)
	if len(vals) == 0 {
		return
	}
	fi.byPoint[p.id] = vals
	for _, v := range vals {
		set := fi.eq[v]
		if set == nil {
			set = &slotSet{}
			fi.eq[v] = set
		}
		set.add(p.slot)
	}
	fi.sorted, fi.ranged = nil, nil
}

func (fi *fieldIndex) remove(p *point) {
	vals, ok := fi.byPoint[p.id]
	if !ok {
		return
	}
	delete(fi.byPoint, p.id)
	for _, v := range vals {
		if set := fi.eq[v]; set != nil {
			set.remove(p.slot)
			if set.len() == 0 {
				delete(fi.eq, v)
			}
		}
	}
	fi.sorted, fi.ranged = nil, nil
}

// rangeView returns the (value, id) entries sorted by value, then id.
func (fi *fieldIndex) rangeView() []numEntry {
	fi.sortedMu.Lock()
	defer fi.sortedMu.Unlock()
	if fi.sorted == nil {
		s := make([]numEntry, 0, len(fi.byPoint))
		for id, vals := range fi.byPoint {
			for _, v := range vals {
				if f, ok := v.(float64); ok {
					s = append(s, numEntry{f, id})
				}
			}
		}
		sort.Slice(s, func(i, j int) bool {
			if s[i].v != s[j].v {
				return s[i].v < s[j].v
			}
			return ComparePointIDs(s[i].id, s[j].id) < 0
		})
		fi.sorted = s
	}
	return fi.sorted
}

// tokenize splits query text the way the index splits stored text (but
// without prefix expansion).
func (fi *fieldIndex) tokenize(s string) []string {
	var words []string
	if fi.text.Tokenizer == "whitespace" {
		words = strings.Fields(s)
	} else {
		words = strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	lower := fi.text.Lowercase == nil || *fi.text.Lowercase
	out := words[:0]
	for _, w := range words {
		if lower {
			w = strings.ToLower(w)
		}
		n := len([]rune(w))
		if fi.text.MinTokenLen > 0 && n < fi.text.MinTokenLen {
			continue
		}
		if fi.text.MaxTokenLen > 0 && n > fi.text.MaxTokenLen {
			continue
		}
		if fi.stop[strings.ToLower(w)] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// indexTokens are the tokens stored for s: its words, and for the prefix
// tokenizer every prefix of each word.
func (fi *fieldIndex) indexTokens(s string) []string {
	toks := fi.tokenize(s)
	if fi.text.Tokenizer != "prefix" {
		return dedupStrings(toks)
	}
	var out []string
	for _, t := range toks {
		r := []rune(t)
		min := fi.text.MinTokenLen
		if min < 1 {
			min = 1
		}
		for i := min; i <= len(r); i++ {
			out = append(out, string(r[:i]))
		}
	}
	return dedupStrings(out)
}

func dedupStrings(s []string) []string {
	seen := make(map[string]struct{}, len(s))
	out := s[:0]
	for _, t := range s {
		if _, ok := seen[t]; !ok {
			seen[t] = struct{}{}
			out = append(out, t)
		}
	}
	return out
}

// matchKey maps a match value to the index's key for it.
func (fi *fieldIndex) matchKey(v any) (any, bool) {
	switch fi.schema {
	case SchemaKeyword:
		s, ok := v.(string)
		return s, ok
	case SchemaUUID:
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		u, err := uuid.Parse(s)
		if err != nil {
			return s, true
		}
		return u.String(), true
	case SchemaInteger:
		f, ok := toFloat(v)
		return f, ok
	case SchemaBool:
		b, ok := v.(bool)
		return b, ok
	}
	return nil, false
}

// selectSlots returns a bitmap over n slots of the points that may
// satisfy fc, exact when they are exactly those points (equality, and
// ranges on integer or float indexes; not date-times, compared by the
// microsecond here, nor text, which uses only the rarest token). ok is
// false when the index cannot answer fc.
func (fi *fieldIndex) selectSlots(fc *FieldCondition, n int) (b bitmap, exact, ok bool) {
	var keys []any
	switch {
	case fc.Match != nil && fc.Match.Value != nil:
		k, ok := fi.matchKey(fc.Match.Value)
		if !ok {
			return nil, false, false
		}
		keys = []any{k}
	case fc.Match != nil && fc.Match.Any != nil:
		for _, v := range fc.Match.Any {
			k, ok := fi.matchKey(v)
			if !ok {
				return nil, false, false
			}
			keys = append(keys, k)
		}
	case fc.Match != nil && fc.Match.Text != nil && fi.schema == SchemaText:
		b = newBitmap(n)
		toks := fi.tokenize(*fc.Match.Text)
		if len(toks) == 0 {
			return b, false, true
		}
		best := toks[0]
		for _, t := range toks[1:] {
			if fi.eq[t].len() < fi.eq[best].len() {
				best = t
			}
		}
		if s := fi.eq[best]; s != nil {
			s.orInto(b)
		}
		return b, false, true
	case fc.Range != nil && (fi.schema == SchemaInteger || fi.schema == SchemaFloat):
		r := fc.Range
		return fi.rangeSlots(n, func(v float64) bool { return inRange(r, v) }, lowerBound(r.Gt, r.Gte)), true, true
	case fc.DatetimeRange != nil && fi.schema == SchemaDatetime:
		r := fc.DatetimeRange
		var lo *float64
		if r.Gt != nil || r.Gte != nil {
			t := r.Gt
			if t == nil || (r.Gte != nil && r.Gte.Before(*t)) {
				t = r.Gte
			}
			f := float64(t.UnixMicro()) - 1
			lo = &f
		}
		inside := func(v float64) bool {
			us := int64(v)
			return (r.Lt == nil || us < r.Lt.UnixMicro()) && (r.Gt == nil || us > r.Gt.UnixMicro()) &&
				(r.Lte == nil || us <= r.Lte.UnixMicro()) && (r.Gte == nil || us >= r.Gte.UnixMicro())
		}
		return fi.rangeSlots(n, inside, lo), false, true
	default:
		return nil, false, false
	}
	b = newBitmap(n)
	for _, k := range keys {
		if s := fi.eq[k]; s != nil {
			s.orInto(b)
		}
	}
	return b, true, true
}

func lowerBound(gt, gte *float64) *float64 {
	switch {
	case gt == nil:
		return gte
	case gte == nil:
		return gt
	case *gt < *gte:
		return gt
	}
	return gte
}

// rangeSlots returns a bitmap over n slots of the points with a value v
// for which in(v) holds, starting the scan at lo when given.
func (fi *fieldIndex) rangeSlots(n int, in func(float64) bool, lo *float64) bitmap {
	view := fi.rangeSlotView()
	start := 0
	if lo != nil {
		start = sort.Search(len(view), func(i int) bool { return view[i].v >= *lo })
	}
	b := newBitmap(n)
	for start < len(view) && !in(view[start].v) {
		start++ // values below the range the lower bound let in
	}
	// Ranges are intervals and the view is sorted: the matches are the
	// entries from start up to the first miss, found by bisection.
	rest := view[start:]
	end := sort.Search(len(rest), func(i int) bool { return !in(rest[i].v) })
	for _, e := range rest[:end] {
		b.set(e.slot)
	}
	return b
}

// rangeSlotView returns the (value, slot) entries sorted by value: the
// numeric values in eq, each followed by its points.
func (fi *fieldIndex) rangeSlotView() []numSlot {
	fi.sortedMu.Lock()
	defer fi.sortedMu.Unlock()
	if fi.ranged == nil {
		var vals []float64
		n := 0
		for k, set := range fi.eq {
			if f, ok := k.(float64); ok && f == f { // no NaN
				vals = append(vals, f)
				n += set.len()
			}
		}
		slices.Sort(vals)
		s := make([]numSlot, 0, n)
		for _, v := range vals {
			fi.eq[v].each(func(slot uint32) bool {
				s = append(s, numSlot{v, slot})
				return true
			})
		}
		fi.ranged = s
	}
	return fi.ranged
}
