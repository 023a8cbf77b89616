package grpcapi

import (
	"context"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
)

// pointsService implements qdrant.Points over a vectordb.DB.
type pointsService struct {
	qdrant.UnimplementedPointsServer
	db *vectordb.DB
}

func opResponse(start time.Time, r vectordb.UpdateResult, err error) (*qdrant.PointsOperationResponse, error) {
	if err != nil {
		return nil, statusError(err)
	}
	return &qdrant.PointsOperationResponse{Result: updateResultToProto(r), Time: since(start)}, nil
}

func (s *pointsService) Upsert(ctx context.Context, r *qdrant.UpsertPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	if r.UpdateFilter != nil {
		return nil, unsupported("conditional upsert (update_filter)")
	}
	if r.UpdateMode != nil && *r.UpdateMode != qdrant.UpdateMode_Upsert {
		return nil, unsupported("update_mode %s", r.UpdateMode.String())
	}
	points := make([]vectordb.PointStruct, len(r.GetPoints()))
	for i, p := range r.GetPoints() {
		vp, err := pointFromProto(p)
		if err != nil {
			return nil, err
		}
		points[i] = vp
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.Upsert(ctx, r.GetCollectionName(), points, r.GetWait())
	return opResponse(start, res, err)
}

func (s *pointsService) Delete(ctx context.Context, r *qdrant.DeletePoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	sel, err := pointsSelectorFromProto(r.GetPoints())
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.Delete(ctx, r.GetCollectionName(), sel, r.GetWait())
	return opResponse(start, res, err)
}

func (s *pointsService) Get(ctx context.Context, r *qdrant.GetPoints) (*qdrant.GetResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
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
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	if r.UpdateFilter != nil {
		return nil, unsupported("conditional update (update_filter)")
	}
	pvs := make([]vectordb.PointVectors, len(r.GetPoints()))
	for i, p := range r.GetPoints() {
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
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.UpdateVectors(ctx, r.GetCollectionName(), pvs, r.GetWait())
	return opResponse(start, res, err)
}

func (s *pointsService) DeleteVectors(ctx context.Context, r *qdrant.DeletePointVectors) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	sel, err := pointsSelectorFromProto(r.GetPointsSelector())
	if err != nil {
		return nil, err
	}
	names := r.GetVectors().GetNames()
	if len(names) == 0 {
		return nil, badInput("no vector names given")
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.DeleteVectors(ctx, r.GetCollectionName(), names, sel, r.GetWait())
	return opResponse(start, res, err)
}

func (s *pointsService) SetPayload(ctx context.Context, r *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	sel, err := pointsSelectorFromProto(r.GetPointsSelector())
	if err != nil {
		return nil, err
	}
	pl, err := payloadFromProto(r.GetPayload())
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.SetPayload(ctx, r.GetCollectionName(), pl, sel, r.GetKey(), r.GetWait())
	return opResponse(start, res, err)
}

func (s *pointsService) OverwritePayload(ctx context.Context, r *qdrant.SetPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	if r.GetKey() != "" {
		return nil, unsupported("overwrite payload under a key")
	}
	sel, err := pointsSelectorFromProto(r.GetPointsSelector())
	if err != nil {
		return nil, err
	}
	pl, err := payloadFromProto(r.GetPayload())
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.OverwritePayload(ctx, r.GetCollectionName(), pl, sel, r.GetWait())
	return opResponse(start, res, err)
}

func (s *pointsService) DeletePayload(ctx context.Context, r *qdrant.DeletePayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	sel, err := pointsSelectorFromProto(r.GetPointsSelector())
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.DeletePayload(ctx, r.GetCollectionName(), r.GetKeys(), sel, r.GetWait())
	return opResponse(start, res, err)
}

func (s *pointsService) ClearPayload(ctx context.Context, r *qdrant.ClearPayloadPoints) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
	}
	sel, err := pointsSelectorFromProto(r.GetPoints())
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.ClearPayload(ctx, r.GetCollectionName(), sel, r.GetWait())
	return opResponse(start, res, err)
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
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if err := checkName("field", r.GetFieldName()); err != nil {
		return nil, err
	}
	schema, text, err := fieldSchemaFromProto(r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.CreateFieldIndex(ctx, r.GetCollectionName(), r.GetFieldName(), schema, text, r.GetWait())
	return opResponse(start, res, err)
}

func (s *pointsService) DeleteFieldIndex(ctx context.Context, r *qdrant.DeleteFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if err := checkName("field", r.GetFieldName()); err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	res, err := s.db.DeleteFieldIndex(ctx, r.GetCollectionName(), r.GetFieldName(), r.GetWait())
	return opResponse(start, res, err)
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
	if err := checkName("collection", coll); err != nil {
		return nil, err
	}
	q, err := searchFromProto(r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	pts, err := s.db.Query(ctx, coll, q)
	if err != nil {
		return nil, statusError(err)
	}
	return scoredToProto(pts), nil
}

func (s *pointsService) SearchBatch(ctx context.Context, r *qdrant.SearchBatchPoints) (*qdrant.SearchBatchResponse, error) {
	start := time.Now()
	if len(r.GetSearchPoints()) > maxBatch {
		return nil, badInput("batch of %d searches exceeds the maximum %d", len(r.GetSearchPoints()), maxBatch)
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	out := make([]*qdrant.BatchResult, len(r.GetSearchPoints()))
	for i, sp := range r.GetSearchPoints() {
		res, err := s.search(ctx, r.GetCollectionName(), sp)
		if err != nil {
			return nil, err
		}
		out[i] = &qdrant.BatchResult{Result: res}
	}
	return &qdrant.SearchBatchResponse{Result: out, Time: since(start)}, nil
}

func (s *pointsService) Scroll(ctx context.Context, r *qdrant.ScrollPoints) (*qdrant.ScrollResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
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
		out.NextPageOffset = pointIDToProto(*res.NextPageOffset)
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
	if err := checkName("collection", coll); err != nil {
		return nil, err
	}
	q, err := recommendFromProto(r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	pts, err := s.db.Query(ctx, coll, q)
	if err != nil {
		return nil, statusError(err)
	}
	return scoredToProto(pts), nil
}

func (s *pointsService) RecommendBatch(ctx context.Context, r *qdrant.RecommendBatchPoints) (*qdrant.RecommendBatchResponse, error) {
	start := time.Now()
	if len(r.GetRecommendPoints()) > maxBatch {
		return nil, badInput("batch of %d recommendations exceeds the maximum %d", len(r.GetRecommendPoints()), maxBatch)
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	out := make([]*qdrant.BatchResult, len(r.GetRecommendPoints()))
	for i, rp := range r.GetRecommendPoints() {
		res, err := s.recommend(ctx, r.GetCollectionName(), rp)
		if err != nil {
			return nil, err
		}
		out[i] = &qdrant.BatchResult{Result: res}
	}
	return &qdrant.RecommendBatchResponse{Result: out, Time: since(start)}, nil
}

func (s *pointsService) Count(ctx context.Context, r *qdrant.CountPoints) (*qdrant.CountResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	if r.ShardKeySelector != nil {
		return nil, unsupported("shard key selectors")
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
	if err := checkName("collection", coll); err != nil {
		return nil, err
	}
	q, err := queryFromProto(r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	pts, err := s.db.Query(ctx, coll, q)
	if err != nil {
		return nil, statusError(err)
	}
	return scoredToProto(pts), nil
}

func (s *pointsService) QueryBatch(ctx context.Context, r *qdrant.QueryBatchPoints) (*qdrant.QueryBatchResponse, error) {
	start := time.Now()
	if len(r.GetQueryPoints()) > maxBatch {
		return nil, badInput("batch of %d queries exceeds the maximum %d", len(r.GetQueryPoints()), maxBatch)
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	out := make([]*qdrant.BatchResult, len(r.GetQueryPoints()))
	for i, qp := range r.GetQueryPoints() {
		res, err := s.query(ctx, r.GetCollectionName(), qp)
		if err != nil {
			return nil, err
		}
		out[i] = &qdrant.BatchResult{Result: res}
	}
	return &qdrant.QueryBatchResponse{Result: out, Time: since(start)}, nil
}
