package launcher

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/wasmbin"
)

// TestMountedManager mounts the manager the way a node does and runs an
// image from the store through the HTTP API.
func TestMountedManager(t *testing.T) {
	home := t.TempDir()
	store, err := image.OpenStore(filepath.Join(home, "images"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := image.Seal(image.Manifest{Manifest: microvm.Manifest{ABI: 1, Name: "hi", Tier: microvm.TierWasm}}, wasmbin.Hello("hi there\n", 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Put(img); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mgr, err := NewManager(ctx, store, microvm.Services{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close(ctx)
	mux := http.NewServeMux()
	mux.Handle("/v1/vms/", http.StripPrefix("/v1/vms", mgr.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := &microvm.Client{Base: srv.URL + "/v1/vms"}
	st, err := c.Start(ctx, microvm.StartRequest{Image: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if st, err = c.Wait(ctx, st.ID); err != nil || st.ExitCode != 0 || st.Image != img.Digest {
		t.Fatalf("wait: %+v %v", st, err)
	}
	if logs, err := c.Logs(ctx, st.ID); err != nil || string(logs) != "hi there\n" {
		t.Fatalf("logs %q %v", logs, err)
	}
	if _, err := c.Start(ctx, microvm.StartRequest{Image: "missing"}); err == nil || !strings.Contains(err.Error(), "no such image") {
		t.Fatalf("missing image: %v", err)
	}
}
