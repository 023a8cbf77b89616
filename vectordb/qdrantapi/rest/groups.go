package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi"
)

// Grouped search (/points/query/groups, and the legacy /points/search/groups
// and /points/recommend/groups) and facet counts: requests are parsed here,
// the work is done by package qdrantapi.

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
	size = qdrantapi.DefaultGroupSize
	if g.GroupSize != nil {
		size = *g.GroupSize
	} else if groupSizeRequired {
		return "", 0, nil, fmt.Errorf("`group_size` is required")
	}
	if size < 1 || size > qdrantapi.MaxGroupSize {
		return "", 0, nil, fmt.Errorf("group_size must be between 1 and %d", qdrantapi.MaxGroupSize)
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

// selectPayload applies a payload selector to a full payload (top-level
// and dotted keys), for the hits of grouped searches. It is not the
// engine's selection (which the gRPC server's groups and every other
// endpoint use): with_payload [] gives {} here, null there, and paths
// through arrays ("a[]", "a.b" over an array of objects) select nothing
// here.
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
func runGroups(ctx context.Context, db *vectordb.DB, coll string, req vectordb.QueryRequest, key string, size int) ([]qdrantapi.Group, error) {
	userWP := req.WithPayload
	req.WithPayload = vectordb.PayloadSelector{All: true}
	out, err := qdrantapi.Groups(ctx, db, coll, req, key, req.Limit, size)
	if err != nil {
		return nil, err
	}
	for gi := range out {
		for hi := range out[gi].Hits {
			out[gi].Hits[hi].Payload = selectPayload(out[gi].Hits[hi].Payload, userWP)
		}
	}
	return out, nil
}

func (h *handler) groupsOut(ctx context.Context, groups []qdrantapi.Group, lk *lookup) (any, error) {
	var looked []*vectordb.Record
	if lk != nil {
		var err error
		if looked, err = qdrantapi.Lookup(ctx, h.db, lk.collection, groups, lk.wp, lk.wv, groupPointID); err != nil {
			return nil, err
		}
	}
	out := make([]map[string]any, 0, len(groups))
	for i, g := range groups {
		m := map[string]any{"id": g.ID, "hits": jsonScored(g.Hits)}
		if looked != nil && looked[i] != nil {
			m["lookup"] = jsonRecord(*looked[i])
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

// runGrouped serves a grouped request whose body is also the plain
// request W (parsed by parse) plus the grouping fields; legacy is set for
// the legacy search and recommend groups.
func runGrouped[W any](h *handler, r *http.Request, parse func(W) (vectordb.QueryRequest, error), legacy bool) (any, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var w W
	if err := unmarshalBody(b, &w); err != nil {
		return nil, err
	}
	req, err := parse(w)
	if err != nil {
		return nil, badInput(err)
	}
	return h.grouped(r, b, req, legacy)
}

func (h *handler) queryGroups(r *http.Request) (any, error) {
	return runGrouped(h, r, queryWire.request, false)
}

func (h *handler) searchGroups(r *http.Request) (any, error) {
	return runGrouped(h, r, searchWire.request, true)
}

func (h *handler) recommendGroups(r *http.Request) (any, error) {
	return runGrouped(h, r, recommendWire.request, true)
}

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
	fh, err := qdrantapi.Facet(r.Context(), h.db, collectionName(r), *w.Key, f, limit)
	if err != nil {
		return nil, err
	}
	hits := make([]map[string]any, 0, len(fh))
	for _, fv := range fh {
		hits = append(hits, map[string]any{"value": fv.Value, "count": fv.Count})
	}
	return map[string]any{"hits": hits}, nil
}
