//go:build amd64 && !purego

#include "textflag.h"

// Four-row matrix-vector kernels (AVX-512 VNNI + GFNI, full 512-bit
// vectors). Four consecutive rows are one contiguous run of weight bytes;
// each activation load serves all four rows, and the per-row horizontal
// sums are reduced for the four rows at once.
//
// GF2P8AFFINEQB with a per-qword bit matrix extracts one 2-bit field of
// every byte in a single instruction (shift + mask). A 32-byte run of codes
// is broadcast to both halves of a zmm register, and the two halves get
// different matrices, so one instruction yields 64 codes for 64 contiguous
// activations. In each qword matrix, byte 7-i selects the input bits of
// output bit i.
//
// Four rows are four interleaved streams too short (one row of a 2560-wide
// matrix is 640-660 bytes) for the hardware prefetcher to follow, so the
// kernels prefetch the bytes they will read, linearly, at the rate they
// consume them: 6 KiB beyond the current four rows for TQ2_0 and I2_S,
// the next four rows (20 KiB) for float16 rows. Measured with
// BenchmarkStream on 256 MiB (one thread; ReadAll 41-43 GB/s): TQ2_0
// 30 GB/s with no prefetch (one-row kernel), 36 GB/s prefetching the next
// four rows, 42-44 GB/s at 6 KiB; I2_S 33 → 37 GB/s; 24 KiB is too far.

// TQ2_0: field l of byte m in half h is weight 128h+32l+m.
DATA ·gfTQ2lo<>+0(SB)/8, $0x0102000000000000 // field 0 (bits 0-1)
DATA ·gfTQ2lo<>+8(SB)/8, $0x0102000000000000
DATA ·gfTQ2lo<>+16(SB)/8, $0x0102000000000000
DATA ·gfTQ2lo<>+24(SB)/8, $0x0102000000000000
DATA ·gfTQ2lo<>+32(SB)/8, $0x0408000000000000 // field 1 (bits 2-3)
DATA ·gfTQ2lo<>+40(SB)/8, $0x0408000000000000
DATA ·gfTQ2lo<>+48(SB)/8, $0x0408000000000000
DATA ·gfTQ2lo<>+56(SB)/8, $0x0408000000000000
GLOBL ·gfTQ2lo<>(SB), RODATA|NOPTR, $64
DATA ·gfTQ2hi<>+0(SB)/8, $0x1020000000000000 // field 2 (bits 4-5)
DATA ·gfTQ2hi<>+8(SB)/8, $0x1020000000000000
DATA ·gfTQ2hi<>+16(SB)/8, $0x1020000000000000
DATA ·gfTQ2hi<>+24(SB)/8, $0x1020000000000000
DATA ·gfTQ2hi<>+32(SB)/8, $0x4080000000000000 // field 3 (bits 6-7)
DATA ·gfTQ2hi<>+40(SB)/8, $0x4080000000000000
DATA ·gfTQ2hi<>+48(SB)/8, $0x4080000000000000
DATA ·gfTQ2hi<>+56(SB)/8, $0x4080000000000000
GLOBL ·gfTQ2hi<>(SB), RODATA|NOPTR, $64

// I2_S: field g of byte m (bits 7-2g, 6-2g) is weight 32g+m of the group.
DATA ·gfI2Slo<>+0(SB)/8, $0x4080000000000000 // field 0 (bits 6-7)
DATA ·gfI2Slo<>+8(SB)/8, $0x4080000000000000
DATA ·gfI2Slo<>+16(SB)/8, $0x4080000000000000
DATA ·gfI2Slo<>+24(SB)/8, $0x4080000000000000
DATA ·gfI2Slo<>+32(SB)/8, $0x1020000000000000 // field 1 (bits 4-5)
DATA ·gfI2Slo<>+40(SB)/8, $0x1020000000000000
DATA ·gfI2Slo<>+48(SB)/8, $0x1020000000000000
DATA ·gfI2Slo<>+56(SB)/8, $0x1020000000000000
GLOBL ·gfI2Slo<>(SB), RODATA|NOPTR, $64
DATA ·gfI2Shi<>+0(SB)/8, $0x0408000000000000 // field 2 (bits 2-3)
DATA ·gfI2Shi<>+8(SB)/8, $0x0408000000000000
DATA ·gfI2Shi<>+16(SB)/8, $0x0408000000000000
DATA ·gfI2Shi<>+24(SB)/8, $0x0408000000000000
DATA ·gfI2Shi<>+32(SB)/8, $0x0102000000000000 // field 3 (bits 0-1)
DATA ·gfI2Shi<>+40(SB)/8, $0x0102000000000000
DATA ·gfI2Shi<>+48(SB)/8, $0x0102000000000000
DATA ·gfI2Shi<>+56(SB)/8, $0x0102000000000000
GLOBL ·gfI2Shi<>(SB), RODATA|NOPTR, $64

DATA ·r4minus1w<>+0(SB)/8, $0xffffffffffffffff
GLOBL ·r4minus1w<>(SB), RODATA|NOPTR, $8

// REDUCE4 leaves in X0 the int32 sums of the 16 lanes of Z0, Z1, Z2, Z3
// (rows 0..3). Clobbers Z4-Z7.
#define REDUCE4 \
	VEXTRACTI64X4 $1, Z0, Y4 \
	VEXTRACTI64X4 $1, Z1, Y5 \
	VEXTRACTI64X4 $1, Z2, Y6 \
	VEXTRACTI64X4 $1, Z3, Y7 \
	VPADDD        Y4, Y0, Y0 \
	VPADDD        Y5, Y1, Y1 \
	VPADDD        Y6, Y2, Y2 \
	VPADDD        Y7, Y3, Y3 \
	VPHADDD       Y1, Y0, Y0 \
	VPHADDD       Y3, Y2, Y2 \
	VPHADDD       Y2, Y0, Y0 \
	VEXTRACTI128  $1, Y0, X1 \
	VPADDD        X1, X0, X0

// TQ2 row: the 64 code bytes of one block at lo/hi (halves 0 and 1)
// against the activations in Z20-Z23, into accumulators a and b.
#define TQ2_ROW4(lo, hi, a, b) \
	VBROADCASTI64X4 lo, Z4 \
	VBROADCASTI64X4 hi, Z5 \
	VGF2P8AFFINEQB  $0, Z30, Z4, Z6 \
	VGF2P8AFFINEQB  $0, Z31, Z4, Z7 \
	VGF2P8AFFINEQB  $0, Z30, Z5, Z8 \
	VGF2P8AFFINEQB  $0, Z31, Z5, Z9 \
	VPDPBUSD        Z20, Z6, a \
	VPDPBUSD        Z21, Z7, b \
	VPDPBUSD        Z22, Z8, a \
	VPDPBUSD        Z23, Z9, b

// func tq2MatVec4GFNI(dst *float32, w *byte, rows, nb int, y *BlockQ8K)
// rows is a positive multiple of 4. Per row and block the integer sum and
// the float32 operations are those of tq2MatVecVNNI (and of the Go
// reference), so results are bit-identical.
TEXT ·tq2MatVec4GFNI(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         nb+24(FP), R8
	MOVQ         y+32(FP), R10
	VMOVDQU64    ·gfTQ2lo<>(SB), Z30
	VMOVDQU64    ·gfTQ2hi<>(SB), Z31
	VPBROADCASTQ ·r4minus1w<>(SB), Y14
	IMUL3Q       $66, R8, R9 // row stride

tq2r4_row:
	VXORPS X10, X10, X10
	MOVQ   R10, DX
	MOVQ   R8, BX
	MOVQ   SI, R11
	LEAQ   (SI)(R9*2), R12
	LEAQ   6144(R12)(R9*2), R13 // prefetch pointer: 6 KiB past this group

tq2r4_block:
	PREFETCHT0 (R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 128(R13)
	PREFETCHT0 192(R13)
	PREFETCHT0 256(R13)
	ADDQ       $264, R13
	VMOVDQU64 4(DX), Z20
	VMOVDQU64 68(DX), Z21
	VMOVDQU64 132(DX), Z22
	VMOVDQU64 196(DX), Z23
	VPMADDWD  260(DX), Y14, Y24 // -(bsum pairs); upper half of Z24 zero
	VMOVDQA64 Z24, Z0
	VMOVDQA64 Z24, Z1
	VMOVDQA64 Z24, Z2
	VMOVDQA64 Z24, Z3
	VPXORD    Z11, Z11, Z11
	VPXORD    Z12, Z12, Z12
	VPXORD    Z13, Z13, Z13
	VPXORD    Z15, Z15, Z15
	TQ2_ROW4(0(R11), 32(R11), Z0, Z11)
	TQ2_ROW4(0(R11)(R9*1), 32(R11)(R9*1), Z1, Z12)
	TQ2_ROW4(0(R12), 32(R12), Z2, Z13)
	TQ2_ROW4(0(R12)(R9*1), 32(R12)(R9*1), Z3, Z15)
	VPADDD    Z11, Z0, Z0
	VPADDD    Z12, Z1, Z1
	VPADDD    Z13, Z2, Z2
	VPADDD    Z15, Z3, Z3
	REDUCE4
	MOVWLZX   64(R11), AX
	VMOVD     AX, X4
	VPINSRW   $1, 64(R11)(R9*1), X4, X4
	VPINSRW   $2, 64(R12), X4, X4
	VPINSRW   $3, 64(R12)(R9*1), X4, X4
	VCVTPH2PS X4, X4
	VBROADCASTSS (DX), X5
	VMULPS    X5, X4, X4        // f16(d_w) · d_y
	VCVTDQ2PS X0, X0
	VMULPS    X4, X0, X0
	VADDPS    X0, X10, X10
	ADDQ      $66, R11
	ADDQ      $66, R12
	ADDQ      $292, DX
	DECQ      BX
	JNZ       tq2r4_block
	VMOVUPS   X10, (DI)
	ADDQ      $16, DI
	LEAQ      (SI)(R9*4), SI
	SUBQ      $4, CX
	JNZ       tq2r4_row
	VZEROUPPER
	RET

// I2S row: the 32 code bytes of one group at addr against the activations
// in Z20 (weights 0-63) and Z21 (64-127), into accumulators a and b.
#define I2S_ROW4(addr, a, b) \
	VBROADCASTI64X4 addr, Z4 \
	VGF2P8AFFINEQB  $0, Z30, Z4, Z6 \
	VGF2P8AFFINEQB  $0, Z31, Z4, Z7 \
	VPDPBUSD        Z20, Z6, a \
	VPDPBUSD        Z21, Z7, b

// func i2sMatVec4GFNI(dst *int32, w *byte, rows, ng int, q *int8)
// rows is a positive multiple of 4; dst[r] = Σ code·q over row r.
TEXT ·i2sMatVec4GFNI(SB), NOSPLIT, $0-40
	MOVQ      dst+0(FP), DI
	MOVQ      w+8(FP), SI
	MOVQ      rows+16(FP), CX
	MOVQ      ng+24(FP), R8
	MOVQ      q+32(FP), R10
	VMOVDQU64 ·gfI2Slo<>(SB), Z30
	VMOVDQU64 ·gfI2Shi<>(SB), Z31
	MOVQ      R8, R9
	SHLQ      $5, R9 // row stride

i2sr4_row:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z15, Z15, Z15
	MOVQ   R10, DX
	MOVQ   R8, BX
	MOVQ   SI, R11
	LEAQ   (SI)(R9*2), R12
	LEAQ   6144(R12)(R9*2), R13 // prefetch pointer: 6 KiB past this group

i2sr4_group:
	PREFETCHT0 (R13)
	PREFETCHT0 64(R13)
	ADDQ       $128, R13
	VMOVDQU64 (DX), Z20
	VMOVDQU64 64(DX), Z21
	I2S_ROW4(0(R11), Z0, Z11)
	I2S_ROW4(0(R11)(R9*1), Z1, Z12)
	I2S_ROW4(0(R12), Z2, Z13)
	I2S_ROW4(0(R12)(R9*1), Z3, Z15)
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $128, DX
	DECQ BX
	JNZ  i2sr4_group
	VPADDD  Z11, Z0, Z0
	VPADDD  Z12, Z1, Z1
	VPADDD  Z13, Z2, Z2
	VPADDD  Z15, Z3, Z3
	REDUCE4
	VMOVDQU X0, (DI)
	ADDQ    $16, DI
	LEAQ    (SI)(R9*4), SI
	SUBQ    $4, CX
	JNZ     i2sr4_row
	VZEROUPPER
	RET

// F16 row: 32 float16 weights at lo/hi·16 against the floats in Z20/Z21.
#define F16_ROW4(lo, hi, a, b) \
	VCVTPH2PS   lo, Z8 \
	VCVTPH2PS   hi, Z9 \
	VFMADD231PS Z20, Z8, a \
	VFMADD231PS Z21, Z9, b

// func f16MatVec4AVX512(dst *float32, w *uint16, rows, cols int, x *float32)
// dst[r] = Σ f32(w[r·cols+i])·x[i] for rows a positive multiple of 4 and
// cols a positive multiple of 32; 32 float32 lanes per row, fused.
TEXT ·f16MatVec4AVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ cols+24(FP), R8
	MOVQ x+32(FP), R10
	LEAQ (R8)(R8*1), R9 // row stride in bytes
	SHRQ $5, R8         // 32-column steps

f16r4_row:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13
	VXORPS Z15, Z15, Z15
	MOVQ   R10, DX
	MOVQ   R8, BX
	MOVQ   SI, R11
	LEAQ   (SI)(R9*2), R12
	LEAQ   (R12)(R9*2), R13 // prefetch pointer: the next four rows

f16r4_col:
	PREFETCHT0 (R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 128(R13)
	PREFETCHT0 192(R13)
	ADDQ       $256, R13
	VMOVUPS (DX), Z20
	VMOVUPS 64(DX), Z21
	F16_ROW4(0(R11), 32(R11), Z0, Z11)
	F16_ROW4(0(R11)(R9*1), 32(R11)(R9*1), Z1, Z12)
	F16_ROW4(0(R12), 32(R12), Z2, Z13)
	F16_ROW4(0(R12)(R9*1), 32(R12)(R9*1), Z3, Z15)
	ADDQ $64, R11
	ADDQ $64, R12
	ADDQ $128, DX
	DECQ BX
	JNZ  f16r4_col
	VADDPS        Z11, Z0, Z0
	VADDPS        Z12, Z1, Z1
	VADDPS        Z13, Z2, Z2
	VADDPS        Z15, Z3, Z3
	VEXTRACTF64X4 $1, Z0, Y4
	VEXTRACTF64X4 $1, Z1, Y5
	VEXTRACTF64X4 $1, Z2, Y6
	VEXTRACTF64X4 $1, Z3, Y7
	VADDPS        Y4, Y0, Y0
	VADDPS        Y5, Y1, Y1
	VADDPS        Y6, Y2, Y2
	VADDPS        Y7, Y3, Y3
	VHADDPS       Y1, Y0, Y0
	VHADDPS       Y3, Y2, Y2
	VHADDPS       Y2, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVUPS       X0, (DI)
	ADDQ          $16, DI
	LEAQ          (SI)(R9*4), SI
	SUBQ          $4, CX
	JNZ           f16r4_row
	VZEROUPPER
	RET

// I2S pair row: the 64 code bytes of two groups at addr (a full cache
// line of one row) against the repacked activations in Z20-Z23.
#define I2S_PAIR_ROW4(addr, a, b) \
	VMOVDQU64      addr, Z4 \
	VGF2P8AFFINEQB $0, Z28, Z4, Z6 \
	VGF2P8AFFINEQB $0, Z29, Z4, Z7 \
	VGF2P8AFFINEQB $0, Z30, Z4, Z8 \
	VGF2P8AFFINEQB $0, Z31, Z4, Z9 \
	VPDPBUSD       Z20, Z6, a \
	VPDPBUSD       Z21, Z7, b \
	VPDPBUSD       Z22, Z8, a \
	VPDPBUSD       Z23, Z9, b

// func i2sMatVec4Pairs(dst *int32, w *byte, rows, npairs int, qp *int8)
// i2sMatVec4GFNI reading each row a whole 64-byte line (two groups) at a
// time: qp holds the activations repacked per pair of groups and field f
// as [32 of group 2p | 32 of group 2p+1] (see packI8SPairs).
TEXT ·i2sMatVec4Pairs(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         npairs+24(FP), R8
	MOVQ         qp+32(FP), R10
	VPBROADCASTQ ·gfI2Slo<>+0(SB), Z28  // field 0
	VPBROADCASTQ ·gfI2Slo<>+32(SB), Z29 // field 1
	VPBROADCASTQ ·gfI2Shi<>+0(SB), Z30  // field 2
	VPBROADCASTQ ·gfI2Shi<>+32(SB), Z31 // field 3
	MOVQ         R8, R9
	SHLQ         $6, R9 // row stride

i2sp4_row:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z15, Z15, Z15
	MOVQ   R10, DX
	MOVQ   R8, BX
	MOVQ   SI, R11
	LEAQ   (SI)(R9*2), R12
	LEAQ   6144(R12)(R9*2), R13

i2sp4_pair:
	PREFETCHT0 (R13)
	PREFETCHT0 64(R13)
	PREFETCHT0 128(R13)
	PREFETCHT0 192(R13)
	ADDQ       $256, R13
	VMOVDQU64  (DX), Z20
	VMOVDQU64  64(DX), Z21
	VMOVDQU64  128(DX), Z22
	VMOVDQU64  192(DX), Z23
	I2S_PAIR_ROW4(0(R11), Z0, Z11)
	I2S_PAIR_ROW4(0(R11)(R9*1), Z1, Z12)
	I2S_PAIR_ROW4(0(R12), Z2, Z13)
	I2S_PAIR_ROW4(0(R12)(R9*1), Z3, Z15)
	ADDQ $64, R11
	ADDQ $64, R12
	ADDQ $256, DX
	DECQ BX
	JNZ  i2sp4_pair
	VPADDD  Z11, Z0, Z0
	VPADDD  Z12, Z1, Z1
	VPADDD  Z13, Z2, Z2
	VPADDD  Z15, Z3, Z3
	REDUCE4
	VMOVDQU X0, (DI)
	ADDQ    $16, DI
	LEAQ    (SI)(R9*4), SI
	SUBQ    $4, CX
	JNZ     i2sp4_row
	VZEROUPPER
	RET
