//go:build linux

package main

import (
	"syscall"
	"unsafe"

	"nexusos/microvm/abi"
)

// The tier-2 transport: reserved system calls served by the library OS
// (hyper/libos/hostcall.go documents the registers). On a real Linux
// kernel they fail with ENOSYS.
const (
	sysNexusABIVersion = 0x4e58_0000
	sysNexusCall       = 0x4e58_0001
	sysNexusTake       = 0x4e58_0002
)

var buf = make([]byte, 16<<10)

func ptr(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

func transport(op abi.Op, req []byte) ([]byte, abi.Errno) {
	var n uint32
	r, _, e := syscall.Syscall6(sysNexusCall, uintptr(op), ptr(req), uintptr(len(req)), ptr(buf), uintptr(len(buf)), uintptr(unsafe.Pointer(&n)))
	if e != 0 {
		return []byte("not inside a tier-2 microVM"), abi.ErrNotAvailable
	}
	errno := abi.Errno(r)
	if errno == abi.ErrFault {
		return nil, errno
	}
	if int(n) <= len(buf) {
		return append([]byte(nil), buf[:n]...), errno
	}
	big := make([]byte, n)
	if r, _, _ := syscall.Syscall(sysNexusTake, ptr(big), uintptr(n), 0); abi.Errno(r) != abi.OK {
		return nil, abi.Errno(r)
	}
	return big, errno
}

func abiVersion() int {
	r, _, e := syscall.Syscall(sysNexusABIVersion, 0, 0, 0)
	if e != 0 {
		return 0
	}
	return int(r)
}
