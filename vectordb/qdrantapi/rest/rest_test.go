package rest

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const uuid1 = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"

func TestService(t *testing.T) {
	c := newClient(t, Config{})
	code, body := c.raw("GET", "/", "", nil)
	validateResponse(t, "GET", "/", code, body)
	if code != 200 || !strings.Contains(string(body), `"version":"`+Version+`"`) {
		t.Errorf("GET / = %d %s", code, body)
	}
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		if code, body := c.raw("GET", p, "", nil); code != 200 || len(body) == 0 {
			t.Errorf("GET %s = %d %q", p, code, body)
		}
	}
	res := c.ok("GET", "/telemetry", nil)
	if at(res, "id") == nil {
		t.Errorf("telemetry without id: %v", res)
	}
	c.ok("GET", "/collections?timeout=5", nil)
	c.fail("GET", "/collections?timeout=0", nil, 422)
	c.fail("GET", "/collections?timeout=abc", nil, 400)
	msg := c.fail("GET", "/no/such/endpoint", nil, 404)
	if !strings.Contains(msg, "no such endpoint") {
		t.Errorf("unknown endpoint message %q", msg)
	}
	c.fail("GET", "/collections/nope", nil, 404)
	if msg := c.fail("POST", "/collections/x/points/discover", map[string]any{"limit": 1}, 400); !strings.Contains(msg, "not supported") {
		t.Errorf("discover: %q", msg)
	}
	code, body = c.raw("GET", "/metrics", "", nil)
	for _, want := range []string{
		`app_info{name="qdrant",version="` + Version + `"} 1`,
		"collections_total 0",
		`rest_responses_total{method="GET",endpoint="/telemetry",status="200"} 1`,
		`rest_responses_total{method="GET",endpoint="/collections",status="200"} 1`,
		`rest_responses_total{method="GET",endpoint="/collections/{collection_name}",status="404"} 1`,
		`rest_responses_fail_total{method="GET",endpoint="unknown",status="404"} 1`,
	} {
		if code != 200 || !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
}

func TestCollections(t *testing.T) {
	c := newClient(t, Config{})
	if c.ok("PUT", "/collections/single", map[string]any{
		"vectors":     map[string]any{"size": 4, "distance": "Cosine"},
		"hnsw_config": map[string]any{"m": 8, "ef_construct": 64},
	}) != true {
		t.Fatal("create single: result is not true")
	}
	c.ok("PUT", "/collections/named", map[string]any{
		"vectors": map[string]any{
			"image": map[string]any{"size": 3, "distance": "Dot"},
			"text":  map[string]any{"size": 2, "distance": "Euclid", "hnsw_config": map[string]any{"m": 4}},
			"geo":   map[string]any{"size": 2, "distance": "Manhattan"},
		},
		"sparse_vectors": map[string]any{"bm25": map[string]any{"modifier": "idf"}},
	})
	c.fail("PUT", "/collections/single", map[string]any{"vectors": map[string]any{"size": 4, "distance": "Cosine"}}, 400, 409)
	c.fail("PUT", "/collections/bad", map[string]any{"vectors": map[string]any{"size": 4, "distance": "Cosinus"}}, 400)
	c.fail("PUT", "/collections/bad", map[string]any{"vectors": map[string]any{"size": 0, "distance": "Dot"}}, 422)
	c.fail("PUT", "/collections/bad", map[string]any{"sparse_vectors": map[string]any{"s": map[string]any{"modifier": "bm42"}}}, 400)

	got := ids(at(c.ok("GET", "/collections", nil), "collections"))
	names := map[string]bool{}
	for _, n := range arr(at(c.ok("GET", "/collections", nil), "collections")) {
		names[fmt.Sprint(obj(n)["name"])] = true
	}
	if !names["single"] || !names["named"] || names["bad"] {
		t.Errorf("collections = %v (%v)", names, got)
	}

	info := c.ok("GET", "/collections/single", nil)
	if at(info, "config", "params", "vectors", "size") != 4.0 || at(info, "config", "params", "vectors", "distance") != "Cosine" {
		t.Errorf("single params = %v", at(info, "config", "params"))
	}
	if at(info, "config", "hnsw_config", "m") != 8.0 || at(info, "config", "hnsw_config", "ef_construct") != 64.0 {
		t.Errorf("single hnsw_config = %v", at(info, "config", "hnsw_config"))
	}
	if at(info, "points_count") != 0.0 || at(info, "status") != "green" {
		t.Errorf("single status/points = %v/%v", at(info, "status"), at(info, "points_count"))
	}
	info = c.ok("GET", "/collections/named", nil)
	if at(info, "config", "params", "vectors", "image", "distance") != "Dot" || at(info, "config", "params", "vectors", "geo", "distance") != "Manhattan" {
		t.Errorf("named vectors = %v", at(info, "config", "params", "vectors"))
	}
	if at(info, "config", "params", "sparse_vectors", "bm25", "modifier") != "idf" {
		t.Errorf("named sparse vectors = %v", at(info, "config", "params", "sparse_vectors"))
	}

	if at(c.ok("GET", "/collections/single/exists", nil), "exists") != true {
		t.Error("single does not exist")
	}
	if at(c.ok("GET", "/collections/nope/exists", nil), "exists") != false {
		t.Error("nope exists")
	}
	msg := c.fail("GET", "/collections/nope", nil, 404)
	if !strings.Contains(msg, "nope") {
		t.Errorf("404 message %q does not name the collection", msg)
	}

	c.ok("PATCH", "/collections/single", map[string]any{"hnsw_config": map[string]any{"ef_construct": 128}})
	if ef := at(c.ok("GET", "/collections/single", nil), "config", "hnsw_config", "ef_construct"); ef != 128.0 {
		t.Errorf("after PATCH ef_construct = %v, want 128", ef)
	}
	c.ok("PATCH", "/collections/named", map[string]any{"vectors": map[string]any{"image": map[string]any{"hnsw_config": map[string]any{"m": 32}}}})
	c.fail("PATCH", "/collections/nope", map[string]any{"hnsw_config": map[string]any{"m": 4}}, 404)

	// Aliases.
	c.ok("POST", "/collections/aliases", map[string]any{"actions": []any{
		map[string]any{"create_alias": map[string]any{"collection_name": "single", "alias_name": "a1"}},
	}})
	aliases := arr(at(c.ok("GET", "/aliases", nil), "aliases"))
	if len(aliases) != 1 || at(aliases, 0, "alias_name") != "a1" || at(aliases, 0, "collection_name") != "single" {
		t.Errorf("aliases = %v", aliases)
	}
	if n := len(arr(at(c.ok("GET", "/collections/single/aliases", nil), "aliases"))); n != 1 {
		t.Errorf("single has %d aliases, want 1", n)
	}
	if at(c.ok("GET", "/collections/a1", nil), "config", "params", "vectors", "size") != 4.0 {
		t.Error("alias a1 does not resolve to single")
	}
	c.ok("POST", "/collections/aliases", map[string]any{"actions": []any{
		map[string]any{"rename_alias": map[string]any{"old_alias_name": "a1", "new_alias_name": "a2"}},
	}})
	if at(c.ok("GET", "/collections/a2/exists", nil), "exists") != true || at(c.ok("GET", "/collections/a1/exists", nil), "exists") != false {
		t.Error("rename alias a1 -> a2 did not happen")
	}
	c.ok("POST", "/collections/aliases", map[string]any{"actions": []any{
		map[string]any{"delete_alias": map[string]any{"alias_name": "a2"}},
	}})
	if n := len(arr(at(c.ok("GET", "/aliases", nil), "aliases"))); n != 0 {
		t.Errorf("%d aliases left, want 0", n)
	}
	c.fail("POST", "/collections/aliases", map[string]any{"actions": []any{map[string]any{}}}, 400)
	c.fail("POST", "/collections/aliases", map[string]any{"actions": []any{
		map[string]any{"create_alias": map[string]any{"collection_name": "nope", "alias_name": "a3"}},
	}}, 400, 404)

	if c.ok("DELETE", "/collections/named", nil) != true {
		t.Error("delete named: result is not true")
	}
	c.fail("GET", "/collections/named", nil, 404)
}

// setupPoints creates collection p (4-d Cosine) with five points.
func setupPoints(t *testing.T, c *apiClient) {
	t.Helper()
	c.ok("PUT", "/collections/p", map[string]any{"vectors": map[string]any{"size": 4, "distance": "Cosine"}})
	res := c.ok("PUT", "/collections/p/points?wait=true", map[string]any{"batch": map[string]any{
		"ids":     []any{1, 2, 3},
		"vectors": [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}},
		"payloads": []any{
			map[string]any{"city": "London", "price": 10, "tags": []any{"a", "b"}},
			map[string]any{"city": "Paris", "price": 20},
			map[string]any{"city": "London", "price": 30, "meta": map[string]any{"lang": "en"}},
		},
	}})
	if at(res, "status") != "completed" {
		t.Errorf("upsert with wait: status %v", at(res, "status"))
	}
	c.ok("PUT", "/collections/p/points?wait=true", map[string]any{"points": []any{
		map[string]any{"id": uuid1, "vector": []float32{0, 0, 0, 1}, "payload": map[string]any{"city": "Berlin", "price": 40}},
		map[string]any{"id": 4, "vector": []float32{0.5, 0.5, 0, 0}, "payload": map[string]any{"city": "Rome", "price": 50}},
	}})
}

func TestPoints(t *testing.T) {
	c := newClient(t, Config{})
	setupPoints(t, c)

	if n := countOf(t, c, "p", nil); n != 5 {
		t.Fatalf("count = %d, want 5", n)
	}
	rec := c.ok("GET", "/collections/p/points/1", nil)
	if at(rec, "id") != 1.0 || at(rec, "payload", "city") != "London" || len(arr(at(rec, "vector"))) != 4 {
		t.Errorf("GET point 1 = %v", rec)
	}
	rec = c.ok("GET", "/collections/p/points/"+strings.ToUpper(uuid1), nil)
	if at(rec, "id") != uuid1 {
		t.Errorf("GET point by upper-case UUID: id = %v", at(rec, "id"))
	}
	c.fail("GET", "/collections/p/points/999", nil, 404)
	c.fail("GET", "/collections/p/points/not-an-id", nil, 400)

	recs := c.ok("POST", "/collections/p/points", map[string]any{"ids": []any{1, uuid1, 999}})
	wantIDs(t, "retrieve", sortedIDs(recs), "1", uuid1)
	if at(recs, 0, "payload") == nil || at(recs, 0, "vector") != nil {
		t.Errorf("retrieve defaults: payload %v vector %v, want payload and no vector", at(recs, 0, "payload"), at(recs, 0, "vector"))
	}
	recs = c.ok("POST", "/collections/p/points", map[string]any{"ids": []any{1}, "with_payload": []string{"city"}, "with_vector": true})
	if p := obj(at(recs, 0, "payload")); len(p) != 1 || p["city"] != "London" || len(arr(at(recs, 0, "vector"))) != 4 {
		t.Errorf("retrieve with_payload [city], with_vector: %v", recs)
	}
	recs = c.ok("POST", "/collections/p/points", map[string]any{"ids": []any{1}, "with_vectors": true})
	if len(arr(at(recs, 0, "vector"))) != 4 {
		t.Errorf("with_vectors alias ignored: %v", recs)
	}
	recs = c.ok("POST", "/collections/p/points", map[string]any{"ids": []any{1}, "with_payload": map[string]any{"exclude": []string{"city"}}})
	if p := obj(at(recs, 0, "payload")); p["city"] != nil || p["price"] != 10.0 {
		t.Errorf("retrieve with_payload exclude city: %v", p)
	}
	recs = c.ok("POST", "/collections/p/points", map[string]any{"ids": []any{1}, "with_payload": false})
	if at(recs, 0, "payload") != nil {
		t.Errorf("with_payload false returned %v", at(recs, 0, "payload"))
	}

	london := map[string]any{"must": []any{map[string]any{"key": "city", "match": map[string]any{"value": "London"}}}}
	if n := countOf(t, c, "p", london); n != 2 {
		t.Errorf("count London = %d, want 2", n)
	}

	// Payload operations.
	c.ok("POST", "/collections/p/points/payload?wait=true", map[string]any{"payload": map[string]any{"flag": true}, "points": []any{1}})
	if p := obj(at(c.ok("GET", "/collections/p/points/1", nil), "payload")); p["flag"] != true || p["city"] != "London" {
		t.Errorf("set payload: %v", p)
	}
	c.ok("POST", "/collections/p/points/payload?wait=true", map[string]any{"payload": map[string]any{"lang": "fr"}, "points": []any{3}, "key": "meta"})
	if l := at(c.ok("GET", "/collections/p/points/3", nil), "payload", "meta", "lang"); l != "fr" {
		t.Errorf("set payload under key meta: meta.lang = %v", l)
	}
	c.ok("POST", "/collections/p/points/payload?wait=true", map[string]any{"payload": map[string]any{"seen": 1}, "filter": london})
	if n := countOf(t, c, "p", map[string]any{"must": []any{map[string]any{"key": "seen", "match": map[string]any{"value": 1}}}}); n != 2 {
		t.Errorf("set payload by filter touched %d points, want 2", n)
	}
	c.ok("PUT", "/collections/p/points/payload?wait=true", map[string]any{"payload": map[string]any{"only": 1}, "points": []any{2}})
	if p := obj(at(c.ok("GET", "/collections/p/points/2", nil), "payload")); len(p) != 1 || p["only"] != 1.0 {
		t.Errorf("overwrite payload: %v", p)
	}
	c.ok("POST", "/collections/p/points/payload/delete?wait=true", map[string]any{"keys": []string{"only"}, "points": []any{2}})
	if p := obj(at(c.ok("GET", "/collections/p/points/2", nil), "payload")); len(p) != 0 {
		t.Errorf("delete payload key: %v", p)
	}
	c.ok("POST", "/collections/p/points/payload/clear?wait=true", map[string]any{"points": []any{3}})
	if p := obj(at(c.ok("GET", "/collections/p/points/3", nil), "payload")); len(p) != 0 {
		t.Errorf("clear payload: %v", p)
	}
	c.fail("POST", "/collections/p/points/payload", map[string]any{"payload": map[string]any{"x": 1}}, 400)
	c.fail("POST", "/collections/p/points/payload", map[string]any{"payload": map[string]any{"x": 1}, "points": []any{1}, "filter": london}, 400)

	// Vectors.
	c.ok("PUT", "/collections/p/points/vectors?wait=true", map[string]any{"points": []any{map[string]any{"id": 2, "vector": []float32{0, 0, 1, 0}}}})
	v := arr(at(c.ok("GET", "/collections/p/points/2", nil), "vector"))
	if len(v) != 4 || !near(v[2].(float64), 1) {
		t.Errorf("update vectors: %v", v)
	}
	c.fail("PUT", "/collections/p/points/vectors", map[string]any{"points": []any{}}, 400)

	// Deletes.
	c.ok("POST", "/collections/p/points/delete?wait=true", map[string]any{"points": []any{4}})
	if n := countOf(t, c, "p", nil); n != 4 {
		t.Errorf("after delete by id: count %d, want 4", n)
	}
	c.ok("POST", "/collections/p/points/delete?wait=true", map[string]any{"filter": london})
	// Point 3's payload was cleared above, so only point 1 is in London.
	if n := countOf(t, c, "p", nil); n != 3 {
		t.Errorf("after delete by filter: count %d, want 3", n)
	}
	c.fail("POST", "/collections/p/points/delete", map[string]any{}, 400)
	c.fail("POST", "/collections/nope/points/delete", map[string]any{"points": []any{1}}, 404)
}

func TestBatchUpdate(t *testing.T) {
	c := newClient(t, Config{})
	setupPoints(t, c)
	res := c.ok("POST", "/collections/p/points/batch?wait=true", map[string]any{"operations": []any{
		map[string]any{"upsert": map[string]any{"points": []any{map[string]any{"id": 7, "vector": []float32{1, 1, 0, 0}, "payload": map[string]any{"city": "Oslo"}}}}},
		map[string]any{"set_payload": map[string]any{"payload": map[string]any{"new": true}, "points": []any{7, 1}}},
		map[string]any{"delete_payload": map[string]any{"keys": []string{"price"}, "points": []any{1}}},
		map[string]any{"overwrite_payload": map[string]any{"payload": map[string]any{"x": 1}, "points": []any{2}}},
		map[string]any{"clear_payload": map[string]any{"points": []any{3}}},
		map[string]any{"update_vectors": map[string]any{"points": []any{map[string]any{"id": 7, "vector": []float32{0, 0, 0, 1}}}}},
		map[string]any{"delete": map[string]any{"points": []any{4}}},
	}})
	if n := len(arr(res)); n != 7 {
		t.Fatalf("batch: %d results, want 7: %v", n, res)
	}
	if p := obj(at(c.ok("GET", "/collections/p/points/1", nil), "payload")); p["new"] != true || p["price"] != nil {
		t.Errorf("point 1 after batch: %v", p)
	}
	if p := obj(at(c.ok("GET", "/collections/p/points/7", nil), "payload")); p["city"] != "Oslo" || p["new"] != true {
		t.Errorf("point 7 after batch: %v", p)
	}
	if n := countOf(t, c, "p", nil); n != 5 {
		t.Errorf("count after batch = %d, want 5", n)
	}
	// One bad operation rejects the whole batch before anything runs.
	c.fail("POST", "/collections/p/points/batch", map[string]any{"operations": []any{
		map[string]any{"delete": map[string]any{"points": []any{1}}},
		map[string]any{"set_payload": map[string]any{"points": []any{1}}},
	}}, 400)
	c.fail("POST", "/collections/p/points/batch", map[string]any{"operations": []any{map[string]any{"explode": map[string]any{}}}}, 400)
	if n := countOf(t, c, "p", nil); n != 5 {
		t.Errorf("count after rejected batches = %d, want 5", n)
	}
}

func TestNamedVectorOps(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/n", map[string]any{
		"vectors":        map[string]any{"a": map[string]any{"size": 2, "distance": "Dot"}, "b": map[string]any{"size": 3, "distance": "Euclid"}},
		"sparse_vectors": map[string]any{"s": map[string]any{}},
	})
	c.ok("PUT", "/collections/n/points?wait=true", map[string]any{"batch": map[string]any{
		"ids": []any{1, 2},
		"vectors": map[string]any{
			"a": [][]float32{{1, 0}, {0, 1}},
			"b": [][]float32{{1, 2, 3}, {3, 2, 1}},
			"s": []any{map[string]any{"indices": []int{1, 7}, "values": []float32{0.5, 1}}, map[string]any{"indices": []int{2}, "values": []float32{1}}},
		},
	}})
	rec := c.ok("POST", "/collections/n/points", map[string]any{"ids": []any{1}, "with_vector": true})
	vec := at(rec, 0, "vector")
	if len(arr(at(vec, "a"))) != 2 || len(arr(at(vec, "b"))) != 3 || len(arr(at(vec, "s", "indices"))) != 2 {
		t.Errorf("named vectors of point 1: %v", vec)
	}
	rec = c.ok("POST", "/collections/n/points", map[string]any{"ids": []any{1}, "with_vector": []string{"b"}})
	if v := obj(at(rec, 0, "vector")); len(v) != 1 || v["b"] == nil {
		t.Errorf("with_vector [b]: %v", v)
	}
	c.ok("POST", "/collections/n/points/vectors/delete?wait=true", map[string]any{"points": []any{1}, "vector": []string{"b"}})
	rec = c.ok("POST", "/collections/n/points", map[string]any{"ids": []any{1}, "with_vector": true})
	if v := obj(at(rec, 0, "vector")); v["b"] != nil || v["a"] == nil {
		t.Errorf("after deleting vector b: %v", v)
	}
	hasB := map[string]any{"must": []any{map[string]any{"has_vector": "b"}}}
	if n := countOf(t, c, "n", hasB); n != 1 {
		t.Errorf("has_vector b: %d, want 1", n)
	}
	c.ok("PUT", "/collections/n/points/vectors?wait=true", map[string]any{"points": []any{map[string]any{"id": 1, "vector": map[string]any{"b": []float32{0, 0, 1}}}}})
	if n := countOf(t, c, "n", hasB); n != 2 {
		t.Errorf("after update vectors has_vector b: %d, want 2", n)
	}
	c.fail("PUT", "/collections/n/points", map[string]any{"points": []any{map[string]any{"id": 3, "vector": map[string]any{"a": []float32{1, 2, 3}}}}}, 400)
	c.fail("PUT", "/collections/n/points", map[string]any{"points": []any{map[string]any{"id": 3, "vector": map[string]any{"zzz": []float32{1, 2}}}}}, 400, 404)
}

func TestScroll(t *testing.T) {
	c := newClient(t, Config{})
	setupPoints(t, c)
	var seen []string
	var offset any
	for page := 0; page < 10; page++ {
		body := map[string]any{"limit": 2}
		if offset != nil {
			body["offset"] = offset
		}
		res := c.ok("POST", "/collections/p/points/scroll", body)
		seen = append(seen, ids(at(res, "points"))...)
		offset = at(res, "next_page_offset")
		if offset == nil {
			break
		}
	}
	wantIDs(t, "scroll pages", seen, "1", "2", "3", "4", uuid1)

	res := c.ok("POST", "/collections/p/points/scroll", map[string]any{
		"filter": map[string]any{"must": []any{map[string]any{"key": "price", "range": map[string]any{"gte": 20}}}},
		"limit":  10, "with_payload": []string{"price"},
	})
	wantIDs(t, "scroll filter price>=20", ids(at(res, "points")), "2", "3", "4", uuid1)
	if at(res, "next_page_offset") != nil {
		t.Errorf("last page has next_page_offset %v", at(res, "next_page_offset"))
	}
	if p := obj(at(res, "points", 0, "payload")); len(p) != 1 {
		t.Errorf("with_payload [price]: %v", p)
	}
	// An empty body is a scroll with defaults.
	if n := len(arr(at(c.ok("POST", "/collections/p/points/scroll", nil), "points"))); n != 5 {
		t.Errorf("scroll with defaults: %d points, want 5", n)
	}

	c.ok("PUT", "/collections/p/index?wait=true", map[string]any{"field_name": "price", "field_schema": "float"})
	res = c.ok("POST", "/collections/p/points/scroll", map[string]any{"order_by": map[string]any{"key": "price", "direction": "desc"}, "limit": 3})
	wantIDs(t, "scroll order_by price desc", ids(at(res, "points")), "4", uuid1, "3")
	res = c.ok("POST", "/collections/p/points/scroll", map[string]any{"order_by": "price", "limit": 2})
	wantIDs(t, "scroll order_by price", ids(at(res, "points")), "1", "2")
	c.fail("POST", "/collections/p/points/scroll", map[string]any{"limit": -1}, 400)
	c.fail("POST", "/collections/p/points/scroll", map[string]any{"order_by": map[string]any{"key": "price", "direction": "up"}}, 400)
}

// setupQuery creates collection q with a dense vector d (Cosine) and an
// idf sparse vector s.
func setupQuery(t *testing.T, c *apiClient) {
	t.Helper()
	c.ok("PUT", "/collections/q", map[string]any{
		"vectors":        map[string]any{"d": map[string]any{"size": 4, "distance": "Cosine"}},
		"sparse_vectors": map[string]any{"s": map[string]any{"modifier": "idf"}},
	})
	c.ok("PUT", "/collections/q/index?wait=true", map[string]any{"field_name": "kind", "field_schema": "keyword"})
	c.ok("PUT", "/collections/q/index?wait=true", map[string]any{"field_name": "price", "field_schema": "integer"})
	c.ok("PUT", "/collections/q/index?wait=true", map[string]any{"field_name": "date", "field_schema": "datetime"})
	type doc struct {
		id    int
		d     []float32
		terms []int
		kind  string
		price int
		date  string
	}
	docs := []doc{
		{1, []float32{1, 0, 0, 0}, []int{1, 2}, "invoice", 100, "2026-01-10T00:00:00Z"},
		{2, []float32{0.9, 0.1, 0, 0}, []int{2, 3}, "invoice", 50, "2026-02-10T00:00:00Z"},
		{3, []float32{0, 1, 0, 0}, []int{3, 4}, "receipt", 10, "2026-03-10T00:00:00Z"},
		{4, []float32{0, 0, 1, 0}, []int{4, 5}, "letter", 0, "2025-12-01T00:00:00Z"},
		{5, []float32{0, 0, 0.1, 1}, []int{5, 9}, "note", 5, "2026-01-20T00:00:00Z"},
		{6, []float32{-1, 0, 0, 0}, []int{9}, "invoice", 75, "2026-02-20T00:00:00Z"},
	}
	var points []any
	for _, d := range docs {
		vals := make([]float32, len(d.terms))
		for i := range vals {
			vals[i] = 1
		}
		points = append(points, map[string]any{
			"id":      d.id,
			"vector":  map[string]any{"d": d.d, "s": map[string]any{"indices": d.terms, "values": vals}},
			"payload": map[string]any{"kind": d.kind, "price": d.price, "date": d.date},
		})
	}
	c.ok("PUT", "/collections/q/points?wait=true", map[string]any{"points": points})
}

func TestQuery(t *testing.T) {
	c := newClient(t, Config{})
	setupQuery(t, c)
	q := func(body map[string]any) any { return at(c.ok("POST", "/collections/q/points/query", body), "points") }

	res := q(map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 3})
	wantIDs(t, "nearest dense", ids(res), "1", "2", "3")
	if s, _ := at(res, 0, "score").(float64); !near(s, 1) {
		t.Errorf("nearest dense top score %v, want 1", s)
	}
	if at(res, 0, "payload") != nil || at(res, 0, "vector") != nil {
		t.Errorf("query defaults returned payload/vector: %v", at(res, 0))
	}
	res = q(map[string]any{"query": map[string]any{"nearest": []float32{1, 0, 0, 0}}, "using": "d", "limit": 2, "with_payload": true, "with_vector": true})
	wantIDs(t, "nearest object form", ids(res), "1", "2")
	if at(res, 0, "payload", "kind") != "invoice" || len(arr(at(res, 0, "vector", "d"))) != 4 {
		t.Errorf("with_payload/with_vector: %v", at(res, 0))
	}
	// Offset pages through the same ranking.
	res = q(map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 2, "offset": 1})
	wantIDs(t, "limit 2 offset 1", ids(res), "2", "3")
	// Score threshold.
	res = q(map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "score_threshold": 0.95})
	wantIDs(t, "score_threshold 0.95", ids(res), "1", "2")
	// Exact and hnsw_ef give the same answer on this small set.
	res = q(map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 3, "params": map[string]any{"exact": true}})
	wantIDs(t, "exact", ids(res), "1", "2", "3")
	res = q(map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 3, "params": map[string]any{"hnsw_ef": 64}})
	wantIDs(t, "hnsw_ef 64", ids(res), "1", "2", "3")

	// Filters.
	invoices := map[string]any{"must": []any{map[string]any{"key": "kind", "match": map[string]any{"value": "invoice"}}}}
	res = q(map[string]any{"query": []float32{0, 1, 0, 0}, "using": "d", "filter": invoices, "limit": 10})
	wantIDs(t, "filter kind=invoice", sortedIDs(res), "1", "2", "6")
	res = q(map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 10, "filter": map[string]any{
		"must": []any{map[string]any{"key": "date", "range": map[string]any{"gte": "2026-02-01T00:00:00Z", "lt": "2026-03-01T00:00:00Z"}}},
	}})
	wantIDs(t, "datetime range February", sortedIDs(res), "2", "6")
	res = q(map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 10, "filter": map[string]any{
		"must":     []any{map[string]any{"key": "price", "range": map[string]any{"gt": 5, "lte": 75}}},
		"must_not": []any{map[string]any{"has_id": []any{3}}},
	}})
	wantIDs(t, "price in (5,75] and not id 3", sortedIDs(res), "2", "6")
	res = q(map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 10, "filter": map[string]any{
		"should": []any{
			map[string]any{"key": "kind", "match": map[string]any{"any": []string{"note", "letter"}}},
			map[string]any{"key": "price", "match": map[string]any{"value": 100}},
		},
	}})
	wantIDs(t, "should any", sortedIDs(res), "1", "4", "5")

	// By id: the point itself is not a result.
	res = q(map[string]any{"query": 1, "using": "d", "limit": 2})
	wantIDs(t, "nearest to id 1", ids(res), "2", "3")

	// Sparse.
	res = q(map[string]any{"query": map[string]any{"indices": []int{9}, "values": []float32{1}}, "using": "s", "limit": 5})
	wantIDs(t, "sparse term 9", sortedIDs(res), "5", "6")

	// Hybrid fusion.
	for _, fusion := range []string{"rrf", "dbsf"} {
		res = q(map[string]any{
			"prefetch": []any{
				map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 3},
				map[string]any{"query": map[string]any{"indices": []int{3}, "values": []float32{1}}, "using": "s", "limit": 3},
			},
			"query": map[string]any{"fusion": fusion},
			"limit": 3,
		})
		if got := ids(res); len(got) != 3 || got[0] != "2" {
			t.Errorf("fusion %s: %v, want 3 results led by 2 (found by both prefetches)", fusion, got)
		}
	}
	// Prefetch then re-rank with a filter.
	res = q(map[string]any{
		"prefetch": map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 4},
		"query":    []float32{0, 1, 0, 0}, "using": "d", "limit": 2,
	})
	wantIDs(t, "prefetch re-rank", ids(res), "3", "2")

	// Recommend.
	res = q(map[string]any{"query": map[string]any{"recommend": map[string]any{"positive": []any{1}, "negative": []any{3}}}, "using": "d", "limit": 2})
	if got := ids(res); len(got) == 0 || got[0] != "2" {
		t.Errorf("recommend positive 1 negative 3: %v, want 2 first", got)
	}
	res = q(map[string]any{"query": map[string]any{"recommend": map[string]any{"positive": []any{[]float32{0, 0, 1, 0}}, "strategy": "best_score"}}, "using": "d", "limit": 1})
	wantIDs(t, "recommend best_score by vector", ids(res), "4")

	// Order by.
	res = q(map[string]any{"query": map[string]any{"order_by": map[string]any{"key": "price", "direction": "desc"}}, "limit": 3})
	wantIDs(t, "order_by price desc", ids(res), "1", "6", "2")
	res = q(map[string]any{"query": map[string]any{"order_by": "price"}, "limit": 2})
	wantIDs(t, "order_by price", ids(res), "4", "5")

	// No query: id order.
	res = q(map[string]any{"limit": 3})
	wantIDs(t, "no query", ids(res), "1", "2", "3")

	// Batch.
	batch := c.ok("POST", "/collections/q/points/query/batch", map[string]any{"searches": []any{
		map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 1},
		map[string]any{"query": []float32{0, 0, 1, 0}, "using": "d", "limit": 1},
	}})
	if len(arr(batch)) != 2 || fmt.Sprint(ids(at(batch, 0, "points"))) != "[1]" || fmt.Sprint(ids(at(batch, 1, "points"))) != "[4]" {
		t.Errorf("query batch: %v", batch)
	}

	// Bad queries.
	c.fail("POST", "/collections/q/points/query", map[string]any{"query": []float32{1, 0, 0}, "using": "d"}, 400)
	c.fail("POST", "/collections/q/points/query", map[string]any{"query": map[string]any{"fusion": "max"}}, 400)
	c.fail("POST", "/collections/q/points/query", map[string]any{"query": map[string]any{"fusion": "rrf"}}, 400)
	c.fail("POST", "/collections/q/points/query", map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d", "limit": 0}, 422)
	c.fail("POST", "/collections/q/points/query", map[string]any{"query": map[string]any{"text": "hello", "model": "x"}}, 400)
	c.fail("POST", "/collections/q/points/query/batch", map[string]any{"searches": []any{
		map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d"}, map[string]any{"query": "x"},
	}}, 400)
}

func TestLegacySearchAndRecommend(t *testing.T) {
	c := newClient(t, Config{})
	setupQuery(t, c)
	res := c.ok("POST", "/collections/q/points/search", map[string]any{
		"vector": map[string]any{"name": "d", "vector": []float32{1, 0, 0, 0}}, "limit": 2, "with_payload": true,
	})
	wantIDs(t, "search", ids(res), "1", "2")
	if at(res, 0, "payload", "kind") != "invoice" {
		t.Errorf("search with_payload: %v", at(res, 0))
	}
	res = c.ok("POST", "/collections/q/points/search", map[string]any{
		"vector": map[string]any{"name": "s", "vector": map[string]any{"indices": []int{9}, "values": []float32{1}}}, "limit": 5,
	})
	wantIDs(t, "sparse search", sortedIDs(res), "5", "6")
	c.fail("POST", "/collections/q/points/search", map[string]any{"vector": map[string]any{"name": "d", "vector": []float32{1, 0, 0, 0}}}, 400)

	batch := c.ok("POST", "/collections/q/points/search/batch", map[string]any{"searches": []any{
		map[string]any{"vector": map[string]any{"name": "d", "vector": []float32{0, 1, 0, 0}}, "limit": 1},
		map[string]any{"vector": map[string]any{"name": "d", "vector": []float32{0, 0, 1, 0}}, "limit": 1, "filter": map[string]any{
			"must": []any{map[string]any{"key": "kind", "match": map[string]any{"value": "note"}}}}},
	}})
	if fmt.Sprint(ids(at(batch, 0)), ids(at(batch, 1))) != "[3] [5]" {
		t.Errorf("search batch: %v", batch)
	}

	res = c.ok("POST", "/collections/q/points/recommend", map[string]any{"positive": []any{1}, "negative": []any{3}, "using": "d", "limit": 1})
	wantIDs(t, "recommend", ids(res), "2")
	batch = c.ok("POST", "/collections/q/points/recommend/batch", map[string]any{"searches": []any{
		map[string]any{"positive": []any{4}, "using": "d", "limit": 1},
		map[string]any{"positive": []any{[]float32{0, 1, 0, 0}}, "using": "d", "limit": 1},
	}})
	if len(arr(batch)) != 2 || fmt.Sprint(ids(at(batch, 1))) != "[3]" {
		t.Errorf("recommend batch: %v", batch)
	}
	c.fail("POST", "/collections/q/points/recommend", map[string]any{"using": "d", "limit": 1}, 422)
}

func TestGroupsAndFacet(t *testing.T) {
	c := newClient(t, Config{})
	setupQuery(t, c)
	// kind: 1 invoice, 2 invoice, 3 receipt, 4 letter, 5 note, 6 invoice.
	res := c.ok("POST", "/collections/q/points/query/groups", map[string]any{
		"query": []float32{1, 0, 0, 0}, "using": "d", "group_by": "kind", "group_size": 2, "limit": 2, "with_payload": []string{"price"},
	})
	groups := arr(at(res, "groups"))
	if len(groups) != 2 || at(groups, 0, "id") != "invoice" || at(groups, 1, "id") != "receipt" {
		t.Fatalf("query groups: %v", res)
	}
	wantIDs(t, "invoice group", ids(at(groups, 0, "hits")), "1", "2")
	if p := obj(at(groups, 0, "hits", 0, "payload")); len(p) != 1 || p["price"] != 100.0 {
		t.Errorf("group hit payload selector: %v", p)
	}
	res = c.ok("POST", "/collections/q/points/search/groups", map[string]any{
		"vector": map[string]any{"name": "d", "vector": []float32{0, 0, 1, 0}}, "group_by": "kind", "group_size": 1, "limit": 3,
	})
	if got := fmt.Sprintf("%v %v", at(res, "groups", 0, "id"), at(res, "groups", 1, "id")); got != "letter note" {
		t.Errorf("search groups: %v", res)
	}
	res = c.ok("POST", "/collections/q/points/recommend/groups", map[string]any{
		"positive": []any{1}, "using": "d", "group_by": "kind", "group_size": 3, "limit": 1,
		"with_lookup": map[string]any{"collection": "q", "with_payload": true},
	})
	if at(res, "groups", 0, "id") != "invoice" || len(arr(at(res, "groups", 0, "hits"))) != 2 {
		t.Errorf("recommend groups: %v", res)
	}
	c.fail("POST", "/collections/q/points/query/groups", map[string]any{"query": []float32{1, 0, 0, 0}, "using": "d"}, 400)
	c.fail("POST", "/collections/q/points/search/groups", map[string]any{"vector": map[string]any{"name": "d", "vector": []float32{1, 0, 0, 0}}, "group_by": "kind", "limit": 1}, 400)

	res = c.ok("POST", "/collections/q/facet", map[string]any{"key": "kind"})
	hits := arr(at(res, "hits"))
	if len(hits) != 4 || at(hits, 0, "value") != "invoice" || at(hits, 0, "count") != 3.0 || at(hits, 1, "count") != 1.0 {
		t.Errorf("facet kind: %v", hits)
	}
	res = c.ok("POST", "/collections/q/facet", map[string]any{"key": "kind", "limit": 1, "filter": map[string]any{
		"must": []any{map[string]any{"key": "price", "range": map[string]any{"lt": 80}}}}})
	if got := fmt.Sprint(at(res, "hits")); got != "[map[count:2 value:invoice]]" {
		t.Errorf("facet with filter and limit: %s", got)
	}
	c.fail("POST", "/collections/q/facet", map[string]any{"limit": 3}, 400)
	if at(c.ok("GET", "/cluster", nil), "status") != "disabled" {
		t.Error("cluster status")
	}
	if n := at(c.ok("GET", "/collections/q/cluster", nil), "local_shards", 0, "points_count"); n != 6.0 {
		t.Errorf("collection cluster info: points_count %v, want 6", n)
	}
	c.fail("GET", "/collections/nope/cluster", nil, 404)
}

func TestPayloadIndexes(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/i", map[string]any{"vectors": map[string]any{"size": 2, "distance": "Dot"}})
	for field, schema := range map[string]any{
		"k": "keyword", "n": "integer", "f": "float", "b": "bool", "d": "datetime", "u": "uuid",
		"t": map[string]any{"type": "text", "tokenizer": "word", "min_token_len": 2, "max_token_len": 20, "lowercase": true},
	} {
		res := c.ok("PUT", "/collections/i/index?wait=true", map[string]any{"field_name": field, "field_schema": schema})
		if at(res, "status") == nil {
			t.Errorf("index %s: %v", field, res)
		}
	}
	c.ok("PUT", "/collections/i/points?wait=true", map[string]any{"points": []any{
		map[string]any{"id": 1, "vector": []float32{1, 0}, "payload": map[string]any{"t": "The Quick brown fox", "k": "x"}},
		map[string]any{"id": 2, "vector": []float32{0, 1}, "payload": map[string]any{"t": "a lazy dog", "k": "y"}},
	}})
	schema := obj(at(c.ok("GET", "/collections/i", nil), "payload_schema"))
	want := map[string]string{"k": "keyword", "n": "integer", "f": "float", "b": "bool", "d": "datetime", "u": "uuid", "t": "text"}
	for f, typ := range want {
		if at(schema, f, "data_type") != typ {
			t.Errorf("payload_schema[%s] = %v, want %s", f, schema[f], typ)
		}
	}
	if at(schema, "t", "params", "tokenizer") != "word" {
		t.Errorf("text index params: %v", at(schema, "t"))
	}
	text := map[string]any{"must": []any{map[string]any{"key": "t", "match": map[string]any{"text": "quick FOX"}}}}
	if n := countOf(t, c, "i", text); n != 1 {
		t.Errorf("full-text match: %d, want 1", n)
	}
	c.ok("DELETE", "/collections/i/index/k?wait=true", nil)
	if _, ok := obj(at(c.ok("GET", "/collections/i", nil), "payload_schema"))["k"]; ok {
		t.Error("index k still listed after delete")
	}
	c.fail("PUT", "/collections/i/index", map[string]any{"field_name": "g", "field_schema": "polygon"}, 400)
	c.fail("PUT", "/collections/i/index", map[string]any{"field_name": "g", "field_schema": "blob"}, 400)
	c.fail("PUT", "/collections/i/index", map[string]any{"field_schema": "keyword"}, 400)
	c.fail("PUT", "/collections/nope/index", map[string]any{"field_name": "g", "field_schema": "keyword"}, 404)
}

func TestSnapshots(t *testing.T) {
	c := newClient(t, Config{})
	setupPoints(t, c)
	code, m := c.do("POST", "/collections/p/snapshots", nil)
	if code != 200 {
		t.Fatalf("create snapshot: HTTP %d %v", code, m["status"])
	}
	snap := m["result"]
	name, _ := at(snap, "name").(string)
	if name == "" {
		t.Fatalf("create snapshot: %v", snap)
	}
	list := c.ok("GET", "/collections/p/snapshots", nil)
	if len(arr(list)) != 1 || at(list, 0, "name") != name {
		t.Errorf("list snapshots: %v", list)
	}
	code, data := c.raw("GET", "/collections/p/snapshots/"+name, "", nil)
	_ = code
	if code != 200 || float64(len(data)) != at(snap, "size") {
		t.Fatalf("download snapshot: HTTP %d, %d bytes, want size %v", code, len(data), at(snap, "size"))
	}
	c.fail("GET", "/collections/p/snapshots/nope.snapshot", nil, 404)

	// Recover from a file location into a new collection.
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c.ok("PUT", "/collections/r1/snapshots/recover", map[string]any{"location": "file://" + file})
	if n := countOf(t, c, "r1", nil); n != 5 {
		t.Errorf("recovered r1 has %d points, want 5", n)
	}
	if p := at(c.ok("GET", "/collections/r1/points/1", nil), "payload", "city"); p != "London" {
		t.Errorf("recovered point 1 payload city = %v", p)
	}
	c.fail("PUT", "/collections/r1/snapshots/recover", map[string]any{"location": "https://example.invalid/x.snapshot"}, 403) // URL recovery is off unless enabled
	c.fail("PUT", "/collections/r1/snapshots/recover", map[string]any{"location": "file://" + file, "checksum": "00"}, 400)

	// Upload.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("snapshot", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	code, body := c.raw("POST", "/collections/r3/snapshots/upload?checksum=00", mw.FormDataContentType(), buf.Bytes())
	if code != 422 { // not a SHA-256: rejected before the upload is read
		t.Errorf("upload with a malformed checksum: HTTP %d %s", code, body)
	}
	code, body = c.raw("POST", "/collections/r3/snapshots/upload?checksum="+strings.Repeat("00", 32), mw.FormDataContentType(), buf.Bytes())
	if code != 400 {
		t.Errorf("upload with a wrong checksum: HTTP %d %s", code, body)
	}
	if at(c.ok("GET", "/collections/r3/exists", nil), "exists") != false {
		t.Error("upload with a wrong checksum created the collection")
	}
	code, body = c.raw("POST", "/collections/r2/snapshots/upload?wait=true&checksum="+fmt.Sprint(at(snap, "checksum")), mw.FormDataContentType(), buf.Bytes())
	validateResponse(t, "POST", "/collections/r2/snapshots/upload", code, body)
	if code != 200 {
		t.Fatalf("upload snapshot: HTTP %d %s", code, body)
	}
	if n := countOf(t, c, "r2", nil); n != 5 {
		t.Errorf("uploaded r2 has %d points, want 5", n)
	}

	if c.ok("DELETE", "/collections/p/snapshots/"+name, nil) != true {
		t.Error("delete snapshot: result is not true")
	}
	if n := len(arr(c.ok("GET", "/collections/p/snapshots", nil))); n != 0 {
		t.Errorf("%d snapshots after delete", n)
	}
}

func TestRecoverRoots(t *testing.T) {
	allowed := t.TempDir()
	c := newClient(t, Config{RecoverRoots: []string{allowed}})
	setupPoints(t, c)
	code, m := c.do("POST", "/collections/p/snapshots", nil)
	if code != 200 {
		t.Fatalf("create snapshot: HTTP %d %v", code, m["status"])
	}
	name := at(m["result"], "name").(string)
	_, data := c.raw("GET", "/collections/p/snapshots/"+name, "", nil)
	outside := filepath.Join(t.TempDir(), name)
	inside := filepath.Join(allowed, name)
	link := filepath.Join(allowed, "link.snapshot")
	for _, f := range []string{outside, inside} {
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	c.fail("PUT", "/collections/r/snapshots/recover", map[string]any{"location": "file://" + outside}, 403)
	c.fail("PUT", "/collections/r/snapshots/recover", map[string]any{"location": "file://" + link}, 403)
	c.fail("PUT", "/collections/r/snapshots/recover", map[string]any{"location": "file://" + allowed + "/../" + filepath.Base(filepath.Dir(outside)) + "/" + name}, 403)
	c.fail("PUT", "/collections/r/snapshots/recover", map[string]any{"location": "file:///etc/passwd"}, 403)
	c.fail("PUT", "/collections/r/snapshots/recover", map[string]any{"location": "file://" + allowed + "/missing.snapshot"}, 400)
	c.ok("PUT", "/collections/r/snapshots/recover", map[string]any{"location": "file://" + inside})
	if n := countOf(t, c, "r", nil); n != 5 {
		t.Errorf("recovered %d points, want 5", n)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	c := newClient(t, Config{MaxRequestBytes: 4096})
	setupPoints(t, c)
	before := c.ok("POST", "/collections/p/points/scroll", map[string]any{"limit": 100, "with_vector": true})
	cases := []struct {
		name, method, path string
		body               any
		codes              []int
	}{
		{"malformed JSON", "PUT", "/collections/p/points", `{"points": [`, []int{400}},
		{"wrong type", "PUT", "/collections/p/points", `{"points": "many"}`, []int{400}},
		{"neither form", "PUT", "/collections/p/points", `{}`, []int{400}},
		{"negative id", "PUT", "/collections/p/points", `{"points":[{"id":-1,"vector":[1,0,0,0]}]}`, []int{400}},
		{"bad uuid", "PUT", "/collections/p/points", `{"points":[{"id":"abc","vector":[1,0,0,0]}]}`, []int{400}},
		{"wrong vector size", "PUT", "/collections/p/points", `{"points":[{"id":9,"vector":[1,0,0]}]}`, []int{400}},
		{"one bad point spoils the batch", "PUT", "/collections/p/points", `{"points":[{"id":9,"vector":[1,0,0,0]},{"id":10,"vector":[1]}]}`, []int{400}},
		{"float overflow", "PUT", "/collections/p/points", `{"points":[{"id":9,"vector":[1e39,0,0,0]}]}`, []int{400}},
		{"number overflow", "PUT", "/collections/p/points", `{"points":[{"id":9,"vector":[1e999,0,0,0]}]}`, []int{400}},
		{"batch length mismatch", "PUT", "/collections/p/points", `{"batch":{"ids":[9,10],"vectors":[[1,0,0,0]]}}`, []int{400}},
		{"payload not object", "PUT", "/collections/p/points", `{"points":[{"id":9,"vector":[1,0,0,0],"payload":[1]}]}`, []int{400}},
		{"oversized", "PUT", "/collections/p/points", `{"points":[{"id":9,"vector":[1,0,0,0],"payload":{"x":"` + strings.Repeat("x", 8000) + `"}}]}`, []int{413}},
		{"unknown collection", "PUT", "/collections/nope/points", `{"points":[{"id":9,"vector":[1,0,0,0]}]}`, []int{404}},
		{"bad filter delete", "POST", "/collections/p/points/delete", `{"filter":{"must":[{"key":"x","match":{"value":1.5}}]}}`, []int{400}},
		{"bad filter payload", "POST", "/collections/p/points/payload", `{"payload":{"a":1},"filter":{"must":{"key":"x"}}}`, []int{422}},
		{"bad filter count", "POST", "/collections/p/points/count", `{"filter":{"nope":[]}}`, []int{400}},
		{"update vectors wrong size", "PUT", "/collections/p/points/vectors", `{"points":[{"id":1,"vector":[1,2]}]}`, []int{400}},
		{"delete vectors unknown name", "POST", "/collections/p/points/vectors/delete", `{"points":[1],"vector":["zzz"]}`, []int{400, 404}},
		{"empty body", "PUT", "/collections/p/points", ``, []int{400}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.fail(tc.method, tc.path, tc.body, tc.codes...)
		})
	}
	c.t = t
	after := c.ok("POST", "/collections/p/points/scroll", map[string]any{"limit": 100, "with_vector": true})
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("bad requests changed the collection:\nbefore %v\nafter  %v", before, after)
	}
	if at(c.ok("GET", "/collections/nope/exists", nil), "exists") != false {
		t.Error("a failed request created collection nope")
	}
}

func TestAPIKey(t *testing.T) {
	c := newClient(t, Config{APIKey: "s3cret", CORS: true})
	// Browsers' preflight requests carry no key.
	code, _ := c.raw("OPTIONS", "/collections", "", nil)
	if code != 200 {
		t.Errorf("CORS preflight: HTTP %d", code)
	}
	c.fail("GET", "/collections", nil, http.StatusForbidden)
	c.header.Set("api-key", "wrong")
	c.fail("GET", "/collections", nil, http.StatusForbidden)
	c.header.Set("api-key", "s3cret")
	c.ok("GET", "/collections", nil)
	c.header = http.Header{}
	c.header.Set("Authorization", "Bearer s3cret")
	c.ok("GET", "/collections", nil)
	c.header = http.Header{}
	if code, _ := c.raw("GET", "/healthz", "", nil); code != 200 {
		t.Errorf("healthz needs no key, got %d", code)
	}
}

// TestRecoverReadsThroughRoot: the snapshot file is read through os.Root,
// so a symbolic link swapped in after the location was checked (here: the
// checked file replaced by a link to a file outside the allowed folder)
// is not followed out of it.
func TestRecoverReadsThroughRoot(t *testing.T) {
	allowed, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret.snapshot")
	if err := os.WriteFile(secret, []byte("outside the root"), 0o644); err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(allowed, "a.snapshot")
	if err := os.WriteFile(inside, []byte("inside the root"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := &handler{cfg: Config{RecoverRoots: []string{allowed}}}
	if _, err := h.recoverPath(inside); err != nil {
		t.Fatalf("check of a file inside the root: %v", err)
	}
	tmp, err := h.copyFromRoots(inside)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(tmp); string(b) != "inside the root" {
		t.Fatalf("copied %q", b)
	}
	os.Remove(tmp)
	// The swap: after the check, the file becomes a link out of the root.
	if err := os.Remove(inside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, inside); err != nil {
		t.Fatal(err)
	}
	if tmp, err := h.copyFromRoots(inside); err == nil {
		b, _ := os.ReadFile(tmp)
		os.Remove(tmp)
		t.Fatalf("read through a swapped-in link out of the root: %q", b)
	}
}

// TestWaitFalseIsSynchronous pins down what COMPATIBILITY.md says of
// `wait`: every update is logged, fsynced and applied before the answer,
// so wait=false changes only the reported status, and the write is
// visible to the very next read.
func TestWaitFalseIsSynchronous(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/w", map[string]any{"vectors": map[string]any{"size": 4, "distance": "Dot"}})
	for i, wait := range []string{"false", "true", ""} {
		res := c.ok("PUT", "/collections/w/points?wait="+wait, map[string]any{"points": []any{
			map[string]any{"id": i + 1, "vector": []float32{1, 0, 0, 0}, "payload": map[string]any{"n": i}}}})
		want := "acknowledged"
		if wait == "true" {
			want = "completed"
		}
		if at(res, "status") != want {
			t.Errorf("wait=%q: status %v, want %s", wait, at(res, "status"), want)
		}
		if got := c.ok("GET", "/collections/w/points/"+strconv.Itoa(i+1), nil); at(got, "payload", "n") != float64(i) {
			t.Errorf("wait=%q: the point is not visible right after the answer: %v", wait, got)
		}
		if n := at(c.ok("POST", "/collections/w/points/count", map[string]any{}), "count"); n != float64(i+1) {
			t.Errorf("wait=%q: count %v right after the answer, want %d", wait, n, i+1)
		}
	}
}
