//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"fmt"
	"time"

	"nexusos/hyper"
	"nexusos/hyper/kvm"
)

// The encoded snapshot; integers are little-endian, strings and lists are
// a u32 count then their items:
//
//	+-----------------+--------------------------------------------------+
//	| field           | encoding                                         |
//	+-----------------+--------------------------------------------------+
//	| magic           | "NXSNAP\x00\x01"                                 |
//	| cpus, clock     | u32, u8 (0 vDSO, 1 system calls, 2 fake)         |
//	| args, env       | lists of strings                                 |
//	| mono, fakeTicks | i64 ns, i64                                      |
//	| nextTID, total  | u32, u32                                         |
//	| outBytes        | i64                                              |
//	| brk             | u64 start, u64 current, u64 heap end             |
//	| vmas            | list of u64 start, u64 end, u8 prot, u8 kind     |
//	| actions         | 65 x (u64 handler, flags, restorer, mask)        |
//	| files           | list of u8 kind, u64 counter, list of            |
//	|                 |   (i32 fd, u32 events, u64 data)                 |
//	| fds             | list of i32 fd, u32 file index                   |
//	| threads         | list of u32 tid, u64 clear_tid, u64 altstack sp, |
//	|                 |   u64 altstack size, 18 x u64 registers (RAX..   |
//	|                 |   R15, RIP, RFLAGS), u64 FS base, u64 signal     |
//	|                 |   mask, 416 B kvm_fpu,                           |
//	|                 |   list of (u64 ucontext, 416 B kvm_fpu) saved at |
//	|                 |   signals not yet returned from                  |
//	| pages           | list of u64 address, u8 prot (+0x80: the page is |
//	|                 |   the executable's, as loaded, and not stored)   |
//	| page data       | 4096 bytes per stored page, in list order; then  |
//	|                 |   the end                                        |
//	+-----------------+--------------------------------------------------+
//
// DecodeSnapshot bounds every count before allocating and checks every
// value a restore relies on (addresses in user space, sorted and disjoint
// mappings, known descriptor kinds, valid MXCSR), so hostile bytes are
// refused with ErrBadSnapshot. A restore rebuilds the page tables and the
// monitor's own pages itself: a snapshot holds only what the program could
// reach.

const snapMagic = "NXSNAP\x00\x01"

// pageFromExe flags a page taken from the executable in the page list.
const pageFromExe = 0x80

// Bounds on what a decoded snapshot may hold.
const (
	maxSnapPages   = 1 << 18 // 1 GiB of pages
	maxSnapObjects = maxFDs
)

// MarshalBinary encodes the snapshot.
func (s *Snapshot) MarshalBinary() ([]byte, error) {
	le := binary.LittleEndian
	b := make([]byte, 0, 4096+len(s.data))
	u8 := func(v uint8) { b = append(b, v) }
	u32 := func(v uint32) { b = le.AppendUint32(b, v) }
	u64 := func(v uint64) { b = le.AppendUint64(b, v) }
	strs := func(l []string) {
		u32(uint32(len(l)))
		for _, x := range l {
			u32(uint32(len(x)))
			b = append(b, x...)
		}
	}
	b = append(b, snapMagic...)
	u32(uint32(s.cpus))
	u8(s.clock)
	strs(s.args)
	strs(s.env)
	u64(uint64(s.mono))
	u64(uint64(s.fakeTicks))
	u32(uint32(s.nextTID))
	u32(uint32(s.total))
	u64(uint64(s.outBytes))
	u64(s.brkStart)
	u64(s.brkCur)
	u64(s.heapEnd)
	u32(uint32(len(s.vmas)))
	for _, v := range s.vmas {
		u64(v.start)
		u64(v.end)
		u8(uint8(v.prot))
		u8(uint8(v.kind))
	}
	for _, a := range s.actions {
		u64(a.handler)
		u64(a.flags)
		u64(a.restorer)
		u64(a.mask)
	}
	u32(uint32(len(s.objs)))
	for _, o := range s.objs {
		u8(uint8(o.kind))
		u64(o.counter)
		u32(uint32(len(o.interest)))
		for _, in := range o.interest {
			u32(uint32(in.fd))
			u32(in.events)
			u64(in.data)
		}
	}
	u32(uint32(len(s.fds)))
	for _, d := range s.fds {
		u32(uint32(d.fd))
		u32(uint32(d.obj))
	}
	u32(uint32(len(s.threads)))
	for _, t := range s.threads {
		u32(uint32(t.tid))
		u64(t.clearTID)
		u64(t.altSP)
		u64(t.altSiz)
		for _, r := range regList(&t.regs) {
			u64(*r)
		}
		u64(t.fsBase)
		u64(t.mask)
		b = append(b, t.fpu.Raw[:]...)
		u32(uint32(len(t.sigFPU)))
		for _, f := range t.sigFPU {
			u64(f.uc)
			b = append(b, f.fpu.Raw[:]...)
		}
	}
	u32(uint32(len(s.pages)))
	for _, p := range s.pages {
		u64(p.va)
		f := uint8(p.prot)
		if p.fromExe {
			f |= pageFromExe
		}
		u8(f)
	}
	return append(b, s.data...), nil
}

func regList(r *kvm.Regs) []*uint64 {
	return []*uint64{&r.RAX, &r.RBX, &r.RCX, &r.RDX, &r.RSI, &r.RDI, &r.RSP, &r.RBP,
		&r.R8, &r.R9, &r.R10, &r.R11, &r.R12, &r.R13, &r.R14, &r.R15, &r.RIP, &r.RFLAGS}
}

// snapReader reads the encoding; the first error sticks.
type snapReader struct {
	b   []byte
	err error
}

func (r *snapReader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrBadSnapshot}, a...)...)
	}
}

func (r *snapReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail("truncated")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *snapReader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *snapReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *snapReader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// count reads a list length of at most max items of at least min bytes
// each (so a count cannot claim more than the bytes left).
func (r *snapReader) count(max, min int, what string) int {
	n := int(r.u32())
	if r.err == nil && (n > max || n*min > len(r.b)) {
		r.fail("%d %s", n, what)
		return 0
	}
	return n
}

func (r *snapReader) strs(budget *int, what string) []string {
	n := r.count(hyper.MaxArgs, 4, what)
	var out []string
	for i := 0; i < n && r.err == nil; i++ {
		l := int(r.u32())
		if *budget -= l + 1; *budget < 0 {
			r.fail("%s longer than %d bytes", what, hyper.MaxArgBytes)
			return nil
		}
		out = append(out, string(r.take(l)))
	}
	return out
}

// DecodeSnapshot reads a snapshot written by MarshalBinary, refusing
// anything malformed or out of bounds with ErrBadSnapshot. exe is the
// executable it was taken from (a sealed image keeps both): pages still
// as it loaded them come from it. The snapshot keeps pointing into b and
// exe instead of copying them: neither may change while it is used.
func DecodeSnapshot(b, exe []byte) (*Snapshot, error) {
	r := &snapReader{b: b}
	if string(r.take(len(snapMagic))) != snapMagic {
		r.fail("bad magic")
	}
	s := &Snapshot{}
	s.cpus = int(r.u32())
	s.clock = r.u8()
	budget := hyper.MaxArgBytes
	s.args = r.strs(&budget, "arguments")
	s.env = r.strs(&budget, "environment")
	if len(s.args)+len(s.env) > hyper.MaxArgs {
		r.fail("%d arguments and variables", len(s.args)+len(s.env))
	}
	s.mono = time.Duration(r.u64())
	s.fakeTicks = int64(r.u64())
	s.nextTID = int(r.u32())
	s.total = int(r.u32())
	s.outBytes = int64(r.u64())
	s.brkStart, s.brkCur, s.heapEnd = r.u64(), r.u64(), r.u64()
	n := r.count(maxVMAs, 18, "mappings")
	for i := 0; i < n && r.err == nil; i++ {
		s.vmas = append(s.vmas, vma{start: r.u64(), end: r.u64(), prot: hyper.Prot(r.u8()), kind: vmaKind(r.u8())})
	}
	for i := range s.actions {
		s.actions[i] = sigaction{handler: r.u64(), flags: r.u64(), restorer: r.u64(), mask: r.u64()}
	}
	n = r.count(maxSnapObjects, 13, "files")
	for i := 0; i < n && r.err == nil; i++ {
		o := snapFile{kind: fileKind(r.u8()), counter: r.u64()}
		k := r.count(maxFDs, 16, "epoll interests")
		for j := 0; j < k && r.err == nil; j++ {
			o.interest = append(o.interest, snapInterest{fd: int32(r.u32()), events: r.u32(), data: r.u64()})
		}
		s.objs = append(s.objs, o)
	}
	n = r.count(maxFDs, 8, "descriptors")
	for i := 0; i < n && r.err == nil; i++ {
		s.fds = append(s.fds, snapFD{fd: int32(r.u32()), obj: int(r.u32())})
	}
	n = r.count(hyper.MaxVCPUs, 4+3*8+18*8+8+8+len(kvm.FPU{}.Raw)+4, "threads")
	for i := 0; i < n && r.err == nil; i++ {
		t := snapThread{tid: int(r.u32()), clearTID: r.u64(), altSP: r.u64(), altSiz: r.u64()}
		for _, p := range regList(&t.regs) {
			*p = r.u64()
		}
		t.fsBase = r.u64()
		t.mask = r.u64()
		copy(t.fpu.Raw[:], r.take(len(t.fpu.Raw)))
		k := r.count(maxSavedFPU, 8+len(t.fpu.Raw), "saved signal states")
		for j := 0; j < k && r.err == nil; j++ {
			f := sigFPU{uc: r.u64()}
			copy(f.fpu.Raw[:], r.take(len(f.fpu.Raw)))
			t.sigFPU = append(t.sigFPU, f)
		}
		s.threads = append(s.threads, t)
	}
	n = r.count(maxSnapPages, 9, "pages")
	for i := 0; i < n && r.err == nil; i++ {
		va, f := r.u64(), r.u8()
		s.pages = append(s.pages, snapPage{va: va, prot: hyper.Prot(f &^ pageFromExe), fromExe: f&pageFromExe != 0})
	}
	stored := 0
	for _, p := range s.pages {
		if !p.fromExe {
			stored++
		}
	}
	if r.err == nil && len(r.b) != stored*hyper.PageSize {
		r.fail("%d bytes of page data for %d pages", len(r.b), stored)
	}
	if r.err != nil {
		return nil, r.err
	}
	// Not copied: b is the sealed image's, which does not change.
	s.data = r.b
	if err := s.validate(); err != nil {
		return nil, err
	}
	x, err := hyper.ParseELF(exe)
	if err != nil {
		return nil, fmt.Errorf("%w: its executable: %w", ErrBadSnapshot, err)
	}
	s.exe = newExeImage(x)
	for _, p := range s.pages {
		if p.fromExe && !s.exe.covers(p.va) {
			return nil, fmt.Errorf("%w: page %#x is not the executable's", ErrBadSnapshot, p.va)
		}
	}
	return s, nil
}

// validate checks the values a restore relies on.
func (s *Snapshot) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadSnapshot}, a...)...)
	}
	aligned := func(v uint64) bool { return v%hyper.PageSize == 0 }
	switch {
	case s.cpus < 1 || s.cpus > 64:
		return bad("%d CPUs", s.cpus)
	case s.clock > clockFake:
		return bad("clock mode %d", s.clock)
	case s.mono < 0 || s.fakeTicks < 0 || s.outBytes < 0:
		return bad("negative clock or output count")
	case s.nextTID < 2 || s.nextTID > 1<<22 || s.total < len(s.threads):
		return bad("thread ids up to %d, %d threads in all", s.nextTID, s.total)
	case len(s.threads) == 0:
		return bad("no threads")
	case !userRange(s.brkStart, 0) || s.brkCur < s.brkStart || s.brkCur-s.brkStart > maxHeap ||
		!aligned(s.heapEnd) || s.heapEnd < s.brkCur || s.heapEnd-s.brkStart > maxHeap+hyper.PageSize:
		return bad("program break")
	}
	var prevEnd uint64
	for _, v := range s.vmas {
		if !aligned(v.start) || !aligned(v.end) || v.end <= v.start || !userRange(v.start, v.end-v.start) ||
			v.start < prevEnd || v.prot > hyper.ProtRead|hyper.ProtWrite|hyper.ProtExec || v.kind > vmaFile {
			return bad("mapping %#x-%#x", v.start, v.end)
		}
		prevEnd = v.end
	}
	for _, o := range s.objs {
		switch o.kind {
		case kindStdin, kindStdout, kindStderr, kindEventfd:
			if len(o.interest) > 0 {
				return bad("interests on a non-epoll file")
			}
		case kindEpoll:
			for _, in := range o.interest {
				if in.fd < 0 || in.fd >= maxFDs {
					return bad("epoll interest in descriptor %d", in.fd)
				}
			}
		default:
			return bad("file kind %d", o.kind)
		}
	}
	prevFD := int32(-1)
	for _, d := range s.fds {
		if d.fd <= prevFD || d.fd >= maxFDs || d.obj < 0 || d.obj >= len(s.objs) {
			return bad("descriptor %d", d.fd)
		}
		prevFD = d.fd
	}
	tids := map[int]bool{}
	for _, t := range s.threads {
		mxcsr := binary.LittleEndian.Uint32(t.fpu.Raw[kvm.FPUMXCSROffset:])
		for _, f := range t.sigFPU {
			mxcsr |= binary.LittleEndian.Uint32(f.fpu.Raw[kvm.FPUMXCSROffset:])
		}
		switch {
		case t.tid < 1 || t.tid >= s.nextTID || tids[t.tid]:
			return bad("thread id %d", t.tid)
		case t.regs.RIP < hyper.UserMin || t.regs.RIP >= hyper.UserMax:
			return bad("thread %d resumes at %#x, outside user space", t.tid, t.regs.RIP)
		case t.fsBase >= hyper.UserMax:
			return bad("thread %d FS base %#x", t.tid, t.fsBase)
		case mxcsr>>16 != 0:
			return bad("thread %d MXCSR %#x", t.tid, mxcsr)
		}
		tids[t.tid] = true
	}
	prevVA := uint64(0)
	for _, p := range s.pages {
		if !aligned(p.va) || p.va < hyper.UserMin || p.va >= hyper.UserMax || p.va <= prevVA ||
			p.prot > hyper.ProtRead|hyper.ProtWrite|hyper.ProtExec {
			return bad("page %#x", p.va)
		}
		prevVA = p.va
	}
	return nil
}
