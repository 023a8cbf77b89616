package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"nexusos/vectordb"
)

// Point updates. Each update endpoint decodes its body into an updateOp
// first, so bad input is rejected before the engine sees anything; the
// batch endpoint (POST /points/batch) decodes all its operations before
// running the first.

// updateOp applies one decoded update to collection coll.
type updateOp func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error)

// parseUpdate decodes the body of one update kind (the names are those of
// UpdateOperation in openapi v1.19.0).
func parseUpdate(kind string, body []byte) (updateOp, error) {
	switch kind {
	case "upsert":
		pts, opts, err := parseUpsert(body)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.UpsertWith(ctx, coll, pts, opts, wait)
		}, nil
	case "update_vectors":
		pvs, filter, err := parseUpdateVectors(body)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.UpdateVectorsWith(ctx, coll, pvs, filter, wait)
		}, nil
	}
	var w struct {
		Points  json.RawMessage `json:"points"`
		Filter  json.RawMessage `json:"filter"`
		Payload json.RawMessage `json:"payload"`
		Key     *string         `json:"key"`
		Keys    *[]string       `json:"keys"`
		Vector  *[]string       `json:"vector"`
	}
	if err := unmarshalBody(body, &w); err != nil {
		return nil, err
	}
	sel, err := parsePointsSelector(w.Points, w.Filter)
	if err != nil {
		return nil, badInput(err)
	}
	switch kind {
	case "delete":
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.Delete(ctx, coll, sel, wait)
		}, nil
	case "clear_payload":
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.ClearPayload(ctx, coll, sel, wait)
		}, nil
	case "set_payload", "overwrite_payload":
		if isNull(w.Payload) {
			return nil, badInput(fmt.Errorf("missing field `payload`"))
		}
		p, err := parsePayload(w.Payload)
		if err != nil {
			return nil, badInput(err)
		}
		if kind == "overwrite_payload" {
			return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
				return db.OverwritePayload(ctx, coll, p, sel, wait)
			}, nil
		}
		key := ""
		if w.Key != nil {
			key = *w.Key
		}
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.SetPayload(ctx, coll, p, sel, key, wait)
		}, nil
	case "delete_payload":
		if w.Keys == nil {
			return nil, badInput(fmt.Errorf("missing field `keys`"))
		}
		keys := *w.Keys
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.DeletePayload(ctx, coll, keys, sel, wait)
		}, nil
	case "delete_vectors":
		if w.Vector == nil || len(*w.Vector) == 0 {
			return nil, badInput(fmt.Errorf("`vector` must name at least one vector"))
		}
		names := *w.Vector
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.DeleteVectors(ctx, coll, names, sel, wait)
		}, nil
	}
	return nil, badInput(fmt.Errorf("unknown update operation `%s`", kind))
}

func parseUpdateVectors(body []byte) ([]vectordb.PointVectors, *vectordb.Filter, error) {
	var w struct {
		Points *[]struct {
			ID     json.RawMessage `json:"id"`
			Vector json.RawMessage `json:"vector"`
		} `json:"points"`
		UpdateFilter json.RawMessage `json:"update_filter"`
	}
	if err := unmarshalBody(body, &w); err != nil {
		return nil, nil, err
	}
	if w.Points == nil || len(*w.Points) == 0 {
		return nil, nil, badInput(fmt.Errorf("`points` must hold at least one point"))
	}
	pvs := make([]vectordb.PointVectors, 0, len(*w.Points))
	for i, p := range *w.Points {
		id, err := parsePointID(p.ID)
		if err != nil {
			return nil, nil, badInput(fmt.Errorf("points[%d].id: %w", i, err))
		}
		if isNull(p.Vector) {
			return nil, nil, badInput(fmt.Errorf("points[%d]: missing field `vector`", i))
		}
		v, err := parseVectorStruct(p.Vector)
		if err != nil {
			return nil, nil, shapeError(fmt.Sprintf("points[%d].vector", i), err)
		}
		if len(v) == 0 {
			return nil, nil, invalid(fmt.Sprintf("points[%d].vector", i), "must specify vectors to update for point")
		}
		pvs = append(pvs, vectordb.PointVectors{ID: id, Vectors: v})
	}
	f, err := parseFilter(w.UpdateFilter)
	if err != nil {
		return nil, nil, badInput(fmt.Errorf("update_filter: %w", err))
	}
	return pvs, f, nil
}

// update returns the handler of one update endpoint.
func (h *handler) update(kind string) apiFunc {
	return func(r *http.Request) (any, error) {
		b, err := readBody(r)
		if err != nil {
			return nil, err
		}
		op, err := parseUpdate(kind, b)
		if err != nil {
			return nil, err
		}
		res, err := op(r.Context(), h.db, collectionName(r), waitParam(r))
		if err != nil {
			return nil, err
		}
		return jsonUpdate(res), nil
	}
}

// maxBatchOps bounds the operations of one batch update.
const maxBatchOps = 1024

// batchUpdate serves POST /collections/{name}/points/batch. All operations
// are decoded before the first runs; they then run in order, and the first
// engine error stops the batch (earlier operations stay applied, as in
// Qdrant).
func (h *handler) batchUpdate(r *http.Request) (any, error) {
	var w struct {
		Operations *[]map[string]json.RawMessage `json:"operations"`
	}
	if err := decodeBody(r, &w, false); err != nil {
		return nil, err
	}
	if w.Operations == nil {
		return nil, badInput(fmt.Errorf("missing field `operations`"))
	}
	if len(*w.Operations) > maxBatchOps {
		return nil, badInput(fmt.Errorf("a batch holds at most %d operations, got %d", maxBatchOps, len(*w.Operations)))
	}
	ops := make([]updateOp, 0, len(*w.Operations))
	for i, o := range *w.Operations {
		if len(o) != 1 {
			return nil, badInput(fmt.Errorf("operations[%d]: expected exactly one operation", i))
		}
		for kind, body := range o {
			op, err := parseUpdate(kind, body)
			if err != nil {
				return nil, fmt.Errorf("operations[%d].%s: %w", i, kind, err)
			}
			ops = append(ops, op)
		}
	}
	wait := waitParam(r)
	out := make([]updateOut, 0, len(ops))
	for _, op := range ops {
		res, err := op(r.Context(), h.db, collectionName(r), wait)
		if err != nil {
			return nil, err
		}
		out = append(out, jsonUpdate(res))
	}
	return out, nil
}
