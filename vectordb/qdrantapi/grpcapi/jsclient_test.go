package grpcapi

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"nexusos/vectordb"
)

// TestJSGrpcClient drives the server through a client nobody here wrote in
// another language: the official Node client @qdrant/js-client-grpc
// (pinned in testdata/jsclient/package-lock.json; Connect's gRPC over
// HTTP/2). testdata/jsclient/install.sh installs it; the test runs it
// when missing and skips, naming the reason, when node or npm is absent
// or the install fails.
func TestJSGrpcClient(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the Node client test in -short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the Node gRPC client test needs it")
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "jsclient"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@qdrant", "js-client-grpc", "package.json")); err != nil {
		out, err := exec.CommandContext(ctx, "bash", filepath.Join(dir, "install.sh")).CombinedOutput()
		if err != nil {
			t.Skipf("installing @qdrant/js-client-grpc failed (%v); run %s:\n%s", err, filepath.Join(dir, "install.sh"), out)
		}
	}

	// Read the script so that go test's cache notices when it changes (node
	// reads it in another process).
	if _, err := os.ReadFile(filepath.Join(dir, "client.test.mjs")); err != nil {
		t.Fatal(err)
	}

	db, err := vectordb.Open(t.TempDir(), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const key = "js-test-key"
	srv := NewServer(db, key)
	go srv.Serve(lis)
	defer srv.Stop()

	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "client.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("QDRANT_GRPC_PORT=%d", lis.Addr().(*net.TCPAddr).Port),
		"QDRANT_API_KEY="+key)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node client test failed: %v\n%s", err, out)
	}
	t.Logf("node client test:\n%s", out)
}
