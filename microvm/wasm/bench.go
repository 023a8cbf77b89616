package wasm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"nexusos/abi"
	"nexusos/internal/benchstat"
	"nexusos/microvm"
	"nexusos/microvm/wasmbin"
)

// BenchConfig configures Bench.
type BenchConfig struct {
	Runs      int    // start-to-exit runs per variant (1000)
	Idle      int    // concurrent idle NexusOS instances (1000)
	IdlePlain int    // concurrent idle plain wazero instances (100: each costs MiBs)
	HostCalls int    // host calls per measurement (1,000,000)
	GoCommand []byte // the Go app built as a WASI command
	GoReactor []byte // the same app built as a reactor (image.BuildGoReactor)
	CacheDir  string // scratch directory for the compilation cache
}

// Bench measures tier 1 against plain wazero in the same process and run,
// and prints the figures to w. Variants are interleaved run by run, so
// machine load affects them alike. It asserts nothing.
func Bench(ctx context.Context, cfg BenchConfig, w io.Writer) error {
	if cfg.Runs <= 0 {
		cfg.Runs = 1000
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 1000
	}
	if cfg.IdlePlain <= 0 {
		cfg.IdlePlain = 100
	}
	if cfg.HostCalls <= 0 {
		cfg.HostCalls = 1_000_000
	}
	fmt.Fprintf(w, "machine: %d CPUs, GOMAXPROCS %d, load average %s, wazero v1.12.0 compiler\n\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), benchstat.LoadAvg())

	man := microvm.Manifest{ABI: abi.Version, Name: "hello", Tier: microvm.TierWasm, Args: []string{"hello"}}
	// Pre-initialise, then time the first run after a build: a fresh
	// engine loading native code from the file cache, as `nexus run` does.
	t0 := time.Now()
	snapMod, snap, err := Preinit(ctx, cfg.GoReactor, &man, "nexus_main")
	if err != nil {
		return err
	}
	preinitTook := time.Since(t0)
	snapProg := benchProgram(man, snapMod, snap)
	cmdProg := benchProgram(man, cfg.GoCommand, nil)

	build, err := New(ctx, NewConfig().WithCacheDir(cfg.CacheDir))
	if err != nil {
		return err
	}
	t0 = time.Now()
	if err := build.Prepare(ctx, snapProg); err != nil {
		return err
	}
	compileTook := time.Since(t0)
	build.Close(ctx)
	t0 = time.Now()
	first, err := New(ctx, NewConfig().WithCacheDir(cfg.CacheDir))
	if err != nil {
		return err
	}
	if st, err := first.Run(ctx, snapProg, microvm.RunConfig{}); err != nil || st.ExitCode != 0 {
		return fmt.Errorf("bench: first run: %v %+v", err, st)
	}
	firstTook := time.Since(t0)
	first.Close(ctx)

	eng, err := New(ctx, NewConfig().WithCacheDir(cfg.CacheDir))
	if err != nil {
		return err
	}
	defer eng.Close(ctx)
	pooledEng, err := New(ctx, NewConfig().WithCacheDir(cfg.CacheDir).WithPool(4))
	if err != nil {
		return err
	}
	defer pooledEng.Close(ctx)
	plain, err := newPlain(ctx, cfg.CacheDir)
	if err != nil {
		return err
	}
	defer plain.rt.Close(ctx)

	fmt.Fprintf(w, "Go hello: command %s, snapshot module %s + memory %s\n",
		benchstat.Bytes(len(cfg.GoCommand)), benchstat.Bytes(len(snapMod)), benchstat.Bytes(len(snap.Memory)))
	fmt.Fprintf(w, "  build: pre-initialise %s, compile %s; first run after build (engine + cache load + run) %s\n",
		ms(preinitTook), ms(compileTook), ms(firstTook))
	goCmd, err := plain.compile(ctx, cfg.GoCommand)
	if err != nil {
		return err
	}
	if err := eng.Prepare(ctx, cmdProg); err != nil {
		return err
	}
	if err := pooledEng.Prepare(ctx, snapProg); err != nil {
		return err
	}
	variants := []variant{
		// The pool is refilled in the background; waiting for it (untimed)
		// models requests that arrive with gaps, as a node sees them.
		{name: "nexus, pre-init + ready pool", run: func() error { return runNexus(ctx, pooledEng, snapProg) },
			prepare: func() {
				for pooledEng.poolLen(snapProg.ID) == 0 {
					time.Sleep(50 * time.Microsecond)
				}
			}},
		{name: "nexus, pre-initialised", run: func() error { return runNexus(ctx, eng, snapProg) }},
		{name: "nexus, command", run: func() error { return runNexus(ctx, eng, cmdProg) }},
		{name: "plain wazero", run: func() error { return plain.run(ctx, goCmd) }},
	}
	if err := measure(w, cfg.Runs, variants); err != nil {
		return err
	}

	mini := wasmbin.Hello("hello\n", 0)
	miniProg := benchProgram(microvm.Manifest{ABI: abi.Version, Name: "mini", Tier: microvm.TierWasm}, mini, nil)
	if err := eng.Prepare(ctx, miniProg); err != nil {
		return err
	}
	miniMod, err := plain.compile(ctx, mini)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nminimal WASI module (%d bytes, writes a line and exits):\n", len(mini))
	if err := measure(w, cfg.Runs, []variant{
		{name: "nexus", run: func() error { return runNexus(ctx, eng, miniProg) }},
		{name: "plain wazero", run: func() error { return plain.run(ctx, miniMod) }},
	}); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nhost call round trip (guest loop of %d calls to nexus.call, through the dispatcher):\n", cfg.HostCalls)
	for _, c := range []struct {
		name string
		op   abi.Op
		req  string
	}{
		{"log (level debug, discarded)", abi.OpLog, "\x00bench"},
		{"cortex.embed, capability denied", abi.OpCortexEmbed, `{"text":"x"}`},
		{"unknown op", abi.Op(1000), ""},
	} {
		// Five rounds; the median resists load spikes.
		var rounds []float64
		for i := 0; i < 5; i++ {
			ns, err := eng.benchHostCall(ctx, c.op, c.req, cfg.HostCalls/5)
			if err != nil {
				return err
			}
			rounds = append(rounds, ns)
		}
		fmt.Fprintf(w, "  %-34s %6.0f ns/call (median of 5 rounds; min %.0f)\n", c.name, benchstat.Median(rounds), slices.Min(rounds))
	}

	fmt.Fprintf(w, "\nidle instances held at once (resident memory, PSS, per instance):\n")
	perNexus, err := idleMemory(cfg.Idle, func() (func(), error) { return eng.instantiateIdle(ctx, snapProg) })
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  nexus, pre-initialised   %5d instances  %s each\n", cfg.Idle, benchstat.Bytes(perNexus))
	perPlain, err := idleMemory(cfg.IdlePlain, func() (func(), error) { return plain.instantiateIdle(ctx, goCmd) })
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  plain wazero (command)   %5d instances  %s each\n", cfg.IdlePlain, benchstat.Bytes(perPlain))
	fmt.Fprintf(w, "\nload average after: %s\n", benchstat.LoadAvg())
	return nil
}

func benchProgram(m microvm.Manifest, code []byte, snap *microvm.Snapshot) *microvm.Program {
	h := sha256.Sum256(code)
	return &microvm.Program{ID: "sha256:" + hex.EncodeToString(h[:]), Manifest: m, Code: code, Snapshot: snap}
}

func runNexus(ctx context.Context, e *Engine, p *microvm.Program) error {
	st, err := e.Run(ctx, p, microvm.RunConfig{Stdout: io.Discard, Stderr: io.Discard, ID: "bench"})
	if err != nil {
		return err
	}
	if st.State != microvm.StateExited || st.ExitCode != 0 {
		return fmt.Errorf("bench: %s ended %s/%s: %s", p.Manifest.Name, st.State, st.Reason, st.Detail)
	}
	return nil
}

type variant struct {
	name    string
	run     func() error
	prepare func() // untimed, before each run
	durs    []time.Duration
}

// measure runs the variants round-robin and prints p50 and p99 of each.
func measure(w io.Writer, runs int, vs []variant) error {
	for _, v := range vs { // warm up
		if err := v.run(); err != nil {
			return err
		}
	}
	for i := 0; i < runs; i++ {
		for j := range vs {
			if vs[j].prepare != nil {
				vs[j].prepare()
			}
			t0 := time.Now()
			if err := vs[j].run(); err != nil {
				return err
			}
			vs[j].durs = append(vs[j].durs, time.Since(t0))
		}
	}
	fmt.Fprintf(w, "  start-to-exit over %d runs each, interleaved:   p50        p99\n", runs)
	base := benchstat.Percentile(vs[len(vs)-1].durs, 50)
	for _, v := range vs {
		p50, p99 := benchstat.Percentile(v.durs, 50), benchstat.Percentile(v.durs, 99)
		fmt.Fprintf(w, "    %-28s  %10s  %10s   %5.1fx vs plain p50\n", v.name, benchstat.Millis(p50), benchstat.Millis(p99), float64(base)/float64(p50))
	}
	return nil
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// pss returns this process's proportional set size in bytes (Linux), or
// its RSS from the Go runtime's view elsewhere.
func pss() int64 {
	f, err := os.Open("/proc/self/smaps_rollup")
	if err != nil {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.Sys)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func idleMemory(n int, start func() (func(), error)) (int64, error) {
	runtime.GC()
	debug.FreeOSMemory()
	before := pss()
	closers := make([]func(), 0, n)
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := start()
		if err != nil {
			return 0, err
		}
		closers = append(closers, c)
	}
	runtime.GC()
	after := pss()
	return (after - before) / int64(n), nil
}

// instantiateIdle restores an instance of a pre-initialised program
// without running it, as a pool of ready instances would hold it.
func (e *Engine) instantiateIdle(ctx context.Context, p *microvm.Program) (func(), error) {
	mod, err := e.compile(ctx, p)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	snap := e.modules[p.ID].snap
	e.mu.Unlock()
	ml := &memoryLimiter{limit: microvm.DefaultMemoryBytes, snap: snap}
	ictx := experimental.WithMemoryAllocator(ctx, ml)
	inst, err := e.rt.InstantiateModule(ictx, mod, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, err
	}
	return func() { inst.Close(ctx) }, nil
}

// benchHostCall times n calls of nexus.call from a guest loop.
func (e *Engine) benchHostCall(ctx context.Context, op abi.Op, req string, n int) (float64, error) {
	const reqAt, respAt, lenAt = 64, 1024, 8
	body := wasmbin.Cat(
		[]byte{wasmbin.OpBlock, wasmbin.BlockEmpty, wasmbin.OpLoop, wasmbin.BlockEmpty},
		wasmbin.LocalGet(0), []byte{wasmbin.OpI32Eqz, wasmbin.OpBrIf, 1},
		wasmbin.I32Const(int32(op)), wasmbin.I32Const(reqAt), wasmbin.I32Const(int32(len(req))),
		wasmbin.I32Const(respAt), wasmbin.I32Const(1024), wasmbin.I32Const(lenAt), wasmbin.Call(0), []byte{wasmbin.OpDrop},
		wasmbin.LocalGet(0), wasmbin.I32Const(1), []byte{wasmbin.OpI32Sub}, wasmbin.LocalSet(0),
		[]byte{wasmbin.OpBr, 0, wasmbin.OpEnd, wasmbin.OpEnd})
	m := &wasmbin.Module{
		Imports:   []wasmbin.Import{wasmbin.NexusCall},
		Funcs:     []wasmbin.Func{{Type: wasmbin.FuncType{Params: []byte{wasmbin.I32}}, Body: body, Export: "bench"}},
		MemoryMin: 1, Data: []wasmbin.Data{{Offset: reqAt, Bytes: []byte(req)}},
	}
	mod, err := e.rt.CompileModule(ctx, m.Bytes())
	if err != nil {
		return 0, err
	}
	defer mod.Close(ctx)
	man := &microvm.Manifest{ABI: 1, Name: "bench", Tier: microvm.TierWasm}
	vctx := context.WithValue(ctx, vmKey{}, &vmState{disp: microvm.NewDispatcher(man, microvm.Services{}, "bench")})
	inst, err := e.rt.InstantiateModule(vctx, mod, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return 0, err
	}
	defer inst.Close(vctx)
	f := inst.ExportedFunction("bench")
	if _, err := f.Call(vctx, 1000); err != nil { // warm up
		return 0, err
	}
	t0 := time.Now()
	if _, err := f.Call(vctx, api.EncodeI32(int32(n))); err != nil {
		return 0, err
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(n), nil
}

// plainWazero is wazero used the ordinary way, for comparison.
type plainWazero struct {
	rt wazero.Runtime
}

func newPlain(ctx context.Context, cacheDir string) (*plainWazero, error) {
	cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
	if err != nil {
		return nil, err
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(cache))
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, err
	}
	return &plainWazero{rt: rt}, nil
}

func (p *plainWazero) compile(ctx context.Context, b []byte) (wazero.CompiledModule, error) {
	return p.rt.CompileModule(ctx, b)
}

func (p *plainWazero) run(ctx context.Context, m wazero.CompiledModule) error {
	var out bytes.Buffer
	inst, err := p.rt.InstantiateModule(ctx, m, wazero.NewModuleConfig().WithName("").WithArgs("hello").WithStdout(&out).WithStderr(io.Discard))
	if err != nil {
		return err
	}
	return inst.Close(ctx)
}

func (p *plainWazero) instantiateIdle(ctx context.Context, m wazero.CompiledModule) (func(), error) {
	inst, err := p.rt.InstantiateModule(ctx, m, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, err
	}
	return func() { inst.Close(ctx) }, nil
}
