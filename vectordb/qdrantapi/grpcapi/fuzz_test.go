package grpcapi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"

	"nexusos/vectordb/internal/qdrantpb"
)

// FuzzFilterFromProto feeds arbitrary wire bytes decoded as a qdrant.Filter
// to the converter. Whatever it accepts must survive vectordb → proto →
// vectordb unchanged; whatever it rejects must be rejected with a status.
func FuzzFilterFromProto(f *testing.F) {
	for _, pf := range roundTripFilters() {
		b, err := proto.Marshal(pf)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pf qdrant.Filter
		if err := proto.Unmarshal(b, &pf); err != nil {
			return
		}
		vf, err := filterFromProto(&pf)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "rpc error: code = ") {
				t.Fatalf("error without status: %v", err)
			}
			return
		}
		again, err := filterFromProto(qdrantpb.FilterToProto(vf))
		if err != nil {
			// The canonical form of a multi-test field condition is one
			// level deeper and counts more conditions.
			if strings.Contains(err.Error(), "deeper") || strings.Contains(err.Error(), "more than") {
				return
			}
			t.Fatalf("canonical filter rejected: %v\nfilter: %v", err, &pf)
		}
		if !reflect.DeepEqual(vf, again) {
			t.Fatalf("round trip changed the filter:\n first: %+v\nsecond: %+v", vf, again)
		}
	})
}

// FuzzPointFromProto does the same for points: ids, vectors and payload
// accepted from the wire must survive vectordb → proto → vectordb.
func FuzzPointFromProto(f *testing.F) {
	seeds := []*qdrant.PointStruct{
		{Id: qdrant.NewIDNum(7), Vectors: qdrant.NewVectors(1, 2), Payload: qdrant.NewValueMap(map[string]any{"a": []any{1, "x", nil, map[string]any{"b": 2.5}}})},
		{Id: qdrant.NewIDUUID("5c56c793-69f3-4fbf-87e6-c4bf54c28c26"), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{
			"d": qdrant.NewVectorDense([]float32{1}), "s": qdrant.NewVectorSparse([]uint32{1}, []float32{2}),
		})},
		{Id: qdrant.NewIDNum(1), Vectors: &qdrant.Vectors{VectorsOptions: &qdrant.Vectors_Vector{Vector: &qdrant.Vector{Data: []float32{1}, Indices: &qdrant.SparseIndices{Data: []uint32{3}}}}}},
	}
	for _, p := range seeds {
		b, err := proto.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pp qdrant.PointStruct
		if err := proto.Unmarshal(b, &pp); err != nil {
			return
		}
		vp, err := pointFromProto(&pp)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "rpc error: code = ") {
				t.Fatalf("error without status: %v", err)
			}
			return
		}
		for _, v := range vp.Vectors {
			if hasNaN(v.Dense) || (v.Sparse != nil && hasNaN(v.Sparse.Values)) {
				return // NaN != NaN; the engine rejects them anyway
			}
		}
		again, err := pointFromProto(qdrantpb.PointToProto(vp))
		if err != nil {
			t.Fatalf("canonical point rejected: %v", err)
		}
		if !reflect.DeepEqual(vp, again) {
			t.Fatalf("round trip changed the point:\n first: %+v\nsecond: %+v", vp, again)
		}
	})
}

func hasNaN(v []float32) bool {
	for _, x := range v {
		if x != x {
			return true
		}
	}
	return false
}
