package vectordb

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// maxPayloadDepth bounds the nesting of payload values so that recursive
// walks over untrusted input cannot exhaust the stack.
const maxPayloadDepth = 64

// normalizeValue deep-copies a JSON-like value into the canonical form the
// engine stores: nil, bool, float64, string, []any and map[string]any.
// Other integer and float types and json.Number become float64. NaN and
// infinities are rejected because JSON cannot carry them.
func normalizeValue(v any, depth int) (any, error) {
	if depth > maxPayloadDepth {
		return nil, fmt.Errorf("payload nested deeper than %d levels", maxPayloadDepth)
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("payload number is NaN or infinite")
		}
		return x, nil
	case float32:
		return normalizeValue(float64(x), depth)
	case int:
		return float64(x), nil
	case int8:
		return float64(x), nil
	case int16:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint:
		return float64(x), nil
	case uint8:
		return float64(x), nil
	case uint16:
		return float64(x), nil
	case uint32:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("payload number %q: %w", x, err)
		}
		return normalizeValue(f, depth)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalizeValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalizeValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case Payload:
		return normalizeValue(map[string]any(x), depth)
	default:
		return nil, fmt.Errorf("unsupported payload value of type %T", v)
	}
}

// normalizePayload returns a canonical deep copy of p (nil stays nil).
func normalizePayload(p Payload) (Payload, error) {
	if p == nil {
		return nil, nil
	}
	n, err := normalizeValue(map[string]any(p), 0)
	if err != nil {
		return nil, BadInput("%v", err)
	}
	return Payload(n.(map[string]any)), nil
}

// pathSeg is one step of a payload key: a field name, optionally followed
// by "[]" (every element) or "[N]" (one element).
type pathSeg struct {
	name  string
	all   bool // name[]
	index int  // name[N]; -1 when absent
}

// pathCache memoises parsePath: filters evaluate the same keys for every
// point. It is cleared when it reaches pathCacheMax entries.
var (
	pathCacheMu sync.RWMutex
	pathCache   = map[string][]pathSeg{}
)

const pathCacheMax = 4096

// parsePath splits a payload key like "a.b[].c" or "a[0].b". The result
// is shared and must not be modified.
func parsePath(key string) ([]pathSeg, error) {
	pathCacheMu.RLock()
	segs, ok := pathCache[key]
	pathCacheMu.RUnlock()
	if ok {
		return segs, nil
	}
	segs, err := parsePathUncached(key)
	if err != nil {
		return nil, err
	}
	pathCacheMu.Lock()
	if len(pathCache) >= pathCacheMax {
		clear(pathCache)
	}
	pathCache[key] = segs
	pathCacheMu.Unlock()
	return segs, nil
}

func parsePathUncached(key string) ([]pathSeg, error) {
	if key == "" {
		return nil, BadInput("empty payload key")
	}
	var segs []pathSeg
	for _, part := range strings.Split(key, ".") {
		seg := pathSeg{index: -1}
		if i := strings.IndexByte(part, '['); i >= 0 {
			if !strings.HasSuffix(part, "]") {
				return nil, BadInput("invalid payload key %q", key)
			}
			inner := part[i+1 : len(part)-1]
			seg.name = part[:i]
			if inner == "" {
				seg.all = true
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, BadInput("invalid payload key %q", key)
				}
				seg.index = n
			}
		} else {
			seg.name = part
		}
		if seg.name == "" && len(segs) == 0 && !seg.all && seg.index < 0 {
			return nil, BadInput("invalid payload key %q", key)
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

// valuesAt returns the values found at key in payload. Arrays are entered
// only where the key says so ("a[].b", "a[0].b"); as in Qdrant, "a.b" does
// not look inside an array a. An array found at the end is returned whole
// as one value, so callers decide how to treat it.
// A missing key yields no values.
func valuesAt(p map[string]any, segs []pathSeg) []any {
	cur := []any{map[string]any(p)}
	for _, s := range segs {
		var next []any
		for _, c := range cur {
			next = stepInto(next, c, s)
		}
		cur = next
		if len(cur) == 0 {
			return nil
		}
	}
	return cur
}

func stepInto(out []any, c any, s pathSeg) []any {
	x, ok := c.(map[string]any)
	if !ok {
		return out
	}
	v, ok := x[s.name]
	if !ok {
		return out
	}
	switch {
	case s.all:
		if arr, ok := v.([]any); ok {
			return append(out, arr...)
		}
		return out
	case s.index >= 0:
		if arr, ok := v.([]any); ok && s.index < len(arr) {
			return append(out, arr[s.index])
		}
		return out
	}
	return append(out, v)
}

// flatValues expands arrays one level: the values a condition is tested on.
func flatValues(vals []any) []any {
	var out []any
	for _, v := range vals {
		if arr, ok := v.([]any); ok {
			out = append(out, arr...)
		} else {
			out = append(out, v)
		}
	}
	return out
}

// eachValue calls fn with each value valuesOf(p, key) would return, until
// fn returns true, and reports whether it did. For a plain key it does not
// allocate.
func eachValue(p map[string]any, key string, fn func(any) bool) bool {
	if key != "" && !strings.ContainsAny(key, ".[") {
		v, ok := p[key]
		if !ok {
			return false
		}
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				if fn(e) {
					return true
				}
			}
			return false
		}
		return fn(v)
	}
	for _, v := range valuesOf(p, key) {
		if fn(v) {
			return true
		}
	}
	return false
}

// valuesOf resolves key in p and flattens arrays; the common case.
func valuesOf(p map[string]any, key string) []any {
	if key != "" && !strings.ContainsAny(key, ".[") {
		// A plain key: one map lookup, no path walk (the common case, and
		// the hot one when a filter is evaluated on every candidate).
		v, ok := p[key]
		if !ok {
			return nil
		}
		return flatValues([]any{v})
	}
	segs, err := parsePath(key)
	if err != nil {
		return nil
	}
	return flatValues(valuesAt(p, segs))
}

// clonePayloadShallow copies the top level of p.
func clonePayloadShallow(p Payload) Payload {
	out := make(Payload, len(p)+4)
	for k, v := range p {
		out[k] = v
	}
	return out
}

// setPayloadAt merges add into the object at key (dotted path) in p,
// creating intermediate objects. The result shares unchanged subtrees with p;
// p itself is not modified.
func setPayloadAt(p Payload, add Payload, key string) (Payload, error) {
	out := clonePayloadShallow(p)
	if key == "" {
		for k, v := range add {
			out[k] = v
		}
		return out, nil
	}
	segs, err := parsePath(key)
	if err != nil {
		return nil, err
	}
	// set returns a copy of m with add merged at segs. "a[N]" descends into
	// element N of array a and "a[]" into every element (objects only);
	// missing arrays and elements are left alone.
	var set func(m map[string]any, segs []pathSeg) map[string]any
	set = func(m map[string]any, segs []pathSeg) map[string]any {
		nm := make(map[string]any, len(m)+len(add))
		for k, v := range m {
			nm[k] = v
		}
		if len(segs) == 0 {
			for k, v := range add {
				nm[k] = v
			}
			return nm
		}
		sg := segs[0]
		if !sg.all && sg.index < 0 {
			child, _ := nm[sg.name].(map[string]any)
			nm[sg.name] = set(child, segs[1:])
			return nm
		}
		arr, ok := nm[sg.name].([]any)
		if !ok {
			return nm
		}
		na := append([]any(nil), arr...)
		for i, e := range na {
			if !sg.all && i != sg.index {
				continue
			}
			if obj, ok := e.(map[string]any); ok || e == nil {
				na[i] = set(obj, segs[1:])
			}
		}
		nm[sg.name] = na
		return nm
	}
	return Payload(set(map[string]any(out), segs)), nil
}

// deletePayloadKey returns p without the value at key (a dotted path;
// "a[].b" removes b from every element of a). p is not modified.
func deletePayloadKey(p Payload, key string) Payload {
	segs, err := parsePath(key)
	if err != nil {
		return p
	}
	res, changed := deleteAt(map[string]any(p), segs)
	if !changed {
		return p
	}
	return Payload(res.(map[string]any))
}

func deleteAt(v any, segs []pathSeg) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		s := segs[0]
		child, ok := x[s.name]
		if !ok {
			return v, false
		}
		nm := make(map[string]any, len(x))
		for k, e := range x {
			nm[k] = e
		}
		if len(segs) == 1 && !s.all && s.index < 0 {
			delete(nm, s.name)
			return nm, true
		}
		arr, isArr := child.([]any)
		switch {
		case s.all && isArr:
			if len(segs) == 1 {
				nm[s.name] = []any{}
				return nm, true
			}
			na := make([]any, len(arr))
			changed := false
			for i, e := range arr {
				ne, c := deleteAt(e, segs[1:])
				na[i] = ne
				changed = changed || c
			}
			nm[s.name] = na
			return nm, changed
		case s.index >= 0 && isArr:
			if s.index >= len(arr) {
				return v, false
			}
			na := append([]any(nil), arr...)
			if len(segs) == 1 {
				na = append(na[:s.index], na[s.index+1:]...)
				nm[s.name] = na
				return nm, true
			}
			ne, c := deleteAt(arr[s.index], segs[1:])
			na[s.index] = ne
			nm[s.name] = na
			return nm, c
		case s.all || s.index >= 0:
			return v, false
		}
		nc, c := deleteAt(child, segs[1:])
		nm[s.name] = nc
		return nm, c
	case []any:
		na := make([]any, len(x))
		changed := false
		for i, e := range x {
			ne, c := deleteAt(e, segs)
			na[i] = ne
			changed = changed || c
		}
		return na, changed
	}
	return v, false
}

// selectPayload applies a PayloadSelector. The returned map may share
// subtrees with p; callers must not modify it.
func selectPayload(p Payload, sel PayloadSelector) Payload {
	switch {
	case len(sel.Include) > 0:
		out := Payload{}
		for _, key := range sel.Include {
			segs, err := parsePath(key)
			if err != nil {
				continue
			}
			if len(segs) == 1 && !segs[0].all && segs[0].index < 0 {
				if v, ok := p[key]; ok {
					out[key] = v
				}
				continue
			}
			copyPath(out, p, segs)
		}
		if len(sel.Exclude) > 0 {
			for _, key := range sel.Exclude {
				out = deletePayloadKey(out, key)
			}
		}
		return out
	case len(sel.Exclude) > 0:
		out := p
		if out == nil {
			out = Payload{}
		}
		for _, key := range sel.Exclude {
			out = deletePayloadKey(out, key)
		}
		return out
	case sel.All:
		if p == nil {
			return Payload{}
		}
		return p
	}
	return nil
}

// copyPath copies the subtree of src at segs into dst, creating objects on
// the way. Array selectors copy the matching elements' subtrees.
func copyPath(dst map[string]any, src map[string]any, segs []pathSeg) {
	s := segs[0]
	v, ok := src[s.name]
	if !ok {
		return
	}
	if len(segs) == 1 && !s.all && s.index < 0 {
		dst[s.name] = v
		return
	}
	if arr, isArr := v.([]any); isArr {
		if s.index >= 0 {
			if s.index < len(arr) {
				arr = arr[s.index : s.index+1]
			} else {
				return
			}
		}
		if len(segs) == 1 {
			dst[s.name] = append([]any(nil), arr...)
			return
		}
		var out []any
		for _, e := range arr {
			if m, ok := e.(map[string]any); ok {
				nm := map[string]any{}
				copyPath(nm, m, segs[1:])
				out = append(out, nm)
			}
		}
		dst[s.name] = out
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	child, _ := dst[s.name].(map[string]any)
	if child == nil {
		child = map[string]any{}
	}
	copyPath(child, m, segs[1:])
	if len(child) > 0 {
		dst[s.name] = child
	}
}
