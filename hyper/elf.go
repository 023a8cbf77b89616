//go:build linux && amd64

package hyper

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrBadELF is returned for executables this loader does not accept.
var ErrBadELF = errors.New("hyper: unsupported or malformed ELF")

// ELF constants (System V gABI, "ELF Header" and "Program Header").
const (
	elfHeaderSize = 64
	elfPhdrSize   = 56
	etExec        = 2
	etDyn         = 3
	emX86_64      = 62
	ptLoad        = 1
	ptInterp      = 3
	ptPhdr        = 6
	pfX           = 1
	pfW           = 2
	pfR           = 4

	// maxPhnum and maxImage bound what a file may ask for.
	maxPhnum = 128
	maxImage = 1 << 30

	// PIEBase is where a static-PIE executable is loaded.
	PIEBase = 0x5555_0000_0000
)

// Segment is one PT_LOAD segment to place in guest memory.
type Segment struct {
	VA       uint64 // page-aligned start
	Size     uint64 // page-aligned size
	Prot     Prot
	FileVA   uint64 // where the file bytes go
	FileData []byte // bytes from the file (the rest is zero)
}

// Executable is a parsed static x86-64 program.
type Executable struct {
	Entry    uint64 // entry point (relocated)
	Base     uint64 // load bias (0 for ET_EXEC)
	Phdr     uint64 // guest address of the program headers (AT_PHDR)
	Phnum    int
	Segments []Segment
	End      uint64 // first page after the highest segment: initial brk
}

// ParseELF validates an ELF64 x86-64 executable (ET_EXEC, or ET_DYN
// without an interpreter: static-PIE) and lays out its segments. Every
// offset, size and address in the file is checked.
func ParseELF(data []byte) (*Executable, error) {
	if len(data) < elfHeaderSize || string(data[:4]) != "\x7fELF" {
		return nil, fmt.Errorf("%w: not an ELF file", ErrBadELF)
	}
	if data[4] != 2 || data[5] != 1 {
		return nil, fmt.Errorf("%w: not 64-bit little-endian", ErrBadELF)
	}
	le := binary.LittleEndian
	typ, machine := le.Uint16(data[16:]), le.Uint16(data[18:])
	if machine != emX86_64 {
		return nil, fmt.Errorf("%w: machine %d is not x86-64", ErrBadELF, machine)
	}
	if typ != etExec && typ != etDyn {
		return nil, fmt.Errorf("%w: type %d is not an executable", ErrBadELF, typ)
	}
	entry, phoff := le.Uint64(data[24:]), le.Uint64(data[32:])
	phentsize, phnum := le.Uint16(data[54:]), int(le.Uint16(data[56:]))
	if phentsize != elfPhdrSize || phnum == 0 || phnum > maxPhnum {
		return nil, fmt.Errorf("%w: %d program headers of %d bytes", ErrBadELF, phnum, phentsize)
	}
	if phoff > uint64(len(data)) || uint64(phnum)*elfPhdrSize > uint64(len(data))-phoff {
		return nil, fmt.Errorf("%w: program headers outside the file", ErrBadELF)
	}
	x := &Executable{Phnum: phnum}
	if typ == etDyn {
		x.Base = PIEBase
	}
	var phdrVA uint64
	var lo, hi uint64 = ^uint64(0), 0
	var total uint64
	for i := 0; i < phnum; i++ {
		ph := data[phoff+uint64(i)*elfPhdrSize:][:elfPhdrSize]
		ptype, flags := le.Uint32(ph[0:]), le.Uint32(ph[4:])
		off, va := le.Uint64(ph[8:]), le.Uint64(ph[16:])
		filesz, memsz := le.Uint64(ph[32:]), le.Uint64(ph[40:])
		switch ptype {
		case ptInterp:
			return nil, fmt.Errorf("%w: dynamically linked (has PT_INTERP); build it static", ErrBadELF)
		case ptPhdr:
			phdrVA = va
			continue
		case ptLoad:
			if memsz == 0 {
				continue
			}
		default:
			continue
		}
		if filesz > memsz || off > uint64(len(data)) || filesz > uint64(len(data))-off {
			return nil, fmt.Errorf("%w: segment %d outside the file", ErrBadELF, i)
		}
		if va%PageSize != off%PageSize {
			return nil, fmt.Errorf("%w: segment %d misaligned", ErrBadELF, i)
		}
		if memsz > maxImage || va > UserMax {
			return nil, fmt.Errorf("%w: segment %d too large", ErrBadELF, i)
		}
		start := (x.Base + va) &^ (PageSize - 1)
		end := (x.Base + va + memsz + PageSize - 1) &^ (PageSize - 1)
		if start < UserMin || end > UserMax || end <= start {
			return nil, fmt.Errorf("%w: segment %d at %#x outside user space", ErrBadELF, i, x.Base+va)
		}
		total += end - start
		if total > maxImage {
			return nil, fmt.Errorf("%w: image larger than %d bytes", ErrBadELF, maxImage)
		}
		var prot Prot
		if flags&pfR != 0 {
			prot |= ProtRead
		}
		if flags&pfW != 0 {
			prot |= ProtWrite
		}
		if flags&pfX != 0 {
			prot |= ProtExec
		}
		x.Segments = append(x.Segments, Segment{
			VA: start, Size: end - start, Prot: prot,
			FileVA: x.Base + va, FileData: data[off : off+filesz],
		})
		if phdrVA == 0 && off <= phoff && phoff-off < filesz {
			x.Phdr = x.Base + va + (phoff - off)
		}
		lo, hi = min(lo, start), max(hi, end)
	}
	if len(x.Segments) == 0 {
		return nil, fmt.Errorf("%w: no loadable segment", ErrBadELF)
	}
	if phdrVA != 0 {
		x.Phdr = x.Base + phdrVA
	}
	x.Entry = x.Base + entry
	if x.Entry < lo || x.Entry >= hi {
		return nil, fmt.Errorf("%w: entry %#x outside the image", ErrBadELF, x.Entry)
	}
	x.End = hi
	return x, nil
}
