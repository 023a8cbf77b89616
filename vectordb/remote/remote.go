// Package remote is the client MemexFS uses to keep its points in a remote
// Qdrant (or another nexus node) instead of the embedded engine: Client
// speaks Qdrant's gRPC API through the official Go client and vectordb's
// types, converted by the same code the gRPC server uses.
//
//	c, err := remote.DialURL("grpc://localhost:6334", apiKey)
//	defer c.Close()
//	ok, err := c.CollectionExists(ctx, "memex")
package remote

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/internal/qdrantpb"
)

// Client is a client of a Qdrant server — a real Qdrant cluster or another
// nexus node — through the official Go client (gRPC), speaking vectordb's
// types. It lets MemexFS send the same requests to a remote store that it
// sends to the embedded engine (it implements memex.Store, as *vectordb.DB
// does). Every method takes the caller's context and returns the server's
// or the network's errors. It is safe for concurrent use.
type Client struct {
	c       *qdrant.Client
	timeout time.Duration
}

// DialURL connects to a Qdrant gRPC endpoint given as
// "grpc://host:6334" (or "grpcs://" for TLS; a bare "host:port" also
// works). apiKey is sent as Qdrant's api-key.
func DialURL(raw, apiKey string) (*Client, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		u, err = url.Parse("grpc://" + raw)
		if err != nil {
			return nil, fmt.Errorf("qdrant url %q: %w", raw, err)
		}
	}
	host, port := u.Hostname(), 6334
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("qdrant url %q: bad port", raw)
		}
	}
	c, err := qdrant.NewClient(&qdrant.Config{Host: host, Port: port, APIKey: apiKey, UseTLS: u.Scheme == "grpcs" || u.Scheme == "https",
		SkipCompatibilityCheck: true}) // the API is what we check, not version strings
	if err != nil {
		return nil, fmt.Errorf("connect to qdrant %s: %w", raw, err)
	}
	return &Client{c: c, timeout: 30 * time.Second}, nil
}

// Close closes the connection.
func (r *Client) Close() error { return r.c.Close() }

// bounded returns ctx limited to the client's per-call timeout, for the
// calls that had no deadline of their own before they took a context.
func (r *Client) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

func remoteErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("remote qdrant %s: %w", op, err)
}

// CollectionExists reports whether the collection exists. A network or
// server error is returned as such, never as false.
func (r *Client) CollectionExists(ctx context.Context, name string) (bool, error) {
	ctx, cancel := r.bounded(ctx)
	defer cancel()
	ok, err := r.c.CollectionExists(ctx, name)
	if err != nil {
		return false, remoteErr("collection exists", err)
	}
	return ok, nil
}

// CollectionInfo returns the point count and vector configuration.
func (r *Client) CollectionInfo(ctx context.Context, name string) (vectordb.CollectionInfo, error) {
	ctx, cancel := r.bounded(ctx)
	defer cancel()
	in, err := r.c.GetCollectionInfo(ctx, name)
	if err != nil {
		return vectordb.CollectionInfo{}, remoteErr("collection info", err)
	}
	out := vectordb.CollectionInfo{Status: vectordb.CollectionStatus(in.GetStatus().String()), PointsCount: int(in.GetPointsCount()),
		Config: vectordb.CollectionConfig{Vectors: map[string]vectordb.VectorParams{}, SparseVectors: map[string]vectordb.SparseVectorParams{}}}
	vc := in.GetConfig().GetParams().GetVectorsConfig()
	if p := vc.GetParams(); p != nil {
		d, _ := qdrantpb.DistanceFromProto(p.GetDistance())
		out.Config.Vectors[vectordb.DefaultVector] = vectordb.VectorParams{Size: int(p.GetSize()), Distance: d}
	}
	for n, p := range vc.GetParamsMap().GetMap() {
		d, _ := qdrantpb.DistanceFromProto(p.GetDistance())
		out.Config.Vectors[n] = vectordb.VectorParams{Size: int(p.GetSize()), Distance: d}
	}
	for n, p := range in.GetConfig().GetParams().GetSparseVectorsConfig().GetMap() {
		m := vectordb.ModifierNone
		if p.GetModifier() == qdrant.Modifier_Idf {
			m = vectordb.ModifierIDF
		}
		out.Config.SparseVectors[n] = vectordb.SparseVectorParams{Modifier: m}
	}
	return out, nil
}

// CreateCollection creates a collection with dense and sparse vectors.
func (r *Client) CreateCollection(ctx context.Context, name string, cfg vectordb.CollectionConfig) error {
	req := &qdrant.CreateCollection{CollectionName: name}
	if p, ok := cfg.Vectors[vectordb.DefaultVector]; ok && len(cfg.Vectors) == 1 {
		req.VectorsConfig = qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: uint64(p.Size), Distance: qdrantpb.DistanceToProto(p.Distance)})
	} else if len(cfg.Vectors) > 0 {
		m := map[string]*qdrant.VectorParams{}
		for n, p := range cfg.Vectors {
			m[n] = &qdrant.VectorParams{Size: uint64(p.Size), Distance: qdrantpb.DistanceToProto(p.Distance)}
		}
		req.VectorsConfig = qdrant.NewVectorsConfigMap(m)
	}
	if len(cfg.SparseVectors) > 0 {
		m := map[string]*qdrant.SparseVectorParams{}
		for n, p := range cfg.SparseVectors {
			sp := &qdrant.SparseVectorParams{}
			if p.Modifier == vectordb.ModifierIDF {
				sp.Modifier = qdrant.Modifier_Idf.Enum()
			}
			m[n] = sp
		}
		req.SparseVectorsConfig = qdrant.NewSparseVectorsConfig(m)
	}
	return remoteErr("create collection", r.c.CreateCollection(ctx, req))
}

var fieldTypes = map[vectordb.PayloadSchemaType]qdrant.FieldType{
	vectordb.SchemaKeyword: qdrant.FieldType_FieldTypeKeyword, vectordb.SchemaInteger: qdrant.FieldType_FieldTypeInteger,
	vectordb.SchemaFloat: qdrant.FieldType_FieldTypeFloat, vectordb.SchemaBool: qdrant.FieldType_FieldTypeBool,
	vectordb.SchemaDatetime: qdrant.FieldType_FieldTypeDatetime, vectordb.SchemaText: qdrant.FieldType_FieldTypeText,
	vectordb.SchemaUUID: qdrant.FieldType_FieldTypeUuid,
}

// CreateFieldIndex creates a payload index.
func (r *Client) CreateFieldIndex(ctx context.Context, coll, field string, schema vectordb.PayloadSchemaType, text *vectordb.TextIndexParams, wait bool) (vectordb.UpdateResult, error) {
	ft, ok := fieldTypes[schema]
	if !ok {
		return vectordb.UpdateResult{}, vectordb.BadInput("unknown payload schema %q", schema)
	}
	res, err := r.c.CreateFieldIndex(ctx, &qdrant.CreateFieldIndexCollection{CollectionName: coll, FieldName: field, FieldType: &ft, Wait: &wait})
	return updateFromProto(res), remoteErr("create field index", err)
}

func updateFromProto(r *qdrant.UpdateResult) vectordb.UpdateResult {
	if r == nil {
		return vectordb.UpdateResult{}
	}
	st := vectordb.Acknowledged
	if r.GetStatus() == qdrant.UpdateStatus_Completed {
		st = vectordb.Completed
	}
	return vectordb.UpdateResult{OperationID: r.GetOperationId(), Status: st}
}

// Upsert writes points.
func (r *Client) Upsert(ctx context.Context, coll string, points []vectordb.PointStruct, wait bool) (vectordb.UpdateResult, error) {
	ps := make([]*qdrant.PointStruct, len(points))
	for i, p := range points {
		ps[i] = qdrantpb.PointToProto(p)
	}
	res, err := r.c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: coll, Wait: &wait, Points: ps})
	return updateFromProto(res), remoteErr("upsert", err)
}

func selectorToProto(sel vectordb.PointsSelector) *qdrant.PointsSelector {
	if sel.Filter != nil {
		return qdrant.NewPointsSelectorFilter(qdrantpb.FilterToProto(sel.Filter))
	}
	return qdrant.NewPointsSelector(qdrantpb.PointIDsToProto(sel.IDs)...)
}

// Delete removes the selected points.
func (r *Client) Delete(ctx context.Context, coll string, sel vectordb.PointsSelector, wait bool) (vectordb.UpdateResult, error) {
	res, err := r.c.Delete(ctx, &qdrant.DeletePoints{CollectionName: coll, Wait: &wait, Points: selectorToProto(sel)})
	return updateFromProto(res), remoteErr("delete", err)
}

func withPayloadToProto(s vectordb.PayloadSelector) *qdrant.WithPayloadSelector {
	switch {
	case len(s.Include) > 0:
		return qdrant.NewWithPayloadInclude(s.Include...)
	case len(s.Exclude) > 0:
		return qdrant.NewWithPayloadExclude(s.Exclude...)
	}
	return qdrant.NewWithPayload(s.All)
}

func withVectorsToProto(s vectordb.VectorSelector) *qdrant.WithVectorsSelector {
	if len(s.Names) > 0 {
		return qdrant.NewWithVectorsInclude(s.Names...)
	}
	return qdrant.NewWithVectors(s.All)
}

// Scroll pages through points.
func (r *Client) Scroll(ctx context.Context, coll string, req vectordb.ScrollRequest) (vectordb.ScrollResult, error) {
	limit := uint32(req.Limit)
	if limit == 0 {
		limit = 10
	}
	pr := &qdrant.ScrollPoints{CollectionName: coll, Filter: qdrantpb.FilterToProto(req.Filter), Limit: &limit,
		WithPayload: withPayloadToProto(req.WithPayload), WithVectors: withVectorsToProto(req.WithVector)}
	if req.Offset != nil {
		pr.Offset = qdrantpb.PointIDToProto(*req.Offset)
	}
	pts, next, err := r.c.ScrollAndOffset(ctx, pr)
	if err != nil {
		return vectordb.ScrollResult{}, remoteErr("scroll", err)
	}
	out := vectordb.ScrollResult{Points: make([]vectordb.Record, 0, len(pts))}
	for _, p := range pts {
		rec, err := recordFromProto(p.GetId(), p.GetPayload(), p.GetVectors())
		if err != nil {
			return vectordb.ScrollResult{}, err
		}
		out.Points = append(out.Points, rec)
	}
	if next != nil {
		id, err := qdrantpb.PointIDFromProto(next)
		if err != nil {
			return vectordb.ScrollResult{}, err
		}
		out.NextPageOffset = &id
	}
	return out, nil
}

func recordFromProto(id *qdrant.PointId, pl map[string]*qdrant.Value, v *qdrant.VectorsOutput) (vectordb.Record, error) {
	pid, err := qdrantpb.PointIDFromProto(id)
	if err != nil {
		return vectordb.Record{}, err
	}
	rec := vectordb.Record{ID: pid}
	if pl != nil {
		if rec.Payload, err = qdrantpb.PayloadFromProto(pl); err != nil {
			return vectordb.Record{}, err
		}
	}
	rec.Vectors = vectorsOutputFromProto(v)
	return rec, nil
}

func vectorOutputFromProto(v *qdrant.VectorOutput) vectordb.Vector {
	switch x := v.GetVector().(type) {
	case *qdrant.VectorOutput_Dense:
		return vectordb.Vector{Dense: x.Dense.GetData()}
	case *qdrant.VectorOutput_Sparse:
		return vectordb.Vector{Sparse: &vectordb.SparseVector{Indices: x.Sparse.GetIndices(), Values: x.Sparse.GetValues()}}
	}
	if idx := v.GetIndices(); idx != nil { // deprecated fields of older servers
		return vectordb.Vector{Sparse: &vectordb.SparseVector{Indices: idx.GetData(), Values: v.GetData()}}
	}
	return vectordb.Vector{Dense: v.GetData()}
}

func vectorsOutputFromProto(v *qdrant.VectorsOutput) vectordb.NamedVectors {
	switch x := v.GetVectorsOptions().(type) {
	case *qdrant.VectorsOutput_Vector:
		return vectordb.NamedVectors{vectordb.DefaultVector: vectorOutputFromProto(x.Vector)}
	case *qdrant.VectorsOutput_Vectors:
		out := vectordb.NamedVectors{}
		for n, vo := range x.Vectors.GetVectors() {
			out[n] = vectorOutputFromProto(vo)
		}
		return out
	}
	return nil
}

func vectorInputToProto(v vectordb.VectorInput) *qdrant.VectorInput {
	switch {
	case v.ID != nil:
		return qdrant.NewVectorInputID(qdrantpb.PointIDToProto(*v.ID))
	case v.Sparse != nil:
		return qdrant.NewVectorInputSparse(v.Sparse.Indices, v.Sparse.Values)
	}
	return qdrant.NewVectorInputDense(v.Dense)
}

func queryToProto(q *vectordb.Query) (*qdrant.Query, error) {
	switch {
	case q == nil:
		return nil, nil
	case q.Nearest != nil:
		return qdrant.NewQueryNearest(vectorInputToProto(*q.Nearest)), nil
	case q.Fusion == vectordb.FusionRRF:
		return qdrant.NewQueryFusion(qdrant.Fusion_RRF), nil
	case q.Fusion == vectordb.FusionDBSF:
		return qdrant.NewQueryFusion(qdrant.Fusion_DBSF), nil
	case q.Recommend != nil:
		in := &qdrant.RecommendInput{}
		for _, p := range q.Recommend.Positive {
			in.Positive = append(in.Positive, vectorInputToProto(p))
		}
		for _, n := range q.Recommend.Negative {
			in.Negative = append(in.Negative, vectorInputToProto(n))
		}
		if q.Recommend.Strategy == vectordb.RecommendBestScore {
			in.Strategy = qdrant.RecommendStrategy_BestScore.Enum()
		}
		return qdrant.NewQueryRecommend(in), nil
	case q.OrderBy != nil:
		ob := &qdrant.OrderBy{Key: q.OrderBy.Key}
		if q.OrderBy.Direction == vectordb.Desc {
			ob.Direction = qdrant.Direction_Desc.Enum()
		}
		return qdrant.NewQueryOrderBy(ob), nil
	}
	return nil, vectordb.BadInput("query kind not supported by the remote adapter")
}

func paramsToProto(p *vectordb.SearchParams) *qdrant.SearchParams {
	if p == nil {
		return nil
	}
	out := &qdrant.SearchParams{Exact: &p.Exact}
	if p.HnswEf > 0 {
		ef := uint64(p.HnswEf)
		out.HnswEf = &ef
	}
	return out
}

func prefetchToProto(ps []vectordb.Prefetch) ([]*qdrant.PrefetchQuery, error) {
	var out []*qdrant.PrefetchQuery
	for _, p := range ps {
		sub, err := prefetchToProto(p.Prefetch)
		if err != nil {
			return nil, err
		}
		q, err := queryToProto(p.Query)
		if err != nil {
			return nil, err
		}
		pq := &qdrant.PrefetchQuery{Prefetch: sub, Query: q, Filter: qdrantpb.FilterToProto(p.Filter), Params: paramsToProto(p.Params), ScoreThreshold: p.ScoreThreshold}
		if p.Using != "" {
			u := p.Using
			pq.Using = &u
		}
		if p.Limit > 0 {
			l := uint64(p.Limit)
			pq.Limit = &l
		}
		out = append(out, pq)
	}
	return out, nil
}

// Query runs a universal query.
func (r *Client) Query(ctx context.Context, coll string, req vectordb.QueryRequest) ([]vectordb.ScoredPoint, error) {
	pf, err := prefetchToProto(req.Prefetch)
	if err != nil {
		return nil, err
	}
	q, err := queryToProto(req.Query)
	if err != nil {
		return nil, err
	}
	pr := &qdrant.QueryPoints{CollectionName: coll, Prefetch: pf, Query: q, Filter: qdrantpb.FilterToProto(req.Filter), Params: paramsToProto(req.Params),
		ScoreThreshold: req.ScoreThreshold, WithPayload: withPayloadToProto(req.WithPayload), WithVectors: withVectorsToProto(req.WithVector)}
	if req.Using != "" {
		u := req.Using
		pr.Using = &u
	}
	if req.Limit > 0 {
		l := uint64(req.Limit)
		pr.Limit = &l
	}
	if req.Offset > 0 {
		o := uint64(req.Offset)
		pr.Offset = &o
	}
	res, err := r.c.Query(ctx, pr)
	if err != nil {
		return nil, remoteErr("query", err)
	}
	out := make([]vectordb.ScoredPoint, 0, len(res))
	for _, p := range res {
		rec, err := recordFromProto(p.GetId(), p.GetPayload(), p.GetVectors())
		if err != nil {
			return nil, err
		}
		out = append(out, vectordb.ScoredPoint{ID: rec.ID, Version: p.GetVersion(), Score: p.GetScore(), Payload: rec.Payload, Vectors: rec.Vectors})
	}
	return out, nil
}
