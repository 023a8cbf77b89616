package wasm

import (
	"sync"

	"golang.org/x/sys/unix"
)

// newLimitedMemory reserves reserve bytes of address space without
// committing memory (MAP_NORESERVE): pages become resident only when the
// guest touches them, and growing never copies.
func newLimitedMemory(reserve uint64) *limitedMemory {
	if reserve == 0 {
		return &limitedMemory{}
	}
	b, err := unix.Mmap(-1, 0, int(reserve), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		// Out of address space (or mmap refused): fall back to the heap.
		return &limitedMemory{limit: reserve, mem: make([]byte, reserve)}
	}
	return &limitedMemory{limit: reserve, mem: b, free: unmapLater}
}

// unmapQueue feeds the reaper: tearing down a mapping (tens of µs for a
// restored instance's page tables) happens off the run's critical path.
var (
	unmapQueue = make(chan []byte, 1024)
	reaperOnce sync.Once
)

// unmapLater unmaps b in the background, or now when the queue is full.
func unmapLater(b []byte) {
	reaperOnce.Do(func() {
		go func() {
			for b := range unmapQueue {
				_ = unix.Munmap(b)
			}
		}()
	})
	select {
	case unmapQueue <- b:
	default:
		_ = unix.Munmap(b)
	}
}
