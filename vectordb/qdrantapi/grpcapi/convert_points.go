package grpcapi

import (
	"strings"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/internal/qdrantpb"
)

// Bounds on untrusted input beyond the message size limit (payload
// nesting: qdrantpb.MaxPayloadDepth).
const (
	maxNameLen = 1 << 10 // collection, vector and key names
)

func pointIDsFromProto(ps []*qdrant.PointId) ([]vectordb.PointID, error) {
	out := make([]vectordb.PointID, len(ps))
	for i, p := range ps {
		id, err := pointIDFromProto(p)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

// vectorFromProto converts one input vector. It accepts the current oneof
// (dense, sparse) and the deprecated data/indices fields older clients
// send.
func vectorFromProto(v *qdrant.Vector) (vectordb.Vector, error) {
	switch k := v.GetVector().(type) {
	case *qdrant.Vector_Dense:
		return vectordb.Vector{Dense: k.Dense.GetData()}, nil
	case *qdrant.Vector_Sparse:
		sv, err := sparseFromProto(k.Sparse.GetIndices(), k.Sparse.GetValues())
		return vectordb.Vector{Sparse: sv}, err
	case *qdrant.Vector_MultiDense:
		vs := k.MultiDense.GetVectors()
		if len(vs) > vectordb.MaxMultiVectors {
			return vectordb.Vector{}, badInput("a multi-vector holds at most %d vectors, got %d", vectordb.MaxMultiVectors, len(vs))
		}
		multi := make([][]float32, len(vs))
		for i, d := range vs {
			multi[i] = d.GetData()
		}
		return vectordb.Vector{Multi: multi}, nil
	case *qdrant.Vector_Document, *qdrant.Vector_Image, *qdrant.Vector_Object:
		return vectordb.Vector{}, unsupported("server-side inference (document, image and object vectors)")
	case nil:
		if v.GetVectorsCount() > 1 {
			return vectordb.Vector{}, unsupported("multi-vectors")
		}
		if v.GetIndices() != nil {
			sv, err := sparseFromProto(v.GetIndices().GetData(), v.GetData())
			return vectordb.Vector{Sparse: sv}, err
		}
		if len(v.GetData()) == 0 {
			return vectordb.Vector{}, badInput("vector is empty")
		}
		return vectordb.Vector{Dense: v.GetData()}, nil
	default:
		return vectordb.Vector{}, badInput("unknown vector kind %T", k)
	}
}

func sparseFromProto(indices []uint32, values []float32) (*vectordb.SparseVector, error) {
	if len(indices) != len(values) {
		return nil, badInput("Sparse vector indices and values must have the same length: %d != %d", len(indices), len(values))
	}
	return &vectordb.SparseVector{Indices: indices, Values: values}, nil
}

// vectorsFromProto converts a point's vectors: a single vector is stored
// under the default (unnamed) vector.
func vectorsFromProto(v *qdrant.Vectors) (vectordb.NamedVectors, error) {
	switch k := v.GetVectorsOptions().(type) {
	case *qdrant.Vectors_Vector:
		vec, err := vectorFromProto(k.Vector)
		if err != nil {
			return nil, err
		}
		return vectordb.NamedVectors{vectordb.DefaultVector: vec}, nil
	case *qdrant.Vectors_Vectors:
		out := make(vectordb.NamedVectors, len(k.Vectors.GetVectors()))
		for name, pv := range k.Vectors.GetVectors() {
			if len(name) > maxNameLen {
				return nil, badInput("vector name longer than %d bytes", maxNameLen)
			}
			vec, err := vectorFromProto(pv)
			if err != nil {
				return nil, err
			}
			out[name] = vec
		}
		return out, nil
	case nil:
		return vectordb.NamedVectors{}, nil
	default:
		return nil, badInput("unknown vectors kind %T", k)
	}
}

func vectorToProto(v vectordb.Vector) *qdrant.VectorOutput {
	if v.Multi != nil {
		vs := make([]*qdrant.DenseVector, len(v.Multi))
		for i, d := range v.Multi {
			vs[i] = &qdrant.DenseVector{Data: d}
		}
		return &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_MultiDense{MultiDense: &qdrant.MultiDenseVector{Vectors: vs}}}
	}
	if v.Sparse != nil {
		return &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Sparse{Sparse: &qdrant.SparseVector{
			Indices: v.Sparse.Indices, Values: v.Sparse.Values}}}
	}
	return &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: v.Dense}}}
}

// vectorsToProto returns nil for no vectors, a single vector for a point
// that only has the default vector, and a named map otherwise.
func vectorsToProto(nv vectordb.NamedVectors) *qdrant.VectorsOutput {
	if nv == nil {
		return nil
	}
	if v, ok := nv[vectordb.DefaultVector]; ok && len(nv) == 1 {
		return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vector{Vector: vectorToProto(v)}}
	}
	m := make(map[string]*qdrant.VectorOutput, len(nv))
	for name, v := range nv {
		m[name] = vectorToProto(v)
	}
	return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vectors{Vectors: &qdrant.NamedVectorsOutput{Vectors: m}}}
}

func pointFromProto(p *qdrant.PointStruct) (vectordb.PointStruct, error) {
	id, err := pointIDFromProto(p.GetId())
	if err != nil {
		return vectordb.PointStruct{}, err
	}
	vecs, err := vectorsFromProto(p.GetVectors())
	if err != nil {
		return vectordb.PointStruct{}, err
	}
	pl, err := payloadFromProto(p.GetPayload())
	if err != nil {
		return vectordb.PointStruct{}, err
	}
	return vectordb.PointStruct{ID: id, Vectors: vecs, Payload: pl}, nil
}

// payloadSelectorFromProto converts with_payload; def is used when the
// client sent none (Qdrant returns payload by default from get and scroll,
// not from searches).
func payloadSelectorFromProto(s *qdrant.WithPayloadSelector, def bool) vectordb.PayloadSelector {
	switch k := s.GetSelectorOptions().(type) {
	case *qdrant.WithPayloadSelector_Enable:
		return vectordb.PayloadSelector{All: k.Enable}
	case *qdrant.WithPayloadSelector_Include:
		return vectordb.PayloadSelector{Include: k.Include.GetFields()}
	case *qdrant.WithPayloadSelector_Exclude:
		return vectordb.PayloadSelector{Exclude: k.Exclude.GetFields()}
	default:
		return vectordb.PayloadSelector{All: def}
	}
}

func vectorSelectorFromProto(s *qdrant.WithVectorsSelector) vectordb.VectorSelector {
	switch k := s.GetSelectorOptions().(type) {
	case *qdrant.WithVectorsSelector_Enable:
		return vectordb.VectorSelector{All: k.Enable}
	case *qdrant.WithVectorsSelector_Include:
		return vectordb.VectorSelector{Names: k.Include.GetNames()}
	default:
		return vectordb.VectorSelector{}
	}
}

// pointsSelectorFromProto converts a points selector (ids or filter); a
// missing selector is an error.
func pointsSelectorFromProto(s *qdrant.PointsSelector) (vectordb.PointsSelector, error) {
	switch k := s.GetPointsSelectorOneOf().(type) {
	case *qdrant.PointsSelector_Points:
		ids, err := pointIDsFromProto(k.Points.GetIds())
		return vectordb.PointsSelector{IDs: ids}, err
	case *qdrant.PointsSelector_Filter:
		f, err := filterFromProto(k.Filter)
		if err != nil {
			return vectordb.PointsSelector{}, err
		}
		if f == nil {
			f = &vectordb.Filter{}
		}
		return vectordb.PointsSelector{Filter: f}, nil
	default:
		return vectordb.PointsSelector{}, badInput("points selector is required: ids or filter")
	}
}

func orderValueToProto(v any) *qdrant.OrderValue {
	switch x := v.(type) {
	case int64:
		return qdrant.NewOrderValueInt(x)
	case int:
		return qdrant.NewOrderValueInt(int64(x))
	case float64:
		return qdrant.NewOrderValueFloat(x)
	case float32:
		return qdrant.NewOrderValueFloat(float64(x))
	default:
		return nil
	}
}

func recordToProto(r vectordb.Record) *qdrant.RetrievedPoint {
	return &qdrant.RetrievedPoint{
		Id:         qdrantpb.PointIDToProto(r.ID),
		Payload:    qdrantpb.PayloadToProto(r.Payload),
		Vectors:    vectorsToProto(r.Vectors),
		OrderValue: orderValueToProto(r.OrderValue),
	}
}

func recordsToProto(rs []vectordb.Record) []*qdrant.RetrievedPoint {
	out := make([]*qdrant.RetrievedPoint, len(rs))
	for i, r := range rs {
		out[i] = recordToProto(r)
	}
	return out
}

func scoredToProto(ps []vectordb.ScoredPoint) []*qdrant.ScoredPoint {
	out := make([]*qdrant.ScoredPoint, len(ps))
	for i, p := range ps {
		out[i] = &qdrant.ScoredPoint{
			Id:         qdrantpb.PointIDToProto(p.ID),
			Payload:    qdrantpb.PayloadToProto(p.Payload),
			Score:      p.Score,
			Version:    p.Version,
			Vectors:    vectorsToProto(p.Vectors),
			OrderValue: orderValueToProto(p.OrderValue),
		}
	}
	return out
}

func updateResultToProto(r vectordb.UpdateResult) *qdrant.UpdateResult {
	st := qdrant.UpdateStatus_Acknowledged
	if r.Status == vectordb.Completed {
		st = qdrant.UpdateStatus_Completed
	}
	op := r.OperationID
	return &qdrant.UpdateResult{OperationId: &op, Status: st}
}

// truncate shortens untrusted text quoted in error messages.
func truncate(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

// checkName validates a collection or key name from a request.
func checkName(what, name string) error {
	if name == "" {
		return badInput("%s name must not be empty", what)
	}
	if len(name) > maxNameLen {
		return badInput("%s name longer than %d bytes", what, maxNameLen)
	}
	return nil
}

// checkTarget validates the collection name of a request and rejects a
// shard key selector: this server has no shards.
func checkTarget(coll string, shard *qdrant.ShardKeySelector) error {
	if err := checkName("collection", coll); err != nil {
		return err
	}
	return noShardKey(shard)
}

// pointIDFromProto converts a point id (qdrantpb.PointIDFromProto, errors
// as gRPC statuses).
func pointIDFromProto(p *qdrant.PointId) (vectordb.PointID, error) {
	id, err := qdrantpb.PointIDFromProto(p)
	return id, inputError(err)
}

// payloadFromProto converts a point's payload (qdrantpb.PayloadFromProto,
// errors as gRPC statuses).
func payloadFromProto(m map[string]*qdrant.Value) (vectordb.Payload, error) {
	p, err := qdrantpb.PayloadFromProto(m)
	return p, inputError(err)
}

// distanceFromProto converts a distance (qdrantpb.DistanceFromProto,
// errors as gRPC statuses).
func distanceFromProto(d qdrant.Distance) (vectordb.Distance, error) {
	x, err := qdrantpb.DistanceFromProto(d)
	return x, inputError(err)
}
