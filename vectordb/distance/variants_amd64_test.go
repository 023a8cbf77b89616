//go:build !purego

package distance

func init() {
	if useAVX512 {
		testVariants = append(testVariants, variant{"avx512",
			wrap(dotAVX512), wrap(l2AVX512), wrap(l1AVX512),
			wrapBatch(dotBatchAVX512), wrapBatch(l2BatchAVX512), wrapBatch(l1BatchAVX512)})
	}
	if useAVX2 {
		testVariants = append(testVariants, variant{"avx2",
			wrap(dotAVX2), wrap(l2AVX2), wrap(l1AVX2),
			wrapBatch(dotBatchAVX2), wrapBatch(l2BatchAVX2), wrapBatch(l1BatchAVX2)})
	}
}

func wrap(k pairKernel) func(a, b []float32) float32 {
	return func(a, b []float32) float32 {
		if len(a) == 0 {
			return 0
		}
		return k(&a[0], &b[0], len(a))
	}
}

func wrapBatch(k batchKernel) func(q []float32, vs [][]float32, out []float32) {
	return func(q []float32, vs [][]float32, out []float32) {
		runBatch(k, nil, q, vs, out)
	}
}
