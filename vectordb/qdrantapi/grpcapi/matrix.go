package grpcapi

import (
	"context"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/internal/qdrantpb"
	"nexusos/vectordb/qdrantapi"
)

// The distance matrix (SearchMatrixPairs, SearchMatrixOffsets):
// requests are converted here, the work is done by qdrantapi.Matrix.

func (s *pointsService) searchMatrix(ctx context.Context, r *qdrant.SearchMatrixPoints) ([]vectordb.PointID, []qdrantapi.MatrixRow, error) {
	if err := checkTarget(r.GetCollectionName(), r.ShardKeySelector); err != nil {
		return nil, nil, err
	}
	sample, err := limitFromProto("sample", r.Sample, qdrantapi.DefaultMatrixSample)
	if err != nil {
		return nil, nil, err
	}
	k, err := limitFromProto("limit", r.Limit, qdrantapi.DefaultMatrixLimit)
	if err != nil {
		return nil, nil, err
	}
	if sample < 2 || sample > qdrantapi.MaxMatrixSample {
		return nil, nil, badInput("sample: value %d invalid, must be between 2 and %d", sample, qdrantapi.MaxMatrixSample)
	}
	if k < 1 {
		return nil, nil, badInput("limit: value 0 invalid, must be 1 or larger")
	}
	f, err := filterFromProto(r.GetFilter())
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	ids, rows, err := qdrantapi.Matrix(ctx, s.db, r.GetCollectionName(), r.GetUsing(), f, sample, k)
	if err != nil {
		return nil, nil, statusError(err)
	}
	return ids, rows, nil
}

func (s *pointsService) SearchMatrixPairs(ctx context.Context, r *qdrant.SearchMatrixPoints) (*qdrant.SearchMatrixPairsResponse, error) {
	start := time.Now()
	_, rows, err := s.searchMatrix(ctx, r)
	if err != nil {
		return nil, err
	}
	out := &qdrant.SearchMatrixPairs{}
	for _, row := range rows {
		for _, h := range row.Hits {
			out.Pairs = append(out.Pairs, &qdrant.SearchMatrixPair{A: qdrantpb.PointIDToProto(row.ID), B: qdrantpb.PointIDToProto(h.ID), Score: h.Score})
		}
	}
	return &qdrant.SearchMatrixPairsResponse{Result: out, Time: since(start)}, nil
}

func (s *pointsService) SearchMatrixOffsets(ctx context.Context, r *qdrant.SearchMatrixPoints) (*qdrant.SearchMatrixOffsetsResponse, error) {
	start := time.Now()
	ids, rows, err := s.searchMatrix(ctx, r)
	if err != nil {
		return nil, err
	}
	at := make(map[vectordb.PointID]uint64, len(ids))
	for i, id := range ids {
		at[id] = uint64(i)
	}
	out := &qdrant.SearchMatrixOffsets{Ids: qdrantpb.PointIDsToProto(ids)}
	for _, row := range rows {
		for _, h := range row.Hits {
			out.OffsetsRow = append(out.OffsetsRow, at[row.ID])
			out.OffsetsCol = append(out.OffsetsCol, at[h.ID])
			out.Scores = append(out.Scores, h.Score)
		}
	}
	return &qdrant.SearchMatrixOffsetsResponse{Result: out, Time: since(start)}, nil
}
