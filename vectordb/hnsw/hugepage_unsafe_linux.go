package hnsw

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// adviseHuge asks the kernel to back the 2 MiB-aligned part of s with
// transparent huge pages (madvise MADV_HUGEPAGE). It is a hint: errors
// (an old kernel, THP disabled) are ignored, and the memory stays ordinary
// Go heap memory either way.
func adviseHuge[T any](s []T) {
	if len(s) == 0 {
		return
	}
	var zero T
	base := unsafe.Pointer(unsafe.SliceData(s))
	p := uintptr(base)
	end := p + uintptr(len(s))*unsafe.Sizeof(zero)
	start := (p + hugePage - 1) &^ (hugePage - 1)
	end &^= hugePage - 1
	if end <= start {
		return
	}
	// SAFETY: [start, end) lies inside s, which stays live for this call;
	// the byte slice is derived from s's own pointer, only carries the
	// range to the system call and is not kept.
	b := unsafe.Slice((*byte)(unsafe.Add(base, start-p)), end-start)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
}
