//go:build linux && amd64

package nexus

import (
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"nexusos/abi"
)

// bufSize is the response buffer of one call; larger responses take a
// second system call (take).
const bufSize = 16 << 10

// bufs holds reusable response buffers, so concurrent calls from several
// goroutines need no lock.
var bufs = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// transport is the tier-2 transport: the reserved system calls
// abi.SysNexus*, served by the library OS of a KVM microVM (docs/abi.md,
// "Tier 2 transport"). A Linux kernel answers ENOSYS for them, so the same
// binary run natively reports ErrNotAvailable.
func transport(op abi.Op, req []byte) ([]byte, abi.Errno) {
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	buf := *bp
	// A response too large for buf waits in the calling thread until take:
	// stay on that thread between the two calls.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var n uint32
	// The pointer conversions stay inside the call expression, so the
	// memory is kept alive and in place for the system call (unsafe.Pointer
	// rule 4).
	r, _, e := syscall.Syscall6(abi.SysNexusCall, uintptr(op), uintptr(unsafe.Pointer(unsafe.SliceData(req))), uintptr(len(req)),
		uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), uintptr(unsafe.Pointer(&n)))
	if e != 0 {
		return []byte("not running inside a NexusOS microVM"), abi.ErrNotAvailable
	}
	errno := abi.Errno(r)
	if errno == abi.ErrFault || errno == abi.ErrTooLarge && n == 0 {
		return nil, errno
	}
	if int(n) <= len(buf) {
		return append([]byte(nil), buf[:n]...), errno
	}
	big := make([]byte, n)
	if r, _, e := syscall.Syscall(abi.SysNexusTake, uintptr(unsafe.Pointer(unsafe.SliceData(big))), uintptr(n), 0); e != 0 || abi.Errno(r) != abi.OK {
		if e != 0 {
			return nil, abi.ErrNotAvailable
		}
		return nil, abi.Errno(r)
	}
	return big, errno
}

// ABIVersion returns the ABI version the host speaks: 0 outside a microVM.
func ABIVersion() int {
	r, _, e := syscall.Syscall(abi.SysNexusABIVersion, 0, 0, 0)
	if e != 0 {
		return 0
	}
	return int(r)
}
