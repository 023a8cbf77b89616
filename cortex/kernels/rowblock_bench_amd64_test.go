//go:build amd64 && !purego

package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkRowBlock compares the one-row and four-row batched VNNI kernels
// side by side (run with -count to get medians on a busy machine).
func BenchmarkRowBlock(b *testing.B) {
	if Impls()[0] != "avx512vnni" {
		b.Skip("CPU lacks AVX-512 VNNI")
	}
	rng := rand.New(rand.NewPCG(12, 12))
	const rows, cols, tokens = 2560, 2560, 128
	w := randTernary(rng, "tq2", rows, cols)
	ys := make([][]BlockQ8K, tokens)
	for t := range ys {
		ys[t] = randQ8K(rng, cols/QK)
	}
	dst := make([]float32, tokens*rows)
	for _, block := range []bool{false, true} {
		b.Run(fmt.Sprintf("rows4=%v", block), func(b *testing.B) {
			noRowBlock = !block
			defer func() { noRowBlock = false }()
			start := cpuNow()
			for b.Loop() {
				MatMulTQ2(dst, w, rows, cols, ys)
			}
			report(b, tokens, rows, cols, start)
		})
	}
}
