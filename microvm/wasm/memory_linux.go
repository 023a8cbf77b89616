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
