package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"nexusos/vectordb"
)

// BenchmarkFilteredQueryREST measures a filtered top-10 query through the
// whole REST stack (HTTP over loopback, JSON, engine) on 20,000 random
// 100-d Cosine vectors with a keyword filter matching ~10% of them. It
// reports p50 and p99 latency besides ns/op.
//
//	go test -run XXX -bench FilteredQueryREST ./vectordb/qdrantapi/rest/
func BenchmarkFilteredQueryREST(b *testing.B) {
	const n, dim, kinds = 20000, 100, 10
	db, err := vectordb.Open(b.TempDir(), vectordb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(NewHandler(db, Config{}))
	defer srv.Close()
	post := func(method, path string, body any) []byte {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
		}
		return out
	}
	post("PUT", "/collections/bench", map[string]any{"vectors": map[string]any{"size": dim, "distance": "Cosine"}})
	post("PUT", "/collections/bench/index?wait=true", map[string]any{"field_name": "kind", "field_schema": "keyword"})
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func() []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	for lo := 0; lo < n; lo += 1000 {
		ids := make([]int, 0, 1000)
		vecs := make([][]float32, 0, 1000)
		pays := make([]any, 0, 1000)
		for i := lo; i < lo+1000; i++ {
			ids = append(ids, i)
			vecs = append(vecs, vec())
			pays = append(pays, map[string]any{"kind": fmt.Sprintf("k%d", i%kinds)})
		}
		post("PUT", "/collections/bench/points?wait=true", map[string]any{"batch": map[string]any{"ids": ids, "vectors": vecs, "payloads": pays}})
	}
	queries := make([][]byte, 64)
	for i := range queries {
		queries[i], _ = json.Marshal(map[string]any{
			"query":  vec(),
			"filter": map[string]any{"must": []any{map[string]any{"key": "kind", "match": map[string]any{"value": fmt.Sprintf("k%d", i%kinds)}}}},
			"limit":  10, "with_payload": true,
		})
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/collections/bench/points/query", bytes.NewReader(queries[i%len(queries)]))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("query: HTTP %d", resp.StatusCode)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkUpsertREST measures batch upserts (100 points of 100-d with a
// small payload, wait=true) through the in-process handler; it reports
// points/s.
//
//	go test -run XXX -bench UpsertREST ./vectordb/qdrantapi/rest/
func BenchmarkUpsertREST(b *testing.B) {
	const per, dim = 100, 100
	db, err := vectordb.Open(b.TempDir(), vectordb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	h := NewHandler(db, Config{})
	do := func(method, path string, body []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, bytes.NewReader(body)))
		if rec.Code != 200 {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.Bytes())
		}
	}
	do("PUT", "/collections/up", []byte(`{"vectors":{"size":100,"distance":"Cosine"}}`))
	rng := rand.New(rand.NewPCG(3, 4))
	type parts struct{ vecs, pays []byte }
	bodies := make([]parts, 16)
	for i := range bodies {
		vecs := make([][]float32, per)
		pays := make([]any, per)
		for j := range vecs {
			vecs[j] = make([]float32, dim)
			for k := range vecs[j] {
				vecs[j][k] = rng.Float32()
			}
			pays[j] = map[string]any{"kind": "doc", "n": j}
		}
		bodies[i].vecs, _ = json.Marshal(vecs)
		bodies[i].pays, _ = json.Marshal(pays)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The batch form lets every iteration insert new ids cheaply.
		ids := make([]int, per)
		for j := range ids {
			ids[j] = i*per + j
		}
		idj, _ := json.Marshal(ids)
		p := bodies[i%len(bodies)]
		body := bytes.Join([][]byte{[]byte(`{"batch":{"ids":`), idj, []byte(`,"vectors":`), p.vecs, []byte(`,"payloads":`), p.pays, []byte(`}}`)}, nil)
		do("PUT", "/collections/up/points?wait=true", body)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkQueryOverhead compares the same filtered top-10 query run
// directly on the engine and through the in-process REST handler (JSON
// decode, validation, encode; no network), on 5,000 random 100-d Cosine
// points, so the REST layer's own cost is the difference.
//
//	go test -run XXX -bench QueryOverhead ./vectordb/qdrantapi/rest/
func BenchmarkQueryOverhead(b *testing.B) {
	const n, dim = 5000, 100
	db, err := vectordb.Open(b.TempDir(), vectordb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.CreateCollection(ctx, "o", vectordb.CollectionConfig{Vectors: map[string]vectordb.VectorParams{"": {Size: dim, Distance: vectordb.Cosine}}}); err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateFieldIndex(ctx, "o", "kind", vectordb.SchemaKeyword, nil, true); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	vec := func() []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	pts := make([]vectordb.PointStruct, n)
	for i := range pts {
		pts[i] = vectordb.PointStruct{ID: vectordb.PointID{Num: uint64(i)}, Vectors: vectordb.NamedVectors{"": {Dense: vec()}},
			Payload: vectordb.Payload{"kind": fmt.Sprintf("k%d", i%10), "n": float64(i)}}
	}
	if _, err := db.Upsert(ctx, "o", pts, true); err != nil {
		b.Fatal(err)
	}
	q := vec()
	req := vectordb.QueryRequest{
		Query:       &vectordb.Query{Nearest: &vectordb.VectorInput{Dense: q}},
		Filter:      &vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "kind", Match: &vectordb.Match{Value: "k3"}}}}},
		Limit:       10,
		WithPayload: vectordb.PayloadSelector{All: true},
	}
	body, _ := json.Marshal(map[string]any{
		"query":  q,
		"filter": map[string]any{"must": []any{map[string]any{"key": "kind", "match": map[string]any{"value": "k3"}}}},
		"limit":  10, "with_payload": true,
	})
	h := NewHandler(db, Config{})
	b.Run("engine", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if res, err := db.Query(ctx, "o", req); err != nil || len(res) != 10 {
				b.Fatalf("query: %d results, %v", len(res), err)
			}
		}
	})
	b.Run("rest", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/collections/o/points/query", bytes.NewReader(body)))
			if rec.Code != 200 {
				b.Fatalf("query: %d %s", rec.Code, rec.Body.Bytes())
			}
		}
	})
}
