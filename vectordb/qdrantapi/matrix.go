package qdrantapi

import (
	"context"
	"math/rand/v2"
	"slices"

	"nexusos/vectordb"
)

// The distance matrix samples points that match a filter and have a
// vector, then for each sampled point queries its nearest neighbours among
// the sample.

const (
	// MaxMatrixSample bounds the points one distance matrix samples.
	MaxMatrixSample = 1000
	// Qdrant's defaults for the sample size and the neighbours per point.
	DefaultMatrixSample = 10
	DefaultMatrixLimit  = 3
	// maxMatrixScan bounds the candidate points read to sample from.
	maxMatrixScan = 100000
)

// A MatrixRow is a sampled point and its nearest neighbours among the
// sample, nearest first.
type MatrixRow struct {
	ID   vectordb.PointID
	Hits []vectordb.ScoredPoint
}

// Matrix samples, without replacement, up to sample points of collection
// coll that match filter (nil: all) and have the vector using, and finds
// for each its limit nearest neighbours among the sample (itself
// excluded). It returns the sample and one row per sampled point, in the
// same order. At most 100,000 candidates are read to sample from.
func Matrix(ctx context.Context, db *vectordb.DB, coll, using string, filter *vectordb.Filter, sample, limit int) ([]vectordb.PointID, []MatrixRow, error) {
	cand := &vectordb.Filter{Must: []vectordb.Condition{{HasVector: &using}}}
	if filter != nil {
		cand.Must = append(cand.Must, vectordb.Condition{Filter: filter})
	}
	var ids []vectordb.PointID
	req := vectordb.ScrollRequest{Limit: 1000, Filter: cand}
	for len(ids) < maxMatrixScan {
		page, err := db.Scroll(ctx, coll, req)
		if err != nil {
			return nil, nil, err
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
		// The sample is returned in id order, as Qdrant returns it.
		slices.SortFunc(ids, vectordb.ComparePointIDs)
	}
	rows := make([]MatrixRow, 0, len(ids))
	for _, id := range ids {
		hits, err := db.Query(ctx, coll, vectordb.QueryRequest{
			Query:  &vectordb.Query{Nearest: &vectordb.VectorInput{ID: &id}},
			Using:  using,
			Filter: &vectordb.Filter{Must: []vectordb.Condition{{HasID: ids}}},
			Limit:  limit + 1,
		})
		if err != nil {
			return nil, nil, err
		}
		hits = slices.DeleteFunc(hits, func(h vectordb.ScoredPoint) bool { return h.ID == id })
		if len(hits) > limit {
			hits = hits[:limit]
		}
		rows = append(rows, MatrixRow{ID: id, Hits: hits})
	}
	return ids, rows, nil
}
