package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"nexusos/abi"
	"nexusos/microvm"
)

// Config configures an Engine. Build it with NewConfig and the With
// methods; each returns a changed copy.
type Config struct {
	cacheDir string
	logger   *slog.Logger
	pool     int
}

// NewConfig returns the default configuration: no on-disk cache, logs
// discarded.
func NewConfig() Config { return Config{} }

// WithCacheDir keeps compiled native code in dir (wazero's file-backed
// compilation cache), shared by every process using the same directory.
func (c Config) WithCacheDir(dir string) Config { c.cacheDir = dir; return c }

// WithPool keeps up to n pre-restored instances of each pre-initialised
// image ready, refilled in the background after each run: instantiation
// and the snapshot's copy-on-write page copies (its whole memory, ~3 MiB
// for a Go hello, resident per ready instance) happen off the start path.
// It lowers latency when requests leave gaps, not throughput under
// saturation. It pays off in a long-running node; a one-shot `nexus run`
// leaves it at 0. Runs that pass arguments or lower the memory limit
// always get a fresh instance.
func (c Config) WithPool(n int) Config { c.pool = n; return c }

// WithLogger sets the logger for engine events.
func (c Config) WithLogger(l *slog.Logger) Config { c.logger = l; return c }

// Engine runs WebAssembly microVMs. It implements microvm.Engine and is
// safe for concurrent use.
type Engine struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	logger   *slog.Logger
	poolSize int
	closing  atomic.Bool

	mu sync.Mutex
	// modules holds compiled modules by image digest; guarded by mu.
	modules map[string]*compiled
}

type compiled struct {
	once sync.Once
	mod  wazero.CompiledModule
	snap *snapshotImage // memory snapshot of a pre-initialised module
	err  error

	poolMu sync.Mutex
	// pool holds ready instances; guarded by poolMu.
	pool []*pooled
	// filling counts instances being made for the pool; guarded by poolMu.
	filling int
}

var _ microvm.Engine = (*Engine)(nil)

// New returns an engine. Close it to free compiled code.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	var cache wazero.CompilationCache
	if cfg.cacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(cfg.cacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: open compilation cache %s: %w", cfg.cacheDir, err)
		}
		cache = c
	} else {
		cache = wazero.NewCompilationCache()
	}
	rc := wazero.NewRuntimeConfigCompiler().
		WithCloseOnContextDone(true).
		WithCompilationCache(cache)
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("wasm: instantiate WASI: %w", err)
	}
	if err := instantiateHost(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("wasm: instantiate host module %q: %w", abi.ModuleName, err)
	}
	l := cfg.logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &Engine{rt: rt, cache: cache, logger: l, poolSize: cfg.pool, modules: map[string]*compiled{}}, nil
}

// Close frees every compiled module. Running microVMs must have ended.
func (e *Engine) Close(ctx context.Context) error {
	e.closing.Store(true)
	e.drainPools(ctx)
	err := e.rt.Close(ctx)
	if cerr := e.cache.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// Prepare compiles p (or loads it from the cache) and keeps it in memory.
func (e *Engine) Prepare(ctx context.Context, p *microvm.Program) error {
	_, err := e.compile(ctx, p)
	return err
}

// Forget drops the in-memory compiled module of image id.
func (e *Engine) Forget(ctx context.Context, id string) {
	e.mu.Lock()
	c := e.modules[id]
	delete(e.modules, id)
	e.mu.Unlock()
	if c != nil && c.mod != nil {
		_ = c.mod.Close(ctx)
	}
	if c != nil && c.snap != nil {
		c.snap.close()
	}
}

func (e *Engine) compile(ctx context.Context, p *microvm.Program) (wazero.CompiledModule, error) {
	if p.Manifest.Tier != microvm.TierWasm {
		return nil, fmt.Errorf("wasm: image %s is for tier %q", p.ID, p.Manifest.Tier)
	}
	e.mu.Lock()
	c := e.modules[p.ID]
	if c == nil || p.ID == "" {
		c = &compiled{}
		if p.ID != "" {
			e.modules[p.ID] = c
		}
	}
	e.mu.Unlock()
	c.once.Do(func() {
		start := time.Now()
		// Compilation is shared by every run of the image, so one caller's
		// cancellation must not fail it for the others.
		cctx := experimental.WithCompilationWorkers(context.WithoutCancel(ctx), runtime.GOMAXPROCS(0))
		c.mod, c.err = e.rt.CompileModule(cctx, p.Code)
		if c.err != nil {
			c.err = fmt.Errorf("wasm: compile %s: %w", p.Manifest.Name, c.err)
			return
		}
		entry := "_start"
		if p.Snapshot != nil {
			entry = p.Snapshot.Entry
			if c.snap, c.err = newSnapshotImage(p.Snapshot.Memory); c.err != nil {
				return
			}
		}
		c.err = checkModule(c.mod, entry)
		e.logger.Debug("compiled module", "image", p.ID, "took", time.Since(start))
	})
	if c.err != nil {
		e.mu.Lock()
		if e.modules[p.ID] == c {
			delete(e.modules, p.ID) // retry next time (the error may be ctx)
		}
		e.mu.Unlock()
	}
	return c.mod, c.err
}

// checkModule rejects modules that import what no microVM offers, with a
// message naming the import (wazero's own would say "module not
// instantiated").
func checkModule(m wazero.CompiledModule, entry string) error {
	for _, f := range m.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch mod {
		case wasi_snapshot_preview1.ModuleName:
		case abi.ModuleName:
			if name != abi.FuncCall && name != abi.FuncTake && name != abi.FuncABIVersion {
				return fmt.Errorf("wasm: module imports %s.%s, which ABI version %d does not define", mod, name, abi.Version)
			}
		default:
			return fmt.Errorf("wasm: module imports %s.%s; a microVM offers only %s and %s", mod, name, wasi_snapshot_preview1.ModuleName, abi.ModuleName)
		}
	}
	if len(m.ImportedMemories()) > 0 {
		return errors.New("wasm: module imports a memory; a microVM offers none")
	}
	if _, ok := m.ExportedFunctions()[entry]; !ok {
		return fmt.Errorf("wasm: module exports no %s function (build a command, not a library)", entry)
	}
	return nil
}

var (
	errTimeout     = errors.New("wall-time limit reached")
	errOutputLimit = errors.New("output limit reached")
	errMemoryLimit = errors.New("initial memory above the memory limit")
	errHostMemory  = errors.New("host could not map the memory")
)

// Run implements microvm.Engine.
func (e *Engine) Run(ctx context.Context, p *microvm.Program, rc microvm.RunConfig) (microvm.Status, error) {
	id := rc.ID
	if id == "" {
		id = uuid.NewString()
	}
	st := microvm.Status{ID: id, Image: p.ID, Name: p.Manifest.Name, State: microvm.StateCreated}
	mod, err := e.compile(ctx, p)
	var snap *snapshotImage
	if err == nil {
		e.mu.Lock()
		if c := e.modules[p.ID]; c != nil {
			snap = c.snap
		}
		e.mu.Unlock()
	}
	if err == nil && ctx.Err() != nil {
		st.State, st.Reason, st.ExitCode, st.Detail = microvm.StateStopped, microvm.ReasonStopped, microvm.ExitCodeStopped, "stopped before start"
		return st, nil
	}
	if err != nil {
		st.State, st.Reason, st.ExitCode, st.Detail = microvm.StateFailed, microvm.ReasonError, microvm.ExitCodeError, err.Error()
		return st, err
	}
	lim := p.Manifest.Limits.Tighten(rc.Limits)

	// Causes tell apart why the context ended: deadline, output, memory, or
	// the caller's Stop.
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	runCtx, cancelT := context.WithTimeoutCause(runCtx, time.Duration(lim.Timeout), errTimeout)
	defer cancelT()

	var written atomic.Int64
	stdout := &limitWriter{w: orDiscard(rc.Stdout), n: &written, limit: lim.OutputBytes, exceeded: func() { cancel(errOutputLimit) }}
	stderr := &limitWriter{w: orDiscard(rc.Stderr), n: &written, limit: lim.OutputBytes, exceeded: func() { cancel(errOutputLimit) }}
	stdin := rc.Stdin
	if stdin == nil {
		stdin = eofReader{}
	}

	var clock *vmClock
	if p.Snapshot != nil {
		// Continue the snapshot's clock; never start it over.
		clock = &vmClock{base: p.Snapshot.Nanotime, real: p.Manifest.Capabilities.Clock, start: time.Now()}
	}
	services := rc.Services
	if services.Logger == nil {
		services.Logger = rc.Logger
	}
	vm := &vmState{disp: microvm.NewDispatcher(&p.Manifest, services, id)}

	// A pre-restored instance from the pool serves runs that add nothing
	// fixed at instantiation (arguments, a lower memory limit).
	if pi := e.takePooled(p, rc, lim); pi != nil {
		pi.stdin.set(stdin)
		pi.stdout.set(stdout)
		pi.stderr.set(stderr)
		pi.clock.start = time.Now()
		vctx := context.WithValue(runCtx, vmKey{}, vm)
		st.State, st.StartedAt = microvm.StateRunning, time.Now()
		err := callEntry(vctx, pi.inst, p.Snapshot.Entry)
		_ = pi.inst.Close(vctx)
		st.EndedAt = time.Now()
		st.OutputBytes = min(written.Load(), lim.OutputBytes)
		peak, refused := pi.ml.stats()
		st.MemoryBytes = peak
		classify(&st, err, context.Cause(runCtx), refused, lim)
		return st, nil
	}
	mc := moduleConfig(p, append(append([]string{}, p.Manifest.Args...), rc.Args...), stdin, stdout, stderr, clock)

	ml := &memoryLimiter{limit: lim.MemoryBytes, overLimit: func() { cancel(errMemoryLimit) }, snap: snap,
		failed: func(err error) { cancel(fmt.Errorf("%w: %v", errHostMemory, err)) }}
	vctx := experimental.WithMemoryAllocator(runCtx, ml)
	vctx = context.WithValue(vctx, vmKey{}, vm)

	st.State, st.StartedAt = microvm.StateRunning, time.Now()
	inst, err := e.rt.InstantiateModule(vctx, mod, mc)
	if err == nil && p.Snapshot != nil {
		err = callEntry(vctx, inst, p.Snapshot.Entry)
	}
	if inst != nil {
		_ = inst.Close(vctx)
	}
	st.EndedAt = time.Now()
	st.OutputBytes = min(written.Load(), lim.OutputBytes)
	peak, refused := ml.stats()
	st.MemoryBytes = peak
	classify(&st, err, context.Cause(runCtx), refused, lim)
	e.logger.Debug("microvm ended", "id", id, "app", st.Name, "state", st.State, "reason", st.Reason, "code", st.ExitCode, "took", st.EndedAt.Sub(st.StartedAt))
	return st, nil
}

// moduleConfig is the WASI view of a microVM: its arguments and stdio,
// the manifest's environment and mounts, and a clock (the snapshot's
// continued clock when clock is not nil).
func moduleConfig(p *microvm.Program, args []string, stdin io.Reader, stdout, stderr io.Writer, clock *vmClock) wazero.ModuleConfig {
	mc := wazero.NewModuleConfig().
		WithName("").
		WithArgs(args...).
		WithStdin(stdin).
		WithStdout(stdout).
		WithStderr(stderr).
		WithRandSource(rand.Reader)
	for _, k := range sortedKeys(p.Manifest.Env) {
		mc = mc.WithEnv(k, p.Manifest.Env[k])
	}
	caps := p.Manifest.Capabilities
	if len(caps.Mounts) > 0 {
		fc := wazero.NewFSConfig()
		for _, m := range caps.Mounts {
			fc = fc.WithReadOnlyDirMount(m.Host, m.Guest)
		}
		mc = mc.WithFSConfig(fc)
	}
	switch {
	case clock != nil:
		mc = mc.WithStartFunctions().WithNanotime(clock.nanotime, 1).WithNanosleep(clock.nanosleep)
		if caps.Clock {
			mc = mc.WithSysWalltime()
		}
	case caps.Clock:
		mc = mc.WithSysWalltime().WithSysNanotime().WithSysNanosleep()
	}
	return mc
}

// classify turns the instantiation error and the context's cause into the
// microVM's final state.
func classify(st *microvm.Status, err, cause error, refused bool, lim microvm.Limits) {
	switch {
	case errors.Is(cause, errTimeout):
		st.State, st.Reason, st.ExitCode = microvm.StateFailed, microvm.ReasonTimeout, microvm.ExitCodeTimeout
		st.Detail = fmt.Sprintf("wall-time limit of %s reached", time.Duration(lim.Timeout))
		return
	case errors.Is(cause, errOutputLimit):
		st.State, st.Reason, st.ExitCode = microvm.StateFailed, microvm.ReasonOutput, microvm.ExitCodeOutput
		st.Detail = fmt.Sprintf("output limit of %d bytes reached", lim.OutputBytes)
		return
	case errors.Is(cause, errMemoryLimit):
		st.State, st.Reason, st.ExitCode = microvm.StateFailed, microvm.ReasonMemory, microvm.ExitCodeMemory
		st.Detail = fmt.Sprintf("the module's initial memory exceeds the memory limit of %d bytes", lim.MemoryBytes)
		return
	case errors.Is(cause, errHostMemory):
		st.State, st.Reason, st.ExitCode = microvm.StateFailed, microvm.ReasonError, microvm.ExitCodeError
		st.Detail = cause.Error()
		return
	case cause != nil:
		st.State, st.Reason, st.ExitCode = microvm.StateStopped, microvm.ReasonStopped, microvm.ExitCodeStopped
		st.Detail = cause.Error()
		return
	}
	code := 0
	var ee *sys.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = int(ee.ExitCode())
	default:
		msg := err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if refused {
			// The app died of a refused grow (a Go reactor aborts with a
			// trap where a command exits).
			st.State, st.Reason, st.ExitCode = microvm.StateFailed, microvm.ReasonMemory, microvm.ExitCodeMemory
			st.Detail = fmt.Sprintf("memory limit of %d bytes reached (then %s)", lim.MemoryBytes, msg)
			return
		}
		st.State, st.Reason, st.ExitCode = microvm.StateFailed, microvm.ReasonTrap, microvm.ExitCodeTrap
		st.Detail = msg
		return
	}
	if code != 0 && refused {
		st.State, st.Reason, st.ExitCode = microvm.StateFailed, microvm.ReasonMemory, microvm.ExitCodeMemory
		st.Detail = fmt.Sprintf("memory limit of %d bytes reached (the app exited with code %d)", lim.MemoryBytes, code)
		return
	}
	st.State, st.Reason, st.ExitCode = microvm.StateExited, microvm.ReasonExit, code
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// limitWriter passes writes through until the shared counter n passes
// limit, then writes what still fits, reports the overflow and fails.
type limitWriter struct {
	w        io.Writer
	n        *atomic.Int64
	limit    int64
	exceeded func()
}

var errOutputClosed = errors.New("output limit reached")

func (l *limitWriter) Write(p []byte) (int, error) {
	total := l.n.Add(int64(len(p)))
	if total <= l.limit {
		return l.w.Write(p)
	}
	room := int64(len(p)) - (total - l.limit)
	n := 0
	if room > 0 {
		n, _ = l.w.Write(p[:room])
	}
	l.exceeded()
	return n, errOutputClosed
}
