//go:build !purego

package distance

import "golang.org/x/sys/cpu"

// The int8 kernels read n bytes from a and b, n a multiple of 16; the
// caller adds the last n%16 products.

//go:noescape
func dotU8I8VNNI(a *uint8, b *int8, n int) int32

//go:noescape
func dotU8I8AVX2(a *uint8, b *int8, n int) int32

//go:noescape
func dotU8I8BatchVNNI(a *uint8, bs *[]int8, cnt int, n int, out *int32)

type int8Kernel func(a *uint8, b *int8, n int) int32

var (
	useVNNI  = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VNNI
	int8Impl = "generic"

	dotU8I8Kernel int8Kernel
)

func init() {
	switch {
	case useVNNI:
		int8Impl, dotU8I8Kernel = "avx512vnni", dotU8I8VNNI
	case cpu.X86.HasAVX2:
		int8Impl, dotU8I8Kernel = "avx2", dotU8I8AVX2
	}
}

func dotU8I8Impl(a []uint8, b []int8) int32 {
	return runU8I8(dotU8I8Kernel, a, b)
}

func runU8I8(k int8Kernel, a []uint8, b []int8) int32 {
	n := len(a) &^ 15
	if k == nil || n == 0 {
		return dotU8I8Generic(a, b)
	}
	return k(&a[0], &b[0], n) + dotU8I8Generic(a[n:], b[n:len(a)])
}

func dotU8I8BatchImpl(a []uint8, bs [][]int8, out []int32) {
	if useVNNI && cpu.X86.HasBMI2 && len(a)&15 == 0 && len(a) > 0 && len(bs) > 0 {
		dotU8I8BatchVNNI(&a[0], &bs[0], len(bs), len(a), &out[0])
		return
	}
	for i, b := range bs {
		out[i] = dotU8I8Impl(a, b)
	}
}
