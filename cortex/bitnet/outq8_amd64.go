//go:build amd64 && !purego

package bitnet

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// dotU8S8VNNI is in outq8_amd64.s. n must be a positive multiple of 64.
//
//go:noescape
func dotU8S8VNNI(a *uint8, w *int8, n int) int32

var haveVNNI = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VNNI

// dotU8S8 returns Σ a[i]·w[i] exactly.
func dotU8S8(a []uint8, w []int8) int32 {
	n := len(w) &^ 63
	if !haveVNNI || n == 0 {
		return dotU8S8Ref(a, w)
	}
	_ = a[len(w)-1]
	// SAFETY: a and w hold at least n elements (checked above); the
	// assembly reads exactly n of each.
	s := dotU8S8VNNI(unsafe.SliceData(a), unsafe.SliceData(w), n)
	if n < len(w) {
		s += dotU8S8Ref(a[n:], w[n:])
	}
	return s
}
