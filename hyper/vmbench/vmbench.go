//go:build linux && amd64

// Package vmbench measures tier-2 microVMs: start-up latency, system-call
// round trips, compute speed against native, and host memory per VM. It
// builds its workloads from examples-kvm with musl-gcc and the go tool, so
// it needs both, plus a usable /dev/kvm. `nexus bench kvm` prints its
// report; the functions are not safe for concurrent use with each other
// (they measure the process's memory).
package vmbench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"nexusos/hyper"
	"nexusos/hyper/libos"
	"nexusos/internal/benchstat"
)

// Config says how much to measure.
type Config struct {
	// Source is the repository root holding examples-kvm.
	Source string
	// Runs is how many VMs each start-up figure is taken over.
	Runs int
	// CLIRuns is how many `nexus vm run` processes are timed (0: skip).
	CLIRuns int
	// Nexus is the nexus binary for the CLI figures.
	Nexus string
	// Peer, when set, is another nexus binary (an earlier build) whose
	// `nexus run` figures are taken in the same run, alternating with
	// Nexus run by run, and printed beside them.
	Peer string
	// RunOnly skips everything but the start-up figures of the sealed
	// images: the in-process pre-initialised runs and `nexus run` (and
	// the peer's).
	RunOnly bool
	// Syscalls is the number of getpid calls timed.
	Syscalls int
	// Compute is the iteration count of the compute loop.
	Compute int
	// IdleVMs is how many idle VMs the memory figure is taken over.
	IdleVMs int
	// Log receives progress lines (may be nil).
	Log io.Writer
}

// Latency is a distribution summary: nearest-rank percentiles
// (benchstat.Percentile).
type Latency struct{ P50, P99 time.Duration }

func summarize(d []time.Duration) Latency {
	return Latency{P50: benchstat.Percentile(d, 50), P99: benchstat.Percentile(d, 99)}
}

// Startup is the start-up figures of one program.
type Startup struct {
	Program          string
	FirstInstruction Latency // Run called -> first vCPU entering the guest
	FirstPooled      Latency // the same with the VM taken from a hyper.Pool
	Exit             Latency // Run called -> program exited, VM torn down
	CLI              Latency // `nexus vm run` process start -> exit
	// Pre-initialised runs (Go only): libos.Resume from a snapshot taken
	// once, to exit; the same with the VM from a pool; and `nexus run` of
	// a sealed image without and (Go only) with its snapshot, by Nexus
	// and by Peer.
	PreinitExit, PreinitPooled    Latency
	RunSealed, RunPreinit         Latency
	PeerRunSealed, PeerRunPreinit Latency
	// SnapshotBytes is the page data the snapshot stores (pages still as
	// the executable loaded them are not stored); Syscalls and
	// PreinitSyscalls the system calls of one normal and one restored run.
	SnapshotBytes             int
	Syscalls, PreinitSyscalls uint64
}

// Report is everything vmbench measures.
type Report struct {
	Load, LoadAfter  string // load averages before and after the figures
	Startups         []Startup
	SyscallVM        time.Duration // getpid round trip in the VM
	SyscallNative    time.Duration // getpid natively
	ComputeVM        time.Duration
	ComputeNative    time.Duration
	RSSPerVM         int64 // host resident bytes per idle VM, guest pages included
	GuestPagesPerVM  int64 // guest memory backed by host pages per idle VM
	IdleVMs          int
	ComputeIteration int
}

// Build compiles the workloads into dir and returns their paths by name:
// "hello-c", "hello-go", "bench".
func Build(ctx context.Context, src, dir string) (map[string]string, error) {
	out := map[string]string{}
	cc, err := exec.LookPath("musl-gcc")
	if err != nil {
		return nil, fmt.Errorf("musl-gcc not found (Debian package musl-tools): %w", err)
	}
	for name, c := range map[string]string{"hello-c": "examples-kvm/hello-c/hello.c", "bench": "examples-kvm/bench/bench.c"} {
		p := filepath.Join(dir, name)
		if b, err := exec.CommandContext(ctx, cc, "-static", "-O2", "-o", p, filepath.Join(src, c)).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s: %v\n%s", name, err, b)
		}
		out[name] = p
	}
	p := filepath.Join(dir, "hello-go")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", p, "./examples-kvm/hello-go")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build hello-go: %v\n%s", err, b)
	}
	out["hello-go"] = p
	return out, nil
}

// Run measures everything in cfg and returns the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", a...)
		}
	}
	dir, err := os.MkdirTemp("", "nexus-vmbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	logf("building workloads...")
	progs, err := Build(ctx, cfg.Source, dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Load: benchstat.LoadAvg(), IdleVMs: cfg.IdleVMs, ComputeIteration: cfg.Compute}
	defer func() { rep.LoadAfter = benchstat.LoadAvg() }()
	if cfg.RunOnly {
		return runOnly(ctx, cfg, dir, progs, rep, logf)
	}
	for _, name := range []string{"hello-c", "hello-go"} {
		elf, err := os.ReadFile(progs[name])
		if err != nil {
			return nil, err
		}
		logf("starting %d %s VMs...", cfg.Runs, name)
		var first, exit []time.Duration
		for i := 0; i < cfg.Runs; i++ {
			t0 := time.Now()
			res, err := libos.Run(ctx, libos.NewConfig().WithArgs(name, "-quick").WithStdout(io.Discard), elf)
			d := time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			first = append(first, res.FirstInstruction)
			exit = append(exit, d)
		}
		st := Startup{Program: name, FirstInstruction: summarize(first), Exit: summarize(exit)}
		if name == "hello-go" {
			if err := preinitFigures(ctx, cfg, elf, &st, logf); err != nil {
				return nil, err
			}
		}
		pool, err := hyper.NewPool(libos.NewConfig().Memory(), 2)
		if err != nil {
			return nil, err
		}
		var pooled []time.Duration
		for i := 0; i < cfg.Runs; i++ {
			res, err := libos.Run(ctx, libos.NewConfig().WithArgs(name, "-quick").WithStdout(io.Discard).WithPool(pool), elf)
			if err != nil {
				pool.Close()
				return nil, fmt.Errorf("%s (pooled): %w", name, err)
			}
			pooled = append(pooled, res.FirstInstruction)
		}
		pool.Close()
		st.FirstPooled = summarize(pooled)
		if cfg.CLIRuns > 0 && cfg.Nexus != "" {
			var cli []time.Duration
			for i := 0; i < cfg.CLIRuns; i++ {
				t0 := time.Now()
				cmd := exec.CommandContext(ctx, cfg.Nexus, "vm", "run", progs[name], "--", "-quick")
				cmd.Run() // hello-c exits with 3 on purpose
				cli = append(cli, time.Since(t0))
			}
			st.CLI = summarize(cli)
			if err := sealedFigures(ctx, cfg, dir, progs[name], &st, logf); err != nil {
				return nil, err
			}
		}
		rep.Startups = append(rep.Startups, st)
	}

	logf("timing %d system calls...", cfg.Syscalls)
	bench, err := os.ReadFile(progs["bench"])
	if err != nil {
		return nil, err
	}
	vmNumber := func(args ...string) (int64, error) {
		var out bytes.Buffer
		_, err := libos.Run(ctx, libos.NewConfig().WithArgs(append([]string{"bench"}, args...)...).WithStdout(&out), bench)
		if err != nil {
			return 0, err
		}
		return strconv.ParseInt(strings.TrimSpace(out.String()), 10, 64)
	}
	nativeNumber := func(args ...string) (int64, error) {
		b, err := exec.CommandContext(ctx, progs["bench"], args...).Output()
		if err != nil {
			return 0, err
		}
		return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	n := strconv.Itoa(cfg.Syscalls)
	v, err := vmNumber("syscalls", n)
	if err != nil {
		return nil, fmt.Errorf("syscalls in the VM: %w", err)
	}
	rep.SyscallVM = time.Duration(v)
	if v, err = nativeNumber("syscalls", n); err != nil {
		return nil, fmt.Errorf("syscalls natively: %w", err)
	}
	rep.SyscallNative = time.Duration(v)

	logf("timing the compute loop (VM and native, alternating, best of 3)...")
	c := strconv.Itoa(cfg.Compute)
	rep.ComputeVM, rep.ComputeNative = time.Duration(1<<62), time.Duration(1<<62)
	for i := 0; i < 3; i++ {
		v, err := vmNumber("compute", c)
		if err != nil {
			return nil, fmt.Errorf("compute in the VM: %w", err)
		}
		rep.ComputeVM = min(rep.ComputeVM, time.Duration(v))
		if v, err = nativeNumber("compute", c); err != nil {
			return nil, fmt.Errorf("compute natively: %w", err)
		}
		rep.ComputeNative = min(rep.ComputeNative, time.Duration(v))
	}

	logf("measuring memory of %d idle VMs...", cfg.IdleVMs)
	if err := idleOverhead(ctx, bench, cfg.IdleVMs, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// preinitFigures times the Go hello restored from a snapshot, in-process,
// right after its normal runs.
func preinitFigures(ctx context.Context, cfg Config, elf []byte, st *Startup, logf func(string, ...any)) error {
	conf := libos.NewConfig().WithArgs("hello-go", "-quick").WithStdout(io.Discard)
	snap, err := libos.TakeSnapshot(ctx, conf, elf)
	if err != nil {
		return fmt.Errorf("hello-go snapshot: %w", err)
	}
	defer snap.Close()
	st.SnapshotBytes = snap.Size()
	res, err := libos.Run(ctx, conf, elf)
	if err != nil {
		return err
	}
	st.Syscalls = res.Syscalls
	logf("starting %d pre-initialised hello-go VMs...", cfg.Runs)
	pool, err := hyper.NewPool(conf.Memory(), 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	var exit, pooled []time.Duration
	for i := 0; i < cfg.Runs; i++ {
		t0 := time.Now()
		res, err := libos.Resume(ctx, conf, snap)
		d := time.Since(t0)
		if err != nil {
			return fmt.Errorf("hello-go (pre-initialised): %w", err)
		}
		st.PreinitSyscalls = res.Syscalls
		exit = append(exit, d)
		t0 = time.Now()
		if _, err := libos.Resume(ctx, conf.WithPool(pool), snap); err != nil {
			return fmt.Errorf("hello-go (pre-initialised, pooled): %w", err)
		}
		pooled = append(pooled, time.Since(t0))
	}
	st.PreinitExit, st.PreinitPooled = summarize(exit), summarize(pooled)
	return nil
}

// runOnly takes the figures of RunOnly: for each hello, the in-process
// runs its `nexus run` figures are compared with, then those.
func runOnly(ctx context.Context, cfg Config, dir string, progs map[string]string, rep *Report, logf func(string, ...any)) (*Report, error) {
	for _, name := range []string{"hello-c", "hello-go"} {
		elf, err := os.ReadFile(progs[name])
		if err != nil {
			return nil, err
		}
		st := Startup{Program: name}
		if name == "hello-go" {
			if err := preinitFigures(ctx, cfg, elf, &st, logf); err != nil {
				return nil, err
			}
		} else {
			var exit []time.Duration
			for i := 0; i < cfg.Runs; i++ {
				t0 := time.Now()
				if _, err := libos.Run(ctx, libos.NewConfig().WithArgs(name, "-quick").WithStdout(io.Discard), elf); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				exit = append(exit, time.Since(t0))
			}
			st.Exit = summarize(exit)
		}
		if cfg.CLIRuns > 0 && cfg.Nexus != "" {
			if err := sealedFigures(ctx, cfg, dir, progs[name], &st, logf); err != nil {
				return nil, err
			}
		}
		rep.Startups = append(rep.Startups, st)
	}
	return rep, nil
}

// sealedFigures seals a hello with `nexus build` (the Go one twice: with
// and without its snapshot; the C one has none) and times `nexus run` of
// each image by Nexus and, when set, by Peer, all alternating run by run.
func sealedFigures(ctx context.Context, cfg Config, dir, elf string, st *Startup, logf func(string, ...any)) error {
	home := filepath.Join(dir, "home")
	src, want := elf, "hello from a NexusOS microVM"
	builds := [][]string{{"--name", st.Program + "-cold", "--no-preinit"}}
	if st.Program == "hello-go" {
		src, want = filepath.Join(cfg.Source, "examples-kvm/hello-go"), "hello from Go"
		builds = append(builds, []string{"--name", "hello-go-preinit"})
	}
	for _, b := range builds {
		args := append([]string{"--home", home, "build", "--tier", "kvm", src, "--arg", "-quick"}, b...)
		if out, err := exec.CommandContext(ctx, cfg.Nexus, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("nexus build %s: %v\n%s", b[1], err, out)
		}
	}
	type variant struct {
		nexus, image string
		d            *[]time.Duration
	}
	var cold, warm, peerCold, peerWarm []time.Duration
	vs := []variant{{cfg.Nexus, st.Program + "-cold", &cold}}
	if cfg.Peer != "" {
		vs = append(vs, variant{cfg.Peer, st.Program + "-cold", &peerCold})
	}
	if len(builds) > 1 {
		vs = append(vs, variant{cfg.Nexus, "hello-go-preinit", &warm})
		if cfg.Peer != "" {
			vs = append(vs, variant{cfg.Peer, "hello-go-preinit", &peerWarm})
		}
	}
	logf("timing %d 'nexus run' processes of each sealed %s...", cfg.CLIRuns, st.Program)
	for i := 0; i < cfg.CLIRuns; i++ {
		// The order rotates run by run: a process that always follows
		// the same one inherits its exit's deferred work (the kernel
		// tearing a VM down) and read 1-3 ms slower here.
		for k := range vs {
			v := vs[(k+i)%len(vs)]
			t0 := time.Now()
			out, err := exec.CommandContext(ctx, v.nexus, "--home", home, "run", v.image).Output()
			d := time.Since(t0)
			var ee *exec.ExitError
			if errors.As(err, &ee) && st.Program == "hello-c" && ee.ExitCode() == 3 {
				err = nil // hello-c exits with 3 on purpose
			}
			if err != nil || !bytes.HasPrefix(out, []byte(want)) {
				return fmt.Errorf("%s run %s: %v: %q", v.nexus, v.image, err, out)
			}
			*v.d = append(*v.d, d)
		}
	}
	st.RunSealed, st.PeerRunSealed = summarize(cold), summarize(peerCold)
	if len(warm) > 0 {
		st.RunPreinit, st.PeerRunPreinit = summarize(warm), summarize(peerWarm)
	}
	return nil
}

// rss returns the process's resident set size in bytes.
func rss() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// idleOverhead starts n VMs blocked reading stdin and compares the
// process's RSS with the guest pages they use.
func idleOverhead(ctx context.Context, bench []byte, n int, rep *Report) error {
	runtime.GC()
	debug.FreeOSMemory()
	before := rss()
	type vm struct {
		w    *io.PipeWriter
		done chan libos.Result
	}
	vms := make([]vm, n)
	started := make(chan struct{}, n)
	for i := range vms {
		r, w := io.Pipe()
		vms[i] = vm{w: w, done: make(chan libos.Result, 1)}
		go func(r io.Reader, done chan libos.Result) {
			res, _ := libos.Run(ctx, libos.NewConfig().WithArgs("bench", "wait").WithStdin(&signalReader{r: r, started: started}), bench)
			done <- res
		}(r, vms[i].done)
	}
	for range vms {
		<-started
	}
	runtime.GC()
	during := rss()
	var guest int64
	for _, v := range vms {
		v.w.Close()
		res := <-v.done
		guest += int64(res.Resident)
	}
	if n > 0 {
		rep.GuestPagesPerVM = guest / int64(n)
		rep.RSSPerVM = (during - before) / int64(n)
	}
	return nil
}

// signalReader reports its first Read (the VM is up and blocked on stdin).
type signalReader struct {
	r       io.Reader
	started chan struct{}
	once    bool
}

func (s *signalReader) Read(p []byte) (int, error) {
	if !s.once {
		s.once = true
		s.started <- struct{}{}
	}
	return s.r.Read(p)
}

// Print writes the report as a table with the targets of issue 6 (a
// RunOnly report: its start-up figures only).
func (r *Report) Print(w io.Writer) {
	ms := benchstat.Millis
	fmt.Fprintf(w, "load average: %s before, %s after (figures from one run; compare within it)\n\n", r.Load, r.LoadAfter)
	fmt.Fprintf(w, "%-10s %-36s %12s %12s\n", "program", "measure", "p50", "p99")
	line := func(s Startup, what string, l Latency, note string) {
		if l.P50 > 0 {
			fmt.Fprintf(w, "%-10s %-36s %12s %12s%s\n", s.Program, what, ms(l.P50), ms(l.P99), note)
		}
	}
	for _, s := range r.Startups {
		line(s, "start -> first instruction", s.FirstInstruction, "   (target < 5 ms)")
		line(s, "  the same, VM from a pool", s.FirstPooled, "")
		line(s, "start -> exit (in-process)", s.Exit, "")
		line(s, "start -> exit (nexus vm run)", s.CLI, "")
		if s.PreinitExit.P50 > 0 {
			note := fmt.Sprintf("   (target < 3 ms; %d system calls", s.PreinitSyscalls)
			if s.Syscalls > 0 {
				note += fmt.Sprintf(", normally %d", s.Syscalls)
			}
			line(s, "  pre-initialised, in-process", s.PreinitExit, note+fmt.Sprintf("; snapshot %s stored)", benchstat.Bytes(s.SnapshotBytes)))
			line(s, "  the same, VM from a pool", s.PreinitPooled, "")
		}
		line(s, "start -> exit (nexus run)", s.RunSealed, "")
		line(s, "  the same, peer binary", s.PeerRunSealed, "")
		line(s, "  pre-initialised image (nexus run)", s.RunPreinit, "   (target < 10 ms)")
		line(s, "  the same, peer binary", s.PeerRunPreinit, "")
	}
	if r.ComputeIteration == 0 || r.ComputeVM == 0 {
		return // RunOnly
	}
	fmt.Fprintf(w, "\nsystem call round trip (getpid): %.1f µs in the VM, %.3f µs natively\n",
		float64(r.SyscallVM)/1e3, float64(r.SyscallNative)/1e3)
	ratio := float64(r.ComputeNative) / float64(r.ComputeVM)
	fmt.Fprintf(w, "compute loop (%d iterations, best of 3): %s in the VM, %s natively: %.2fx native speed (target >= 0.95x)\n",
		r.ComputeIteration, ms(r.ComputeVM), ms(r.ComputeNative), ratio)
	fmt.Fprintf(w, "host memory per idle VM: %d KiB resident, of which %d KiB guest pages: overhead %d KiB over %d VMs (target < 5 MiB; kernel-side KVM memory not included)\n",
		r.RSSPerVM>>10, r.GuestPagesPerVM>>10, (r.RSSPerVM-r.GuestPagesPerVM)>>10, r.IdleVMs)
}
