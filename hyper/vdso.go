//go:build linux && amd64

package hyper

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"time"

	"nexusos/hyper/kvm"
)

// The vDSO: a tiny ELF shared object the monitor builds in guest memory so
// that clock_gettime needs no exit to the monitor (Go's runtime reads the
// clock thousands of times a second; a system call costs tens of µs here).
// Its code reads the TSC and converts it with parameters from a read-only
// data page the monitor fills once per VM:
//
//	data page (VDSODataVA)
//	+0   tscBase   u64  guest TSC at calibration
//	+8   mult      u64  nanoseconds per tick << 32
//	+16  monoBase  u64  CLOCK_MONOTONIC at calibration, ns
//	+24  realBase  u64  CLOCK_REALTIME at calibration, ns since 1970
//	+32  enabled   u64  0: every call falls back to the system call
//
// The image exports __vdso_clock_gettime and __vdso_gettimeofday, version
// LINUX_2.6, through DT_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM and DT_VERDEF
// (the tables Go's runtime and musl look up; System V gABI, "Dynamic
// Section", and the LSB symbol-versioning chapter). Clocks it does not
// compute go to the real system call.
const (
	VDSOVA     = sysBase + 0x1000
	VDSODataVA = sysBase + 0x2000

	vdsoDataTSCBase  = 0
	vdsoDataMult     = 8
	vdsoDataMonoBase = 16
	vdsoDataRealBase = 24
	vdsoDataEnabled  = 32
)

// Offsets inside the image page.
const (
	vdsoDyn      = 0x0b0
	vdsoHash     = 0x140
	vdsoSymtab   = 0x160
	vdsoVersym   = 0x1b0
	vdsoVerdef   = 0x1b8
	vdsoStrtab   = 0x200
	vdsoCodeCGT  = 0x300
	vdsoCodeGTOD = 0x3c0
)

// elfHash is the System V ABI symbol hash (gABI, "Hash Table").
func elfHash(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = h<<4 + uint32(name[i])
		g := h & 0xf0000000
		if g != 0 {
			h ^= g >> 24
		}
		h &^= g
	}
	return h
}

// asm is a minimal x86-64 assembler for the vDSO code: bytes, labels and
// 8-bit relative jumps, and RIP-relative data references.
type asm struct {
	b      []byte
	va     uint64 // address of b[0]
	labels map[string]int
	fix    map[int]string // position of a rel8 byte -> label
}

func (a *asm) emit(b ...byte) { a.b = append(a.b, b...) }

func (a *asm) label(l string) { a.labels[l] = len(a.b) }

// jcc emits a short jump (opcode 0x74 je, 0x73 jae, 0xeb jmp...) to l.
func (a *asm) jcc(op byte, l string) {
	a.emit(op, 0)
	a.fix[len(a.b)-1] = l
}

// rip emits an instruction ending in a disp32 that addresses target.
func (a *asm) rip(prefix []byte, target uint64) {
	a.emit(prefix...)
	next := a.va + uint64(len(a.b)) + 4
	var d [4]byte
	binary.LittleEndian.PutUint32(d[:], uint32(int32(int64(target-next))))
	a.emit(d[:]...)
}

func (a *asm) link() ([]byte, error) {
	for pos, l := range a.fix {
		to, ok := a.labels[l]
		if !ok {
			return nil, fmt.Errorf("vdso: undefined label %s", l)
		}
		rel := to - (pos + 1)
		if rel < -128 || rel > 127 {
			return nil, fmt.Errorf("vdso: jump to %s out of range", l)
		}
		a.b[pos] = byte(int8(rel))
	}
	return a.b, nil
}

// clockGettimeCode assembles __vdso_clock_gettime(clockid edi, ts rsi).
func clockGettimeCode() ([]byte, error) {
	a := &asm{va: VDSOVA + vdsoCodeCGT, labels: map[string]int{}, fix: map[int]string{}}
	data := uint64(VDSODataVA)
	a.rip([]byte{0x48, 0x8b, 0x05}, data+vdsoDataEnabled) // mov rax, [enabled]
	a.emit(0x48, 0x85, 0xc0)                              // test rax, rax
	a.jcc(0x74, "fallback")                               // jz
	for _, id := range []byte{1, 4, 6, 7} {               // MONOTONIC, _RAW, _COARSE, BOOTTIME
		a.emit(0x83, 0xff, id) // cmp edi, id
		a.jcc(0x74, "mono")    // je
	}
	for _, id := range []byte{0, 5} { // REALTIME, _COARSE
		a.emit(0x83, 0xff, id)
		a.jcc(0x74, "real")
	}
	a.jcc(0xeb, "fallback")
	a.label("mono")
	a.rip([]byte{0x4c, 0x8b, 0x05}, data+vdsoDataMonoBase) // mov r8, [monoBase]
	a.jcc(0xeb, "common")
	a.label("real")
	a.rip([]byte{0x4c, 0x8b, 0x05}, data+vdsoDataRealBase) // mov r8, [realBase]
	a.label("common")
	a.emit(0x0f, 0x31)                                    // rdtsc
	a.emit(0x48, 0xc1, 0xe2, 0x20)                        // shl rdx, 32
	a.emit(0x48, 0x09, 0xd0)                              // or rax, rdx
	a.rip([]byte{0x48, 0x2b, 0x05}, data+vdsoDataTSCBase) // sub rax, [tscBase]
	a.jcc(0x73, "positive")                               // jae
	a.emit(0x31, 0xc0)                                    // xor eax, eax: TSC behind base
	a.label("positive")
	a.rip([]byte{0x48, 0xf7, 0x25}, data+vdsoDataMult) // mul qword [mult]
	a.emit(0x48, 0x0f, 0xac, 0xd0, 0x20)               // shrd rax, rdx, 32
	a.emit(0x4c, 0x01, 0xc0)                           // add rax, r8
	a.emit(0x31, 0xd2)                                 // xor edx, edx
	a.emit(0xb9, 0x00, 0xca, 0x9a, 0x3b)               // mov ecx, 1e9
	a.emit(0x48, 0xf7, 0xf1)                           // div rcx
	a.emit(0x48, 0x89, 0x06)                           // mov [rsi], rax
	a.emit(0x48, 0x89, 0x56, 0x08)                     // mov [rsi+8], rdx
	a.emit(0x31, 0xc0)                                 // xor eax, eax
	a.emit(0xc3)                                       // ret
	a.label("fallback")
	a.emit(0xb8, 228, 0, 0, 0) // mov eax, SYS_clock_gettime
	a.emit(0x0f, 0x05)         // syscall
	a.emit(0xc3)               // ret
	return a.link()
}

// gettimeofdayCode is __vdso_gettimeofday: always the system call.
var gettimeofdayCode = []byte{0xb8, 96, 0, 0, 0, 0x0f, 0x05, 0xc3}

// vdsoImage builds the image page.
func vdsoImage() ([]byte, error) {
	p := make([]byte, PageSize)
	le := binary.LittleEndian
	// ELF header (ET_DYN, x86-64), two program headers.
	copy(p, "\x7fELF")
	p[4], p[5], p[6] = 2, 1, 1
	le.PutUint16(p[16:], etDyn)
	le.PutUint16(p[18:], emX86_64)
	le.PutUint32(p[20:], 1)
	le.PutUint64(p[32:], elfHeaderSize)
	le.PutUint16(p[52:], elfHeaderSize)
	le.PutUint16(p[54:], elfPhdrSize)
	le.PutUint16(p[56:], 2)
	ph := func(i int, typ, flags uint32, off, size uint64) {
		h := p[elfHeaderSize+i*elfPhdrSize:]
		le.PutUint32(h[0:], typ)
		le.PutUint32(h[4:], flags)
		le.PutUint64(h[8:], off)
		le.PutUint64(h[16:], off)
		le.PutUint64(h[24:], off)
		le.PutUint64(h[32:], size)
		le.PutUint64(h[40:], size)
		le.PutUint64(h[48:], 8)
	}
	ph(0, ptLoad, pfR|pfX, 0, PageSize)
	const ptDynamic = 2
	ph(1, ptDynamic, pfR, vdsoDyn, 9*16)

	// Strings.
	strs := "\x00__vdso_clock_gettime\x00__vdso_gettimeofday\x00linux-vdso.so.1\x00LINUX_2.6\x00"
	copy(p[vdsoStrtab:], strs)
	const (
		nameCGT  = 1
		nameGTOD = 1 + len("__vdso_clock_gettime") + 1
		nameSO   = nameGTOD + len("__vdso_gettimeofday") + 1
		nameVer  = nameSO + len("linux-vdso.so.1") + 1
	)

	// Dynamic section (tags from <elf.h>).
	dyn := [][2]uint64{
		{4, vdsoHash},            // DT_HASH
		{5, vdsoStrtab},          // DT_STRTAB
		{6, vdsoSymtab},          // DT_SYMTAB
		{10, uint64(len(strs))},  // DT_STRSZ
		{11, 24},                 // DT_SYMENT
		{0x6ffffff0, vdsoVersym}, // DT_VERSYM
		{0x6ffffffc, vdsoVerdef}, // DT_VERDEF
		{0x6ffffffd, 2},          // DT_VERDEFNUM
		{0, 0},                   // DT_NULL
	}
	for i, d := range dyn {
		le.PutUint64(p[vdsoDyn+16*i:], d[0])
		le.PutUint64(p[vdsoDyn+16*i+8:], d[1])
	}

	// Hash table: one bucket chaining symbols 2 then 1.
	for i, v := range []uint32{1, 3, 2, 0, 0, 1} { // nbucket, nchain, bucket[0], chain[0..2]
		le.PutUint32(p[vdsoHash+4*i:], v)
	}

	// Symbols: 0 is the null symbol.
	sym := func(i int, name int, value uint64) {
		s := p[vdsoSymtab+24*i:]
		le.PutUint32(s[0:], uint32(name))
		s[4] = 1<<4 | 2             // STB_GLOBAL, STT_FUNC
		le.PutUint16(s[6:], 0xfff1) // SHN_ABS: defined
		le.PutUint64(s[8:], value)
		le.PutUint64(s[16:], 64)
	}
	sym(1, nameCGT, vdsoCodeCGT)
	sym(2, nameGTOD, vdsoCodeGTOD)

	// Symbol versions: both functions are LINUX_2.6 (index 2).
	for i, v := range []uint16{0, 2, 2} {
		le.PutUint16(p[vdsoVersym+2*i:], v)
	}
	verdef := func(off int, flags, ndx uint16, hash uint32, name int, next uint32) {
		d := p[vdsoVerdef+off:]
		le.PutUint16(d[0:], 1) // vd_version
		le.PutUint16(d[2:], flags)
		le.PutUint16(d[4:], ndx)
		le.PutUint16(d[6:], 1) // vd_cnt
		le.PutUint32(d[8:], hash)
		le.PutUint32(d[12:], 20) // vd_aux: right after this entry
		le.PutUint32(d[16:], next)
		le.PutUint32(d[20:], uint32(name)) // vda_name
		le.PutUint32(d[24:], 0)            // vda_next
	}
	verdef(0, 1 /* VER_FLG_BASE */, 1, elfHash("linux-vdso.so.1"), nameSO, 28)
	verdef(28, 0, 2, elfHash("LINUX_2.6"), nameVer, 0)

	code, err := clockGettimeCode()
	if err != nil {
		return nil, err
	}
	if len(code) > vdsoCodeGTOD-vdsoCodeCGT {
		return nil, fmt.Errorf("vdso: clock_gettime code is %d bytes", len(code))
	}
	copy(p[vdsoCodeCGT:], code)
	copy(p[vdsoCodeGTOD:], gettimeofdayCode)
	return p, nil
}

// TSCClock converts TSC readings to the clocks the vDSO serves, with the
// parameters it publishes: the monitor answers clock system calls with it
// too, so both paths agree.
type TSCClock struct {
	tscBase, mult      uint64
	monoBase, realBase uint64
	// offset is guest TSC minus host TSC.
	offset uint64
}

// Monotonic returns CLOCK_MONOTONIC as the guest's vDSO computes it now.
func (k *TSCClock) Monotonic() time.Duration { return time.Duration(k.since() + k.monoBase) }

// Realtime returns CLOCK_REALTIME (ns since 1970) as the vDSO computes it.
func (k *TSCClock) Realtime() time.Duration { return time.Duration(k.since() + k.realBase) }

func (k *TSCClock) since() uint64 {
	t := rdtsc() + k.offset
	if t < k.tscBase {
		return 0
	}
	hi, lo := bits.Mul64(t-k.tscBase, k.mult)
	return hi<<32 | lo>>32
}

// EnableVDSO maps the vDSO image and its data page, calibrated against
// vCPU c's TSC so that monotonic time starts at mono and real time at
// real. It returns the clock the monitor should use for clock system calls.
func (m *Machine) EnableVDSO(c *CPU, mono, real time.Duration) (*TSCClock, error) {
	khz, err := c.v.TSCKHz()
	if err != nil || khz == 0 {
		return nil, fmt.Errorf("vdso: TSC frequency unknown: %v", err)
	}
	img, err := vdsoImage()
	if err != nil {
		return nil, err
	}
	guest, offset, err := c.tscOffset()
	if err != nil {
		return nil, err
	}
	k := &TSCClock{
		tscBase:  guest,
		mult:     (uint64(1_000_000) << 32) / uint64(khz),
		monoBase: uint64(mono),
		realBase: uint64(real),
		offset:   offset,
	}
	data := make([]byte, PageSize)
	le := binary.LittleEndian
	le.PutUint64(data[vdsoDataTSCBase:], k.tscBase)
	le.PutUint64(data[vdsoDataMult:], k.mult)
	le.PutUint64(data[vdsoDataMonoBase:], k.monoBase)
	le.PutUint64(data[vdsoDataRealBase:], k.realBase)
	le.PutUint64(data[vdsoDataEnabled:], 1)
	for _, pg := range []struct {
		va   uint64
		b    []byte
		prot Prot
	}{{VDSOVA, img, ProtRead | ProtExec}, {VDSODataVA, data, ProtRead}} {
		pa, err := m.Mem.AllocPage()
		if err != nil {
			return nil, err
		}
		copy(m.Mem.Page(pa), pg.b)
		if err := m.AS.MapPage(pg.va, pa, pg.prot, true); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// tscOffset estimates guest TSC minus host TSC. The guest TSC is read by
// an ioctl between two host reads; the narrowest of four windows wins,
// and an offset smaller than its window is taken as zero (hosts that run
// guest code without TSC offsetting, like kvm-pvm, have exactly zero). The
// monitor's clock and the vDSO then agree to within that window, well
// below the cost of one system call.
func (c *CPU) tscOffset() (guest, offset uint64, err error) {
	best := ^uint64(0)
	for i := 0; i < 4; i++ {
		msr := []kvm.MSREntry{{Index: kvm.MSR_IA32_TSC}}
		h1 := rdtsc()
		if err := c.v.GetMSRs(msr); err != nil {
			return 0, 0, fmt.Errorf("vdso: read guest TSC: %w", err)
		}
		h2 := rdtsc()
		if h2 < h1 || h2-h1 >= best {
			continue
		}
		best = h2 - h1
		guest = msr[0].Data
		offset = msr[0].Data - (h1 + best/2)
	}
	if best == ^uint64(0) {
		return 0, 0, fmt.Errorf("vdso: TSC went backwards while calibrating")
	}
	if d := int64(offset); d < 0 && uint64(-d) <= best || d >= 0 && uint64(d) <= best {
		offset = 0
	}
	return guest, offset, nil
}
