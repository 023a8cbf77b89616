package wasm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"nexusos/abi"
	"nexusos/microvm"
	. "nexusos/microvm/wasmbin"
)

func program(name string, code []byte, caps microvm.Capabilities, lim microvm.Limits) *microvm.Program {
	sum := sha256.Sum256(code)
	return &microvm.Program{
		ID:       "sha256:" + hex.EncodeToString(sum[:]),
		Manifest: microvm.Manifest{ABI: 1, Name: name, Tier: microvm.TierWasm, Args: []string{name}, Capabilities: caps, Limits: lim},
		Code:     code,
	}
}

func newEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(context.Background(), NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	return e
}

func run(t *testing.T, e *Engine, p *microvm.Program, rc microvm.RunConfig) (microvm.Status, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if rc.Stdout == nil {
		rc.Stdout = &out
	}
	if rc.Stderr == nil {
		rc.Stderr = &errb
	}
	st, err := e.Run(context.Background(), p, rc)
	if err != nil {
		t.Fatalf("run %s: %v", p.Manifest.Name, err)
	}
	if !st.Done() {
		t.Fatalf("run %s: status %+v is not final", p.Manifest.Name, st)
	}
	return st, out.String(), errb.String()
}

func expect(t *testing.T, st microvm.Status, state microvm.State, reason microvm.Reason, code int) {
	t.Helper()
	if st.State != state || st.Reason != reason || st.ExitCode != code {
		t.Fatalf("status = %s/%s code %d (%s), want %s/%s code %d", st.State, st.Reason, st.ExitCode, st.Detail, state, reason, code)
	}
}

// Modules with one _start body and the WASI imports fd_write (0) and
// proc_exit (1).
func startModule(body []byte, memMin uint32, data ...Data) []byte {
	m := &Module{
		Imports:   []Import{FdWrite, ProcExit},
		Funcs:     []Func{{Type: Start, Body: body, Export: "_start", Locals: 1}},
		MemoryMin: memMin, ExportMemory: true, Data: data,
	}
	return m.Bytes()
}

func TestRunExitCodes(t *testing.T) {
	e := newEngine(t)
	st, out, _ := run(t, e, program("hello", Hello("hi\n", 0), microvm.Capabilities{}, microvm.Limits{}), microvm.RunConfig{})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 0)
	if out != "hi\n" {
		t.Fatalf("stdout = %q", out)
	}
	if st.Err() != nil {
		t.Fatalf("Err() = %v for exit 0", st.Err())
	}
	st, _, _ = run(t, e, program("three", Hello("x", 3), microvm.Capabilities{}, microvm.Limits{}), microvm.RunConfig{})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 3)
	if ee, ok := st.Err().(*microvm.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("Err() = %v, want ExitError code 3", st.Err())
	}
}

func TestRunLimitsAndFaults(t *testing.T) {
	e := newEngine(t)
	short := microvm.Limits{Timeout: microvm.Duration(300 * time.Millisecond)}
	// Loop that grows memory by 16 pages until refused, then exits 7.
	bomb := Cat(
		[]byte{OpBlock, BlockEmpty, OpLoop, BlockEmpty},
		I32Const(16), []byte{OpMemoryGrow, 0x00}, I32Const(-1), []byte{OpI32Eq, OpBrIf, 1, OpBr, 0, OpEnd, OpEnd},
		I32Const(7), Call(1))
	// Infinite fd_write of 8 bytes.
	flood := Cat([]byte{OpLoop, BlockEmpty},
		I32Const(1), I32Const(0), I32Const(1), I32Const(8), Call(0), []byte{OpDrop, OpBr, 0, OpEnd})
	floodData := []Data{{Offset: 0, Bytes: []byte{16, 0, 0, 0, 8, 0, 0, 0}}, {Offset: 16, Bytes: []byte("flooding")}}
	recurse := &Module{
		Imports: []Import{FdWrite, ProcExit},
		Funcs: []Func{
			{Type: Start, Body: Call(3), Export: "_start"},
			{Type: FuncType{}, Body: Call(3)},
		},
		MemoryMin: 1,
	}
	cases := []struct {
		name   string
		code   []byte
		lim    microvm.Limits
		state  microvm.State
		reason microvm.Reason
		exit   int
		detail string
	}{
		{"infinite-loop", startModule([]byte{OpLoop, BlockEmpty, OpBr, 0, OpEnd}, 1), short, microvm.StateFailed, microvm.ReasonTimeout, microvm.ExitCodeTimeout, "wall-time"},
		{"unreachable", startModule([]byte{OpUnreachable}, 1), microvm.Limits{}, microvm.StateFailed, microvm.ReasonTrap, microvm.ExitCodeTrap, "unreachable"},
		{"stack-overflow", recurse.Bytes(), microvm.Limits{}, microvm.StateFailed, microvm.ReasonTrap, microvm.ExitCodeTrap, "stack overflow"},
		{"out-of-bounds", startModule(Cat(I32Const(1<<20), []byte{OpI32Load, 2, 0, OpDrop}), 1), microvm.Limits{}, microvm.StateFailed, microvm.ReasonTrap, microvm.ExitCodeTrap, "out of bounds"},
		{"memory-bomb", startModule(bomb, 1), microvm.Limits{MemoryBytes: 8 << 20}, microvm.StateFailed, microvm.ReasonMemory, microvm.ExitCodeMemory, "memory limit"},
		{"initial-memory-too-big", startModule(nil, 512), microvm.Limits{MemoryBytes: 1 << 20}, microvm.StateFailed, microvm.ReasonMemory, microvm.ExitCodeMemory, "initial memory"},
		{"output-flood", startModule(flood, 1, floodData...), microvm.Limits{OutputBytes: 1000}, microvm.StateFailed, microvm.ReasonOutput, microvm.ExitCodeOutput, "output limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, out, _ := run(t, e, program(c.name, c.code, microvm.Capabilities{}, c.lim), microvm.RunConfig{})
			expect(t, st, c.state, c.reason, c.exit)
			if !strings.Contains(st.Detail, c.detail) {
				t.Fatalf("detail %q does not mention %q", st.Detail, c.detail)
			}
			if c.reason == microvm.ReasonOutput && len(out) != 1000 {
				t.Fatalf("output passed through = %d bytes, want exactly the 1000-byte limit", len(out))
			}
			if c.reason == microvm.ReasonMemory && c.name == "memory-bomb" && st.MemoryBytes > 8<<20 {
				t.Fatalf("peak memory %d above the 8 MiB limit", st.MemoryBytes)
			}
		})
	}
	// The engine still runs healthy microVMs after all of that.
	st, out, _ := run(t, e, program("after", Hello("ok", 0), microvm.Capabilities{}, microvm.Limits{}), microvm.RunConfig{})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 0)
	if out != "ok" {
		t.Fatalf("stdout after faults = %q", out)
	}
}

func TestRunTightenedLimitWins(t *testing.T) {
	e := newEngine(t)
	loop := startModule([]byte{OpLoop, BlockEmpty, OpBr, 0, OpEnd}, 1)
	p := program("loop", loop, microvm.Capabilities{}, microvm.Limits{Timeout: microvm.Duration(time.Hour)})
	st, _, _ := run(t, e, p, microvm.RunConfig{Limits: microvm.Limits{Timeout: microvm.Duration(100 * time.Millisecond)}})
	expect(t, st, microvm.StateFailed, microvm.ReasonTimeout, microvm.ExitCodeTimeout)
}

func TestRunStopped(t *testing.T) {
	e := newEngine(t)
	loop := startModule([]byte{OpLoop, BlockEmpty, OpBr, 0, OpEnd}, 1)
	p := program("loop", loop, microvm.Capabilities{}, microvm.Limits{})
	if err := e.Prepare(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan microvm.Status)
	go func() {
		close(started)
		st, _ := e.Run(ctx, p, microvm.RunConfig{})
		done <- st
	}()
	<-started
	cancel()
	st := <-done
	expect(t, st, microvm.StateStopped, microvm.ReasonStopped, microvm.ExitCodeStopped)
}

// nexusModule calls nexus.call(op, req) once and exits with the errno.
func nexusModule(op abi.Op, req string) []byte {
	body := Cat(I32Const(int32(op)), I32Const(64), I32Const(int32(len(req))), I32Const(1024), I32Const(1024), I32Const(8), Call(2), Call(1))
	m := &Module{
		Imports:   []Import{FdWrite, ProcExit, NexusCall},
		Funcs:     []Func{{Type: Start, Body: body, Export: "_start"}},
		MemoryMin: 1, ExportMemory: true,
		Data: []Data{{Offset: 64, Bytes: []byte(req)}},
	}
	return m.Bytes()
}

type recordHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

func TestHostCallCapabilities(t *testing.T) {
	e := newEngine(t)
	h := &recordHandler{}
	svc := microvm.Services{Logger: slog.New(h)}
	cases := []struct {
		name string
		op   abi.Op
		req  string
		caps microvm.Capabilities
		want abi.Errno
	}{
		{"log", abi.OpLog, "\x01hello from the guest", microvm.Capabilities{}, abi.OK},
		{"memex-denied", abi.OpMemexQuery, `{"text":"x"}`, microvm.Capabilities{}, abi.ErrDenied},
		{"memex-not-available", abi.OpMemexQuery, `{"text":"x"}`, microvm.Capabilities{Memex: &microvm.MemexGrant{Folders: []string{"/"}}}, abi.ErrNotAvailable},
		{"memex-bad-json", abi.OpMemexQuery, `{`, microvm.Capabilities{Memex: &microvm.MemexGrant{Folders: []string{"/"}}}, abi.ErrInvalid},
		{"cortex-denied", abi.OpCortexGenerate, `{"prompt":"x"}`, microvm.Capabilities{}, abi.ErrDenied},
		{"cortex-not-available", abi.OpCortexEmbed, `{"text":"x"}`, microvm.Capabilities{Cortex: true}, abi.ErrNotAvailable},
		{"unknown-op", abi.Op(999), ``, microvm.Capabilities{}, abi.ErrUnknownOp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, _, _ := run(t, e, program(c.name, nexusModule(c.op, c.req), c.caps, microvm.Limits{}), microvm.RunConfig{Services: svc})
			expect(t, st, microvm.StateExited, microvm.ReasonExit, int(c.want))
		})
	}
	if len(h.msgs) != 1 || h.msgs[0] != "hello from the guest" {
		t.Fatalf("log records = %q", h.msgs)
	}
}

func TestHostCallBadPointers(t *testing.T) {
	e := newEngine(t)
	// Request pointer far outside the one-page memory.
	body := Cat(I32Const(int32(abi.OpLog)), I32Const(1<<30), I32Const(10), I32Const(0), I32Const(0), I32Const(8), Call(2), Call(1))
	m := &Module{
		Imports: []Import{FdWrite, ProcExit, NexusCall},
		Funcs:   []Func{{Type: Start, Body: body, Export: "_start"}}, MemoryMin: 1,
	}
	st, _, _ := run(t, e, program("fault", m.Bytes(), microvm.Capabilities{}, microvm.Limits{}), microvm.RunConfig{})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, int(abi.ErrFault))
}

func TestRejectsForeignImports(t *testing.T) {
	e := newEngine(t)
	m := &Module{
		Imports: []Import{{Module: "env", Name: "escape", Type: FuncType{}}},
		Funcs:   []Func{{Type: Start, Body: Call(0), Export: "_start"}}, MemoryMin: 1,
	}
	st, err := e.Run(context.Background(), program("foreign", m.Bytes(), microvm.Capabilities{}, microvm.Limits{}), microvm.RunConfig{})
	if err == nil || !strings.Contains(err.Error(), "env.escape") {
		t.Fatalf("err = %v, want a rejection naming env.escape", err)
	}
	expect(t, st, microvm.StateFailed, microvm.ReasonError, microvm.ExitCodeError)
}

// TestHammerConcurrentVMs runs healthy and failing microVMs at once on one
// engine; each must end with its own status.
func TestHammerConcurrentVMs(t *testing.T) {
	e := newEngine(t)
	ok := program("ok", Hello("ok", 0), microvm.Capabilities{}, microvm.Limits{})
	bad := program("bad", startModule([]byte{OpUnreachable}, 1), microvm.Capabilities{}, microvm.Limits{})
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := ok
			if i%2 == 1 {
				p = bad
			}
			var out bytes.Buffer
			st, err := e.Run(context.Background(), p, microvm.RunConfig{Stdout: &out})
			switch {
			case err != nil:
				errs <- err.Error()
			case p == ok && (st.ExitCode != 0 || out.String() != "ok"):
				errs <- "healthy vm: " + string(st.Reason) + " " + out.String()
			case p == bad && st.Reason != microvm.ReasonTrap:
				errs <- "trapping vm: " + string(st.Reason)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

type bigMemex struct{}

func (bigMemex) Query(_ context.Context, _ string, opts microvm.QueryOptions) ([]microvm.Result, error) {
	return []microvm.Result{{ID: "a", Path: "docs/a.txt", Snippet: strings.Repeat("x", 500)}}, nil
}

func (bigMemex) Get(context.Context, string) (microvm.Doc, error) {
	return microvm.Doc{}, microvm.ErrNotFound
}

// TestHostCallTake exercises the two-step transport: a response larger
// than the guest's buffer is held for take, which needs the exact length.
func TestHostCallTake(t *testing.T) {
	e := newEngine(t)
	req := `{"text":"x"}`
	// exit(errno(call) + 10*errno(take(2048, takeLen)) + 100*(resp_len > 16))
	prog := func(takeLen []byte) []byte {
		body := Cat(
			I32Const(int32(abi.OpMemexQuery)), I32Const(64), I32Const(int32(len(req))), I32Const(1024), I32Const(16), I32Const(8), Call(2), LocalSet(0),
			I32Const(2048), takeLen, Call(3), I32Const(10), []byte{0x6c}, // i32.mul
			LocalGet(0), []byte{OpI32Add},
			I32Const(8), []byte{OpI32Load, 2, 0}, I32Const(16), []byte{0x4b}, // i32.gt_u
			I32Const(100), []byte{0x6c, OpI32Add},
			Call(1))
		m := &Module{
			Imports:   []Import{FdWrite, ProcExit, NexusCall, NexusTake},
			Funcs:     []Func{{Type: Start, Body: body, Export: "_start", Locals: 1}},
			MemoryMin: 1, ExportMemory: true,
			Data: []Data{{Offset: 64, Bytes: []byte(req)}},
		}
		return m.Bytes()
	}
	caps := microvm.Capabilities{Memex: &microvm.MemexGrant{Folders: []string{"docs"}}}
	svc := microvm.Services{Memex: bigMemex{}}
	exact := Cat(I32Const(8), []byte{OpI32Load, 2, 0})
	st, _, _ := run(t, e, program("take", prog(exact), caps, microvm.Limits{}), microvm.RunConfig{Services: svc})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 100)
	st, _, _ = run(t, e, program("take-wrong", prog(I32Const(5)), caps, microvm.Limits{}), microvm.RunConfig{Services: svc})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 100+10*int(abi.ErrNoResult))
}
