// Package kernels holds the hot loops of BitNet b1.58 inference: int8
// activation quantisation and ternary-weight × int8-activation dot products,
// matrix-vector and batched matrix-matrix products, for the three ternary
// tensor types Cortex reads from GGUF files.
//
// Every kernel has a portable pure-Go version (the reference, in ref.go) and,
// on amd64, Go assembly for AVX-512 VNNI and AVX2 chosen at run time from
// golang.org/x/sys/cpu. Building with the `purego` tag, or running on a CPU
// without AVX2, uses the pure-Go code. The assembly computes the same
// integer sums and performs the same float32 operations in the same order as
// the reference, so results are bit-identical across implementations.
//
// # Block layouts (all little-endian, exactly as ggml / bitnet.cpp store them)
//
//	block_q8_K  (292 bytes, 256 activations)     BlockQ8K
//	+---------+-------------+-------------------+
//	| d f32   | qs [256]i8  | bsums [16]i16     |  x ≈ d·q, bsums[j] = Σ qs[16j..16j+15]
//	+---------+-------------+-------------------+
//
//	block_tq2_0 (66 bytes, 256 weights)
//	+-------------------+--------+
//	| qs [64]u8 2-bit   | d f16  |  byte 32h+m, bits 2l..2l+1 = code of weight 128h+32l+m
//	+-------------------+--------+  weight = (code-1)·d, code ∈ {0,1,2}
//
//	block_tq1_0 (54 bytes, 256 weights)
//	+------------------+-------------+--------+
//	| qs [48]u8 base-3 | qh [4]u8    | d f16  |
//	+------------------+-------------+--------+
//	digit k of byte b = ((uint8(b·3^k))·3) >> 8, trit = digit-1
//	qs[0..31]   digit k of byte m -> weight 32k+m        (k < 5)
//	qs[32..47]  digit k of byte m -> weight 160+16k+m    (k < 5)
//	qh[0..3]    digit k of byte j -> weight 240+4k+j     (k < 4)
//
//	I2_S (bitnet.cpp, x86 layout), a whole tensor:
//	+---------------------------------------+-----------+---------+
//	| rows × cols/4 bytes of 2-bit codes    | scale f32 | padding |
//	+---------------------------------------+-----------+---------+
//	each group of 128 weights is 32 bytes; byte m holds weight 32g+m of the
//	group in bits 6-2g..7-2g (g = 0..3); weight = (code-1)·scale.
//
// # Activations
//
// The TQ types pair with Q8_K activations ([QuantizeQ8K], one scale per 256
// values, bit-exact with ggml's quantize_row_q8_K). I2_S pairs with bitnet.cpp's
// per-tensor int8 activations ([QuantizeI8S]: one absmax scale per token
// vector, plus the sum of the codes used to remove the +1 code offset).
//
// Q8 rows (see Q8RowSize) are int8 weights with one float32 scale per 256,
// built at load from an F16/F32 table such as the output projection.
//
// # Products
//
//	VecDotTQ1Q8K, VecDotTQ2Q8K      one row · one token (ggml_vec_dot_tq{1,2}_0_q8_K)
//	VecDotI2SI8                     one row · one token, raw Σ code·q (ggml_vec_dot_i2_i8_s)
//	MatVecQ8[Range]                 int8 rows · one Q8_K token
//	MatVecTQ1/TQ2/I2S[Range]        all rows (or rows [rowStart,rowEnd)) · one token
//	MatMulTQ1/TQ2/I2S[Range]        all rows · many tokens: each weight block is
//	                                decoded once and used for every token
//
// Matrix outputs are token-major: dst[t*rows + r] is row r for token t (the
// layout of a ggml mul_mat result). The Range variants write only the rows
// in [rowStart, rowEnd), so callers split rows between goroutines.
//
// # Batched products (prompt processing)
//
// MatMul* packs the activations of all tokens into a token-lane layout
// (4 positions × 32 tokens per 128 bytes), decodes 4 weight rows at a time
// into bytes, and runs VPDPBUSD with one broadcast weight quad against 16
// tokens per instruction: every decoded weight is used by every token, and
// every activation load by 4 rows. Packing costs about one pass over the
// activations, so a caller that splits one product into many row ranges, or
// feeds one input to several matrices (q/k/v, gate/up), should pack once:
//
//	var p kernels.PackedQ8K
//	kernels.PackQ8K(ys, cols, &p)              // once per input
//	kernels.MatMulTQ2Packed(q, wq, rq, cols, &p, lo, hi) // per matrix, per thread
//
// With fewer than 4 tokens MatMul* runs the matrix-vector kernel per token;
// up to 16 tokens use a half-width kernel.
//
// # Implementations
//
// avx512vnni needs AVX-512 F/BW/VL/VNNI; avx2 needs AVX2 and F16C (its
// batched path uses VPMADDUBSW); purego runs anywhere. Impl names the one
// in use; SetImpl switches (tests and benchmarks only). QuantizeQ8K has an
// AVX-512 version; QuantizeI8S and the TQ1_0 digit decoding (AVX2) are
// shared by both assembly implementations.
//
// # Performance
//
// Measured with go test -bench on the 2-vCPU AMD EPYC (AVX-512 VNNI) this
// project runs on, as multiply-adds per second of process CPU time
// (cpuGMAC/s, robust to the machine's heavy sharing), medians of 3:
//
//	                        avx512vnni   avx2   purego
//	MatMul TQ2 2560², 128 t     336       109     1.9
//	MatMul TQ1 2560², 128 t     322       107     1.9
//	MatMul I2S 2560², 128 t     326       150     1.0
//	MatVec TQ2 2560×6912        179        79     0.97
//	MatVec TQ1 2560×6912         46        34     0.9
//	MatVec I2S 2560×6912        329       111     1.08
//
// # Matrix-vector products (generation)
//
// Generation streams every weight once per token, so these kernels must
// keep up with memory. With GFNI (AMD Zen 4/5, Intel Ice Lake and later)
// avx512vnni computes four consecutive rows at a time in 512-bit
// registers: one VGF2P8AFFINEQB per 64 codes extracts a 2-bit field
// (replacing a shift and a mask), each activation load serves four rows,
// and the per-block horizontal sums of four rows are reduced together; the
// integer sums and float32 operations per row are unchanged, so results
// stay bit-identical. In cache (one thread) TQ2_0 went from 23 to 42 GB/s
// and I2_S from 36 to 52-70 (I2_S reads two groups, a whole 64-byte line
// per row, at a time, against activations repacked once per call). Four rows are four short
// interleaved streams, which the hardware prefetcher does not follow:
// the kernels prefetch linearly 6 KiB ahead (see rows4_amd64.s).
// BenchmarkStream compares each kernel on 256 MiB of weights with ReadAll,
// the read-bandwidth probe. MatVecF16 is the same four-row scheme for a
// float16 output table.
//
// All functions are safe for concurrent use as long as the goroutines write
// disjoint parts of dst; they keep no state besides pooled scratch buffers.
package kernels
