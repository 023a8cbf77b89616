package vectordb_test

import (
	"context"
	"fmt"
	"os"

	"nexusos/vectordb"
)

// Example creates a collection, upserts points with payload and runs a
// filtered nearest-neighbour query.
func Example() {
	dir, _ := os.MkdirTemp("", "vectordb-example")
	defer os.RemoveAll(dir)
	db, err := vectordb.Open(dir, vectordb.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()

	err = db.CreateCollection(ctx, "docs", vectordb.CollectionConfig{
		Vectors: map[string]vectordb.VectorParams{vectordb.DefaultVector: {Size: 2, Distance: vectordb.Cosine}},
	})
	if err != nil {
		panic(err)
	}
	_, err = db.Upsert(ctx, "docs", []vectordb.PointStruct{
		{ID: vectordb.PointID{Num: 1}, Vectors: vectordb.NamedVectors{"": {Dense: []float32{1, 0}}}, Payload: vectordb.Payload{"kind": "invoice"}},
		{ID: vectordb.PointID{Num: 2}, Vectors: vectordb.NamedVectors{"": {Dense: []float32{0.9, 0.1}}}, Payload: vectordb.Payload{"kind": "letter"}},
		{ID: vectordb.PointID{Num: 3}, Vectors: vectordb.NamedVectors{"": {Dense: []float32{0, 1}}}, Payload: vectordb.Payload{"kind": "invoice"}},
	}, true) // wait: durable (fsynced) and searchable on return
	if err != nil {
		panic(err)
	}
	hits, err := db.Query(ctx, "docs", vectordb.QueryRequest{
		Query:  &vectordb.Query{Nearest: &vectordb.VectorInput{Dense: []float32{1, 0.2}}},
		Filter: &vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "kind", Match: &vectordb.Match{Value: "invoice"}}}}},
		Limit:  2,
	})
	if err != nil {
		panic(err)
	}
	for _, h := range hits {
		fmt.Printf("%s %.3f\n", h.ID, h.Score)
	}
	// Output:
	// 1 0.981
	// 3 0.196
}
