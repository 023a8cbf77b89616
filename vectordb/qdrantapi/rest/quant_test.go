package rest

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestScalarQuantizationREST: a collection created with a scalar int8
// quantization_config answers queries and searches with
// params.quantization (ignore, rescore, oversampling), with exact scores.
func TestScalarQuantizationREST(t *testing.T) {
	const n, dim = 2000, 24
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/q", map[string]any{
		"vectors":             map[string]any{"size": dim, "distance": "Cosine"},
		"hnsw_config":         map[string]any{"full_scan_threshold": 1},
		"quantization_config": map[string]any{"scalar": map[string]any{"type": "int8", "quantile": 0.99, "always_ram": true}},
	})
	r := rand.New(rand.NewPCG(1, 2))
	vec := func() []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	var pts []any
	for i := 0; i < n; i++ {
		pts = append(pts, map[string]any{"id": i, "vector": vec()})
	}
	c.ok("PUT", "/collections/q/points?wait=true", map[string]any{"points": pts})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info := c.ok("GET", "/collections/q", nil)
		if at(info, "indexed_vectors_count") == float64(n) {
			if at(info, "config", "quantization_config", "scalar", "type") != "int8" {
				t.Fatalf("quantization_config not reported: %v", at(info, "config"))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not indexed: %v", info)
		}
	}
	found, total := 0, 0
	for i := 0; i < 20; i++ {
		q := vec()
		exact := c.ok("POST", "/collections/q/points/query", map[string]any{"query": q, "limit": 10, "params": map[string]any{"exact": true}})
		want := map[string]float64{}
		for _, p := range arr(at(exact, "points")) {
			want[ids([]any{p})[0]] = at(p, "score").(float64)
		}
		for _, params := range []map[string]any{
			{"quantization": map[string]any{"rescore": true, "oversampling": 2.0}},
			{"hnsw_ef": 64, "quantization": map[string]any{"ignore": false}},
			{"quantization": map[string]any{"ignore": true}},
			{"quantization": map[string]any{"rescore": false}},
		} {
			got := c.ok("POST", "/collections/q/points/query", map[string]any{"query": q, "limit": 10, "params": params})
			if len(arr(at(got, "points"))) != 10 {
				t.Fatalf("%v: %d points", params, len(arr(at(got, "points"))))
			}
			for _, p := range arr(at(got, "points")) {
				id := ids([]any{p})[0]
				if s, ok := want[id]; ok {
					found++
					if !near(s, at(p, "score").(float64)) {
						t.Fatalf("%v: point %s score %v, exact %v", params, id, at(p, "score"), s)
					}
				}
			}
			total += 10
		}
		legacy := c.ok("POST", "/collections/q/points/search", map[string]any{"vector": q, "limit": 10, "params": map[string]any{"quantization": map[string]any{"oversampling": 3.0}}})
		if len(arr(legacy)) != 10 {
			t.Fatalf("search: %v", legacy)
		}
	}
	if rec := float64(found) / float64(total); rec < 0.85 {
		t.Fatalf("recall@10 with quantization params %.3f", rec)
	}
	c.fail("POST", "/collections/q/points/query", map[string]any{"query": vec(), "params": map[string]any{"quantization": map[string]any{"oversampling": 0.5}}}, 422, 400)
}
