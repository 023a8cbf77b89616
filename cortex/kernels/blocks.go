package kernels

import (
	"fmt"
	"math"
)

// QK is the number of values in a Q8_K, TQ1_0 or TQ2_0 block (ggml's QK_K).
const QK = 256

// Block sizes in bytes.
const (
	BlockQ8KSize = 4 + QK + 2*QK/16 // 292
	BlockTQ1Size = 48 + 4 + 2       // 54
	BlockTQ2Size = QK/4 + 2         // 66
	// I2SGroup is the number of weights in one 32-byte I2_S group.
	I2SGroup = 128
)

// BlockQ8K mirrors ggml's block_q8_K: 256 int8 activations with one float32
// scale and the sums of each 16 consecutive codes.
type BlockQ8K struct {
	D     float32
	Qs    [QK]int8
	Bsums [QK / 16]int16
}

// TQ1RowSize, TQ2RowSize and I2SRowSize return the bytes of one weight row of
// cols weights (cols must be a multiple of QK, or of I2SGroup for I2_S).
func TQ1RowSize(cols int) int { return cols / QK * BlockTQ1Size }

// TQ2RowSize returns the bytes of one TQ2_0 row.
func TQ2RowSize(cols int) int { return cols / QK * BlockTQ2Size }

// I2SRowSize returns the bytes of one I2_S row (without the tensor scale).
func I2SRowSize(cols int) int { return cols / 4 }

// I2SScale returns the per-tensor scale stored after the packed codes of an
// I2_S tensor with rows × cols weights.
func I2SScale(w []byte, rows, cols int) (float32, error) {
	off := rows * cols / 4
	if rows <= 0 || cols <= 0 || cols%I2SGroup != 0 {
		return 0, fmt.Errorf("kernels: i2_s shape %d×%d: columns must be a positive multiple of %d", rows, cols, I2SGroup)
	}
	if len(w) < off+4 {
		return 0, fmt.Errorf("kernels: i2_s tensor %d×%d: %d bytes, need %d", rows, cols, len(w), off+4)
	}
	return math.Float32frombits(uint32(w[off]) | uint32(w[off+1])<<8 | uint32(w[off+2])<<16 | uint32(w[off+3])<<24), nil
}

// FP16ToFP32 converts an IEEE half-precision value to float32 exactly.
func FP16ToFP32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: normalise.
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// FP32ToFP16 converts float32 to half precision, rounding to nearest even.
func FP32ToFP16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	if b&0x7fffffff >= 0x7f800000 { // inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	if exp >= 0x1f {
		return sign | 0x7c00
	}
	if exp <= 0 {
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := uint32(1) << (shift - 1)
		r := mant >> shift
		rem := mant & (1<<shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // may carry into the exponent, which is correct rounding
	}
	return sign | uint16(r)
}

func checkTQ(name string, n int, x []byte, blockSize int, y []BlockQ8K) {
	if n%QK != 0 {
		panic(fmt.Sprintf("kernels: %s: n=%d is not a multiple of %d", name, n, QK))
	}
	nb := n / QK
	if len(x) < nb*blockSize || len(y) < nb {
		panic(fmt.Sprintf("kernels: %s: n=%d needs %d weight bytes and %d Q8_K blocks, have %d and %d", name, n, nb*blockSize, nb, len(x), len(y)))
	}
}

func checkMat(name string, dst []float32, w []byte, rows, cols, rowSize, tokens, rowStart, rowEnd int) {
	if rows < 0 || cols < 0 || rowStart < 0 || rowEnd > rows || rowStart > rowEnd {
		panic(fmt.Sprintf("kernels: %s: bad shape rows=%d cols=%d range [%d,%d)", name, rows, cols, rowStart, rowEnd))
	}
	if len(w) < rows*rowSize {
		panic(fmt.Sprintf("kernels: %s: weights have %d bytes, %d×%d needs %d", name, len(w), rows, cols, rows*rowSize))
	}
	if len(dst) < tokens*rows {
		panic(fmt.Sprintf("kernels: %s: dst has %d values, need %d tokens × %d rows", name, len(dst), tokens, rows))
	}
}
