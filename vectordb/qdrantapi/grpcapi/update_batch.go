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
		return upsertOp(u.ShardKeySelector, u.UpdateFilter, u.UpdateMode, u.GetPoints())
	case *qdrant.PointsUpdateOperation_DeleteDeprecated:
		return deleteOp(nil, k.DeleteDeprecated)
	case *qdrant.PointsUpdateOperation_DeletePoints_:
		return deleteOp(k.DeletePoints.ShardKeySelector, k.DeletePoints.GetPoints())
	case *qdrant.PointsUpdateOperation_SetPayload_:
		sp := k.SetPayload
		return setPayloadOp(sp.ShardKeySelector, sp.GetPointsSelector(), sp.GetPayload(), sp.GetKey())
	case *qdrant.PointsUpdateOperation_OverwritePayload_:
		op := k.OverwritePayload
		return overwritePayloadOp(op.ShardKeySelector, op.GetPointsSelector(), op.GetPayload(), op.GetKey())
	case *qdrant.PointsUpdateOperation_DeletePayload_:
		dp := k.DeletePayload
		return deletePayloadOp(dp.ShardKeySelector, dp.GetPointsSelector(), dp.GetKeys())
	case *qdrant.PointsUpdateOperation_ClearPayloadDeprecated:
		return clearOp(nil, k.ClearPayloadDeprecated)
	case *qdrant.PointsUpdateOperation_ClearPayload_:
		return clearOp(k.ClearPayload.ShardKeySelector, k.ClearPayload.GetPoints())
	case *qdrant.PointsUpdateOperation_UpdateVectors_:
		uv := k.UpdateVectors
		return updateVectorsOp(uv.ShardKeySelector, uv.UpdateFilter, uv.GetPoints())
	case *qdrant.PointsUpdateOperation_DeleteVectors_:
		dv := k.DeleteVectors
		return deleteVectorsOp(dv.ShardKeySelector, dv.GetPointsSelector(), dv.GetVectors().GetNames())
	default:
		return nil, badInput("update operation is empty")
	}
}

// The xxxOp functions convert and validate one point update, for
// UpdateBatch and for the single-update methods alike. Each rejects a shard
// key selector (unsupported) first.

// noShardKey rejects a shard key selector: this server has no shards.
func noShardKey(s *qdrant.ShardKeySelector) error {
	if s != nil {
		return unsupported("shard key selectors")
	}
	return nil
}

func upsertOp(shard *qdrant.ShardKeySelector, filter *qdrant.Filter, mode *qdrant.UpdateMode, ps []*qdrant.PointStruct) (batchOp, error) {
	if err := noShardKey(shard); err != nil {
		return nil, err
	}
	if filter != nil {
		return nil, unsupported("conditional upsert (update_filter)")
	}
	if mode != nil && *mode != qdrant.UpdateMode_Upsert {
		return nil, unsupported("update_mode %s", mode.String())
	}
	points := make([]vectordb.PointStruct, len(ps))
	for i, p := range ps {
		vp, err := pointFromProto(p)
		if err != nil {
			return nil, err
		}
		points[i] = vp
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.Upsert(ctx, coll, points, wait)
	}, nil
}

func deleteOp(shard *qdrant.ShardKeySelector, ps *qdrant.PointsSelector) (batchOp, error) {
	if err := noShardKey(shard); err != nil {
		return nil, err
	}
	sel, err := pointsSelectorFromProto(ps)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.Delete(ctx, coll, sel, wait)
	}, nil
}

func setPayloadOp(shard *qdrant.ShardKeySelector, ps *qdrant.PointsSelector, payload map[string]*qdrant.Value, key string) (batchOp, error) {
	if err := noShardKey(shard); err != nil {
		return nil, err
	}
	sel, pl, err := selectorAndPayload(ps, payload)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.SetPayload(ctx, coll, pl, sel, key, wait)
	}, nil
}

func overwritePayloadOp(shard *qdrant.ShardKeySelector, ps *qdrant.PointsSelector, payload map[string]*qdrant.Value, key string) (batchOp, error) {
	if err := noShardKey(shard); err != nil {
		return nil, err
	}
	if key != "" {
		return nil, unsupported("overwrite payload under a key")
	}
	sel, pl, err := selectorAndPayload(ps, payload)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.OverwritePayload(ctx, coll, pl, sel, wait)
	}, nil
}

func deletePayloadOp(shard *qdrant.ShardKeySelector, ps *qdrant.PointsSelector, keys []string) (batchOp, error) {
	if err := noShardKey(shard); err != nil {
		return nil, err
	}
	sel, err := pointsSelectorFromProto(ps)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.DeletePayload(ctx, coll, keys, sel, wait)
	}, nil
}

func clearOp(shard *qdrant.ShardKeySelector, ps *qdrant.PointsSelector) (batchOp, error) {
	if err := noShardKey(shard); err != nil {
		return nil, err
	}
	sel, err := pointsSelectorFromProto(ps)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.ClearPayload(ctx, coll, sel, wait)
	}, nil
}

func updateVectorsOp(shard *qdrant.ShardKeySelector, filter *qdrant.Filter, ps []*qdrant.PointVectors) (batchOp, error) {
	if err := noShardKey(shard); err != nil {
		return nil, err
	}
	if filter != nil {
		return nil, unsupported("conditional update (update_filter)")
	}
	pvs := make([]vectordb.PointVectors, len(ps))
	for i, p := range ps {
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
}

func deleteVectorsOp(shard *qdrant.ShardKeySelector, ps *qdrant.PointsSelector, names []string) (batchOp, error) {
	if err := noShardKey(shard); err != nil {
		return nil, err
	}
	sel, err := pointsSelectorFromProto(ps)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, badInput("no vector names given")
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.DeleteVectors(ctx, coll, names, sel, wait)
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
