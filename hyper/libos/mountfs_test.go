//go:build linux && amd64

package libos

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestMountFS(t *testing.T) {
	image := fstest.MapFS{"etc/motd": {Data: []byte("hi")}, "bin/app": {Data: []byte("\x7fELF")}}
	invoices := fstest.MapFS{"a.txt": {Data: []byte("A")}, "2024/b.txt": {Data: []byte("B")}}
	models := fstest.MapFS{"m.gguf": {Data: []byte("GGUF")}}
	m, err := MountFS(map[string]fs.FS{"/": image, "/data/invoices": invoices, "/srv/models": models})
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(m, "etc/motd", "bin/app", "data/invoices/a.txt", "data/invoices/2024/b.txt", "srv/models/m.gguf"); err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(m, "data/invoices/2024/b.txt"); err != nil || string(b) != "B" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	// Without a root mount, "/" and "/srv" are made up.
	only, _ := MountFS(map[string]fs.FS{"/srv/models": models})
	if err := fstest.TestFS(only, "srv/models/m.gguf"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(only, "etc"); err == nil {
		t.Fatal("unmounted path exists")
	}
	for _, bad := range []string{"data", "/data/../x", "/a/"} {
		if _, err := MountFS(map[string]fs.FS{bad: image}); err == nil {
			t.Errorf("mount point %q accepted", bad)
		}
	}
}

// TestMountedTreeInVM reads a file through a mount from inside a VM.
func TestMountedTreeInVM(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/hello-c/hello.c")
	m, err := MountFS(map[string]fs.FS{
		"/":              fstest.MapFS{"etc/motd": {Data: []byte("image\n")}},
		"/data/invoices": fstest.MapFS{"a.txt": {Data: []byte("mounted\n")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/data/invoices/a.txt": "mounted\n", "/etc/motd": "image\n"} {
		r := runVM(t, prog, NewConfig().WithArgs("hello", "cat", path).WithFS(m))
		if !strings.HasSuffix(r.stdout.String(), "malloc ok: x\n"+want) {
			t.Errorf("cat %s: %q (%v)", path, r.stdout.String(), r.err)
		}
	}
}
