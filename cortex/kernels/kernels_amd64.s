//go:build amd64 && !purego

#include "textflag.h"

// Register conventions shared by the matrix-vector kernels:
//   Y15 = 0x03 in every byte (code mask), Y14 = -1 in every int16,
//   Y13 = 1 in every int16 (AVX2 only).

DATA ·mask03<>+0(SB)/8, $0x0303030303030303
GLOBL ·mask03<>(SB), RODATA|NOPTR, $8
DATA ·minus1w<>+0(SB)/8, $0xffffffffffffffff
GLOBL ·minus1w<>(SB), RODATA|NOPTR, $8
DATA ·one1w<>+0(SB)/8, $0x0001000100010001
GLOBL ·one1w<>(SB), RODATA|NOPTR, $8

// HSUMD reduces the 8 int32 lanes of Y0 into AX (clobbers Y1).
#define HSUMD \
	VEXTRACTI128 $1, Y0, X1 \
	VPADDD       X1, X0, X0 \
	VPSHUFD      $0x4e, X0, X1 \
	VPADDD       X1, X0, X0 \
	VPSHUFD      $0xb1, X0, X1 \
	VPADDD       X1, X0, X0 \
	VMOVD        X0, AX

// Block tail shared by the TQ2 matrix-vector kernels: AX holds the block's
// integer sum; X10 += f32(AX) * (f16(d_w) * d_y), rounded as the Go reference.
#define TQ2_BLOCK_FLOAT \
	MOVWLZX    64(SI), R9 \
	VMOVD      R9, X4 \
	VCVTPH2PS  X4, X4 \
	VMULSS     (DX), X4, X4 \
	VCVTSI2SSL AX, X5, X5 \
	VMULSS     X4, X5, X5 \
	VADDSS     X5, X10, X10

// TQ2 half: codes of 32 bytes in Y2 against activations at off(DX), using
// the dot step DOT(act, codes, acc).
#define TQ2_HALF(DOT, off) \
	VPAND   Y2, Y15, Y3 \
	DOT(off+0(DX), Y3, Y0) \
	VPSRLW  $2, Y2, Y3 \
	VPAND   Y3, Y15, Y3 \
	DOT(off+32(DX), Y3, Y1) \
	VPSRLW  $4, Y2, Y3 \
	VPAND   Y3, Y15, Y3 \
	DOT(off+64(DX), Y3, Y7) \
	VPSRLW  $6, Y2, Y3 \
	VPAND   Y3, Y15, Y3 \
	DOT(off+96(DX), Y3, Y8)

#define DOT_VNNI(act, codes, acc) VPDPBUSD act, codes, acc

// AVX2: u8×s8 pairs into int16 (|sum| ≤ 508, no saturation), accumulated in
// int16 over one block (≤ 8·508), widened once per block.
#define DOT_AVX2(act, codes, acc) \
	VPMADDUBSW act, codes, Y6 \
	VPADDW     Y6, acc, acc

// func tq2MatVecVNNI(dst *float32, w *byte, rows, nb int, y *BlockQ8K)
TEXT ·tq2MatVecVNNI(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         nb+24(FP), R8
	MOVQ         y+32(FP), R10
	VPBROADCASTQ ·mask03<>(SB), Y15
	VPBROADCASTQ ·minus1w<>(SB), Y14

tq2v_row:
	VXORPS X10, X10, X10
	MOVQ   R10, DX
	MOVQ   R8, BX

tq2v_block:
	VPMADDWD 260(DX), Y14, Y0 // -(bsum pairs): removes the +1 code offset
	VPXOR    Y1, Y1, Y1
	VPXOR    Y7, Y7, Y7
	VPXOR    Y8, Y8, Y8
	VMOVDQU  (SI), Y2
	TQ2_HALF(DOT_VNNI, 4)
	VMOVDQU  32(SI), Y2
	TQ2_HALF(DOT_VNNI, 132)
	VPADDD   Y1, Y0, Y0
	VPADDD   Y8, Y7, Y7
	VPADDD   Y7, Y0, Y0
	HSUMD
	TQ2_BLOCK_FLOAT
	ADDQ     $66, SI
	ADDQ     $292, DX
	DECQ     BX
	JNZ      tq2v_block
	VMOVSS   X10, (DI)
	ADDQ     $4, DI
	DECQ     CX
	JNZ      tq2v_row
	VZEROUPPER
	RET

// func tq2MatVecAVX2(dst *float32, w *byte, rows, nb int, y *BlockQ8K)
TEXT ·tq2MatVecAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         nb+24(FP), R8
	MOVQ         y+32(FP), R10
	VPBROADCASTQ ·mask03<>(SB), Y15
	VPBROADCASTQ ·minus1w<>(SB), Y14
	VPBROADCASTQ ·one1w<>(SB), Y13

tq2a_row:
	VXORPS X10, X10, X10
	MOVQ   R10, DX
	MOVQ   R8, BX

tq2a_block:
	VPXOR      Y0, Y0, Y0
	VPXOR      Y1, Y1, Y1
	VPXOR      Y7, Y7, Y7
	VPXOR      Y8, Y8, Y8
	VMOVDQU    (SI), Y2
	TQ2_HALF(DOT_AVX2, 4)
	VMOVDQU    32(SI), Y2
	TQ2_HALF(DOT_AVX2, 132)
	VPADDW     Y1, Y0, Y0
	VPADDW     Y8, Y7, Y7
	VPADDW     Y7, Y0, Y0
	VMOVDQU    260(DX), Y1
	VPSUBW     Y1, Y0, Y0 // minus the 16 bsums, still in int16 range
	VPMADDWD   Y13, Y0, Y0
	HSUMD
	TQ2_BLOCK_FLOAT
	ADDQ       $66, SI
	ADDQ       $292, DX
	DECQ       BX
	JNZ        tq2a_block
	VMOVSS     X10, (DI)
	ADDQ       $4, DI
	DECQ       CX
	JNZ        tq2a_row
	VZEROUPPER
	RET

// I2S group of 128 weights (32 bytes at SI) against 128 activations at DX.
#define I2S_GROUP(DOT) \
	VMOVDQU (SI), Y2 \
	VPSRLW  $6, Y2, Y3 \
	VPAND   Y3, Y15, Y3 \
	DOT(0(DX), Y3, Y0) \
	VPSRLW  $4, Y2, Y3 \
	VPAND   Y3, Y15, Y3 \
	DOT(32(DX), Y3, Y1) \
	VPSRLW  $2, Y2, Y3 \
	VPAND   Y3, Y15, Y3 \
	DOT(64(DX), Y3, Y7) \
	VPAND   Y2, Y15, Y3 \
	DOT(96(DX), Y3, Y8)

// func i2sMatVecVNNI(dst *int32, w *byte, rows, ng int, q *int8)
// dst[r] = Σ code·q over the row (raw, before offset removal and scaling).
TEXT ·i2sMatVecVNNI(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         ng+24(FP), R8
	MOVQ         q+32(FP), R10
	VPBROADCASTQ ·mask03<>(SB), Y15

i2sv_row:
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	MOVQ  R10, DX
	MOVQ  R8, BX

i2sv_group:
	I2S_GROUP(DOT_VNNI)
	ADDQ $32, SI
	ADDQ $128, DX
	DECQ BX
	JNZ  i2sv_group
	VPADDD Y1, Y0, Y0
	VPADDD Y8, Y7, Y7
	VPADDD Y7, Y0, Y0
	HSUMD
	MOVL AX, (DI)
	ADDQ $4, DI
	DECQ CX
	JNZ  i2sv_row
	VZEROUPPER
	RET

// In the AVX2 I2S kernel, int16 partial sums (≤ 2·(2·128) per lane per group)
// are widened every group.
#define DOT_AVX2_W(act, codes, acc) \
	VPMADDUBSW act, codes, Y6 \
	VPMADDWD   Y13, Y6, Y6 \
	VPADDD     Y6, acc, acc

// func i2sMatVecAVX2(dst *int32, w *byte, rows, ng int, q *int8)
TEXT ·i2sMatVecAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         ng+24(FP), R8
	MOVQ         q+32(FP), R10
	VPBROADCASTQ ·mask03<>(SB), Y15
	VPBROADCASTQ ·one1w<>(SB), Y13

i2sa_row:
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	MOVQ  R10, DX
	MOVQ  R8, BX

i2sa_group:
	I2S_GROUP(DOT_AVX2_W)
	ADDQ $32, SI
	ADDQ $128, DX
	DECQ BX
	JNZ  i2sa_group
	VPADDD Y1, Y0, Y0
	VPADDD Y8, Y7, Y7
	VPADDD Y7, Y0, Y0
	HSUMD
	MOVL AX, (DI)
	ADDQ $4, DI
	DECQ CX
	JNZ  i2sa_row
	VZEROUPPER
	RET

// func decodeTQ2Row(codes *byte, w *byte, nb int)
// Writes the 256 codes (0..2) of each TQ2_0 block in natural order.
TEXT ·decodeTQ2Row(SB), NOSPLIT, $0-24
	MOVQ         codes+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         nb+16(FP), CX
	VPBROADCASTQ ·mask03<>(SB), Y15

dtq2_block:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	VPAND   Y0, Y15, Y2
	VMOVDQU Y2, 0(DI)
	VPAND   Y1, Y15, Y2
	VMOVDQU Y2, 128(DI)
	VPSRLW  $2, Y0, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 32(DI)
	VPSRLW  $2, Y1, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 160(DI)
	VPSRLW  $4, Y0, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 64(DI)
	VPSRLW  $4, Y1, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 192(DI)
	VPSRLW  $6, Y0, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 96(DI)
	VPSRLW  $6, Y1, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 224(DI)
	ADDQ    $66, SI
	ADDQ    $256, DI
	DECQ    CX
	JNZ     dtq2_block
	VZEROUPPER
	RET

// func decodeI2SRow(codes *byte, w *byte, ng int)
// Writes the 128 codes of each I2_S group in natural order.
TEXT ·decodeI2SRow(SB), NOSPLIT, $0-24
	MOVQ         codes+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         ng+16(FP), CX
	VPBROADCASTQ ·mask03<>(SB), Y15

di2s_group:
	VMOVDQU (SI), Y0
	VPSRLW  $6, Y0, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 0(DI)
	VPSRLW  $4, Y0, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 32(DI)
	VPSRLW  $2, Y0, Y2
	VPAND   Y2, Y15, Y2
	VMOVDQU Y2, 64(DI)
	VPAND   Y0, Y15, Y2
	VMOVDQU Y2, 96(DI)
	ADDQ    $32, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     di2s_group
	VZEROUPPER
	RET

DATA ·m128w<>+0(SB)/8, $0xff80ff80ff80ff80
GLOBL ·m128w<>(SB), RODATA|NOPTR, $8
DATA ·x80<>+0(SB)/8, $0x8080808080808080
GLOBL ·x80<>(SB), RODATA|NOPTR, $8

// Q8_FLOAT: X10 += f32(AX) · (scale_w · d_y), the scale at (R11).
#define Q8_FLOAT \
	VMOVSS     (R11), X4 \
	VMULSS     (DX), X4, X4 \
	VCVTSI2SSL AX, X5, X5 \
	VMULSS     X4, X5, X5 \
	VADDSS     X5, X10, X10

// func q8MatVecVNNI(dst *float32, w *byte, rows, nb int, y *BlockQ8K)
//
// VPDPBUSD needs one unsigned operand: the weights are offset by 128
// (XOR 0x80) and 128·Σq_y, from the bsums, is subtracted.
TEXT ·q8MatVecVNNI(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         nb+24(FP), R8
	MOVQ         y+32(FP), R10
	VPBROADCASTQ ·m128w<>(SB), Y14
	VPBROADCASTQ ·x80<>(SB), Z15

q8v_row:
	VXORPS X10, X10, X10
	MOVQ   R10, DX
	MOVQ   SI, R11
	LEAQ   (SI)(R8*4), R12
	MOVQ   R8, BX

q8v_block:
	VPMADDWD  260(DX), Y14, Y0 // -128·(bsum pairs); clears the upper half of Z0
	VPXORD    Z1, Z1, Z1
	VPXORD    (R12), Z15, Z2
	VPDPBUSD  4(DX), Z2, Z0
	VPXORD    64(R12), Z15, Z3
	VPDPBUSD  68(DX), Z3, Z1
	VPXORD    128(R12), Z15, Z2
	VPDPBUSD  132(DX), Z2, Z0
	VPXORD    192(R12), Z15, Z3
	VPDPBUSD  196(DX), Z3, Z1
	VPADDD    Z1, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD    Y1, Y0, Y0
	HSUMD
	Q8_FLOAT
	ADDQ      $4, R11
	ADDQ      $256, R12
	ADDQ      $292, DX
	DECQ      BX
	JNZ       q8v_block
	VMOVSS    X10, (DI)
	ADDQ      $4, DI
	MOVQ      R12, SI
	DECQ      CX
	JNZ       q8v_row
	VZEROUPPER
	RET

// AVX2: |w| (unsigned) times q with w's sign (VPSIGNB); pairs ≤ 2·127·127
// fit int16.
#define Q8_DOT_AVX2(woff, qoff) \
	VMOVDQU    woff(R12), Y2 \
	VPABSB     Y2, Y3 \
	VMOVDQU    qoff(DX), Y6 \
	VPSIGNB    Y2, Y6, Y6 \
	VPMADDUBSW Y6, Y3, Y6 \
	VPMADDWD   Y13, Y6, Y6 \
	VPADDD     Y6, Y0, Y0

// func q8MatVecAVX2(dst *float32, w *byte, rows, nb int, y *BlockQ8K)
TEXT ·q8MatVecAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         nb+24(FP), R8
	MOVQ         y+32(FP), R10
	VPBROADCASTQ ·one1w<>(SB), Y13

q8a_row:
	VXORPS X10, X10, X10
	MOVQ   R10, DX
	MOVQ   SI, R11
	LEAQ   (SI)(R8*4), R12
	MOVQ   R8, BX

q8a_block:
	VPXOR Y0, Y0, Y0
	Q8_DOT_AVX2(0, 4)
	Q8_DOT_AVX2(32, 36)
	Q8_DOT_AVX2(64, 68)
	Q8_DOT_AVX2(96, 100)
	Q8_DOT_AVX2(128, 132)
	Q8_DOT_AVX2(160, 164)
	Q8_DOT_AVX2(192, 196)
	Q8_DOT_AVX2(224, 228)
	HSUMD
	Q8_FLOAT
	ADDQ   $4, R11
	ADDQ   $256, R12
	ADDQ   $292, DX
	DECQ   BX
	JNZ    q8a_block
	VMOVSS X10, (DI)
	ADDQ   $4, DI
	MOVQ   R12, SI
	DECQ   CX
	JNZ    q8a_row
	VZEROUPPER
	RET
