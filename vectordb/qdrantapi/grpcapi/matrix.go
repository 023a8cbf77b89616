package grpcapi

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
)

// The distance matrix (SearchMatrixPairs, SearchMatrixOffsets) is built in
// this layer: sample points that match the filter and have the vector, then
// for each sampled point query its nearest neighbours among the sample.

const (
	maxMatrixSample = 1000   // sampled points
	maxMatrixScan   = 100000 // candidate points read to sample from
	defaultSample   = 10
	defaultMatrixK  = 3
)

type matrixRow struct {
	id   vectordb.PointID
	hits []vectordb.ScoredPoint
}

func (s *pointsService) searchMatrix(ctx context.Context, r *qdrant.SearchMatrixPoints) ([]vectordb.PointID, []matrixRow, error) {
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, nil, unsupported("shard key selectors")
	}
	sample, err := limitFromProto("sample", r.Sample, defaultSample)
	if err != nil {
		return nil, nil, err
	}
	k, err := limitFromProto("limit", r.Limit, defaultMatrixK)
	if err != nil {
		return nil, nil, err
	}
	if sample < 2 || sample > maxMatrixSample {
		return nil, nil, badInput("sample: value %d invalid, must be between 2 and %d", sample, maxMatrixSample)
	}
	if k < 1 {
		return nil, nil, badInput("limit: value 0 invalid, must be 1 or larger")
	}
	f, err := filterFromProto(r.GetFilter())
	if err != nil {
		return nil, nil, err
	}
	using := r.GetUsing()
	cand := &vectordb.Filter{Must: []vectordb.Condition{{HasVector: &using}}}
	if f != nil {
		cand.Must = append(cand.Must, vectordb.Condition{Filter: f})
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()

	// Collect candidates, then sample without replacement.
	var ids []vectordb.PointID
	req := vectordb.ScrollRequest{Limit: 1000, Filter: cand}
	for len(ids) < maxMatrixScan {
		page, err := s.db.Scroll(ctx, r.GetCollectionName(), req)
		if err != nil {
			return nil, nil, statusError(err)
		}
		for _, p := range page.Points {
			ids = append(ids, p.ID)
		}
		if page.NextPageOffset == nil {
			break
		}
		req.Offset = page.NextPageOffset
	}
	if len(ids) > sample {
		rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		ids = ids[:sample]
	}
	rows := make([]matrixRow, 0, len(ids))
	for _, id := range ids {
		hits, err := s.db.Query(ctx, r.GetCollectionName(), vectordb.QueryRequest{
			Query:  &vectordb.Query{Nearest: &vectordb.VectorInput{ID: &id}},
			Using:  using,
			Filter: &vectordb.Filter{Must: []vectordb.Condition{{HasID: ids}}},
			Limit:  k + 1,
		})
		if err != nil {
			return nil, nil, statusError(err)
		}
		hits = slices.DeleteFunc(hits, func(h vectordb.ScoredPoint) bool { return h.ID == id })
		if len(hits) > k {
			hits = hits[:k]
		}
		rows = append(rows, matrixRow{id: id, hits: hits})
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
		for _, h := range row.hits {
			out.Pairs = append(out.Pairs, &qdrant.SearchMatrixPair{A: pointIDToProto(row.id), B: pointIDToProto(h.ID), Score: h.Score})
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
	out := &qdrant.SearchMatrixOffsets{Ids: pointIDsToProto(ids)}
	for _, row := range rows {
		for _, h := range row.hits {
			out.OffsetsRow = append(out.OffsetsRow, at[row.id])
			out.OffsetsCol = append(out.OffsetsCol, at[h.ID])
			out.Scores = append(out.Scores, h.Score)
		}
	}
	return &qdrant.SearchMatrixOffsetsResponse{Result: out, Time: since(start)}, nil
}
