package grpcapi

import (
	"math"
	"strings"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
)

// Bounds on untrusted input beyond the message size limit.
const (
	maxPayloadDepth = 64      // nesting of payload objects and lists
	maxNameLen      = 1 << 10 // collection, vector and key names
)

// pointIDFromProto converts a point id; UUIDs are accepted in any form
// github.com/google/uuid parses and returned in canonical form.
func pointIDFromProto(p *qdrant.PointId) (vectordb.PointID, error) {
	switch v := p.GetPointIdOptions().(type) {
	case *qdrant.PointId_Num:
		return vectordb.PointID{Num: v.Num}, nil
	case *qdrant.PointId_Uuid:
		u, err := uuid.Parse(v.Uuid)
		if err != nil {
			return vectordb.PointID{}, badInput("Unable to parse UUID: %s", truncate(v.Uuid))
		}
		return vectordb.PointID{UUID: u.String()}, nil
	default:
		return vectordb.PointID{}, badInput("point id is empty")
	}
}

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

func pointIDToProto(id vectordb.PointID) *qdrant.PointId {
	if id.IsUUID() {
		return qdrant.NewIDUUID(id.UUID)
	}
	return qdrant.NewIDNum(id.Num)
}

func pointIDsToProto(ids []vectordb.PointID) []*qdrant.PointId {
	out := make([]*qdrant.PointId, len(ids))
	for i, id := range ids {
		out[i] = pointIDToProto(id)
	}
	return out
}

// valueFromProto converts a payload value into what encoding/json would
// decode: nil, bool, float64, string, []any or map[string]any. Integers
// become float64 (exact up to 2^53), as the engine stores JSON numbers.
func valueFromProto(v *qdrant.Value, depth int) (any, error) {
	if depth > maxPayloadDepth {
		return nil, badInput("payload nested deeper than %d levels", maxPayloadDepth)
	}
	switch k := v.GetKind().(type) {
	case nil, *qdrant.Value_NullValue:
		return nil, nil
	case *qdrant.Value_BoolValue:
		return k.BoolValue, nil
	case *qdrant.Value_IntegerValue:
		return float64(k.IntegerValue), nil
	case *qdrant.Value_DoubleValue:
		if math.IsNaN(k.DoubleValue) || math.IsInf(k.DoubleValue, 0) {
			return nil, badInput("payload number is NaN or infinite")
		}
		return k.DoubleValue, nil
	case *qdrant.Value_StringValue:
		return k.StringValue, nil
	case *qdrant.Value_ListValue:
		vals := k.ListValue.GetValues()
		out := make([]any, len(vals))
		for i, e := range vals {
			x, err := valueFromProto(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case *qdrant.Value_StructValue:
		return structFromProto(k.StructValue.GetFields(), depth+1)
	default:
		return nil, badInput("unknown payload value kind %T", k)
	}
}

func structFromProto(fields map[string]*qdrant.Value, depth int) (map[string]any, error) {
	out := make(map[string]any, len(fields))
	for key, e := range fields {
		x, err := valueFromProto(e, depth)
		if err != nil {
			return nil, err
		}
		out[key] = x
	}
	return out, nil
}

// payloadFromProto converts a point's payload; a nil map gives an empty
// payload.
func payloadFromProto(m map[string]*qdrant.Value) (vectordb.Payload, error) {
	p, err := structFromProto(m, 0)
	if err != nil {
		return nil, err
	}
	return vectordb.Payload(p), nil
}

// valueToProto converts a JSON-like Go value. A float64 with an integral
// value that fits int64 becomes an integer value, so integers written by
// clients come back as integers.
func valueToProto(v any) *qdrant.Value {
	switch x := v.(type) {
	case nil:
		return qdrant.NewValueNull()
	case bool:
		return qdrant.NewValueBool(x)
	case float64:
		if x == math.Trunc(x) && x >= -(1<<63) && x < (1<<63) {
			return qdrant.NewValueInt(int64(x))
		}
		return qdrant.NewValueDouble(x)
	case float32:
		return valueToProto(float64(x))
	case int:
		return qdrant.NewValueInt(int64(x))
	case int64:
		return qdrant.NewValueInt(x)
	case uint64:
		return qdrant.NewValueInt(int64(x))
	case string:
		return qdrant.NewValueString(x)
	case []any:
		vals := make([]*qdrant.Value, len(x))
		for i, e := range x {
			vals[i] = valueToProto(e)
		}
		return qdrant.NewValueFromList(vals...)
	case map[string]any:
		return qdrant.NewValueFromFields(payloadToProto(x))
	case vectordb.Payload:
		return qdrant.NewValueFromFields(payloadToProto(x))
	case interface{ String() string }: // json.Number, time.Time
		return qdrant.NewValueString(x.String())
	default:
		return qdrant.NewValueNull()
	}
}

func payloadToProto(p map[string]any) map[string]*qdrant.Value {
	out := make(map[string]*qdrant.Value, len(p))
	for k, v := range p {
		out[k] = valueToProto(v)
	}
	return out
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

// pointToProto is the inverse of pointFromProto, used by tests and by
// clients of this package that forward points to a remote Qdrant.
func pointToProto(p vectordb.PointStruct) *qdrant.PointStruct {
	out := &qdrant.PointStruct{Id: pointIDToProto(p.ID), Payload: payloadToProto(p.Payload)}
	if v, ok := p.Vectors[vectordb.DefaultVector]; ok && len(p.Vectors) == 1 {
		out.Vectors = &qdrant.Vectors{VectorsOptions: &qdrant.Vectors_Vector{Vector: vectorInToProto(v)}}
	} else if p.Vectors != nil {
		m := make(map[string]*qdrant.Vector, len(p.Vectors))
		for name, v := range p.Vectors {
			m[name] = vectorInToProto(v)
		}
		out.Vectors = qdrant.NewVectorsMap(m)
	}
	return out
}

func vectorInToProto(v vectordb.Vector) *qdrant.Vector {
	if v.Multi != nil {
		return qdrant.NewVectorMulti(v.Multi)
	}
	if v.Sparse != nil {
		return qdrant.NewVectorSparse(v.Sparse.Indices, v.Sparse.Values)
	}
	return qdrant.NewVectorDense(v.Dense)
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
		Id:         pointIDToProto(r.ID),
		Payload:    payloadToProto(r.Payload),
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
			Id:         pointIDToProto(p.ID),
			Payload:    payloadToProto(p.Payload),
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
