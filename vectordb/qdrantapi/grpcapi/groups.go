package grpcapi

import (
	"cmp"
	"context"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi"
)

// Grouped search (QueryGroups, SearchGroups, RecommendGroups) and facet
// counts: requests are converted here, the work is done by package
// qdrantapi.

// defaultGroups is Qdrant's default number of groups.
const defaultGroups = 3

// groupIDToProto converts a group id: a string or an int64.
func groupIDToProto(id any) *qdrant.GroupId {
	switch x := id.(type) {
	case string:
		return qdrant.NewGroupIDString(x)
	case int64:
		if x >= 0 {
			return qdrant.NewGroupIDUnsigned(uint64(x))
		}
		return qdrant.NewGroupIDInt(x)
	}
	return nil
}

// groupPointID reads a group id as a point id, for with_lookup: a
// non-negative integer or a UUID string.
func groupPointID(id any) (vectordb.PointID, bool) {
	switch x := id.(type) {
	case string:
		pid, err := pointIDFromProto(qdrant.NewIDUUID(x))
		return pid, err == nil
	case int64:
		return vectordb.PointID{Num: uint64(x)}, x >= 0
	}
	return vectordb.PointID{}, false
}

// groupsToProto converts groups and, with lookup, attaches the point of
// collection lookup.Collection whose id is the group id.
func groupsToProto(ctx context.Context, db *vectordb.DB, groups []qdrantapi.Group, lookup *qdrant.WithLookup) (*qdrant.GroupsResult, error) {
	out := &qdrant.GroupsResult{Groups: make([]*qdrant.PointGroup, len(groups))}
	for i, g := range groups {
		out.Groups[i] = &qdrant.PointGroup{Id: groupIDToProto(g.ID), Hits: scoredToProto(g.Hits)}
	}
	if lookup == nil {
		return out, nil
	}
	if err := checkName("with_lookup collection", lookup.GetCollection()); err != nil {
		return nil, err
	}
	wp := payloadSelectorFromProto(lookup.GetWithPayload(), true)
	recs, err := qdrantapi.Lookup(ctx, db, lookup.GetCollection(), groups, wp, vectorSelectorFromProto(lookup.GetWithVectors()), groupPointID)
	if err != nil {
		return nil, err
	}
	for i, r := range recs {
		if r != nil {
			out.Groups[i].Lookup = recordToProto(*r)
		}
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
	if size == 0 || size > qdrantapi.MaxGroupSize {
		return 0, 0, badInput("group_size: value %d invalid, must be between 1 and %d", size, qdrantapi.MaxGroupSize)
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
	gs, err := qdrantapi.Groups(ctx, s.db, coll, req, groupBy, groups, gsize)
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
	res, err := s.grouped(ctx, r.GetCollectionName(), req, r.GetGroupBy(), cmp.Or(r.GetLimit(), defaultGroups), cmp.Or(r.GetGroupSize(), qdrantapi.DefaultGroupSize), r.GetWithLookup(), r.Timeout)
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

// facetValueToProto converts a facet value: a string, an int64 or a bool.
func facetValueToProto(v any) *qdrant.FacetValue {
	switch x := v.(type) {
	case string:
		return &qdrant.FacetValue{Variant: &qdrant.FacetValue_StringValue{StringValue: x}}
	case int64:
		return &qdrant.FacetValue{Variant: &qdrant.FacetValue_IntegerValue{IntegerValue: x}}
	default:
		return &qdrant.FacetValue{Variant: &qdrant.FacetValue_BoolValue{BoolValue: x.(bool)}}
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
	fh, err := qdrantapi.Facet(ctx, s.db, r.GetCollectionName(), r.GetKey(), f, limit)
	if err != nil {
		return nil, statusError(err)
	}
	hits := make([]*qdrant.FacetHit, len(fh))
	for i, h := range fh {
		hits[i] = &qdrant.FacetHit{Value: facetValueToProto(h.Value), Count: h.Count}
	}
	return &qdrant.FacetResponse{Hits: hits, Time: since(start)}, nil
}
