package hyper

import (
	"sync/atomic"
	"unsafe"
)

// Load32 atomically reads the aligned 32-bit guest word at va (futexes).
func (as *AddressSpace) Load32(va uint64) (uint32, error) {
	p, err := as.word(va, false)
	if err != nil {
		return 0, err
	}
	// SAFETY: p is 4 bytes of the mmap'd guest memory (which lives as long
	// as the Machine), 4-byte aligned because va is and pages are.
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(&p[0]))), nil
}
