//go:build !amd64 || purego

package distance

const impl = "generic"

func dotImpl(a, b []float32) float32 { return dotGeneric(a, b) }
func l2Impl(a, b []float32) float32  { return l2Generic(a, b) }
func l1Impl(a, b []float32) float32  { return l1Generic(a, b) }

func dotBatchImpl(q []float32, vs [][]float32, out []float32) {
	batchGeneric(dotGeneric, q, vs, out)
}

func l2BatchImpl(q []float32, vs [][]float32, out []float32) {
	batchGeneric(l2Generic, q, vs, out)
}

func l1BatchImpl(q []float32, vs [][]float32, out []float32) {
	batchGeneric(l1Generic, q, vs, out)
}
