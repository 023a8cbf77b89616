package hnsw_test

import (
	"fmt"

	"nexusos/vectordb/distance"
	"nexusos/vectordb/hnsw"
)

// Cosine search: normalise vectors, store them in a Flat, insert their
// ids, search with a normalised query. The cosine similarity is -Dist.
func Example() {
	vecs := hnsw.NewFlat(3)
	idx := hnsw.New(hnsw.Config{M: 16, EfConstruct: 100, Metric: hnsw.Dot}, vecs)
	for _, v := range [][]float32{{1, 0, 0}, {0, 1, 0}, {1, 1, 0}, {0, 0, 1}} {
		distance.Normalize(v)
		idx.Insert(vecs.Append(v))
	}
	q := []float32{1, 0.9, 0}
	distance.Normalize(q)
	for _, r := range idx.Search(q, 2, 10, nil) {
		fmt.Printf("id %d cosine %.3f\n", r.ID, -r.Dist)
	}
	// Output:
	// id 2 cosine 0.999
	// id 0 cosine 0.743
}
