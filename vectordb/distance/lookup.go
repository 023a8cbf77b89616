package distance

// LookupSum returns Σ_j lut[j][code[j]]: the asymmetric distance of
// product quantization, where lut[j][c] is the distance from sub-vector
// j of a query to centroid c of sub-space j and code holds one centroid
// index per sub-vector. code must hold at least len(lut) bytes.
func LookupSum(lut [][256]float32, code []byte) float32 {
	var out [1]float32
	LookupSumBatch(lut, [][]byte{code}, out[:])
	return out[0]
}

// LookupSumBatch sets out[i] = LookupSum(lut, codes[i]) for every i: one
// call for the neighbours of a graph node. On amd64 with AVX-512 it is
// one kernel call gathering sixteen table entries at a time
// (VGATHERDPS); lookupSumBatchGeneric, four independent sums per code, is
// the reference. The two may differ in the last bits: they add in
// different orders.
func LookupSumBatch(lut [][256]float32, codes [][]byte, out []float32) {
	if len(out) < len(codes) {
		panic("distance: LookupSumBatch output shorter than the batch")
	}
	for _, c := range codes {
		if len(c) < len(lut) {
			panic("distance: LookupSumBatch code shorter than the lookup table")
		}
	}
	lookupSumBatchImpl(lut, codes, out)
}

// LookupImpl names the lookup-sum kernel in use: "avx512" or "generic".
func LookupImpl() string { return lookupImpl }

func lookupSumBatchGeneric(lut [][256]float32, codes [][]byte, out []float32) {
	for i, c := range codes {
		out[i] = lookupSum(lut, c)
	}
}

func lookupSum(lut [][256]float32, code []byte) float32 {
	code = code[:len(lut)]
	var s0, s1, s2, s3 float32
	for len(lut) >= 4 && len(code) >= 4 {
		l, c := lut[:4:4], code[:4:4]
		s0 += l[0][c[0]]
		s1 += l[1][c[1]]
		s2 += l[2][c[2]]
		s3 += l[3][c[3]]
		lut, code = lut[4:], code[4:]
	}
	for i, l := range lut {
		if i < len(code) {
			s0 += l[code[i]]
		}
	}
	return (s0 + s1) + (s2 + s3)
}
