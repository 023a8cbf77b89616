//go:build linux && amd64

package hyper

import "encoding/binary"

// Page sizes and page-table entry bits (Intel SDM vol. 3A, 4.5 "4-level
// paging").
const (
	PageSize  = 4096
	pageShift = 12

	pteP  = 1 << 0
	pteRW = 1 << 1
	pteUS = 1 << 2
	pteA  = 1 << 5
	pteD  = 1 << 6
	pteNX = 1 << 63
	// pteAvlUser (an available-to-software bit) marks pages of the
	// program, including ProtNone ones that are present but
	// supervisor-only.
	pteAvlUser = 1 << 9
	pteMsk     = 0x000f_ffff_ffff_f000
)

// Prot is a guest page protection: a combination of ProtRead, ProtWrite and
// ProtExec (ProtNone maps nothing accessible).
type Prot uint8

// Protections, as PROT_* in mmap(2).
const (
	ProtNone  Prot = 0
	ProtRead  Prot = 1
	ProtWrite Prot = 2
	ProtExec  Prot = 4
)

// Guest virtual layout.
const (
	// UserMin is the lowest address the program may map.
	UserMin = 0x1_0000
	// UserMax is one past the highest user address (47-bit lower half).
	UserMax = 0x0000_8000_0000_0000

	sysBase  = 0xffff_ff80_0000_0000
	stubVA   = sysBase
	cpuArea  = sysBase + 0x1_0000
	cpuAreaN = 0x1_0000 // bytes of system area per vCPU

	// Offsets inside one vCPU's system area (each a page).
	cpuGDT   = 0x0000
	cpuTSS   = 0x1000
	cpuIDT   = 0x2000
	cpuStack = 0x3000 // exception stack pages: cpuStack .. cpuStack+excStackN
	excStack = 0x2000

	// MaxVCPUs bounds the vCPUs (threads) of one VM.
	MaxVCPUs = 64
)

// Segment selectors in every vCPU's GDT.
const (
	selKernelCode = 0x08
	selKernelData = 0x10
	selUserData   = 0x18 | 3
	selUserCode   = 0x20 | 3
	selTSS        = 0x28
	gdtEntries    = 7 // null, kcode, kdata, udata, ucode, tss (2 slots)
)

// Control-register and EFER bits (SDM vol. 3A, 2.5 and 2.2.1).
const (
	cr0PE = 1 << 0
	cr0MP = 1 << 1
	cr0ET = 1 << 4
	cr0NE = 1 << 5
	cr0WP = 1 << 16
	cr0AM = 1 << 18
	cr0PG = 1 << 31

	cr4PAE        = 1 << 5
	cr4OSFXSR     = 1 << 9
	cr4OSXMMEXCPT = 1 << 10

	eferSCE = 1 << 0
	eferLME = 1 << 8
	eferLMA = 1 << 10
	eferNXE = 1 << 11

	rflagsIF   = 1 << 9
	rflagsIOPL = 3 << 12
	rflagsRsv  = 1 << 1
)

// Ports the stub uses to exit to the monitor.
const (
	portSyscall   = 0x10
	portException = 0x80 // + vector, for vectors 0..31
)

// gdtEntry builds a code or data descriptor (SDM vol. 3A, 3.4.5).
func gdtEntry(code bool, dpl uint64) uint64 {
	// limit 0xfffff, base 0, G=1, P=1, S=1.
	d := uint64(0xffff) | 0xf<<48 | 1<<55 | 1<<47 | 1<<44 | dpl<<45
	if code {
		d |= 0xb<<40 | 1<<53 // execute/read, accessed; L=1
	} else {
		d |= 0x3<<40 | 1<<54 // read/write, accessed; D/B=1
	}
	return d
}

// buildGDT fills one vCPU's GDT page, with a 64-bit TSS descriptor for a
// TSS at tssVA.
func buildGDT(p []byte, tssVA uint64) {
	le := binary.LittleEndian
	le.PutUint64(p[0:], 0)
	le.PutUint64(p[8:], gdtEntry(true, 0))
	le.PutUint64(p[16:], gdtEntry(false, 0))
	le.PutUint64(p[24:], gdtEntry(false, 3))
	le.PutUint64(p[32:], gdtEntry(true, 3))
	// 64-bit available TSS (type 9), limit 0x67 (SDM vol. 3A, 8.2.3).
	lim := uint64(tssLimit)
	lo := lim&0xffff | (tssVA&0xffffff)<<16 | 0x9<<40 | 1<<47 | (tssVA>>24&0xff)<<56
	le.PutUint64(p[40:], lo)
	le.PutUint64(p[48:], tssVA>>32)
}

// TSS layout: the 104-byte 64-bit TSS, then an I/O permission bitmap for
// ports 0..255 and its terminating 0xff byte (SDM vol. 1, 19.5.2).
const (
	tssIOMap = 0x68
	tssLimit = tssIOMap + 32 // bitmap of 32 bytes + terminator - 1
)

// buildTSS fills a 64-bit TSS with RSP0 and IST1 both at stackTop (SDM vol.
// 3A, 8.7 "Task management in 64-bit mode") and an I/O bitmap that allows
// CPL 3 to use exactly one port, the system-call port. Hosts that do not
// honour IOPL for the guest (kvm-pvm keeps the hardware IOPL at 0) check
// this bitmap instead.
func buildTSS(p []byte, stackTop uint64) {
	le := binary.LittleEndian
	le.PutUint64(p[4:], stackTop)  // RSP0
	le.PutUint64(p[36:], stackTop) // IST1
	le.PutUint16(p[102:], tssIOMap)
	for i := 0; i < 33; i++ {
		p[tssIOMap+i] = 0xff
	}
	p[tssIOMap+portSyscall/8] &^= 1 << (portSyscall % 8)
}

// buildIDT fills an IDT with 32 interrupt gates, vector v pointing at
// handler(v), all on IST1 (SDM vol. 3A, 6.14.1).
func buildIDT(p []byte, handler func(v int) uint64) {
	le := binary.LittleEndian
	for v := 0; v < 32; v++ {
		h := handler(v)
		lo := h&0xffff | selKernelCode<<16 | 1<<32 /* IST1 */ | 0xe<<40 | 1<<47 | (h>>16&0xffff)<<48
		le.PutUint64(p[v*16:], lo)
		le.PutUint64(p[v*16+8:], h>>32)
	}
}
