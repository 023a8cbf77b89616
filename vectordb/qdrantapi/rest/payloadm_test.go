package rest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"nexusos/vectordb"
)

// TestPayloadMREST: hnsw_config.payload_m is kept and reported, changed
// by PATCH (collection-wide and per vector), and the engine links the
// points of each indexed integer value while it is positive. The values
// are small blocks (a ninth of the points): as in Qdrant, blocks the
// global graph keeps connected (above total / 2m × 4 points) get none.
func TestPayloadMREST(t *testing.T) {
	const n, dim = 900, 8
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/pm", map[string]any{
		"vectors":     map[string]any{"size": dim, "distance": "Dot"},
		"hnsw_config": map[string]any{"payload_m": 8, "full_scan_threshold": 1},
	})
	if got := at(c.ok("GET", "/collections/pm", nil), "config", "hnsw_config", "payload_m"); got != float64(8) {
		t.Fatalf("payload_m reported %v, want 8", got)
	}
	c.ok("PUT", "/collections/pm/index?wait=true", map[string]any{"field_name": "group", "field_schema": "integer"})
	r := rand.New(rand.NewPCG(3, 4))
	var pts []any
	for i := range n {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		pts = append(pts, map[string]any{"id": i, "vector": v, "payload": map[string]any{"group": i % 9}})
	}
	c.ok("PUT", "/collections/pm/points?wait=true", map[string]any{"points": pts})
	linked := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			info, err := c.db.CollectionInfo(context.Background(), "pm")
			if err != nil {
				t.Fatal(err)
			}
			got := info.PayloadLinkedVectors[vectordb.DefaultVector]
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("payload links on %d vectors, want %d", got, want)
			}
		}
	}
	linked(n)
	c.ok("PATCH", "/collections/pm", map[string]any{"hnsw_config": map[string]any{"payload_m": 0}})
	if got := at(c.ok("GET", "/collections/pm", nil), "config", "hnsw_config", "payload_m"); got != float64(0) {
		t.Fatalf("payload_m after PATCH reported %v, want 0", got)
	}
	linked(0)
	// A per-vector override is what the vector's links follow.
	c.ok("PATCH", "/collections/pm", map[string]any{"vectors": map[string]any{"": map[string]any{"hnsw_config": map[string]any{"payload_m": 4}}}})
	if got := at(c.ok("GET", "/collections/pm", nil), "config", "params", "vectors", "hnsw_config", "payload_m"); got != float64(4) {
		t.Fatalf("per-vector payload_m reported %v, want 4", got)
	}
	linked(n)
}
