package vectordb

import (
	"math/rand"
	"testing"
)

func TestOpCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	uid := PointID{UUID: "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"}
	ops := []*op{
		{Kind: opUpsert, Seq: 1, Points: []PointStruct{
			{ID: num(7), Vectors: NamedVectors{"": {Dense: randVec(r, 5)}, "s": {Sparse: &SparseVector{Indices: []uint32{1, 9}, Values: []float32{0.5, -2}}}}, Payload: Payload{"a": []any{1.0, "x", nil, map[string]any{"b": true}}}},
			{ID: uid, Vectors: NamedVectors{}},
		}},
		{Kind: opDelete, Seq: 2, IDs: []PointID{num(1), uid, num(1 << 60)}},
		{Kind: opSetPayload, Seq: 3, IDs: []PointID{num(1)}, Payload: Payload{"k": "v"}, Key: "a.b"},
		{Kind: opDeletePayload, Seq: 4, IDs: []PointID{num(1)}, Keys: []string{"a", "b[].c"}},
		{Kind: opUpdateVectors, Seq: 5, Vectors: []PointVectors{{ID: uid, Vectors: NamedVectors{"x": {Dense: []float32{1}}}}}},
		{Kind: opClearPayload, Seq: 1 << 40, IDs: []PointID{uid}},
	}
	for _, o := range ops {
		body, err := encodeOp(o)
		must(t, err)
		got, err := decodeOp(body)
		must(t, err)
		eq(t, got, o)
		// Every strict prefix fails to decode rather than panicking.
		for i := 1; i < len(body); i++ {
			if _, err := decodeOp(body[:i]); err == nil {
				t.Fatalf("op %d: prefix of %d bytes decodes", o.Seq, i)
			}
		}
	}
	pts := []ckptPoint{{ID: uid, Version: 3, Vectors: NamedVectors{"": {Dense: []float32{1, 2}}}, Payload: Payload{"z": 1.0}}, {ID: num(2), Version: 9}}
	body, err := encodeCkptPoints(pts)
	must(t, err)
	got, err := decodeCkptPoints(body)
	must(t, err)
	pts[1].Vectors = NamedVectors{}
	eq(t, got, pts)
}
