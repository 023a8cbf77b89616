// Package quant converts GGUF tensor data to float32: F32, F16, BF16, Q8_0,
// Q6_K, TQ1_0, TQ2_0 and I2_S. It also holds a straightforward
// Q8_K activation quantiser and float dot products that serve as the
// oracle for the fast integer kernels in cortex/kernels.
//
// The block layouts are ggml's (ggml-common.h) and bitnet.cpp's for I2_S:
//
//	Q8_0  (32 weights, 34 B):  d fp16 | qs[32] int8            w = d·q
//	Q6_K  (256 weights, 210 B): ql[128] | qh[64] | scales[16] int8 | d fp16
//	                            q = (4 low bits | 2 high bits << 4) − 32,
//	                            w = d·scale[16-weight group]·q
//	TQ2_0 (256 weights, 66 B): qs[64] | d fp16; byte qs[32h+m] holds
//	                            weights 128h+m+32k in bits 2k..2k+1 (k<4),
//	                            code c ∈ {0,1,2} means trit c−1
//	TQ1_0 (256 weights, 54 B): qs[48] | qh[4] | d fp16; base-3 digits
//	                            stored as fixed-point fractions (see DecodeTQ1)
//	I2_S  (whole tensor):      n/4 bytes of codes in 128-weight groups of
//	                            32 bytes (byte m holds weights 32k+m in bits
//	                            6−2k..7−2k), then one float32 scale, padded to
//	                            32 bytes; codes 0,1,2 mean −1,0,+1
//
// That I2_S order is the "x86" one of I2SLayout; bitnet.cpp builds since
// 2025-11 may write two others, which RepackI2S converts.
//
// All functions are safe for concurrent use.
package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"nexusos/cortex/gguf"
)

// f16Tab maps every half-precision bit pattern to its float32 value once
// F16Table has built it: 256 KiB that every process linking this package
// (every `nexus` command, `nexus run` included) would otherwise fill at
// start-up.
var (
	f16Tab  atomic.Pointer[[1 << 16]float32]
	f16Once sync.Once
)

// F16Table returns the table of every half-precision bit pattern's
// float32 value, building it on first use. Loops over many values take it
// once and index it (F16ToF32 is a call per value).
func F16Table() *[1 << 16]float32 {
	if t := f16Tab.Load(); t != nil {
		return t
	}
	return buildF16Table()
}

func buildF16Table() *[1 << 16]float32 {
	f16Once.Do(func() {
		t := new([1 << 16]float32)
		for i := range t {
			t[i] = f16ToF32Slow(uint16(i))
		}
		f16Tab.Store(t)
	})
	return f16Tab.Load()
}

func f16ToF32Slow(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := int(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		// zero or subnormal: mant · 2^-24
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | uint32(exp+112)<<23 | mant<<13)
}

// F16ToF32 converts an IEEE 754 half-precision value to float32 (exact).
func F16ToF32(h uint16) float32 { return F16Table()[h] }

// F32ToF16 converts to half precision, rounding to nearest even (as the
// F16C instruction ggml uses does). Overflow gives ±Inf.
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	a := b & 0x7fffffff
	switch {
	case a > 0x7f800000: // NaN
		return sign | 0x7e00
	case a >= 0x477ff000: // ≥ 65520 rounds to Inf
		return sign | 0x7c00
	case a < 0x38800000: // below 2^-14: a multiple of the subnormal unit 2^-24
		q := math.RoundToEven(float64(math.Float32frombits(a)) * (1 << 24))
		return sign | uint16(q)
	}
	h := (a>>23-112)<<10 | (a&0x7fffff)>>13
	if rem := a & 0x1fff; rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent is the correct rounding
	}
	return sign | uint16(h)
}

// RoundF16 rounds f to the nearest half-precision value.
func RoundF16(f float32) float32 { return F16ToF32(F32ToF16(f)) }

// BF16ToF32 converts a bfloat16 value to float32 (exact).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Block sizes in bytes and weights.
const (
	QK_K        = 256
	BlockQ8_0   = 34
	BlockQ6_K   = 210
	BlockTQ1_0  = 54
	BlockTQ2_0  = 66
	GroupI2_S   = 128
	i2sTailSize = 32
)

// DecodeTQ2 writes the 256 trits of one TQ2_0 block and returns its d.
func DecodeTQ2(blk []byte, trits *[QK_K]int8) float32 {
	_ = blk[BlockTQ2_0-1]
	for h := 0; h < 2; h++ {
		for m := 0; m < 32; m++ {
			b := blk[32*h+m]
			for k := 0; k < 4; k++ {
				trits[128*h+m+32*k] = int8(b>>(2*k)&3) - 1
			}
		}
	}
	return F16ToF32(binary.LittleEndian.Uint16(blk[64:]))
}

// tq1Digit returns base-3 digit k (0 = most significant) of a TQ1_0 byte, as
// ggml decodes it: ((uint8)(b·3^k) · 3) >> 8.
func tq1Digit(b byte, k int) int8 {
	p := [5]byte{1, 3, 9, 27, 81}
	q := b * p[k]
	return int8((uint16(q) * 3) >> 8)
}

// DecodeTQ1 writes the 256 trits of one TQ1_0 block and returns its d.
func DecodeTQ1(blk []byte, trits *[QK_K]int8) float32 {
	_ = blk[BlockTQ1_0-1]
	for m := 0; m < 32; m++ {
		for k := 0; k < 5; k++ {
			trits[32*k+m] = tq1Digit(blk[m], k) - 1
		}
	}
	for m := 0; m < 16; m++ {
		for k := 0; k < 5; k++ {
			trits[160+16*k+m] = tq1Digit(blk[32+m], k) - 1
		}
	}
	for j := 0; j < 4; j++ {
		for k := 0; k < 4; k++ {
			trits[240+4*k+j] = tq1Digit(blk[48+j], k) - 1
		}
	}
	return F16ToF32(binary.LittleEndian.Uint16(blk[52:]))
}

// I2SScale returns the per-tensor scale of an I2_S tensor of n weights.
func I2SScale(data []byte, n int) (float32, error) {
	if n%GroupI2_S != 0 || len(data) < n/4+4 {
		return 0, fmt.Errorf("quant: I2_S tensor of %d weights needs %d bytes, have %d", n, n/4+4, len(data))
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(data[n/4:])), nil
}

// DecodeI2S writes the codes of one 128-weight I2_S group as trits.
func DecodeI2S(grp []byte, trits *[GroupI2_S]int8) {
	_ = grp[31]
	for m := 0; m < 32; m++ {
		b := grp[m]
		for k := 0; k < 4; k++ {
			trits[32*k+m] = int8(b>>(6-2*k)&3) - 1
		}
	}
}

// Dequantize converts n elements of type t from data into out[:n]. data must
// hold whole blocks. For I2_S, data is the whole tensor (the scale follows
// the codes) and n its element count.
func Dequantize(t gguf.TensorType, data []byte, n int, out []float32) error {
	if len(out) < n {
		return fmt.Errorf("quant: output of %d values for %d elements", len(out), n)
	}
	need, err := t.RowSize(uint64(n))
	if err != nil {
		return fmt.Errorf("quant: %w", err)
	}
	if uint64(len(data)) < need {
		return fmt.Errorf("quant: %s: %d bytes for %d elements, need %d", t, len(data), n, need)
	}
	le := binary.LittleEndian
	switch t {
	case gguf.TypeF32:
		for i := 0; i < n; i++ {
			out[i] = math.Float32frombits(le.Uint32(data[4*i:]))
		}
	case gguf.TypeF16:
		tab := F16Table()
		for i := 0; i < n; i++ {
			out[i] = tab[le.Uint16(data[2*i:])]
		}
	case gguf.TypeBF16:
		for i := 0; i < n; i++ {
			out[i] = BF16ToF32(le.Uint16(data[2*i:]))
		}
	case gguf.TypeQ8_0:
		for b := 0; b < n/32; b++ {
			blk := data[b*BlockQ8_0:]
			d := F16ToF32(le.Uint16(blk))
			for j := 0; j < 32; j++ {
				out[32*b+j] = d * float32(int8(blk[2+j]))
			}
		}
	case gguf.TypeQ6_K:
		for b := 0; b < n/QK_K; b++ {
			dequantQ6K(data[b*BlockQ6_K:(b+1)*BlockQ6_K], out[b*QK_K:(b+1)*QK_K])
		}
	case gguf.TypeTQ2_0, gguf.TypeTQ1_0:
		var tr [QK_K]int8
		for b := 0; b < n/QK_K; b++ {
			var d float32
			if t == gguf.TypeTQ2_0 {
				d = DecodeTQ2(data[b*BlockTQ2_0:], &tr)
			} else {
				d = DecodeTQ1(data[b*BlockTQ1_0:], &tr)
			}
			for j, v := range tr {
				out[b*QK_K+j] = float32(v) * d
			}
		}
	case gguf.TypeI2_S:
		s, err := I2SScale(data, n)
		if err != nil {
			return err
		}
		var tr [GroupI2_S]int8
		for g := 0; g < n/GroupI2_S; g++ {
			DecodeI2S(data[32*g:], &tr)
			for j, v := range tr {
				out[g*GroupI2_S+j] = float32(v) * s
			}
		}
	default:
		return fmt.Errorf("quant: dequantizing %s is not supported", t)
	}
	return nil
}

// dequantQ6K is ggml's dequantize_row_q6_K for one block.
func dequantQ6K(blk []byte, y []float32) {
	ql := blk[0:128]
	qh := blk[128:192]
	sc := blk[192:208]
	d := F16ToF32(binary.LittleEndian.Uint16(blk[208:]))
	for n := 0; n < 2; n++ {
		l0, h0, s0 := ql[64*n:], qh[32*n:], sc[8*n:]
		yy := y[128*n:]
		for l := 0; l < 32; l++ {
			is := l / 16
			q1 := int8(l0[l]&0xF|(h0[l]>>0&3)<<4) - 32
			q2 := int8(l0[l+32]&0xF|(h0[l]>>2&3)<<4) - 32
			q3 := int8(l0[l]>>4|(h0[l]>>4&3)<<4) - 32
			q4 := int8(l0[l+32]>>4|(h0[l]>>6&3)<<4) - 32
			yy[l] = d * float32(int8(s0[is])) * float32(q1)
			yy[l+32] = d * float32(int8(s0[is+2])) * float32(q2)
			yy[l+64] = d * float32(int8(s0[is+4])) * float32(q3)
			yy[l+96] = d * float32(int8(s0[is+6])) * float32(q4)
		}
	}
}

// Tensor dequantizes a whole tensor of f.
func Tensor(f *gguf.File, t *gguf.TensorInfo) ([]float32, error) {
	data, err := f.TensorData(t)
	if err != nil {
		return nil, err
	}
	n := t.Elements()
	if n > 1<<34 {
		return nil, fmt.Errorf("quant: tensor %s of %d elements is too large to dequantize", t.Name, n)
	}
	out := make([]float32, n)
	if err := Dequantize(t.Type, data, int(n), out); err != nil {
		return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
	}
	return out, nil
}
