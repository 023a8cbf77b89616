package grpcapi

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"nexusos/vectordb"
)

// BenchmarkQuery measures a filtered top-10 query on 5,000 points of
// dimension 64, called on the engine directly and through the gRPC server
// with the official client, so the difference is the API's overhead
// (conversion, protobuf, HTTP/2 on loopback).
func BenchmarkQuery(b *testing.B) {
	const n, d = 5000, 64
	db, err := vectordb.Open(b.TempDir(), vectordb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ts := benchServer(b, db)
	rng := rand.New(rand.NewPCG(3, 4))
	vec := func() []float32 {
		v := make([]float32, d)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(ts.CreateCollection(bg, &qdrant.CreateCollection{CollectionName: "bench",
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: d, Distance: qdrant.Distance_Cosine})}))
	for start := 0; start < n; start += 500 {
		ps := make([]*qdrant.PointStruct, 500)
		for i := range ps {
			id := start + i
			ps[i] = &qdrant.PointStruct{Id: qdrant.NewIDNum(uint64(id)), Vectors: qdrant.NewVectors(vec()...),
				Payload: qdrant.NewValueMap(map[string]any{"group": id % 10, "name": "p"})}
		}
		_, err := ts.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "bench", Wait: qdrant.PtrOf(true), Points: ps})
		must(err)
	}
	// Let background indexing finish so both variants search the same
	// index (the status alone may say green while the HNSW graph is still
	// being built).
	for i := 0; i < 600; i++ {
		info, err := db.CollectionInfo(context.Background(), "bench")
		must(err)
		if info.IndexedVectorsCount >= info.PointsCount {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	queries := make([][]float32, 64)
	for i := range queries {
		queries[i] = vec()
	}
	filter := &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchInt("group", 3)}}
	vf, err := filterFromProto(filter)
	must(err)

	// Warm up (lazy index work, caches) before timing either variant.
	for i := range 200 {
		_, err := db.Query(bg, "bench", vectordb.QueryRequest{
			Query: &vectordb.Query{Nearest: &vectordb.VectorInput{Dense: queries[i%len(queries)]}}, Filter: vf, Limit: 10})
		must(err)
	}

	// A cheap engine call (get one point by id) shows the fixed cost of a
	// gRPC round trip.
	b.Run("get-direct", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			_, err := db.Get(bg, "bench", []vectordb.PointID{{Num: uint64(i % n)}}, vectordb.PayloadSelector{All: true}, vectordb.VectorSelector{})
			must(err)
		}
	})
	b.Run("get-grpc", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			_, err := ts.Get(bg, &qdrant.GetPoints{CollectionName: "bench", Ids: []*qdrant.PointId{qdrant.NewIDNum(uint64(i % n))}, WithPayload: qdrant.NewWithPayload(true)})
			must(err)
		}
	})
	b.Run("grpc", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			_, err := ts.Query(bg, &qdrant.QueryPoints{CollectionName: "bench", Query: qdrant.NewQuery(queries[i%len(queries)]...),
				Filter: filter, Limit: qdrant.PtrOf(uint64(10)), WithPayload: qdrant.NewWithPayload(true)})
			must(err)
		}
	})
	b.Run("direct", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			_, err := db.Query(bg, "bench", vectordb.QueryRequest{
				Query:  &vectordb.Query{Nearest: &vectordb.VectorInput{Dense: queries[i%len(queries)]}},
				Filter: vf, Limit: 10, WithPayload: vectordb.PayloadSelector{All: true}})
			must(err)
		}
	})
}

// BenchmarkUpsert measures upserting batches of 100 points of dimension 64
// through the gRPC server with wait=true.
func BenchmarkUpsert(b *testing.B) {
	const d = 64
	db, err := vectordb.Open(b.TempDir(), vectordb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	c := benchServer(b, db)
	if err := c.CreateCollection(bg, &qdrant.CreateCollection{CollectionName: "bench",
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: d, Distance: qdrant.Distance_Dot})}); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	id := uint64(0)
	for b.Loop() {
		ps := make([]*qdrant.PointStruct, 100)
		for i := range ps {
			v := make([]float32, d)
			for j := range v {
				v[j] = rng.Float32()
			}
			ps[i] = &qdrant.PointStruct{Id: qdrant.NewIDNum(id), Vectors: qdrant.NewVectors(v...), Payload: qdrant.NewValueMap(map[string]any{"i": int(id)})}
			id++
		}
		if _, err := c.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "bench", Wait: qdrant.PtrOf(true), Points: ps}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(id)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkConvert measures this package's own work per query, without the
// engine or the network: converting a hybrid query with a filter from
// protobuf and ten scored points with payload back.
func BenchmarkConvert(b *testing.B) {
	q := &qdrant.QueryPoints{
		CollectionName: "c",
		Prefetch: []*qdrant.PrefetchQuery{
			{Query: qdrant.NewQueryDense(make([]float32, 384)), Using: qdrant.PtrOf("dense"), Limit: qdrant.PtrOf(uint64(50))},
			{Query: qdrant.NewQuerySparse([]uint32{1, 7, 99, 1000}, []float32{1, 1, 1, 1}), Using: qdrant.PtrOf("sparse"), Limit: qdrant.PtrOf(uint64(50))},
		},
		Query: qdrant.NewQueryFusion(qdrant.Fusion_RRF),
		Filter: &qdrant.Filter{Must: []*qdrant.Condition{
			qdrant.NewMatchKeywords("kind", "invoice", "receipt"),
			qdrant.NewDatetimeRange("date", &qdrant.DatetimeRange{Gte: timestamppb.Now()}),
			qdrant.NewRange("amount", &qdrant.Range{Gt: qdrant.PtrOf(100.0)}),
		}},
		WithPayload: qdrant.NewWithPayload(true),
	}
	pl, err := payloadFromProto(qdrant.NewValueMap(map[string]any{
		"path": "/home/u/docs/a.pdf", "kind": "invoice", "amount": 1234.5, "tags": []any{"tax", "2024"},
		"parties": []any{map[string]any{"name": "ACME", "role": "seller"}}, "date": "2024-05-01T00:00:00Z",
	}))
	if err != nil {
		b.Fatal(err)
	}
	pts := make([]vectordb.ScoredPoint, 10)
	for i := range pts {
		pts[i] = vectordb.ScoredPoint{ID: vectordb.PointID{Num: uint64(i)}, Score: 0.5, Payload: pl}
	}
	for b.Loop() {
		if _, err := queryFromProto(q); err != nil {
			b.Fatal(err)
		}
		resp := &qdrant.QueryResponse{Result: scoredToProto(pts)}
		if _, err := proto.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
}

// reportCPU reports the process's CPU time (user+system, all goroutines:
// client, server and engine) per operation, a figure that other load on a
// shared machine disturbs less than wall time. Use as defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}
