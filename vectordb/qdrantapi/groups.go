package qdrantapi

import (
	"context"
	"math"
	"strings"

	"nexusos/vectordb"
)

// Grouped search (query, search and recommend groups) is built on
// vectordb.DB.Query and Get: run the search, group its hits by a payload
// value, widen the search until the groups are full.

const (
	// MaxGroupFetch bounds the scored points one grouped search reads.
	MaxGroupFetch = 100000
	// MaxGroupSize bounds the hits per group.
	MaxGroupSize = 1000
	// DefaultGroupSize is Qdrant's default number of hits per group.
	DefaultGroupSize = 3
)

// A Group is the hits that share one group id, best first.
type Group struct {
	// ID is the payload value the hits share: a string or an int64.
	ID   any
	Hits []vectordb.ScoredPoint
}

// payloadValues returns the values under a payload path ("a.b", "a[].b")
// as the engine's filters see them: arrays met on the way are walked, a
// "[]" segment takes every element of an array, and an array at the end of
// the path is flattened.
func payloadValues(v any, path string) []any {
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
	xs, isArr := x.([]any)
	if each || (isArr && rest != "") {
		var out []any
		for _, e := range xs {
			out = append(out, payloadValues(e, rest)...)
		}
		return out
	}
	return payloadValues(x, rest)
}

// integral returns x as an int64 when it is an integer that fits.
func integral(x float64) (int64, bool) {
	if x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
		return 0, false
	}
	return int64(x), true
}

// groupIDs returns the group ids of a payload: the string and integer
// values under key, each array element on its own.
func groupIDs(p vectordb.Payload, key string) []any {
	var out []any
	for _, v := range payloadValues(map[string]any(p), key) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case float64:
			if n, ok := integral(x); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

// Groups runs req on collection coll and groups its hits by the payload
// values under key: at most groups groups of at most size hits, in the
// order of their best hit. A hit with several values under key (an array)
// joins the group of each. req.Limit and req.Offset are ignored: the
// search is widened until the groups are full or the candidates run out,
// reading at most MaxGroupFetch points. The hits carry the payload and
// vectors req.WithPayload and req.WithVector select.
func Groups(ctx context.Context, db *vectordb.DB, coll string, req vectordb.QueryRequest, key string, groups, size int) ([]Group, error) {
	wp, wv := req.WithPayload, req.WithVector
	req.WithPayload = vectordb.PayloadSelector{All: true}
	req.WithVector = vectordb.VectorSelector{}
	req.Offset = 0
	var out []Group
	for fetch := max(groups*size*2, 16); ; fetch *= 4 {
		req.Limit = min(fetch, MaxGroupFetch)
		pts, err := db.Query(ctx, coll, req)
		if err != nil {
			return nil, err
		}
		out = out[:0]
		index := map[any]int{}
		full := 0
		for _, p := range pts {
			for _, id := range groupIDs(p.Payload, key) {
				i, ok := index[id]
				if !ok {
					if len(out) == groups {
						continue
					}
					i = len(out)
					index[id] = i
					out = append(out, Group{ID: id})
				}
				if len(out[i].Hits) < size {
					out[i].Hits = append(out[i].Hits, p)
					if len(out[i].Hits) == size {
						full++
					}
				}
			}
		}
		if full == groups || len(pts) < req.Limit || req.Limit == MaxGroupFetch {
			break
		}
	}
	// Fetch the hits' payload and vectors as selected.
	var ids []vectordb.PointID
	for _, g := range out {
		for _, h := range g.Hits {
			ids = append(ids, h.ID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	recs, err := db.Get(ctx, coll, ids, wp, wv)
	if err != nil {
		return nil, err
	}
	byID := make(map[vectordb.PointID]vectordb.Record, len(recs))
	for _, r := range recs {
		byID[r.ID] = r
	}
	for gi := range out {
		for hi := range out[gi].Hits {
			h := &out[gi].Hits[hi]
			r := byID[h.ID]
			h.Payload, h.Vectors = r.Payload, r.Vectors
		}
	}
	return out, nil
}

// Lookup fetches from collection coll, for each group, the point whose id
// is the group id (Qdrant's with_lookup), with the payload and vectors wp
// and wv select. pointID reads a group id as a point id; it returns false
// for an id that names no point. The result is parallel to groups, nil
// where there is no such point.
func Lookup(ctx context.Context, db *vectordb.DB, coll string, groups []Group, wp vectordb.PayloadSelector, wv vectordb.VectorSelector, pointID func(any) (vectordb.PointID, bool)) ([]*vectordb.Record, error) {
	var ids []vectordb.PointID
	for _, g := range groups {
		if id, ok := pointID(g.ID); ok {
			ids = append(ids, id)
		}
	}
	recs, err := db.Get(ctx, coll, ids, wp, wv)
	if err != nil {
		return nil, err
	}
	byID := make(map[vectordb.PointID]*vectordb.Record, len(recs))
	for i := range recs {
		byID[recs[i].ID] = &recs[i]
	}
	out := make([]*vectordb.Record, len(groups))
	for i, g := range groups {
		if id, ok := pointID(g.ID); ok {
			out[i] = byID[id]
		}
	}
	return out, nil
}
