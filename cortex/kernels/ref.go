package kernels

import "math"

// This file holds the pure-Go reference implementations. They are the
// oracle for the assembly and the implementation used with the purego tag.

// quantizeQ8KRef is ggml's quantize_row_q8_K_ref: per block, m is the
// first element of largest magnitude, iscale = -127/m, q = min(127,
// nearest_int(f32(iscale·x))) with ggml's round-half-even magic-number
// rounding, d = 1/iscale.
func quantizeQ8KRef(x []float32, y []BlockQ8K) {
	for i := range y {
		xb := x[i*QK : i*QK+QK : i*QK+QK]
		b := &y[i]
		var amax, maxv float32
		for _, v := range xb {
			if av := math.Float32frombits(math.Float32bits(v) &^ (1 << 31)); av > amax {
				amax, maxv = av, v
			}
		}
		if amax == 0 {
			*b = BlockQ8K{}
			continue
		}
		iscale := -127 / maxv
		for j, v := range xb {
			// nearest_int: the f32 product plus 1.5·2^23 puts the rounded
			// integer in the low mantissa bits (|product| ≤ 127).
			f := float32(iscale*v) + 12582912
			q := int32(math.Float32bits(f)&0x007fffff) - 0x00400000
			b.Qs[j] = int8(min(q, 127))
		}
		for j := range QK / 16 {
			var s int16
			for _, q := range b.Qs[16*j : 16*j+16] {
				s += int16(q)
			}
			b.Bsums[j] = s
		}
		b.D = 1 / iscale
	}
}

// tq1Digit[k][b] is base-3 digit k of a TQ1_0 byte b, as a code 0..2.
var tq1Digit = func() (t [5][256]uint8) {
	pow3 := [5]uint8{1, 3, 9, 27, 81}
	for k := range 5 {
		for b := range 256 {
			q := uint8(b) * pow3[k]
			t[k][b] = uint8((uint16(q) * 3) >> 8)
		}
	}
	return t
}()

// decodeTQ1 writes the 256 trits (-1, 0, 1) of one TQ1_0 block.
func decodeTQ1(blk []byte, out *[QK]int8) {
	qs, qh := blk[:48], blk[48:52]
	for k := range 5 {
		d := &tq1Digit[k]
		for m := range 32 {
			out[32*k+m] = int8(d[qs[m]]) - 1
		}
		for m := range 16 {
			out[160+16*k+m] = int8(d[qs[32+m]]) - 1
		}
	}
	for k := range 4 {
		d := &tq1Digit[k]
		for j := range 4 {
			out[240+4*k+j] = int8(d[qh[j]]) - 1
		}
	}
}

// decodeTQ2 writes the 256 trits of one TQ2_0 block.
func decodeTQ2(blk []byte, out *[QK]int8) {
	for h := range 2 {
		for l := range 4 {
			for m := range 32 {
				out[128*h+32*l+m] = int8(blk[32*h+m]>>(2*l)&3) - 1
			}
		}
	}
}

func blockD(blk []byte, size int) float32 {
	return FP16ToFP32(uint16(blk[size-2]) | uint16(blk[size-1])<<8)
}

func dotTrits(t *[QK]int8, q *[QK]int8) int32 {
	var s int32
	for j := range QK {
		s += int32(t[j]) * int32(q[j])
	}
	return s
}

// vecDotTQ1Ref is ggml_vec_dot_tq1_0_q8_K: per block f32(Σ trit·q)·(d_w·d_y),
// blocks added in order in float32.
func vecDotTQ1Ref(n int, x []byte, y []BlockQ8K) float32 {
	var t [QK]int8
	var sum float32
	for i := range n / QK {
		blk := x[i*BlockTQ1Size : (i+1)*BlockTQ1Size]
		decodeTQ1(blk, &t)
		d := float32(blockD(blk, BlockTQ1Size) * y[i].D)
		sum += float32(float32(dotTrits(&t, &y[i].Qs)) * d)
	}
	return sum
}

// vecDotTQ2Ref is ggml_vec_dot_tq2_0_q8_K.
func vecDotTQ2Ref(n int, x []byte, y []BlockQ8K) float32 {
	var sum float32
	for i := range n / QK {
		blk := x[i*BlockTQ2Size : (i+1)*BlockTQ2Size]
		q := &y[i].Qs
		var s int32
		for h := range 2 {
			for l := range 4 {
				for m := range 32 {
					s += int32(int8(blk[32*h+m]>>(2*l)&3)-1) * int32(q[128*h+32*l+m])
				}
			}
		}
		d := float32(blockD(blk, BlockTQ2Size) * y[i].D)
		sum += float32(float32(s) * d)
	}
	return sum
}

// vecDotI2SRef is bitnet.cpp's ggml_vec_dot_i2_i8_s: the raw Σ code·q with
// codes 0..2 (the caller removes the offset with the activation sum).
func vecDotI2SRef(n int, x []byte, y []int8) int32 {
	var s int32
	for g := range n / I2SGroup {
		xb := x[g*32 : g*32+32]
		yb := y[g*I2SGroup : g*I2SGroup+I2SGroup]
		for gi := range 4 {
			sh := 6 - 2*gi
			for m := range 32 {
				s += int32(xb[m]>>sh&3) * int32(yb[32*gi+m])
			}
		}
	}
	return s
}

// quantizeI8SRef is bitnet.cpp's quantize_row_i8_s: one absmax scale for the
// whole vector (floored at 1e-5, computed in float64), the f32 product
// rounded by ggml's nearest_int (round half to even), clamp to [-128, 127].
func quantizeI8SRef(x []float32, q []int8) (scale float32, sum int32) {
	var amax float32
	for _, v := range x {
		if av := math.Float32frombits(math.Float32bits(v) &^ (1 << 31)); av > amax {
			amax = av // (the builtin max is a call for floats)
		}
	}
	scale = float32(127 / max(0.00001, float64(amax)))
	for i, v := range x {
		// nearest_int: adding 1.5·2^23 leaves the product rounded half to
		// even in the low mantissa bits (exact for |p| < 2^22; here |p| ≤ 127).
		f := float32(v*scale) + 12582912
		r := int32(math.Float32bits(f)&0x7fffff) - 0x400000
		if r > 127 {
			r = 127
		} else if r < -128 {
			r = -128
		}
		q[i] = int8(r)
		sum += r
	}
	return scale, sum
}

// i2sFinish turns the raw code sum into the output value, as bitnet.cpp's
// mul_mat does: (raw - Σq) / act_scale · weight_scale.
func i2sFinish(raw, actSum int32, actScale, wScale float32) float32 {
	return float32(float32(raw-actSum)/actScale) * wScale
}

func matVecTQ1Ref(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int) {
	rs := TQ1RowSize(cols)
	for r := r0; r < r1; r++ {
		dst[r] = vecDotTQ1Ref(cols, w[r*rs:(r+1)*rs], y)
	}
}

func matVecTQ2Ref(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int) {
	rs := TQ2RowSize(cols)
	for r := r0; r < r1; r++ {
		dst[r] = vecDotTQ2Ref(cols, w[r*rs:(r+1)*rs], y)
	}
}

func matVecI2SRef(dst []float32, w []byte, cols int, scale float32, y *I8S, r0, r1 int) {
	rs := I2SRowSize(cols)
	for r := r0; r < r1; r++ {
		dst[r] = i2sFinish(vecDotI2SRef(cols, w[r*rs:(r+1)*rs], y.Q), y.Sum, y.Scale, scale)
	}
}

// matMulTQ1Ref decodes each weight block once and uses it for every token.
func matMulTQ1Ref(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K, r0, r1 int) {
	matMulTritsRef(dst, w, rows, cols, ys, r0, r1, BlockTQ1Size, decodeTQ1)
}

func matMulTQ2Ref(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K, r0, r1 int) {
	matMulTritsRef(dst, w, rows, cols, ys, r0, r1, BlockTQ2Size, decodeTQ2)
}

func matMulTritsRef(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K, r0, r1, bsize int, decode func([]byte, *[QK]int8)) {
	nb := cols / QK
	var t [QK]int8
	for r := r0; r < r1; r++ {
		for ti := range ys {
			dst[ti*rows+r] = 0
		}
		for b := range nb {
			blk := w[(r*nb+b)*bsize : (r*nb+b+1)*bsize]
			decode(blk, &t)
			dw := blockD(blk, bsize)
			for ti, y := range ys {
				d := float32(dw * y[b].D)
				dst[ti*rows+r] += float32(float32(dotTrits(&t, &y[b].Qs)) * d)
			}
		}
	}
}

func matMulI2SRef(dst []float32, w []byte, rows, cols int, scale float32, ys []I8S, r0, r1 int) {
	rs := I2SRowSize(cols)
	codes := make([]int8, cols)
	for r := r0; r < r1; r++ {
		row := w[r*rs : (r+1)*rs]
		for j := range codes { // decode once, use for every token
			g, m := j/I2SGroup, j%I2SGroup
			codes[j] = int8(row[g*32+m%32] >> (6 - 2*(m/32)) & 3)
		}
		for ti := range ys {
			q := ys[ti].Q[:cols]
			var raw int32
			for j, c := range codes {
				raw += int32(c) * int32(q[j])
			}
			dst[ti*rows+r] = i2sFinish(raw, ys[ti].Sum, ys[ti].Scale, scale)
		}
	}
}

// decodeTQ1Codes writes the 256 codes (0..2) of one TQ1_0 block in natural order.
func decodeTQ1Codes(blk []byte, out []byte) {
	out = out[:QK]
	qs, qh := blk[:48], blk[48:52]
	for k := range 5 {
		d := &tq1Digit[k]
		for m := range 32 {
			out[32*k+m] = d[qs[m]]
		}
		for m := range 16 {
			out[160+16*k+m] = d[qs[32+m]]
		}
	}
	for k := range 4 {
		d := &tq1Digit[k]
		for j := range 4 {
			out[240+4*k+j] = d[qh[j]]
		}
	}
}
