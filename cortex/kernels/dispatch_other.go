//go:build !amd64 || purego

package kernels

func archImpls() []impl { return nil }

func matVecF16Rows4(dst []float32, w []uint16, cols int, x []float32, r0, r1 int) int { return 0 }

var haveF16Rows4 = false

// noI2SPairs exists for the benchmarks; there is no I2_S assembly here.
var noI2SPairs bool
