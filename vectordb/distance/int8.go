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

// DotU8I8Batch sets out[i] = DotU8I8(a, bs[i]) for every i: one call
// for the neighbours of a graph node. Every bs[i] must hold at least
// len(a) elements and out at least len(bs). With AVX-512 VNNI and len(a)
// a multiple of 16 it is one kernel call with no per-vector overhead.
func DotU8I8Batch(a []uint8, bs [][]int8, out []int32) {
	if len(out) < len(bs) {
		panic("distance: DotU8I8Batch output shorter than the batch")
	}
	for _, b := range bs {
		if len(b) < len(a) {
			panic("distance: DotU8I8Batch of vectors with different lengths")
		}
	}
	dotU8I8BatchImpl(a, bs, out)
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
