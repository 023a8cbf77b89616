package kernels_test

import (
	"fmt"

	"nexusos/cortex/kernels"
)

// A ternary linear layer: quantise the input to Q8_K, multiply by TQ2_0
// weights. Here every weight of row 0 is +1 and of row 1 is −1 (code 2 and
// 0, block scale 1.0), so the outputs are ±Σx.
func Example() {
	const rows, cols = 2, 256
	w := make([]byte, rows*kernels.TQ2RowSize(cols))
	for r, code := range []byte{2, 0} {
		blk := w[r*kernels.BlockTQ2Size : (r+1)*kernels.BlockTQ2Size]
		for i := range 64 {
			blk[i] = code | code<<2 | code<<4 | code<<6
		}
		blk[64], blk[65] = 0x00, 0x3c // fp16 1.0
	}
	x := make([]float32, cols)
	for i := range x {
		x[i] = 0.5
	}
	y := make([]kernels.BlockQ8K, cols/kernels.QK)
	kernels.QuantizeQ8K(x, y)
	out := make([]float32, rows)
	kernels.MatVecTQ2(out, w, rows, cols, y)
	fmt.Println(out)
	// Output: [128 -128]
}

// Prompt processing: pack the activations of all tokens once, then run any
// number of matrices and row ranges on them.
func ExamplePackQ8K() {
	const rows, cols, tokens = 4, 256, 8
	w := make([]byte, rows*kernels.TQ2RowSize(cols)) // all codes 0: weights −d
	for r := range rows {
		w[r*kernels.BlockTQ2Size+65] = 0x3c // d = 1.0
	}
	ys := make([][]kernels.BlockQ8K, tokens)
	for t := range ys {
		x := make([]float32, cols)
		for i := range x {
			x[i] = float32(t)
		}
		ys[t] = make([]kernels.BlockQ8K, cols/kernels.QK)
		kernels.QuantizeQ8K(x, ys[t])
	}
	var p kernels.PackedQ8K
	kernels.PackQ8K(ys, cols, &p)
	dst := make([]float32, tokens*rows)
	kernels.MatMulTQ2Packed(dst, w, rows, cols, &p, 0, 2) // e.g. one thread
	kernels.MatMulTQ2Packed(dst, w, rows, cols, &p, 2, 4) // and another
	fmt.Println(dst[3*rows : 4*rows])                     // token 3: −256·3
	// Output: [-768 -768 -768 -768]
}
