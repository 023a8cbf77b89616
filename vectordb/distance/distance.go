// Package distance holds the float32 vector kernels of the vector engine:
// dot product, squared Euclidean distance, Manhattan distance and
// normalisation.
//
// On amd64 the kernels are Go assembly for AVX-512 (AVX512F) and AVX2 with
// FMA, chosen once at start-up from the CPU's features
// (golang.org/x/sys/cpu); elsewhere, or with the purego build tag, they are
// portable Go. The portable versions in ref.go are the reference that the
// assembly is tested against.
//
// DotU8I8 is the integer kernel of int8 scalar quantization (int8.go):
// AVX-512 VNNI (VPDPBUSD) or AVX2 assembly in int8_amd64.s, hand-written
// in the style of the generated file, with a portable reference.
// XorPopcntBatch is the kernel of binary quantization (popcnt.go) and
// LookupSumBatch, portable Go, that of product quantization (lookup.go).
//
// Vectors shorter than SequentialBelow elements are summed in order, one
// float32 product at a time with no fused multiply-add, as Qdrant's scalar
// path does for them, so scores of small vectors agree with Qdrant's to
// the last bit; longer vectors use the vector kernels.
//
// Every function is a pure function of its arguments and safe for
// concurrent use. Vectors passed to Dot, L2Sq and L1 must have equal
// lengths; only the first len(a) elements of b are read.
package distance

// SequentialBelow is the length under which vectors are summed in order.
const SequentialBelow = 16

// Impl names the kernel family in use: "avx512", "avx2" or "generic".
func Impl() string { return impl }

// Dot returns the inner product of a and b.
func Dot(a, b []float32) float32 {
	if len(b) < len(a) {
		panic("distance: Dot of vectors with different lengths")
	}
	if len(a) < SequentialBelow {
		return dotSeq(a, b)
	}
	return dotImpl(a, b)
}

// L2Sq returns the squared Euclidean distance between a and b.
func L2Sq(a, b []float32) float32 {
	if len(b) < len(a) {
		panic("distance: L2Sq of vectors with different lengths")
	}
	if len(a) < SequentialBelow {
		return l2Seq(a, b)
	}
	return l2Impl(a, b)
}

// L1 returns the Manhattan distance between a and b.
func L1(a, b []float32) float32 {
	if len(b) < len(a) {
		panic("distance: L1 of vectors with different lengths")
	}
	if len(a) < SequentialBelow {
		return l1Seq(a, b)
	}
	return l1Impl(a, b)
}

// Normalize scales v in place to unit Euclidean length. A zero vector is
// left unchanged.
func Normalize(v []float32) {
	n := Dot(v, v)
	if n == 0 {
		return
	}
	inv := float32(1 / sqrt64(float64(n)))
	for i := range v {
		v[i] *= inv
	}
}

// DotBatch sets out[i] = Dot(q, vs[i]) for every i. It is faster than
// calling Dot in a loop: the vectors are prefetched ahead of use, which
// matters when they are scattered in memory (a graph search). Every vs[i]
// must hold at least len(q) elements and out at least len(vs).
func DotBatch(q []float32, vs [][]float32, out []float32) {
	checkBatch(q, vs, out)
	if len(q) < SequentialBelow {
		batchGeneric(dotSeq, q, vs, out)
		return
	}
	dotBatchImpl(q, vs, out)
}

// L2SqBatch sets out[i] = L2Sq(q, vs[i]) for every i; see DotBatch.
func L2SqBatch(q []float32, vs [][]float32, out []float32) {
	checkBatch(q, vs, out)
	if len(q) < SequentialBelow {
		batchGeneric(l2Seq, q, vs, out)
		return
	}
	l2BatchImpl(q, vs, out)
}

// L1Batch sets out[i] = L1(q, vs[i]) for every i; see DotBatch.
func L1Batch(q []float32, vs [][]float32, out []float32) {
	checkBatch(q, vs, out)
	if len(q) < SequentialBelow {
		batchGeneric(l1Seq, q, vs, out)
		return
	}
	l1BatchImpl(q, vs, out)
}

func checkBatch(q []float32, vs [][]float32, out []float32) {
	if len(out) < len(vs) {
		panic("distance: batch output shorter than the vector list")
	}
	for _, v := range vs {
		if len(v) < len(q) {
			panic("distance: batch vector shorter than the query")
		}
	}
}

// dotSeq, l2Seq and l1Seq sum in element order without fused
// multiply-adds (the float32 conversions forbid fusing).
func dotSeq(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i := range a {
		s += float32(a[i] * b[i])
	}
	return s
}

func l2Seq(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += float32(d * d)
	}
	return s
}

func l1Seq(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i := range a {
		d := a[i] - b[i]
		if d < 0 {
			d = -d
		}
		s += d
	}
	return s
}
