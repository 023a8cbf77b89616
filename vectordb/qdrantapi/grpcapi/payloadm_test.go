package grpcapi

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi/rest"
)

// TestPayloadMRoundTrip: hnsw_config.payload_m sent over gRPC is kept,
// reported over gRPC and REST, changed by UpdateCollection, and makes the
// engine link the points of each indexed keyword value.
func TestPayloadMRoundTrip(t *testing.T) {
	const n, dim = 600, 8
	ts := startServer(t, "", "")
	c := ts.client
	h := rest.NewHandler(ts.db, rest.Config{})
	must(t, "create", c.CreateCollection(bg, &qdrant.CreateCollection{CollectionName: "pm",
		HnswConfig:    &qdrant.HnswConfigDiff{PayloadM: qdrant.PtrOf(uint64(6)), FullScanThreshold: qdrant.PtrOf(uint64(1))},
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: dim, Distance: qdrant.Distance_Cosine})}))
	_, err := c.CreateFieldIndex(bg, &qdrant.CreateFieldIndexCollection{CollectionName: "pm", FieldName: "tenant",
		FieldType: qdrant.FieldType_FieldTypeKeyword.Enum(), Wait: qdrant.PtrOf(true)})
	must(t, "index", err)
	r := rand.New(rand.NewPCG(1, 2))
	var pts []*qdrant.PointStruct
	for i := range n {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		pts = append(pts, &qdrant.PointStruct{Id: qdrant.NewIDNum(uint64(i)), Vectors: qdrant.NewVectors(v...),
			Payload: qdrant.NewValueMap(map[string]any{"tenant": fmt.Sprintf("t%d", i%12)})})
	}
	_, err = c.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "pm", Wait: qdrant.PtrOf(true), Points: pts})
	must(t, "upsert", err)

	reported := func() (grpcM, restM any) {
		info, err := c.GetCollectionInfo(bg, "pm")
		must(t, "info", err)
		if pm := info.GetConfig().GetHnswConfig().PayloadM; pm != nil {
			grpcM = *pm
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/collections/pm", nil))
		var out struct {
			Result struct {
				Config struct {
					HNSW map[string]any `json:"hnsw_config"`
				} `json:"config"`
			} `json:"result"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return grpcM, out.Result.Config.HNSW["payload_m"]
	}
	if g, r := reported(); g != uint64(6) || r != float64(6) {
		t.Fatalf("payload_m reported %v over gRPC, %v over REST; want 6", g, r)
	}
	waitLinked(t, ts.db, "pm", n)

	must(t, "update", c.UpdateCollection(bg, &qdrant.UpdateCollection{CollectionName: "pm",
		HnswConfig: &qdrant.HnswConfigDiff{PayloadM: qdrant.PtrOf(uint64(0))}}))
	if g, r := reported(); g != uint64(0) || r != float64(0) {
		t.Fatalf("payload_m after update reported %v over gRPC, %v over REST; want 0", g, r)
	}
	waitLinked(t, ts.db, "pm", 0)
}

// waitLinked waits until coll's default vector has payload links on want
// vectors.
func waitLinked(t *testing.T, db *vectordb.DB, coll string, want int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		info, err := db.CollectionInfo(bg, coll)
		must(t, "info", err)
		got := info.PayloadLinkedVectors[vectordb.DefaultVector]
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: payload links on %d vectors, want %d", coll, got, want)
		}
	}
}
