package api_test

import (
	"fmt"
	"io"
	"net/http/httptest"

	"nexusos/node/api"
)

// A Server with no resources still answers health checks and status; its
// MemexFS, app and microVM endpoints answer 503 until they are given.
func ExampleNew() {
	srv := api.New(api.Config{Version: "example"})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, p := range []string{"/healthz", "/v1/memex/query?q=unpaid+invoices"} {
		resp, err := ts.Client().Get(ts.URL + p)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s %d %s", p, resp.StatusCode, b)
	}
	// Output:
	// /healthz 200 ok
	// /v1/memex/query?q=unpaid+invoices 503 {"error":"MemexFS is not running on this node"}
}
