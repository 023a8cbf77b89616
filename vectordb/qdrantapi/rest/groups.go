package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"

	"nexusos/vectordb"
)

// Grouped search (/points/query/groups, and the legacy /points/search/groups
// and /points/recommend/groups) and facet counts, built in this layer on top
// of vectordb.DB.Query and Scroll.

// maxGroupFetch bounds how many scored points one grouped search reads.
const maxGroupFetch = 100000

type groupsWire struct {
	GroupBy    *string         `json:"group_by"`
	GroupSize  *int            `json:"group_size"`
	WithLookup json.RawMessage `json:"with_lookup"`
}

type lookup struct {
	collection string
	wp         vectordb.PayloadSelector
	wv         vectordb.VectorSelector
}

// params validates the grouping fields; groupSizeRequired is set for the
// legacy requests, whose spec requires it.
func (g groupsWire) params(groupSizeRequired bool) (key string, size int, lk *lookup, err error) {
	if g.GroupBy == nil || *g.GroupBy == "" {
		return "", 0, nil, fmt.Errorf("`group_by` is required")
	}
	size = 3
	if g.GroupSize != nil {
		size = *g.GroupSize
	} else if groupSizeRequired {
		return "", 0, nil, fmt.Errorf("`group_size` is required")
	}
	if size < 1 || size > 1000 {
		return "", 0, nil, fmt.Errorf("group_size must be between 1 and 1000")
	}
	switch jsonKind(g.WithLookup) {
	case 0, 'n':
	case '"':
		lk = &lookup{wp: vectordb.PayloadSelector{All: true}}
		_ = json.Unmarshal(g.WithLookup, &lk.collection)
	case '{':
		var w struct {
			Collection  *string         `json:"collection"`
			WithPayload json.RawMessage `json:"with_payload"`
			WithVectors json.RawMessage `json:"with_vectors"`
		}
		if err := json.Unmarshal(g.WithLookup, &w); err != nil {
			return "", 0, nil, fmt.Errorf("with_lookup: %w", err)
		}
		if w.Collection == nil {
			return "", 0, nil, fmt.Errorf("with_lookup: missing field `collection`")
		}
		lk = &lookup{collection: *w.Collection}
		if lk.wp, err = parseWithPayload(w.WithPayload, true); err != nil {
			return "", 0, nil, fmt.Errorf("with_lookup.%w", err)
		}
		if lk.wv, err = parseWithVector(w.WithVectors, false); err != nil {
			return "", 0, nil, fmt.Errorf("with_lookup.%w", err)
		}
	default:
		return "", 0, nil, fmt.Errorf("with_lookup: expected a collection name or an object")
	}
	return *g.GroupBy, size, lk, nil
}

type pointGroup struct {
	id   any // string or int64
	hits []vectordb.ScoredPoint
}

// groupKeys returns the group ids a payload value yields: strings and
// integers, array elements each on their own.
func groupKeys(payload vectordb.Payload, key string) []any {
	var out []any
	for _, v := range valuesAt(map[string]any(payload), key) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				out = append(out, int64(x))
			}
		}
	}
	return out
}

// valuesAt returns the values under a payload path ("a.b", "a[].b");
// arrays at the end of the path are flattened.
func valuesAt(v any, path string) []any {
	if path == "" {
		if xs, ok := v.([]any); ok {
			return xs
		}
		if v == nil {
			return nil
		}
		return []any{v}
	}
	seg, rest, _ := strings.Cut(path, ".")
	each := strings.HasSuffix(seg, "[]")
	seg = strings.TrimSuffix(seg, "[]")
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	x, ok := m[seg]
	if !ok {
		return nil
	}
	if each {
		xs, _ := x.([]any)
		var out []any
		for _, e := range xs {
			out = append(out, valuesAt(e, rest)...)
		}
		return out
	}
	if xs, ok := x.([]any); ok && rest != "" {
		var out []any
		for _, e := range xs {
			out = append(out, valuesAt(e, rest)...)
		}
		return out
	}
	return valuesAt(x, rest)
}

// selectPayload applies a payload selector to a full payload (top-level
// and dotted keys).
func selectPayload(p vectordb.Payload, sel vectordb.PayloadSelector) vectordb.Payload {
	switch {
	case sel.Include != nil:
		out := vectordb.Payload{}
		for _, k := range sel.Include {
			copyPath(out, p, k)
		}
		return out
	case sel.All && len(sel.Exclude) > 0:
		out := vectordb.Payload{}
		for k, v := range p {
			out[k] = v
		}
		for _, k := range sel.Exclude {
			head, _, _ := strings.Cut(k, ".")
			delete(out, head)
			if head != k {
				// Keep the parent minus the excluded child.
				if m, ok := p[head].(map[string]any); ok {
					c := map[string]any{}
					for kk, vv := range m {
						c[kk] = vv
					}
					out[head] = map[string]any(selectPayload(c, vectordb.PayloadSelector{All: true, Exclude: []string{k[len(head)+1:]}}))
				}
			}
		}
		return out
	case sel.All:
		return p
	}
	return nil
}

func copyPath(dst, src map[string]any, path string) {
	head, rest, dotted := strings.Cut(path, ".")
	v, ok := src[head]
	if !ok {
		return
	}
	if !dotted {
		dst[head] = v
		return
	}
	sm, ok := v.(map[string]any)
	if !ok {
		return
	}
	dm, _ := dst[head].(map[string]any)
	if dm == nil {
		dm = map[string]any{}
		dst[head] = dm
	}
	copyPath(dm, sm, rest)
}

// runGroups runs req and groups its hits by the payload value under key:
// at most req.Limit groups of at most size hits, ordered by their best hit.
// It widens the underlying search until the groups are full or the
// candidates run out.
func runGroups(ctx context.Context, db *vectordb.DB, coll string, req vectordb.QueryRequest, key string, size int) ([]pointGroup, error) {
	groups := req.Limit
	userWP := req.WithPayload
	req.WithPayload = vectordb.PayloadSelector{All: true}
	req.Offset = 0
	fetch := max(groups*size*2, 16)
	for {
		req.Limit = min(fetch, maxGroupFetch)
		pts, err := db.Query(ctx, coll, req)
		if err != nil {
			return nil, err
		}
		var out []pointGroup
		index := map[any]int{}
		full := 0
		for _, p := range pts {
			for _, gk := range groupKeys(p.Payload, key) {
				i, ok := index[gk]
				if !ok {
					if len(out) == groups {
						continue
					}
					i = len(out)
					index[gk] = i
					out = append(out, pointGroup{id: gk})
				}
				if len(out[i].hits) < size {
					out[i].hits = append(out[i].hits, p)
					if len(out[i].hits) == size {
						full++
					}
				}
			}
		}
		if (len(out) == groups && full == groups) || len(pts) < req.Limit || req.Limit == maxGroupFetch {
			for gi := range out {
				for hi := range out[gi].hits {
					out[gi].hits[hi].Payload = selectPayload(out[gi].hits[hi].Payload, userWP)
				}
			}
			return out, nil
		}
		fetch *= 4
	}
}

func (h *handler) groupsOut(ctx context.Context, groups []pointGroup, lk *lookup) (any, error) {
	out := make([]map[string]any, 0, len(groups))
	var looked map[vectordb.PointID]vectordb.Record
	if lk != nil {
		var ids []vectordb.PointID
		for _, g := range groups {
			if id, ok := groupPointID(g.id); ok {
				ids = append(ids, id)
			}
		}
		recs, err := h.db.Get(ctx, lk.collection, ids, lk.wp, lk.wv)
		if err != nil {
			return nil, err
		}
		looked = map[vectordb.PointID]vectordb.Record{}
		for _, r := range recs {
			looked[r.ID] = r
		}
	}
	for _, g := range groups {
		m := map[string]any{"id": g.id, "hits": jsonScored(g.hits)}
		if lk != nil {
			if id, ok := groupPointID(g.id); ok {
				if r, ok := looked[id]; ok {
					m["lookup"] = jsonRecord(r)
				}
			}
		}
		out = append(out, m)
	}
	return map[string]any{"groups": out}, nil
}

// groupPointID reads a group id as a point id, for with_lookup.
func groupPointID(g any) (vectordb.PointID, bool) {
	switch x := g.(type) {
	case int64:
		if x >= 0 {
			return vectordb.PointID{Num: uint64(x)}, true
		}
	case string:
		if id, err := parsePointIDString(x); err == nil {
			return id, true
		}
	}
	return vectordb.PointID{}, false
}

func (h *handler) grouped(r *http.Request, body []byte, req vectordb.QueryRequest, legacy bool) (any, error) {
	var g groupsWire
	if err := unmarshalBody(body, &g); err != nil {
		return nil, err
	}
	key, size, lk, err := g.params(legacy)
	if err != nil {
		return nil, badInput(err)
	}
	groups, err := runGroups(r.Context(), h.db, collectionName(r), req, key, size)
	if err != nil {
		return nil, err
	}
	return h.groupsOut(r.Context(), groups, lk)
}

func (h *handler) queryGroups(r *http.Request) (any, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var w queryWire
	if err := unmarshalBody(b, &w); err != nil {
		return nil, err
	}
	req, err := w.request()
	if err != nil {
		return nil, badInput(err)
	}
	return h.grouped(r, b, req, false)
}

func (h *handler) searchGroups(r *http.Request) (any, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var w searchWire
	if err := unmarshalBody(b, &w); err != nil {
		return nil, err
	}
	req, err := w.request()
	if err != nil {
		return nil, badInput(err)
	}
	return h.grouped(r, b, req, true)
}

func (h *handler) recommendGroups(r *http.Request) (any, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var w recommendWire
	if err := unmarshalBody(b, &w); err != nil {
		return nil, err
	}
	req, err := w.request()
	if err != nil {
		return nil, badInput(err)
	}
	return h.grouped(r, b, req, true)
}

// maxFacetScan bounds the points one facet request reads.
const maxFacetScan = 1 << 22

// facet serves POST /collections/{c}/facet: the most frequent values
// under a payload key among the points matching a filter (exact counts;
// a point counts once per distinct value).
func (h *handler) facet(r *http.Request) (any, error) {
	var w struct {
		Key    *string         `json:"key"`
		Limit  *int            `json:"limit"`
		Filter json.RawMessage `json:"filter"`
	}
	if err := decodeBody(r, &w, false); err != nil {
		return nil, err
	}
	if w.Key == nil || *w.Key == "" {
		return nil, badInput(fmt.Errorf("`key` is required"))
	}
	limit, err := parseLimit(w.Limit, 10, "limit")
	if err != nil || limit == 0 {
		return nil, badInput(fmt.Errorf("limit must be between 1 and %d", maxLimit))
	}
	f, err := parseFilter(w.Filter)
	if err != nil {
		return nil, badInput(err)
	}
	type facetKey struct {
		kind byte
		s    string
		n    int64
		b    bool
	}
	counts := map[facetKey]int{}
	sreq := vectordb.ScrollRequest{Limit: 1000, Filter: f, WithPayload: vectordb.PayloadSelector{All: true}}
	scanned := 0
	for {
		res, err := h.db.Scroll(r.Context(), collectionName(r), sreq)
		if err != nil {
			return nil, err
		}
		for _, p := range res.Points {
			seen := map[facetKey]bool{}
			for _, v := range valuesAt(map[string]any(p.Payload), *w.Key) {
				var k facetKey
				switch x := v.(type) {
				case string:
					k = facetKey{kind: 's', s: x}
				case bool:
					k = facetKey{kind: 'b', b: x}
				case float64:
					if x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
						continue
					}
					k = facetKey{kind: 'n', n: int64(x)}
				default:
					continue
				}
				if !seen[k] {
					seen[k] = true
					counts[k]++
				}
			}
		}
		scanned += len(res.Points)
		if res.NextPageOffset == nil || scanned >= maxFacetScan {
			break
		}
		sreq.Offset = res.NextPageOffset
	}
	keys := make([]facetKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if counts[a] != counts[b] {
			return counts[a] > counts[b]
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.s != b.s {
			return a.s < b.s
		}
		if a.n != b.n {
			return a.n < b.n
		}
		return !a.b && b.b
	})
	hits := make([]map[string]any, 0, min(limit, len(keys)))
	for _, k := range keys[:min(limit, len(keys))] {
		var v any
		switch k.kind {
		case 's':
			v = k.s
		case 'n':
			v = k.n
		default:
			v = k.b
		}
		hits = append(hits, map[string]any{"value": v, "count": counts[k]})
	}
	return map[string]any{"hits": hits}, nil
}
