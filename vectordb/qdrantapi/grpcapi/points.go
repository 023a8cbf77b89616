package grpcapi

import (
	"context"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/internal/qdrantpb"
)

// pointsService implements qdrant.Points over a vectordb.DB.
type pointsService struct {
	qdrant.UnimplementedPointsServer
	db *vectordb.DB
}

// updateRequest is what the single-update requests share.
type updateRequest interface {
	GetCollectionName() string
	GetWait() bool
	GetTimeout() uint64
}

// update serves a single-update request r received at start: it checks
// the collection name, then reports convErr, the error of converting r
// into op, or applies op. The single-update methods thus share the
// converters of UpdateBatch and validate in the same order.
func (s *pointsService) update(ctx context.Context, start time.Time, r updateRequest, op batchOp, convErr error) (*qdrant.PointsOperationResponse, error) {
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if convErr != nil {
		return nil, convErr
	}
	timeout := r.GetTimeout()
	ctx, cancel := withTimeout(ctx, &timeout)
	defer cancel()
	res, err := op(ctx, s.db, r.GetCollectionName(), r.GetWait())
	if err != nil {
		return nil, statusError(err)
	}
	return &qdrant.PointsOperationResponse{Result: updateResultToProto(res), Time: since(start)}, nil
}

func (s *pointsService) Upsert(ctx context.Context, r *qdrant.UpsertPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := upsertOp(r.ShardKeySelector, r.UpdateFilter, r.UpdateMode, r.GetPoints())
	return s.update(ctx, start, r, op, err)
}

func (s *pointsService) Delete(ctx context.Context, r *qdrant.DeletePoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := deleteOp(r.ShardKeySelector, r.GetPoints())
	return s.update(ctx, start, r, op, err)
}

func (s *pointsService) Get(ctx context.Context, r *qdrant.GetPoints) (*qdrant.GetResponse, error) {
	start := time.Now()
	if err := checkTarget(r.GetCollectionName(), r.ShardKeySelector); err != nil {
		return nil, err
	}
	ids, err := pointIDsFromProto(r.GetIds())
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	recs, err := s.db.Get(ctx, r.GetCollectionName(), ids,
		payloadSelectorFromProto(r.GetWithPayload(), true), vectorSelectorFromProto(r.GetWithVectors()))
	if err != nil {
		return nil, statusError(err)
	}
	return &qdrant.GetResponse{Result: recordsToProto(recs), Time: since(start)}, nil
}

func (s *pointsService) UpdateVectors(ctx context.Context, r *qdrant.UpdatePointVectors) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := updateVectorsOp(r.ShardKeySelector, r.UpdateFilter, r.GetPoints())
	return s.update(ctx, start, r, op, err)
}

func (s *pointsService) DeleteVectors(ctx context.Context, r *qdrant.DeletePointVectors) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := deleteVectorsOp(r.ShardKeySelector, r.GetPointsSelector(), r.GetVectors().GetNames())
	return s.update(ctx, start, r, op, err)
}

func (s *pointsService) SetPayload(ctx context.Context, r *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := setPayloadOp(r.ShardKeySelector, r.GetPointsSelector(), r.GetPayload(), r.GetKey())
	return s.update(ctx, start, r, op, err)
}

func (s *pointsService) OverwritePayload(ctx context.Context, r *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := overwritePayloadOp(r.ShardKeySelector, r.GetPointsSelector(), r.GetPayload(), r.GetKey())
	return s.update(ctx, start, r, op, err)
}

func (s *pointsService) DeletePayload(ctx context.Context, r *qdrant.DeletePayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := deletePayloadOp(r.ShardKeySelector, r.GetPointsSelector(), r.GetKeys())
	return s.update(ctx, start, r, op, err)
}

func (s *pointsService) ClearPayload(ctx context.Context, r *qdrant.ClearPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := clearOp(r.ShardKeySelector, r.GetPoints())
	return s.update(ctx, start, r, op, err)
}

// fieldSchemaFromProto picks the index type from field_type, or from the
// kind of field_index_params when field_type is absent.
func fieldSchemaFromProto(r *qdrant.CreateFieldIndexCollection) (vectordb.PayloadSchemaType, *vectordb.TextIndexParams, error) {
	params := r.GetFieldIndexParams()
	var schema vectordb.PayloadSchemaType
	if r.FieldType != nil {
		switch *r.FieldType {
		case qdrant.FieldType_FieldTypeKeyword:
			schema = vectordb.SchemaKeyword
		case qdrant.FieldType_FieldTypeInteger:
			schema = vectordb.SchemaInteger
		case qdrant.FieldType_FieldTypeFloat:
			schema = vectordb.SchemaFloat
		case qdrant.FieldType_FieldTypeText:
			schema = vectordb.SchemaText
		case qdrant.FieldType_FieldTypeBool:
			schema = vectordb.SchemaBool
		case qdrant.FieldType_FieldTypeDatetime:
			schema = vectordb.SchemaDatetime
		case qdrant.FieldType_FieldTypeUuid:
			schema = vectordb.SchemaUUID
		case qdrant.FieldType_FieldTypeGeo:
			return "", nil, unsupported("geo payload indexes")
		default:
			return "", nil, badInput("unknown field type %d", int32(*r.FieldType))
		}
	} else {
		switch params.GetIndexParams().(type) {
		case *qdrant.PayloadIndexParams_KeywordIndexParams:
			schema = vectordb.SchemaKeyword
		case *qdrant.PayloadIndexParams_IntegerIndexParams:
			schema = vectordb.SchemaInteger
		case *qdrant.PayloadIndexParams_FloatIndexParams:
			schema = vectordb.SchemaFloat
		case *qdrant.PayloadIndexParams_TextIndexParams:
			schema = vectordb.SchemaText
		case *qdrant.PayloadIndexParams_BoolIndexParams:
			schema = vectordb.SchemaBool
		case *qdrant.PayloadIndexParams_DatetimeIndexParams:
			schema = vectordb.SchemaDatetime
		case *qdrant.PayloadIndexParams_UuidIndexParams:
			schema = vectordb.SchemaUUID
		case *qdrant.PayloadIndexParams_GeoIndexParams:
			return "", nil, unsupported("geo payload indexes")
		default:
			return "", nil, badInput("field_type is required")
		}
	}
	tp := params.GetTextIndexParams()
	if tp == nil {
		return schema, nil, nil
	}
	if schema != vectordb.SchemaText {
		return "", nil, badInput("text index params given for a %s index", schema)
	}
	text := &vectordb.TextIndexParams{Lowercase: tp.Lowercase}
	switch tp.GetTokenizer() {
	case qdrant.TokenizerType_Unknown, qdrant.TokenizerType_Word:
		text.Tokenizer = "word"
	case qdrant.TokenizerType_Whitespace:
		text.Tokenizer = "whitespace"
	case qdrant.TokenizerType_Prefix:
		text.Tokenizer = "prefix"
	case qdrant.TokenizerType_Multilingual:
		text.Tokenizer = "multilingual"
	default:
		return "", nil, badInput("unknown tokenizer %d", int32(tp.GetTokenizer()))
	}
	if tp.MinTokenLen != nil {
		text.MinTokenLen = int(min(*tp.MinTokenLen, maxNameLen))
	}
	if tp.MaxTokenLen != nil {
		text.MaxTokenLen = int(min(*tp.MaxTokenLen, maxNameLen))
	}
	return schema, text, nil
}

func (s *pointsService) CreateFieldIndex(ctx context.Context, r *qdrant.CreateFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	op, err := createFieldIndexOp(r)
	return s.update(ctx, start, r, op, err)
}

func createFieldIndexOp(r *qdrant.CreateFieldIndexCollection) (batchOp, error) {
	field := r.GetFieldName()
	if err := checkName("field", field); err != nil {
		return nil, err
	}
	schema, text, err := fieldSchemaFromProto(r)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.CreateFieldIndex(ctx, coll, field, schema, text, wait)
	}, nil
}

func (s *pointsService) DeleteFieldIndex(ctx context.Context, r *qdrant.DeleteFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	field := r.GetFieldName()
	op := func(ctx context.Context, db *vectordb.DB, coll string, wait bool) (vectordb.UpdateResult, error) {
		return db.DeleteFieldIndex(ctx, coll, field, wait)
	}
	return s.update(ctx, start, r, op, checkName("field", field))
}

func (s *pointsService) Search(ctx context.Context, r *qdrant.SearchPoints) (*qdrant.SearchResponse, error) {
	start := time.Now()
	res, err := s.search(ctx, r.GetCollectionName(), r)
	if err != nil {
		return nil, err
	}
	return &qdrant.SearchResponse{Result: res, Time: since(start)}, nil
}

func (s *pointsService) search(ctx context.Context, coll string, r *qdrant.SearchPoints) ([]*qdrant.ScoredPoint, error) {
	q, err := searchFromProto(r)
	return s.scored(ctx, coll, r.Timeout, q, err)
}

func (s *pointsService) SearchBatch(ctx context.Context, r *qdrant.SearchBatchPoints) (*qdrant.SearchBatchResponse, error) {
	start := time.Now()
	res, err := batch(ctx, r.GetCollectionName(), r.GetSearchPoints(), r.Timeout, "searches", s.search)
	if err != nil {
		return nil, err
	}
	return &qdrant.SearchBatchResponse{Result: res, Time: since(start)}, nil
}

func (s *pointsService) Scroll(ctx context.Context, r *qdrant.ScrollPoints) (*qdrant.ScrollResponse, error) {
	start := time.Now()
	if err := checkTarget(r.GetCollectionName(), r.ShardKeySelector); err != nil {
		return nil, err
	}
	req := vectordb.ScrollRequest{
		Limit:       defaultLimit,
		WithPayload: payloadSelectorFromProto(r.GetWithPayload(), true),
		WithVector:  vectorSelectorFromProto(r.GetWithVectors()),
	}
	if r.Limit != nil {
		if *r.Limit > maxLimit {
			return nil, badInput("limit %d exceeds the maximum %d", *r.Limit, maxLimit)
		}
		if *r.Limit == 0 {
			return nil, badInput("limit: value 0 invalid, must be 1 or larger")
		}
		req.Limit = int(*r.Limit)
	}
	if r.Offset != nil {
		id, err := pointIDFromProto(r.Offset)
		if err != nil {
			return nil, err
		}
		req.Offset = &id
	}
	var err error
	if req.Filter, err = filterFromProto(r.GetFilter()); err != nil {
		return nil, err
	}
	if req.OrderBy, err = orderByFromProto(r.GetOrderBy()); err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.Scroll(ctx, r.GetCollectionName(), req)
	if err != nil {
		return nil, statusError(err)
	}
	out := &qdrant.ScrollResponse{Result: recordsToProto(res.Points), Time: since(start)}
	if res.NextPageOffset != nil {
		out.NextPageOffset = qdrantpb.PointIDToProto(*res.NextPageOffset)
	}
	return out, nil
}

func (s *pointsService) Recommend(ctx context.Context, r *qdrant.RecommendPoints) (*qdrant.RecommendResponse, error) {
	start := time.Now()
	res, err := s.recommend(ctx, r.GetCollectionName(), r)
	if err != nil {
		return nil, err
	}
	return &qdrant.RecommendResponse{Result: res, Time: since(start)}, nil
}

func (s *pointsService) recommend(ctx context.Context, coll string, r *qdrant.RecommendPoints) ([]*qdrant.ScoredPoint, error) {
	q, err := recommendFromProto(r)
	return s.scored(ctx, coll, r.Timeout, q, err)
}

func (s *pointsService) RecommendBatch(ctx context.Context, r *qdrant.RecommendBatchPoints) (*qdrant.RecommendBatchResponse, error) {
	start := time.Now()
	res, err := batch(ctx, r.GetCollectionName(), r.GetRecommendPoints(), r.Timeout, "recommendations", s.recommend)
	if err != nil {
		return nil, err
	}
	return &qdrant.RecommendBatchResponse{Result: res, Time: since(start)}, nil
}

func (s *pointsService) Count(ctx context.Context, r *qdrant.CountPoints) (*qdrant.CountResponse, error) {
	start := time.Now()
	if err := checkTarget(r.GetCollectionName(), r.ShardKeySelector); err != nil {
		return nil, err
	}
	f, err := filterFromProto(r.GetFilter())
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	n, err := s.db.Count(ctx, r.GetCollectionName(), f)
	if err != nil {
		return nil, statusError(err)
	}
	return &qdrant.CountResponse{Result: &qdrant.CountResult{Count: uint64(n)}, Time: since(start)}, nil
}

func (s *pointsService) Query(ctx context.Context, r *qdrant.QueryPoints) (*qdrant.QueryResponse, error) {
	start := time.Now()
	res, err := s.query(ctx, r.GetCollectionName(), r)
	if err != nil {
		return nil, err
	}
	return &qdrant.QueryResponse{Result: res, Time: since(start)}, nil
}

func (s *pointsService) query(ctx context.Context, coll string, r *qdrant.QueryPoints) ([]*qdrant.ScoredPoint, error) {
	q, err := queryFromProto(r)
	return s.scored(ctx, coll, r.Timeout, q, err)
}

func (s *pointsService) QueryBatch(ctx context.Context, r *qdrant.QueryBatchPoints) (*qdrant.QueryBatchResponse, error) {
	start := time.Now()
	res, err := batch(ctx, r.GetCollectionName(), r.GetQueryPoints(), r.Timeout, "queries", s.query)
	if err != nil {
		return nil, err
	}
	return &qdrant.QueryBatchResponse{Result: res, Time: since(start)}, nil
}

// scored checks the collection name, then runs q, converted from a request
// with the error convErr, and converts the hits.
func (s *pointsService) scored(ctx context.Context, coll string, timeout *uint64, q vectordb.QueryRequest, convErr error) ([]*qdrant.ScoredPoint, error) {
	if err := checkName("collection", coll); err != nil {
		return nil, err
	}
	if convErr != nil {
		return nil, convErr
	}
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	pts, err := s.db.Query(ctx, coll, q)
	if err != nil {
		return nil, statusError(err)
	}
	return scoredToProto(pts), nil
}

// batch runs the requests rs of a batch on collection coll with one, in
// order, within the batch's timeout; what names them in errors.
func batch[R any](ctx context.Context, coll string, rs []R, timeout *uint64, what string, one func(context.Context, string, R) ([]*qdrant.ScoredPoint, error)) ([]*qdrant.BatchResult, error) {
	if len(rs) > maxBatch {
		return nil, badInput("batch of %d %s exceeds the maximum %d", len(rs), what, maxBatch)
	}
	ctx, cancel := withTimeout(ctx, timeout)
	defer cancel()
	out := make([]*qdrant.BatchResult, len(rs))
	for i, r := range rs {
		res, err := one(ctx, coll, r)
		if err != nil {
			return nil, err
		}
		out[i] = &qdrant.BatchResult{Result: res}
	}
	return out, nil
}
