package wasm

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"nexusos/microvm"
	. "nexusos/microvm/wasmbin"
)

// reactor returns a module whose _initialize grows memory by one page,
// writes msg at 65536+16 with an iovec at 65536 and sets global 0 to code;
// its entry writes that message and exits with the global's value. Run
// without _initialize, it would write nothing and exit 0.
func reactor(msg string, code int32) []byte {
	const base = 65536
	init := Cat(I32Const(1), []byte{OpMemoryGrow, 0x00, OpDrop},
		I32Const(base), I32Const(base+16), []byte{OpI32Store, 2, 0},
		I32Const(base+4), I32Const(int32(len(msg))), []byte{OpI32Store, 2, 0})
	for i := 0; i < len(msg); i++ {
		init = Cat(init, I32Const(int32(base+16+i)), I32Const(int32(msg[i])), []byte{0x3a, 0, 0}) // i32.store8
	}
	init = Cat(init, I32Const(code), []byte{OpGlobalSet, 0})
	entry := Cat(I32Const(1), I32Const(base), I32Const(1), I32Const(8), Call(0), []byte{OpDrop},
		[]byte{OpGlobalGet, 0}, Call(1))
	m := &Module{
		Imports: []Import{FdWrite, ProcExit},
		Funcs: []Func{
			{Type: Start, Body: init, Export: InitExport},
			{Type: Start, Body: entry, Export: "main_entry"},
		},
		Globals:   []Global{{Mutable: true, Init: 0}, {Mutable: false, Init: 9}},
		MemoryMin: 1, ExportMemory: true,
		Data: []Data{{Offset: 0, Bytes: []byte("data segment")}},
	}
	return m.Bytes()
}

func TestPreinitRestoresState(t *testing.T) {
	ctx := context.Background()
	m := &microvm.Manifest{ABI: 1, Name: "reactor", Tier: microvm.TierWasm, Args: []string{"reactor"}}
	mod, snap, err := Preinit(ctx, reactor("from init\n", 42), m, "main_entry")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Memory) != 2*65536 || snap.Entry != "main_entry" || snap.Nanotime < 0 {
		t.Fatalf("snapshot: %d bytes, entry %q", len(snap.Memory), snap.Entry)
	}
	if !bytes.Contains(snap.Memory[:64], []byte("data segment")) {
		t.Fatal("snapshot lost the data segment's bytes")
	}
	if bytes.Contains(mod, []byte("data segment")) {
		t.Fatal("snapshot module still carries the data segment")
	}
	e := newEngine(t)
	p := &microvm.Program{ID: "sha256:reactor", Manifest: *m, Code: mod, Snapshot: snap}
	// Two runs from the same snapshot: copy-on-write keeps them apart.
	for i := 0; i < 2; i++ {
		st, out, _ := run(t, e, p, microvm.RunConfig{})
		expect(t, st, microvm.StateExited, microvm.ReasonExit, 42)
		if out != "from init\n" {
			t.Fatalf("run %d: stdout %q", i, out)
		}
	}
	// Limits still hold for restored instances.
	st, _, _ := run(t, e, p, microvm.RunConfig{Limits: microvm.Limits{MemoryBytes: 65536}})
	expect(t, st, microvm.StateFailed, microvm.ReasonMemory, microvm.ExitCodeMemory)
}

func TestPreinitRejects(t *testing.T) {
	ctx := context.Background()
	m := &microvm.Manifest{ABI: 1, Name: "x", Tier: microvm.TierWasm}
	cases := map[string][]byte{
		"command without _initialize": Hello("x", 0),
		"not wasm":                    []byte("hello"),
		"truncated":                   reactor("x", 1)[:40],
	}
	for name, mod := range cases {
		if _, _, err := Preinit(ctx, mod, m, "main_entry"); err == nil || !strings.HasPrefix(err.Error(), "preinit") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A trap during initialisation is reported, not snapshotted.
	trap := &Module{
		Funcs: []Func{
			{Type: Start, Body: []byte{OpUnreachable}, Export: InitExport},
			{Type: Start, Body: nil, Export: "main_entry"},
		},
		MemoryMin: 1,
	}
	if _, _, err := Preinit(ctx, trap.Bytes(), m, "main_entry"); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("trapping _initialize: %v", err)
	}
}

func FuzzSplitSections(f *testing.F) {
	f.Add(reactor("x", 1))
	f.Add(Hello("hi", 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		ss, err := splitSections(b)
		if err != nil {
			return
		}
		if got := joinSections(ss); !bytes.Equal(got[8:], b[8:]) && len(ss) > 0 {
			// Re-joining may only differ in LEB128 padding of sizes.
			again, err := splitSections(got)
			if err != nil || len(again) != len(ss) {
				t.Fatalf("re-joined module does not split the same way: %v", err)
			}
		}
		for _, s := range ss {
			switch s.id {
			case secGlobal:
				parseGlobals(s.body)
			case secExport:
				if es, err := parseExports(s.body); err == nil {
					if again, err := parseExports(encodeExports(es)); err != nil || len(again) != len(es) {
						t.Fatalf("exports round trip: %v", err)
					}
				}
			case secImport:
				importCounts(s.body)
			case secMemory:
				encodeMemory(s.body, 1)
			}
		}
	})
}

// TestPoolServesRunsAlike runs a pre-initialised program through a pool of
// pre-restored instances: each run gets its own output and state, limits
// still end runaway instances, and runs with arguments bypass the pool.
func TestPoolServesRunsAlike(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, NewConfig().WithPool(2))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	m := &microvm.Manifest{ABI: 1, Name: "reactor", Tier: microvm.TierWasm, Args: []string{"reactor"}}
	mod, snap, err := Preinit(ctx, reactor("pooled\n", 5), m, "main_entry")
	if err != nil {
		t.Fatal(err)
	}
	p := &microvm.Program{ID: "sha256:pooled", Manifest: *m, Code: mod, Snapshot: snap}
	for i := 0; i < 6; i++ {
		st, out, _ := run(t, e, p, microvm.RunConfig{})
		expect(t, st, microvm.StateExited, microvm.ReasonExit, 5)
		if out != "pooled\n" {
			t.Fatalf("run %d: stdout %q", i, out)
		}
		// Let the pool refill, so the next run takes a pooled instance.
		for e.poolLen(p.ID) < 2 {
			time.Sleep(time.Millisecond)
		}
	}
	st, out, _ := run(t, e, p, microvm.RunConfig{Args: []string{"x"}})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 5)
	if out != "pooled\n" {
		t.Fatalf("fresh run: stdout %q", out)
	}

	loop := &Module{
		Funcs: []Func{
			{Type: Start, Body: nil, Export: InitExport},
			{Type: Start, Body: []byte{OpLoop, BlockEmpty, OpBr, 0, OpEnd}, Export: "main_entry"},
		},
		MemoryMin: 1,
	}
	lm := &microvm.Manifest{ABI: 1, Name: "spin", Tier: microvm.TierWasm, Limits: microvm.Limits{Timeout: microvm.Duration(100 * time.Millisecond)}}
	lmod, lsnap, err := Preinit(ctx, loop.Bytes(), lm, "main_entry")
	if err != nil {
		t.Fatal(err)
	}
	lp := &microvm.Program{ID: "sha256:spin", Manifest: *lm, Code: lmod, Snapshot: lsnap}
	for i := 0; i < 3; i++ {
		if i > 0 {
			for e.poolLen(lp.ID) < 2 {
				time.Sleep(time.Millisecond)
			}
		}
		st, _, _ := run(t, e, lp, microvm.RunConfig{})
		expect(t, st, microvm.StateFailed, microvm.ReasonTimeout, microvm.ExitCodeTimeout)
	}
}
