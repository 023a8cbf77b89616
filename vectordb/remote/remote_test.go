package remote_test

import (
	"context"
	"net"
	"testing"
	"time"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi/grpcapi"
	"nexusos/vectordb/remote"
)

// TestCollectionExistsReportsErrors checks that an answer is an answer and
// a failure is an error: a server that is gone is not a missing collection.
func TestCollectionExistsReportsErrors(t *testing.T) {
	db, err := vectordb.Open(t.TempDir(), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.CreateCollection(ctx, "c", vectordb.CollectionConfig{Vectors: map[string]vectordb.VectorParams{
		vectordb.DefaultVector: {Size: 2, Distance: vectordb.Dot}}}); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcapi.NewServer(db, "")
	go srv.Serve(lis)
	c, err := remote.DialURL("grpc://"+lis.Addr().String(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for name, want := range map[string]bool{"c": true, "nope": false} {
		if ok, err := c.CollectionExists(ctx, name); ok != want || err != nil {
			t.Errorf("CollectionExists(%q) = %v, %v; want %v, nil", name, ok, err, want)
		}
	}
	if info, err := c.CollectionInfo(ctx, "c"); err != nil || info.Config.Vectors[vectordb.DefaultVector].Size != 2 {
		t.Errorf("CollectionInfo = %+v, %v", info, err)
	}

	srv.Stop()
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if ok, err := c.CollectionExists(tctx, "c"); err == nil {
		t.Errorf("server gone: CollectionExists = %v, nil; want an error", ok)
	}
	// The caller's context bounds the call.
	cancelled, cancel2 := context.WithCancel(ctx)
	cancel2()
	if _, err := c.CollectionExists(cancelled, "c"); err == nil {
		t.Error("cancelled context: no error")
	}
}
