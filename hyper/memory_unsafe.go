//go:build linux && amd64

package hyper

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mincore reports which pages of b are resident, one byte per page in vec.
func mincore(b, vec []byte) error {
	if len(b) == 0 {
		return nil
	}
	if len(vec) < (len(b)+PageSize-1)/PageSize {
		return unix.EINVAL
	}
	// SAFETY: b is a live page-aligned mapping and vec has a byte for each
	// of its pages; the kernel writes only vec.
	_, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0])))
	if e != 0 {
		return e
	}
	return nil
}

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

// mapFixed maps length bytes of fd from offset over b[off:] (which must be
// page-aligned), MAP_PRIVATE: the pages are shared with every other
// private mapping of fd until written, then copied (copy-on-write). With
// fd -1 it maps fresh anonymous zero pages instead.
func mapFixed(b []byte, off uint64, length uint64, fd int, fileOff int64) error {
	if length == 0 {
		return nil
	}
	if off+length > uint64(len(b)) || off%PageSize != 0 || length%PageSize != 0 {
		return unix.EINVAL
	}
	flags := unix.MAP_PRIVATE | unix.MAP_FIXED | unix.MAP_NORESERVE
	if fd < 0 {
		flags |= unix.MAP_ANONYMOUS
	}
	// SAFETY: the range lies inside b, a mapping this package owns; the new
	// mapping replaces those pages in place (MAP_FIXED), so every slice of
	// b stays valid and no Go object lives there.
	_, err := unix.MmapPtr(fd, fileOff, unsafe.Pointer(&b[off]), uintptr(length), unix.PROT_READ|unix.PROT_WRITE, flags)
	return err
}

// hostBase returns the host virtual address guest-physical page 0 is
// mapped at (huge pages are aligned in host addresses).
func (m *Memory) hostBase() uint64 {
	// SAFETY: only the address is taken; nothing is read or written
	// through it.
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(m.mem))))
}
