package grpcapi

import (
	"context"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
)

// batchOp is one converted operation of an UpdateBatch request.
type batchOp func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error)

// UpdateBatch applies a list of point updates in order. Every operation is
// converted and validated before the first is applied, so a malformed
// request changes nothing; as in Qdrant, operations are not atomic as a
// group: an engine error stops the batch after the operations before it.
func (s *pointsService) UpdateBatch(ctx context.Context, r *qdrant.UpdateBatchPoints) (*qdrant.UpdateBatchResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if len(r.GetOperations()) > maxBatch {
		return nil, badInput("batch of %d operations exceeds the maximum %d", len(r.GetOperations()), maxBatch)
	}
	ops := make([]batchOp, len(r.GetOperations()))
	for i, op := range r.GetOperations() {
		o, err := batchOpFromProto(op)
		if err != nil {
			return nil, err
		}
		ops[i] = o
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	out := make([]*qdrant.UpdateResult, 0, len(ops))
	for _, op := range ops {
		res, err := op(ctx, s.db, r.GetCollectionName(), r.GetWait())
		if err != nil {
			return nil, statusError(err)
		}
		out = append(out, updateResultToProto(res))
	}
	return &qdrant.UpdateBatchResponse{Result: out, Time: since(start)}, nil
}

func batchOpFromProto(op *qdrant.PointsUpdateOperation) (batchOp, error) {
	switch k := op.GetOperation().(type) {
	case *qdrant.PointsUpdateOperation_Upsert:
		u := k.Upsert
		if u.ShardKeySelector != nil {
			return nil, unsupported("shard key selectors")
		}
		if u.UpdateFilter != nil {
			return nil, unsupported("conditional upsert (update_filter)")
		}
		if u.UpdateMode != nil && *u.UpdateMode != qdrant.UpdateMode_Upsert {
			return nil, unsupported("update_mode %s", u.UpdateMode.String())
		}
		points := make([]vectordb.PointStruct, len(u.GetPoints()))
		for i, p := range u.GetPoints() {
			vp, err := pointFromProto(p)
			if err != nil {
				return nil, err
			}
			points[i] = vp
		}
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.Upsert(ctx, coll, points, wait)
		}, nil
	case *qdrant.PointsUpdateOperation_DeleteDeprecated:
		return deleteOp(k.DeleteDeprecated)
	case *qdrant.PointsUpdateOperation_DeletePoints_:
		if k.DeletePoints.ShardKeySelector != nil {
			return nil, unsupported("shard key selectors")
		}
		return deleteOp(k.DeletePoints.GetPoints())
	case *qdrant.PointsUpdateOperation_SetPayload_:
		sp := k.SetPayload
		if sp.ShardKeySelector != nil {
			return nil, unsupported("shard key selectors")
		}
		sel, pl, err := selectorAndPayload(sp.GetPointsSelector(), sp.GetPayload())
		if err != nil {
			return nil, err
		}
		key := sp.GetKey()
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.SetPayload(ctx, coll, pl, sel, key, wait)
		}, nil
	case *qdrant.PointsUpdateOperation_OverwritePayload_:
		op := k.OverwritePayload
		if op.ShardKeySelector != nil {
			return nil, unsupported("shard key selectors")
		}
		if op.GetKey() != "" {
			return nil, unsupported("overwrite payload under a key")
		}
		sel, pl, err := selectorAndPayload(op.GetPointsSelector(), op.GetPayload())
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.OverwritePayload(ctx, coll, pl, sel, wait)
		}, nil
	case *qdrant.PointsUpdateOperation_DeletePayload_:
		dp := k.DeletePayload
		if dp.ShardKeySelector != nil {
			return nil, unsupported("shard key selectors")
		}
		sel, err := pointsSelectorFromProto(dp.GetPointsSelector())
		if err != nil {
			return nil, err
		}
		keys := dp.GetKeys()
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.DeletePayload(ctx, coll, keys, sel, wait)
		}, nil
	case *qdrant.PointsUpdateOperation_ClearPayloadDeprecated:
		return clearOp(k.ClearPayloadDeprecated)
	case *qdrant.PointsUpdateOperation_ClearPayload_:
		if k.ClearPayload.ShardKeySelector != nil {
			return nil, unsupported("shard key selectors")
		}
		return clearOp(k.ClearPayload.GetPoints())
	case *qdrant.PointsUpdateOperation_UpdateVectors_:
		uv := k.UpdateVectors
		if uv.ShardKeySelector != nil {
			return nil, unsupported("shard key selectors")
		}
		if uv.UpdateFilter != nil {
			return nil, unsupported("conditional update (update_filter)")
		}
		pvs := make([]vectordb.PointVectors, len(uv.GetPoints()))
		for i, p := range uv.GetPoints() {
			id, err := pointIDFromProto(p.GetId())
			if err != nil {
				return nil, err
			}
			vecs, err := vectorsFromProto(p.GetVectors())
			if err != nil {
				return nil, err
			}
			pvs[i] = vectordb.PointVectors{ID: id, Vectors: vecs}
		}
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.UpdateVectors(ctx, coll, pvs, wait)
		}, nil
	case *qdrant.PointsUpdateOperation_DeleteVectors_:
		dv := k.DeleteVectors
		if dv.ShardKeySelector != nil {
			return nil, unsupported("shard key selectors")
		}
		sel, err := pointsSelectorFromProto(dv.GetPointsSelector())
		if err != nil {
			return nil, err
		}
		names := dv.GetVectors().GetNames()
		if len(names) == 0 {
			return nil, badInput("no vector names given")
		}
		return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
			return db.DeleteVectors(ctx, coll, names, sel, wait)
		}, nil
	default:
		return nil, badInput("update operation is empty")
	}
}

func deleteOp(ps *qdrant.PointsSelector) (batchOp, error) {
	sel, err := pointsSelectorFromProto(ps)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.Delete(ctx, coll, sel, wait)
	}, nil
}

func clearOp(ps *qdrant.PointsSelector) (batchOp, error) {
	sel, err := pointsSelectorFromProto(ps)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.ClearPayload(ctx, coll, sel, wait)
	}, nil
}

func selectorAndPayload(ps *qdrant.PointsSelector, m map[string]*qdrant.Value) (vectordb.PointsSelector, vectordb.Payload, error) {
	sel, err := pointsSelectorFromProto(ps)
	if err != nil {
		return sel, nil, err
	}
	pl, err := payloadFromProto(m)
	return sel, pl, err
}
