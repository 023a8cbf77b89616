//go:build amd64 && !purego

#include "textflag.h"

// TQ1_0 kernels (AVX2). A byte b holds base-3 digits as a fixed-point
// fraction; digit k is ((uint8)(b·3^k) · 3) >> 8. With b kept in the high
// byte of a 16-bit lane, VPMULLW by 3^k leaves (b·3^k mod 256) << 8 and
// VPMULHUW by 3 then yields the digit.
//
// Registers: Y8..Y11 = 3, 9, 27, 81 in every word; Y13 = the qh multipliers
// (1,1,1,1,3,3,3,3,9,9,9,9,27,27,27,27); Y14 = -1 words.

DATA ·w3<>+0(SB)/8, $0x0003000300030003
GLOBL ·w3<>(SB), RODATA|NOPTR, $8
DATA ·w9<>+0(SB)/8, $0x0009000900090009
GLOBL ·w9<>(SB), RODATA|NOPTR, $8
DATA ·w27<>+0(SB)/8, $0x001b001b001b001b
GLOBL ·w27<>(SB), RODATA|NOPTR, $8
DATA ·w81<>+0(SB)/8, $0x0051005100510051
GLOBL ·w81<>(SB), RODATA|NOPTR, $8
DATA ·wm1<>+0(SB)/8, $0xffffffffffffffff
GLOBL ·wm1<>(SB), RODATA|NOPTR, $8
DATA ·qhmul<>+0(SB)/8, $0x0001000100010001
DATA ·qhmul<>+8(SB)/8, $0x0003000300030003
DATA ·qhmul<>+16(SB)/8, $0x0009000900090009
DATA ·qhmul<>+24(SB)/8, $0x001b001b001b001b
GLOBL ·qhmul<>(SB), RODATA|NOPTR, $32

#define TQ1_CONSTS \
	VPBROADCASTQ ·w3<>(SB), Y8 \
	VPBROADCASTQ ·w9<>(SB), Y9 \
	VPBROADCASTQ ·w27<>(SB), Y10 \
	VPBROADCASTQ ·w81<>(SB), Y11 \
	VMOVDQU      ·qhmul<>(SB), Y13 \
	VPBROADCASTQ ·wm1<>(SB), Y14

// Y1 = the 16 bytes at addr, each in the high byte of a word.
#define TQ1_LOAD(addr) \
	VPMOVZXBW addr, Y1 \
	VPSLLW    $8, Y1, Y1

// Y2 = digit 0 / digit k of Y1 (pow = Y8..Y11 for k = 1..4).
#define TQ1_DIG0 VPMULHUW Y8, Y1, Y2
#define TQ1_DIG(pow) \
	VPMULLW  pow, Y1, Y2 \
	VPMULHUW Y8, Y2, Y2

// Store the 16 digit words of Y2 as bytes at off(DI).
#define TQ1_ST(off) \
	VEXTRACTI128 $1, Y2, X3 \
	VPACKUSWB    X3, X2, X3 \
	VMOVDQU      X3, off(DI)

#define TQ1_5ST(addr, off, step) \
	TQ1_LOAD(addr) \
	TQ1_DIG0 \
	TQ1_ST(off) \
	TQ1_DIG(Y8) \
	TQ1_ST(off+step) \
	TQ1_DIG(Y9) \
	TQ1_ST(off+2*step) \
	TQ1_DIG(Y10) \
	TQ1_ST(off+3*step) \
	TQ1_DIG(Y11) \
	TQ1_ST(off+4*step)

// Widened-activation forms: Y0 += digits(Y2) · the 16 int16 at off(R13).
#define TQ1W_DOT(off) \
	VPMADDWD off(R13), Y2, Y3 \
	VPADDD   Y3, Y0, Y0

#define TQ1W_5DOT(addr, off, step) \
	TQ1_LOAD(addr) \
	TQ1_DIG0 \
	TQ1W_DOT(off) \
	TQ1_DIG(Y8) \
	TQ1W_DOT(off+step) \
	TQ1_DIG(Y9) \
	TQ1W_DOT(off+2*step) \
	TQ1_DIG(Y10) \
	TQ1W_DOT(off+3*step) \
	TQ1_DIG(Y11) \
	TQ1W_DOT(off+4*step)

// func tq1MatVecAVX2W(dst *float32, w *byte, rows, nb int, y *BlockQ8K, yw *int16)
//
// tq1MatVecAVX2 with y's codes pre-widened to int16 in yw (see
// tq1MatVecAVX512).
TEXT ·tq1MatVecAVX2W(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ nb+24(FP), R8
	MOVQ y+32(FP), R10
	MOVQ yw+40(FP), R15
	TQ1_CONSTS

tq1w_row:
	VXORPS X12, X12, X12
	MOVQ   R10, DX
	MOVQ   R15, R13
	MOVQ   R8, BX

tq1w_block:
	VPMADDWD 260(DX), Y14, Y0 // -(bsum pairs): removes the +1 code offset
	TQ1W_5DOT(0(SI), 0, 64)
	TQ1W_5DOT(16(SI), 32, 64)
	TQ1W_5DOT(32(SI), 320, 32)
	VPBROADCASTD 48(SI), X1
	VPMOVZXBW    X1, Y1
	VPSLLW       $8, Y1, Y1
	VPMULLW      Y13, Y1, Y2
	VPMULHUW     Y8, Y2, Y2
	TQ1W_DOT(480)

	// horizontal sum of Y0 into AX
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xb1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, AX

	// X12 += f32(sum) · (f16(d_w) · d_y)
	MOVWLZX    52(SI), R9
	VMOVD      R9, X4
	VCVTPH2PS  X4, X4
	VMULSS     (DX), X4, X4
	VCVTSI2SSL AX, X5, X5
	VMULSS     X4, X5, X5
	VADDSS     X5, X12, X12
	ADDQ       $54, SI
	ADDQ       $292, DX
	ADDQ       $512, R13
	DECQ       BX
	JNZ        tq1w_block
	VMOVSS     X12, (DI)
	ADDQ       $4, DI
	DECQ       CX
	JNZ        tq1w_row
	VZEROUPPER
	RET

// AVX-512 BW variant: qs[0..31] as 32 words per instruction into Z0; the
// 16-byte parts into Y4 (VEX writes to Y0 would clear Z0's upper half).

#define TQ1Z_DIG0 VPMULHUW Z8, Z1, Z2
#define TQ1Z_DIG(pow) \
	VPMULLW  pow, Z1, Z2 \
	VPMULHUW Z8, Z2, Z2

#define TQ1W_DOTZ(off) \
	VPMADDWD off(R13), Z2, Z3 \
	VPADDD   Z3, Z0, Z0

#define TQ1W_DOTY(off) \
	VPMADDWD off(R13), Y2, Y3 \
	VPADDD   Y3, Y4, Y4

// func tq1MatVecAVX512(dst *float32, w *byte, rows, nb int, y *BlockQ8K, yw *int16)
//
// yw holds y's codes widened to int16 (256 per block), made once per call
// so the rows do not each sign-extend the activations again.
TEXT ·tq1MatVecAVX512(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         rows+16(FP), CX
	MOVQ         nb+24(FP), R8
	MOVQ         y+32(FP), R10
	MOVQ         yw+40(FP), R15
	TQ1_CONSTS
	VPBROADCASTQ ·w3<>(SB), Z8
	VPBROADCASTQ ·w9<>(SB), Z9
	VPBROADCASTQ ·w27<>(SB), Z10
	VPBROADCASTQ ·w81<>(SB), Z11

tq1z_row:
	VXORPS X12, X12, X12
	MOVQ   R10, DX
	MOVQ   R15, R13
	MOVQ   R8, BX

tq1z_block:
	VPMADDWD  260(DX), Y14, Y4 // -(bsum pairs)
	VPXORD    Z0, Z0, Z0
	VPMOVZXBW (SI), Z1
	VPSLLW    $8, Z1, Z1
	TQ1Z_DIG0
	TQ1W_DOTZ(0)
	TQ1Z_DIG(Z8)
	TQ1W_DOTZ(64)
	TQ1Z_DIG(Z9)
	TQ1W_DOTZ(128)
	TQ1Z_DIG(Z10)
	TQ1W_DOTZ(192)
	TQ1Z_DIG(Z11)
	TQ1W_DOTZ(256)

	TQ1_LOAD(32(SI))
	TQ1_DIG0
	TQ1W_DOTY(320)
	TQ1_DIG(Y8)
	TQ1W_DOTY(352)
	TQ1_DIG(Y9)
	TQ1W_DOTY(384)
	TQ1_DIG(Y10)
	TQ1W_DOTY(416)
	TQ1_DIG(Y11)
	TQ1W_DOTY(448)
	VPBROADCASTD 48(SI), X1
	VPMOVZXBW    X1, Y1
	VPSLLW       $8, Y1, Y1
	VPMULLW      Y13, Y1, Y2
	VPMULHUW     Y8, Y2, Y2
	TQ1W_DOTY(480)

	VPADDD        Z4, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD        Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0xb1, X0, X1
	VPADDD        X1, X0, X0
	VMOVD         X0, AX

	MOVWLZX    52(SI), R9
	VMOVD      R9, X4
	VCVTPH2PS  X4, X4
	VMULSS     (DX), X4, X4
	VCVTSI2SSL AX, X5, X5
	VMULSS     X4, X5, X5
	VADDSS     X5, X12, X12
	ADDQ       $54, SI
	ADDQ       $292, DX
	ADDQ       $512, R13
	DECQ       BX
	JNZ        tq1z_block
	VMOVSS     X12, (DI)
	ADDQ       $4, DI
	DECQ       CX
	JNZ        tq1z_row
	VZEROUPPER
	RET

// func decodeTQ1Row(codes *byte, w *byte, nb int)
// Writes the 256 codes (0..2) of each TQ1_0 block in natural order.
TEXT ·decodeTQ1Row(SB), NOSPLIT, $0-24
	MOVQ codes+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ nb+16(FP), CX
	TQ1_CONSTS

dtq1_block:
	TQ1_5ST(0(SI), 0, 32)
	TQ1_5ST(16(SI), 16, 32)
	TQ1_5ST(32(SI), 160, 16)
	VPBROADCASTD 48(SI), X1
	VPMOVZXBW    X1, Y1
	VPSLLW       $8, Y1, Y1
	VPMULLW      Y13, Y1, Y2
	VPMULHUW     Y8, Y2, Y2
	TQ1_ST(240)
	ADDQ         $54, SI
	ADDQ         $256, DI
	DECQ         CX
	JNZ          dtq1_block
	VZEROUPPER
	RET
