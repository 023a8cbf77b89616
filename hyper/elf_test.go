//go:build linux && amd64

package hyper

import (
	"encoding/binary"
	"errors"
	"testing"
)

// tinyELF builds a minimal ET_EXEC (or ET_DYN) image: one PT_LOAD holding
// the header and code at 0x400000.
func tinyELF(typ uint16, code []byte) []byte {
	le := binary.LittleEndian
	b := make([]byte, elfHeaderSize+elfPhdrSize+len(code))
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1
	le.PutUint16(b[16:], typ)
	le.PutUint16(b[18:], emX86_64)
	le.PutUint32(b[20:], 1)
	base := uint64(0x40_0000)
	if typ == etDyn {
		base = 0
	}
	le.PutUint64(b[24:], base+elfHeaderSize+elfPhdrSize) // entry
	le.PutUint64(b[32:], elfHeaderSize)                  // phoff
	le.PutUint16(b[52:], elfHeaderSize)
	le.PutUint16(b[54:], elfPhdrSize)
	le.PutUint16(b[56:], 1)
	ph := b[elfHeaderSize:]
	le.PutUint32(ph[0:], ptLoad)
	le.PutUint32(ph[4:], pfR|pfX)
	le.PutUint64(ph[16:], base)
	le.PutUint64(ph[32:], uint64(len(b)))
	le.PutUint64(ph[40:], uint64(len(b)))
	copy(b[elfHeaderSize+elfPhdrSize:], code)
	return b
}

func TestParseELF(t *testing.T) {
	x, err := ParseELF(tinyELF(etExec, helloSnippet))
	if err != nil {
		t.Fatal(err)
	}
	if x.Entry != 0x400078 || x.Phdr != 0x400040 || x.Base != 0 || len(x.Segments) != 1 || x.End != 0x401000 {
		t.Fatalf("ET_EXEC parsed as %+v", x)
	}
	x, err = ParseELF(tinyELF(etDyn, helloSnippet))
	if err != nil {
		t.Fatal(err)
	}
	if x.Base != PIEBase || x.Entry != PIEBase+0x78 || x.Segments[0].VA != PIEBase {
		t.Fatalf("ET_DYN parsed as %+v", x)
	}
	bad := map[string]func([]byte){
		"not ELF":           func(b []byte) { b[0] = 0 },
		"32-bit":            func(b []byte) { b[4] = 1 },
		"big-endian":        func(b []byte) { b[5] = 2 },
		"not x86-64":        func(b []byte) { b[18] = 3 },
		"relocatable":       func(b []byte) { b[16] = 1 },
		"phentsize":         func(b []byte) { b[54] = 32 },
		"phoff past end":    func(b []byte) { binary.LittleEndian.PutUint64(b[32:], 1<<40) },
		"too many phdrs":    func(b []byte) { binary.LittleEndian.PutUint16(b[56:], 1000) },
		"filesz > memsz":    func(b []byte) { binary.LittleEndian.PutUint64(b[64+40:], 1) },
		"file range":        func(b []byte) { binary.LittleEndian.PutUint64(b[64+8:], 1<<50) },
		"kernel address":    func(b []byte) { binary.LittleEndian.PutUint64(b[64+16:], 0xffff_8000_0000_0000) },
		"below UserMin":     func(b []byte) { binary.LittleEndian.PutUint64(b[64+16:], 0) },
		"huge memsz":        func(b []byte) { binary.LittleEndian.PutUint64(b[64+40:], 1<<40) },
		"entry outside":     func(b []byte) { binary.LittleEndian.PutUint64(b[24:], 0x900000) },
		"interpreter":       func(b []byte) { binary.LittleEndian.PutUint32(b[64:], ptInterp) },
		"misaligned offset": func(b []byte) { binary.LittleEndian.PutUint64(b[64+8:], 1) },
	}
	for name, mutate := range bad {
		b := tinyELF(etExec, helloSnippet)
		mutate(b)
		if _, err := ParseELF(b); !errors.Is(err, ErrBadELF) {
			t.Errorf("%s: ParseELF = %v, want ErrBadELF", name, err)
		}
	}
}

// FuzzParseELF checks that any accepted file yields segments inside user
// space whose file bytes lie inside the file, and never panics.
func FuzzParseELF(f *testing.F) {
	f.Add(tinyELF(etExec, helloSnippet))
	f.Add(tinyELF(etDyn, helloSnippet))
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ParseELF(data)
		if err != nil {
			if !errors.Is(err, ErrBadELF) {
				t.Fatalf("error %v does not wrap ErrBadELF", err)
			}
			return
		}
		var total uint64
		for _, s := range x.Segments {
			if s.VA < UserMin || s.VA+s.Size > UserMax || s.VA%PageSize != 0 || s.Size%PageSize != 0 {
				t.Fatalf("segment %#x+%#x outside user space", s.VA, s.Size)
			}
			if s.FileVA < s.VA || s.FileVA+uint64(len(s.FileData)) > s.VA+s.Size {
				t.Fatalf("file bytes outside their segment")
			}
			total += s.Size
		}
		if total > maxImage {
			t.Fatalf("image of %d bytes accepted", total)
		}
		if x.Entry < UserMin || x.Entry >= UserMax {
			t.Fatalf("entry %#x outside user space", x.Entry)
		}
	})
}

// TestStackAndEntry loads tinyELF into a VM the way the library OS does and runs
// it: the snippet prints hello and exits 7.
func TestStackAndEntry(t *testing.T) {
	needKVM(t)
	x, err := ParseELF(tinyELF(etExec, helloSnippet))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(16 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := x.Segments[0]
	for va := s.VA; va < s.VA+s.Size; va += PageSize {
		pa, _ := m.Mem.AllocPage()
		if err := m.AS.MapPage(va, pa, s.Prot, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.AS.Poke(s.FileVA, s.FileData); err != nil {
		t.Fatal(err)
	}
	for va := uint64(0x7000_0000); va < 0x7000_4000; va += PageSize {
		pa, _ := m.Mem.AllocPage()
		m.AS.MapPage(va, pa, ProtRead|ProtWrite, true)
	}
	sp, err := BuildStack(m.AS, 0x7000_4000, StackConfig{Args: []string{"a", "bb"}, Env: []string{"K=V"}, Exe: x})
	if err != nil {
		t.Fatal(err)
	}
	if sp%16 != 0 {
		t.Fatalf("rsp %#x not 16-byte aligned", sp)
	}
	var w [8]byte
	m.AS.CopyIn(sp, w[:])
	if argc := binary.LittleEndian.Uint64(w[:]); argc != 2 {
		t.Fatalf("argc %d", argc)
	}
	m.AS.CopyIn(sp+8, w[:])
	arg0, err := m.AS.ReadString(binary.LittleEndian.Uint64(w[:]), 16)
	if err != nil || arg0 != "a" {
		t.Fatalf("argv[0] = %q, %v", arg0, err)
	}
	c, err := m.NewCPU()
	if err != nil {
		t.Fatal(err)
	}
	c.Regs.RIP, c.Regs.RSP = x.Entry, sp
	h := &testHandler{}
	err = c.Run(t.Context(), h)
	var code exitCode
	if !errors.As(err, &code) || code != 7 || h.out.String() != "hello\n" {
		t.Fatalf("Run = %v, output %q", err, h.out.String())
	}
}
