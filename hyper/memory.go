//go:build linux && amd64

package hyper

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// ErrNoMemory is returned when guest-physical memory is exhausted.
var ErrNoMemory = errors.New("hyper: guest memory exhausted")

// Memory is guest-physical memory: one anonymous host mapping registered as
// KVM memory slot 0 at guest-physical address 0, and a page allocator over
// it. Host pages are only committed when touched, so a VM costs the host
// what its program uses, not its limit. It is safe for concurrent use.
type Memory struct {
	mem []byte

	mu sync.Mutex
	// next is the lowest never-allocated page; guarded by mu.
	next uint64
	// free holds released pages, reused first; guarded by mu.
	free []uint64
	// used counts allocated pages; guarded by mu.
	used uint64
	// sharedLo and sharedHi bound the pages mapped from a snapshot
	// (MapShared), which are not zero when dropped; guarded by mu.
	sharedLo, sharedHi uint64
}

// newMemory maps size bytes (rounded up to a page) of guest memory.
func newMemory(size uint64) (*Memory, error) {
	size = (size + PageSize - 1) &^ (PageSize - 1)
	if size < 64*PageSize {
		return nil, fmt.Errorf("guest memory of %d bytes is too small", size)
	}
	mem, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("mmap %d bytes of guest memory: %w", size, err)
	}
	return &Memory{mem: mem, next: PageSize}, nil
}

// Size returns the guest-physical memory size in bytes.
func (m *Memory) Size() uint64 { return uint64(len(m.mem)) }

// Used returns the bytes of guest-physical memory currently allocated.
func (m *Memory) Used() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used * PageSize
}

func (m *Memory) close() {
	if m.mem != nil {
		unix.Munmap(m.mem)
		m.mem = nil
	}
}

// AllocPage returns a zeroed page's guest-physical address.
func (m *Memory) AllocPage() (uint64, error) {
	m.mu.Lock()
	var pa uint64
	if n := len(m.free); n > 0 {
		// Freed pages were dropped with MADV_DONTNEED: they read as zero.
		pa = m.free[n-1]
		m.free = m.free[:n-1]
	} else if m.next+PageSize <= uint64(len(m.mem)) {
		pa = m.next
		m.next += PageSize
	} else {
		m.mu.Unlock()
		return 0, ErrNoMemory
	}
	m.used++
	m.mu.Unlock()
	return pa, nil
}

// HighWater returns the most guest-physical memory ever allocated (bytes),
// page tables and monitor pages included.
func (m *Memory) HighWater() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.next
}

// AllocPages returns n zeroed pages (all or none).
func (m *Memory) AllocPages(n int) ([]uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := uint64(max(0, n-len(m.free)))
	if m.next+fresh*PageSize > uint64(len(m.mem)) {
		return nil, ErrNoMemory
	}
	out := make([]uint64, 0, n)
	for len(out) < n && len(m.free) > 0 {
		out = append(out, m.free[len(m.free)-1])
		m.free = m.free[:len(m.free)-1]
	}
	for len(out) < n {
		out = append(out, m.next)
		m.next += PageSize
	}
	m.used += uint64(n)
	return out, nil
}

// Resident returns how many bytes of guest memory are backed by host
// pages right now (mincore), which is what the VM's memory costs the host.
func (m *Memory) Resident() uint64 {
	m.mu.Lock()
	n := m.next
	m.mu.Unlock()
	vec := make([]byte, n/PageSize)
	if err := mincore(m.mem[:n], vec); err != nil {
		return 0
	}
	var r uint64
	for _, v := range vec {
		r += uint64(v & 1)
	}
	return r * PageSize
}

// FreePage returns a page to the allocator. Its host page is dropped
// (MADV_DONTNEED), which both gives the memory back to the host and, through
// KVM's MMU notifier, removes every cached guest translation to it on every
// vCPU: this is the TLB shootdown for unmapped pages.
func (m *Memory) FreePage(pa uint64) {
	m.mu.Lock()
	shared := pa >= m.sharedLo && pa < m.sharedHi
	m.mu.Unlock()
	if shared {
		// MADV_DONTNEED on a private file mapping would bring back the
		// snapshot's bytes: map a fresh zero page over it instead (which
		// reaches KVM's MMU notifier just the same).
		if err := mapFixed(m.mem, pa, PageSize, -1, 0); err != nil {
			clear(m.mem[pa : pa+PageSize])
		}
	} else if err := unix.Madvise(m.mem[pa:pa+PageSize], unix.MADV_DONTNEED); err != nil {
		// Cannot happen for a private anonymous mapping; clear by hand so
		// the page is still zero when reused.
		clear(m.mem[pa : pa+PageSize])
	}
	m.mu.Lock()
	m.free = append(m.free, pa)
	m.used--
	m.mu.Unlock()
}

// Invalidate removes every cached guest translation to the page at pa
// while keeping its contents: the host page is briefly made read-only,
// which KVM's MMU notifier turns into a VM-wide zap of the translations to
// it. The monitor calls it after restricting a mapping (mprotect); the next
// guest access walks the new page tables.
func (m *Memory) Invalidate(pa uint64) error {
	p := m.mem[pa&^(PageSize-1):][:PageSize]
	if err := unix.Mprotect(p, unix.PROT_READ); err != nil {
		return fmt.Errorf("invalidate page %#x: %w", pa, err)
	}
	if err := unix.Mprotect(p, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		return fmt.Errorf("invalidate page %#x: %w", pa, err)
	}
	return nil
}

// Page returns the host view of the page at guest-physical pa.
func (m *Memory) Page(pa uint64) []byte {
	pa &^= PageSize - 1
	if pa+PageSize > uint64(len(m.mem)) {
		return nil
	}
	return m.mem[pa : pa+PageSize : pa+PageSize]
}
