package wasm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"nexusos/microvm"
)

// Pre-initialisation (the Wizer approach, see ../shared/wasm/PREINIT.md in
// the project notes and docs/abi.md): run a reactor module's _initialize
// once at build time, then write a module whose globals start with the
// values they had afterwards, whose memory starts as large, and which no
// longer initialises. The memory itself travels beside the module and is
// mapped copy-on-write at run time, so a Go app starts without paying for
// its runtime's start-up.
//
// What the snapshot fixes for every run, and how a run gets fresh values:
//   - arguments: the injected entry re-reads them through WASI (argv at
//     snapshot time is just the image name);
//   - environment: the manifest's, the same at snapshot and run time;
//   - the monotonic clock: restored clocks continue from the snapshot's
//     reading, so the runtime never sees time run backwards;
//   - the Go runtime's internal random seeds (map hashing, math/rand) are
//     the snapshot's: every run sees the same sequence. crypto/rand reads
//     fresh randomness on every call.

// InitExport is the reactor initialisation function that a snapshot runs.
const InitExport = "_initialize"

const probeGlobalPrefix = "nexus.preinit.global."

// Preinit pre-initialises module, a WASI reactor that exports
// _initialize and entry. It runs _initialize under the manifest's
// environment with a fake clock, and returns the snapshot module and
// state. The module is run by wazero's interpreter, which compiles fast;
// initialisation is deterministic, so the state equals what the compiler
// would produce.
func Preinit(ctx context.Context, module []byte, m *microvm.Manifest, entry string) ([]byte, *microvm.Snapshot, error) {
	if len(m.Capabilities.Mounts) > 0 {
		// Runtimes (Go's syscall package among them) discover preopened
		// directories while they start; a snapshot would fix "none".
		return nil, nil, errors.New("preinit: apps with mounted directories are not pre-initialised (their runtime discovers mounts at start-up)")
	}
	sections, err := splitSections(module)
	if err != nil {
		return nil, nil, fmt.Errorf("preinit: %w", err)
	}
	var globals []global
	var exports []export
	var memSec []byte
	for _, s := range sections {
		switch s.id {
		case secImport:
			g, mem, err := importCounts(s.body)
			if err != nil {
				return nil, nil, fmt.Errorf("preinit: imports: %w", err)
			}
			if g > 0 || mem > 0 {
				return nil, nil, errors.New("preinit: the module imports globals or memory")
			}
		case secGlobal:
			if globals, err = parseGlobals(s.body); err != nil {
				return nil, nil, fmt.Errorf("preinit: globals: %w", err)
			}
		case secExport:
			if exports, err = parseExports(s.body); err != nil {
				return nil, nil, fmt.Errorf("preinit: exports: %w", err)
			}
		case secMemory:
			memSec = s.body
		case secStart:
			return nil, nil, errors.New("preinit: the module has a start function")
		}
	}
	has := map[string]bool{}
	for _, e := range exports {
		has[e.name] = true
	}
	if !has[InitExport] || !has[entry] || memSec == nil {
		return nil, nil, fmt.Errorf("preinit: the module must define a memory and export %s and %s", InitExport, entry)
	}

	// The probe exports every global so the host can read it.
	probeExports := append([]export(nil), exports...)
	for i := range globals {
		probeExports = append(probeExports, export{probeGlobalPrefix + strconv.Itoa(i), 0x03, uint64(i)})
	}
	probe := replaceSections(sections, map[byte][]byte{secExport: encodeExports(probeExports)})

	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, nil, fmt.Errorf("preinit: %w", err)
	}
	if err := instantiateHost(ctx, rt); err != nil {
		return nil, nil, fmt.Errorf("preinit: %w", err)
	}
	clock := &vmClock{}
	mc := wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithArgs(m.Args...).
		WithNanotime(clock.nanotime, 1).WithNanosleep(clock.nanosleep)
	for _, k := range sortedKeys(m.Env) {
		mc = mc.WithEnv(k, m.Env[k])
	}
	inst, err := rt.InstantiateWithConfig(ctx, probe, mc)
	if err != nil {
		return nil, nil, fmt.Errorf("preinit: instantiate probe: %w", err)
	}
	if _, err := inst.ExportedFunction(InitExport).Call(ctx); err != nil {
		return nil, nil, fmt.Errorf("preinit: %s: %w", InitExport, err)
	}
	vals := make([]uint64, len(globals))
	for i := range globals {
		g := inst.ExportedGlobal(probeGlobalPrefix + strconv.Itoa(i))
		if g == nil {
			return nil, nil, fmt.Errorf("preinit: global %d not exported", i)
		}
		vals[i] = g.Get()
	}
	mem := inst.Memory()
	size := mem.Size()
	memBytes, ok := mem.Read(0, size)
	if !ok {
		return nil, nil, errors.New("preinit: read memory")
	}
	snapMem := append([]byte(nil), memBytes...)

	gsec, err := encodeGlobals(globals, vals)
	if err != nil {
		return nil, nil, fmt.Errorf("preinit: %w", err)
	}
	msec, err := encodeMemory(memSec, size/65536)
	if err != nil {
		return nil, nil, fmt.Errorf("preinit: %w", err)
	}
	var finalExports []export
	for _, e := range exports {
		if e.name != InitExport {
			finalExports = append(finalExports, e)
		}
	}
	out := replaceSections(sections, map[byte][]byte{
		secGlobal:    gsec,
		secMemory:    msec,
		secExport:    encodeExports(finalExports),
		secData:      {0x00}, // the memory snapshot replaces the data segments
		secDataCount: {0x00},
	})
	return out, &microvm.Snapshot{Memory: snapMem, Entry: entry, Nanotime: clock.now()}, nil
}

func replaceSections(ss []section, repl map[byte][]byte) []byte {
	out := make([]section, len(ss))
	for i, s := range ss {
		if b, ok := repl[s.id]; ok && s.id != secCustom {
			s.body = b
		}
		out[i] = s
	}
	return joinSections(out)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// vmClock is a microVM's monotonic clock: it starts at base and advances
// 1 ms per reading (fake) or with real time (when the clock is granted).
type vmClock struct {
	base  int64
	real  bool
	start time.Time

	mu   sync.Mutex
	fake int64 // guarded by mu
}

func (c *vmClock) nanotime() int64 {
	if c.real {
		return c.base + int64(time.Since(c.start))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fake += int64(time.Millisecond)
	return c.base + c.fake
}

func (c *vmClock) now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base + c.fake
}

func (c *vmClock) nanosleep(ns int64) {
	if c.real {
		time.Sleep(time.Duration(ns))
		return
	}
	c.mu.Lock()
	c.fake += ns
	c.mu.Unlock()
}

// callEntry runs a restored instance's entry function, mapping its result
// onto the same error shapes as running _start.
func callEntry(ctx context.Context, inst api.Module, entry string) error {
	f := inst.ExportedFunction(entry)
	if f == nil {
		return fmt.Errorf("wasm: snapshot has no export %s", entry)
	}
	_, err := f.Call(ctx)
	return err
}
