package rest

import (
	"encoding/json"
	"net/http"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi"
)

// The distance matrix (POST …/points/search/matrix/pairs and /offsets):
// the request is decoded here, the work is done by qdrantapi.Matrix.

func (h *handler) searchMatrix(r *http.Request) ([]vectordb.PointID, []qdrantapi.MatrixRow, error) {
	var w struct {
		Filter  json.RawMessage `json:"filter"`
		Sample  *int            `json:"sample"`
		Limit   *int            `json:"limit"`
		Using   *string         `json:"using"`
		Timeout *int            `json:"timeout"`
	}
	if err := decodeBody(r, &w, true); err != nil {
		return nil, nil, err
	}
	sample, limit := qdrantapi.DefaultMatrixSample, qdrantapi.DefaultMatrixLimit
	if w.Sample != nil {
		sample = *w.Sample
	}
	if w.Limit != nil {
		limit = *w.Limit
	}
	if sample < 2 || sample > qdrantapi.MaxMatrixSample {
		return nil, nil, vectordb.BadInput("Validation error in JSON body: [sample: value %d invalid, must be from 2 to %d]", sample, qdrantapi.MaxMatrixSample)
	}
	if limit < 1 {
		return nil, nil, vectordb.BadInput("Validation error in JSON body: [limit: value %d invalid, must be 1 or larger]", limit)
	}
	f, err := parseFilter(w.Filter)
	if err != nil {
		return nil, nil, badInput(err)
	}
	coll := collectionName(r)
	info, err := h.db.CollectionInfo(r.Context(), coll)
	if err != nil {
		return nil, nil, err
	}
	using := vectordb.DefaultVector
	if w.Using != nil {
		using = *w.Using
	}
	if _, ok := info.Config.Vectors[using]; !ok {
		return nil, nil, vectordb.BadInput("Wrong input: Not existing vector name error: %s", using)
	}
	return qdrantapi.Matrix(r.Context(), h.db, coll, using, f, sample, limit)
}

type matrixPair struct {
	A     any     `json:"a"`
	B     any     `json:"b"`
	Score float32 `json:"score"`
}

func (h *handler) matrixPairs(r *http.Request) (any, error) {
	_, rows, err := h.searchMatrix(r)
	if err != nil {
		return nil, err
	}
	pairs := []matrixPair{}
	for _, row := range rows {
		for _, hit := range row.Hits {
			pairs = append(pairs, matrixPair{A: jsonID(row.ID), B: jsonID(hit.ID), Score: finite32(hit.Score)})
		}
	}
	return map[string]any{"pairs": pairs}, nil
}

func (h *handler) matrixOffsets(r *http.Request) (any, error) {
	ids, rows, err := h.searchMatrix(r)
	if err != nil {
		return nil, err
	}
	at := make(map[vectordb.PointID]int, len(ids))
	outIDs := make([]any, len(ids))
	for i, id := range ids {
		at[id] = i
		outIDs[i] = jsonID(id)
	}
	rowsOut, cols, scores := []int{}, []int{}, []float32{}
	for _, row := range rows {
		for _, hit := range row.Hits {
			rowsOut = append(rowsOut, at[row.ID])
			cols = append(cols, at[hit.ID])
			scores = append(scores, finite32(hit.Score))
		}
	}
	return map[string]any{"offsets_row": rowsOut, "offsets_col": cols, "scores": scores, "ids": outIDs}, nil
}
