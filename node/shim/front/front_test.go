//go:build linux

package front_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	taskAPI "github.com/containerd/containerd/api/runtime/task/v2"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/runtime/v2/shim"
	"github.com/containerd/ttrpc"
	"google.golang.org/protobuf/proto"

	nexusshim "nexusos/node/shim"
	"nexusos/node/shim/front"
)

// TestSocketAddress: the front derives a group's socket exactly as the
// shim library does, so front and daemon agree on where a group's shim
// listens.
func TestSocketAddress(t *testing.T) {
	for _, c := range []struct{ address, ns, group string }{
		{"/run/containerd/containerd.sock", "default", "nexus"},
		{"/tmp/nxctr123/c.sock", "k8s.io", "4f9c0d1e2a"},
		{"/x", "n", "g/with/slashes"},
	} {
		ctx := namespaces.WithNamespace(context.Background(), c.ns)
		want, err := shim.SocketAddress(ctx, c.address, c.group)
		if err != nil {
			t.Fatal(err)
		}
		if got := front.SocketAddress(c.address, c.ns, c.group); got != want {
			t.Errorf("SocketAddress(%q, %q, %q) = %s, want %s", c.address, c.ns, c.group, got, want)
		}
	}
}

// TestGroup: the group comes from the spec's annotations in order of
// precedence, else DefaultGroup.
func TestGroup(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{`{"annotations":{"io.nexusos.shim.group":"g1","io.kubernetes.cri.sandbox-id":"pod"}}`, "g1"},
		{`{"annotations":{"io.kubernetes.cri.sandbox-id":"pod"}}`, "pod"},
		{`{"annotations":{"other":"x"}}`, front.DefaultGroup},
		{`not json`, front.DefaultGroup},
		{"", front.DefaultGroup}, // no config.json
	} {
		dir := t.TempDir()
		if c.spec != "" {
			if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(c.spec), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := front.Group(dir); got != c.want {
			t.Errorf("spec %q: group %q, want %q", c.spec, got, c.want)
		}
	}
}

// TestDeleteResponse: the hand-encoded DeleteResponse is what the task
// API's protobuf decodes.
func TestDeleteResponse(t *testing.T) {
	at := time.Date(2026, 12, 7, 13, 0, 0, 123456789, time.UTC)
	for _, c := range []struct {
		pid, status uint32
		at          time.Time
	}{{0, 137, at}, {42, 0, at}, {7, 3, time.Unix(0, 0)}, {1, 255, time.Unix(1, 0)}} {
		var got taskAPI.DeleteResponse
		if err := proto.Unmarshal(front.DeleteResponse(c.pid, c.status, c.at), &got); err != nil {
			t.Fatal(err)
		}
		if got.Pid != c.pid || got.ExitStatus != c.status || !got.ExitedAt.AsTime().Equal(c.at) {
			t.Errorf("decoded %v, want pid %d status %d at %v", &got, c.pid, c.status, c.at)
		}
	}
}

// TestMainDelete: the delete action prints the response and succeeds.
func TestMainDelete(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := front.Main([]string{"-namespace", "n", "-id", "c1", "delete"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var got taskAPI.DeleteResponse
	if err := proto.Unmarshal(out.Bytes(), &got); err != nil || got.ExitStatus != 137 {
		t.Fatalf("delete printed %v (%v)", &got, err)
	}
}

// TestReserve: Reserve speaks ttrpc to the shim's real task service:
// the running shim takes the reservation, an exiting one refuses it.
func TestReserve(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	svc := nexusshim.NewService(nexusshim.Config{Namespace: "test"})
	t.Cleanup(func() { svc.Close(context.Background()) })
	srv, err := ttrpc.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RegisterTTRPC(srv); err != nil {
		t.Fatal(err)
	}
	go srv.Serve(context.Background(), l)
	t.Cleanup(func() { srv.Close() })

	if err := front.Reserve(sock, "c1", 2*time.Second); err != nil {
		t.Fatalf("Reserve on a running shim: %v", err)
	}
	if _, err := svc.Shutdown(context.Background(), &taskAPI.ShutdownRequest{Now: true}); err != nil {
		t.Fatal(err)
	}
	err = front.Reserve(sock, "c2", 2*time.Second)
	if !errors.Is(err, front.ErrReserve) || !strings.Contains(err.Error(), "exiting") {
		t.Fatalf("Reserve on an exiting shim: %v, want ErrReserve (exiting)", err)
	}
	if err := front.Reserve(filepath.Join(t.TempDir(), "none"), "c3", time.Second); err == nil {
		t.Fatal("Reserve with no shim listening succeeded")
	}
}
