package grpcapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi/rest"
)

// restQuery posts a query to the REST handler h and returns its points as
// "id:score" strings.
func restQuery(t *testing.T, h http.Handler, coll string, body map[string]any) []string {
	t.Helper()
	b, _ := json.Marshal(body)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/collections/"+coll+"/points/query", bytes.NewReader(b)))
	if rec.Code != 200 {
		t.Fatalf("REST query: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Result struct {
			Points []struct {
				ID    uint64  `json:"id"`
				Score float32 `json:"score"`
			} `json:"points"`
		} `json:"result"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("REST query: %v", err)
	}
	var s []string
	for _, p := range out.Result.Points {
		s = append(s, fmt.Sprintf("%d:%.5f", p.ID, p.Score))
	}
	return s
}

// restConfig returns the quantization_config REST reports for coll.
func restConfig(t *testing.T, h http.Handler, coll string) map[string]any {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/collections/"+coll, nil))
	var out struct {
		Result struct {
			Config struct {
				Params struct {
					Vectors map[string]any `json:"vectors"`
				} `json:"params"`
				Quantization map[string]any `json:"quantization_config"`
			} `json:"config"`
		} `json:"result"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("REST info: %v", err)
	}
	if q, ok := out.Result.Config.Params.Vectors["quantization_config"].(map[string]any); ok {
		return q
	}
	return out.Result.Config.Quantization
}

// waitQuantized waits until coll's n vectors are indexed and have codes
// (want true) or until its codes are gone (want false).
func waitQuantized(t *testing.T, db *vectordb.DB, coll string, n int, want bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		info, err := db.CollectionInfo(bg, coll)
		must(t, "info", err)
		q := info.QuantizedVectors[vectordb.DefaultVector]
		if info.IndexedVectorsCount == n && (want && q == n || !want && q == 0) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: indexed %d, codes %d of %d (want codes %v)", coll, info.IndexedVectorsCount, q, n, want)
		}
	}
}

// TestQuantizationGRPC: an int8 and a product (collection-wide) and a
// binary (per vector) quantization config given over gRPC make codes, are reported by
// GetCollectionInfo and by REST as REST's own configs are, and searches
// with every quantization search param answer exactly as REST's do on the
// same collection; binary and product codes change the unrescored
// order, so the params do reach the engine. Updates with a config diff re-encode, and
// Disabled drops the codes.
func TestQuantizationGRPC(t *testing.T) {
	const n, dim = 1500, 24
	ts := startServer(t, "", "")
	h := rest.NewHandler(ts.db, rest.Config{})
	r := rand.New(rand.NewPCG(3, 4))
	vec := func() []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	var pts []*qdrant.PointStruct
	for i := range n {
		pts = append(pts, &qdrant.PointStruct{Id: qdrant.NewIDNum(uint64(i)), Vectors: qdrant.NewVectors(vec()...)})
	}
	int8q := qdrant.NewQuantizationScalar(&qdrant.ScalarQuantization{Type: qdrant.QuantizationType_Int8, Quantile: qdrant.PtrOf(float32(0.99)), AlwaysRam: qdrant.PtrOf(true)})
	binq := qdrant.NewQuantizationBinary(&qdrant.BinaryQuantization{
		Encoding:      qdrant.BinaryQuantizationEncoding_TwoBits.Enum(),
		QueryEncoding: qdrant.NewBinaryQuantizationQueryEncodingSetting(qdrant.BinaryQuantizationQueryEncoding_Scalar4Bits),
	})
	pq := qdrant.NewQuantizationProduct(&qdrant.ProductQuantization{Compression: qdrant.CompressionRatio_x16, AlwaysRam: qdrant.PtrOf(false)})
	hnsw := &qdrant.HnswConfigDiff{FullScanThreshold: qdrant.PtrOf(uint64(1))}
	for _, tc := range []struct {
		name      string
		create    *qdrant.CreateCollection
		reported  func(*qdrant.CollectionConfig) *qdrant.QuantizationConfig
		sent      *qdrant.QuantizationConfig
		key, attr string // in REST's report
		val       any
	}{
		{
			name: "int8",
			create: &qdrant.CreateCollection{CollectionName: "int8", HnswConfig: hnsw, QuantizationConfig: int8q,
				VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: dim, Distance: qdrant.Distance_Cosine})},
			reported: func(c *qdrant.CollectionConfig) *qdrant.QuantizationConfig { return c.GetQuantizationConfig() },
			sent:     int8q, key: "scalar", attr: "type", val: "int8",
		},
		{
			name: "binary",
			create: &qdrant.CreateCollection{CollectionName: "binary", HnswConfig: hnsw,
				VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: dim, Distance: qdrant.Distance_Dot, QuantizationConfig: binq})},
			reported: func(c *qdrant.CollectionConfig) *qdrant.QuantizationConfig {
				return c.GetParams().GetVectorsConfig().GetParams().GetQuantizationConfig()
			},
			sent: binq, key: "binary", attr: "encoding", val: "two_bits",
		},
		{
			name: "product",
			create: &qdrant.CreateCollection{CollectionName: "product", HnswConfig: hnsw, QuantizationConfig: pq,
				VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: dim, Distance: qdrant.Distance_Euclid})},
			reported: func(c *qdrant.CollectionConfig) *qdrant.QuantizationConfig { return c.GetQuantizationConfig() },
			sent:     pq, key: "product", attr: "compression", val: "x16",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.client
			must(t, "create", c.CreateCollection(bg, tc.create))
			_, err := c.Upsert(bg, &qdrant.UpsertPoints{CollectionName: tc.name, Wait: qdrant.PtrOf(true), Points: pts})
			must(t, "upsert", err)
			waitQuantized(t, ts.db, tc.name, n, true)
			info, err := c.GetCollectionInfo(bg, tc.name)
			must(t, "info", err)
			if got := tc.reported(info.GetConfig()); !proto.Equal(got, tc.sent) {
				t.Fatalf("gRPC reports %v, sent %v", got, tc.sent)
			}
			if q, _ := restConfig(t, h, tc.name)[tc.key].(map[string]any); q == nil || q[tc.attr] != tc.val {
				t.Fatalf("REST reports %v", restConfig(t, h, tc.name))
			}
			differs := 0
			for range 15 {
				q := vec()
				for _, p := range []struct {
					grpc *qdrant.QuantizationSearchParams
					rest map[string]any
				}{
					{nil, nil},
					{&qdrant.QuantizationSearchParams{Rescore: qdrant.PtrOf(true), Oversampling: qdrant.PtrOf(2.0)}, map[string]any{"rescore": true, "oversampling": 2.0}},
					{&qdrant.QuantizationSearchParams{Rescore: qdrant.PtrOf(false)}, map[string]any{"rescore": false}},
					{&qdrant.QuantizationSearchParams{Ignore: qdrant.PtrOf(true)}, map[string]any{"ignore": true}},
				} {
					body := map[string]any{"query": q, "limit": 10}
					params := &qdrant.SearchParams{}
					if p.grpc != nil {
						body["params"] = map[string]any{"quantization": p.rest}
						params.Quantization = p.grpc
					}
					want := restQuery(t, h, tc.name, body)
					res, err := c.Query(bg, &qdrant.QueryPoints{CollectionName: tc.name, Query: qdrant.NewQuery(q...), Limit: qdrant.PtrOf(uint64(10)), Params: params})
					must(t, "query", err)
					var got []string
					for _, sp := range res {
						got = append(got, fmt.Sprintf("%d:%.5f", sp.GetId().GetNum(), sp.GetScore()))
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("params %v: gRPC %v, REST %v", p.rest, got, want)
					}
				}
				unrescored := restQuery(t, h, tc.name, map[string]any{"query": q, "limit": 10, "params": map[string]any{"quantization": map[string]any{"rescore": false}}})
				full := restQuery(t, h, tc.name, map[string]any{"query": q, "limit": 10, "params": map[string]any{"quantization": map[string]any{"ignore": true}}})
				if fmt.Sprint(unrescored) != fmt.Sprint(full) {
					differs++
				}
			}
			if tc.name != "int8" && differs == 0 {
				t.Errorf("%s codes never changed the unrescored top 10: params.quantization not applied", tc.name)
			}
			// Disabled drops the codes, a diff brings others back.
			must(t, "disable", c.UpdateCollection(bg, &qdrant.UpdateCollection{CollectionName: tc.name, QuantizationConfig: qdrant.NewQuantizationDiffDisabled(),
				VectorsConfig: qdrant.NewVectorsConfigDiff(&qdrant.VectorParamsDiff{QuantizationConfig: qdrant.NewQuantizationDiffDisabled()})}))
			waitQuantized(t, ts.db, tc.name, n, false)
			info, err = c.GetCollectionInfo(bg, tc.name)
			must(t, "info", err)
			if q := tc.reported(info.GetConfig()); q != nil {
				t.Fatalf("Disabled still reports %v", q)
			}
			must(t, "update", c.UpdateCollection(bg, &qdrant.UpdateCollection{CollectionName: tc.name,
				QuantizationConfig: qdrant.NewQuantizationDiffBinary(&qdrant.BinaryQuantization{AlwaysRam: qdrant.PtrOf(true)})}))
			waitQuantized(t, ts.db, tc.name, n, true)
			if q := restConfig(t, h, tc.name); q["binary"] == nil && tc.name != "binary" {
				t.Fatalf("update not reported: %v", q)
			}
		})
	}
}

// TestQuantizationGRPCInvalid: configs REST rejects are rejected over gRPC
// with InvalidArgument and change nothing.
func TestQuantizationGRPCInvalid(t *testing.T) {
	ts := startServer(t, "", "")
	vp := func(q *qdrant.QuantizationConfig) *qdrant.CreateCollection {
		return &qdrant.CreateCollection{CollectionName: "q", QuantizationConfig: q,
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 4, Distance: qdrant.Distance_Dot})}
	}
	for _, q := range []*qdrant.QuantizationConfig{
		qdrant.NewQuantizationScalar(&qdrant.ScalarQuantization{Type: qdrant.QuantizationType_UnknownQuantization}),
		qdrant.NewQuantizationScalar(&qdrant.ScalarQuantization{Type: qdrant.QuantizationType_Int8, Quantile: qdrant.PtrOf(float32(0.2))}),
		qdrant.NewQuantizationProduct(&qdrant.ProductQuantization{Compression: qdrant.CompressionRatio(9)}),
		qdrant.NewQuantizationBinary(&qdrant.BinaryQuantization{Encoding: qdrant.BinaryQuantizationEncoding(7).Enum()}),
		qdrant.NewQuantizationBinary(&qdrant.BinaryQuantization{QueryEncoding: qdrant.NewBinaryQuantizationQueryEncodingSetting(qdrant.BinaryQuantizationQueryEncoding_Setting(8))}),
		{},
	} {
		err := ts.client.CreateCollection(bg, vp(q))
		if codeOf(err) != codes.InvalidArgument {
			t.Fatalf("%v: %v", q, err)
		}
		if ok, _ := ts.db.CollectionExists(bg, "q"); ok {
			t.Fatalf("%v: collection created", q)
		}
	}
	must(t, "create", ts.client.CreateCollection(bg, vp(nil)))
	err := ts.client.UpdateCollection(bg, &qdrant.UpdateCollection{CollectionName: "q",
		QuantizationConfig: qdrant.NewQuantizationDiffProduct(&qdrant.ProductQuantization{Compression: qdrant.CompressionRatio(5)})})
	if codeOf(err) != codes.InvalidArgument || messageOf(err) == "" {
		t.Fatalf("update: %v", err)
	}
}
