package vectordb

import (
	"math"

	"nexusos/vectordb/distance"
)

// Distance kernels: vectordb/distance holds the SIMD implementations.

func dot(a, b []float32) float32  { return distance.Dot(a, b) }
func l2sq(a, b []float32) float32 { return distance.L2Sq(a, b) }
func l1(a, b []float32) float32   { return distance.L1(a, b) }

// normalize scales v to unit length in place; a zero vector is left alone.
func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// score returns Qdrant's score of stored vector v for query q: similarity
// for Cosine and Dot (higher is better), distance for Euclid and Manhattan
// (lower is better).
func score(d Distance, q, v []float32) float32 {
	switch d {
	case Euclid:
		return float32(math.Sqrt(float64(l2sq(q, v))))
	case Manhattan:
		return l1(q, v)
	}
	return dot(q, v)
}

// scoreBatch sets out[i] = score(d, q, vs[i]) for every i with the batch
// kernels, which load the vectors ahead of use (see distance.DotBatch).
func scoreBatch(d Distance, q []float32, vs [][]float32, out []float32) {
	switch d {
	case Euclid:
		distance.L2SqBatch(q, vs, out)
		for i, x := range out[:len(vs)] {
			out[i] = float32(math.Sqrt(float64(x)))
		}
	case Manhattan:
		distance.L1Batch(q, vs, out)
	default:
		distance.DotBatch(q, vs, out)
	}
}

// higherIsBetter reports the direction of d's scores.
func higherIsBetter(d Distance) bool { return d != Euclid && d != Manhattan }
