//go:build !purego

package distance

import "golang.org/x/sys/cpu"

func init() {
	if useVNNI {
		int8Variants = append(int8Variants, int8Variant{"avx512vnni", func(a []uint8, b []int8) int32 {
			return runU8I8(dotU8I8VNNI, a, b)
		}})
	}
	if cpu.X86.HasAVX2 {
		int8Variants = append(int8Variants, int8Variant{"avx2", func(a []uint8, b []int8) int32 {
			return runU8I8(dotU8I8AVX2, a, b)
		}})
	}
}
