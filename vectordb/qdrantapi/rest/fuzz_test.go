package rest

import (
	"encoding/json"
	"reflect"
	"testing"
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
		pts, err := parseUpsert(body)
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
		back, err := parseUpsert(enc)
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
