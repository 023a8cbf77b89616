//go:build wasip1

package nexus

import (
	"sync"
	"unsafe"

	"nexusos/abi"
)

// The tier 1 transport: host functions imported from module "nexus".

//go:wasmimport nexus call
func hostCall(op uint32, reqPtr unsafe.Pointer, reqLen uint32, respPtr unsafe.Pointer, respCap uint32, respLenPtr unsafe.Pointer) uint32

//go:wasmimport nexus take
func hostTake(ptr unsafe.Pointer, n uint32) uint32

//go:wasmimport nexus abi_version
func hostABIVersion() uint32

var (
	// bufMu guards buf, the reusable response buffer.
	bufMu sync.Mutex
	buf   = make([]byte, 16<<10)
)

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func transport(op abi.Op, req []byte) ([]byte, abi.Errno) {
	bufMu.Lock()
	defer bufMu.Unlock()
	var n uint32
	errno := abi.Errno(hostCall(uint32(op), ptr(req), uint32(len(req)), ptr(buf), uint32(len(buf)), unsafe.Pointer(&n)))
	if errno == abi.ErrFault || errno == abi.ErrTooLarge && n == 0 {
		return nil, errno
	}
	if int(n) <= len(buf) {
		return append([]byte(nil), buf[:n]...), errno
	}
	big := make([]byte, n)
	if e := abi.Errno(hostTake(ptr(big), n)); e != abi.OK {
		return nil, e
	}
	return big, errno
}

// ABIVersion returns the ABI version the host speaks.
func ABIVersion() int { return int(hostABIVersion()) }
