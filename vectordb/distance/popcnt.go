package distance

import "math/bits"

// XorPopcnt returns Σ popcount(a[i] ^ b[i]): the Hamming distance of two
// binary codes, the kernel of binary quantization. b must hold at least
// len(a) words.
func XorPopcnt(a, b []uint64) int {
	if len(b) < len(a) {
		panic("distance: XorPopcnt of vectors with different lengths")
	}
	return int(xorPopcntGeneric(a, b))
}

// XorPopcntBatch sets out[i] = XorPopcnt(a, bs[i]) for every i: one call
// for the neighbours of a graph node. Every bs[i] must hold at least
// len(a) words and out at least len(bs). On amd64 it is one AVX-512
// VPOPCNTQ kernel call when the CPU has AVX512_VPOPCNTDQ;
// xorPopcntGeneric is the reference (its bits.OnesCount64 is the POPCNT
// instruction where the CPU has one).
func XorPopcntBatch(a []uint64, bs [][]uint64, out []int32) {
	if len(out) < len(bs) {
		panic("distance: XorPopcntBatch output shorter than the batch")
	}
	for _, b := range bs {
		if len(b) < len(a) {
			panic("distance: XorPopcntBatch of vectors with different lengths")
		}
	}
	xorPopcntBatchImpl(a, bs, out)
}

// XorPopcntPlanesBatch scores a query given as bit planes against
// binary codes (binary quantization with a scalar query encoding): planes
// holds nplanes planes of words = len(planes)/nplanes words each, plane j
// holding bit j of every query element's code, and out[i] is set to
// Σ_j 2^j · XorPopcnt(plane_j, bs[i]). Every bs[i] must hold at least
// words words and out at least len(bs).
func XorPopcntPlanesBatch(planes []uint64, nplanes int, bs [][]uint64, out []int32) {
	if nplanes <= 0 || len(planes)%nplanes != 0 || nplanes > 16 {
		panic("distance: XorPopcntPlanesBatch with a bad plane count")
	}
	if len(out) < len(bs) {
		panic("distance: XorPopcntPlanesBatch output shorter than the batch")
	}
	words := len(planes) / nplanes
	for _, b := range bs {
		if len(b) < words {
			panic("distance: XorPopcntPlanesBatch of vectors with different lengths")
		}
	}
	xorPopcntPlanesBatchImpl(planes, nplanes, bs, out)
}

// PopcntImpl names the XOR-popcount kernel in use: "avx512vpopcntdq" or
// "generic".
func PopcntImpl() string { return popcntImpl }

// xorPopcntGeneric is the portable reference for XorPopcnt.
func xorPopcntGeneric(a, b []uint64) int32 {
	b = b[:len(a)]
	var s int
	for i, x := range a {
		s += bits.OnesCount64(x ^ b[i])
	}
	return int32(s)
}

// xorPopcntPlanesGeneric is the portable reference for one vector of
// XorPopcntPlanesBatch.
func xorPopcntPlanesGeneric(planes []uint64, nplanes int, b []uint64) int32 {
	words := len(planes) / nplanes
	var s int32
	for j := range nplanes {
		s += xorPopcntGeneric(planes[j*words:(j+1)*words], b) << j
	}
	return s
}

func xorPopcntBatchGeneric(a []uint64, bs [][]uint64, out []int32) {
	for i, b := range bs {
		out[i] = xorPopcntGeneric(a, b)
	}
}

func xorPopcntPlanesBatchGeneric(planes []uint64, nplanes int, bs [][]uint64, out []int32) {
	for i, b := range bs {
		out[i] = xorPopcntPlanesGeneric(planes, nplanes, b)
	}
}
