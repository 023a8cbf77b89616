//go:build linux && amd64

package kvm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"nexusos/hyper"
	"nexusos/microvm"
	"nexusos/microvm/image"
)

func newEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if err := hyper.Available(); err != nil {
		t.Skipf("skipping: KVM unavailable on this machine: %v", err)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func repoFile(rel string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", rel)
}

// musl compiles a C example statically, once per test binary.
var (
	builtMu sync.Mutex
	built   = map[string][]byte{}
)

func musl(t testing.TB, src string) []byte {
	t.Helper()
	cc, err := exec.LookPath("musl-gcc")
	if err != nil {
		t.Skip("skipping: musl-gcc not installed (run .ci/deps.d/40-musl.sh)")
	}
	builtMu.Lock()
	defer builtMu.Unlock()
	if b, ok := built[src]; ok {
		return b
	}
	out := filepath.Join(t.TempDir(), "prog")
	if b, err := exec.Command(cc, "-static", "-O2", "-o", out, repoFile(src)).CombinedOutput(); err != nil {
		t.Fatalf("musl-gcc %s: %v\n%s", src, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	built[src] = b
	return b
}

func goStatic(t testing.TB, pkg string) []byte {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if b, ok := built[pkg]; ok {
		return b
	}
	b, err := image.BuildGoStatic(context.Background(), repoFile(pkg))
	if err != nil {
		t.Fatal(err)
	}
	built[pkg] = b
	return b
}

func program(name string, code []byte, caps microvm.Capabilities, lim microvm.Limits) *microvm.Program {
	sum := sha256.Sum256(code)
	return &microvm.Program{
		ID:       "sha256:" + hex.EncodeToString(sum[:]),
		Manifest: microvm.Manifest{ABI: 1, Name: name, Tier: microvm.TierKVM, Args: []string{name}, Capabilities: caps, Limits: lim},
		Code:     code,
	}
}

func run(t *testing.T, e *Engine, p *microvm.Program, rc microvm.RunConfig) (microvm.Status, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	rc.Stdout, rc.Stderr = &out, &errb
	st, err := e.Run(context.Background(), p, rc)
	if err != nil {
		t.Fatalf("run %s: %v", p.Manifest.Name, err)
	}
	if !st.Done() {
		t.Fatalf("run %s: status %+v is not final", p.Manifest.Name, st)
	}
	return st, out.String(), errb.String()
}

func expect(t *testing.T, st microvm.Status, state microvm.State, reason microvm.Reason, code int) {
	t.Helper()
	if st.State != state || st.Reason != reason || st.ExitCode != code {
		t.Fatalf("status = %s/%s code %d (%s), want %s/%s code %d", st.State, st.Reason, st.ExitCode, st.Detail, state, reason, code)
	}
}

// TestHello runs the C hello with the manifest's arguments and
// environment, a run-time argument and a sealed file.
func TestHello(t *testing.T) {
	e := newEngine(t, NewConfig().WithFiles(func(*microvm.Program) (fs.FS, error) {
		return fstest.MapFS{"etc/motd": {Data: []byte("sealed file\n")}}, nil
	}))
	p := program("hello", musl(t, "examples-kvm/hello-c/hello.c"), microvm.Capabilities{}, microvm.Limits{})
	p.Manifest.Env = map[string]string{"WHO": "tier2"}
	st, out, _ := run(t, e, p, microvm.RunConfig{Args: []string{"cat", "/etc/motd"}})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 3)
	want := "hello from a NexusOS microVM\narg 1: cat\narg 2: /etc/motd\nWHO=tier2\nmalloc ok: x\nsealed file\n"
	if out != want {
		t.Fatalf("stdout %q, want %q", out, want)
	}
	if st.OutputBytes != int64(len(want)) || st.MemoryBytes == 0 {
		t.Fatalf("status %+v", st)
	}
}

// TestMounts gives the app a host directory at a guest path: it reads a
// file there, and cannot leave it through a symbolic link.
func TestMounts(t *testing.T) {
	e := newEngine(t, NewConfig())
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("mounted\n"), 0o644)
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("host secret\n"), 0o644)
	os.Symlink(secret, filepath.Join(dir, "escape"))
	caps := microvm.Capabilities{Mounts: []microvm.Mount{{Host: dir, Guest: "/data/in"}}}
	p := program("hello", musl(t, "examples-kvm/hello-c/hello.c"), caps, microvm.Limits{})
	st, out, _ := run(t, e, p, microvm.RunConfig{Args: []string{"cat", "/data/in/a.txt"}})
	if st.ExitCode != 3 || !strings.HasSuffix(out, "malloc ok: x\nmounted\n") {
		t.Fatalf("cat mounted file: %+v %q", st, out)
	}
	st, out, _ = run(t, e, p, microvm.RunConfig{Args: []string{"cat", "/data/in/escape"}})
	if st.ExitCode != 1 || strings.Contains(out, "host secret") {
		t.Fatalf("symlink escape: %+v %q", st, out)
	}
}

// TestLimits checks that every way a hostile app ends maps onto the
// statuses and exit codes of tier 1.
func TestLimits(t *testing.T) {
	e := newEngine(t, NewConfig())
	hostile := musl(t, "examples-kvm/hostile/hostile.c")
	hello := musl(t, "examples-kvm/hello-c/hello.c")
	cases := []struct {
		name   string
		code   []byte
		args   []string
		lim    microvm.Limits
		state  microvm.State
		reason microvm.Reason
		exit   int
		detail string
	}{
		{"wild-write", hostile, []string{"wild-write"}, microvm.Limits{}, microvm.StateFailed, microvm.ReasonTrap, microvm.ExitCodeTrap, "#PF page fault at address 0xdead0000000"},
		{"privileged", hostile, []string{"wrmsr"}, microvm.Limits{}, microvm.StateFailed, microvm.ReasonTrap, microvm.ExitCodeTrap, "#GP general protection"},
		{"loop", hostile, []string{"loop"}, microvm.Limits{Timeout: microvm.Duration(200 * time.Millisecond)}, microvm.StateFailed, microvm.ReasonTimeout, microvm.ExitCodeTimeout, "wall-time limit of 200ms"},
		{"output", hello, nil, microvm.Limits{OutputBytes: 10}, microvm.StateFailed, microvm.ReasonOutput, microvm.ExitCodeOutput, "output limit of 10 bytes"},
		{"calls", hostile, []string{"calls"}, microvm.Limits{}, microvm.StateExited, microvm.ReasonExit, 0, ""},
		{"threads", hostile, []string{"threads"}, microvm.Limits{VCPUs: 4}, microvm.StateExited, microvm.ReasonExit, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := program("app", c.code, microvm.Capabilities{}, c.lim)
			st, out, errs := run(t, e, p, microvm.RunConfig{Args: c.args})
			expect(t, st, c.state, c.reason, c.exit)
			if !strings.Contains(st.Detail, c.detail) {
				t.Fatalf("detail %q, want %q", st.Detail, c.detail)
			}
			switch c.name {
			case "output":
				if out != "hello from"[:10] || st.OutputBytes != 10 {
					t.Fatalf("output %q, %d bytes", out, st.OutputBytes)
				}
			case "calls":
				if strings.Contains(out, "ALLOWED") || !strings.HasSuffix(out, "calls: done\n") {
					t.Fatalf("hostile calls:\n%s%s", out, errs)
				}
			case "threads":
				if out != "threads: refused after 3\n" {
					t.Fatalf("threads: %q", out)
				}
			}
			t.Log(st.Reason, st.Detail)
		})
	}

	// The memory limit: a run may lower it; exhausting it ends the app
	// with the memory status, or the app sees mmap fail and says so.
	t.Run("exhaust", func(t *testing.T) {
		p := program("app", hostile, microvm.Capabilities{}, microvm.Limits{MemoryBytes: 256 << 20})
		st, out, _ := run(t, e, p, microvm.RunConfig{Args: []string{"exhaust"}, Limits: microvm.Limits{MemoryBytes: 32 << 20}})
		if st.Reason == microvm.ReasonMemory {
			expect(t, st, microvm.StateFailed, microvm.ReasonMemory, microvm.ExitCodeMemory)
			return
		}
		if st.Reason != microvm.ReasonExit || !strings.Contains(out, "mmap failed") {
			t.Fatalf("exhaust: %+v %q", st, out)
		}
	})

	// Stopped by the caller.
	t.Run("stop", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		p := program("app", hostile, microvm.Capabilities{}, microvm.Limits{})
		done := make(chan microvm.Status)
		go func() {
			st, _ := e.Run(ctx, p, microvm.RunConfig{Args: []string{"loop"}})
			done <- st
		}()
		cancel()
		expect(t, <-done, microvm.StateStopped, microvm.ReasonStopped, microvm.ExitCodeStopped)
	})
}

// TestNotAnExecutable: the host refuses what the loader cannot load.
func TestNotAnExecutable(t *testing.T) {
	e := newEngine(t, NewConfig())
	p := program("junk", []byte("\x7fELF but not really"), microvm.Capabilities{}, microvm.Limits{})
	st, err := e.Run(context.Background(), p, microvm.RunConfig{})
	if !errors.Is(err, hyper.ErrBadELF) || st.Reason != microvm.ReasonError || st.ExitCode != microvm.ExitCodeError {
		t.Fatalf("Run = %+v, %v", st, err)
	}
	wasm := program("w", []byte("\x00asm\x01\x00\x00\x00"), microvm.Capabilities{}, microvm.Limits{})
	wasm.Manifest.Tier = microvm.TierWasm
	if err := e.Prepare(context.Background(), wasm); err == nil || !strings.Contains(err.Error(), `tier "wasm"`) {
		t.Fatalf("Prepare of a wasm image: %v", err)
	}
}

// BenchmarkRun times a whole run through the engine (VM creation, loading,
// the program, teardown), as `nexus run` and a node pay it.
func BenchmarkRun(b *testing.B) {
	for _, c := range []struct {
		name string
		code func(testing.TB) []byte
		args []string
	}{
		{"c-hello", func(t testing.TB) []byte { return musl(t, "examples-kvm/hello-c/hello.c") }, nil},
		{"go-hello", func(t testing.TB) []byte { return goStatic(t, "examples-kvm/hello-go") }, []string{"-quick"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := newEngine(b, NewConfig())
			p := program("bench", c.code(b), microvm.Capabilities{}, microvm.Limits{MemoryBytes: 64 << 20})
			for b.Loop() {
				st, err := e.Run(context.Background(), p, microvm.RunConfig{Args: c.args})
				if err != nil || st.Reason != microvm.ReasonExit {
					b.Fatalf("run: %+v %v", st, err)
				}
			}
		})
	}
}

// TestScratchAndLoopbackGrants: the manifest's scratch_bytes gives a
// writable /tmp of that size and nothing more; without the grant /tmp is
// read-only. Both grants are tier 2's: a tier-1 manifest asking for
// loopback sockets is invalid (hyper/libos's TestLoopbackGo and
// TestNoNetwork test the sockets themselves).
func TestScratchAndLoopbackGrants(t *testing.T) {
	e := newEngine(t, NewConfig())
	code := musl(t, "examples-kvm/scratch-c/scratch.c")
	granted := program("scratch", code, microvm.Capabilities{ScratchBytes: 256 << 10}, microvm.Limits{})
	granted.Manifest.Args = []string{"scratch", "fill", "/tmp"}
	st, out, errs := run(t, e, granted, microvm.RunConfig{})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 0)
	if !strings.Contains(out, "No space left on device") {
		t.Errorf("granted 256 KiB: %q (stderr %q), want the scratch to fill up", out, errs)
	}
	none := program("scratch-none", code, microvm.Capabilities{}, microvm.Limits{})
	none.Manifest.Args = []string{"scratch", "fill", "/tmp"}
	_, out, _ = run(t, e, none, microvm.RunConfig{})
	if strings.Contains(out, "No space left on device") || !strings.Contains(out, "full after 0 bytes") {
		t.Errorf("no grant: %q, want no write to succeed", out)
	}
	bad := microvm.Manifest{ABI: 1, Name: "x", Tier: microvm.TierWasm, Capabilities: microvm.Capabilities{Loopback: true}}
	if err := bad.Validate(); err == nil {
		t.Error("a tier-1 manifest with a loopback grant validated")
	}
}
