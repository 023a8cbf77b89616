package rest

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"nexusos/vectordb"
)

// FuzzUpsertJSON feeds arbitrary bodies to the upsert parser: it must never
// panic, and every body it accepts must survive re-encoding in the list
// form unchanged.
func FuzzUpsertJSON(f *testing.F) {
	for _, s := range []string{
		`{"points":[{"id":1,"vector":[0.1,0.2],"payload":{"a":1,"b":[true,null,"x"]}}]}`,
		`{"points":[{"id":"5c56c793-69f3-4fbf-87e6-c4bf54c28c26","vector":{"d":[1,2],"s":{"indices":[3,1],"values":[0.5,1]}}}]}`,
		`{"batch":{"ids":[1,2],"vectors":[[1,0],[0,1]],"payloads":[{"k":"v"},null]}}`,
		`{"batch":{"ids":[1],"vectors":{"a":[[1,2,3]],"s":[{"indices":[],"values":[]}]}}}`,
		`{"points":[{"id":1,"vector":[[1,2],[3,4]]}]}`,
		`{"points":[{"id":-1,"vector":[1]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pts, _, err := parseUpsert(body)
		if err != nil {
			return
		}
		list := make([]any, 0, len(pts))
		for _, p := range pts {
			list = append(list, map[string]any{"id": jsonID(p.ID), "vector": jsonVectors(p.Vectors), "payload": jsonPayload(p.Payload)})
		}
		enc, err := json.Marshal(map[string]any{"points": list})
		if err != nil {
			t.Fatalf("encode accepted points: %v", err)
		}
		back, _, err := parseUpsert(enc)
		if err != nil {
			t.Fatalf("re-parse %s: %v", enc, err)
		}
		if !reflect.DeepEqual(back, pts) {
			t.Fatalf("round trip changed the points:\n was %#v\n now %#v", pts, back)
		}
	})
}

// FuzzQueryJSON feeds arbitrary bodies to the universal-query parser: it
// must never panic, and what it accepts must be well-formed.
func FuzzQueryJSON(f *testing.F) {
	for _, s := range []string{
		`{"query":[1,0,0],"using":"d","limit":3,"filter":{"must":[{"key":"k","match":{"value":"x"}}]}}`,
		`{"prefetch":[{"query":[1,0],"using":"d"},{"query":{"indices":[1],"values":[1]},"using":"s"}],"query":{"fusion":"rrf"}}`,
		`{"query":{"recommend":{"positive":[1,"5c56c793-69f3-4fbf-87e6-c4bf54c28c26"],"negative":[[1,2]],"strategy":"best_score"}}}`,
		`{"query":{"order_by":{"key":"price","direction":"desc","start_from":"2026-01-01T00:00:00Z"}},"with_payload":{"exclude":["a"]}}`,
		`{"query":7,"params":{"hnsw_ef":32,"exact":true},"score_threshold":0.5,"offset":2,"with_vector":["d"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var w queryWire
		if err := unmarshalBody(body, &w); err != nil {
			return
		}
		req, err := w.request()
		if err != nil {
			return
		}
		if req.Limit < 1 || req.Offset < 0 {
			t.Fatalf("accepted limit %d offset %d", req.Limit, req.Offset)
		}
		if q := req.Query; q != nil {
			n := 0
			for _, set := range []bool{q.Nearest != nil, q.Recommend != nil, q.Fusion != "", q.OrderBy != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("query with %d kinds set: %+v", n, q)
			}
		}
		if req.Filter != nil {
			checkRoundTrip(t, req.Filter)
		}
	})
}

// fuzzEndpoints are the write and read endpoints FuzzHandler sends bodies to.
var fuzzEndpoints = []struct{ method, path string }{
	{"PUT", "/collections/f/points?wait=true"},
	{"POST", "/collections/f/points/delete?wait=true"},
	{"POST", "/collections/f/points/payload?wait=true"},
	{"PUT", "/collections/f/points/payload?wait=true"},
	{"POST", "/collections/f/points/payload/delete?wait=true"},
	{"POST", "/collections/f/points/payload/clear?wait=true"},
	{"PUT", "/collections/f/points/vectors?wait=true"},
	{"POST", "/collections/f/points/vectors/delete?wait=true"},
	{"POST", "/collections/f/points/batch?wait=true"},
	{"PUT", "/collections/f/index?wait=true"},
	{"POST", "/collections/f/points/query"},
	{"POST", "/collections/f/points/scroll"},
	{"POST", "/collections/f/points/count"},
	{"POST", "/collections/f/points/search"},
	{"POST", "/collections/f/facet"},
}

// FuzzHandler sends arbitrary bodies to the REST endpoints of a real
// engine. No request may crash the server or fail with a 5xx, and a request
// answered with a 4xx must leave the collection exactly as it was.
func FuzzHandler(f *testing.F) {
	seeds := []struct {
		ep   uint8
		body string
	}{
		{0, `{"points":[{"id":7,"vector":{"d":[1,2],"s":{"indices":[1],"values":[1]}},"payload":{"k":"x"}}]}`},
		{0, `{"points":[{"id":8,"vector":{"d":[1,2,3]}}]}`},
		{0, `{"batch":{"ids":[9,10],"vectors":{"d":[[1,0],[0,1]]},"payloads":[{"n":1},{"n":2}]}}`},
		{1, `{"filter":{"must":[{"key":"k","match":{"value":"a"}}]}}`},
		{2, `{"payload":{"z":1},"points":[1,2,999]}`},
		{3, `{"payload":{"z":1},"filter":{"must":[{"has_id":[2]}]}}`},
		{4, `{"keys":["k"],"points":[1]}`},
		{5, `{"points":[3]}`},
		{6, `{"points":[{"id":1,"vector":{"d":[5,5]}}]}`},
		{7, `{"points":[1],"vector":["s"]}`},
		{8, `{"operations":[{"delete":{"points":[2]}},{"set_payload":{"payload":{"a":1},"points":[1]}}]}`},
		{9, `{"field_name":"n","field_schema":"integer"}`},
		{10, `{"query":[1,1],"using":"d","filter":{"must":[{"key":"n","range":{"gte":1}}]}}`},
		{11, `{"limit":2,"order_by":"n"}`},
		{12, `{"filter":{"should":[{"is_empty":{"key":"k"}}]}}`},
		{13, `{"vector":{"name":"d","vector":[0,1]},"limit":2}`},
		{14, `{"key":"k"}`},
	}
	for _, s := range seeds {
		f.Add(s.ep, []byte(s.body))
	}
	db, err := vectordb.Open(f.TempDir(), vectordb.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	h := NewHandler(db, Config{MaxRequestBytes: 1 << 16})
	send := func(method, path string, body []byte) (int, []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, bytes.NewReader(body)))
		return rec.Code, rec.Body.Bytes()
	}
	reset := func(t testing.TB) {
		send("DELETE", "/collections/f", nil)
		for _, r := range []struct{ m, p, b string }{
			{"PUT", "/collections/f", `{"vectors":{"d":{"size":2,"distance":"Dot"}},"sparse_vectors":{"s":{}}}`},
			{"PUT", "/collections/f/index?wait=true", `{"field_name":"k","field_schema":"keyword"}`},
			{"PUT", "/collections/f/points?wait=true", `{"points":[
				{"id":1,"vector":{"d":[1,0],"s":{"indices":[1,2],"values":[1,1]}},"payload":{"k":"a","n":1}},
				{"id":2,"vector":{"d":[0,1]},"payload":{"k":"b","n":2,"tags":["x","y"]}},
				{"id":3,"vector":{"d":[1,1]},"payload":{"nested":{"a":[{"b":1}]}}}]}`},
		} {
			if code, out := send(r.m, r.p, []byte(r.b)); code != 200 {
				t.Fatalf("reset %s %s: %d %s", r.m, r.p, code, out)
			}
		}
	}
	state := func() string {
		_, pts := send("POST", "/collections/f/points/scroll", []byte(`{"limit":10000,"with_payload":true,"with_vector":true}`))
		_, info := send("GET", "/collections/f", nil)
		var m map[string]any
		_ = json.Unmarshal(info, &m)
		res, _ := m["result"].(map[string]any)
		schema, _ := json.Marshal(res["payload_schema"])
		var p map[string]any
		_ = json.Unmarshal(pts, &p)
		points, _ := json.Marshal(p["result"])
		return string(points) + string(schema)
	}
	reset(f)
	f.Fuzz(func(t *testing.T, ep uint8, body []byte) {
		if n := countState(state()); n > 1000 {
			reset(t) // keep each iteration cheap
		}
		e := fuzzEndpoints[int(ep)%len(fuzzEndpoints)]
		before := state()
		code, out := send(e.method, e.path, body)
		if code >= 500 {
			t.Fatalf("%s %s %s: HTTP %d %s", e.method, e.path, body, code, out)
		}
		if code != 200 && !multiOpBatch(e.path, body) {
			if after := state(); after != before {
				t.Fatalf("%s %s %s: HTTP %d changed the collection:\n%s\n%s", e.method, e.path, body, code, before, after)
			}
		}
	})
}

// countState estimates the number of points in a state() string.
func countState(s string) int { return strings.Count(s, `"id":`) }

// multiOpBatch reports whether body is a batch update of several
// operations: they run one by one, so an engine error in a later one
// leaves the earlier ones applied (as in Qdrant).
func multiOpBatch(path string, body []byte) bool {
	if !strings.Contains(path, "/points/batch") {
		return false
	}
	var w struct {
		Operations []json.RawMessage `json:"operations"`
	}
	return json.Unmarshal(body, &w) == nil && len(w.Operations) > 1
}
