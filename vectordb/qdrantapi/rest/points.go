package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"nexusos/vectordb"
)

// Point endpoints: upsert, retrieve, delete, payload and vector updates,
// scroll and count.

// parseUpsert decodes an upsert body: PointsBatch ({"batch": {ids,
// vectors, payloads}}) or PointsList ({"points": [...]}).
func parseUpsert(body []byte) ([]vectordb.PointStruct, vectordb.UpsertOptions, error) {
	var opts vectordb.UpsertOptions
	var w struct {
		UpdateFilter json.RawMessage `json:"update_filter"`
		UpdateMode   *string         `json:"update_mode"`
	}
	if err := unmarshalBody(body, &w); err != nil {
		return nil, opts, err
	}
	if w.UpdateMode != nil {
		switch m := vectordb.UpsertMode(*w.UpdateMode); m {
		case "upsert":
		case vectordb.UpsertInsertOnly, vectordb.UpsertUpdateOnly:
			opts.Mode = m
		default:
			return nil, opts, badInput(fmt.Errorf("update_mode: unknown mode %q, expected upsert, insert_only or update_only", *w.UpdateMode))
		}
	}
	f, err := parseFilter(w.UpdateFilter)
	if err != nil {
		return nil, opts, badInput(fmt.Errorf("update_filter: %w", err))
	}
	opts.Filter = f
	pts, err := parsePoints(body)
	return pts, opts, err
}

// parsePoints decodes the points of an upsert body.
func parsePoints(body []byte) ([]vectordb.PointStruct, error) {
	var w struct {
		Batch *struct {
			IDs      []json.RawMessage `json:"ids"`
			Vectors  json.RawMessage   `json:"vectors"`
			Payloads []json.RawMessage `json:"payloads"`
		} `json:"batch"`
		Points *[]json.RawMessage `json:"points"`
	}
	if err := unmarshalBody(body, &w); err != nil {
		return nil, err
	}
	var points []vectordb.PointStruct
	switch {
	case w.Batch != nil && w.Points != nil:
		return nil, badInput(fmt.Errorf("either `batch` or `points` is required, not both"))
	case w.Batch != nil:
		b := w.Batch
		ids, err := parsePointIDs(b.IDs)
		if err != nil {
			return nil, badInput(fmt.Errorf("batch.ids%w", err))
		}
		vecs, err := parseBatchVectors(b.Vectors, len(ids))
		if err != nil {
			return nil, shapeError("batch.vectors", err)
		}
		if b.Payloads != nil && len(b.Payloads) != len(ids) {
			return nil, badInput(fmt.Errorf("batch has %d ids but %d payloads", len(ids), len(b.Payloads)))
		}
		points = make([]vectordb.PointStruct, len(ids))
		for i := range ids {
			points[i] = vectordb.PointStruct{ID: ids[i], Vectors: vecs[i]}
			if b.Payloads != nil {
				p, err := parsePayload(b.Payloads[i])
				if err != nil {
					return nil, badInput(fmt.Errorf("batch.payloads[%d]: %w", i, err))
				}
				points[i].Payload = p
			}
		}
	case w.Points != nil:
		points = make([]vectordb.PointStruct, 0, len(*w.Points))
		for i, raw := range *w.Points {
			var pw struct {
				ID      json.RawMessage `json:"id"`
				Vector  json.RawMessage `json:"vector"`
				Payload json.RawMessage `json:"payload"`
			}
			if err := json.Unmarshal(raw, &pw); err != nil {
				return nil, badInput(fmt.Errorf("points[%d]: %w", i, err))
			}
			id, err := parsePointID(pw.ID)
			if err != nil {
				return nil, badInput(fmt.Errorf("points[%d].id: %w", i, err))
			}
			if isNull(pw.Vector) {
				return nil, badInput(fmt.Errorf("points[%d]: missing field `vector`", i))
			}
			vecs, err := parseVectorStruct(pw.Vector)
			if err != nil {
				return nil, shapeError(fmt.Sprintf("points[%d].vector", i), err)
			}
			p, err := parsePayload(pw.Payload)
			if err != nil {
				return nil, badInput(fmt.Errorf("points[%d].payload: %w", i, err))
			}
			points = append(points, vectordb.PointStruct{ID: id, Vectors: vecs, Payload: p})
		}
	default:
		return nil, badInput(fmt.Errorf("either `batch` or `points` is required"))
	}
	return points, nil
}

// parsePayload decodes a Payload object; null gives nil.
func parsePayload(raw json.RawMessage) (vectordb.Payload, error) {
	switch jsonKind(raw) {
	case 0, 'n':
		return nil, nil
	case '{':
		var p vectordb.Payload
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		return p, nil
	}
	return nil, fmt.Errorf("payload must be a JSON object")
}

func (h *handler) getPoint(r *http.Request) (any, error) {
	id, err := parsePointIDString(r.PathValue("id"))
	if err != nil {
		return nil, badInput(err)
	}
	recs, err := h.db.Get(r.Context(), collectionName(r), []vectordb.PointID{id},
		vectordb.PayloadSelector{All: true}, vectordb.VectorSelector{All: true})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, vectordb.NotFound("No point with id %s found", id)
	}
	return jsonRecord(recs[0]), nil
}

func (h *handler) retrievePoints(r *http.Request) (any, error) {
	var w struct {
		IDs         *[]json.RawMessage `json:"ids"`
		WithPayload json.RawMessage    `json:"with_payload"`
		WithVector  json.RawMessage    `json:"with_vector"`
		WithVectors json.RawMessage    `json:"with_vectors"` // alias Qdrant accepts
	}
	if err := decodeBody(r, &w, false); err != nil {
		return nil, err
	}
	if w.IDs == nil {
		return nil, badInput(fmt.Errorf("missing field `ids`"))
	}
	ids, err := parsePointIDs(*w.IDs)
	if err != nil {
		return nil, badInput(fmt.Errorf("ids%w", err))
	}
	wp, err := parseWithPayload(w.WithPayload, true)
	if err != nil {
		return nil, badInput(err)
	}
	wv, err := parseWithVector(orAlias(w.WithVector, w.WithVectors), false)
	if err != nil {
		return nil, badInput(err)
	}
	if err := h.checkVectorNames(r.Context(), collectionName(r), wv); err != nil {
		return nil, err
	}
	recs, err := h.db.Get(r.Context(), collectionName(r), ids, wp, wv)
	if err != nil {
		return nil, err
	}
	return jsonRecords(recs), nil
}

// maxLimit bounds limit and offset in read requests.
const maxLimit = 1 << 20

func parseLimit(p *int, def int, field string) (int, error) {
	if p == nil {
		return def, nil
	}
	if *p < 0 || *p > maxLimit {
		return 0, fmt.Errorf("%s must be between 0 and %d", field, maxLimit)
	}
	return *p, nil
}

func (h *handler) scroll(r *http.Request) (any, error) {
	var w struct {
		Offset      json.RawMessage `json:"offset"`
		Limit       *int            `json:"limit"`
		Filter      json.RawMessage `json:"filter"`
		WithPayload json.RawMessage `json:"with_payload"`
		WithVector  json.RawMessage `json:"with_vector"`
		WithVectors json.RawMessage `json:"with_vectors"` // alias Qdrant accepts
		OrderBy     json.RawMessage `json:"order_by"`
	}
	if err := decodeBody(r, &w, true); err != nil {
		return nil, err
	}
	var req vectordb.ScrollRequest
	var err error
	if !isNull(w.Offset) {
		id, err := parsePointID(w.Offset)
		if err != nil {
			return nil, badInput(fmt.Errorf("offset: %w", err))
		}
		req.Offset = &id
	}
	if req.Limit, err = parseLimit(w.Limit, 10, "limit"); err != nil {
		return nil, badInput(err)
	}
	if req.Limit == 0 {
		return nil, badInput(fmt.Errorf("limit must be at least 1"))
	}
	if req.Filter, err = parseFilter(w.Filter); err != nil {
		return nil, badInput(err)
	}
	if req.WithPayload, err = parseWithPayload(w.WithPayload, true); err != nil {
		return nil, badInput(err)
	}
	if req.WithVector, err = parseWithVector(orAlias(w.WithVector, w.WithVectors), false); err != nil {
		return nil, badInput(err)
	}
	if req.OrderBy, err = parseOrderBy(w.OrderBy); err != nil {
		return nil, badInput(err)
	}
	if req.OrderBy != nil && req.Offset != nil {
		return nil, &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Bad request: Can't use offset with order_by; use order_by.start_from instead"}
	}
	res, err := h.db.Scroll(r.Context(), collectionName(r), req)
	if err != nil {
		return nil, err
	}
	return map[string]any{"points": jsonRecords(res.Points), "next_page_offset": jsonIDPtr(res.NextPageOffset)}, nil
}

func (h *handler) count(r *http.Request) (any, error) {
	var w struct {
		Filter json.RawMessage `json:"filter"`
		Exact  *bool           `json:"exact"`
	}
	if err := decodeBody(r, &w, true); err != nil {
		return nil, err
	}
	f, err := parseFilter(w.Filter)
	if err != nil {
		return nil, badInput(err)
	}
	n, err := h.db.Count(r.Context(), collectionName(r), f)
	if err != nil {
		return nil, err
	}
	return map[string]int{"count": n}, nil
}

// checkVectorNames rejects a with_vector list naming a vector the
// collection does not have, as Qdrant does.
func (h *handler) checkVectorNames(ctx context.Context, coll string, wv vectordb.VectorSelector) error {
	if len(wv.Names) == 0 {
		return nil
	}
	info, err := h.db.CollectionInfo(ctx, coll)
	if err != nil {
		return err
	}
	for _, n := range wv.Names {
		_, d := info.Config.Vectors[n]
		_, s := info.Config.SparseVectors[n]
		if !d && !s {
			return vectordb.BadInput("Not existing vector name error: %s", n)
		}
	}
	return nil
}
