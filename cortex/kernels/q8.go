package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Q8 rows are an int8 weight matrix Cortex builds at load time from an F16 or
// F32 table (the output projection), to read half the bytes per token. One
// row of cols weights (cols a multiple of 256):
//
//	+--------------------------+-------------------+
//	| scale [cols/256] float32 | q [cols] int8     |  weight j = q[j]·scale[j/256]
//	+--------------------------+-------------------+
//
// Each 256-weight block is quantised like a Q8_K activation block (absmax
// to ±127, round half to even), so a row · Q8_K product is, per block,
// f32(Σ q_w·q_y) · (scale·d_y), blocks added in order in float32.

// Q8RowSize returns the bytes of one Q8 row of cols weights.
func Q8RowSize(cols int) int { return cols + 4*(cols/QK) }

// QuantizeQ8Rows packs rows × cols float32 weights (row-major) into dst,
// which must hold rows·Q8RowSize(cols) bytes.
func QuantizeQ8Rows(dst []byte, src []float32, rows, cols int) {
	if cols%QK != 0 || len(src) < rows*cols || len(dst) < rows*Q8RowSize(cols) {
		panic(fmt.Sprintf("kernels: QuantizeQ8Rows: %d×%d from %d values into %d bytes", rows, cols, len(src), len(dst)))
	}
	nb := cols / QK
	blk := make([]BlockQ8K, nb)
	for r := range rows {
		QuantizeQ8K(src[r*cols:(r+1)*cols], blk)
		putQ8Row(dst[r*Q8RowSize(cols):], blk)
	}
}

// QuantizeQ8RowsF16 is QuantizeQ8Rows for little-endian IEEE half-precision
// weights (a GGUF F16 tensor's data).
func QuantizeQ8RowsF16(dst []byte, src []byte, rows, cols int) {
	if cols%QK != 0 || len(src) < 2*rows*cols || len(dst) < rows*Q8RowSize(cols) {
		panic(fmt.Sprintf("kernels: QuantizeQ8RowsF16: %d×%d from %d bytes into %d bytes", rows, cols, len(src), len(dst)))
	}
	nb := cols / QK
	blk := make([]BlockQ8K, nb)
	row := make([]float32, cols)
	for r := range rows {
		s := src[2*r*cols:]
		for j := range row {
			row[j] = FP16ToFP32(binary.LittleEndian.Uint16(s[2*j:]))
		}
		QuantizeQ8K(row, blk)
		putQ8Row(dst[r*Q8RowSize(cols):], blk)
	}
}

func putQ8Row(dst []byte, blk []BlockQ8K) {
	nb := len(blk)
	for b := range blk {
		// Q8_K stores d negative (d·q reproduces x with q of the opposite
		// sign of m); keep the pair as is: scale·q is the weight.
		binary.LittleEndian.PutUint32(dst[4*b:], math.Float32bits(blk[b].D))
		for j, q := range blk[b].Qs {
			dst[4*nb+b*QK+j] = byte(q)
		}
	}
}

// vecDotQ8Ref is one Q8 row · Q8_K activations.
func vecDotQ8Ref(cols int, row []byte, y []BlockQ8K) float32 {
	nb := cols / QK
	var sum float32
	for b := range nb {
		dw := math.Float32frombits(binary.LittleEndian.Uint32(row[4*b:]))
		q := row[4*nb+b*QK : 4*nb+(b+1)*QK]
		var s int32
		for j, v := range q {
			s += int32(int8(v)) * int32(y[b].Qs[j])
		}
		d := float32(dw * y[b].D)
		sum += float32(float32(s) * d)
	}
	return sum
}

func matVecQ8Ref(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int) {
	rs := Q8RowSize(cols)
	for r := r0; r < r1; r++ {
		dst[r] = vecDotQ8Ref(cols, w[r*rs:(r+1)*rs], y)
	}
}

// MatVecQ8 computes dst[r] = row r of the Q8 matrix w (rows × cols) · y.
func MatVecQ8(dst []float32, w []byte, rows, cols int, y []BlockQ8K) {
	MatVecQ8Range(dst, w, rows, cols, y, 0, rows)
}

// MatVecQ8Range is MatVecQ8 for rows [rowStart, rowEnd) only.
func MatVecQ8Range(dst []float32, w []byte, rows, cols int, y []BlockQ8K, rowStart, rowEnd int) {
	checkMat("MatVecQ8", dst, w, rows, cols, Q8RowSize(cols), 1, rowStart, rowEnd)
	checkTQ("MatVecQ8", cols, w, 0, y)
	if cols == 0 {
		clear(dst[rowStart:rowEnd])
		return
	}
	cur.matVecQ8(dst, w, cols, y, rowStart, rowEnd)
}
