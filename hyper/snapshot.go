//go:build linux && amd64

package hyper

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// SharedPages is guest page data held once in the host (a sealed memfd)
// and mapped copy-on-write into any number of machines (Memory.MapShared):
// the pages a restored program only reads stay shared between all of its
// VMs, and a page one VM writes is copied for that VM alone. It is what a
// pre-initialised program's snapshot restores from. It is safe for
// concurrent use.
type SharedPages struct {
	size uint64

	mu sync.Mutex
	// f is the memfd, nil once closed; guarded by mu.
	f *os.File
}

// NewSharedPages copies data, a whole number of pages, into a new sealed
// memfd.
func NewSharedPages(data []byte) (*SharedPages, error) {
	if len(data)%PageSize != 0 {
		return nil, fmt.Errorf("hyper: shared pages of %d bytes are not whole pages", len(data))
	}
	return NewSharedPagesOf([][]byte{data})
}

// maxIOV is how many buffers one pwritev(2) takes (UIO_MAXIOV).
const maxIOV = 1024

// NewSharedPagesOf is NewSharedPages of the concatenation of parts, each
// a whole number of pages, written into the memfd straight from where
// they are (pwritev), without assembling them first.
func NewSharedPagesOf(parts [][]byte) (*SharedPages, error) {
	size := 0
	for _, p := range parts {
		if len(p)%PageSize != 0 {
			return nil, fmt.Errorf("hyper: shared pages of %d bytes are not whole pages", len(p))
		}
		size += len(p)
	}
	fd, err := unix.MemfdCreate("nexus-snapshot", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("hyper: memfd for shared pages: %w", err)
	}
	f := os.NewFile(uintptr(fd), "nexus-snapshot")
	if err := writeAllv(fd, parts); err != nil {
		f.Close()
		return nil, fmt.Errorf("hyper: fill shared pages: %w", err)
	}
	// Sealed: nobody, this process included, can change the pages that
	// every restored VM shares.
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE|unix.F_SEAL_SEAL); err != nil {
		f.Close()
		return nil, fmt.Errorf("hyper: seal shared pages: %w", err)
	}
	return &SharedPages{size: uint64(size), f: f}, nil
}

// writeAllv writes parts one after the other from offset 0 of fd.
func writeAllv(fd int, parts [][]byte) error {
	parts = slices.DeleteFunc(slices.Clone(parts), func(p []byte) bool { return len(p) == 0 })
	var off int64
	for len(parts) > 0 {
		batch := parts[:min(len(parts), maxIOV)]
		n, err := unix.Pwritev(fd, batch, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("short write")
		}
		off += int64(n)
		// Drop what was written, which may end inside a part.
		for n > 0 && len(parts) > 0 {
			if n >= len(parts[0]) {
				n -= len(parts[0])
				parts = parts[1:]
				continue
			}
			parts = append([][]byte{parts[0][n:]}, parts[1:]...)
			n = 0
		}
	}
	return nil
}

// Size returns the bytes held.
func (s *SharedPages) Size() uint64 { return s.size }

// Close releases the memfd; machines that mapped it keep their mappings.
func (s *SharedPages) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// ErrSharedClosed is returned by MapShared after SharedPages.Close.
var ErrSharedClosed = errors.New("hyper: shared pages closed")

// MapShared allocates s.Size() bytes of consecutive guest-physical pages
// and maps s over them copy-on-write. It returns the first page's
// guest-physical address; page i of s is at pa + i*PageSize. A machine
// maps at most one SharedPages.
func (m *Memory) MapShared(s *SharedPages) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return 0, ErrSharedClosed
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sharedHi != 0 {
		return 0, errors.New("hyper: machine already maps shared pages")
	}
	pa := m.next
	if pa+s.size > uint64(len(m.mem)) {
		return 0, ErrNoMemory
	}
	if err := mapFixed(m.mem, pa, s.size, int(s.f.Fd()), 0); err != nil {
		return 0, fmt.Errorf("hyper: map shared pages: %w", err)
	}
	m.next += s.size
	m.used += s.size / PageSize
	m.sharedLo, m.sharedHi = pa, pa+s.size
	return pa, nil
}

// hugePage is the size of a transparent huge page on x86-64.
const hugePage = 2 << 20

// CopyIn allocates consecutive guest-physical pages for parts (each a
// whole number of pages, laid out one after the other), copies them in
// and returns the first page's guest-physical address. Unlike MapShared
// the pages are this machine's alone: it is how a snapshot restored once
// (`nexus run`) is restored, skipping the memfd that sharing needs. When
// the pages fill a good part of a huge page, they start on a huge-page
// boundary and the range is advised MADV_HUGEPAGE, so the host backs it
// with a few huge pages instead of faulting once per page (where the host
// has transparent huge pages for madvised ranges); pages skipped to reach
// the boundary go to the free list.
func (m *Memory) CopyIn(parts [][]byte) (uint64, error) {
	var size uint64
	for _, p := range parts {
		if len(p)%PageSize != 0 {
			return 0, fmt.Errorf("hyper: copy-in of %d bytes is not whole pages", len(p))
		}
		size += uint64(len(p))
	}
	m.mu.Lock()
	base := m.hostBase()
	pa := m.next
	var skipped []uint64
	if size >= hugePage/4 {
		aligned := (base+pa+hugePage-1)&^(hugePage-1) - base
		if aligned+size <= uint64(len(m.mem)) {
			for q := pa; q < aligned; q += PageSize {
				skipped = append(skipped, q)
			}
			pa = aligned
		}
	}
	if pa+size > uint64(len(m.mem)) {
		m.mu.Unlock()
		return 0, ErrNoMemory
	}
	m.next = pa + size
	m.used += size / PageSize
	m.free = append(m.free, skipped...)
	m.mu.Unlock()
	if size >= hugePage/4 {
		end := min(uint64(len(m.mem)), (base+pa+size+hugePage-1)&^(hugePage-1)-base)
		// Advice only: without transparent huge pages the copy below
		// faults page by page, as it would anyway.
		_ = unix.Madvise(m.mem[pa:end], unix.MADV_HUGEPAGE)
	}
	off := pa
	for _, p := range parts {
		off += uint64(copy(m.mem[off:], p))
	}
	return pa, nil
}
