package grpcapi

import (
	"context"

	"github.com/qdrant/go-client/qdrant"
)

// The Points methods below need engine features this node lacks; they
// answer codes.Unimplemented naming the feature rather than the generic
// "method not implemented".

func (s *pointsService) Discover(context.Context, *qdrant.DiscoverPoints) (*qdrant.DiscoverResponse, error) {
	return nil, unsupported("discovery search (Discover)")
}

func (s *pointsService) DiscoverBatch(context.Context, *qdrant.DiscoverBatchPoints) (*qdrant.DiscoverBatchResponse, error) {
	return nil, unsupported("discovery search (DiscoverBatch)")
}
