//go:build linux

package wasm

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapFixed maps the first size bytes of fd over the start of b, privately
// (copy-on-write).
func mapFixed(b []byte, fd, size int) error {
	// SAFETY: b is a live mapping of at least size bytes that we own;
	// MAP_FIXED replaces its first pages in place, so b stays valid.
	_, err := unix.MmapPtr(fd, 0, unsafe.Pointer(&b[0]), uintptr(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED)
	return err
}
