package rest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi/rest"
)

// Serve the embedded engine as Qdrant's REST API and talk to it like any
// Qdrant client would.
func ExampleNewHandler() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, err := vectordb.Open(dir, vectordb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(rest.NewHandler(db, rest.Config{MaxRequestBytes: 1 << 20}))
	defer srv.Close()

	call := func(method, path, body string) string {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		// Drop the envelope's timing so the output is stable.
		s := string(b)
		return s[:strings.LastIndex(s, `,"time"`)]
	}
	fmt.Println(call("PUT", "/collections/docs", `{"vectors": {"size": 2, "distance": "Dot"}}`))
	up := call("PUT", "/collections/docs/points?wait=true",
		`{"points": [{"id": 1, "vector": [1, 0], "payload": {"kind": "a"}}, {"id": 2, "vector": [0, 1], "payload": {"kind": "b"}}]}`)
	fmt.Println(strings.Contains(up, `"status":"completed"`))
	// Point versions vary with the engine's history: print the rest.
	var res struct {
		Result struct {
			Points []struct {
				ID      any            `json:"id"`
				Score   float64        `json:"score"`
				Payload map[string]any `json:"payload"`
			} `json:"points"`
		} `json:"result"`
	}
	q := call("POST", "/collections/docs/points/query",
		`{"query": [1, 0.5], "limit": 1, "filter": {"must": [{"key": "kind", "match": {"value": "b"}}]}, "with_payload": true}`)
	_ = json.Unmarshal([]byte(q+"}"), &res)
	fmt.Printf("%+v\n", res.Result.Points)
	fmt.Println(call("GET", "/collections/nope", ``))
	// Output:
	// {"result":true,"status":"ok"
	// true
	// [{ID:2 Score:0.5 Payload:map[kind:b]}]
	// {"status":{"error":"Not found: Collection `nope` doesn't exist!"}
}
