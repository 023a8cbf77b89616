//go:build linux && amd64

package hyper

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// ErrFault is returned when a guest address range is not mapped with the
// needed access; the library OS turns it into EFAULT.
var ErrFault = errors.New("hyper: bad guest address")

// FaultFunc is asked to make the page holding va present (demand paging).
// It returns ErrFault when va is not part of any mapping that allows the
// access.
type FaultFunc func(va uint64, write bool) error

// AddressSpace is the guest's 4-level page table, built and changed only by
// the monitor (the guest cannot see its own page tables: they are not
// mapped in guest-virtual space). It is safe for concurrent use.
//
// # TLB shootdown
//
// KVM caches translations (shadow page tables under kvm-pvm, TLB entries
// under VMX) and does not notice the monitor's writes to the guest's page
// tables, and neither a CR3 reload by KVM_SET_SREGS nor an unchanged-CR3
// reload drops them (TestTLBFlush shows it). Adding a mapping needs nothing:
// a missing translation makes KVM walk the tables again. Removing or
// restricting one must drop the old translation on every vCPU, which the
// monitor does through the host: UnmapPage leaves the page to be passed to
// Memory.FreePage (MADV_DONTNEED) and ProtectPage calls Memory.Invalidate;
// both reach KVM's MMU notifier, which zaps the translations VM-wide before
// the system call returns to the guest.
type AddressSpace struct {
	mem *Memory

	// Fault, when set, populates pages on demand for CopyIn/CopyOut and for
	// guest page faults.
	Fault FaultFunc

	mu sync.Mutex
	// pml4 is the guest-physical address of the top table; guarded by mu.
	pml4 uint64
	// tables counts page-table pages; guarded by mu.
	tables int
}

func newAddressSpace(mem *Memory) (*AddressSpace, error) {
	pa, err := mem.AllocPage()
	if err != nil {
		return nil, err
	}
	return &AddressSpace{mem: mem, pml4: pa, tables: 1}, nil
}

// CR3 returns the top table's guest-physical address.
func (as *AddressSpace) CR3() uint64 { return as.pml4 }

func canonical(va uint64) bool {
	top := va >> 47
	return top == 0 || top == 0x1ffff
}

// walk returns the page and index of va's leaf entry, allocating missing
// tables when alloc is set.
//
// Preconditions: as.mu is held.
func (as *AddressSpace) walk(va uint64, alloc bool) ([]byte, int, error) {
	if !canonical(va) {
		return nil, 0, fmt.Errorf("%w: %#x is not canonical", ErrFault, va)
	}
	table := as.pml4
	le := binary.LittleEndian
	for level := 3; level > 0; level-- {
		p := as.mem.Page(table)
		i := int(va>>(pageShift+9*level)) & 511
		e := le.Uint64(p[i*8:])
		if e&pteP == 0 {
			if !alloc {
				return nil, 0, ErrFault
			}
			pa, err := as.mem.AllocPage()
			if err != nil {
				return nil, 0, err
			}
			as.tables++
			// Intermediate entries allow everything; the leaf decides.
			e = pa | pteP | pteRW | pteUS
			le.PutUint64(p[i*8:], e)
		}
		table = e & pteMsk
	}
	return as.mem.Page(table), int(va>>pageShift) & 511, nil
}

// pteFor builds a leaf entry. A user page with ProtNone stays present (its
// contents are kept) but becomes supervisor-only, so any guest access
// faults.
func pteFor(pa uint64, prot Prot, user bool) uint64 {
	e := pa&pteMsk | pteP | pteA | pteAvlUser
	if prot&ProtWrite != 0 {
		e |= pteRW | pteD
	}
	if user && prot != ProtNone {
		e |= pteUS
	}
	if !user {
		e &^= pteAvlUser
	}
	if prot&ProtExec == 0 {
		e |= pteNX
	}
	return e
}

func protOf(e uint64) Prot {
	if e&pteAvlUser != 0 && e&pteUS == 0 {
		return ProtNone
	}
	p := ProtRead
	if e&pteRW != 0 {
		p |= ProtWrite
	}
	if e&pteNX == 0 {
		p |= ProtExec
	}
	return p
}

// MapPage maps the page at va, which must not be mapped, to guest-physical
// pa with prot, accessible from CPL 3 when user is set.
func (as *AddressSpace) MapPage(va, pa uint64, prot Prot, user bool) error {
	if va&(PageSize-1) != 0 || pa&(PageSize-1) != 0 {
		return fmt.Errorf("map %#x -> %#x: not page aligned", va, pa)
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	p, i, err := as.walk(va, true)
	if err != nil {
		return fmt.Errorf("map %#x: %w", va, err)
	}
	if old := binary.LittleEndian.Uint64(p[i*8:]); old&pteP != 0 {
		return fmt.Errorf("map %#x: already mapped", va)
	}
	binary.LittleEndian.PutUint64(p[i*8:], pteFor(pa, prot, user))
	return nil
}

// MapPages maps consecutive pages from va to the given guest-physical
// pages, none of which may be mapped yet, under one lock.
func (as *AddressSpace) MapPages(va uint64, pas []uint64, prot Prot, user bool) error {
	as.mu.Lock()
	defer as.mu.Unlock()
	var p []byte
	var i int
	for k, pa := range pas {
		v := va + uint64(k)*PageSize
		if p == nil || i == 511 {
			var err error
			if p, i, err = as.walk(v, true); err != nil {
				return fmt.Errorf("map %#x: %w", v, err)
			}
		} else {
			i++
		}
		if binary.LittleEndian.Uint64(p[i*8:])&pteP != 0 {
			return fmt.Errorf("map %#x: already mapped", v)
		}
		binary.LittleEndian.PutUint64(p[i*8:], pteFor(pa, prot, user))
	}
	return nil
}

// UnmapPage removes va's mapping and returns the page it pointed to. The
// guest may still reach that page through a cached translation until it is
// given to Memory.FreePage or Memory.Invalidate, which the caller must do
// before the guest runs again.
func (as *AddressSpace) UnmapPage(va uint64) (pa uint64, ok bool) {
	as.mu.Lock()
	defer as.mu.Unlock()
	p, i, err := as.walk(va, false)
	if err != nil {
		return 0, false
	}
	e := binary.LittleEndian.Uint64(p[i*8:])
	if e&pteP == 0 {
		return 0, false
	}
	binary.LittleEndian.PutUint64(p[i*8:], 0)
	return e & pteMsk, true
}

// ProtectPage changes the protection of a present page; it reports whether
// va was present. Restrictions take effect on every vCPU at once.
func (as *AddressSpace) ProtectPage(va uint64, prot Prot) bool {
	as.mu.Lock()
	defer as.mu.Unlock()
	p, i, err := as.walk(va, false)
	if err != nil {
		return false
	}
	e := binary.LittleEndian.Uint64(p[i*8:])
	if e&pteP == 0 {
		return false
	}
	n := pteFor(e&pteMsk, prot, e&pteAvlUser != 0)
	binary.LittleEndian.PutUint64(p[i*8:], n)
	if n != e {
		as.mem.Invalidate(e & pteMsk)
	}
	return true
}

// Lookup translates va; ok is false when it is not present.
func (as *AddressSpace) Lookup(va uint64) (pa uint64, prot Prot, user, ok bool) {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.lookup(va)
}

// Preconditions: as.mu is held.
func (as *AddressSpace) lookup(va uint64) (pa uint64, prot Prot, user, ok bool) {
	p, i, err := as.walk(va, false)
	if err != nil {
		return 0, 0, false, false
	}
	e := binary.LittleEndian.Uint64(p[i*8:])
	if e&pteP == 0 {
		return 0, 0, false, false
	}
	return e&pteMsk | va&(PageSize-1), protOf(e), e&pteUS != 0, true
}

// userPage returns the host view of the rest of the user page holding va,
// populating it through Fault if needed, or ErrFault.
func (as *AddressSpace) userPage(va uint64, write bool) ([]byte, error) {
	if va < UserMin || va >= UserMax {
		return nil, fmt.Errorf("%w: %#x outside user space", ErrFault, va)
	}
	for try := 0; ; try++ {
		pa, prot, user, ok := as.Lookup(va)
		if ok {
			if user && (!write || prot&ProtWrite != 0) {
				pg := as.mem.Page(pa)
				return pg[pa&(PageSize-1):], nil
			}
			break
		}
		if as.Fault == nil || try > 0 {
			break
		}
		if err := as.Fault(va, write); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: %#x not mapped for %s", ErrFault, va, map[bool]string{false: "read", true: "write"}[write])
}

// CopyIn reads len(dst) bytes of guest memory at va.
func (as *AddressSpace) CopyIn(va uint64, dst []byte) error {
	for len(dst) > 0 {
		p, err := as.userPage(va, false)
		if err != nil {
			return err
		}
		n := copy(dst, p)
		dst, va = dst[n:], va+uint64(n)
	}
	return nil
}

// CopyOut writes src to guest memory at va.
func (as *AddressSpace) CopyOut(va uint64, src []byte) error {
	for len(src) > 0 {
		p, err := as.userPage(va, true)
		if err != nil {
			return err
		}
		n := copy(p, src)
		src, va = src[n:], va+uint64(n)
	}
	return nil
}

// Zero writes n zero bytes at va.
func (as *AddressSpace) Zero(va, n uint64) error {
	for n > 0 {
		p, err := as.userPage(va, true)
		if err != nil {
			return err
		}
		k := min(uint64(len(p)), n)
		clear(p[:k])
		n, va = n-k, va+k
	}
	return nil
}

// ReadString reads a NUL-terminated string of at most max bytes at va.
func (as *AddressSpace) ReadString(va uint64, max int) (string, error) {
	var out []byte
	for len(out) <= max {
		p, err := as.userPage(va, false)
		if err != nil {
			return "", err
		}
		for i, c := range p {
			if c == 0 {
				return string(append(out, p[:i]...)), nil
			}
			if len(out)+i >= max {
				break
			}
		}
		out = append(out, p...)
		va += uint64(len(p))
	}
	return "", fmt.Errorf("string at %#x longer than %d bytes", va, max)
}

// Uint32 returns a host view of the aligned guest word at va for atomic
// access (futexes), or ErrFault.
func (as *AddressSpace) word(va uint64, write bool) ([]byte, error) {
	if va&3 != 0 {
		return nil, fmt.Errorf("%w: %#x not 4-byte aligned", ErrFault, va)
	}
	p, err := as.userPage(va, write)
	if err != nil {
		return nil, err
	}
	return p[:4], nil
}

// ForEachPresent calls fn for every present page in [start, end), in
// address order, skipping absent tables quickly (sparse ranges of
// terabytes cost only their populated parts). fn must not change the page
// tables; collect and change afterwards.
func (as *AddressSpace) ForEachPresent(start, end uint64, fn func(va, pa uint64)) {
	as.mu.Lock()
	defer as.mu.Unlock()
	le := binary.LittleEndian
	var walk func(table uint64, level int, base uint64)
	walk = func(table uint64, level int, base uint64) {
		span := uint64(1) << (pageShift + 9*level)
		p := as.mem.Page(table)
		for i := 0; i < 512; i++ {
			lo := base + uint64(i)*span
			if level == 3 && i >= 256 {
				return // the upper half is the monitor's
			}
			hi := lo + span
			if hi <= start || lo >= end {
				continue
			}
			e := le.Uint64(p[i*8:])
			if e&pteP == 0 {
				continue
			}
			if level == 0 {
				if e&pteAvlUser != 0 {
					fn(lo, e&pteMsk)
				}
				continue
			}
			walk(e&pteMsk, level-1, lo)
		}
	}
	walk(as.pml4, 3, 0)
}

// Poke writes src at va for the monitor (loading read-only segments):
// the pages must be user pages, but need not be writable.
func (as *AddressSpace) Poke(va uint64, src []byte) error {
	for len(src) > 0 {
		as.mu.Lock()
		pa, _, _, ok := as.lookup(va)
		as.mu.Unlock()
		if !ok || va < UserMin || va >= UserMax {
			return fmt.Errorf("%w: poke %#x", ErrFault, va)
		}
		n := copy(as.mem.Page(pa)[pa&(PageSize-1):], src)
		src, va = src[n:], va+uint64(n)
	}
	return nil
}
