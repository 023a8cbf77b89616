package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"nexusos/node/api"
	"nexusos/node/client"
)

// TestClientAgainstAPI calls a node API with no services: what answers
// without them, the errors of what does not, and the API key.
func TestClientAgainstAPI(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(api.New(api.Config{Version: "test", APIKey: "k"}))
	defer srv.Close()

	c := client.New(strings.TrimPrefix(srv.URL, "http://")+"/", "k")
	if c.Base() != srv.URL {
		t.Errorf("Base %q, want %q", c.Base(), srv.URL)
	}
	if !c.Healthy(ctx) {
		t.Fatal("not healthy")
	}
	st, err := c.Status(ctx)
	if err != nil || st.Status != "ok" || st.Version != "test" {
		t.Fatalf("status: %+v %v", st, err)
	}
	_, err = c.Query(ctx, client.Question{Text: "unpaid invoices", Limit: 3})
	var e *client.Error
	if !errors.As(err, &e) || e.Code != http.StatusServiceUnavailable || e.Error() != "node "+srv.URL+": MemexFS is not running on this node" {
		t.Fatalf("query without MemexFS: %v", err)
	}
	if _, err := c.VMs().List(ctx); err == nil || !strings.Contains(err.Error(), "microVM runtime is not running") {
		t.Errorf("vms without the runtime: %v", err)
	}

	_, err = client.New(srv.URL, "").Status(ctx)
	if !errors.As(err, &e) || e.Code != http.StatusUnauthorized {
		t.Errorf("status without the key: %v", err)
	}
	if client.New("http://127.0.0.1:1", "").Healthy(ctx) {
		t.Errorf("a closed port is healthy")
	}
}
