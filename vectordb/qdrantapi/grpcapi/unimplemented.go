package grpcapi

import (
	"context"

	"github.com/qdrant/go-client/qdrant"
)

// The Points methods below need engine features this node lacks; they
// answer codes.Unimplemented naming the feature rather than the generic
// "method not implemented".

func (s *pointsService) SearchGroups(context.Context, *qdrant.SearchPointGroups) (*qdrant.SearchGroupsResponse, error) {
	return nil, unsupported("grouped search (SearchGroups)")
}

func (s *pointsService) RecommendGroups(context.Context, *qdrant.RecommendPointGroups) (*qdrant.RecommendGroupsResponse, error) {
	return nil, unsupported("grouped recommendation (RecommendGroups)")
}

func (s *pointsService) QueryGroups(context.Context, *qdrant.QueryPointGroups) (*qdrant.QueryGroupsResponse, error) {
	return nil, unsupported("grouped query (QueryGroups)")
}

func (s *pointsService) Discover(context.Context, *qdrant.DiscoverPoints) (*qdrant.DiscoverResponse, error) {
	return nil, unsupported("discovery search (Discover)")
}

func (s *pointsService) DiscoverBatch(context.Context, *qdrant.DiscoverBatchPoints) (*qdrant.DiscoverBatchResponse, error) {
	return nil, unsupported("discovery search (DiscoverBatch)")
}

func (s *pointsService) Facet(context.Context, *qdrant.FacetCounts) (*qdrant.FacetResponse, error) {
	return nil, unsupported("facet counts (Facet)")
}

func (s *pointsService) SearchMatrixPairs(context.Context, *qdrant.SearchMatrixPoints) (*qdrant.SearchMatrixPairsResponse, error) {
	return nil, unsupported("distance matrix (SearchMatrixPairs)")
}

func (s *pointsService) SearchMatrixOffsets(context.Context, *qdrant.SearchMatrixPoints) (*qdrant.SearchMatrixOffsetsResponse, error) {
	return nil, unsupported("distance matrix (SearchMatrixOffsets)")
}
