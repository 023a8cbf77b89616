package rest

import (
	"math/rand/v2"
	"strings"
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
			if at(info, "config", "quantization_config", "scalar", "type") != "int8" ||
				at(info, "config", "quantization_config", "scalar", "always_ram") != true {
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

// TestQuantizationConfigValidation: unknown names in a
// quantization_config (binary encoding and query_encoding, scalar type,
// product compression) answer 400 with serde's "unknown variant" message,
// an out-of-range quantile 422, in create and in PATCH, collection-wide
// and per vector; nothing is created or changed.
func TestQuantizationConfigValidation(t *testing.T) {
	c := newClient(t, Config{})
	vectors := map[string]any{"size": 4, "distance": "Dot"}
	for _, tc := range []struct {
		q    map[string]any
		code int
		msg  string
	}{
		{map[string]any{"binary": map[string]any{"encoding": "three_bits"}}, 400, "quantization_config.binary.encoding: unknown variant `three_bits`, expected one of `one_bit`, `two_bits`, `one_and_half_bits`"},
		{map[string]any{"binary": map[string]any{"query_encoding": "scalar2bits"}}, 400, "unknown variant `scalar2bits`, expected one of `default`, `binary`, `scalar4bits`, `scalar8bits`"},
		{map[string]any{"binary": map[string]any{"encoding": 1}}, 400, "quantization_config.binary.encoding: invalid type"},
		{map[string]any{"scalar": map[string]any{"type": "int4"}}, 400, "unknown variant `int4`, expected one of `int8`"},
		{map[string]any{"scalar": map[string]any{"quantile": 0.9}}, 400, "missing field `type`"},
		{map[string]any{"product": map[string]any{"compression": "x2"}}, 400, "unknown variant `x2`, expected one of `x4`, `x8`, `x16`, `x32`, `x64`"},
		{map[string]any{"product": map[string]any{"always_ram": true}}, 400, "missing field `compression`"},
		{map[string]any{"scalar": map[string]any{"type": "int8", "quantile": 0.3}}, 422, "quantization_config.scalar.quantile: value 0.3 invalid, must be from 0.5 to 1.0"},
	} {
		msg := c.fail("PUT", "/collections/v", map[string]any{"vectors": vectors, "quantization_config": tc.q}, tc.code)
		if !strings.Contains(msg, tc.msg) {
			t.Errorf("%v: %q, want it to contain %q", tc.q, msg, tc.msg)
		}
		perVector := map[string]any{"size": 4, "distance": "Dot", "quantization_config": tc.q}
		msg = c.fail("PUT", "/collections/v", map[string]any{"vectors": perVector}, tc.code)
		if !strings.Contains(msg, tc.msg) || !strings.Contains(msg, "vectors.quantization_config") {
			t.Errorf("per vector %v: %q", tc.q, msg)
		}
		if at(c.ok("GET", "/collections/v/exists", nil), "exists") != false {
			t.Fatalf("%v: collection created", tc.q)
		}
	}
	c.ok("PUT", "/collections/v", map[string]any{"vectors": vectors, "quantization_config": map[string]any{"binary": map[string]any{"encoding": "two_bits", "query_encoding": "scalar8bits"}}})
	c.fail("PATCH", "/collections/v", map[string]any{"quantization_config": map[string]any{"binary": map[string]any{"encoding": "two_bit"}}}, 400)
	c.fail("PATCH", "/collections/v", map[string]any{"vectors": map[string]any{"": map[string]any{"quantization_config": map[string]any{"product": map[string]any{"compression": "x3"}}}}}, 400)
	if at(c.ok("GET", "/collections/v", nil), "config", "quantization_config", "binary", "encoding") != "two_bits" {
		t.Fatal("a rejected PATCH changed the quantization_config")
	}
	for _, ok := range []map[string]any{
		{"product": map[string]any{"compression": "x16", "always_ram": true}},
		{"scalar": map[string]any{"type": "int8", "quantile": 0.5}},
		{"binary": map[string]any{"encoding": "one_and_half_bits", "query_encoding": "default"}},
	} {
		c.ok("PATCH", "/collections/v", map[string]any{"quantization_config": ok})
	}
}
