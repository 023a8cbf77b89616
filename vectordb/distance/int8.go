package distance

// DotU8I8 returns the integer inner product Σ a[i]·b[i] of an unsigned
// byte vector and a signed byte vector, the kernel of int8 scalar
// quantization. The sum is exact: it cannot overflow for fewer than 2^16
// elements. On amd64 it uses AVX-512 VNNI (VPDPBUSD) or AVX2 when the CPU
// has them; dotU8I8Generic is the reference. b must hold at least len(a)
// elements.
func DotU8I8(a []uint8, b []int8) int32 {
	if len(b) < len(a) {
		panic("distance: DotU8I8 of vectors with different lengths")
	}
	return dotU8I8Impl(a, b)
}

// Int8Impl names the int8 kernel in use: "avx512vnni", "avx2" or "generic".
func Int8Impl() string { return int8Impl }

// dotU8I8Generic is the portable reference for DotU8I8.
func dotU8I8Generic(a []uint8, b []int8) int32 {
	b = b[:len(a)]
	var s int32
	for i, x := range a {
		s += int32(x) * int32(b[i])
	}
	return s
}
