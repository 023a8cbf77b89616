package wasm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file reads and rewrites just enough of the WebAssembly binary format
// (Core Specification 2.0, §5) to pre-initialise a module: the import,
// memory, global, export, start, data and data-count sections.

// Section ids (§5.5.2).
const (
	secCustom    = 0
	secImport    = 2
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secData      = 11
	secDataCount = 12
)

type section struct {
	id   byte
	body []byte
}

var errMalformed = errors.New("wasm: malformed module")

type reader struct {
	b   []byte
	off int
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errMalformed
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) uleb() (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errMalformed
}

func (r *reader) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.off) {
		return nil, errMalformed
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

func (r *reader) name() (string, error) {
	n, err := r.uleb()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	return string(b), err
}

// sleb skips a signed LEB128.
func (r *reader) sleb() error {
	for i := 0; i < 10; i++ {
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c&0x80 == 0 {
			return nil
		}
	}
	return errMalformed
}

func splitSections(b []byte) ([]section, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" || binary.LittleEndian.Uint32(b[4:]) != 1 {
		return nil, fmt.Errorf("%w: bad header", errMalformed)
	}
	r := &reader{b: b, off: 8}
	var out []section
	for r.off < len(b) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		n, err := r.uleb()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(n)
		if err != nil {
			return nil, err
		}
		out = append(out, section{id: id, body: body})
	}
	return out, nil
}

func joinSections(ss []section) []byte {
	out := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	for _, s := range ss {
		out = append(out, s.id)
		out = appendUleb(out, uint64(len(s.body)))
		out = append(out, s.body...)
	}
	return out
}

func appendUleb(b []byte, v uint64) []byte {
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

func appendSleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	return append(appendUleb(b, uint64(len(s))), s...)
}

// global is one entry of the global section.
type global struct {
	valType byte
	mutable byte
}

// parseGlobals returns the global section's entries (their init
// expressions are dropped: the snapshot replaces them).
func parseGlobals(body []byte) ([]global, error) {
	r := &reader{b: body}
	n, err := r.uleb()
	if err != nil || n > 1<<16 {
		return nil, errMalformed
	}
	gs := make([]global, 0, n)
	for i := uint64(0); i < n; i++ {
		vt, err := r.byte()
		if err != nil {
			return nil, err
		}
		mut, err := r.byte()
		if err != nil {
			return nil, err
		}
		if err := skipConstExpr(r); err != nil {
			return nil, fmt.Errorf("global %d: %w", i, err)
		}
		gs = append(gs, global{valType: vt, mutable: mut})
	}
	return gs, nil
}

// skipConstExpr skips a constant expression up to and including its end.
func skipConstExpr(r *reader) error {
	for {
		op, err := r.byte()
		if err != nil {
			return err
		}
		switch op {
		case 0x0b: // end
			return nil
		case 0x41, 0x42: // i32.const, i64.const
			err = r.sleb()
		case 0x43: // f32.const
			_, err = r.bytes(4)
		case 0x44: // f64.const
			_, err = r.bytes(8)
		case 0x23, 0xd2: // global.get, ref.func
			_, err = r.uleb()
		case 0xd0: // ref.null
			_, err = r.byte()
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended-const arithmetic
		default:
			return fmt.Errorf("%w: opcode 0x%x in a constant expression", errMalformed, op)
		}
		if err != nil {
			return err
		}
	}
}

// encodeGlobals writes a global section whose initialisers are the
// constants vals (raw bits as wazero reports them).
func encodeGlobals(gs []global, vals []uint64) ([]byte, error) {
	b := appendUleb(nil, uint64(len(gs)))
	for i, g := range gs {
		b = append(b, g.valType, g.mutable)
		switch g.valType {
		case 0x7f:
			b = appendSleb(append(b, 0x41), int64(int32(uint32(vals[i]))))
		case 0x7e:
			b = appendSleb(append(b, 0x42), int64(vals[i]))
		case 0x7d:
			b = binary.LittleEndian.AppendUint32(append(b, 0x43), uint32(vals[i]))
		case 0x7c:
			b = binary.LittleEndian.AppendUint64(append(b, 0x44), vals[i])
		default:
			return nil, fmt.Errorf("wasm: global %d of type 0x%x cannot be snapshotted", i, g.valType)
		}
		b = append(b, 0x0b)
	}
	return b, nil
}

type export struct {
	name  string
	kind  byte
	index uint64
}

func parseExports(body []byte) ([]export, error) {
	r := &reader{b: body}
	n, err := r.uleb()
	if err != nil || n > 1<<20 {
		return nil, errMalformed
	}
	out := make([]export, 0, n)
	for i := uint64(0); i < n; i++ {
		name, err := r.name()
		if err != nil {
			return nil, err
		}
		kind, err := r.byte()
		if err != nil {
			return nil, err
		}
		idx, err := r.uleb()
		if err != nil {
			return nil, err
		}
		out = append(out, export{name, kind, idx})
	}
	return out, nil
}

func encodeExports(es []export) []byte {
	b := appendUleb(nil, uint64(len(es)))
	for _, e := range es {
		b = appendName(b, e.name)
		b = append(b, e.kind)
		b = appendUleb(b, e.index)
	}
	return b
}

// importCounts counts imported globals and memories, which a snapshot
// cannot handle (their values live outside the module).
func importCounts(body []byte) (globals, memories int, err error) {
	r := &reader{b: body}
	n, err := r.uleb()
	if err != nil {
		return 0, 0, err
	}
	for i := uint64(0); i < n; i++ {
		if _, err := r.name(); err != nil {
			return 0, 0, err
		}
		if _, err := r.name(); err != nil {
			return 0, 0, err
		}
		kind, err := r.byte()
		if err != nil {
			return 0, 0, err
		}
		switch kind {
		case 0x00: // func: type index
			_, err = r.uleb()
		case 0x01: // table: reftype, limits
			if _, err = r.byte(); err == nil {
				err = skipLimits(r)
			}
		case 0x02: // memory
			memories++
			err = skipLimits(r)
		case 0x03: // global
			globals++
			_, err = r.bytes(2)
		default:
			err = errMalformed
		}
		if err != nil {
			return 0, 0, err
		}
	}
	return globals, memories, nil
}

func skipLimits(r *reader) error {
	flag, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.uleb(); err != nil {
		return err
	}
	if flag&1 != 0 {
		_, err = r.uleb()
	}
	return err
}

// encodeMemory writes a memory section of one memory with minimum pages,
// keeping the original maximum when it is not below it.
func encodeMemory(orig []byte, pages uint32) ([]byte, error) {
	r := &reader{b: orig}
	n, err := r.uleb()
	if err != nil || n != 1 {
		return nil, fmt.Errorf("wasm: snapshot needs exactly one memory")
	}
	flag, err := r.byte()
	if err != nil {
		return nil, err
	}
	if flag&2 != 0 {
		return nil, fmt.Errorf("wasm: shared memory cannot be snapshotted")
	}
	if _, err := r.uleb(); err != nil {
		return nil, err
	}
	b := appendUleb(nil, 1)
	if flag&1 != 0 {
		max, err := r.uleb()
		if err != nil {
			return nil, err
		}
		if max > math.MaxUint32 || uint32(max) < pages {
			return nil, fmt.Errorf("wasm: snapshot of %d pages above the memory maximum %d", pages, max)
		}
		b = append(b, 0x01)
		b = appendUleb(b, uint64(pages))
		return appendUleb(b, max), nil
	}
	b = append(b, 0x00)
	return appendUleb(b, uint64(pages)), nil
}
