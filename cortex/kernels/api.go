package kernels

import (
	"fmt"
	"sync"
)

// I8S is one activation vector quantised the way bitnet.cpp does for I2_S
// weights: one scale for the whole vector and the sum of its codes.
type I8S struct {
	Q     []int8
	Scale float32 // 127/absmax: x ≈ Q/Scale
	Sum   int32   // Σ Q, removes the +1 offset of the weight codes
}

// impl is one set of kernel implementations.
type impl struct {
	name      string
	quantQ8K  func(x []float32, y []BlockQ8K)
	quantI8S  func(x []float32, q []int8) (scale float32, sum int32)
	dotTQ1    func(n int, x []byte, y []BlockQ8K) float32
	dotTQ2    func(n int, x []byte, y []BlockQ8K) float32
	dotI2S    func(n int, x []byte, y []int8) int32
	matVecTQ1 func(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int)
	matVecTQ2 func(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int)
	matVecI2S func(dst []float32, w []byte, cols int, scale float32, y *I8S, r0, r1 int)
	matVecQ8  func(dst []float32, w []byte, cols int, y []BlockQ8K, r0, r1 int)
	packQ8K   func(p *PackedQ8K)
	packI8S   func(p *PackedI8S)
	matMulTQ1 func(dst []float32, w []byte, rows, cols int, p *PackedQ8K, r0, r1 int)
	matMulTQ2 func(dst []float32, w []byte, rows, cols int, p *PackedQ8K, r0, r1 int)
	matMulI2S func(dst []float32, w []byte, rows, cols int, scale float32, p *PackedI8S, r0, r1 int)
}

var refImpl = impl{
	name:      "purego",
	quantQ8K:  quantizeQ8KRef,
	quantI8S:  quantizeI8SRef,
	dotTQ1:    vecDotTQ1Ref,
	dotTQ2:    vecDotTQ2Ref,
	dotI2S:    vecDotI2SRef,
	matVecTQ1: matVecTQ1Ref,
	matVecTQ2: matVecTQ2Ref,
	matVecI2S: matVecI2SRef,
	matVecQ8:  matVecQ8Ref,
	packQ8K:   func(*PackedQ8K) {},
	packI8S:   func(*PackedI8S) {},
	matMulTQ1: func(dst []float32, w []byte, rows, cols int, p *PackedQ8K, r0, r1 int) {
		matMulTQ1Ref(dst, w, rows, cols, p.ys, r0, r1)
	},
	matMulTQ2: func(dst []float32, w []byte, rows, cols int, p *PackedQ8K, r0, r1 int) {
		matMulTQ2Ref(dst, w, rows, cols, p.ys, r0, r1)
	},
	matMulI2S: func(dst []float32, w []byte, rows, cols int, scale float32, p *PackedI8S, r0, r1 int) {
		matMulI2SRef(dst, w, rows, cols, scale, p.ys, r0, r1)
	},
}

// impls lists the implementations this CPU can run, best first; the last
// one is always the pure-Go reference.
var impls = append(archImpls(), refImpl)

// cur is the implementation in use.
var cur = impls[0]

// Impl names the implementation chosen for this CPU: "avx512vnni", "avx2"
// or "purego".
func Impl() string { return cur.name }

// Impls lists the implementation names this CPU supports, best first.
func Impls() []string {
	var s []string
	for _, im := range impls {
		s = append(s, im.name)
	}
	return s
}

// SetImpl selects an implementation by name for benchmarks and tests. It is
// not safe to call while kernels run.
func SetImpl(name string) error {
	for _, im := range impls {
		if im.name == name {
			cur = im
			return nil
		}
	}
	return fmt.Errorf("kernels: implementation %q not supported on this CPU (have %v)", name, Impls())
}

// QuantizeQ8K quantises len(y)·256 values of x into Q8_K blocks, bit-exact
// with ggml's quantize_row_q8_K.
func QuantizeQ8K(x []float32, y []BlockQ8K) {
	if len(x) != len(y)*QK {
		panic(fmt.Sprintf("kernels: QuantizeQ8K: %d values for %d blocks", len(x), len(y)))
	}
	cur.quantQ8K(x, y)
}

// QuantizeI8S quantises x as bitnet.cpp's quantize_row_i8_s into dst,
// reusing dst.Q when it is large enough.
func QuantizeI8S(x []float32, dst *I8S) {
	if cap(dst.Q) < len(x) {
		dst.Q = make([]int8, len(x))
	}
	dst.Q = dst.Q[:len(x)]
	dst.Scale, dst.Sum = cur.quantI8S(x, dst.Q)
}

// VecDotTQ1Q8K returns the dot product of n TQ1_0 weights (x, n/256 blocks)
// with n Q8_K activations, as ggml_vec_dot_tq1_0_q8_K.
func VecDotTQ1Q8K(n int, x []byte, y []BlockQ8K) float32 {
	checkTQ("VecDotTQ1Q8K", n, x, BlockTQ1Size, y)
	return cur.dotTQ1(n, x, y)
}

// VecDotTQ2Q8K returns the dot product of n TQ2_0 weights with n Q8_K
// activations, as ggml_vec_dot_tq2_0_q8_K.
func VecDotTQ2Q8K(n int, x []byte, y []BlockQ8K) float32 {
	checkTQ("VecDotTQ2Q8K", n, x, BlockTQ2Size, y)
	return cur.dotTQ2(n, x, y)
}

// VecDotI2SI8 returns Σ code·q over n I2_S weights (codes 0..2, n a multiple
// of 128) and n int8 activations, as bitnet.cpp's ggml_vec_dot_i2_i8_s. The
// real dot product is (raw − Σq) / actScale · weightScale; see I2SDot.
func VecDotI2SI8(n int, x []byte, y []int8) int32 {
	if n%I2SGroup != 0 || len(x) < n/4 || len(y) < n {
		panic(fmt.Sprintf("kernels: VecDotI2SI8: n=%d with %d weight bytes and %d activations", n, len(x), len(y)))
	}
	return cur.dotI2S(n, x, y)
}

// I2SDot returns the float dot product of one I2_S row with an activation
// vector: (VecDotI2SI8 − y.Sum) / y.Scale · scale.
func I2SDot(row []byte, scale float32, y *I8S) float32 {
	return i2sFinish(VecDotI2SI8(len(y.Q), row, y.Q), y.Sum, y.Scale, scale)
}

// MatVecTQ1 computes dst[r] = row r of the TQ1_0 matrix w (rows × cols) · y.
func MatVecTQ1(dst []float32, w []byte, rows, cols int, y []BlockQ8K) {
	MatVecTQ1Range(dst, w, rows, cols, y, 0, rows)
}

// MatVecTQ1Range is MatVecTQ1 for rows [rowStart, rowEnd) only.
func MatVecTQ1Range(dst []float32, w []byte, rows, cols int, y []BlockQ8K, rowStart, rowEnd int) {
	checkMat("MatVecTQ1", dst, w, rows, cols, TQ1RowSize(cols), 1, rowStart, rowEnd)
	checkTQ("MatVecTQ1", cols, w, 0, y)
	if cols == 0 {
		clear(dst[rowStart:rowEnd])
		return
	}
	cur.matVecTQ1(dst, w, cols, y, rowStart, rowEnd)
}

// MatVecTQ2 computes dst[r] = row r of the TQ2_0 matrix w (rows × cols) · y.
func MatVecTQ2(dst []float32, w []byte, rows, cols int, y []BlockQ8K) {
	MatVecTQ2Range(dst, w, rows, cols, y, 0, rows)
}

// MatVecTQ2Range is MatVecTQ2 for rows [rowStart, rowEnd) only.
func MatVecTQ2Range(dst []float32, w []byte, rows, cols int, y []BlockQ8K, rowStart, rowEnd int) {
	checkMat("MatVecTQ2", dst, w, rows, cols, TQ2RowSize(cols), 1, rowStart, rowEnd)
	checkTQ("MatVecTQ2", cols, w, 0, y)
	if cols == 0 {
		clear(dst[rowStart:rowEnd])
		return
	}
	cur.matVecTQ2(dst, w, cols, y, rowStart, rowEnd)
}

// MatVecI2S computes dst[r] = row r of the I2_S matrix w · y, with scale the
// tensor scale (see I2SScale).
func MatVecI2S(dst []float32, w []byte, rows, cols int, scale float32, y *I8S) {
	MatVecI2SRange(dst, w, rows, cols, scale, y, 0, rows)
}

// MatVecI2SRange is MatVecI2S for rows [rowStart, rowEnd) only.
func MatVecI2SRange(dst []float32, w []byte, rows, cols int, scale float32, y *I8S, rowStart, rowEnd int) {
	checkMat("MatVecI2S", dst, w, rows, cols, I2SRowSize(cols), 1, rowStart, rowEnd)
	checkI2S("MatVecI2S", cols, y)
	if cols == 0 {
		clear(dst[rowStart:rowEnd])
		return
	}
	cur.matVecI2S(dst, w, cols, scale, y, rowStart, rowEnd)
}

// MatVecF16 computes dst[r] = Σ f32(w[r·cols+i])·x[i] for rows r of
// [rowStart, rowEnd) of a float16 matrix (a model's output table), as far
// as a vector kernel can: it returns how many rows from rowStart it wrote
// (a multiple of 4, possibly 0), and the caller computes the rest. Sums run
// in 32 float32 lanes, so results agree with a sequential sum to float32
// rounding, not bit for bit.
func MatVecF16(dst []float32, w []uint16, rows, cols int, x []float32, rowStart, rowEnd int) int {
	if rowStart < 0 || rowEnd > rows || rowStart > rowEnd || len(w) < rows*cols || len(x) < cols || len(dst) < rows {
		panic(fmt.Sprintf("kernels: MatVecF16: rows [%d, %d) of %d×%d with %d weights, %d inputs, %d outputs",
			rowStart, rowEnd, rows, cols, len(w), len(x), len(dst)))
	}
	if cur.name == "purego" {
		return 0
	}
	return matVecF16Rows4(dst, w, cols, x, rowStart, rowEnd)
}

// PackedQ8K is the Q8_K activations of several tokens, laid out once for
// the batched kernels. Pack with PackQ8K, then pass it to any number of
// MatMulTQ1Packed / MatMulTQ2Packed calls (different weights, different row
// ranges, concurrently): it is read-only after packing. Reusing a PackedQ8K
// for the next batch reuses its memory. The zero value is ready to pack.
type PackedQ8K struct {
	ys   [][]BlockQ8K
	cols int
	// Layout of the amd64 token-lane kernels, valid when packed is true:
	// a[pair][quad][32 tokens][4 bytes], qneg and dy [pair][block][32].
	packed bool
	npairs int
	a      []int8
	qneg   []int32
	dy     []float32
}

// Tokens returns the number of packed tokens.
func (p *PackedQ8K) Tokens() int { return len(p.ys) }

// PackQ8K packs ys (each cols/256 blocks) into dst. dst keeps a reference
// to ys, which must not change while dst is in use.
func PackQ8K(ys [][]BlockQ8K, cols int, dst *PackedQ8K) {
	if cols%QK != 0 {
		panic(fmt.Sprintf("kernels: PackQ8K: cols=%d is not a multiple of %d", cols, QK))
	}
	for _, y := range ys {
		if len(y) < cols/QK {
			panic(fmt.Sprintf("kernels: PackQ8K: token with %d blocks, need %d", len(y), cols/QK))
		}
	}
	dst.ys, dst.cols, dst.packed = ys, cols, false
	cur.packQ8K(dst)
}

// PackedI8S is PackedQ8K for the I8S activations of I2_S weights.
type PackedI8S struct {
	ys     []I8S
	cols   int
	packed bool
	npairs int
	a      []int8
}

// Tokens returns the number of packed tokens.
func (p *PackedI8S) Tokens() int { return len(p.ys) }

// PackI8S packs ys (each with at least cols values) into dst.
func PackI8S(ys []I8S, cols int, dst *PackedI8S) {
	for i := range ys {
		checkI2S("PackI8S", cols, &ys[i])
	}
	dst.ys, dst.cols, dst.packed = ys, cols, false
	cur.packI8S(dst)
}

// MatMulTQ1 computes dst[t*rows+r] = row r of the TQ1_0 matrix w · ys[t] for
// every token t, decoding each weight block once for all tokens.
func MatMulTQ1(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K) {
	MatMulTQ1Range(dst, w, rows, cols, ys, 0, rows)
}

// MatMulTQ1Range is MatMulTQ1 for rows [rowStart, rowEnd) only. It packs
// the activations on every call: callers that split rows between threads
// or reuse one input for several matrices should pack once and call
// MatMulTQ1Packed.
func MatMulTQ1Range(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K, rowStart, rowEnd int) {
	withPackedQ8K(ys, cols, func(p *PackedQ8K) { MatMulTQ1Packed(dst, w, rows, cols, p, rowStart, rowEnd) })
}

// MatMulTQ1Packed is MatMulTQ1Range on packed activations.
func MatMulTQ1Packed(dst []float32, w []byte, rows, cols int, p *PackedQ8K, rowStart, rowEnd int) {
	matMulPackedQ8K("MatMulTQ1", TQ1RowSize(cols), cur.matMulTQ1, dst, w, rows, cols, p, rowStart, rowEnd)
}

// MatMulTQ2 computes dst[t*rows+r] = row r of the TQ2_0 matrix w · ys[t] for
// every token t, decoding each weight block once for all tokens.
func MatMulTQ2(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K) {
	MatMulTQ2Range(dst, w, rows, cols, ys, 0, rows)
}

// MatMulTQ2Range is MatMulTQ2 for rows [rowStart, rowEnd) only; see
// MatMulTQ1Range about packing.
func MatMulTQ2Range(dst []float32, w []byte, rows, cols int, ys [][]BlockQ8K, rowStart, rowEnd int) {
	withPackedQ8K(ys, cols, func(p *PackedQ8K) { MatMulTQ2Packed(dst, w, rows, cols, p, rowStart, rowEnd) })
}

// MatMulTQ2Packed is MatMulTQ2Range on packed activations.
func MatMulTQ2Packed(dst []float32, w []byte, rows, cols int, p *PackedQ8K, rowStart, rowEnd int) {
	matMulPackedQ8K("MatMulTQ2", TQ2RowSize(cols), cur.matMulTQ2, dst, w, rows, cols, p, rowStart, rowEnd)
}

// MatMulI2S computes dst[t*rows+r] = row r of the I2_S matrix w · ys[t].
func MatMulI2S(dst []float32, w []byte, rows, cols int, scale float32, ys []I8S) {
	MatMulI2SRange(dst, w, rows, cols, scale, ys, 0, rows)
}

// MatMulI2SRange is MatMulI2S for rows [rowStart, rowEnd) only; see
// MatMulTQ1Range about packing.
func MatMulI2SRange(dst []float32, w []byte, rows, cols int, scale float32, ys []I8S, rowStart, rowEnd int) {
	p := packI8SPool.Get().(*PackedI8S)
	PackI8S(ys, cols, p)
	MatMulI2SPacked(dst, w, rows, cols, scale, p, rowStart, rowEnd)
	p.ys = nil
	packI8SPool.Put(p)
}

// MatMulI2SPacked is MatMulI2SRange on packed activations.
func MatMulI2SPacked(dst []float32, w []byte, rows, cols int, scale float32, p *PackedI8S, rowStart, rowEnd int) {
	if !checkMatMul("MatMulI2S", dst, w, rows, cols, I2SRowSize(cols), p.cols, len(p.ys), rowStart, rowEnd) {
		return
	}
	cur.matMulI2S(dst, w, rows, cols, scale, p, rowStart, rowEnd)
}

var (
	packPool    = sync.Pool{New: func() any { return new(PackedQ8K) }}
	packI8SPool = sync.Pool{New: func() any { return new(PackedI8S) }}
)

func checkPacked(name string, cols, packedCols int) {
	if cols != packedCols {
		panic(fmt.Sprintf("kernels: %s: matrix has %d columns, activations were packed for %d", name, cols, packedCols))
	}
}

func checkI2S(name string, cols int, y *I8S) {
	if cols%I2SGroup != 0 || len(y.Q) < cols {
		panic(fmt.Sprintf("kernels: %s: cols=%d (multiple of %d) with %d activations", name, cols, I2SGroup, len(y.Q)))
	}
}

// withPackedQ8K packs ys into a pooled PackedQ8K for the duration of fn.
func withPackedQ8K(ys [][]BlockQ8K, cols int, fn func(p *PackedQ8K)) {
	p := packPool.Get().(*PackedQ8K)
	PackQ8K(ys, cols, p)
	fn(p)
	p.ys = nil
	packPool.Put(p)
}

// matMulPackedQ8K checks the arguments of a ternary × Q8_K batched product
// and runs kernel (zeroing the output for zero columns).
func matMulPackedQ8K(name string, rowSize int, kernel func([]float32, []byte, int, int, *PackedQ8K, int, int),
	dst []float32, w []byte, rows, cols int, p *PackedQ8K, rowStart, rowEnd int) {
	if checkMatMul(name, dst, w, rows, cols, rowSize, p.cols, len(p.ys), rowStart, rowEnd) {
		kernel(dst, w, rows, cols, p, rowStart, rowEnd)
	}
}

// checkMatMul checks a batched product's arguments and reports whether
// there is work for the kernel: with zero columns every output is zero.
func checkMatMul(name string, dst []float32, w []byte, rows, cols, rowSize, packedCols, tokens, rowStart, rowEnd int) bool {
	checkPacked(name, cols, packedCols)
	checkMat(name, dst, w, rows, cols, rowSize, tokens, rowStart, rowEnd)
	if cols == 0 {
		for t := range tokens {
			clear(dst[t*rows+rowStart : t*rows+rowEnd])
		}
		return false
	}
	return true
}
