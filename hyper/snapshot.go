//go:build linux && amd64

package hyper

import (
	"errors"
	"fmt"
	"os"
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
	fd, err := unix.MemfdCreate("nexus-snapshot", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("hyper: memfd for shared pages: %w", err)
	}
	f := os.NewFile(uintptr(fd), "nexus-snapshot")
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("hyper: fill shared pages: %w", err)
	}
	// Sealed: nobody, this process included, can change the pages that
	// every restored VM shares.
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE|unix.F_SEAL_SEAL); err != nil {
		f.Close()
		return nil, fmt.Errorf("hyper: seal shared pages: %w", err)
	}
	return &SharedPages{size: uint64(len(data)), f: f}, nil
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
