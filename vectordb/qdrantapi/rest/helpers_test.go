package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"testing"

	"nexusos/vectordb"
)

// apiClient drives a handler in-process and validates every JSON answer
// against the openapi specs.
type apiClient struct {
	t      *testing.T
	h      http.Handler
	db     *vectordb.DB
	header http.Header
}

func newClient(t *testing.T, cfg Config) *apiClient {
	t.Helper()
	db, err := vectordb.Open(t.TempDir(), vectordb.Options{})
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return &apiClient{t: t, h: NewHandler(db, cfg), db: db, header: http.Header{}}
}

// raw sends a request with a raw body and returns the code and body.
func (c *apiClient) raw(method, path, contentType string, body []byte) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	for k, v := range c.header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// do sends body (marshalled unless it is a string or []byte) and returns
// the status code and the decoded JSON answer, which it validates against
// the openapi schema of the operation.
func (c *apiClient) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var b []byte
	switch x := body.(type) {
	case nil:
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		var err error
		if b, err = json.Marshal(body); err != nil {
			c.t.Fatalf("marshal request: %v", err)
		}
	}
	code, out := c.raw(method, path, "application/json", b)
	validateResponse(c.t, method, path, code, out)
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		c.t.Fatalf("%s %s: answer is not a JSON object: %v: %.300s", method, path, err, out)
	}
	if _, ok := m["time"].(float64); !ok {
		c.t.Errorf("%s %s: answer has no numeric `time`: %.300s", method, path, out)
	}
	if code == http.StatusOK {
		if m["status"] != "ok" {
			c.t.Errorf("%s %s: status = %v, want ok", method, path, m["status"])
		}
		if _, ok := m["result"]; !ok {
			c.t.Errorf("%s %s: answer has no `result`: %.300s", method, path, out)
		}
	} else {
		st, _ := m["status"].(map[string]any)
		if msg, _ := st["error"].(string); msg == "" {
			c.t.Errorf("%s %s: error answer %d without status.error: %.300s", method, path, code, out)
		}
	}
	return code, m
}

// ok requires a 200 and returns the result.
func (c *apiClient) ok(method, path string, body any) any {
	c.t.Helper()
	code, m := c.do(method, path, body)
	if code != http.StatusOK {
		c.t.Fatalf("%s %s: HTTP %d: %v", method, path, code, m["status"])
	}
	return m["result"]
}

// fail requires one of codes and returns the error message.
func (c *apiClient) fail(method, path string, body any, codes ...int) string {
	c.t.Helper()
	code, m := c.do(method, path, body)
	for _, want := range codes {
		if code == want {
			st, _ := m["status"].(map[string]any)
			msg, _ := st["error"].(string)
			return msg
		}
	}
	c.t.Fatalf("%s %s: HTTP %d (%v), want one of %v", method, path, code, m["status"], codes)
	return ""
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func arr(v any) []any {
	a, _ := v.([]any)
	return a
}

// at walks a decoded JSON value by keys and indexes: at(v, "config",
// "params", "vectors", "size").
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = obj(v)[k]
		case int:
			a := arr(v)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// ids returns the ids of a list of records or scored points, as strings.
func ids(points any) []string {
	var out []string
	for _, p := range arr(points) {
		out = append(out, fmt.Sprint(obj(p)["id"]))
	}
	return out
}

func sortedIDs(points any) []string {
	s := ids(points)
	sort.Strings(s)
	return s
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: ids = %v, want %v", what, got, want)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-4 }

func countOf(t *testing.T, c *apiClient, coll string, filter any) int {
	t.Helper()
	body := map[string]any{"exact": true}
	if filter != nil {
		body["filter"] = filter
	}
	n, ok := at(c.ok("POST", "/collections/"+coll+"/points/count", body), "count").(float64)
	if !ok {
		t.Fatalf("count: no number")
	}
	return int(n)
}
