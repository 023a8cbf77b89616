package main

import (
	"slices"
	"unsafe"
)

// stackTop returns the address just past the last 64 bytes of stack, a
// 16-byte aligned top for cloneReleaser's helper.
func stackTop(stack []byte) uintptr {
	// SAFETY: stack is an mmap'd region never unmapped (the helper runs
	// on it until it exits); the address is only handed to clone.
	return uintptr(unsafe.Pointer(&stack[len(stack)-64]))
}

// keptList writes fds, sorted, at the bottom of stack (the helper reads
// them there, where the Go runtime never moves or frees them) and
// returns them in place.
func keptList(stack []byte, fds []int) []int32 {
	slices.Sort(fds)
	// SAFETY: stack is page-aligned and holds far more than maxKept+1
	// int32s below the helper's few bytes of stack at its top.
	kept := unsafe.Slice((*int32)(unsafe.Pointer(&stack[0])), len(fds))
	for i, fd := range fds {
		kept[i] = int32(fd)
	}
	return kept
}
