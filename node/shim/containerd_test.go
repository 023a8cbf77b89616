//go:build linux

package shim_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/namespaces"

	"nexusos/hyper"
	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/kvm"
	"nexusos/microvm/wasm"
	"nexusos/microvm/wasmbin"
	"nexusos/node/shim"
	"nexusos/node/shim/ctrbench"
)

var (
	shimOnce sync.Once
	shimDir  string
	shimErr  error
)

// shimBinary builds the shim's two binaries (the front
// containerd-shim-nexus-v1 and its daemon) once per test binary and
// returns the directory that holds them.
func shimBinary() (string, error) {
	shimOnce.Do(func() {
		if shimDir, shimErr = os.MkdirTemp("", "nxshimbin"); shimErr != nil {
			return
		}
		// Static, as installed (ctrbench.BuildShim).
		x := exec.Command("go", "build", "-o", shimDir+"/", "nexusos/cmd/containerd-shim-nexus-v1", "nexusos/cmd/containerd-shim-nexus-v1-daemon")
		x.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := x.CombinedOutput()
		if err != nil {
			shimErr = fmt.Errorf("build the shim: %v\n%s", err, out)
		}
	})
	return shimDir, shimErr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shimDir != "" {
		os.RemoveAll(shimDir)
	}
	os.Exit(code)
}

// containerd is a private containerd daemon for one test.
type containerd struct {
	t     testing.TB
	dir   string // its root, state, socket; the shim's NEXUS_HOME
	sock  string
	ns    string // ctr's namespace
	empty string // an empty root file system for ctr run --rootfs
	d     *ctrbench.Daemon
}

// startContainerd builds the shim into a temporary directory and starts
// Debian's containerd (.ci/deps.d/70-containerd.sh) on its own socket,
// root and state under it, with the shim on its PATH; it is stopped when
// the test ends, however it ends. It skips the test without containerd
// or root.
func startContainerd(t testing.TB) *containerd {
	return startContainerdWith(t, "nexus-test", "")
}

// startContainerdWith is startContainerd with the CRI plugin enabled when
// cri holds its configuration, and ctr working in namespace ns.
func startContainerdWith(t testing.TB, ns, cri string) *containerd {
	_, err1 := exec.LookPath("ctr")
	_, err2 := exec.LookPath("containerd")
	if err1 != nil || err2 != nil {
		t.Skip("containerd and ctr not installed (apt-get install containerd; .ci/deps.d/70-containerd.sh)")
	}
	if os.Geteuid() != 0 {
		t.Skip("containerd needs root")
	}
	// A unix socket path must fit in 108 bytes: keep the directory short.
	dir, err := os.MkdirTemp("", "nxshim")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin, err := shimBinary()
	if err != nil {
		t.Fatal(err)
	}
	d, err := ctrbench.StartDaemon(context.Background(), ctrbench.DaemonOptions{Dir: dir, ShimDir: bin, Home: filepath.Join(dir, "home"), Namespace: ns, CRI: cri})
	if err != nil {
		t.Fatal(err)
	}
	c := &containerd{t: t, dir: dir, sock: d.Sock, ns: ns, empty: filepath.Join(dir, "empty"), d: d}
	os.Mkdir(c.empty, 0o755)
	// Registered after the directory's cleanup, so it runs first.
	t.Cleanup(func() {
		d.Stop()
		if t.Failed() {
			t.Logf("containerd log:\n%s", d.Log())
		}
	})
	return c
}

// command returns a ctr command on the private containerd.
func (c *containerd) command(args ...string) *exec.Cmd {
	return c.d.Command(context.Background(), args...)
}

// run runs ctr and returns its combined output.
func (c *containerd) run(args ...string) (string, error) {
	out, err := c.command(args...).CombinedOutput()
	return string(out), err
}

// must runs ctr and fails the test when it fails.
func (c *containerd) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("ctr %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// importImage exports img as an OCI archive under ref and imports it.
func (c *containerd) importImage(img *image.Image, ref string) {
	c.t.Helper()
	var b bytes.Buffer
	if _, err := image.WriteOCI(&b, img, ref); err != nil {
		c.t.Fatal(err)
	}
	c.importArchive(img.Manifest.Name, b.Bytes())
}

// importArchive imports an OCI archive without unpacking it.
func (c *containerd) importArchive(name string, archive []byte) {
	c.t.Helper()
	p := filepath.Join(c.dir, name+".tar")
	if err := os.WriteFile(p, archive, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.must("image", "import", "--no-unpack", p)
}

// runArgs are the arguments of `ctr run` of image ref as container id.
func (c *containerd) runArgs(id string, extra []string, ref string, args ...string) []string {
	a := append([]string{"run", "--rm", "--runtime", shim.RuntimeName, "--rootfs"}, extra...)
	return append(append(a, c.empty, id, ref), args...)
}

// ctrRun runs an image to its end through `ctr run` and returns stdout,
// stderr and the exit status.
func (c *containerd) ctrRun(id string, extra []string, ref string, args ...string) (string, string, int) {
	c.t.Helper()
	cmd := c.command(c.runArgs(id, extra, ref, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("ctr run: %v", err)
	}
	return out.String(), errb.String(), code
}

func seal(t testing.TB, name string, code []byte) *image.Image {
	t.Helper()
	img, err := image.Seal(image.Manifest{Manifest: microvm.Manifest{ABI: 1, Name: name, Tier: microvm.TierWasm}}, code)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// startModule is a module whose _start runs body, with the WASI imports
// fd_write (0) and proc_exit (1).
func startModule(body []byte) []byte {
	m := &wasmbin.Module{
		Imports:   []wasmbin.Import{wasmbin.FdWrite, wasmbin.ProcExit},
		Funcs:     []wasmbin.Func{{Type: wasmbin.Start, Body: body, Export: "_start", Locals: 1}},
		MemoryMin: 1, ExportMemory: true,
	}
	return m.Bytes()
}

// TestContainerd runs sealed images through a real containerd with `ctr
// run --runtime io.containerd.nexus.v1`: output and exit codes as `nexus
// run` gives them, faults as exit statuses, a spinning app stopped by
// `ctr task kill`, limits from the spec, exec refused, 100 apps at once,
// and shim processes by group.
func TestContainerd(t *testing.T) {
	c := startContainerd(t)
	hello := seal(t, "hello", wasmbin.Hello("hello from a microVM\n", 0))
	three := seal(t, "three", wasmbin.Hello("exiting 3\n", 3))
	spin := seal(t, "spin", startModule([]byte{wasmbin.OpLoop, wasmbin.BlockEmpty, wasmbin.OpBr, 0, wasmbin.OpEnd}))
	fault := seal(t, "fault", startModule([]byte{wasmbin.OpUnreachable}))
	// Grows memory by 16 pages until refused, then exits 7.
	bomb := seal(t, "bomb", startModule(wasmbin.Cat(
		[]byte{wasmbin.OpBlock, wasmbin.BlockEmpty, wasmbin.OpLoop, wasmbin.BlockEmpty},
		wasmbin.I32Const(16), []byte{wasmbin.OpMemoryGrow, 0x00}, wasmbin.I32Const(-1),
		[]byte{wasmbin.OpI32Eq, wasmbin.OpBrIf, 1, wasmbin.OpBr, 0, wasmbin.OpEnd, wasmbin.OpEnd},
		wasmbin.I32Const(7), wasmbin.Call(1))))
	for _, img := range []*image.Image{hello, three, spin, fault, bomb} {
		c.importImage(img, img.Manifest.Name+":1.0")
	}

	t.Run("image-source", func(t *testing.T) {
		// The shim's view of containerd's store, with trust policies.
		pub, priv, _ := ed25519.GenerateKey(nil)
		other, _, _ := ed25519.GenerateKey(nil)
		signed := seal(t, "signed", wasmbin.Hello("signed\n", 0))
		signed.Sign(priv)
		c.importImage(signed, "signed:1.0")
		c.importArchive("container", sandboxImage(t, "container:1.0"))
		ctx := namespaces.WithNamespace(context.Background(), c.ns)
		for _, tc := range []struct {
			trusted []ed25519.PublicKey
			ref     string
			want    error
		}{
			{nil, "signed:1.0", nil},
			{nil, "hello:1.0", nil},
			{[]ed25519.PublicKey{pub}, "signed:1.0", nil},
			{[]ed25519.PublicKey{pub}, "hello:1.0", image.ErrUnsigned},
			{[]ed25519.PublicKey{other}, "signed:1.0", image.ErrUntrusted},
			{nil, "missing:1.0", shim.ErrNoImage},
			{nil, "container:1.0", shim.ErrNotNexus},
		} {
			src, err := shim.NewContentStore(c.sock, tc.trusted...)
			if err != nil {
				t.Fatal(err)
			}
			img, err := src.Image(ctx, tc.ref)
			src.Close()
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("%s (%d keys): %v", tc.ref, len(tc.trusted), err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("%s (%d keys): %v, want %v", tc.ref, len(tc.trusted), err, tc.want)
			case tc.ref == "signed:1.0" && err == nil && img.Digest != signed.Digest:
				t.Errorf("%s: got image %s, want %s", tc.ref, img.Digest, signed.Digest)
			}
		}
		if _, errs, code := c.ctrRun("container", nil, "container:1.0"); code == 0 || !strings.Contains(errs, "not a NexusOS image") {
			t.Errorf("ctr run of a container image: exit %d, %q", code, errs)
		}
	})

	t.Run("output", func(t *testing.T) {
		for _, tc := range []struct {
			img  *image.Image
			code int
		}{{hello, 0}, {three, 3}} {
			want, wantCode := nexusRun(t, tc.img)
			out, _, code := c.ctrRun("out-"+tc.img.Manifest.Name, nil, tc.img.Manifest.Name+":1.0")
			if out != want || code != wantCode || code != tc.code {
				t.Errorf("%s: ctr run: %q exit %d; nexus run: %q exit %d", tc.img.Manifest.Name, out, code, want, wantCode)
			}
		}
	})

	t.Run("fault", func(t *testing.T) {
		_, errs, code := c.ctrRun("fault", nil, "fault:1.0")
		if code != microvm.ExitCodeTrap || !strings.Contains(errs, "trap") {
			t.Fatalf("faulting app: exit %d, stderr %q; want %d and the trap", code, errs, microvm.ExitCodeTrap)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		_, errs, code := c.ctrRun("timeout", []string{"--annotation", shim.AnnotationTimeout + "=200ms"}, "spin:1.0")
		if code != microvm.ExitCodeTimeout || !strings.Contains(errs, "wall-time") {
			t.Fatalf("spinning app with a 200ms timeout: exit %d, stderr %q", code, errs)
		}
	})

	t.Run("memory", func(t *testing.T) {
		_, errs, code := c.ctrRun("memory", []string{"--memory-limit", strconv.Itoa(8 << 20)}, "bomb:1.0")
		if code != microvm.ExitCodeMemory || !strings.Contains(errs, fmt.Sprintf("memory limit of %d bytes", 8<<20)) {
			t.Fatalf("memory bomb under --memory-limit 8MiB: exit %d, stderr %q", code, errs)
		}
	})

	t.Run("kill", func(t *testing.T) {
		cmd := c.command(c.runArgs("spinner", nil, "spin:1.0")...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitRunning(t, c, "spinner")
		// exec is refused while it runs.
		if out, err := c.run("task", "exec", "--exec-id", "x", "spinner", "sh"); err == nil || !strings.Contains(out, "exec is not supported") {
			t.Errorf("ctr task exec: %v %q, want refused", err, out)
		}
		c.must("task", "kill", "spinner") // SIGTERM
		err := cmd.Wait()
		if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 128+int(syscall.SIGTERM) {
			t.Fatalf("killed spinner: %v, want exit %d\n%s", err, 128+int(syscall.SIGTERM), out.String())
		}
	})

	t.Run("hundred", func(t *testing.T) {
		// 100 apps started at once through containerd, all in one shim
		// process (one group), all finish with their output.
		const n = 100
		var wg sync.WaitGroup
		errs := make(chan string, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := c.command(c.runArgs(fmt.Sprintf("many-%d", i), []string{"--annotation", shim.AnnotationGroup + "=many"}, "hello:1.0")...)
				out, err := cmd.CombinedOutput()
				if err != nil || string(out) != "hello from a microVM\n" {
					errs <- fmt.Sprintf("many-%d: %v %q", i, err, out)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})

	t.Run("group", func(t *testing.T) {
		// g-a and g-b in group g1 share a shim; g-c, in the default
		// group, runs in another.
		var pids []string
		for _, tc := range []struct{ id, group string }{{"g-a", "g1"}, {"g-b", "g1"}, {"g-c", ""}} {
			a := []string{"run", "-d", "--runtime", shim.RuntimeName}
			if tc.group != "" {
				a = append(a, "--annotation", shim.AnnotationGroup+"="+tc.group)
			}
			c.must(append(a, "--rootfs", c.empty, tc.id, "spin:1.0")...)
			waitRunning(t, c, tc.id)
			pids = append(pids, taskPID(t, c, tc.id))
		}
		if pids[0] != pids[1] || pids[0] == pids[2] {
			t.Errorf("shim pids %v: want g-a and g-b in one shim, g-c in another", pids)
		}
		for _, id := range []string{"g-a", "g-b", "g-c"} {
			c.must("task", "kill", "-s", "SIGKILL", id)
			deadline := time.Now().Add(5 * time.Second)
			for taskStatus(c, id) != "STOPPED" && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			c.must("task", "delete", id)
			c.must("container", "delete", id)
		}
	})
}

// nexusRun runs img in-process and returns its stdout and exit code.
func nexusRun(t *testing.T, img *image.Image) (string, int) {
	t.Helper()
	out, _, code := nexusRunAll(t, img)
	return out, code
}

func taskStatus(c *containerd, id string) string {
	out, _ := c.run("task", "ls")
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == id {
			return f[2]
		}
	}
	return ""
}

func taskPID(t testing.TB, c *containerd, id string) string {
	out := c.must("task", "ls")
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == id {
			return f[1]
		}
	}
	t.Fatalf("task %s not listed:\n%s", id, out)
	return ""
}

func waitRunning(t testing.TB, c *containerd, id string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for taskStatus(c, id) != "RUNNING" {
		if time.Now().After(deadline) {
			t.Fatalf("task %s not running", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// repoPath returns a path under the repository root (tests run in
// node/shim).
func repoPath(rel string) string { return filepath.Join("..", "..", rel) }

func build(t testing.TB, o image.BuildOptions) *image.Image {
	t.Helper()
	b, err := image.Build(context.Background(), o)
	if err != nil {
		t.Fatalf("build %s: %v", o.Path, err)
	}
	return b.Image
}

// nexusRunAll runs img in-process on the engine `nexus run` runs it on
// (node/runtime.EngineFor builds the same: tier 1 over a compilation
// cache, tier 2 serving the image's sealed files) and returns its stdout,
// stderr and exit code.
func nexusRunAll(t *testing.T, img *image.Image, args ...string) (string, string, int) {
	t.Helper()
	ctx := context.Background()
	var eng microvm.Engine
	switch img.Manifest.Tier {
	case microvm.TierWasm:
		w, err := wasm.New(ctx, wasm.NewConfig().WithCacheDir(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(ctx)
		eng = w
	case microvm.TierKVM:
		fsys, err := img.FilesFS()
		if err != nil {
			t.Fatal(err)
		}
		k, err := kvm.New(kvm.NewConfig().WithFiles(func(*microvm.Program) (fs.FS, error) { return fsys, nil }))
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close(ctx)
		eng = k
	}
	var out, errb bytes.Buffer
	st, err := eng.Run(ctx, img.Program(), microvm.RunConfig{Args: args, Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), st.ExitCode
}

// TestContainerdApps runs real apps through containerd: the Go hello on
// tier 1 (pre-initialised) with arguments, output identical to `nexus
// run`; granted folders reachable only through the spec's bind mounts;
// and on tier 2 (KVM, with musl-gcc) the C hello, a guest fault's exit
// status and a spinning program stopped by `ctr task kill`.
func TestContainerdApps(t *testing.T) {
	c := startContainerd(t)

	t.Run("go-hello", func(t *testing.T) {
		img := build(t, image.BuildOptions{Path: repoPath("examples/hello"), Name: "go-hello", Preinit: wasm.Preinit})
		if img.Manifest.Preinit == nil {
			t.Fatal("hello was not pre-initialised")
		}
		c.importImage(img, "go-hello:1.0")
		wantOut, wantErr, wantCode := nexusRunAll(t, img, "containerd", "world")
		out, errs, code := c.ctrRun("go-hello", nil, "go-hello:1.0", "containerd", "world")
		if out != wantOut || errs != wantErr || code != wantCode || code != 0 {
			t.Fatalf("ctr run: %q %q exit %d; nexus run: %q %q exit %d", out, errs, code, wantOut, wantErr, wantCode)
		}
	})

	// Folders: the image is granted /data (sealed with a host path that
	// holds the wrong file); the spec's bind mounts say what /data is.
	good, wrong, other := t.TempDir(), t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(good, "secret"), []byte("from the bind mount"), 0o644)
	os.WriteFile(filepath.Join(wrong, "secret"), []byte("from the build host"), 0o644)
	os.WriteFile(filepath.Join(other, "secret"), []byte("not granted"), 0o644)
	grant := microvm.Capabilities{Mounts: []microvm.Mount{{Host: wrong, Guest: "/data"}}}
	bind := func(src, dst string) []string {
		return []string{"--mount", "type=bind,src=" + src + ",dst=" + dst + ",options=rbind:ro"}
	}
	// mounts checks an app that prints a file it is asked for (argv, then
	// the path) or fails saying missing (with the path in place of PATH).
	mounts := func(t *testing.T, id, ref, missing string, argv ...string) {
		t.Helper()
		binds := append(bind(good, "/data"), bind(other, "/other")...)
		out, errs, code := c.ctrRun(id+"-1", binds, ref, append(argv, "/data/secret")...)
		if !strings.Contains(out, "from the bind mount") {
			t.Errorf("granted /data through a bind mount: %q %q exit %d", out, errs, code)
		}
		for _, r := range []struct {
			id, path string
			binds    []string
		}{{"-2", "/other/secret", binds}, {"-3", "/data/secret", nil}} {
			out, errs, code = c.ctrRun(id+r.id, r.binds, ref, append(argv, r.path)...)
			if !strings.Contains(out+errs, strings.ReplaceAll(missing, "PATH", r.path)) ||
				strings.Contains(out, "not granted") || strings.Contains(out, "from the") {
				t.Errorf("%s with binds %v: %q %q exit %d, want it missing", r.path, r.binds, out, errs, code)
			}
		}
	}
	t.Run("mounts-t1", func(t *testing.T) {
		img := build(t, image.BuildOptions{Path: repoPath("examples/hostile"), Name: "hostile", Capabilities: grant})
		c.importImage(img, "hostile:1.0")
		mounts(t, "t1", "hostile:1.0", "read PATH: open", "fs")
		if out, _, code := c.ctrRun("hostile-fs", bind(good, "/data"), "hostile:1.0", "fs", "/data/secret"); code != 0 || !strings.Contains(out, "blocked: write") || !strings.Contains(out, "blocked: remove") {
			t.Errorf("a granted folder is read-only: exit %d\n%s", code, out)
		}
	})

	t.Run("tier2", func(t *testing.T) {
		if err := hyper.Available(); err != nil {
			t.Skipf("KVM unavailable: %v", err)
		}
		cc, err := exec.LookPath("musl-gcc")
		if err != nil {
			t.Skip("musl-gcc not installed (.ci/deps.d/40-musl.sh)")
		}
		dir := t.TempDir()
		for _, p := range []string{"hello-c/hello.c", "hostile/hostile.c"} {
			out := filepath.Join(dir, filepath.Base(filepath.Dir(p)))
			if b, err := exec.Command(cc, "-static", "-O2", "-o", out, repoPath("examples-kvm/"+p)).CombinedOutput(); err != nil {
				t.Fatalf("musl-gcc %s: %v\n%s", p, err, b)
			}
		}
		hello := build(t, image.BuildOptions{Tier: microvm.TierKVM, Path: filepath.Join(dir, "hello-c"), Name: "hello-c", Capabilities: grant})
		hostile := build(t, image.BuildOptions{Tier: microvm.TierKVM, Path: filepath.Join(dir, "hostile"), Name: "hostile-c"})
		c.importImage(hello, "hello-c:1.0")
		c.importImage(hostile, "hostile-c:1.0")

		wantOut, wantErr, wantCode := nexusRunAll(t, hello, "a", "b")
		out, errs, code := c.ctrRun("t2-hello", nil, "hello-c:1.0", "a", "b")
		if out != wantOut || errs != wantErr || code != wantCode {
			t.Fatalf("ctr run: %q %q exit %d; nexus run: %q %q exit %d", out, errs, code, wantOut, wantErr, wantCode)
		}
		mounts(t, "t2", "hello-c:1.0", "fopen: No such file", "cat")

		_, errs, code = c.ctrRun("t2-fault", nil, "hostile-c:1.0", "wild-write")
		if code != microvm.ExitCodeTrap || !strings.Contains(errs, "page fault") {
			t.Errorf("guest fault: exit %d, stderr %q; want %d and the fault", code, errs, microvm.ExitCodeTrap)
		}

		cmd := c.command(c.runArgs("t2-spin", nil, "hostile-c:1.0", "loop")...)
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitRunning(t, c, "t2-spin")
		c.must("task", "kill", "-s", "SIGKILL", "t2-spin")
		err = cmd.Wait()
		if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 128+int(syscall.SIGKILL) {
			t.Fatalf("killed tier-2 spinner: %v, want exit %d\n%s", err, 128+int(syscall.SIGKILL), log.String())
		}
	})
}
