package hnswbench

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"

	"nexusos/vectordb/distance"
)

// TestScale checks that the scaled set starts with the base vectors, that
// the copies are unit vectors near their originals, and that the result
// depends only on the seed.
func TestScale(t *testing.T) {
	base := &Vectors{Dim: 8}
	for i := range 5 {
		v := make([]float32, 8)
		v[i] = 1
		base.Data = append(base.Data, v...)
	}
	a := Scale(base, 5000, 0.03, 7)
	b := Scale(base, 5000, 0.03, 7)
	if a.Len() != 5000 || !slices.Equal(a.Data, b.Data) {
		t.Fatal("Scale is not deterministic")
	}
	if !slices.Equal(a.Data[:5*8], base.Data) {
		t.Fatal("the base vectors do not come first")
	}
	for i := 5; i < a.Len(); i++ {
		v := a.Row(i)
		if n := distance.Dot(v, v); math.Abs(float64(n)-1) > 1e-4 {
			t.Fatalf("copy %d: |v|^2 = %v", i, n)
		}
		if c := distance.Dot(v, base.Row(i%5)); c < 0.8 || c > 1 {
			t.Fatalf("copy %d: cosine %v to its original", i, c)
		}
	}
	if c := Scale(base, 7000, 0.03, 8); slices.Equal(c.Data[:5000*8], a.Data) {
		t.Fatal("another seed gave the same copies")
	}
}

// TestFilteredTruth compares the filtered ground truth with a plain
// sort over the allowed points.
func TestFilteredTruth(t *testing.T) {
	base := &Vectors{Dim: 6}
	for i := range 50 {
		v := make([]float32, 6)
		v[i%6], v[(i+1)%6] = 1, float32(i)/50
		distance.Normalize(v)
		base.Data = append(base.Data, v...)
	}
	pts := Scale(base, 3000, 0.1, 3)
	bucket := BucketsOf(pts.Len(), 3)
	counts := make([]int, Buckets)
	for _, b := range bucket {
		counts[b]++
	}
	for b, n := range counts {
		if n == 0 {
			t.Fatalf("bucket %d empty", b)
		}
	}
	queries := &Vectors{Dim: 6, Data: slices.Clone(pts.Data[:4*6])}
	for _, limit := range []int{1, 10, 100} {
		g, err := FilteredTruth(context.Background(), pts, bucket, limit, queries, 10)
		if err != nil {
			t.Fatal(err)
		}
		for qi := range queries.Len() {
			var ids []uint32
			for i, b := range bucket {
				if int(b) < limit {
					ids = append(ids, uint32(i))
				}
			}
			q := queries.Row(qi)
			slices.SortStableFunc(ids, func(a, b uint32) int {
				da, db := distance.Dot(q, pts.Row(int(a))), distance.Dot(q, pts.Row(int(b)))
				switch {
				case da > db:
					return -1
				case da < db:
					return 1
				}
				return 0
			})
			want := ids[:min(10, len(ids))]
			got := g.Row(qi)
			for _, id := range got {
				if int(bucket[id]) >= limit {
					t.Fatalf("limit %d: id %d has bucket %d", limit, id, bucket[id])
				}
			}
			// Compare by score: ties may order differently.
			for i := range want {
				if distance.Dot(q, pts.Row(int(got[i]))) != distance.Dot(q, pts.Row(int(want[i]))) {
					t.Fatalf("limit %d query %d: rank %d is %d, want %d", limit, qi, i, got[i], want[i])
				}
			}
		}
	}
}

// TestUpsertBody checks that the REST batch body is valid JSON with the
// points' ids, vectors and buckets.
func TestUpsertBody(t *testing.T) {
	pts := &Vectors{Dim: 2, Data: []float32{0.5, -1e-7, 1, 2, 3.25, 4}}
	raw := upsertBody(pts, []uint8{7, 0, 99}, 1, 3)
	var body struct {
		Batch struct {
			IDs      []int            `json:"ids"`
			Vectors  [][]float32      `json:"vectors"`
			Payloads []map[string]int `json:"payloads"`
		} `json:"batch"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	b := body.Batch
	if !slices.Equal(b.IDs, []int{1, 2}) || len(b.Vectors) != 2 || !slices.Equal(b.Vectors[0], []float32{1, 2}) ||
		!slices.Equal(b.Vectors[1], []float32{3.25, 4}) || b.Payloads[0]["bucket"] != 0 || b.Payloads[1]["bucket"] != 99 {
		t.Fatalf("body %s", raw)
	}
}
