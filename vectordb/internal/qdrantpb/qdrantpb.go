// Package qdrantpb converts between vectordb's types and the messages of
// Qdrant's official gRPC API (github.com/qdrant/go-client): the gRPC server
// (vectordb/qdrantapi/grpcapi) and the remote client (vectordb/remote)
// share these conversions, so what one sends the other reads alike.
//
// The ...FromProto functions read untrusted messages: they bound nesting
// and return vectordb.BadInput errors ("Wrong input: ..."). The ...ToProto
// functions cannot fail. All are safe for concurrent use.
package qdrantpb

import (
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/types/known/timestamppb"

	"nexusos/vectordb"
)

// MaxPayloadDepth bounds the nesting of payload objects and lists read by
// PayloadFromProto.
const MaxPayloadDepth = 64

// truncate shortens untrusted text quoted in error messages.
func truncate(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

// DistanceFromProto converts a distance; an unknown one is bad input.
func DistanceFromProto(d qdrant.Distance) (vectordb.Distance, error) {
	switch d {
	case qdrant.Distance_Cosine:
		return vectordb.Cosine, nil
	case qdrant.Distance_Dot:
		return vectordb.Dot, nil
	case qdrant.Distance_Euclid:
		return vectordb.Euclid, nil
	case qdrant.Distance_Manhattan:
		return vectordb.Manhattan, nil
	default:
		return "", vectordb.BadInput("unknown distance %d: use Cosine, Dot, Euclid or Manhattan", int32(d))
	}
}

// DistanceToProto converts a distance (UnknownDistance for an unknown one).
func DistanceToProto(d vectordb.Distance) qdrant.Distance {
	switch d {
	case vectordb.Cosine:
		return qdrant.Distance_Cosine
	case vectordb.Dot:
		return qdrant.Distance_Dot
	case vectordb.Euclid:
		return qdrant.Distance_Euclid
	case vectordb.Manhattan:
		return qdrant.Distance_Manhattan
	default:
		return qdrant.Distance_UnknownDistance
	}
}

// PointIDFromProto converts a point id; UUIDs are accepted in any form
// github.com/google/uuid parses and returned in canonical form.
func PointIDFromProto(p *qdrant.PointId) (vectordb.PointID, error) {
	switch v := p.GetPointIdOptions().(type) {
	case *qdrant.PointId_Num:
		return vectordb.PointID{Num: v.Num}, nil
	case *qdrant.PointId_Uuid:
		u, err := uuid.Parse(v.Uuid)
		if err != nil {
			return vectordb.PointID{}, vectordb.BadInput("Unable to parse UUID: %s", truncate(v.Uuid))
		}
		return vectordb.PointID{UUID: u.String()}, nil
	default:
		return vectordb.PointID{}, vectordb.BadInput("point id is empty")
	}
}

// PointIDToProto converts a point id.
func PointIDToProto(id vectordb.PointID) *qdrant.PointId {
	if id.IsUUID() {
		return qdrant.NewIDUUID(id.UUID)
	}
	return qdrant.NewIDNum(id.Num)
}

// PointIDsToProto converts point ids.
func PointIDsToProto(ids []vectordb.PointID) []*qdrant.PointId {
	out := make([]*qdrant.PointId, len(ids))
	for i, id := range ids {
		out[i] = PointIDToProto(id)
	}
	return out
}

// PayloadFromProto converts a point's payload; a nil map gives an empty
// payload.
func PayloadFromProto(m map[string]*qdrant.Value) (vectordb.Payload, error) {
	p, err := structFromProto(m, 0)
	if err != nil {
		return nil, err
	}
	return vectordb.Payload(p), nil
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

// valueFromProto converts a payload value into what encoding/json would
// decode: nil, bool, float64, string, []any or map[string]any. Integers
// become float64 (exact up to 2^53), as the engine stores JSON numbers.
func valueFromProto(v *qdrant.Value, depth int) (any, error) {
	if depth > MaxPayloadDepth {
		return nil, vectordb.BadInput("payload nested deeper than %d levels", MaxPayloadDepth)
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
			return nil, vectordb.BadInput("payload number is NaN or infinite")
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
		return nil, vectordb.BadInput("unknown payload value kind %T", k)
	}
}

// PayloadToProto converts a payload (see ValueToProto).
func PayloadToProto(p map[string]any) map[string]*qdrant.Value {
	out := make(map[string]*qdrant.Value, len(p))
	for k, v := range p {
		out[k] = ValueToProto(v)
	}
	return out
}

// ValueToProto converts a JSON-like Go value. A float64 with an integral
// value that fits int64 becomes an integer value, so integers written by
// clients come back as integers.
func ValueToProto(v any) *qdrant.Value {
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
		return ValueToProto(float64(x))
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
			vals[i] = ValueToProto(e)
		}
		return qdrant.NewValueFromList(vals...)
	case map[string]any:
		return qdrant.NewValueFromFields(PayloadToProto(x))
	case vectordb.Payload:
		return qdrant.NewValueFromFields(PayloadToProto(x))
	case interface{ String() string }: // json.Number, time.Time
		return qdrant.NewValueString(x.String())
	default:
		return qdrant.NewValueNull()
	}
}

// PointToProto is the inverse of the gRPC server's point conversion: how a
// client sends points to a remote Qdrant, and how the server's converters
// are round-trip tested.
func PointToProto(p vectordb.PointStruct) *qdrant.PointStruct {
	out := &qdrant.PointStruct{Id: PointIDToProto(p.ID), Payload: PayloadToProto(p.Payload)}
	if v, ok := p.Vectors[vectordb.DefaultVector]; ok && len(p.Vectors) == 1 {
		out.Vectors = &qdrant.Vectors{VectorsOptions: &qdrant.Vectors_Vector{Vector: VectorToProto(v)}}
	} else if p.Vectors != nil {
		m := make(map[string]*qdrant.Vector, len(p.Vectors))
		for name, v := range p.Vectors {
			m[name] = VectorToProto(v)
		}
		out.Vectors = qdrant.NewVectorsMap(m)
	}
	return out
}

// VectorToProto converts an input vector: dense, sparse or multi.
func VectorToProto(v vectordb.Vector) *qdrant.Vector {
	if v.Multi != nil {
		return qdrant.NewVectorMulti(v.Multi)
	}
	if v.Sparse != nil {
		return qdrant.NewVectorSparse(v.Sparse.Indices, v.Sparse.Values)
	}
	return qdrant.NewVectorDense(v.Dense)
}

// FilterToProto is the inverse of the gRPC server's filterFromProto for
// the filters it produces from Qdrant's own conditions. It lets a vectordb
// filter be sent to a remote Qdrant and is how the converters are
// round-trip tested.
func FilterToProto(f *vectordb.Filter) *qdrant.Filter {
	if f == nil {
		return nil
	}
	out := &qdrant.Filter{
		Must:    conditionsToProto(f.Must),
		Should:  conditionsToProto(f.Should),
		MustNot: conditionsToProto(f.MustNot),
	}
	if f.MinShould != nil {
		out.MinShould = &qdrant.MinShould{Conditions: conditionsToProto(f.MinShould.Conditions), MinCount: uint64(f.MinShould.MinCount)}
	}
	return out
}

func conditionsToProto(cs []vectordb.Condition) []*qdrant.Condition {
	if len(cs) == 0 {
		return nil
	}
	out := make([]*qdrant.Condition, len(cs))
	for i, c := range cs {
		out[i] = conditionToProto(c)
	}
	return out
}

func conditionToProto(c vectordb.Condition) *qdrant.Condition {
	switch {
	case c.Field != nil:
		return &qdrant.Condition{ConditionOneOf: &qdrant.Condition_Field{Field: fieldToProto(c.Field)}}
	case c.IsEmpty != nil:
		return qdrant.NewIsEmpty(*c.IsEmpty)
	case c.IsNull != nil:
		return qdrant.NewIsNull(*c.IsNull)
	case c.HasID != nil:
		return qdrant.NewHasID(PointIDsToProto(c.HasID)...)
	case c.HasVector != nil:
		return qdrant.NewHasVector(*c.HasVector)
	case c.Nested != nil:
		return qdrant.NewNestedFilter(c.Nested.Key, FilterToProto(&c.Nested.Filter))
	case c.Filter != nil:
		return qdrant.NewFilterAsCondition(FilterToProto(c.Filter))
	default:
		return &qdrant.Condition{}
	}
}

func fieldToProto(f *vectordb.FieldCondition) *qdrant.FieldCondition {
	out := &qdrant.FieldCondition{Key: f.Key}
	if m := f.Match; m != nil {
		out.Match = matchToProto(m)
	}
	if r := f.Range; r != nil {
		out.Range = &qdrant.Range{Lt: r.Lt, Gt: r.Gt, Gte: r.Gte, Lte: r.Lte}
	}
	if r := f.DatetimeRange; r != nil {
		ts := func(t *time.Time) *timestamppb.Timestamp {
			if t == nil {
				return nil
			}
			return timestamppb.New(*t)
		}
		out.DatetimeRange = &qdrant.DatetimeRange{Lt: ts(r.Lt), Gt: ts(r.Gt), Gte: ts(r.Gte), Lte: ts(r.Lte)}
	}
	if r := f.ValuesCount; r != nil {
		u := func(n *int) *uint64 {
			if n == nil {
				return nil
			}
			v := uint64(max(*n, 0))
			return &v
		}
		out.ValuesCount = &qdrant.ValuesCount{Lt: u(r.Lt), Gt: u(r.Gt), Gte: u(r.Gte), Lte: u(r.Lte)}
	}
	return out
}

func matchToProto(m *vectordb.Match) *qdrant.Match {
	switch {
	case m.Text != nil:
		return &qdrant.Match{MatchValue: &qdrant.Match_Text{Text: *m.Text}}
	case m.Any != nil:
		if ss, ok := allStrings(m.Any); ok {
			return &qdrant.Match{MatchValue: &qdrant.Match_Keywords{Keywords: &qdrant.RepeatedStrings{Strings: ss}}}
		}
		return &qdrant.Match{MatchValue: &qdrant.Match_Integers{Integers: &qdrant.RepeatedIntegers{Integers: allInts(m.Any)}}}
	case m.Except != nil:
		if ss, ok := allStrings(m.Except); ok {
			return &qdrant.Match{MatchValue: &qdrant.Match_ExceptKeywords{ExceptKeywords: &qdrant.RepeatedStrings{Strings: ss}}}
		}
		return &qdrant.Match{MatchValue: &qdrant.Match_ExceptIntegers{ExceptIntegers: &qdrant.RepeatedIntegers{Integers: allInts(m.Except)}}}
	}
	switch v := m.Value.(type) {
	case string:
		return &qdrant.Match{MatchValue: &qdrant.Match_Keyword{Keyword: v}}
	case bool:
		return &qdrant.Match{MatchValue: &qdrant.Match_Boolean{Boolean: v}}
	case int64:
		return &qdrant.Match{MatchValue: &qdrant.Match_Integer{Integer: v}}
	case int:
		return &qdrant.Match{MatchValue: &qdrant.Match_Integer{Integer: int64(v)}}
	case float64:
		return &qdrant.Match{MatchValue: &qdrant.Match_Integer{Integer: int64(v)}}
	}
	return &qdrant.Match{}
}

// allStrings reports whether vs are all strings (an empty list counts as
// strings) and returns them.
func allStrings(vs []any) ([]string, bool) {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func allInts(vs []any) []int64 {
	out := make([]int64, 0, len(vs))
	for _, v := range vs {
		switch n := v.(type) {
		case int64:
			out = append(out, n)
		case int:
			out = append(out, int64(n))
		case float64:
			out = append(out, int64(n))
		}
	}
	return out
}
