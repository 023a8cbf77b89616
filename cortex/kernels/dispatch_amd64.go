//go:build amd64 && !purego

package kernels

import (
	"sync"

	"golang.org/x/sys/cpu"
)

// minBatch is the token count from which the matrix-matrix products use the
// batched token-lane kernels; fewer tokens run the matrix-vector kernels
// once per token.
const minBatch = 4

func archImpls() []impl {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasF16C {
		return nil
	}
	var out []impl
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VNNI {
		out = append(out, asmImpl("avx512vnni", true))
	}
	return append(out, asmImpl("avx2", false))
}

func asmImpl(name string, vnni bool) impl {
	tq2mv, i2smv := tq2MatVecAVX2, i2sMatVecAVX2
	tokQ8K, tokI8 := tokensQ8KAVX2, tokensI8AVX2
	if vnni {
		tq2mv, i2smv = tq2MatVecVNNI, i2sMatVecVNNI
		tokQ8K, tokI8 = tokensQ8KVNNI, tokensI8VNNI
	}
	quantQ8K := quantizeQ8KRef
	if vnni {
		quantQ8K = func(x []float32, y []BlockQ8K) {
			if len(y) > 0 {
				quantizeQ8KAVX512(&x[0], &y[0], len(y))
			}
		}
	}
	quantI8S := quantizeI8SRef
	if vnni {
		quantI8S = func(x []float32, q []int8) (float32, int32) {
			n := len(x) &^ 63
			if n == 0 || n != len(x) {
				return quantizeI8SRef(x, q)
			}
			amax := absMaxAVX512(&x[0], n)
			scale := float32(127 / max(0.00001, float64(amax)))
			return scale, quantI8SAVX512(&x[0], &q[0], n, scale)
		}
	}
	q8mv := q8MatVecAVX2
	if vnni {
		q8mv = q8MatVecVNNI
	}
	matVecQ8 := func(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int) {
		if r1 > r0 && cols > 0 {
			q8mv(&dst[r0], &w[r0*Q8RowSize(cols)], r1-r0, cols/QK, &y[0])
		}
	}
	// With GFNI the VNNI implementation runs four rows at a time.
	rows4 := vnni && cpu.X86.HasAVX512GFNI && !noRows4
	matVecTQ2 := func(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int) {
		if r1 <= r0 || cols == 0 {
			return
		}
		nb, rs := cols/QK, TQ2RowSize(cols)
		if n4 := (r1 - r0) &^ 3; rows4 && n4 > 0 {
			tq2MatVec4GFNI(&dst[r0], &w[r0*rs], n4, nb, &y[0])
			r0 += n4
		}
		if r1 > r0 {
			tq2mv(&dst[r0], &w[r0*rs], r1-r0, nb, &y[0])
		}
	}
	matVecI2S := func(dst []float32, w []byte, cols int, scale float32, y *I8S, r0, r1 int) {
		if r1 <= r0 || cols == 0 {
			return
		}
		s := getScratch()
		raw := grow(&s.raw, r1-r0)
		ng, rs := cols/I2SGroup, I2SRowSize(cols)
		n4 := 0
		if rows4 {
			n4 = (r1 - r0) &^ 3
		}
		if n4 > 0 && ng%2 == 0 && !noI2SPairs {
			qp := grow(&s.qp, cols)
			packI8SPairs(qp, y.Q[:cols])
			i2sMatVec4Pairs(&raw[0], &w[r0*rs], n4, ng/2, &qp[0])
		} else if n4 > 0 {
			i2sMatVec4GFNI(&raw[0], &w[r0*rs], n4, ng, &y.Q[0])
		}
		if r1-r0 > n4 {
			i2smv(&raw[n4], &w[(r0+n4)*rs], r1-r0-n4, ng, &y.Q[0])
		}
		for i, v := range raw {
			dst[r0+i] = i2sFinish(v, y.Sum, y.Scale, scale)
		}
		putScratch(s)
	}
	matMulQ8K := func(dst []float32, w []byte, rows, cols int, p *PackedQ8K, r0, r1 int, tq1 bool,
		matVec func([]float32, []byte, int, []BlockQ8K, int, int)) {
		ys := p.ys
		if len(ys) < minBatch {
			for t, y := range ys {
				matVec(dst[t*rows:(t+1)*rows], w, cols, y, r0, r1)
			}
			return
		}
		if r1 <= r0 || cols == 0 {
			return
		}
		s := getScratch()
		defer putScratch(s)
		if !p.packed { // packed under another implementation
			q := &s.pq
			q.ys, q.cols = ys, cols
			packQ8K(q)
			p = q
		}
		nb, npairs := cols/QK, p.npairs
		codes := grow(&s.codes, nb*QK)
		dw := grow(&s.dw, nb)
		out := grow(&s.out, npairs*32)
		bsize, rs := BlockTQ2Size, TQ2RowSize(cols)
		if tq1 {
			bsize, rs = BlockTQ1Size, TQ1RowSize(cols)
		}
		decode := func(row []byte, codes []byte, dw []float32, dstride int) {
			if tq1 {
				decodeTQ1Row(&codes[0], &row[0], nb)
			} else {
				decodeTQ2Row(&codes[0], &row[0], nb)
			}
			for b := range nb {
				dw[b*dstride] = blockD(row[b*bsize:(b+1)*bsize], bsize)
			}
		}
		r := r0
		if r1-r0 >= 4 {
			codes4 := grow(&s.codes4, 4*nb*QK)
			dw4 := grow(&s.dw4, 4*nb)
			out4 := grow(&s.out4, 4*npairs*32)
			for ; r+4 <= r1; r += 4 {
				if vnni && !noRowBlock {
					for k := range 4 {
						decode(w[(r+k)*rs:(r+k+1)*rs], codes4[k*nb*QK:], dw4[k:], 4)
					}
					if len(ys) <= 16 {
						tokensQ8K4HalfVNNI(&codes4[0], nb*QK, nb, &p.a[0], &p.qneg[0], &p.dy[0], &dw4[0], &out4[0], npairs*32*4)
					} else {
						tokensQ8K4VNNI(&codes4[0], nb*QK, nb, &p.a[0], &p.qneg[0], &p.dy[0], &dw4[0], npairs, &out4[0], npairs*32*4)
					}
				} else {
					for k := range 4 {
						decode(w[(r+k)*rs:(r+k+1)*rs], codes, dw, 1)
						tokQ8K(&codes[0], nb, &p.a[0], &p.qneg[0], &p.dy[0], &dw[0], npairs, &out4[k*npairs*32])
					}
				}
				scatter4(dst, rows, r, out4, npairs*32, len(ys))
			}
		}
		for ; r < r1; r++ {
			decode(w[r*rs:(r+1)*rs], codes, dw, 1)
			tokQ8K(&codes[0], nb, &p.a[0], &p.qneg[0], &p.dy[0], &dw[0], npairs, &out[0])
			for t := range ys {
				dst[t*rows+r] = out[t]
			}
		}
	}
	// The TQ1_0 matrix-vector kernels take the activations widened to int16
	// once per call, so the rows do not each sign-extend them again.
	tq1w := tq1MatVecAVX2W
	if vnni {
		tq1w = tq1MatVecAVX512
	}
	tq1mv := func(dst *float32, w *byte, rows, nb int, y *BlockQ8K) {
		ys := unsafeBlocks(y, nb)
		s := getScratch()
		yw := grow(&s.yw, nb*QK)
		for b := range ys {
			for j, q := range ys[b].Qs {
				yw[b*QK+j] = int16(q)
			}
		}
		tq1w(dst, w, rows, nb, y, &yw[0])
		putScratch(s)
	}
	matVecTQ1 := func(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int) {
		if r1 > r0 && cols > 0 {
			tq1mv(&dst[r0], &w[r0*TQ1RowSize(cols)], r1-r0, cols/QK, &y[0])
		}
	}
	return impl{
		name:     name,
		quantQ8K: quantQ8K,
		quantI8S: quantI8S,
		dotTQ1: func(n int, x []byte, y []BlockQ8K) float32 {
			var d [1]float32
			if n < QK {
				return 0
			}
			tq1mv(&d[0], &x[0], 1, n/QK, &y[0])
			return d[0]
		},
		dotTQ2: func(n int, x []byte, y []BlockQ8K) float32 {
			var d [1]float32
			if n < QK {
				return 0
			}
			tq2mv(&d[0], &x[0], 1, n/QK, &y[0])
			return d[0]
		},
		dotI2S: func(n int, x []byte, y []int8) int32 {
			var d [1]int32
			if n < I2SGroup {
				return 0
			}
			i2smv(&d[0], &x[0], 1, n/I2SGroup, &y[0])
			return d[0]
		},
		matVecTQ1: matVecTQ1,
		matVecTQ2: matVecTQ2,
		matVecI2S: matVecI2S,
		matVecQ8:  matVecQ8,
		packQ8K: func(p *PackedQ8K) {
			if len(p.ys) >= minBatch {
				packQ8K(p)
			}
		},
		packI8S: func(p *PackedI8S) {
			if len(p.ys) >= minBatch {
				packI8S(p)
			}
		},
		matMulTQ1: func(dst []float32, w []byte, rows, cols int, p *PackedQ8K, r0, r1 int) {
			matMulQ8K(dst, w, rows, cols, p, r0, r1, true, matVecTQ1)
		},
		matMulTQ2: func(dst []float32, w []byte, rows, cols int, p *PackedQ8K, r0, r1 int) {
			matMulQ8K(dst, w, rows, cols, p, r0, r1, false, matVecTQ2)
		},
		matMulI2S: func(dst []float32, w []byte, rows, cols int, scale float32, p *PackedI8S, r0, r1 int) {
			ys := p.ys
			if len(ys) < minBatch {
				for t := range ys {
					matVecI2S(dst[t*rows:(t+1)*rows], w, cols, scale, &ys[t], r0, r1)
				}
				return
			}
			if r1 <= r0 || cols == 0 {
				return
			}
			s := getScratch()
			defer putScratch(s)
			if !p.packed {
				q := &s.pi
				q.ys, q.cols = ys, cols
				packI8S(q)
				p = q
			}
			ng, npairs := cols/I2SGroup, p.npairs
			codes := grow(&s.codes, cols)
			raw := grow(&s.raw, npairs*32)
			rs := I2SRowSize(cols)
			r := r0
			if r1-r0 >= 4 {
				codes4 := grow(&s.codes4, 4*cols)
				raw4 := grow(&s.raw4, 4*npairs*32)
				out4 := grow(&s.out4, 4*npairs*32)
				for ; r+4 <= r1; r += 4 {
					for k := range 4 {
						decodeI2SRow(&codes4[k*cols], &w[(r+k)*rs], ng)
					}
					if vnni && !noRowBlock {
						if len(ys) <= 16 {
							tokensI84HalfVNNI(&codes4[0], cols, ng, &p.a[0], &raw4[0], npairs*32*4)
						} else {
							tokensI84VNNI(&codes4[0], cols, ng, &p.a[0], npairs, &raw4[0], npairs*32*4)
						}
					} else {
						for k := range 4 {
							tokI8(&codes4[k*cols], ng, &p.a[0], npairs, &raw4[k*npairs*32])
						}
					}
					for k := range 4 {
						for t := range ys {
							out4[k*npairs*32+t] = i2sFinish(raw4[k*npairs*32+t], ys[t].Sum, ys[t].Scale, scale)
						}
					}
					scatter4(dst, rows, r, out4, npairs*32, len(ys))
				}
			}
			for ; r < r1; r++ {
				decodeI2SRow(&codes[0], &w[r*rs], ng)
				tokI8(&codes[0], ng, &p.a[0], npairs, &raw[0])
				for t := range ys {
					dst[t*rows+r] = i2sFinish(raw[t], ys[t].Sum, ys[t].Scale, scale)
				}
			}
		},
	}
}

// scratch holds the per-call buffers of the batched kernels.
type scratch struct {
	pq    PackedQ8K // activations packed here when the caller did not
	pi    PackedI8S
	codes []byte    // one decoded weight row
	dw    []float32 // block scales of that row
	out   []float32
	raw   []int32
	yw    []int16 // Q8_K codes widened for the TQ1_0 matrix-vector kernel
	qp    []int8  // I8S codes repacked for i2sMatVec4Pairs
	// four-row kernels
	codes4 []byte
	dw4    []float32 // [block][4]
	out4   []float32
	raw4   []int32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }
func putScratch(s *scratch) {
	s.pq.ys, s.pi.ys = nil, nil
	scratchPool.Put(s)
}

func grow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	*s = (*s)[:n]
	return *s
}

// packQ8K lays out p.ys for tokensQ8K*, padding the last pair with zero
// tokens.
func packQ8K(p *PackedQ8K) {
	ys, nb := p.ys, p.cols/QK
	npairs := (len(ys) + 31) / 32
	a := grow(&p.a, npairs*nb*QK*32)
	qneg := grow(&p.qneg, npairs*nb*32)
	dy := grow(&p.dy, npairs*nb*32)
	for t := len(ys); t < npairs*32; t++ {
		zeroToken(a, qneg, dy, t, nb*QK/4, nb)
	}
	aw := asWords(a)
	for t, y := range ys {
		pair, lane := t/32, t%32
		for b := range nb {
			blk := &y[b]
			var sum int32
			for j := range QK / 16 {
				sum += int32(blk.Bsums[j])
			}
			if blk.D == 0 {
				sum = 0 // ggml leaves bsums of an all-zero block unset; its qs are 0
			}
			i := (pair*nb+b)*32 + lane
			qneg[i] = -sum
			dy[i] = blk.D
			src := qsWords(blk)
			dst := aw[((pair*nb+b)*QK/4)*32+lane:]
			for q, v := range src {
				dst[q*32] = v
			}
		}
	}
	p.npairs, p.packed = npairs, true
}

// packI8S lays out p.ys (cols values per token) for tokensI8*.
func packI8S(p *PackedI8S) {
	ys, cols := p.ys, p.cols
	npairs := (len(ys) + 31) / 32
	nq := cols / 4
	a := grow(&p.a, npairs*nq*128)
	for t := len(ys); t < npairs*32; t++ {
		zeroToken(a, nil, nil, t, nq, 0)
	}
	aw := asWords(a) // a is from make: aligned
	for t := range ys {
		q := ys[t].Q[:cols]
		src := asWords(q)
		if src == nil {
			base := (t/32)*nq*128 + (t%32)*4
			for i := range nq {
				o := base + i*128
				a[o], a[o+1], a[o+2], a[o+3] = q[4*i], q[4*i+1], q[4*i+2], q[4*i+3]
			}
			continue
		}
		dst := aw[(t/32)*nq*32+t%32:]
		for i, v := range src {
			dst[i*32] = v
		}
	}
	p.npairs, p.packed = npairs, true
}

func zeroToken(a []int8, qneg []int32, dy []float32, t, nq, nb int) {
	base := (t/32)*nq*128 + (t%32)*4
	for p := range nq {
		o := base + p*128
		a[o], a[o+1], a[o+2], a[o+3] = 0, 0, 0, 0
	}
	for b := range nb {
		i := ((t/32)*nb+b)*32 + t%32
		qneg[i], dy[i] = 0, 0
	}
}

// noRowBlock disables the four-row kernels (benchmarks compare both).
var noRowBlock bool

// noI2SPairs selects i2sMatVec4GFNI over i2sMatVec4Pairs.
var noI2SPairs bool

// packI8SPairs lays out the activations of each pair of 128-value groups
// for i2sMatVec4Pairs: for field f (weights 32f..32f+31 of a group), the
// 32 values of the first group, then those of the second.
func packI8SPairs(dst, q []int8) {
	for p := 0; p+256 <= len(q); p += 256 {
		for f := range 4 {
			o := p + 64*f
			copy(dst[o:o+32], q[p+32*f:p+32*f+32])
			copy(dst[o+32:o+64], q[p+128+32*f:p+128+32*f+32])
		}
	}
}

// noRows4 disables the four-row matrix-vector kernels (tests exercise the
// one-row kernels with it).
var noRows4 bool

var haveF16Rows4 = cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C

func matVecF16Rows4(dst []float32, w []uint16, cols int, x []float32, r0, r1 int) int {
	n4 := (r1 - r0) &^ 3
	if !haveF16Rows4 || n4 == 0 || cols%32 != 0 || cols == 0 {
		return 0
	}
	f16MatVec4AVX512(&dst[r0], &w[r0*cols], n4, cols, &x[0])
	return n4
}

// scatter4 copies the four-row kernel output out[k*stride+t] (row r+k, token
// t) into the token-major dst[t*rows+r+k].
func scatter4(dst []float32, rows, r int, out []float32, stride, tokens int) {
	o0, o1, o2, o3 := out[:tokens], out[stride:stride+tokens], out[2*stride:2*stride+tokens], out[3*stride:3*stride+tokens]
	for t := range tokens {
		d := dst[t*rows+r : t*rows+r+4 : t*rows+r+4]
		d[0], d[1], d[2], d[3] = o0[t], o1[t], o2[t], o3[t]
	}
}
