//go:build !amd64 || purego

package distance

const lookupImpl = "generic"

func lookupSumBatchImpl(lut [][256]float32, codes [][]byte, out []float32) {
	lookupSumBatchGeneric(lut, codes, out)
}
