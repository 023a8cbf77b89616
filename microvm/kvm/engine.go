//go:build linux && amd64

package kvm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"nexusos/hyper"
	"nexusos/hyper/libos"
	"nexusos/microvm"
)

// Config configures an Engine. Build it with NewConfig and the With
// methods; each returns a changed copy.
type Config struct {
	logger *slog.Logger
	pool   *hyper.Pool
	files  FilesFunc
}

// NewConfig returns the default configuration: logs discarded, no pool, no
// sealed files.
func NewConfig() Config { return Config{} }

// WithLogger sets the logger for engine and library-OS events (debug lines
// name unsupported system calls).
func (c Config) WithLogger(l *slog.Logger) Config { c.logger = l; return c }

// WithPool takes VMs from p when a run's memory limit equals the pool's
// machine size (see hyper.Pool): a long-running node saves most of the time
// to the app's first instruction. The caller closes p after the engine's
// last run.
func (c Config) WithPool(p *hyper.Pool) Config { c.pool = p; return c }

// WithFiles sets where the engine finds an image's sealed files (see
// image.Image.Files); without it, the guest's "/" holds only the
// manifest's mounts.
func (c Config) WithFiles(f FilesFunc) Config { c.files = f; return c }

// Engine runs tier-2 microVMs. It implements microvm.Engine and is safe
// for concurrent use.
type Engine struct {
	cfg Config
	log *slog.Logger

	mu sync.Mutex
	// checked holds the digests of images whose ELF was validated;
	// guarded by mu.
	checked map[string]bool
	// snaps holds the decoded snapshots of pre-initialised images by
	// digest (nil for one that failed to decode); guarded by mu.
	snaps map[string]*libos.Snapshot
}

var _ microvm.Engine = (*Engine)(nil)

// New returns an engine, or an error wrapping kvm.ErrUnavailable (of
// package hyper/kvm) when /dev/kvm cannot be used.
func New(cfg Config) (*Engine, error) {
	if err := hyper.Available(); err != nil {
		return nil, fmt.Errorf("kvm: tier-2 microVMs unavailable: %w", err)
	}
	l := cfg.logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &Engine{cfg: cfg, log: l, checked: map[string]bool{}, snaps: map[string]*libos.Snapshot{}}, nil
}

// Prewarm opens /dev/kvm and reads its CPUID table (once per process) on
// a goroutine of its own: a process about to run one app (`nexus run`)
// calls it first thing, before it knows the app's tier, so that a tier-2
// VM (Prebuild) can be built sooner. For a tier-1 app it is wasted work
// on another CPU, a fraction of a millisecond. cpuidCache, when not
// empty, is a file that keeps the CPUID table from one process to the
// next (hyper.CacheCPUID). Errors are New's to report.
func Prewarm(cpuidCache string) {
	hyper.CacheCPUID(cpuidCache)
	go hyper.Available()
}

// LeaveToExit makes the VMs of this process, once ended, stay for the
// process's exit instead of being torn down (hyper.LeaveToExit): for a
// process that exits after its run (`nexus run`), which hands
// LeftDescriptors to a helper that outlives it. Never in a process that
// lives on.
func LeaveToExit() { hyper.LeaveToExit() }

// LeftDescriptors returns the descriptors of the VMs left since
// LeaveToExit (hyper.LeftDescriptors).
func LeftDescriptors() []int { return hyper.LeftDescriptors() }

// spare is the VM Prebuild builds for the process's next run.
var spare struct {
	mu sync.Mutex
	// p is the spare's one-machine pool, nil when none; guarded by mu.
	p *hyper.Pool
}

// Prebuild starts building, in the background, the VM that the next run
// with memBytes of guest memory (m.Limits tightened by the run's limits)
// by an engine without a pool takes (hyper.NewSpare): a process that runs
// one tier-2 app calls it as soon as it knows the memory size, before the
// image is verified, and /dev/kvm is opened and the VM built while the
// image is hashed. It returns at once.
// Nothing of the image reaches the VM before Run, so building it from an
// unverified size is harmless: a run of another size builds its own, and
// an unused spare is released by the next Prebuild or by ReleaseSpare.
func Prebuild(memBytes uint64) {
	p := hyper.NewSpare(memBytes)
	spare.mu.Lock()
	old := spare.p
	spare.p = p
	spare.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// ReleaseSpare releases the VM of Prebuild if no run took it.
func ReleaseSpare() {
	spare.mu.Lock()
	p := spare.p
	spare.p = nil
	spare.mu.Unlock()
	if p != nil {
		p.Close()
	}
}

// takeSpare returns the spare's pool when its machines have memBytes of
// memory; the caller closes it.
func takeSpare(memBytes uint64) *hyper.Pool {
	spare.mu.Lock()
	defer spare.mu.Unlock()
	p := spare.p
	if p == nil || p.MemBytes() != memBytes {
		return nil
	}
	spare.p = nil
	return p
}

// Close releases nothing today; it exists so the engine can be closed like
// the tier-1 one.
func (e *Engine) Close(context.Context) error { return nil }

// Check reports whether p is a tier-2 image whose code is a static x86-64
// executable the monitor's loader accepts. It needs no /dev/kvm.
func Check(p *microvm.Program) error {
	if p.Manifest.Tier != microvm.TierKVM {
		return fmt.Errorf("kvm: image %s is for tier %q", p.ID, p.Manifest.Tier)
	}
	if _, err := hyper.ParseELF(p.Code); err != nil {
		return fmt.Errorf("kvm: image %s (%s): %w", p.Manifest.Name, p.ID, err)
	}
	return nil
}

// Prepare checks p as Check does, once per image digest.
func (e *Engine) Prepare(_ context.Context, p *microvm.Program) error {
	if p.Manifest.Tier != microvm.TierKVM {
		return fmt.Errorf("kvm: image %s is for tier %q", p.ID, p.Manifest.Tier)
	}
	if p.ID != "" {
		e.mu.Lock()
		ok := e.checked[p.ID]
		e.mu.Unlock()
		if ok {
			return nil
		}
	}
	if err := Check(p); err != nil {
		return err
	}
	if p.ID != "" {
		e.mu.Lock()
		e.checked[p.ID] = true
		e.mu.Unlock()
	}
	return nil
}

var (
	errTimeout     = errors.New("wall-time limit reached")
	errOutputLimit = errors.New("output limit reached")
)

// Run implements microvm.Engine.
func (e *Engine) Run(ctx context.Context, p *microvm.Program, rc microvm.RunConfig) (microvm.Status, error) {
	id := rc.ID
	if id == "" {
		id = uuid.NewString()
	}
	st := microvm.Status{ID: id, Image: p.ID, Name: p.Manifest.Name, State: microvm.StateCreated}
	hostFail := func(err error) (microvm.Status, error) {
		st.State, st.Reason, st.ExitCode, st.Detail = microvm.StateFailed, microvm.ReasonError, microvm.ExitCodeError, err.Error()
		if st.EndedAt.IsZero() {
			st.EndedAt = time.Now()
		}
		return st, err
	}
	if err := e.Prepare(ctx, p); err != nil {
		return hostFail(err)
	}
	if ctx.Err() != nil {
		st.State, st.Reason, st.ExitCode, st.Detail = microvm.StateStopped, microvm.ReasonStopped, microvm.ExitCodeStopped, "stopped before start"
		return st, nil
	}
	lim := p.Manifest.Limits.Tighten(rc.Limits)

	fsys, closeFS, err := e.fileTree(p)
	if err != nil {
		return hostFail(err)
	}
	defer closeFS()

	// Causes tell apart why the context ended: deadline, output, or the
	// caller's Stop.
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	runCtx, cancelT := context.WithTimeoutCause(runCtx, time.Duration(lim.Timeout), errTimeout)
	defer cancelT()

	var written atomic.Int64
	exceeded := func() { cancel(errOutputLimit) }
	stdout := &limitWriter{w: orDiscard(rc.Stdout), n: &written, limit: lim.OutputBytes, exceeded: exceeded}
	stderr := &limitWriter{w: orDiscard(rc.Stderr), n: &written, limit: lim.OutputBytes, exceeded: exceeded}

	services := rc.Services
	if services.Logger == nil {
		services.Logger = rc.Logger
	}
	args := append(append([]string{}, p.Manifest.Args...), rc.Args...)
	if len(args) == 0 {
		args = []string{p.Manifest.Name}
	}
	cfg := libosConfig(&p.Manifest, lim, args).
		WithStdout(stdout).
		WithStderr(stderr).
		// One byte over the limit reaches limitWriter, which stops the VM
		// as tier 1 does; libos alone would only fail the writes.
		WithMaxOutput(lim.OutputBytes + 1).
		WithHostCall(microvm.NewDispatcher(&p.Manifest, services, id)).
		WithLogger(e.log.With("vm", id, "app", p.Manifest.Name))
	if rc.Stdin != nil {
		cfg = cfg.WithStdin(rc.Stdin)
	}
	if fsys != nil {
		cfg = cfg.WithFS(fsys)
	}
	if e.cfg.pool != nil {
		cfg = cfg.WithPool(e.cfg.pool)
	} else if p := takeSpare(uint64(lim.MemoryBytes)); p != nil {
		defer p.Close()
		cfg = cfg.WithPool(p)
	}
	snap := e.snapshot(p)

	st.State, st.StartedAt = microvm.StateRunning, time.Now()
	var res libos.Result
	resumed := snap != nil && snap.Compatible(cfg) == nil
	if resumed {
		res, err = libos.Resume(runCtx, cfg, snap)
	} else {
		res, err = libos.Run(runCtx, cfg, p.Code)
	}
	st.EndedAt = time.Now()
	st.MemoryBytes = res.PeakMemory
	st.OutputBytes = min(written.Load(), lim.OutputBytes)
	if herr := classify(&st, res, err, context.Cause(runCtx), lim); herr != nil {
		e.log.Debug("microvm could not run", "id", id, "app", st.Name, "err", herr)
		return st, herr
	}
	e.log.Debug("microvm ended", "id", id, "app", st.Name, "state", st.State, "reason", st.Reason,
		"code", st.ExitCode, "took", st.EndedAt.Sub(st.StartedAt), "syscalls", res.Syscalls, "threads", res.Threads, "preinit", resumed)
	return st, nil
}

// fileTree is the guest's "/": the image's sealed files with the manifest's
// mounts (host directories opened through os.Root, so symbolic links cannot
// leave them) at their guest paths. The returned function closes the roots.
func (e *Engine) fileTree(p *microvm.Program) (fs.FS, func(), error) {
	tree := map[string]fs.FS{}
	var roots []*os.Root
	closeAll := func() {
		for _, r := range roots {
			r.Close()
		}
	}
	if e.cfg.files != nil {
		f, err := e.cfg.files(p)
		if err != nil {
			return nil, nil, fmt.Errorf("kvm: files of image %s: %w", p.ID, err)
		}
		if f != nil {
			tree["/"] = f
		}
	}
	for _, m := range p.Manifest.Capabilities.Mounts {
		r, err := os.OpenRoot(m.Host)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("kvm: mount %s at %s: %w", m.Host, m.Guest, err)
		}
		roots = append(roots, r)
		tree[m.Guest] = r.FS()
	}
	if len(tree) == 0 {
		return nil, closeAll, nil
	}
	fsys, err := libos.MountFS(tree)
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("kvm: file tree of image %s: %w", p.ID, err)
	}
	return fsys, closeAll, nil
}

// classify turns libos.Run's outcome and the context's cause into the
// microVM's final state, with the reasons and exit codes of tier 1. It
// returns an error only when the host could not run the program at all.
func classify(st *microvm.Status, res libos.Result, err, cause error, lim microvm.Limits) error {
	set := func(state microvm.State, reason microvm.Reason, code int, detail string) {
		st.State, st.Reason, st.ExitCode, st.Detail = state, reason, code, detail
	}
	var fault *hyper.Fault
	var ee *libos.ExitError
	switch {
	case errors.Is(cause, errTimeout):
		set(microvm.StateFailed, microvm.ReasonTimeout, microvm.ExitCodeTimeout,
			fmt.Sprintf("wall-time limit of %s reached", time.Duration(lim.Timeout)))
	case errors.Is(cause, errOutputLimit) || err == nil && res.OutputLimited:
		set(microvm.StateFailed, microvm.ReasonOutput, microvm.ExitCodeOutput,
			fmt.Sprintf("output limit of %d bytes reached", lim.OutputBytes))
	case cause != nil:
		set(microvm.StateStopped, microvm.ReasonStopped, microvm.ExitCodeStopped, cause.Error())
	case errors.As(err, &fault):
		if strings.Contains(fault.Kind, "out of guest memory") {
			set(microvm.StateFailed, microvm.ReasonMemory, microvm.ExitCodeMemory,
				fmt.Sprintf("memory limit of %d bytes reached: %v", lim.MemoryBytes, fault))
			return nil
		}
		set(microvm.StateFailed, microvm.ReasonTrap, microvm.ExitCodeTrap, fault.Error())
	case errors.As(err, &ee):
		// Killed by a signal (abort(), an unhandled kill): a trap, with the
		// shell's 128+N code.
		set(microvm.StateFailed, microvm.ReasonTrap, ee.Code, ee.Error())
	case err != nil:
		set(microvm.StateFailed, microvm.ReasonError, microvm.ExitCodeError, err.Error())
		return err
	default:
		set(microvm.StateExited, microvm.ReasonExit, res.ExitCode, "")
	}
	return nil
}

// libosConfig is the part of a run's configuration the app reads while it
// starts, which a snapshot taken at build time (Preinit) must share.
func libosConfig(m *microvm.Manifest, lim microvm.Limits, args []string) libos.Config {
	vcpus := lim.VCPUs
	if vcpus == 0 {
		vcpus = microvm.DefaultVCPUs
	}
	cfg := libos.NewConfig().
		WithArgs(args...).
		WithEnv(environ(m.Env)...).
		WithMemory(lim.MemoryBytes).
		WithMaxThreads(vcpus).
		WithCPUs(max(1, min(vcpus, runtime.NumCPU())))
	if !m.Capabilities.Clock {
		cfg = cfg.WithFakeClock()
	}
	return cfg.WithScratch(m.Capabilities.ScratchBytes).WithLoopback(m.Capabilities.Loopback)
}

// environ turns the manifest's environment into sorted KEY=value strings.
func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// limitWriter passes writes through until the shared counter n passes
// limit, then writes what still fits and reports the overflow (which stops
// the VM). It reports every write as complete, so the guest is stopped by
// the host rather than told of an error.
type limitWriter struct {
	w        io.Writer
	n        *atomic.Int64
	limit    int64
	exceeded func()
}

func (l *limitWriter) Write(p []byte) (int, error) {
	total := l.n.Add(int64(len(p)))
	if total <= l.limit {
		return l.w.Write(p)
	}
	if room := int64(len(p)) - (total - l.limit); room > 0 {
		l.w.Write(p[:room])
	}
	l.exceeded()
	return len(p), nil
}
