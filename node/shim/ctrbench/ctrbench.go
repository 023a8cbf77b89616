// Package ctrbench times microVMs started through containerd and the
// nexus runtime shim against `nexus run` of the same sealed image and, for
// a static C hello, against runc on the same containerd (`nexus bench
// containerd`). It drives everything as processes (containerd, ctr, the
// shim binary it builds, nexus), so the nexus binary links none of
// containerd's libraries. Daemon, the private containerd it times them
// on, serves the shim's tests too.
package ctrbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"nexusos/internal/benchstat"
)

// The runtime's names, as the shim (node/shim) defines them.
const (
	runtimeName = "io.containerd.nexus.v1"
	envHome     = "NEXUS_HOME"
)

// ShimPackages are the two binaries of the shim, relative to the
// repository root: the front containerd executes and the daemon it
// starts, installed side by side.
var ShimPackages = [2]string{"./cmd/containerd-shim-nexus-v1", "./cmd/containerd-shim-nexus-v1-daemon"}

// Config says what to time.
type Config struct {
	Source string // repository root: ShimPackages, examples, examples-kvm
	Nexus  string // the nexus binary
	Runs   int    // timed runs of each case
	// Logf reports progress (nil: none).
	Logf func(format string, args ...any)
}

// Case is one way of starting one app, timed start to exit.
type Case struct {
	App, How string
	P50, P99 time.Duration
}

// Run builds the shim and the apps, starts a private containerd under a
// temporary directory, and times each case; it needs root, containerd,
// ctr and go (musl-gcc and /dev/kvm for the tier-2 and runc cases).
func Run(ctx context.Context, cfg Config) ([]Case, error) {
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if cfg.Runs <= 0 {
		cfg.Runs = 20
	}
	var missing []string
	for _, c := range []string{"containerd", "ctr", "go"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not installed: %s (containerd: .ci/deps.d/70-containerd.sh)", strings.Join(missing, ", "))
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("containerd needs root")
	}
	dir, err := os.MkdirTemp("", "nxctr") // a socket path must stay under 108 bytes
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	logf("building the shim and the apps...")
	if err := command(ctx, cfg.Source, "go", "build", "-o", dir+"/", ShimPackages[0], ShimPackages[1]); err != nil {
		return nil, err
	}
	home := filepath.Join(dir, "home")
	apps := []string{"hello"}
	if err := command(ctx, cfg.Source, cfg.Nexus, "--home", home, "build", "./examples/hello", "--name", "hello"); err != nil {
		return nil, err
	}
	rootfs := filepath.Join(dir, "rootfs")
	helloC := ""
	if cc, err := exec.LookPath("musl-gcc"); err == nil {
		if _, err := os.Stat("/dev/kvm"); err == nil {
			helloC = filepath.Join(rootfs, "hello")
			if err := os.MkdirAll(rootfs, 0o755); err != nil {
				return nil, err
			}
			if err := command(ctx, cfg.Source, cc, "-static", "-O2", "-o", helloC, "examples-kvm/hello-c/hello.c"); err != nil {
				return nil, err
			}
			if err := command(ctx, cfg.Source, cfg.Nexus, "--home", home, "build", "--tier", "kvm", helloC, "--name", "hello-c"); err != nil {
				return nil, err
			}
			apps = append(apps, "hello-c")
		}
	}
	c, err := StartDaemon(ctx, DaemonOptions{Dir: dir, ShimDir: dir, Home: home, Namespace: "nexus-bench"})
	if err != nil {
		return nil, err
	}
	defer c.Stop()
	for _, a := range apps {
		tar := filepath.Join(dir, a+".tar")
		if err := command(ctx, "", cfg.Nexus, "--home", home, "image", "export", a, "--oci", tar); err != nil {
			return nil, err
		}
		if _, err := c.Ctr(ctx, "image", "import", "--no-unpack", tar); err != nil {
			return nil, err
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		return nil, err
	}
	var out []Case
	// timeCase times the commands run returns, one after the other, as
	// one sample.
	timeCases := func(app, how string, run func() []*exec.Cmd) error {
		logf("timing %d runs: %s, %s...", cfg.Runs, app, how)
		var ds []time.Duration
		for i := 0; i <= cfg.Runs; i++ { // the first run warms up (compiles, starts the shim)
			xs := run()
			start := time.Now()
			for _, x := range xs {
				b, err := x.CombinedOutput()
				if err != nil && (x.ProcessState == nil || x.ProcessState.ExitCode() != 3) { // hello-c exits 3
					return fmt.Errorf("%s: %v\n%s", strings.Join(x.Args, " "), err, b)
				}
			}
			d := time.Since(start)
			if i > 0 {
				ds = append(ds, d)
			}
		}
		out = append(out, Case{App: app, How: how, P50: benchstat.Percentile(ds, 50), P99: benchstat.Percentile(ds, 99)})
		return nil
	}
	timeCase := func(app, how string, run func() *exec.Cmd) error {
		return timeCases(app, how, func() []*exec.Cmd { return []*exec.Cmd{run()} })
	}
	for _, a := range apps {
		if err := timeCase(a, "nexus run", func() *exec.Cmd {
			return exec.CommandContext(ctx, cfg.Nexus, "--home", home, "run", a)
		}); err != nil {
			return nil, err
		}
		ref := imageRef(ctx, c, a)
		if err := timeCase(a, "ctr run (nexus shim)", func() *exec.Cmd {
			return c.Command(ctx, "run", "--rm", "--runtime", runtimeName, "--rootfs", empty, "bench", ref)
		}); err != nil {
			return nil, err
		}
	}
	if helloC != "" {
		if err := timeCase("hello-c", "ctr run (runc)", func() *exec.Cmd {
			return c.Command(ctx, "run", "--rm", "--rootfs", rootfs, "bench", "/hello")
		}); err != nil {
			return nil, err
		}
	}
	// What no runtime shim takes part in: ctr itself, and containerd's
	// container records (the same ctr run makes and removes one).
	if err := timeCase("-", CaseCtr, func() *exec.Cmd { return c.Command(ctx, "version") }); err != nil {
		return nil, err
	}
	if err := timeCases("-", CaseRecords, func() []*exec.Cmd {
		return []*exec.Cmd{
			c.Command(ctx, "container", "create", "--runtime", runtimeName, "--rootfs", empty, "bench", imageRef(ctx, c, apps[0])),
			c.Command(ctx, "container", "rm", "bench"),
		}
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// The cases that time containerd and ctr without a task (no shim runs).
const (
	CaseCtr     = "ctr version"
	CaseRecords = "ctr container create+rm"
)

// Print writes the cases and the shim's overhead over nexus run.
func Print(w io.Writer, cs []Case) {
	fmt.Fprintf(w, "load average: %s (figures from one run; compare within it)\n\n", benchstat.LoadAvg())
	fmt.Fprintf(w, "%-9s %-22s %12s %12s\n", "app", "started by", "p50", "p99")
	base := map[string]time.Duration{}
	for _, c := range cs {
		fmt.Fprintf(w, "%-9s %-22s %12s %12s\n", c.App, c.How, benchstat.Millis(c.P50), benchstat.Millis(c.P99))
		if c.How == "nexus run" {
			base[c.App] = c.P50
		}
	}
	var ctr time.Duration
	for _, c := range cs {
		if c.How == CaseCtr {
			ctr = c.P50
		}
	}
	for _, c := range cs {
		if b, ok := base[c.App]; ok && c.How == "ctr run (nexus shim)" {
			fmt.Fprintf(w, "\n%s: the shim path adds %s p50 over nexus run (target <= 5 ms; ctr and containerd included)", c.App, benchstat.Millis(c.P50-b))
		}
	}
	if ctr > 0 {
		fmt.Fprintf(w, "\nctr alone (%s) takes %s p50; %q times containerd's container records with two ctr processes", CaseCtr, benchstat.Millis(ctr), CaseRecords)
	}
	fmt.Fprintln(w)
}

// imageRef is the name containerd gave the imported image app.
func imageRef(ctx context.Context, c *Daemon, app string) string {
	out, err := c.Ctr(ctx, "image", "ls", "-q")
	if err == nil {
		for _, r := range strings.Fields(out) {
			if strings.Contains(r, app+":") || strings.HasSuffix(r, "/"+app) {
				return r
			}
		}
	}
	return app + ":1.0"
}

// Daemon is a private containerd: socket, root and state under its own
// directory, the runtime shims of a directory on its PATH.
type Daemon struct {
	Sock      string // its gRPC socket
	Namespace string // the namespace Command works in
	cmd       *exec.Cmd
	log       bytes.Buffer
}

// DaemonOptions configure StartDaemon.
type DaemonOptions struct {
	Dir       string // root, state and socket go here: keep it short (a socket path fits in 108 bytes)
	ShimDir   string // holds the shim's binaries (ShimPackages), put first on containerd's PATH
	Home      string // the shims' NEXUS_HOME
	Namespace string
	// CRI, when set, enables containerd's CRI plugin with this
	// configuration (TOML appended to the config); otherwise it is off.
	CRI string
}

// StartDaemon starts Debian's containerd as o says and waits until ctr
// reaches it; Stop ends it.
func StartDaemon(ctx context.Context, o DaemonOptions) (*Daemon, error) {
	d := &Daemon{Sock: filepath.Join(o.Dir, "c.sock"), Namespace: o.Namespace}
	disabled := `disabled_plugins = ["io.containerd.grpc.v1.cri"]`
	if o.CRI != "" {
		disabled = ""
	}
	config := filepath.Join(o.Dir, "config.toml")
	if err := os.WriteFile(config, fmt.Appendf(nil, `version = 2
root = %q
state = %q
%s
[grpc]
  address = %q
[plugins."io.containerd.internal.v1.opt"]
  path = %q
%s`, filepath.Join(o.Dir, "root"), filepath.Join(o.Dir, "state"), disabled, d.Sock, filepath.Join(o.Dir, "opt"), o.CRI), 0o644); err != nil {
		return nil, err
	}
	d.cmd = exec.Command("containerd", "--config", config)
	d.cmd.Env = append(os.Environ(), "PATH="+o.ShimDir+":"+os.Getenv("PATH"), envHome+"="+o.Home)
	d.cmd.Stdout, d.cmd.Stderr = &d.log, &d.log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // gone with its parent
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start containerd: %w", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := d.Ctr(ctx, "version"); err == nil {
			return d, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			d.Stop()
			return nil, fmt.Errorf("containerd did not come up:\n%s", d.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Command is a ctr command on the daemon, in its namespace.
func (d *Daemon) Command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ctr", append([]string{"--address", d.Sock, "--namespace", d.Namespace}, args...)...)
}

// Ctr runs ctr and returns its combined output.
func (d *Daemon) Ctr(ctx context.Context, args ...string) (string, error) {
	out, err := d.Command(ctx, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ctr %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Log is what containerd printed; read it after Stop.
func (d *Daemon) Log() string { return d.log.String() }

// Stop ends the tasks and their shims (shims outlive containerd by
// design), then containerd.
func (d *Daemon) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := d.Ctr(ctx, "task", "ls", "-q"); err == nil {
		for _, id := range strings.Fields(out) {
			d.Ctr(ctx, "task", "kill", "-s", "SIGKILL", id)
			time.Sleep(50 * time.Millisecond)
			d.Ctr(ctx, "task", "delete", id)
		}
	}
	// A shim lingers a few seconds after its last container; end it.
	exec.Command("pkill", "-f", "containerd-shim-nexus-v1.*"+d.Sock).Run()
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		d.cmd.Process.Kill()
		<-done
	}
}

// command runs name in dir and returns its output in the error.
func command(ctx context.Context, dir, name string, args ...string) error {
	x := exec.CommandContext(ctx, name, args...)
	x.Dir = dir
	if out, err := x.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
