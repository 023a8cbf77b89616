//go:build amd64 && !purego

package kernels

// Assembly in kernels_amd64.s and tokens_amd64.s. Pointers must cover the
// sizes implied by the counts; the Go wrappers check them.

//go:noescape
func tq2MatVecVNNI(dst *float32, w *byte, rows, nb int, y *BlockQ8K)

//go:noescape
func tq2MatVecAVX2(dst *float32, w *byte, rows, nb int, y *BlockQ8K)

//go:noescape
func i2sMatVecVNNI(dst *int32, w *byte, rows, ng int, q *int8)

//go:noescape
func i2sMatVecAVX2(dst *int32, w *byte, rows, ng int, q *int8)

//go:noescape
func decodeTQ2Row(codes *byte, w *byte, nb int)

//go:noescape
func decodeI2SRow(codes *byte, w *byte, ng int)

//go:noescape
func tokensQ8KVNNI(codes *byte, nb int, a *int8, qneg *int32, dy *float32, dw *float32, npairs int, out *float32)

//go:noescape
func tokensI8VNNI(codes *byte, ng int, a *int8, npairs int, out *int32)

//go:noescape
func tokensQ8KAVX2(codes *byte, nb int, a *int8, qneg *int32, dy *float32, dw *float32, npairs int, out *float32)

//go:noescape
func tokensI8AVX2(codes *byte, ng int, a *int8, npairs int, out *int32)

//go:noescape
func tokensQ8K4VNNI(codes *byte, cstride, nb int, a *int8, qneg *int32, dy *float32, dw *float32, npairs int, out *float32, ostride int)

//go:noescape
func tokensI84VNNI(codes *byte, cstride, ng int, a *int8, npairs int, out *int32, ostride int)

//go:noescape
func decodeTQ1Row(codes *byte, w *byte, nb int)

//go:noescape
func quantizeQ8KAVX512(x *float32, y *BlockQ8K, nb int)

//go:noescape
func q8MatVecVNNI(dst *float32, w *byte, rows, nb int, y *BlockQ8K)

//go:noescape
func q8MatVecAVX2(dst *float32, w *byte, rows, nb int, y *BlockQ8K)

//go:noescape
func tq1MatVecAVX512(dst *float32, w *byte, rows, nb int, y *BlockQ8K, yw *int16)

//go:noescape
func absMaxAVX512(x *float32, n int) float32

//go:noescape
func quantI8SAVX512(x *float32, q *int8, n int, scale float32) int32

//go:noescape
func tq1MatVecAVX2W(dst *float32, w *byte, rows, nb int, y *BlockQ8K, yw *int16)

//go:noescape
func tokensQ8K4HalfVNNI(codes *byte, cstride, nb int, a *int8, qneg *int32, dy *float32, dw *float32, out *float32, ostride int)

//go:noescape
func tokensI84HalfVNNI(codes *byte, cstride, ng int, a *int8, out *int32, ostride int)

// Four-row kernels in rows4_amd64.s (AVX-512 VNNI + GFNI); rows is a
// positive multiple of 4.

//go:noescape
func tq2MatVec4GFNI(dst *float32, w *byte, rows, nb int, y *BlockQ8K)

//go:noescape
func i2sMatVec4GFNI(dst *int32, w *byte, rows, ng int, q *int8)

//go:noescape
func f16MatVec4AVX512(dst *float32, w *uint16, rows, cols int, x *float32)

//go:noescape
func i2sMatVec4Pairs(dst *int32, w *byte, rows, npairs int, qp *int8)
