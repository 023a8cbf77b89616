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

// higherIsBetter reports the direction of d's scores.
func higherIsBetter(d Distance) bool { return d != Euclid && d != Manhattan }
