package grpcapi

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"nexusos/vectordb"
)

// testServer is a real gRPC server on a loopback port over a fresh DB.
type testServer struct {
	db     *vectordb.DB
	client *qdrant.Client
	port   int
}

// startServer serves NewServer(db, apiKey) on 127.0.0.1:0 and connects the
// official client to it with clientKey. Everything is closed at cleanup.
func startServer(t *testing.T, apiKey, clientKey string) *testServer {
	t.Helper()
	db, err := vectordb.Open(t.TempDir(), vectordb.Options{})
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := NewServer(db, apiKey)
	go srv.Serve(lis)
	port := lis.Addr().(*net.TCPAddr).Port
	client, err := qdrant.NewClient(&qdrant.Config{
		Host: "127.0.0.1", Port: port, APIKey: clientKey,
		PoolSize: 1, SkipCompatibilityCheck: true, // default keepalive, as users run it
	})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	t.Cleanup(func() {
		client.Close()
		srv.Stop()
		db.Close()
	})
	return &testServer{db: db, client: client, port: port}
}

// codeOf extracts the gRPC status code from a client error (the client
// wraps it in a *qdrant.QdrantError).
func codeOf(err error) codes.Code {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if st, ok := status.FromError(e); ok {
			return st.Code()
		}
	}
	return codes.Unknown
}

func messageOf(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if st, ok := status.FromError(e); ok {
			return st.Message()
		}
	}
	return ""
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

var bg = context.Background()

// benchServer serves db on a loopback port for a benchmark and returns a
// connected official client.
func benchServer(b *testing.B, db *vectordb.DB) *qdrant.Client {
	b.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(db, "")
	go srv.Serve(lis)
	c, err := qdrant.NewClient(&qdrant.Config{Host: "127.0.0.1", Port: lis.Addr().(*net.TCPAddr).Port, PoolSize: 1, KeepAliveTime: -1, SkipCompatibilityCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(); srv.Stop() })
	return c
}
