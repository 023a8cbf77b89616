package grpcapi_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi/grpcapi"
)

// Serve an embedded DB over Qdrant's gRPC API and use it with the official
// Go client.
func ExampleNewServer() {
	dir, err := os.MkdirTemp("", "grpcapi-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := vectordb.Open(dir, vectordb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	srv := grpcapi.NewServer(db, "") // a non-empty key requires api-key metadata
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Stop()

	client, err := qdrant.NewClient(&qdrant.Config{Host: "127.0.0.1", Port: lis.Addr().(*net.TCPAddr).Port, SkipCompatibilityCheck: true})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	err = client.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName: "notes",
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 2, Distance: qdrant.Distance_Cosine}),
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Upsert(ctx, &qdrant.UpsertPoints{
		CollectionName: "notes",
		Wait:           qdrant.PtrOf(true),
		Points: []*qdrant.PointStruct{
			{Id: qdrant.NewIDNum(1), Vectors: qdrant.NewVectors(1, 0), Payload: qdrant.NewValueMap(map[string]any{"title": "east"})},
			{Id: qdrant.NewIDNum(2), Vectors: qdrant.NewVectors(0, 1), Payload: qdrant.NewValueMap(map[string]any{"title": "north"})},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	hits, err := client.Query(ctx, &qdrant.QueryPoints{
		CollectionName: "notes",
		Query:          qdrant.NewQuery(0.9, 0.1),
		Limit:          qdrant.PtrOf(uint64(1)),
		WithPayload:    qdrant.NewWithPayload(true),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hits[0].GetId().GetNum(), hits[0].GetPayload()["title"].GetStringValue())
	// Output: 1 east
}
