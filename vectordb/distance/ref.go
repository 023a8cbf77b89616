package distance

import "math"

func sqrt64(x float64) float64 { return math.Sqrt(x) }

// dotGeneric is the portable reference for Dot. It uses four partial sums,
// like the vector kernels, so results agree closely.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// l2Generic is the portable reference for L2Sq.
func l2Generic(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		d2 := a[i+2] - b[i+2]
		d3 := a[i+3] - b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// l1Generic is the portable reference for L1.
func l1Generic(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += abs(a[i] - b[i])
		s1 += abs(a[i+1] - b[i+1])
		s2 += abs(a[i+2] - b[i+2])
		s3 += abs(a[i+3] - b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += abs(a[i] - b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

func abs(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

func batchGeneric(f func(a, b []float32) float32, q []float32, vs [][]float32, out []float32) {
	for i, v := range vs {
		out[i] = f(q, v)
	}
}
