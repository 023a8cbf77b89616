package rest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// Handler tests of multi-vectors, discover/context/sample/mmr queries,
// lookup_from, 422 validation answers, strict mode, named vector create
// and delete, telemetry and metrics. Every answer is validated against
// the openapi schema by apiClient.do.

func TestMultivectorsAndQueryKinds(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/m", map[string]any{"vectors": map[string]any{
		"d":     map[string]any{"size": 2, "distance": "Dot"},
		"multi": map[string]any{"size": 2, "distance": "Dot", "multivector_config": map[string]any{"comparator": "max_sim"}, "datatype": "float16"},
	}})
	info := c.ok("GET", "/collections/m", nil)
	if at(info, "config", "params", "vectors", "multi", "multivector_config", "comparator") != "max_sim" ||
		at(info, "config", "params", "vectors", "multi", "datatype") != "float16" {
		t.Fatalf("multivector config not reported: %v", at(info, "config", "params", "vectors"))
	}
	c.ok("PUT", "/collections/m/points?wait=true", map[string]any{"points": []any{
		map[string]any{"id": 1, "vector": map[string]any{"d": []float32{1, 0}, "multi": [][]float32{{1, 0}, {0, 1}}}},
		map[string]any{"id": 2, "vector": map[string]any{"d": []float32{0, 1}, "multi": []float32{2, 2}}},
		map[string]any{"id": 3, "vector": map[string]any{"d": []float32{1, 1}}},
	}})
	p := c.ok("GET", "/collections/m/points/2", nil)
	if got, _ := json.Marshal(at(p, "vector", "multi")); string(got) != "[[2,2]]" {
		t.Errorf("multi-vector read back as %s", got)
	}
	res := c.ok("POST", "/collections/m/points/query", map[string]any{"query": [][]float32{{1, 0}, {0, 1}}, "using": "multi"})
	wantIDs(t, "maxsim", ids(at(res, "points")), "2", "1")
	// Shape errors are 422 with Qdrant's paths.
	msg := c.fail("PUT", "/collections/m/points", map[string]any{"points": []any{
		map[string]any{"id": 9, "vector": map[string]any{"multi": [][]float32{{1, 0}, {1}}}}}}, 422)
	if !strings.Contains(msg, "points[0].vector.?.data: all vectors must have the same dimension") {
		t.Errorf("ragged multi-vector: %q", msg)
	}
	c.fail("PUT", "/collections/m/points", map[string]any{"points": []any{map[string]any{"id": 9, "vector": map[string]any{"d": []float32{}}}}}, 422)

	// Discover, context, sample, mmr, rrf with k and weights.
	res = c.ok("POST", "/collections/m/points/query", map[string]any{"using": "d",
		"query": map[string]any{"discover": map[string]any{"target": 3, "context": map[string]any{"positive": 1, "negative": 2}}}})
	wantIDs(t, "discover", ids(at(res, "points")))
	res = c.ok("POST", "/collections/m/points/query", map[string]any{"using": "d", "limit": 10,
		"query": map[string]any{"context": []any{map[string]any{"positive": []float32{1, 0}, "negative": []float32{0, 1}}}}})
	if len(arr(at(res, "points"))) != 3 {
		t.Errorf("context: %v", res)
	}
	res = c.ok("POST", "/collections/m/points/query", map[string]any{"query": map[string]any{"sample": "random"}, "limit": 2})
	if len(arr(at(res, "points"))) != 2 {
		t.Errorf("sample: %v", res)
	}
	res = c.ok("POST", "/collections/m/points/query", map[string]any{"using": "d",
		"query": map[string]any{"nearest": []float32{1, 0.1}, "mmr": map[string]any{"diversity": 0.9, "candidates_limit": 10}}})
	if len(arr(at(res, "points"))) != 3 {
		t.Errorf("mmr: %v", res)
	}
	c.ok("POST", "/collections/m/points/query", map[string]any{
		"prefetch": []any{map[string]any{"query": []float32{1, 0}, "using": "d"}, map[string]any{"query": []float32{0, 1}, "using": "d"}},
		"query":    map[string]any{"rrf": map[string]any{"k": 60, "weights": []float64{3, 1}}}})
	msg = c.fail("POST", "/collections/m/points/query", map[string]any{"using": "d", "query": map[string]any{"fusion": "rrf"}}, 400)
	if msg != "Bad request: Fusion queries cannot be combined with the 'using' field." {
		t.Errorf("fusion with using: %q", msg)
	}
	c.fail("POST", "/collections/m/points/query", map[string]any{"query": []float32{1, 0}, "using": "d", "limit": 0}, 422)

	// lookup_from reads by-id examples from another collection.
	c.ok("PUT", "/collections/other", map[string]any{"vectors": map[string]any{"o": map[string]any{"size": 2, "distance": "Dot"}}})
	c.ok("PUT", "/collections/other/points?wait=true", map[string]any{"points": []any{map[string]any{"id": 7, "vector": map[string]any{"o": []float32{0, 1}}}}})
	res = c.ok("POST", "/collections/m/points/query", map[string]any{"using": "d", "query": 7, "limit": 1,
		"lookup_from": map[string]any{"collection": "other", "vector": "o"}})
	wantIDs(t, "lookup", ids(at(res, "points")), "2")
	if msg := c.fail("POST", "/collections/m/points/query", map[string]any{"using": "d", "query": 8,
		"lookup_from": map[string]any{"collection": "other", "vector": "o"}}, 404); msg != "Not found: No point with id 8 found" {
		t.Errorf("lookup of a missing point: %q", msg)
	}
	if msg := c.fail("POST", "/collections/m/points/query", map[string]any{"using": "d", "query": 7,
		"lookup_from": map[string]any{"collection": "nope"}}, 404); msg != "Not found: Collection nope not found" {
		t.Errorf("lookup in a missing collection: %q", msg)
	}
}

func TestNamedVectorEndpoints(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/v", map[string]any{"vectors": map[string]any{"a": map[string]any{"size": 2, "distance": "Dot"}}})
	c.ok("PUT", "/collections/v/vectors/b", map[string]any{"dense": map[string]any{"size": 3, "distance": "Cosine"}})
	c.ok("PUT", "/collections/v/vectors/s", map[string]any{"sparse": map[string]any{}})
	c.fail("PUT", "/collections/v/vectors/z", map[string]any{"dense": map[string]any{"size": 0, "distance": "Dot"}}, 422)
	c.ok("PUT", "/collections/v/points?wait=true", map[string]any{"points": []any{
		map[string]any{"id": 1, "vector": map[string]any{"a": []float32{1, 2}, "b": []float32{1, 2, 3}}}}})
	c.ok("DELETE", "/collections/v/vectors/a", nil)
	c.fail("DELETE", "/collections/v/vectors/a", nil, 404)
	p := c.ok("GET", "/collections/v/points/1", nil)
	if at(p, "vector", "a") != nil || at(p, "vector", "b") == nil {
		t.Errorf("after deleting a: %v", p)
	}
}

func TestStrictModeAndTelemetry(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/s", map[string]any{"vectors": map[string]any{"size": 2, "distance": "Dot"}})
	c.ok("PUT", "/collections/s/points?wait=true", map[string]any{"points": []any{
		map[string]any{"id": 1, "vector": []float32{1, 0}, "payload": map[string]any{"city": "Berlin"}}}})
	c.ok("PATCH", "/collections/s", map[string]any{"strict_mode_config": map[string]any{
		"enabled": true, "max_query_limit": 3, "unindexed_filtering_retrieve": false, "upsert_max_batchsize": 1}})
	if sm := at(c.ok("GET", "/collections/s", nil), "config", "strict_mode_config"); at(sm, "max_query_limit") != 3.0 {
		t.Errorf("strict mode config: %v", sm)
	}
	if msg := c.fail("POST", "/collections/s/points/query", map[string]any{"query": []float32{1, 0}, "limit": 4}, 400); !strings.Contains(msg, "limit") {
		t.Errorf("max_query_limit: %q", msg)
	}
	filter := map[string]any{"must": []any{map[string]any{"key": "city", "match": map[string]any{"value": "Berlin"}}}}
	if msg := c.fail("POST", "/collections/s/points/scroll", map[string]any{"filter": filter}, 400); !strings.Contains(msg, "Index required but not found for \"city\"") {
		t.Errorf("unindexed filtering: %q", msg)
	}
	c.ok("PUT", "/collections/s/index?wait=true", map[string]any{"field_name": "city", "field_schema": "keyword"})
	c.ok("POST", "/collections/s/points/scroll", map[string]any{"filter": filter})
	c.fail("PUT", "/collections/s/points", map[string]any{"points": []any{
		map[string]any{"id": 2, "vector": []float32{1, 0}}, map[string]any{"id": 3, "vector": []float32{1, 0}}}}, 400)
	c.ok("PATCH", "/collections/s", map[string]any{"strict_mode_config": map[string]any{"read_rate_limit": 1}})
	c.ok("POST", "/collections/s/points/count", map[string]any{})
	code, body := c.raw("POST", "/collections/s/points/count", "application/json", []byte(`{}`))
	if code != http.StatusTooManyRequests || !strings.Contains(string(body), "Rate limiting exceeded: Read rate limit exceeded") {
		t.Errorf("read rate limit: %d %s", code, body)
	}

	for _, level := range []string{"0", "1", "2", "3", "10"} {
		tel := c.ok("GET", "/telemetry?details_level="+level, nil)
		if at(tel, "requests", "rest", "responses", "PUT /collections/{collection_name}/points", "200", "count") == nil {
			t.Errorf("telemetry level %s lacks request statistics: %v", level, at(tel, "requests"))
		}
	}
	_, metrics := c.raw("GET", "/metrics?per_collection=true", "", nil)
	for _, want := range []string{`app_info{name="qdrant"`, `collection_points{id="s"} 1`, `collection="s"`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	code, body = c.raw("GET", "/", "", nil)
	var root map[string]any
	if err := json.Unmarshal(body, &root); code != 200 || err != nil || root["title"] != "qdrant - vector search engine" || len(root["commit"].(string)) != 40 {
		t.Errorf("GET / = %d %s", code, body)
	}
}

// TestStrictModeFullScan: with exact search forbidden, a search of a
// dense vector whose hnsw_config.m is 0 is refused (it could only scan),
// a prefetch's rescoring and sparse vectors are not, and a tenant's
// search (payload_m > 0, a must match on an is_tenant index) is allowed.
func TestStrictModeFullScan(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/f", map[string]any{"vectors": map[string]any{"d": map[string]any{"size": 2, "distance": "Dot"}},
		"sparse_vectors": map[string]any{"s": map[string]any{}}})
	c.ok("PUT", "/collections/f/points?wait=true", map[string]any{"points": []any{
		map[string]any{"id": 1, "vector": map[string]any{"d": []float32{1, 0}, "s": map[string]any{"indices": []int{1}, "values": []float32{1}}},
			"payload": map[string]any{"city": "Berlin"}}}})
	c.ok("PATCH", "/collections/f", map[string]any{"vectors": map[string]any{"d": map[string]any{"hnsw_config": map[string]any{"m": 0, "payload_m": 0}}}})
	if m := at(c.ok("GET", "/collections/f", nil), "config", "params", "vectors", "d", "hnsw_config", "m"); m != 0.0 {
		t.Errorf("hnsw_config.m after PATCH m=0: %v", m)
	}
	dense := map[string]any{"query": []float32{1, 0}, "using": "d", "limit": 1}
	c.ok("POST", "/collections/f/points/query", dense) // allowed before strict mode
	c.ok("PATCH", "/collections/f", map[string]any{"strict_mode_config": map[string]any{"enabled": true, "search_allow_exact": false}})
	if msg := c.fail("POST", "/collections/f/points/query", dense, 400); !strings.Contains(msg, "Request is forbidden on 'd' because global vector indexing is disabled (hnsw_config.m = 0)") {
		t.Errorf("full scan: %q", msg)
	}
	sparse := map[string]any{"query": map[string]any{"indices": []int{1}, "values": []float32{1}}, "using": "s", "limit": 1}
	c.ok("POST", "/collections/f/points/query", sparse)
	c.ok("POST", "/collections/f/points/query", map[string]any{"prefetch": []any{sparse}, "query": []float32{1, 0}, "using": "d", "limit": 1})
	c.fail("POST", "/collections/f/points/query", map[string]any{"prefetch": []any{dense}, "query": sparse["query"], "using": "s", "limit": 1}, 400)

	tenant := map[string]any{"query": []float32{1, 0}, "using": "d", "limit": 1,
		"filter": map[string]any{"must": []any{map[string]any{"key": "city", "match": map[string]any{"value": "Berlin"}}}}}
	c.ok("PUT", "/collections/f/index?wait=true", map[string]any{"field_name": "city", "field_schema": map[string]any{"type": "keyword", "is_tenant": true}})
	c.fail("POST", "/collections/f/points/query", tenant, 400) // payload_m is 0
	c.ok("PATCH", "/collections/f", map[string]any{"vectors": map[string]any{"d": map[string]any{"hnsw_config": map[string]any{"m": 0, "payload_m": 1}}}})
	c.ok("POST", "/collections/f/points/query", tenant)
	c.fail("POST", "/collections/f/points/query", dense, 400) // still no tenant in the filter
}

func TestFullAndShardSnapshotsAndURLRecovery(t *testing.T) {
	c := newClient(t, Config{HTTPRecovery: true})
	c.ok("PUT", "/collections/f", map[string]any{"vectors": map[string]any{"size": 2, "distance": "Dot"}})
	c.ok("PUT", "/collections/f/points?wait=true", map[string]any{"points": []any{map[string]any{"id": 1, "vector": []float32{1, 0}}}})

	full := c.ok("POST", "/snapshots", nil)
	name, _ := at(full, "name").(string)
	if got := arr(c.ok("GET", "/snapshots", nil)); len(got) != 1 || at(got[0], "name") != name {
		t.Fatalf("full snapshots: %v", got)
	}
	if code, body := c.raw("GET", "/snapshots/"+name, "", nil); code != 200 || len(body) == 0 {
		t.Errorf("download full snapshot: %d", code)
	}
	c.fail("GET", "/snapshots/..%2F..%2Fetc%2Fpasswd", nil, 404)
	c.ok("DELETE", "/snapshots/"+name, nil)
	if got := arr(c.ok("GET", "/snapshots", nil)); len(got) != 0 {
		t.Fatalf("full snapshot not deleted: %v", got)
	}

	// Shard 0 is the collection.
	s := c.ok("POST", "/collections/f/shards/0/snapshots", nil)
	sname, _ := at(s, "name").(string)
	if got := arr(c.ok("GET", "/collections/f/shards/0/snapshots", nil)); len(got) != 1 {
		t.Fatalf("shard snapshots: %v", got)
	}
	c.fail("GET", "/collections/f/shards/1/snapshots", nil, 404)
	c.fail("PUT", "/collections/nope/shards/0/snapshots/recover", map[string]any{"location": "x"}, 404)
	code, data := c.raw("GET", "/collections/f/snapshots/"+sname, "", nil)
	if code != 200 {
		t.Fatalf("download: %d", code)
	}

	// Recovery from an http:// location (the file is downloaded, bounded).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/s.snapshot" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
	}))
	defer srv.Close()
	c.fail("PUT", "/collections/g/snapshots/recover", map[string]any{"location": srv.URL + "/missing"}, 400)
	c.ok("PUT", "/collections/g/snapshots/recover", map[string]any{"location": srv.URL + "/s.snapshot"})
	if n := countOf(t, c, "g", nil); n != 1 {
		t.Errorf("recovered collection holds %d points", n)
	}
	if msg := c.fail("PUT", "/collections/g/snapshots/recover", map[string]any{"location": "file://host/x.snapshot"}, 400); msg != "Bad request: Invalid snapshot URI, file path must be absolute or on localhost" {
		t.Errorf("file URI with a host: %q", msg)
	}
	if msg := c.fail("PUT", "/collections/g/snapshots/recover", map[string]any{"location": "file:///nonexistent.snapshot"}, 400); !strings.Contains(msg, "does not exist") {
		t.Errorf("missing file: %q", msg)
	}
	off := newClient(t, Config{})
	off.fail("PUT", "/collections/g/snapshots/recover", map[string]any{"location": srv.URL + "/s.snapshot"}, 403)
}

func TestPlacementOptimizationsAndCluster(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/p", map[string]any{
		"vectors":             map[string]any{"size": 2, "distance": "Dot", "memory": "cached", "hnsw_config": map[string]any{"memory": "cold"}},
		"payload":             map[string]any{"memory": "cached"},
		"optimizers_config":   map[string]any{"indexing_threshold": 0},
		"quantization_config": map[string]any{"scalar": map[string]any{"type": "int8", "memory": "pinned"}},
	})
	params := at(c.ok("GET", "/collections/p", nil), "config", "params")
	if at(params, "vectors", "memory") != "cached" || at(params, "vectors", "hnsw_config", "memory") != "cold" || at(params, "payload", "memory") != "cached" {
		t.Errorf("memory placement not reported: %v", params)
	}
	c.fail("PUT", "/collections/q", map[string]any{"vectors": map[string]any{"size": 2, "distance": "Dot", "memory": "pinned"}}, 422)
	c.fail("PATCH", "/collections/p", map[string]any{"params": map[string]any{"payload": map[string]any{"memory": "pinned"}}}, 422)
	c.ok("PATCH", "/collections/p", map[string]any{"vectors": map[string]any{"": map[string]any{"memory": "cold"}}})
	if at(c.ok("GET", "/collections/p", nil), "config", "params", "vectors", "memory") != "cold" {
		t.Error("PATCH of vectors memory lost")
	}
	opt := c.ok("GET", "/collections/p/optimizations?with=queued,%20completed,idle_segments", nil)
	if len(arr(at(opt, "idle_segments"))) != 1 || len(arr(at(opt, "running"))) != 0 {
		t.Errorf("optimizations: %v", opt)
	}
	if msg := c.fail("POST", "/cluster/recover", nil, 405); !strings.Contains(msg, "standalone mode") {
		t.Errorf("cluster recover: %q", msg)
	}
	c.ok("PUT", "/collections/p/points?wait=true", map[string]any{"points": []any{
		map[string]any{"id": 1, "vector": []float32{1, 0}, "payload": map[string]any{"l": []any{map[string]any{"a": 1}}}}}})
	c.ok("POST", "/collections/p/points/payload?wait=true", map[string]any{"payload": map[string]any{"b": 2}, "points": []any{1}, "key": "l[0]"})
	if at(c.ok("GET", "/collections/p/points/1", nil), "payload", "l", 0, "b") != 2.0 {
		t.Error("set_payload with an array selector")
	}
	if n := len(arr(at(c.ok("POST", "/collections/p/points/scroll", map[string]any{"filter": map[string]any{"must": []any{map[string]any{"slice": map[string]any{"total": 1, "index": 0}}}}}), "points"))); n != 1 {
		t.Errorf("slice of one: %d points", n)
	}
	c.fail("POST", "/collections/p/points/scroll", map[string]any{"filter": map[string]any{"must": []any{map[string]any{"slice": map[string]any{"total": 2, "index": 2}}}}}, 422)
}

// TestDistanceMatrixAndFilteredWriteCost: the distance matrix in both
// forms (sample in id order, each point's nearest others, best first),
// its strict-mode limit, and a filtered write's rate-limiter cost.
func TestDistanceMatrixAndFilteredWriteCost(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/m", map[string]any{"vectors": map[string]any{"size": 2, "distance": "Dot"}})
	c.ok("PUT", "/collections/m/points?wait=true", map[string]any{"points": []any{
		map[string]any{"id": 3, "vector": []float32{1, 0}, "payload": map[string]any{"city": "Berlin"}},
		map[string]any{"id": 1, "vector": []float32{0.9, 0.1}},
		map[string]any{"id": 2, "vector": []float32{0, 1}},
		map[string]any{"id": 4, "vector": []float32{0.1, 0.9}}}})
	pairs := c.ok("POST", "/collections/m/points/search/matrix/pairs", map[string]any{"sample": 10, "limit": 1})
	want := []any{
		map[string]any{"a": 1.0, "b": 3.0, "score": 0.9},
		map[string]any{"a": 2.0, "b": 4.0, "score": 0.9},
		map[string]any{"a": 3.0, "b": 1.0, "score": 0.9},
		map[string]any{"a": 4.0, "b": 2.0, "score": 0.9},
	}
	if got := at(pairs, "pairs"); !reflect.DeepEqual(got, want) {
		t.Errorf("pairs = %v, want %v", got, want)
	}
	off := c.ok("POST", "/collections/m/points/search/matrix/offsets", map[string]any{"sample": 10, "limit": 1})
	if !reflect.DeepEqual(at(off, "offsets_row"), []any{0.0, 1.0, 2.0, 3.0}) || !reflect.DeepEqual(at(off, "offsets_col"), []any{2.0, 3.0, 0.0, 1.0}) ||
		!reflect.DeepEqual(at(off, "ids"), []any{1.0, 2.0, 3.0, 4.0}) {
		t.Errorf("offsets = %v", off)
	}
	c.fail("POST", "/collections/m/points/search/matrix/pairs", map[string]any{"using": "nope"}, 400)
	c.fail("POST", "/collections/m/points/search/matrix/pairs", map[string]any{"sample": 1}, 400)

	c.ok("PATCH", "/collections/m", map[string]any{"strict_mode_config": map[string]any{"enabled": true, "max_query_limit": 15, "write_rate_limit": 3}})
	if msg := c.fail("POST", "/collections/m/points/search/matrix/pairs", map[string]any{"sample": 10, "limit": 2}, 400); !strings.Contains(msg, `Limit exceeded 20 > 15 for "limit"`) {
		t.Errorf("matrix strict limit: %q", msg)
	}
	// An unindexed filter is estimated at half the collection: 2 tokens
	// of 3, then 2 more are refused.
	set := map[string]any{"payload": map[string]any{"x": 1}, "filter": map[string]any{"must": []any{
		map[string]any{"key": "city", "match": map[string]any{"value": "Berlin"}}}}}
	c.ok("PUT", "/collections/m/points/payload?wait=true", set)
	code, body := c.raw("PUT", "/collections/m/points/payload", "application/json", mustJSON(t, set))
	if code != http.StatusTooManyRequests || !strings.Contains(string(body), "Operation requires 2 tokens") {
		t.Errorf("filtered write cost: %d %s", code, body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
