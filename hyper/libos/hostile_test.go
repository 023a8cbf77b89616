//go:build linux && amd64

package libos

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"nexusos/hyper"
)

// TestHostile runs every attempt of examples-kvm/hostile and checks that
// each one fails safely: refused with an error, or the VM stopped with a
// fault that names what happened.
func TestHostile(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/hostile/hostile.c")
	files := fstest.MapFS{"data.txt": {Data: []byte("read-only data\n")}}
	faults := []struct {
		mode   string
		kind   string
		addr   uint64
		detail string
	}{
		{"wild-write", "#PF", 0xdead0000000, "not present"},
		{"monitor-write", "#PF", 0xffffff8000000000, "protection violation"},
		{"monitor-tables", "#PF", 0xffffff8000010000, "protection violation"},
		{"hlt", "#GP", 0, ""},
		{"cr3", "#GP", 0, ""},
		{"lgdt", "#GP", 0, ""},
		{"wrmsr", "#GP", 0, ""},
		{"port-io", "#GP", 0, ""},
		{"forged-exit", "I/O port access", 0x10, ""},
		{"bad-handler", "#PF", 0x7000_0000_0000, "instruction fetch"},
	}
	for _, tc := range faults {
		t.Run(tc.mode, func(t *testing.T) {
			r := runVM(t, prog, NewConfig().WithArgs("hostile", tc.mode).WithFS(files).WithMemory(32<<20))
			var f *hyper.Fault
			if !errors.As(r.err, &f) {
				t.Fatalf("Run = %v, stdout %q; want a fault", r.err, r.stdout.String())
			}
			msg := f.Error()
			if !strings.Contains(f.Kind, tc.kind) || tc.addr != 0 && f.Addr != tc.addr || !strings.Contains(msg, tc.detail) {
				t.Fatalf("fault %q, want %s at %#x (%s)", msg, tc.kind, tc.addr, tc.detail)
			}
			if strings.Contains(r.stdout.String(), "survived") {
				t.Fatalf("program survived: %q", r.stdout.String())
			}
			t.Log(msg)
		})
	}

	t.Run("calls", func(t *testing.T) {
		r := runVM(t, prog, NewConfig().WithArgs("hostile", "calls").WithFS(files))
		out := r.stdout.String()
		if r.err != nil || !strings.HasSuffix(out, "calls: done\n") {
			t.Fatalf("Run = %v, output:\n%s", r.err, out)
		}
		t.Log(out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		for _, l := range lines[:len(lines)-1] {
			if !strings.Contains(l, ": refused (") {
				t.Errorf("not refused: %s", l)
			}
		}
		if len(lines) < 20 {
			t.Errorf("only %d attempts reported", len(lines)-1)
		}
	})

	t.Run("loop", func(t *testing.T) {
		elf := readFile(t, prog)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := Run(ctx, NewConfig().WithArgs("hostile", "loop"), elf)
		if !errors.Is(err, hyper.ErrStopped) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run = %v, want stopped by the deadline", err)
		}
	})

	t.Run("exhaust", func(t *testing.T) {
		r := runVM(t, prog, NewConfig().WithArgs("hostile", "exhaust").WithMemory(32<<20))
		var f *hyper.Fault
		if errors.As(r.err, &f) {
			if !strings.Contains(f.Kind, "out of guest memory") {
				t.Fatalf("fault %v, want out of guest memory", f)
			}
			return
		}
		t.Log(r.stdout.String())
		if r.err != nil || !strings.Contains(r.stdout.String(), "mmap failed") {
			t.Fatalf("Run = %v, output %q", r.err, r.stdout.String())
		}
	})

	t.Run("threads", func(t *testing.T) {
		r := runVM(t, prog, NewConfig().WithArgs("hostile", "threads").WithMaxThreads(8))
		if r.err != nil || r.stdout.String() != "threads: refused after 7\n" {
			t.Fatalf("Run = %v, output %q", r.err, r.stdout.String())
		}
	})
}

// TestHostileBesideHello runs a VM spinning forever next to a hello VM:
// the hello VM must finish with the right output.
func TestHostileBesideHello(t *testing.T) {
	needKVM(t)
	hostile := readFile(t, buildMusl(t, "examples-kvm/hostile/hostile.c"))
	hello := buildMusl(t, "examples-kvm/hello-c/hello.c")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	var loopErr error
	go func() {
		defer wg.Done()
		_, loopErr = Run(ctx, NewConfig().WithArgs("hostile", "loop"), hostile)
	}()
	r := runVM(t, hello, NewConfig().WithArgs("hello"))
	cancel()
	wg.Wait()
	if r.err != nil || r.res.ExitCode != 3 || !strings.HasPrefix(r.stdout.String(), "hello from a NexusOS microVM\n") {
		t.Fatalf("hello beside a spinning VM: %v, exit %d, %q", r.err, r.res.ExitCode, r.stdout.String())
	}
	if !errors.Is(loopErr, hyper.ErrStopped) {
		t.Fatalf("spinning VM ended with %v, want stopped", loopErr)
	}
}

// TestSymlinkEscape gives the VM a host directory (through os.Root, as the
// CLI does) holding symbolic links that point out of it: opening them must
// fail, while a file inside stays readable.
func TestSymlinkEscape(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/hello-c/hello.c")
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	os.WriteFile(secret, []byte("host secret\n"), 0o644)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("inside\n"), 0o644)
	os.Symlink(secret, filepath.Join(dir, "abs"))
	os.Symlink("../"+filepath.Base(outside)+"/secret", filepath.Join(dir, "rel"))
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, name := range []string{"abs", "rel", "/abs", "../../../../" + secret} {
		r := runVM(t, prog, NewConfig().WithArgs("hello", "cat", name).WithFS(root.FS()))
		if r.res.ExitCode != 1 || strings.Contains(r.stdout.String(), "host secret") {
			t.Errorf("cat %s: exit %d, stdout %q, stderr %q", name, r.res.ExitCode, r.stdout.String(), r.stderr.String())
		}
	}
	r := runVM(t, prog, NewConfig().WithArgs("hello", "cat", "ok.txt").WithFS(root.FS()))
	if !strings.HasSuffix(r.stdout.String(), "inside\n") {
		t.Errorf("cat ok.txt: %q", r.stdout.String())
	}
}
