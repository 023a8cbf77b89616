//go:build linux && amd64

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/hyper"
	"nexusos/microvm"
)

func needKVM(t *testing.T) {
	t.Helper()
	if err := hyper.Available(); err != nil {
		t.Skipf("skipping: KVM unavailable on this machine: %v", err)
	}
}

// repoPath returns a path under the repository root (tests run in
// cmd/nexus).
func repoPath(rel string) string { return filepath.Join("..", "..", rel) }

func buildMuslC(t *testing.T, src, out string) {
	t.Helper()
	cc, err := exec.LookPath("musl-gcc")
	if err != nil {
		t.Skip("skipping: musl-gcc not installed (run .ci/deps.d/40-musl.sh)")
	}
	if b, err := exec.Command(cc, "-static", "-O2", "-o", out, repoPath(src)).CombinedOutput(); err != nil {
		t.Fatalf("musl-gcc %s: %v\n%s", src, err, b)
	}
}

// native runs a program on the host and returns its stdout and exit code.
func native(t *testing.T, prog string, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(prog, args...)
	cmd.Stdout = &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("native %s: %v", prog, err)
	}
	return out.String(), 0
}

// TestKVMTierCommands seals a static C program and a Go package with
// --tier kvm, runs them through the same `nexus run` path as tier 1 and
// compares their output with native runs; a tampered tier-2 image is
// refused, and a hostile one is stopped with a clear status.
func TestKVMTierCommands(t *testing.T) {
	needKVM(t)
	home, dir := t.TempDir(), t.TempDir()
	must := func(args ...string) string {
		t.Helper()
		code, out, errs := nexus(t, append([]string{"--home", home}, args...)...)
		if code != 0 {
			t.Fatalf("nexus %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	hello := filepath.Join(dir, "hello")
	buildMuslC(t, "examples-kvm/hello-c/hello.c", hello)

	must("key", "gen", "release")
	sealed := filepath.Join(dir, "hello.nxi")
	out := must("build", "--tier", "kvm", hello, "--sign", "release", "-o", sealed, "--env", "WHO=nexus", "--memory", "64MiB", "--vcpus", "4")
	if !strings.Contains(out, "sealed hello sha256:") || !strings.Contains(out, "tier kvm") || !strings.Contains(out, "from elf") {
		t.Fatalf("build: %s", out)
	}
	wantOut, wantCode := native(t, hello, "a", "b")
	wantOut = strings.Replace(wantOut, "malloc ok", "WHO=nexus\nmalloc ok", 1)
	code, got, errs := nexus(t, "--home", home, "run", "hello", "--", "a", "b")
	if code != wantCode || got != wantOut || errs != "" {
		t.Fatalf("run hello: exit %d (native %d)\n%q\nwant %q\nstderr %q", code, wantCode, got, wantOut, errs)
	}
	if code, got, _ := nexus(t, "--home", home, "run", "--trust", "release", sealed, "a", "b"); code != wantCode || got != wantOut {
		t.Fatalf("run sealed file: exit %d %q", code, got)
	}
	// Files sealed into the image are the app's "/"; a mount adds a host
	// directory at run time.
	root, data := filepath.Join(dir, "root"), filepath.Join(dir, "data")
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.MkdirAll(data, 0o755)
	os.WriteFile(filepath.Join(root, "etc", "motd"), []byte("sealed into the image\n"), 0o644)
	os.WriteFile(filepath.Join(data, "note.txt"), []byte("from a mount\n"), 0o644)
	out = must("build", "--tier", "kvm", "--name", "hello-files", "--files", root, "--mount", data+":/data", hello)
	if !strings.Contains(out, "sealed files:") {
		t.Fatalf("build --files: %s", out)
	}
	for file, want := range map[string]string{"/etc/motd": "sealed into the image\n", "/data/note.txt": "from a mount\n"} {
		code, got, errs := nexus(t, "--home", home, "run", "hello-files", "--", "cat", file)
		if code != 3 || !strings.HasSuffix(got, "malloc ok: x\n"+want) {
			t.Fatalf("cat %s: exit %d %q %s", file, code, got, errs)
		}
	}

	out = must("images")
	if !strings.Contains(out, "TIER") || !strings.Contains(out, " kvm ") {
		t.Fatalf("images does not show the tier:\n%s", out)
	}
	out = must("inspect", "hello")
	for _, want := range []string{`"tier": "kvm"`, `"source": "elf"`, `"vcpus": 4`, `"memory_bytes": 67108864`, `"WHO": "nexus"`} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect lacks %s:\n%s", want, out)
		}
	}

	// A flipped byte in the executable is refused before anything runs.
	b, err := os.ReadFile(sealed)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("hello from a NexusOS microVM"))
	b[i] = 'J'
	tampered := filepath.Join(dir, "tampered.nxi")
	os.WriteFile(tampered, b, 0o644)
	code, got, errs = nexus(t, "--home", home, "run", tampered)
	if code == 0 || got != "" || !strings.Contains(errs, "tampered") {
		t.Fatalf("tampered image: exit %d %q %s", code, got, errs)
	}

	// A dynamically linked executable is not sealed.
	if cc, err := exec.LookPath("gcc"); err == nil {
		dyn := filepath.Join(dir, "dyn")
		if b, err := exec.Command(cc, "-O2", "-o", dyn, repoPath("examples-kvm/hello-c/hello.c")).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, b)
		}
		code, _, errs := nexus(t, "--home", home, "build", "--tier", "kvm", dyn)
		if code == 0 || !strings.Contains(errs, "dynamically linked") {
			t.Fatalf("dynamic executable: exit %d %s", code, errs)
		}
	}

	// The Go hello (goroutines on several threads), built by nexus from
	// its package, against the same package built and run natively.
	out = must("build", "--tier", "kvm", repoPath("examples-kvm/hello-go"))
	if !strings.Contains(out, "sealed hello-go") || !strings.Contains(out, "from go") {
		t.Fatalf("build hello-go: %s", out)
	}
	goHello := filepath.Join(dir, "hello-go")
	gb := exec.Command("go", "build", "-o", goHello, ".")
	gb.Dir = repoPath("examples-kvm/hello-go")
	gb.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := gb.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	wantOut, wantCode = native(t, goHello)
	code, got, errs = nexus(t, "--home", home, "run", "hello-go")
	if code != wantCode || got != wantOut {
		t.Fatalf("run hello-go: exit %d (native %d)\n%q\nwant %q\nstderr %s", code, wantCode, got, wantOut, errs)
	}
}

// TestKVMHostileImage seals examples-kvm/hostile and checks that `nexus
// run` ends each attempt with a clear status and the tier-1 exit codes.
func TestKVMHostileImage(t *testing.T) {
	needKVM(t)
	home, dir := t.TempDir(), t.TempDir()
	prog := filepath.Join(dir, "hostile")
	buildMuslC(t, "examples-kvm/hostile/hostile.c", prog)
	if code, out, errs := nexus(t, "--home", home, "build", "--tier", "kvm", prog, "--memory", "32MiB"); code != 0 {
		t.Fatalf("build: %s%s", out, errs)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"hostile", "wild-write"}, microvm.ExitCodeTrap, "trap: guest fault on vCPU 0: #PF page fault at address 0xdead0000000 (write, not present)"},
		{[]string{"hostile", "cr3"}, microvm.ExitCodeTrap, "trap: guest fault on vCPU 0: #GP general protection"},
		{[]string{"hostile", "forged-exit"}, microvm.ExitCodeTrap, "trap: guest fault on vCPU 0: I/O port access at 0x10"},
		{[]string{"--timeout", "300ms", "hostile", "loop"}, microvm.ExitCodeTimeout, "timeout: wall-time limit of 300ms reached"},
		{[]string{"--output-limit", "100", "hostile", "calls"}, microvm.ExitCodeOutput, "output: output limit of 100 bytes reached"},
	}
	for _, c := range cases {
		t.Run(c.args[len(c.args)-1], func(t *testing.T) {
			args := append([]string{"--home", home, "run"}, c.args...)
			code, out, errs := nexus(t, args...)
			if code != c.code || !strings.Contains(errs, c.want) || strings.Contains(out, "survived") {
				t.Fatalf("exit %d, want %d\nstdout %q\nstderr %q\nwant %q", code, c.code, out, errs, c.want)
			}
		})
	}
	// Every escape attempt of "calls" is refused, and the app ends by
	// itself.
	code, out, errs := nexus(t, "--home", home, "run", "hostile", "--", "calls")
	if code != 0 || strings.Contains(out, "ALLOWED") || !strings.HasSuffix(out, "calls: done\n") {
		t.Fatalf("calls: exit %d\n%s%s", code, out, errs)
	}
}

// TestKVMSDKApp runs one Go source that imports nexusos/sdk/go/nexus on
// both tiers through `nexus run`; on tier 2 its MemexFS calls travel
// through the reserved system calls to an in-test MemexFS double.
func TestKVMSDKApp(t *testing.T) {
	needKVM(t)
	home := t.TempDir()
	double := testMemexDouble{}
	testAppServices = func(svc *microvm.Services) { svc.Memex = double }
	defer func() { testAppServices = nil }()

	app := repoPath("microvm/kvm/testdata/sdkapp")
	for _, tier := range []string{"kvm", "wasm"} {
		t.Run(tier, func(t *testing.T) {
			name := "sdkapp-" + tier
			code, out, errs := nexus(t, "--home", home, "build", "--tier", tier, "--name", name, "--memex", "invoices", "--no-preinit", "--no-compile", app)
			if code != 0 {
				t.Fatalf("build: %s%s", out, errs)
			}
			code, out, errs = nexus(t, "--home", home, "run", name, "--", "unpaid", "invoices")
			want := "abi version 1\n0.91 invoices/acme.txt invoice\n" +
				"best hit invoices/acme.txt: 20016 bytes, starts \"ACME invoice 42 \"\n" +
				"outside the grant: not found\n"
			if code != 0 || out != want || !strings.Contains(errs, "sdkapp: querying unpaid invoices") {
				t.Fatalf("run: exit %d\n%s\nwant\n%s\nstderr %s", code, out, want, errs)
			}
		})
	}
}

// testMemexDouble answers every query with one invoice inside the
// "invoices" grant and one outside it (which the host must drop).
type testMemexDouble struct{}

func (testMemexDouble) Query(context.Context, string, microvm.QueryOptions) ([]microvm.Result, error) {
	return []microvm.Result{
		{ID: "private", Path: "private/salaries.txt", Score: 0.99},
		{ID: "acme", Path: "invoices/acme.txt", Score: 0.91, Facts: map[string]string{"kind": "invoice"}},
	}, nil
}

func (testMemexDouble) Get(_ context.Context, id string) (microvm.Doc, error) {
	switch id {
	case "acme":
		return microvm.Doc{ID: id, Path: "invoices/acme.txt", Text: "ACME invoice 42 " + strings.Repeat("x", 20000)}, nil
	case "outside":
		return microvm.Doc{ID: id, Path: "private/salaries.txt", Text: "secret"}, nil
	}
	return microvm.Doc{}, fmt.Errorf("get %s: %w", id, microvm.ErrNotFound)
}
