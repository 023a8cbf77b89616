package wasm

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// snapshotImage holds a memory snapshot in a sealed memfd that every
// restored instance maps copy-on-write: the snapshot is in memory once,
// and an instance owns only the pages it writes.
type snapshotImage struct {
	fd   int
	size int
}

func newSnapshotImage(mem []byte) (*snapshotImage, error) {
	fd, err := unix.MemfdCreate("nexus-snapshot", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("wasm: memfd_create: %w", err)
	}
	for off := 0; off < len(mem); {
		n, err := unix.Write(fd, mem[off:])
		if err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("wasm: write snapshot: %w", err)
		}
		off += n
	}
	// Nothing may change the snapshot under the instances mapping it.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE|unix.F_SEAL_SEAL); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("wasm: seal snapshot: %w", err)
	}
	return &snapshotImage{fd: fd, size: len(mem)}, nil
}

// newMemory reserves reserve bytes (at least the snapshot's size) and maps
// the snapshot over their start, copy-on-write.
func (s *snapshotImage) newMemory(reserve uint64) (*limitedMemory, error) {
	if reserve < uint64(s.size) {
		reserve = uint64(s.size)
	}
	b, err := unix.Mmap(-1, 0, int(reserve), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("wasm: reserve memory: %w", err)
	}
	if s.size > 0 {
		if err := mapFixed(b, s.fd, s.size); err != nil {
			unix.Munmap(b)
			return nil, fmt.Errorf("wasm: map snapshot: %w", err)
		}
	}
	return &limitedMemory{limit: reserve, mem: b, free: func(b []byte, _ uint64) { unmapLater(b) }}, nil
}

func (s *snapshotImage) close() { unix.Close(s.fd) }

// prefault copies the snapshot pages of ml's memory into the instance
// ahead of use (MADV_POPULATE_WRITE, Linux 5.14+; ignored when it fails).
func prefault(ml *memoryLimiter) {
	ml.mu.Lock()
	m := ml.mem
	ml.mu.Unlock()
	if m == nil || ml.snap == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := ml.snap.size; n > 0 && n <= len(m.mem) {
		_ = unix.Madvise(m.mem[:n], unix.MADV_POPULATE_WRITE)
	}
}
