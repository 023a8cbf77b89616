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
	"nexusos/node/shim/front"
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

// BuildShim builds ShimPackages from the repository root source into dir,
// as docs/kubernetes.md installs them: static (CGO_ENABLED=0). Built with
// cgo, the front links the C library for package net's resolver, and
// each of its two executions per container pays the dynamic loader and
// the C library's start-up: about 1 ms more (2.4 against 1.3 ms here).
func BuildShim(ctx context.Context, source, dir string) error {
	x := exec.CommandContext(ctx, "go", "build", "-o", dir+"/", ShimPackages[0], ShimPackages[1])
	x.Dir = source
	x.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := x.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s %s: %v\n%s", ShimPackages[0], ShimPackages[1], err, out)
	}
	return nil
}

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
	// Span is the p50 of containerd's task span of a ctr run case: from
	// its /containers/create event to its /tasks/delete event, what
	// containerd and the runtime did for the container, without ctr's
	// own process start, connection and exit (zero for other cases).
	Span time.Duration
	// Shim is, for the nexus shim's cases, the p50 of each step of the
	// shim's own timings (front.EnvTimings) and of their sum.
	Shim *ShimSteps
}

// ShimSteps are the p50s of the steps the nexus shim timed itself, over
// the runs of one case. Total is the p50 of each run's sum of the steps
// and of two front processes (FrontProcess: the front's process start
// and exit, not in its own records), the shim's whole share of a ctr run.
type ShimSteps struct {
	StartAction, Create, Start, Run, VM, Delete, DeleteAction time.Duration
	FrontProcess                                              time.Duration
	Total                                                     time.Duration
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
	if err := BuildShim(ctx, cfg.Source, dir); err != nil {
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
	timings := filepath.Join(dir, "shim-timings")
	c, err := StartDaemon(ctx, DaemonOptions{Dir: dir, ShimDir: dir, Home: home, Namespace: "nexus-bench",
		Env: []string{front.EnvTimings + "=" + timings}})
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
	frontProc, err := timeFront(ctx, filepath.Join(dir, "containerd-shim-nexus-v1"), empty, cfg.Runs)
	if err != nil {
		return nil, err
	}
	ev, err := watchEvents(ctx, c)
	if err != nil {
		return nil, err
	}
	defer ev.stop()
	var out []Case
	// timeCase times the commands run returns, one after the other, as
	// one sample; run gets the container id of the sample.
	n := 0
	timeCases := func(app, how string, run func(id string) []*exec.Cmd) error {
		logf("timing %d runs: %s, %s...", cfg.Runs, app, how)
		var ds []time.Duration
		var ids []string
		for i := 0; i <= cfg.Runs; i++ { // the first run warms up (compiles, starts the shim)
			n++
			id := fmt.Sprintf("bench-%d", n)
			xs := run(id)
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
				ids = append(ids, id)
			}
		}
		out = append(out, Case{App: app, How: how, P50: benchstat.Percentile(ds, 50), P99: benchstat.Percentile(ds, 99)})
		if strings.HasPrefix(how, "ctr run") {
			k := &out[len(out)-1]
			k.Span = ev.span(ids)
			if how == CaseShim {
				var err error
				if k.Shim, err = shimSteps(timings, ids, frontProc); err != nil {
					return err
				}
			}
		}
		return nil
	}
	timeCase := func(app, how string, run func(id string) *exec.Cmd) error {
		return timeCases(app, how, func(id string) []*exec.Cmd { return []*exec.Cmd{run(id)} })
	}
	for _, a := range apps {
		if err := timeCase(a, "nexus run", func(string) *exec.Cmd {
			return exec.CommandContext(ctx, cfg.Nexus, "--home", home, "run", a)
		}); err != nil {
			return nil, err
		}
		ref := imageRef(ctx, c, a)
		if err := timeCase(a, CaseShim, func(id string) *exec.Cmd {
			return c.Command(ctx, "run", "--rm", "--runtime", runtimeName, "--rootfs", empty, id, ref)
		}); err != nil {
			return nil, err
		}
	}
	if helloC != "" {
		if err := timeCase("hello-c", CaseRunc, func(id string) *exec.Cmd {
			return c.Command(ctx, "run", "--rm", "--rootfs", rootfs, id, "/hello")
		}); err != nil {
			return nil, err
		}
	}
	// What no runtime shim takes part in: ctr itself, and containerd's
	// container records (the same ctr run makes and removes one).
	if err := timeCase("-", CaseCtr, func(string) *exec.Cmd { return c.Command(ctx, "version") }); err != nil {
		return nil, err
	}
	if err := timeCases("-", CaseRecords, func(id string) []*exec.Cmd {
		return []*exec.Cmd{
			c.Command(ctx, "container", "create", "--runtime", runtimeName, "--rootfs", empty, id, imageRef(ctx, c, apps[0])),
			c.Command(ctx, "container", "rm", id),
		}
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// The cases of a ctr run with the nexus shim and with runc, and those
// that time containerd and ctr without a task (no shim runs).
const (
	CaseShim    = "ctr run (nexus shim)"
	CaseRunc    = "ctr run (runc)"
	CaseCtr     = "ctr version"
	CaseRecords = "ctr container create+rm"
)

// Print writes the cases, the shim's own time step by step and its
// overhead over nexus run, and containerd's task spans of the shim and of
// runc.
func Print(w io.Writer, cs []Case) {
	fmt.Fprintf(w, "load average: %s (figures from one run; compare within it)\n\n", benchstat.LoadAvg())
	fmt.Fprintf(w, "%-9s %-22s %12s %12s %18s\n", "app", "started by", "p50", "p99", "containerd span")
	base := map[string]time.Duration{}
	for _, c := range cs {
		span := ""
		if c.Span > 0 {
			span = benchstat.Millis(c.Span)
		}
		fmt.Fprintf(w, "%-9s %-22s %12s %12s %18s\n", c.App, c.How, benchstat.Millis(c.P50), benchstat.Millis(c.P99), span)
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
	ms := benchstat.Millis
	for _, c := range cs {
		b, ok := base[c.App]
		if !ok || c.How != CaseShim {
			continue
		}
		fmt.Fprintf(w, "\n%s: ctr run with the shim takes %s p50 more than nexus run (ctr and containerd included)", c.App, ms(c.P50-b))
		if st := c.Shim; st != nil {
			fmt.Fprintf(w, "\n  the shim's own time, p50 per step: start action %s, create %s, start %s, start to exit reported %s (microVM %s), delete %s, delete action %s, front process %s (x2)",
				ms(st.StartAction), ms(st.Create), ms(st.Start), ms(st.Run), ms(st.VM), ms(st.Delete), ms(st.DeleteAction), ms(st.FrontProcess))
			fmt.Fprintf(w, "\n  the shim's own time, p50 of the sum: %s; over nexus run: %s (target <= 5 ms)", ms(st.Total), ms(st.Total-b))
		}
	}
	if ctr > 0 {
		fmt.Fprintf(w, "\nctr alone (%s) takes %s p50; %q times containerd's container records with two ctr processes", CaseCtr, ms(ctr), CaseRecords)
	}
	fmt.Fprintf(w, "\ncontainerd span: /containers/create to /tasks/delete (containerd's events), containerd's and the runtime's share of a ctr run")
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
	// Env is added to containerd's environment, which the shims it
	// starts inherit.
	Env []string
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
	d.cmd.Env = append(append(os.Environ(), "PATH="+o.ShimDir+":"+os.Getenv("PATH"), envHome+"="+o.Home), o.Env...)
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
