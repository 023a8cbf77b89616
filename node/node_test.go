package node

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"
)

// runNode starts a node on free ports and returns its addresses; the node
// stops when the test ends.
func runNode(t *testing.T, cfg Config) Addrs {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Addrs, 1)
	cfg.Home = t.TempDir()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Ready = func(a Addrs) { ready <- a }
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, cfg) }()
	var a Addrs
	select {
	case a = <-ready:
	case err := <-errc:
		t.Fatalf("node stopped before it was ready: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return a
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestNodeAPIAndDemo(t *testing.T) {
	a := runNode(t, Config{QdrantHTTP: "127.0.0.1:0", QdrantGRPC: "127.0.0.1:0", Addr: "127.0.0.1:0"})
	if a.QdrantHTTP == "" || a.QdrantGRPC == "" || a.Node == "" {
		t.Fatalf("addresses not all bound: %+v", a)
	}
	if code, body := get(t, "http://"+a.Node+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("node /healthz = %d %q", code, body)
	}

	var out bytes.Buffer
	if err := RunDemo(context.Background(), "http://"+a.QdrantHTTP, "", &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	// The filtered query may only return February-or-later invoices; the
	// hybrid query must rank the Paris hotel invoice (found by both the
	// dense and the sparse prefetch) first.
	filtered := text[strings.Index(text, "4. filtered"):strings.Index(text, "5. hybrid")]
	if !strings.Contains(filtered, "id=2 ") || !strings.Contains(filtered, "id=6 ") || strings.Contains(filtered, "kind=receipt") || strings.Contains(filtered, "id=1 ") {
		t.Errorf("filtered query results wrong:\n%s", filtered)
	}
	hybrid := text[strings.Index(text, "5. hybrid"):]
	if lines := strings.Split(hybrid, "\n"); len(lines) < 2 || !strings.Contains(lines[1], "id=2 ") && !strings.Contains(lines[1], "id=3 ") {
		t.Errorf("hybrid query should rank a Paris document first:\n%s", hybrid)
	}
	// Running it again recreates the collection instead of failing.
	if err := RunDemo(context.Background(), "http://"+a.QdrantHTTP, "", io.Discard); err != nil {
		t.Fatalf("second demo run: %v", err)
	}

	// The demo's points are visible through the gRPC API too (official
	// Go client), which shows both APIs serve the same engine.
	host, port, _ := net.SplitHostPort(a.QdrantGRPC)
	pn, _ := strconv.Atoi(port)
	gc, err := qdrant.NewClient(&qdrant.Config{Host: host, Port: pn, SkipCompatibilityCheck: true})
	if err != nil {
		t.Fatalf("gRPC client: %v", err)
	}
	defer gc.Close()
	n, err := gc.Count(context.Background(), &qdrant.CountPoints{CollectionName: DemoCollection, Exact: qdrant.PtrOf(true)})
	if err != nil || n != uint64(len(demoDocs)) {
		t.Errorf("gRPC count of %s = %d, %v; want %d", DemoCollection, n, err, len(demoDocs))
	}

	code, body := get(t, "http://"+a.Node+"/v1/status")
	var st struct {
		Status      string   `json:"status"`
		Collections []string `json:"collections"`
		Listen      Addrs    `json:"listen"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil || code != 200 {
		t.Fatalf("/v1/status = %d %s (%v)", code, body, err)
	}
	if st.Status != "ok" || len(st.Collections) != 1 || st.Collections[0] != DemoCollection || st.Listen != a {
		t.Errorf("/v1/status = %+v", st)
	}
}

func TestNodeAPIKey(t *testing.T) {
	a := runNode(t, Config{QdrantHTTP: "127.0.0.1:0", APIKey: "k"})
	if code, _ := get(t, "http://"+a.QdrantHTTP+"/collections"); code != http.StatusForbidden {
		t.Errorf("no key: HTTP %d, want 403", code)
	}
	if err := RunDemo(context.Background(), "http://"+a.QdrantHTTP, "k", io.Discard); err != nil {
		t.Errorf("demo with key: %v", err)
	}
	if err := RunDemo(context.Background(), "http://"+a.QdrantHTTP, "wrong", io.Discard); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("demo with a wrong key: %v, want a 403 error", err)
	}
}

func TestListenErrorIsReported(t *testing.T) {
	err := Run(context.Background(), Config{Home: t.TempDir(), QdrantHTTP: "256.0.0.1:1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "listen for qdrant-rest") {
		t.Errorf("Run with a bad address: %v", err)
	}
}
