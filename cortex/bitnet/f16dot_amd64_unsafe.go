//go:build amd64 && !purego

package bitnet

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// dotF16AVX2 is in f16dot_amd64.s. n must be a positive multiple of 32.
//
//go:noescape
func dotF16AVX2(w *uint16, x *float32, n int) float32

var haveF16Asm = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C

// dotF16Fast is dotF16 using F16C and FMA when the CPU has them. The sum
// order differs from dotF16 (eight lanes, four accumulators), so results
// agree to float32 rounding, not bit for bit.
func dotF16Fast(w []uint16, x []float32) float32 {
	n := len(w) &^ 31
	if !haveF16Asm || n == 0 {
		return dotF16(w, x)
	}
	_ = x[len(w)-1]
	// SAFETY: w and x hold at least n elements (checked above), and the
	// assembly reads exactly n of each.
	s := dotF16AVX2(unsafe.SliceData(w), unsafe.SliceData(x), n)
	if n < len(w) {
		s += dotF16(w[n:], x[n:])
	}
	return s
}

// axpyF16AVX2 is in f16dot_amd64.s. n must be a positive multiple of 8.
//
//go:noescape
func axpyF16AVX2(dst *float32, v *uint16, a float32, n int)

// axpyF16 adds a·f16(v[i]) to dst[i].
func axpyF16(dst []float32, v []uint16, a float32) {
	if !haveF16Asm || len(dst)%8 != 0 || len(dst) == 0 {
		axpyF16Ref(dst, v, a)
		return
	}
	_ = v[len(dst)-1]
	// SAFETY: v has at least len(dst) elements (checked above); the
	// assembly reads and writes exactly len(dst) of each.
	axpyF16AVX2(unsafe.SliceData(dst), unsafe.SliceData(v), a, len(dst))
}

// f32ToF16AVX2 and roundF16AVX2 are in f16dot_amd64.s; n must be a
// positive multiple of 8.
//
//go:noescape
func f32ToF16AVX2(dst *uint16, src *float32, n int)

//go:noescape
func roundF16AVX2(x *float32, n int)

// toF16 stores src as float16 in dst (round to nearest even).
func toF16(dst []uint16, src []float32) {
	n := len(src) &^ 7
	if haveF16Asm && n > 0 {
		_ = dst[len(src)-1]
		// SAFETY: dst and src hold at least n elements (checked above).
		f32ToF16AVX2(unsafe.SliceData(dst), unsafe.SliceData(src), n)
	}
	if !haveF16Asm {
		n = 0
	}
	toF16Ref(dst[n:len(src)], src[n:])
}

// roundF16 rounds every value of x to float16 precision in place.
func roundF16(x []float32) {
	n := len(x) &^ 7
	if haveF16Asm && n > 0 {
		// SAFETY: x holds n elements; the assembly touches exactly those.
		roundF16AVX2(unsafe.SliceData(x), n)
	}
	if !haveF16Asm {
		n = 0
	}
	roundF16Ref(x[n:])
}

// swigluAVX2 is in f16dot_amd64.s; n must be a positive multiple of 8.
//
//go:noescape
func swigluAVX2(gp, up *float32, n int)

// swiglu writes silu(g)·u into g.
func swiglu(g, u []float32) {
	n := len(g) &^ 7
	if haveF16Asm && n > 0 {
		_ = u[len(g)-1]
		// SAFETY: g and u hold at least n elements (checked above).
		swigluAVX2(unsafe.SliceData(g), unsafe.SliceData(u), n)
	} else {
		n = 0
	}
	swigluRef(g[n:], u[n:])
}
