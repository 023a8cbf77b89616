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
	matVecTQ2 := func(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int) {
		if r1 > r0 && cols > 0 {
			tq2mv(&dst[r0], &w[r0*TQ2RowSize(cols)], r1-r0, cols/QK, &y[0])
		}
	}
	matVecI2S := func(dst []float32, w []byte, cols int, scale float32, y *I8S, r0, r1 int) {
		if r1 <= r0 || cols == 0 {
			return
		}
		s := getScratch()
		raw := grow(&s.raw, r1-r0)
		i2smv(&raw[0], &w[r0*I2SRowSize(cols)], r1-r0, cols/I2SGroup, &y.Q[0])
		for i, v := range raw {
			dst[r0+i] = i2sFinish(v, y.Sum, y.Scale, scale)
		}
		putScratch(s)
	}
	matMulQ8K := func(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K, r0, r1 int, tq1 bool,
		matVec func([]float32, []byte, int, []BlockQ8K, int, int)) {
		if len(ys) < minBatch {
			for t, y := range ys {
				matVec(dst[t*rows:(t+1)*rows], w, cols, y, r0, r1)
			}
			return
		}
		if r1 <= r0 || cols == 0 {
			return
		}
		nb := cols / QK
		s := getScratch()
		npairs := prepQ8K(s, ys, nb)
		codes := grow(&s.codes, nb*QK)
		dw := grow(&s.dw, nb)
		out := grow(&s.out, npairs*32)
		bsize, rs := BlockTQ2Size, TQ2RowSize(cols)
		if tq1 {
			bsize, rs = BlockTQ1Size, TQ1RowSize(cols)
		}
		for r := r0; r < r1; r++ {
			row := w[r*rs : (r+1)*rs]
			if tq1 {
				for b := range nb {
					decodeTQ1Codes(row[b*bsize:(b+1)*bsize], codes[b*QK:(b+1)*QK])
				}
			} else {
				decodeTQ2Row(&codes[0], &row[0], nb)
			}
			for b := range nb {
				dw[b] = blockD(row[b*bsize:(b+1)*bsize], bsize)
			}
			tokQ8K(&codes[0], nb, &s.a[0], &s.qneg[0], &s.dy[0], &dw[0], npairs, &out[0])
			for t := range ys {
				dst[t*rows+r] = out[t]
			}
		}
		putScratch(s)
	}
	matVecTQ1 := func(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int) {
		matVecTQ1Ref(dst, w, cols, y, r0, r1)
	}
	return impl{
		name:     name,
		quantQ8K: quantizeQ8KRef,
		dotTQ1:   vecDotTQ1Ref,
		dotTQ2: func(n int, x []byte, y []BlockQ8K) float32 {
			var d [1]float32
			tq2mv(&d[0], &x[0], 1, n/QK, &y[0])
			return d[0]
		},
		dotI2S: func(n int, x []byte, y []int8) int32 {
			var d [1]int32
			i2smv(&d[0], &x[0], 1, n/I2SGroup, &y[0])
			return d[0]
		},
		matVecTQ1: matVecTQ1,
		matVecTQ2: matVecTQ2,
		matVecI2S: matVecI2S,
		matMulTQ1: func(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K, r0, r1 int) {
			matMulQ8K(dst, w, rows, cols, ys, r0, r1, true, matVecTQ1)
		},
		matMulTQ2: func(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K, r0, r1 int) {
			matMulQ8K(dst, w, rows, cols, ys, r0, r1, false, matVecTQ2)
		},
		matMulI2S: func(dst []float32, w []byte, rows, cols int, scale float32, ys []I8S, r0, r1 int) {
			if len(ys) < minBatch {
				for t := range ys {
					matVecI2S(dst[t*rows:(t+1)*rows], w, cols, scale, &ys[t], r0, r1)
				}
				return
			}
			if r1 <= r0 || cols == 0 {
				return
			}
			ng := cols / I2SGroup
			s := getScratch()
			npairs := prepI8S(s, ys, cols)
			codes := grow(&s.codes, cols)
			raw := grow(&s.raw, npairs*32)
			rs := I2SRowSize(cols)
			for r := r0; r < r1; r++ {
				decodeI2SRow(&codes[0], &w[r*rs], ng)
				tokI8(&codes[0], ng, &s.a[0], npairs, &raw[0])
				for t := range ys {
					dst[t*rows+r] = i2sFinish(raw[t], ys[t].Sum, ys[t].Scale, scale)
				}
			}
			putScratch(s)
		},
	}
}

// scratch holds the per-call buffers of the batched kernels.
type scratch struct {
	a     []int8    // activations, [pair][quad][32 tokens][4]
	qneg  []int32   // −Σq per [pair][block][32]
	dy    []float32 // Q8_K scales per [pair][block][32]
	codes []byte    // one decoded weight row
	dw    []float32 // block scales of that row
	out   []float32
	raw   []int32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch  { return scratchPool.Get().(*scratch) }
func putScratch(s *scratch) { scratchPool.Put(s) }

func grow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	*s = (*s)[:n]
	return *s
}

// prepQ8K lays out the Q8_K activations of all tokens for tokensQ8K*,
// padding the last pair with zero tokens. It returns the number of pairs.
func prepQ8K(s *scratch, ys [][]BlockQ8K, nb int) int {
	npairs := (len(ys) + 31) / 32
	a := grow(&s.a, npairs*nb*QK*32)
	qneg := grow(&s.qneg, npairs*nb*32)
	dy := grow(&s.dy, npairs*nb*32)
	for t := len(ys); t < npairs*32; t++ {
		zeroToken(a, qneg, dy, t, nb*QK/4, nb)
	}
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
			base := ((pair*nb+b)*QK/4)*128 + lane*4
			for p := range QK / 4 {
				o := base + p*128
				a[o], a[o+1], a[o+2], a[o+3] = blk.Qs[4*p], blk.Qs[4*p+1], blk.Qs[4*p+2], blk.Qs[4*p+3]
			}
		}
	}
	return npairs
}

// prepI8S lays out I8S activations (cols values per token) for tokensI8*.
func prepI8S(s *scratch, ys []I8S, cols int) int {
	npairs := (len(ys) + 31) / 32
	nq := cols / 4
	a := grow(&s.a, npairs*nq*128)
	for t := len(ys); t < npairs*32; t++ {
		zeroToken(a, nil, nil, t, nq, 0)
	}
	for t := range ys {
		q := ys[t].Q[:cols]
		base := (t/32)*nq*128 + (t%32)*4
		for p := range nq {
			o := base + p*128
			a[o], a[o+1], a[o+2], a[o+3] = q[4*p], q[4*p+1], q[4*p+2], q[4*p+3]
		}
	}
	return npairs
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
