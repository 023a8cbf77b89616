package grpcapi

import (
	"math"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
)

// Bounds on queries from requests.
const (
	maxPrefetchDepth = 8       // nesting of prefetches
	maxPrefetches    = 64      // prefetches in one query, all levels
	maxLimit         = 1 << 20 // limit and offset of one query or scroll
	maxBatch         = 1024    // queries in one batch request
	maxExamples      = 1024    // recommend examples
	defaultLimit     = 10
)

// limitFromProto returns *l bounded, or def when absent.
func limitFromProto(what string, l *uint64, def int) (int, error) {
	if l == nil {
		return def, nil
	}
	if *l > maxLimit {
		return 0, badInput("%s %d exceeds the maximum %d", what, *l, maxLimit)
	}
	return int(*l), nil
}

func searchParamsFromProto(p *qdrant.SearchParams) (*vectordb.SearchParams, error) {
	if p == nil {
		return nil, nil
	}
	out := &vectordb.SearchParams{Exact: p.GetExact()}
	if p.HnswEf != nil {
		if *p.HnswEf > maxLimit {
			return nil, badInput("hnsw_ef %d exceeds the maximum %d", *p.HnswEf, maxLimit)
		}
		out.HnswEf = int(*p.HnswEf)
	}
	if q := p.GetQuantization(); q != nil {
		out.Quantization = &vectordb.QuantizationSearchParams{Ignore: q.GetIgnore(), Rescore: q.Rescore}
		if q.Oversampling != nil {
			if o := q.GetOversampling(); !(o >= 1 && o <= 1e6) {
				return nil, badInput("quantization.oversampling %v must be 1.0 or bigger", o)
			}
			out.Quantization.Oversampling = q.GetOversampling()
		}
	}
	return out, nil
}

func scoreThreshold(t *float32) (*float32, error) {
	if t != nil && (math.IsNaN(float64(*t)) || math.IsInf(float64(*t), 0)) {
		return nil, badInput("score_threshold is NaN or infinite")
	}
	return t, nil
}

// scoringFromProto converts the filter, search params and score threshold
// that queries, prefetches and the legacy requests share.
func scoringFromProto(f *qdrant.Filter, p *qdrant.SearchParams, t *float32) (*vectordb.Filter, *vectordb.SearchParams, *float32, error) {
	vf, err := filterFromProto(f)
	if err != nil {
		return nil, nil, nil, err
	}
	params, err := searchParamsFromProto(p)
	if err != nil {
		return nil, nil, nil, err
	}
	th, err := scoreThreshold(t)
	if err != nil {
		return nil, nil, nil, err
	}
	return vf, params, th, nil
}

// legacyLimitsFromProto converts the limit (required: 0 is invalid) and
// offset of a legacy search or recommend request.
func legacyLimitsFromProto(limit uint64, offset *uint64) (int, int, error) {
	if limit == 0 {
		return 0, 0, badInput("limit: value 0 invalid, must be 1 or larger")
	}
	n, err := limitFromProto("limit", &limit, defaultLimit)
	if err != nil {
		return 0, 0, err
	}
	off, err := limitFromProto("offset", offset, 0)
	if err != nil {
		return 0, 0, err
	}
	return n, off, nil
}

// vectorInputFromProto converts a query input: a dense or sparse vector or
// the id of a stored point.
func vectorInputFromProto(v *qdrant.VectorInput) (vectordb.VectorInput, error) {
	switch k := v.GetVariant().(type) {
	case *qdrant.VectorInput_Id:
		id, err := pointIDFromProto(k.Id)
		return vectordb.VectorInput{ID: &id}, err
	case *qdrant.VectorInput_Dense:
		if len(k.Dense.GetData()) == 0 {
			return vectordb.VectorInput{}, badInput("query vector is empty")
		}
		return vectordb.VectorInput{Dense: k.Dense.GetData()}, nil
	case *qdrant.VectorInput_Sparse:
		sv, err := sparseFromProto(k.Sparse.GetIndices(), k.Sparse.GetValues())
		return vectordb.VectorInput{Sparse: sv}, err
	case *qdrant.VectorInput_MultiDense:
		return vectordb.VectorInput{}, unsupported("multi-vector queries")
	case *qdrant.VectorInput_Document, *qdrant.VectorInput_Image, *qdrant.VectorInput_Object:
		return vectordb.VectorInput{}, unsupported("server-side inference (document, image and object queries)")
	default:
		return vectordb.VectorInput{}, badInput("query vector input is empty")
	}
}

func vectorInputsFromProto(vs []*qdrant.VectorInput) ([]vectordb.VectorInput, error) {
	if len(vs) > maxExamples {
		return nil, badInput("more than %d examples", maxExamples)
	}
	out := make([]vectordb.VectorInput, len(vs))
	for i, v := range vs {
		in, err := vectorInputFromProto(v)
		if err != nil {
			return nil, err
		}
		out[i] = in
	}
	return out, nil
}

func strategyFromProto(s *qdrant.RecommendStrategy) (vectordb.RecommendStrategy, error) {
	if s == nil {
		return vectordb.RecommendAverageVector, nil
	}
	switch *s {
	case qdrant.RecommendStrategy_AverageVector:
		return vectordb.RecommendAverageVector, nil
	case qdrant.RecommendStrategy_BestScore:
		return vectordb.RecommendBestScore, nil
	case qdrant.RecommendStrategy_SumScores:
		return vectordb.RecommendSumScores, nil
	default:
		return "", badInput("unknown recommend strategy %d", int32(*s))
	}
}

func directionFromProto(d *qdrant.Direction) (vectordb.Direction, error) {
	if d == nil {
		return vectordb.Asc, nil
	}
	switch *d {
	case qdrant.Direction_Asc:
		return vectordb.Asc, nil
	case qdrant.Direction_Desc:
		return vectordb.Desc, nil
	default:
		return "", badInput("unknown order direction %d", int32(*d))
	}
}

func orderByFromProto(o *qdrant.OrderBy) (*vectordb.OrderBy, error) {
	if o == nil {
		return nil, nil
	}
	if err := checkName("order_by key", o.GetKey()); err != nil {
		return nil, err
	}
	dir, err := directionFromProto(o.Direction)
	if err != nil {
		return nil, err
	}
	out := &vectordb.OrderBy{Key: o.GetKey(), Direction: dir}
	switch k := o.GetStartFrom().GetValue().(type) {
	case nil:
	case *qdrant.StartFrom_Float:
		if math.IsNaN(k.Float) {
			return nil, badInput("order_by start_from is NaN")
		}
		out.StartFrom = k.Float
	case *qdrant.StartFrom_Integer:
		out.StartFrom = k.Integer
	case *qdrant.StartFrom_Timestamp:
		if err := k.Timestamp.CheckValid(); err != nil {
			return nil, badInput("order_by start_from: %v", err)
		}
		out.StartFrom = k.Timestamp.AsTime()
	case *qdrant.StartFrom_Datetime:
		t, err := parseDatetime(k.Datetime)
		if err != nil {
			return nil, err
		}
		out.StartFrom = t
	default:
		return nil, badInput("unknown order_by start_from kind %T", k)
	}
	return out, nil
}

// parseDatetime accepts RFC 3339 and the looser forms Qdrant accepts
// (no zone means UTC; a space may replace the T; a bare date).
func parseDatetime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badInput("invalid datetime %q: want RFC 3339", truncate(s))
}

// queryConv converts one request's query tree and counts prefetches.
type queryConv struct {
	prefetches int
}

func (c *queryConv) query(q *qdrant.Query) (*vectordb.Query, error) {
	if q == nil {
		return nil, nil
	}
	switch k := q.GetVariant().(type) {
	case *qdrant.Query_Nearest:
		in, err := vectorInputFromProto(k.Nearest)
		if err != nil {
			return nil, err
		}
		return &vectordb.Query{Nearest: &in}, nil
	case *qdrant.Query_Recommend:
		pos, err := vectorInputsFromProto(k.Recommend.GetPositive())
		if err != nil {
			return nil, err
		}
		neg, err := vectorInputsFromProto(k.Recommend.GetNegative())
		if err != nil {
			return nil, err
		}
		st, err := strategyFromProto(k.Recommend.Strategy)
		if err != nil {
			return nil, err
		}
		return &vectordb.Query{Recommend: &vectordb.RecommendInput{Positive: pos, Negative: neg, Strategy: st}}, nil
	case *qdrant.Query_Fusion:
		switch k.Fusion {
		case qdrant.Fusion_RRF:
			return &vectordb.Query{Fusion: vectordb.FusionRRF}, nil
		case qdrant.Fusion_DBSF:
			return &vectordb.Query{Fusion: vectordb.FusionDBSF}, nil
		default:
			return nil, badInput("unknown fusion %d", int32(k.Fusion))
		}
	case *qdrant.Query_Rrf:
		if k.Rrf.K != nil || len(k.Rrf.Weights) > 0 {
			return nil, unsupported("parameterised RRF (k, weights); use fusion RRF")
		}
		return &vectordb.Query{Fusion: vectordb.FusionRRF}, nil
	case *qdrant.Query_OrderBy:
		ob, err := orderByFromProto(k.OrderBy)
		if err != nil {
			return nil, err
		}
		return &vectordb.Query{OrderBy: ob}, nil
	case *qdrant.Query_Discover:
		return nil, unsupported("discover queries")
	case *qdrant.Query_Context:
		return nil, unsupported("context queries")
	case *qdrant.Query_Sample:
		return nil, unsupported("random sample queries")
	case *qdrant.Query_Formula:
		return nil, unsupported("formula queries")
	case *qdrant.Query_NearestWithMmr:
		return nil, unsupported("MMR queries")
	case *qdrant.Query_RelevanceFeedback:
		return nil, unsupported("relevance feedback queries")
	case nil:
		return nil, nil
	default:
		return nil, badInput("unknown query kind %T", k)
	}
}

func (c *queryConv) prefetch(ps []*qdrant.PrefetchQuery, depth int) ([]vectordb.Prefetch, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	if depth > maxPrefetchDepth {
		return nil, badInput("prefetch nested deeper than %d levels", maxPrefetchDepth)
	}
	out := make([]vectordb.Prefetch, 0, len(ps))
	for _, p := range ps {
		c.prefetches++
		if c.prefetches > maxPrefetches {
			return nil, badInput("more than %d prefetches", maxPrefetches)
		}
		if p.LookupFrom != nil {
			return nil, unsupported("lookup_from")
		}
		sub, err := c.prefetch(p.GetPrefetch(), depth+1)
		if err != nil {
			return nil, err
		}
		q, err := c.query(p.GetQuery())
		if err != nil {
			return nil, err
		}
		f, params, th, err := scoringFromProto(p.GetFilter(), p.GetParams(), p.ScoreThreshold)
		if err != nil {
			return nil, err
		}
		limit, err := limitFromProto("prefetch limit", p.Limit, defaultLimit)
		if err != nil {
			return nil, err
		}
		out = append(out, vectordb.Prefetch{
			Prefetch: sub, Query: q, Using: p.GetUsing(), Filter: f,
			Params: params, ScoreThreshold: th, Limit: limit,
		})
	}
	return out, nil
}

// queryFromProto converts a universal query request.
func queryFromProto(r *qdrant.QueryPoints) (vectordb.QueryRequest, error) {
	if r.ShardKeySelector != nil {
		return vectordb.QueryRequest{}, unsupported("shard key selectors")
	}
	if r.LookupFrom != nil {
		return vectordb.QueryRequest{}, unsupported("lookup_from")
	}
	var c queryConv
	pre, err := c.prefetch(r.GetPrefetch(), 1)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	q, err := c.query(r.GetQuery())
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	f, params, th, err := scoringFromProto(r.GetFilter(), r.GetParams(), r.ScoreThreshold)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	limit, err := limitFromProto("limit", r.Limit, defaultLimit)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	offset, err := limitFromProto("offset", r.Offset, 0)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	return vectordb.QueryRequest{
		Prefetch: pre, Query: q, Using: r.GetUsing(), Filter: f,
		Params: params, ScoreThreshold: th, Limit: limit, Offset: offset,
		WithPayload: payloadSelectorFromProto(r.GetWithPayload(), false),
		WithVector:  vectorSelectorFromProto(r.GetWithVectors()),
	}, nil
}

// searchFromProto translates a legacy search request into a universal
// query: nearest to the dense vector, or to the sparse one when
// sparse_indices is set.
func searchFromProto(r *qdrant.SearchPoints) (vectordb.QueryRequest, error) {
	if r.ShardKeySelector != nil {
		return vectordb.QueryRequest{}, unsupported("shard key selectors")
	}
	var in vectordb.VectorInput
	if r.SparseIndices != nil {
		sv, err := sparseFromProto(r.SparseIndices.GetData(), r.GetVector())
		if err != nil {
			return vectordb.QueryRequest{}, err
		}
		in.Sparse = sv
	} else {
		if len(r.GetVector()) == 0 {
			return vectordb.QueryRequest{}, badInput("query vector is empty")
		}
		in.Dense = r.GetVector()
	}
	n, offset, err := legacyLimitsFromProto(r.GetLimit(), r.Offset)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	f, params, th, err := scoringFromProto(r.GetFilter(), r.GetParams(), r.ScoreThreshold)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	return vectordb.QueryRequest{
		Query: &vectordb.Query{Nearest: &in}, Using: r.GetVectorName(), Filter: f,
		Params: params, ScoreThreshold: th, Limit: n, Offset: offset,
		WithPayload: payloadSelectorFromProto(r.GetWithPayload(), false),
		WithVector:  vectorSelectorFromProto(r.GetWithVectors()),
	}, nil
}

// recommendFromProto translates a legacy recommend request into a
// universal recommend query.
func recommendFromProto(r *qdrant.RecommendPoints) (vectordb.QueryRequest, error) {
	if r.ShardKeySelector != nil {
		return vectordb.QueryRequest{}, unsupported("shard key selectors")
	}
	if r.LookupFrom != nil {
		return vectordb.QueryRequest{}, unsupported("lookup_from")
	}
	if len(r.GetPositive())+len(r.GetNegative())+len(r.GetPositiveVectors())+len(r.GetNegativeVectors()) > maxExamples {
		return vectordb.QueryRequest{}, badInput("more than %d examples", maxExamples)
	}
	examples := func(ids []*qdrant.PointId, vecs []*qdrant.Vector) ([]vectordb.VectorInput, error) {
		var out []vectordb.VectorInput
		for _, p := range ids {
			id, err := pointIDFromProto(p)
			if err != nil {
				return nil, err
			}
			out = append(out, vectordb.VectorInput{ID: &id})
		}
		for _, pv := range vecs {
			v, err := vectorFromProto(pv)
			if err != nil {
				return nil, err
			}
			out = append(out, vectordb.VectorInput{Dense: v.Dense, Sparse: v.Sparse})
		}
		return out, nil
	}
	pos, err := examples(r.GetPositive(), r.GetPositiveVectors())
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	neg, err := examples(r.GetNegative(), r.GetNegativeVectors())
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	st, err := strategyFromProto(r.Strategy)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	n, offset, err := legacyLimitsFromProto(r.GetLimit(), r.Offset)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	f, params, th, err := scoringFromProto(r.GetFilter(), r.GetParams(), r.ScoreThreshold)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	return vectordb.QueryRequest{
		Query:  &vectordb.Query{Recommend: &vectordb.RecommendInput{Positive: pos, Negative: neg, Strategy: st}},
		Using:  r.GetUsing(),
		Filter: f, Params: params, ScoreThreshold: th, Limit: n, Offset: offset,
		WithPayload: payloadSelectorFromProto(r.GetWithPayload(), false),
		WithVector:  vectorSelectorFromProto(r.GetWithVectors()),
	}, nil
}
