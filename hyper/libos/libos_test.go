//go:build linux && amd64

package libos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"
	"time"

	"nexusos/hyper"
)

func needKVM(t testing.TB) {
	t.Helper()
	if err := hyper.Available(); err != nil {
		t.Skipf("skipping: KVM unavailable on this machine: %v", err)
	}
}

// repoFile returns a path under the repository root.
func repoFile(t testing.TB, rel string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", rel)
}

// buildMusl compiles a C example statically with musl-gcc.
func buildMusl(t testing.TB, src string) string {
	t.Helper()
	cc, err := exec.LookPath("musl-gcc")
	if err != nil {
		t.Skip("skipping: musl-gcc not installed (run .ci/deps.d/40-musl.sh)")
	}
	out := filepath.Join(t.TempDir(), "prog")
	cmd := exec.Command(cc, "-static", "-O2", "-o", out, repoFile(t, src))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("musl-gcc: %v\n%s", err, b)
	}
	return out
}

// buildGo compiles a Go example statically (CGO_ENABLED=0).
func buildGo(t testing.TB, pkg string, flags ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "prog")
	args := append([]string{"build", "-o", out}, flags...)
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = repoFile(t, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

type run struct {
	stdout, stderr bytes.Buffer
	res            Result
	err            error
}

func runVM(t testing.TB, path string, cfg Config) *run {
	t.Helper()
	elf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{}
	cfg = cfg.WithStdout(&r.stdout).WithStderr(&r.stderr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.res, r.err = Run(ctx, cfg, elf)
	return r
}

func native(t testing.TB, path, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

func TestMuslHello(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/hello-c/hello.c")
	files := fstest.MapFS{"etc/motd": {Data: []byte("sealed file contents\n")}}
	cfg := NewConfig().WithArgs("hello", "cat", "etc/motd").WithEnv("WHO=tier2").WithFS(files)
	r := runVM(t, prog, cfg)
	if r.err != nil {
		t.Fatalf("Run: %v (stderr %q)", r.err, r.stderr.String())
	}
	// Natively, the same file at the same path relative to a root.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc/motd"), files["etc/motd"].Data, 0o644)
	want, code := native(t, prog, dir, []string{"WHO=tier2"}, "cat", "etc/motd")
	if got := r.stdout.String(); got != want {
		t.Errorf("stdout in the VM:\n%s\nnatively:\n%s", got, want)
	}
	if r.res.ExitCode != code || code != 3 {
		t.Errorf("exit code %d in the VM, %d natively, want 3", r.res.ExitCode, code)
	}
	t.Logf("first instruction after %v, %d syscalls, %d exits, peak memory %d KiB",
		r.res.FirstInstruction, r.res.Syscalls, r.res.Exits, r.res.PeakMemory>>10)
}

func TestGoHello(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/hello-go")
	files := fstest.MapFS{"data/greeting.txt": {Data: []byte("hi")}}
	r := runVM(t, prog, NewConfig().WithArgs("hello-go", "data/greeting.txt").WithFS(files))
	if r.err != nil || r.res.ExitCode != 0 {
		t.Fatalf("Run: %v, exit %d\nstdout:\n%s\nstderr:\n%s", r.err, r.res.ExitCode, r.stdout.String(), r.stderr.String())
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data/greeting.txt"), []byte("hi"), 0o644)
	want, _ := native(t, prog, dir, nil, "data/greeting.txt")
	if got := r.stdout.String(); got != want {
		t.Errorf("stdout in the VM:\n%s\nnatively:\n%s", got, want)
	}
	if r.res.Threads < 3 {
		t.Errorf("program used %d threads, want several", r.res.Threads)
	}
	t.Logf("first instruction after %v, %d threads, %d syscalls, %d exits, peak memory %d KiB",
		r.res.FirstInstruction, r.res.Threads, r.res.Syscalls, r.res.Exits, r.res.PeakMemory>>10)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStaticPIE runs the C hello built as a glibc static-PIE executable
// (ET_DYN without an interpreter, relocated by itself at the load bias).
func TestStaticPIE(t *testing.T) {
	needKVM(t)
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("skipping: gcc not installed")
	}
	prog := filepath.Join(t.TempDir(), "hello-pie")
	if b, err := exec.Command(gcc, "-static-pie", "-O2", "-o", prog, repoFile(t, "examples-kvm/hello-c/hello.c")).CombinedOutput(); err != nil {
		t.Skipf("skipping: gcc cannot link static-PIE here: %v\n%s", err, b)
	}
	r := runVM(t, prog, NewConfig().WithArgs("hello-pie", "x"))
	want, code := native(t, prog, t.TempDir(), nil, "x")
	if r.err != nil || r.stdout.String() != want || r.res.ExitCode != code {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), want)
	}
}

// TestGoStress runs hundreds of goroutines, many GCs, timers and a
// parallel sort; the output must match a native run.
func TestGoStress(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/gostress")
	r := runVM(t, prog, NewConfig().WithArgs("gostress").WithMemory(1<<30))
	want, _ := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != 0 || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d\nVM:\n%s%s\nnative:\n%s", r.err, r.res.ExitCode, r.stdout.String(), r.stderr.String(), want)
	}
	t.Logf("%d threads, %d syscalls, %d exits, peak memory %d MiB", r.res.Threads, r.res.Syscalls, r.res.Exits, r.res.PeakMemory>>20)
}
