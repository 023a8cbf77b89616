// Package wasmbin assembles small WebAssembly binaries by hand, for tests
// and benchmarks that need modules with an exact shape (an infinite loop, a
// memory bomb, a single host call) without a WAT toolchain. It encodes the
// binary format of the WebAssembly Core Specification 2.0, §5. Builders are
// not safe for concurrent use.
package wasmbin

// Value types (§5.3.1).
const (
	I32 byte = 0x7f
	I64 byte = 0x7e
)

// Opcodes used by the tests (§5.4).
const (
	OpUnreachable = 0x00
	OpBlock       = 0x02
	OpLoop        = 0x03
	OpIf          = 0x04
	OpEnd         = 0x0b
	OpBr          = 0x0c
	OpBrIf        = 0x0d
	OpReturn      = 0x0f
	OpCall        = 0x10
	OpDrop        = 0x1a
	OpLocalGet    = 0x20
	OpLocalSet    = 0x21
	OpGlobalGet   = 0x23
	OpGlobalSet   = 0x24
	OpI32Load     = 0x28
	OpI32Store    = 0x36
	OpMemoryGrow  = 0x40
	OpI32Const    = 0x41
	OpI32Eqz      = 0x45
	OpI32Eq       = 0x46
	OpI32Ne       = 0x47
	OpI32LtS      = 0x48
	OpI32Add      = 0x6a
	OpI32Sub      = 0x6b
	BlockEmpty    = 0x40
)

// FuncType is a function signature.
type FuncType struct{ Params, Results []byte }

// Import is an imported function.
type Import struct {
	Module, Name string
	Type         FuncType
}

// Func is a defined function: its extra locals (all i32) and its body
// (instructions without the final end).
type Func struct {
	Type   FuncType
	Locals int
	Body   []byte
	Export string // exported under this name when not empty
}

// Data is an active data segment in memory 0.
type Data struct {
	Offset uint32
	Bytes  []byte
}

// Global is a defined i32 global.
type Global struct {
	Mutable bool
	Init    int32
}

// Module is a module to assemble.
type Module struct {
	Imports      []Import
	Funcs        []Func
	Globals      []Global
	MemoryMin    uint32
	MemoryMax    uint32 // 0 means no maximum
	ExportMemory bool
	Data         []Data
}

// FuncIndex returns the index of the i-th defined function (after imports).
func (m *Module) FuncIndex(i int) uint32 { return uint32(len(m.Imports) + i) }

// Uleb appends the unsigned LEB128 encoding of v.
func Uleb(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// Sleb appends the signed LEB128 encoding of v.
func Sleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// I32Const returns the instruction i32.const v.
func I32Const(v int32) []byte { return Sleb([]byte{OpI32Const}, int64(v)) }

// Call returns the instruction call idx.
func Call(idx uint32) []byte { return Uleb([]byte{OpCall}, uint64(idx)) }

// LocalGet returns local.get i.
func LocalGet(i uint32) []byte { return Uleb([]byte{OpLocalGet}, uint64(i)) }

// LocalSet returns local.set i.
func LocalSet(i uint32) []byte { return Uleb([]byte{OpLocalSet}, uint64(i)) }

// Cat concatenates instruction sequences.
func Cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func name(b []byte, s string) []byte { return append(Uleb(b, uint64(len(s))), s...) }

func section(b []byte, id byte, body []byte) []byte {
	b = append(b, id)
	b = Uleb(b, uint64(len(body)))
	return append(b, body...)
}

// Bytes assembles the module.
func (m *Module) Bytes() []byte {
	// Types: one per import and function, in order (duplicates are legal).
	var types []FuncType
	for _, im := range m.Imports {
		types = append(types, im.Type)
	}
	for _, f := range m.Funcs {
		types = append(types, f.Type)
	}
	out := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

	var s []byte
	s = Uleb(s, uint64(len(types)))
	for _, t := range types {
		s = append(s, 0x60)
		s = Uleb(s, uint64(len(t.Params)))
		s = append(s, t.Params...)
		s = Uleb(s, uint64(len(t.Results)))
		s = append(s, t.Results...)
	}
	out = section(out, 1, s)

	if len(m.Imports) > 0 {
		s = Uleb(nil, uint64(len(m.Imports)))
		for i, im := range m.Imports {
			s = name(s, im.Module)
			s = name(s, im.Name)
			s = append(s, 0x00)
			s = Uleb(s, uint64(i))
		}
		out = section(out, 2, s)
	}

	s = Uleb(nil, uint64(len(m.Funcs)))
	for i := range m.Funcs {
		s = Uleb(s, uint64(len(m.Imports)+i))
	}
	out = section(out, 3, s)

	s = Uleb(nil, 1)
	if m.MemoryMax > 0 {
		s = append(s, 0x01)
		s = Uleb(s, uint64(m.MemoryMin))
		s = Uleb(s, uint64(m.MemoryMax))
	} else {
		s = append(s, 0x00)
		s = Uleb(s, uint64(m.MemoryMin))
	}
	out = section(out, 5, s)

	if len(m.Globals) > 0 {
		s = Uleb(nil, uint64(len(m.Globals)))
		for _, g := range m.Globals {
			mut := byte(0)
			if g.Mutable {
				mut = 1
			}
			s = append(s, I32, mut)
			s = append(s, I32Const(g.Init)...)
			s = append(s, OpEnd)
		}
		out = section(out, 6, s)
	}

	var exports [][]byte
	for i, f := range m.Funcs {
		if f.Export != "" {
			e := name(nil, f.Export)
			e = append(e, 0x00)
			exports = append(exports, Uleb(e, uint64(len(m.Imports)+i)))
		}
	}
	if m.ExportMemory {
		exports = append(exports, append(name(nil, "memory"), 0x02, 0x00))
	}
	s = Uleb(nil, uint64(len(exports)))
	for _, e := range exports {
		s = append(s, e...)
	}
	out = section(out, 7, s)

	s = Uleb(nil, uint64(len(m.Funcs)))
	for _, f := range m.Funcs {
		var body []byte
		if f.Locals > 0 {
			body = Uleb(body, 1)
			body = Uleb(body, uint64(f.Locals))
			body = append(body, I32)
		} else {
			body = Uleb(body, 0)
		}
		body = append(body, f.Body...)
		body = append(body, OpEnd)
		s = Uleb(s, uint64(len(body)))
		s = append(s, body...)
	}
	out = section(out, 10, s)

	if len(m.Data) > 0 {
		s = Uleb(nil, uint64(len(m.Data)))
		for _, d := range m.Data {
			s = append(s, 0x00)
			s = append(s, I32Const(int32(d.Offset))...)
			s = append(s, OpEnd)
			s = Uleb(s, uint64(len(d.Bytes)))
			s = append(s, d.Bytes...)
		}
		out = section(out, 11, s)
	}
	return out
}

// WASI imports used by the test modules.
var (
	FdWrite   = Import{"wasi_snapshot_preview1", "fd_write", FuncType{[]byte{I32, I32, I32, I32}, []byte{I32}}}
	ProcExit  = Import{"wasi_snapshot_preview1", "proc_exit", FuncType{[]byte{I32}, nil}}
	PathOpen  = Import{"wasi_snapshot_preview1", "path_open", FuncType{[]byte{I32, I32, I32, I32, I32, I64, I64, I32, I32}, []byte{I32}}}
	NexusCall = Import{"nexus", "call", FuncType{[]byte{I32, I32, I32, I32, I32, I32}, []byte{I32}}}
	NexusTake = Import{"nexus", "take", FuncType{[]byte{I32, I32}, []byte{I32}}}
)

// Start is the signature of _start.
var Start = FuncType{}

// Hello returns a WASI command that writes msg to stdout and exits with
// code (through proc_exit when code != 0). It is the minimal module of the
// benchmarks.
func Hello(msg string, code int32) []byte {
	// Memory: iovec {ptr=16, len} at 0, nwritten at 8, msg at 16.
	iov := []byte{16, 0, 0, 0, byte(len(msg)), byte(len(msg) >> 8), 0, 0}
	body := Cat(I32Const(1), I32Const(0), I32Const(1), I32Const(8), Call(0), []byte{OpDrop})
	if code != 0 {
		body = Cat(body, I32Const(code), Call(1))
	}
	m := &Module{
		Imports:   []Import{FdWrite, ProcExit},
		Funcs:     []Func{{Type: Start, Body: body, Export: "_start"}},
		MemoryMin: 1, ExportMemory: true,
		Data: []Data{{0, iov}, {16, []byte(msg)}},
	}
	return m.Bytes()
}
