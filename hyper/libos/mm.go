//go:build linux && amd64

package libos

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"golang.org/x/sys/unix"

	"nexusos/hyper"
)

// vmaKind says where a mapping came from.
type vmaKind uint8

const (
	vmaAnon vmaKind = iota
	vmaImage
	vmaStack
	vmaHeap
	vmaFile
)

// vma is one mapping: [start, end) with one protection.
type vma struct {
	start, end uint64
	prot       hyper.Prot
	kind       vmaKind
}

// Memory layout limits.
const (
	// mmapTop is where top-down mmap placement starts (below the stack).
	mmapTop = 0x7f00_0000_0000
	// maxHeap bounds brk growth.
	maxHeap = 4 << 30
	// maxVMAs bounds the number of mappings (ENOMEM beyond).
	maxVMAs = 1 << 16
	// faultCluster is how much is populated around a faulting page: the
	// guest takes fewer exits for the cost of a little memory.
	faultCluster = 16 * hyper.PageSize
)

// memoryManager is the program's address space: mappings (which may be
// reserved far beyond guest memory, as Go's runtime does) and the pages
// behind them, allocated on first touch. It is safe for concurrent use.
type memoryManager struct {
	m  *hyper.Machine
	as *hyper.AddressSpace

	mu sync.Mutex
	// vmas are sorted by start and do not overlap; guarded by mu.
	vmas []vma
	// brkStart is the heap's start, brkCur the program break, heapEnd the
	// page-aligned end of the heap mapping; guarded by mu.
	brkStart, brkCur, heapEnd uint64
}

func newMemoryManager(m *hyper.Machine) *memoryManager {
	return &memoryManager{m: m, as: m.AS}
}

func pageUp(v uint64) uint64   { return (v + hyper.PageSize - 1) &^ (hyper.PageSize - 1) }
func pageDown(v uint64) uint64 { return v &^ (hyper.PageSize - 1) }

// userRange checks [start, start+size) lies in user space.
func userRange(start, size uint64) bool {
	return start >= hyper.UserMin && size <= hyper.UserMax && start <= hyper.UserMax-size
}

// find returns the index of the mapping holding va, or -1.
//
// Preconditions: mm.mu is held.
func (mm *memoryManager) find(va uint64) int {
	i := sort.Search(len(mm.vmas), func(i int) bool { return mm.vmas[i].end > va })
	if i < len(mm.vmas) && mm.vmas[i].start <= va {
		return i
	}
	return -1
}

// overlaps reports whether any mapping intersects [start, end).
//
// Preconditions: mm.mu is held.
func (mm *memoryManager) overlaps(start, end uint64) bool {
	i := sort.Search(len(mm.vmas), func(i int) bool { return mm.vmas[i].end > start })
	return i < len(mm.vmas) && mm.vmas[i].start < end
}

// carve removes [start, end) from the mappings, splitting those that
// straddle it. It does not touch pages.
//
// Preconditions: mm.mu is held.
func (mm *memoryManager) carve(start, end uint64) {
	out := mm.vmas[:0:0]
	for _, v := range mm.vmas {
		if v.end <= start || v.start >= end {
			out = append(out, v)
			continue
		}
		if v.start < start {
			l := v
			l.end = start
			out = append(out, l)
		}
		if v.end > end {
			r := v
			r.start = end
			out = append(out, r)
		}
	}
	mm.vmas = out
}

// insert adds a mapping over a free range.
//
// Preconditions: mm.mu is held; [v.start, v.end) is free.
func (mm *memoryManager) insert(v vma) error {
	if len(mm.vmas) >= maxVMAs {
		return hyper.ErrNoMemory
	}
	i := sort.Search(len(mm.vmas), func(i int) bool { return mm.vmas[i].start >= v.end })
	mm.vmas = append(mm.vmas, vma{})
	copy(mm.vmas[i+1:], mm.vmas[i:])
	mm.vmas[i] = v
	return nil
}

// dropPages unmaps and frees every present page in [start, end).
//
// Preconditions: mm.mu is held.
func (mm *memoryManager) dropPages(start, end uint64) {
	var pages []uint64
	mm.as.ForEachPresent(start, end, func(va, pa uint64) { pages = append(pages, va) })
	for _, va := range pages {
		if pa, ok := mm.as.UnmapPage(va); ok {
			mm.m.Mem.FreePage(pa)
		}
	}
}

// setRange replaces whatever is mapped in [start, end) with a new mapping.
//
// Preconditions: mm.mu is held.
func (mm *memoryManager) setRange(start, end uint64, prot hyper.Prot, kind vmaKind) error {
	mm.carve(start, end)
	mm.dropPages(start, end)
	return mm.insert(vma{start: start, end: end, prot: prot, kind: kind})
}

// mapFixed maps [start, start+size) fresh (zero-filled on demand).
func (mm *memoryManager) mapFixed(start, size uint64, prot hyper.Prot, kind vmaKind) error {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return mm.setRange(start, start+size, prot, kind)
}

// populate makes every page of [start, end) present.
//
// Preconditions: mm.mu is held; the range is mapped with prot.
func (mm *memoryManager) populate(start, end uint64, prot hyper.Prot) error {
	for va := start; va < end; {
		if _, _, _, ok := mm.as.Lookup(va); ok {
			va += hyper.PageSize
			continue
		}
		// A run of missing pages: allocate and map it in one go.
		run := va + hyper.PageSize
		for run < end {
			if _, _, _, ok := mm.as.Lookup(run); ok {
				break
			}
			run += hyper.PageSize
		}
		pas, err := mm.m.Mem.AllocPages(int((run - va) / hyper.PageSize))
		if err != nil {
			return err
		}
		if err := mm.as.MapPages(va, pas, prot, true); err != nil {
			for _, pa := range pas {
				mm.m.Mem.FreePage(pa)
			}
			return err
		}
		va = run
	}
	return nil
}

// load maps and fills the executable's segments. Segments that share a
// page get the union of their protections on it.
func (mm *memoryManager) load(x *hyper.Executable) error {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	segs := append([]hyper.Segment(nil), x.Segments...)
	sort.Slice(segs, func(i, j int) bool { return segs[i].VA < segs[j].VA })
	var prevEnd uint64
	for _, s := range segs {
		start, end := s.VA, s.VA+s.Size
		if start < prevEnd {
			// Shared page(s) with the previous segment.
			shared := min(prevEnd, end)
			i := mm.find(start)
			prot := s.Prot
			if i >= 0 {
				prot |= mm.vmas[i].prot
			}
			mm.carve(start, shared)
			if err := mm.insert(vma{start: start, end: shared, prot: prot, kind: vmaImage}); err != nil {
				return err
			}
			for va := start; va < shared; va += hyper.PageSize {
				mm.as.ProtectPage(va, prot)
			}
			start = shared
		}
		if start < end {
			if err := mm.setRange(start, end, s.Prot, vmaImage); err != nil {
				return err
			}
		}
		if err := mm.populate(s.VA, s.VA+s.Size, s.Prot); err != nil {
			return fmt.Errorf("segment at %#x: %w", s.VA, err)
		}
		if err := mm.as.Poke(s.FileVA, s.FileData); err != nil {
			return fmt.Errorf("segment at %#x: %w", s.VA, err)
		}
		prevEnd = max(prevEnd, s.VA+s.Size)
	}
	mm.brkStart, mm.brkCur, mm.heapEnd = x.End, x.End, x.End
	return nil
}

// fault makes the page at va present if a mapping allows the access
// (hyper.FaultFunc). It populates a small cluster around va.
func (mm *memoryManager) fault(va uint64, write bool) error {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	i := mm.find(va)
	if i < 0 {
		return fmt.Errorf("%w: %#x is not mapped", hyper.ErrFault, va)
	}
	v := mm.vmas[i]
	if v.prot == hyper.ProtNone || write && v.prot&hyper.ProtWrite == 0 {
		return fmt.Errorf("%w: %#x is mapped without that access", hyper.ErrFault, va)
	}
	start := max(v.start, va&^(faultCluster-1))
	end := min(v.end, (va&^(faultCluster-1))+faultCluster)
	if v.kind == vmaStack {
		// Stacks grow down: populate below the fault, not above it.
		start = max(v.start, pageDown(va)-faultCluster+hyper.PageSize)
		end = pageDown(va) + hyper.PageSize
	}
	// The faulting page first, so a full memory fails for it and not for
	// a neighbour.
	if err := mm.populate(pageDown(va), pageDown(va)+hyper.PageSize, v.prot); err != nil {
		return err
	}
	if err := mm.populate(start, end, v.prot); err != nil && !errors.Is(err, hyper.ErrNoMemory) {
		return err
	}
	return nil
}

// findFree returns the highest free range of size bytes below mmapTop.
//
// Preconditions: mm.mu is held.
func (mm *memoryManager) findFree(size uint64) (uint64, bool) {
	top := uint64(mmapTop)
	for i := len(mm.vmas) - 1; i >= -1; i-- {
		var lo uint64 = hyper.UserMin
		if i >= 0 {
			v := mm.vmas[i]
			if v.start >= top {
				continue
			}
			lo = max(v.end, hyper.UserMin)
		}
		if top >= lo && top-lo >= size {
			return top - size, true
		}
		if i >= 0 {
			top = mm.vmas[i].start
		}
	}
	return 0, false
}

// mmap flags from <linux/mman.h>.
const (
	mapShared         = 0x01
	mapPrivate        = 0x02
	mapSharedValidate = 0x03
	mapFixed          = 0x10
	mapAnonymous      = 0x20
	mapPopulate       = 0x8000
	mapFixedNoreplace = 0x100000
)

func toProt(prot int) (hyper.Prot, bool) {
	if prot&^(unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC) != 0 {
		return 0, false
	}
	var p hyper.Prot
	if prot&unix.PROT_READ != 0 {
		p |= hyper.ProtRead
	}
	if prot&unix.PROT_WRITE != 0 {
		p |= hyper.ProtWrite | hyper.ProtRead
	}
	if prot&unix.PROT_EXEC != 0 {
		p |= hyper.ProtExec | hyper.ProtRead
	}
	return p, true
}

func (p *Process) mmap(addr, length uint64, protBits, flags int, fd int32, off uint64) uint64 {
	mm := p.mm
	prot, ok := toProt(protBits)
	if !ok || length == 0 || flags&0xf == 0 || flags&0xf > mapSharedValidate {
		return errno(unix.EINVAL)
	}
	if length > hyper.UserMax {
		return errno(unix.ENOMEM)
	}
	size := pageUp(length)
	var file *openFile
	if flags&mapAnonymous == 0 {
		file = p.files.get(fd)
		if file == nil {
			return errno(unix.EBADF)
		}
		if file.kind != kindFile && file.kind != kindTmpFile {
			return errno(unix.EACCES)
		}
		if off%hyper.PageSize != 0 || off > 1<<62 {
			return errno(unix.EINVAL)
		}
		if flags&0xf != mapPrivate && prot&hyper.ProtWrite != 0 {
			return errno(unix.EACCES) // the file tree is read-only
		}
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	var start uint64
	switch {
	case flags&(mapFixed|mapFixedNoreplace) != 0:
		if addr%hyper.PageSize != 0 || !userRange(addr, size) {
			return errno(unix.EINVAL)
		}
		if flags&mapFixedNoreplace != 0 && flags&mapFixed == 0 && mm.overlaps(addr, addr+size) {
			return errno(unix.EEXIST)
		}
		start = addr
	case addr != 0 && userRange(pageDown(addr), size) && !mm.overlaps(pageDown(addr), pageDown(addr)+size):
		start = pageDown(addr)
	default:
		var ok bool
		if start, ok = mm.findFree(size); !ok {
			return errno(unix.ENOMEM)
		}
	}
	kind := vmaAnon
	if file != nil {
		kind = vmaFile
	}
	if err := mm.setRange(start, start+size, prot, kind); err != nil {
		return fault(err)
	}
	if file != nil {
		if err := mm.populate(start, start+size, prot); err != nil {
			return fault(err)
		}
		data := file.bytesAt(int64(off), int64(size))
		if err := mm.as.Poke(start, data); err != nil {
			return fault(err)
		}
	} else if flags&mapPopulate != 0 && prot != hyper.ProtNone {
		if err := mm.populate(start, start+size, prot); err != nil {
			return fault(err)
		}
	}
	return start
}

func (mm *memoryManager) munmap(addr, length uint64) uint64 {
	if addr%hyper.PageSize != 0 || length == 0 || !userRange(addr, pageUp(length)) {
		return errno(unix.EINVAL)
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	end := addr + pageUp(length)
	mm.carve(addr, end)
	mm.dropPages(addr, end)
	return 0
}

func (mm *memoryManager) mprotect(addr, length uint64, protBits int) uint64 {
	prot, ok := toProt(protBits)
	if !ok || addr%hyper.PageSize != 0 {
		return errno(unix.EINVAL)
	}
	if length == 0 {
		return 0
	}
	if !userRange(addr, pageUp(length)) {
		return errno(unix.ENOMEM)
	}
	end := addr + pageUp(length)
	mm.mu.Lock()
	defer mm.mu.Unlock()
	// The whole range must be mapped.
	for va := addr; va < end; {
		i := mm.find(va)
		if i < 0 {
			return errno(unix.ENOMEM)
		}
		va = mm.vmas[i].end
	}
	var parts []vma
	for _, v := range mm.vmas {
		if v.end > addr && v.start < end {
			parts = append(parts, vma{start: max(v.start, addr), end: min(v.end, end), prot: prot, kind: v.kind})
		}
	}
	mm.carve(addr, end)
	for _, v := range parts {
		mm.insert(v)
	}
	var pages []uint64
	mm.as.ForEachPresent(addr, end, func(va, pa uint64) { pages = append(pages, va) })
	for _, va := range pages {
		mm.as.ProtectPage(va, prot)
	}
	return 0
}

func (mm *memoryManager) madvise(addr, length uint64, advice int) uint64 {
	if addr%hyper.PageSize != 0 {
		return errno(unix.EINVAL)
	}
	switch advice {
	case unix.MADV_DONTNEED, unix.MADV_FREE, unix.MADV_REMOVE:
	default:
		return 0
	}
	if length == 0 {
		return 0
	}
	if !userRange(addr, pageUp(length)) {
		return errno(unix.EINVAL)
	}
	end := addr + pageUp(length)
	mm.mu.Lock()
	defer mm.mu.Unlock()
	for _, v := range mm.vmas {
		if v.end > addr && v.start < end && (v.kind == vmaAnon || v.kind == vmaHeap || v.kind == vmaStack) {
			mm.dropPages(max(v.start, addr), min(v.end, end))
		}
	}
	return 0
}

func (mm *memoryManager) brk(addr uint64) uint64 {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if addr < mm.brkStart || addr > mm.brkStart+maxHeap {
		return mm.brkCur
	}
	end := pageUp(addr)
	switch {
	case end > mm.heapEnd:
		if mm.overlaps(mm.heapEnd, end) {
			return mm.brkCur
		}
		if i := mm.find(mm.heapEnd - 1); i >= 0 && mm.vmas[i].kind == vmaHeap && mm.vmas[i].end == mm.heapEnd {
			mm.vmas[i].end = end
		} else if err := mm.insert(vma{start: mm.heapEnd, end: end, prot: hyper.ProtRead | hyper.ProtWrite, kind: vmaHeap}); err != nil {
			return mm.brkCur
		}
	case end < mm.heapEnd:
		mm.carve(end, mm.heapEnd)
		mm.dropPages(end, mm.heapEnd)
	}
	mm.heapEnd = end
	mm.brkCur = addr
	return addr
}

// peak returns the high-water mark of guest memory use.
func (mm *memoryManager) peak() uint64 { return mm.m.Mem.HighWater() }
