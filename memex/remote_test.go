package memex

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi/grpcapi"
	"nexusos/vectordb/remote"
)

// TestRemoteStore runs MemexFS over the official Qdrant Go client against
// the embedded engine's own gRPC server: the path MemexFS takes to a real
// Qdrant cluster.
func TestRemoteStore(t *testing.T) {
	home := t.TempDir()
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcapi.NewServer(db, "secret")
	go srv.Serve(lis)
	defer srv.Stop()
	client, err := remote.DialURL("grpc://"+lis.Addr().String(), "secret")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	m, err := Open(context.Background(), Options{Dir: filepath.Join(home, "memex"), DB: client})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	checkAddAndQuery(t, m)
}
