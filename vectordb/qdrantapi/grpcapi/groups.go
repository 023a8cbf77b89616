package grpcapi

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
)

// Grouped search (QueryGroups, SearchGroups, RecommendGroups) and facet
// counts are built in this layer on top of vectordb.DB.Query, Get and
// Scroll.

const (
	maxGroupFetch   = 100000  // scored points one grouped search reads
	maxGroupSize    = 1000    // hits per group
	maxFacetScan    = 1 << 22 // points one facet request reads
	defaultGroups   = 3       // Qdrant's default number of groups
	defaultGrpSize  = 3       // Qdrant's default hits per group
	facetScrollPage = 1000
)

// groupKey is a group id: a string or an integer payload value.
type groupKey struct {
	s     string
	n     int64
	isStr bool
}

func (k groupKey) toProto() *qdrant.GroupId {
	switch {
	case k.isStr:
		return qdrant.NewGroupIDString(k.s)
	case k.n >= 0:
		return qdrant.NewGroupIDUnsigned(uint64(k.n))
	default:
		return qdrant.NewGroupIDInt(k.n)
	}
}

// payloadValues returns the values under a payload path ("a.b", "a[].b");
// arrays on the way and at the end are flattened.
func payloadValues(v any, path string) []any {
	if path == "" {
		switch x := v.(type) {
		case nil:
			return nil
		case []any:
			return x
		default:
			return []any{x}
		}
	}
	if xs, ok := v.([]any); ok {
		var out []any
		for _, e := range xs {
			out = append(out, payloadValues(e, path)...)
		}
		return out
	}
	m, ok := v.(map[string]any)
	if !ok {
		if p, ok := v.(vectordb.Payload); ok {
			m = p
		} else {
			return nil
		}
	}
	seg, rest, _ := strings.Cut(path, ".")
	seg = strings.TrimSuffix(seg, "[]")
	return payloadValues(m[seg], rest)
}

// groupKeys returns the group ids of a payload: string and integer values
// under key, each array element on its own.
func groupKeys(p vectordb.Payload, key string) []groupKey {
	var out []groupKey
	for _, v := range payloadValues(map[string]any(p), key) {
		switch x := v.(type) {
		case string:
			out = append(out, groupKey{s: x, isStr: true})
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				out = append(out, groupKey{n: int64(x)})
			}
		case int64:
			out = append(out, groupKey{n: x})
		}
	}
	return out
}

type pointGroup struct {
	key  groupKey
	hits []vectordb.ScoredPoint
}

// runGroups runs req and groups its hits by the payload values under key:
// at most groups groups of at most size hits, in the order of their best
// hit. It widens the underlying search until the groups are full or the
// candidates run out, then fetches the hits' payload and vectors as the
// request selected them.
func runGroups(ctx context.Context, db *vectordb.DB, coll string, req vectordb.QueryRequest, key string, groups, size int) ([]pointGroup, error) {
	wp, wv := req.WithPayload, req.WithVector
	top, _, _ := strings.Cut(key, ".")
	req.WithPayload = vectordb.PayloadSelector{Include: []string{strings.TrimSuffix(top, "[]")}}
	req.WithVector = vectordb.VectorSelector{}
	req.Offset = 0
	var out []pointGroup
	for fetch := max(groups*size*2, 16); ; fetch *= 4 {
		req.Limit = min(fetch, maxGroupFetch)
		pts, err := db.Query(ctx, coll, req)
		if err != nil {
			return nil, err
		}
		out = out[:0]
		index := map[groupKey]int{}
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
					out = append(out, pointGroup{key: gk})
				}
				if len(out[i].hits) < size {
					out[i].hits = append(out[i].hits, p)
					if len(out[i].hits) == size {
						full++
					}
				}
			}
		}
		if full == groups || len(pts) < req.Limit || req.Limit == maxGroupFetch {
			break
		}
	}
	// Decorate the hits as selected.
	var ids []vectordb.PointID
	for _, g := range out {
		for _, h := range g.hits {
			ids = append(ids, h.ID)
		}
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
		for hi := range out[gi].hits {
			h := &out[gi].hits[hi]
			r := byID[h.ID]
			h.Payload, h.Vectors = r.Payload, r.Vectors
		}
	}
	return out, nil
}

// groupsToProto converts groups and, with lookup, attaches the point of
// collection lookup.Collection whose id is the group id.
func groupsToProto(ctx context.Context, db *vectordb.DB, groups []pointGroup, lookup *qdrant.WithLookup) (*qdrant.GroupsResult, error) {
	out := &qdrant.GroupsResult{Groups: make([]*qdrant.PointGroup, len(groups))}
	for i, g := range groups {
		out.Groups[i] = &qdrant.PointGroup{Id: g.key.toProto(), Hits: scoredToProto(g.hits)}
	}
	if lookup == nil {
		return out, nil
	}
	if err := checkName("with_lookup collection", lookup.GetCollection()); err != nil {
		return nil, err
	}
	var ids []vectordb.PointID
	at := map[vectordb.PointID]int{}
	for i, g := range groups {
		var id vectordb.PointID
		switch {
		case g.key.isStr:
			pid, err := pointIDFromProto(qdrant.NewIDUUID(g.key.s))
			if err != nil {
				continue
			}
			id = pid
		case g.key.n >= 0:
			id = vectordb.PointID{Num: uint64(g.key.n)}
		default:
			continue
		}
		ids = append(ids, id)
		at[id] = i
	}
	wp := payloadSelectorFromProto(lookup.GetWithPayload(), true)
	recs, err := db.Get(ctx, lookup.GetCollection(), ids, wp, vectorSelectorFromProto(lookup.GetWithVectors()))
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		out.Groups[at[r.ID]].Lookup = recordToProto(r)
	}
	return out, nil
}

// groupParams validates group_by, the number of groups and the group size.
func groupParams(groupBy string, limit, size uint64) (int, int, error) {
	if err := checkName("group_by", groupBy); err != nil {
		return 0, 0, err
	}
	if limit == 0 || limit > maxLimit {
		return 0, 0, badInput("limit: value %d invalid, must be between 1 and %d", limit, maxLimit)
	}
	if size == 0 || size > maxGroupSize {
		return 0, 0, badInput("group_size: value %d invalid, must be between 1 and %d", size, maxGroupSize)
	}
	return int(limit), int(size), nil
}

func (s *pointsService) grouped(ctx context.Context, coll string, req vectordb.QueryRequest, groupBy string, limit, size uint64, lookup *qdrant.WithLookup, timeout *uint64) (*qdrant.GroupsResult, error) {
	if err := checkName("collection", coll); err != nil {
		return nil, err
	}
	groups, gsize, err := groupParams(groupBy, limit, size)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	gs, err := runGroups(ctx, s.db, coll, req, groupBy, groups, gsize)
	if err != nil {
		return nil, statusError(err)
	}
	res, err := groupsToProto(ctx, s.db, gs, lookup)
	if err != nil {
		return nil, statusError(err)
	}
	return res, nil
}

func (s *pointsService) QueryGroups(ctx context.Context, r *qdrant.QueryPointGroups) (*qdrant.QueryGroupsResponse, error) {
	start := time.Now()
	req, err := queryFromProto(&qdrant.QueryPoints{
		CollectionName: r.GetCollectionName(), Prefetch: r.GetPrefetch(), Query: r.GetQuery(), Using: r.Using,
		Filter: r.GetFilter(), Params: r.GetParams(), ScoreThreshold: r.ScoreThreshold,
		WithPayload: r.GetWithPayload(), WithVectors: r.GetWithVectors(),
		LookupFrom: r.GetLookupFrom(), ShardKeySelector: r.GetShardKeySelector(),
	})
	if err != nil {
		return nil, err
	}
	res, err := s.grouped(ctx, r.GetCollectionName(), req, r.GetGroupBy(), cmp.Or(r.GetLimit(), defaultGroups), cmp.Or(r.GetGroupSize(), defaultGrpSize), r.GetWithLookup(), r.Timeout)
	if err != nil {
		return nil, err
	}
	return &qdrant.QueryGroupsResponse{Result: res, Time: since(start)}, nil
}

func (s *pointsService) SearchGroups(ctx context.Context, r *qdrant.SearchPointGroups) (*qdrant.SearchGroupsResponse, error) {
	start := time.Now()
	req, err := searchFromProto(&qdrant.SearchPoints{
		CollectionName: r.GetCollectionName(), Vector: r.GetVector(), SparseIndices: r.GetSparseIndices(),
		Filter: r.GetFilter(), Limit: 1, Params: r.GetParams(), ScoreThreshold: r.ScoreThreshold,
		VectorName: r.VectorName, WithPayload: r.GetWithPayload(), WithVectors: r.GetWithVectors(),
		ShardKeySelector: r.GetShardKeySelector(),
	})
	if err != nil {
		return nil, err
	}
	res, err := s.grouped(ctx, r.GetCollectionName(), req, r.GetGroupBy(), uint64(r.GetLimit()), uint64(r.GetGroupSize()), r.GetWithLookup(), r.Timeout)
	if err != nil {
		return nil, err
	}
	return &qdrant.SearchGroupsResponse{Result: res, Time: since(start)}, nil
}

func (s *pointsService) RecommendGroups(ctx context.Context, r *qdrant.RecommendPointGroups) (*qdrant.RecommendGroupsResponse, error) {
	start := time.Now()
	req, err := recommendFromProto(&qdrant.RecommendPoints{
		CollectionName: r.GetCollectionName(), Positive: r.GetPositive(), Negative: r.GetNegative(),
		PositiveVectors: r.GetPositiveVectors(), NegativeVectors: r.GetNegativeVectors(), Strategy: r.Strategy,
		Filter: r.GetFilter(), Limit: 1, Params: r.GetParams(), ScoreThreshold: r.ScoreThreshold,
		Using: r.Using, WithPayload: r.GetWithPayload(), WithVectors: r.GetWithVectors(),
		LookupFrom: r.GetLookupFrom(), ShardKeySelector: r.GetShardKeySelector(),
	})
	if err != nil {
		return nil, err
	}
	res, err := s.grouped(ctx, r.GetCollectionName(), req, r.GetGroupBy(), uint64(r.GetLimit()), uint64(r.GetGroupSize()), r.GetWithLookup(), r.Timeout)
	if err != nil {
		return nil, err
	}
	return &qdrant.RecommendGroupsResponse{Result: res, Time: since(start)}, nil
}

// facetKey is a distinct facet value: a string, an integer or a bool.
type facetKey struct {
	kind byte // 's', 'i', 'b'
	s    string
	n    int64
	b    bool
}

func (k facetKey) toProto() *qdrant.FacetValue {
	switch k.kind {
	case 's':
		return &qdrant.FacetValue{Variant: &qdrant.FacetValue_StringValue{StringValue: k.s}}
	case 'i':
		return &qdrant.FacetValue{Variant: &qdrant.FacetValue_IntegerValue{IntegerValue: k.n}}
	default:
		return &qdrant.FacetValue{Variant: &qdrant.FacetValue_BoolValue{BoolValue: k.b}}
	}
}

// Facet counts the points per distinct value under a payload key among the
// points matching a filter, exactly (a point counts once per distinct
// value), and returns the most frequent values first.
func (s *pointsService) Facet(ctx context.Context, r *qdrant.FacetCounts) (*qdrant.FacetResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if err := checkName("key", r.GetKey()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	limit, err := limitFromProto("limit", r.Limit, 10)
	if err != nil {
		return nil, err
	}
	f, err := filterFromProto(r.GetFilter())
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	top, _, _ := strings.Cut(r.GetKey(), ".")
	top = strings.TrimSuffix(top, "[]")
	req := vectordb.ScrollRequest{Limit: facetScrollPage, Filter: f, WithPayload: vectordb.PayloadSelector{Include: []string{top}}}
	counts := map[facetKey]uint64{}
	for scanned := 0; scanned < maxFacetScan; {
		page, err := s.db.Scroll(ctx, r.GetCollectionName(), req)
		if err != nil {
			return nil, statusError(err)
		}
		for _, p := range page.Points {
			seen := map[facetKey]bool{}
			for _, v := range payloadValues(map[string]any(p.Payload), r.GetKey()) {
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
					k = facetKey{kind: 'i', n: int64(x)}
				default:
					continue
				}
				if !seen[k] {
					seen[k] = true
					counts[k]++
				}
			}
		}
		scanned += len(page.Points)
		if page.NextPageOffset == nil {
			break
		}
		req.Offset = page.NextPageOffset
	}
	keys := make([]facetKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b facetKey) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		if c := cmp.Compare(a.s, b.s); c != 0 {
			return c
		}
		if a.b != b.b {
			if !a.b {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.n, b.n)
	})
	if len(keys) > limit {
		keys = keys[:limit]
	}
	hits := make([]*qdrant.FacetHit, len(keys))
	for i, k := range keys {
		hits[i] = &qdrant.FacetHit{Value: k.toProto(), Count: counts[k]}
	}
	return &qdrant.FacetResponse{Hits: hits, Time: since(start)}, nil
}
