//go:build amd64 && !purego

#include "textflag.h"

// Four-row batched kernels. Each 64-byte activation load (4 positions of 16
// tokens) is used by 4 weight rows and each broadcast weight quad by 32
// tokens, so the L2 traffic per multiply-add is a quarter of the one-row
// kernels'. Codes of row k are at R13 + k·cstride (R15 = cstride,
// R14 = 3·cstride).

// QUAD_4R: one quad, 8 accumulators Z0..Z7 (row k, half s → Z(2k+s)).
#define QUAD_4R \
	VMOVDQU64    (DI), Z8 \
	VMOVDQU64    64(DI), Z9 \
	VPBROADCASTD (R13), Z10 \
	VPBROADCASTD (R13)(R15*1), Z11 \
	VPBROADCASTD (R13)(R15*2), Z12 \
	VPBROADCASTD (R13)(R14*1), Z13 \
	VPDPBUSD     Z8, Z10, Z0 \
	VPDPBUSD     Z9, Z10, Z1 \
	VPDPBUSD     Z8, Z11, Z2 \
	VPDPBUSD     Z9, Z11, Z3 \
	VPDPBUSD     Z8, Z12, Z4 \
	VPDPBUSD     Z9, Z12, Z5 \
	VPDPBUSD     Z8, Z13, Z6 \
	VPDPBUSD     Z9, Z13, Z7 \
	ADDQ         $4, R13 \
	ADDQ         $128, DI

// FIN_ROW(k, off, i0, i1, f0, f1): f += f32(i) · (dw[b][k] · dy[b][half]).
#define FIN_ROW(off, i0, i1, f0, f1) \
	VBROADCASTSS off(DX), Z24 \
	VMULPS       Z22, Z24, Z25 \
	VCVTDQ2PS    i0, i0 \
	VMULPS       Z25, i0, i0 \
	VADDPS       i0, f0, f0 \
	VMULPS       Z23, Z24, Z25 \
	VCVTDQ2PS    i1, i1 \
	VMULPS       Z25, i1, i1 \
	VADDPS       i1, f1, f1

// func tokensQ8K4VNNI(codes *byte, cstride, nb int, a *int8, qneg *int32, dy *float32, dw *float32, npairs int, out *float32, ostride int)
//
// dw is laid out [block][4 rows]; out row k starts at out + k·ostride bytes.
TEXT ·tokensQ8K4VNNI(SB), NOSPLIT, $0-80
	MOVQ codes+0(FP), SI
	MOVQ cstride+8(FP), R15
	MOVQ nb+16(FP), CX
	MOVQ a+24(FP), DI
	MOVQ qneg+32(FP), R8
	MOVQ dy+40(FP), R9
	MOVQ dw+48(FP), R10
	MOVQ npairs+56(FP), R11
	MOVQ out+64(FP), R12
	LEAQ (R15)(R15*2), R14

q4_pair:
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	MOVQ   SI, R13
	MOVQ   R10, DX
	MOVQ   CX, BX

q4_block:
	VMOVDQU32 (R8), Z0
	VMOVDQU32 64(R8), Z1
	VMOVDQA64 Z0, Z2
	VMOVDQA64 Z1, Z3
	VMOVDQA64 Z0, Z4
	VMOVDQA64 Z1, Z5
	VMOVDQA64 Z0, Z6
	VMOVDQA64 Z1, Z7
	MOVQ      $32, AX

q4_quad:
	QUAD_4R
	QUAD_4R
	DECQ AX
	JNZ  q4_quad

	VMOVUPS (R9), Z22
	VMOVUPS 64(R9), Z23
	FIN_ROW(0, Z0, Z1, Z14, Z15)
	FIN_ROW(4, Z2, Z3, Z16, Z17)
	FIN_ROW(8, Z4, Z5, Z18, Z19)
	FIN_ROW(12, Z6, Z7, Z20, Z21)
	ADDQ    $128, R8
	ADDQ    $128, R9
	ADDQ    $16, DX
	DECQ    BX
	JNZ     q4_block

	MOVQ    ostride+72(FP), AX
	VMOVUPS Z14, (R12)
	VMOVUPS Z15, 64(R12)
	VMOVUPS Z16, (R12)(AX*1)
	VMOVUPS Z17, 64(R12)(AX*1)
	VMOVUPS Z18, (R12)(AX*2)
	VMOVUPS Z19, 64(R12)(AX*2)
	LEAQ    (AX)(AX*2), AX
	VMOVUPS Z20, (R12)(AX*1)
	VMOVUPS Z21, 64(R12)(AX*1)
	ADDQ    $128, R12
	DECQ    R11
	JNZ     q4_pair
	VZEROUPPER
	RET

// func tokensI84VNNI(codes *byte, cstride, ng int, a *int8, npairs int, out *int32, ostride int)
//
// Raw Σ code·q over ng groups of 128 positions for 4 rows × 32 tokens per pair.
TEXT ·tokensI84VNNI(SB), NOSPLIT, $0-56
	MOVQ codes+0(FP), SI
	MOVQ cstride+8(FP), R15
	MOVQ ng+16(FP), CX
	MOVQ a+24(FP), DI
	MOVQ npairs+32(FP), R11
	MOVQ out+40(FP), R12
	MOVQ ostride+48(FP), R8
	LEAQ (R15)(R15*2), R14
	LEAQ (R8)(R8*2), R9
	SHLQ $4, CX // 2 quads per iteration, 32 quads per group

i4_pair:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	MOVQ   SI, R13
	MOVQ   CX, AX

i4_quad:
	QUAD_4R
	QUAD_4R
	DECQ AX
	JNZ  i4_quad

	VMOVDQU32 Z0, (R12)
	VMOVDQU32 Z1, 64(R12)
	VMOVDQU32 Z2, (R12)(R8*1)
	VMOVDQU32 Z3, 64(R12)(R8*1)
	VMOVDQU32 Z4, (R12)(R8*2)
	VMOVDQU32 Z5, 64(R12)(R8*2)
	VMOVDQU32 Z6, (R12)(R9*1)
	VMOVDQU32 Z7, 64(R12)(R9*1)
	ADDQ      $128, R12
	DECQ      R11
	JNZ       i4_pair
	VZEROUPPER
	RET

// Half variants for at most 16 tokens: only the first 64 bytes of each
// 128-byte quad row (tokens 0..15) are read; Z0, Z2, Z4, Z6 accumulate.
#define QUAD_4R_HALF \
	VMOVDQU64    (DI), Z8 \
	VPBROADCASTD (R13), Z10 \
	VPBROADCASTD (R13)(R15*1), Z11 \
	VPBROADCASTD (R13)(R15*2), Z12 \
	VPBROADCASTD (R13)(R14*1), Z13 \
	VPDPBUSD     Z8, Z10, Z0 \
	VPDPBUSD     Z8, Z11, Z2 \
	VPDPBUSD     Z8, Z12, Z4 \
	VPDPBUSD     Z8, Z13, Z6 \
	ADDQ         $4, R13 \
	ADDQ         $128, DI

#define FIN_ROW_HALF(off, i0, f0) \
	VBROADCASTSS off(DX), Z24 \
	VMULPS       Z22, Z24, Z25 \
	VCVTDQ2PS    i0, i0 \
	VMULPS       Z25, i0, i0 \
	VADDPS       i0, f0, f0

// func tokensQ8K4HalfVNNI(codes *byte, cstride, nb int, a *int8, qneg *int32, dy *float32, dw *float32, out *float32, ostride int)
//
// tokensQ8K4VNNI for one pair whose tokens 16..31 are padding.
TEXT ·tokensQ8K4HalfVNNI(SB), NOSPLIT, $0-72
	MOVQ codes+0(FP), SI
	MOVQ cstride+8(FP), R15
	MOVQ nb+16(FP), CX
	MOVQ a+24(FP), DI
	MOVQ qneg+32(FP), R8
	MOVQ dy+40(FP), R9
	MOVQ dw+48(FP), R10
	MOVQ out+56(FP), R12
	LEAQ (R15)(R15*2), R14
	VPXORD Z14, Z14, Z14
	VPXORD Z16, Z16, Z16
	VPXORD Z18, Z18, Z18
	VPXORD Z20, Z20, Z20
	MOVQ   SI, R13
	MOVQ   R10, DX
	MOVQ   CX, BX

qh_block:
	VMOVDQU32 (R8), Z0
	VMOVDQA64 Z0, Z2
	VMOVDQA64 Z0, Z4
	VMOVDQA64 Z0, Z6
	MOVQ      $32, AX

qh_quad:
	QUAD_4R_HALF
	QUAD_4R_HALF
	DECQ AX
	JNZ  qh_quad

	VMOVUPS (R9), Z22
	FIN_ROW_HALF(0, Z0, Z14)
	FIN_ROW_HALF(4, Z2, Z16)
	FIN_ROW_HALF(8, Z4, Z18)
	FIN_ROW_HALF(12, Z6, Z20)
	ADDQ    $128, R8
	ADDQ    $128, R9
	ADDQ    $16, DX
	DECQ    BX
	JNZ     qh_block

	MOVQ    ostride+64(FP), AX
	VMOVUPS Z14, (R12)
	VMOVUPS Z16, (R12)(AX*1)
	VMOVUPS Z18, (R12)(AX*2)
	LEAQ    (AX)(AX*2), AX
	VMOVUPS Z20, (R12)(AX*1)
	VZEROUPPER
	RET

// func tokensI84HalfVNNI(codes *byte, cstride, ng int, a *int8, out *int32, ostride int)
//
// tokensI84VNNI for one pair whose tokens 16..31 are padding.
TEXT ·tokensI84HalfVNNI(SB), NOSPLIT, $0-48
	MOVQ   codes+0(FP), SI
	MOVQ   cstride+8(FP), R15
	MOVQ   ng+16(FP), CX
	MOVQ   a+24(FP), DI
	MOVQ   out+32(FP), R12
	MOVQ   ostride+40(FP), R8
	LEAQ   (R15)(R15*2), R14
	LEAQ   (R8)(R8*2), R9
	SHLQ   $4, CX
	VPXORD Z0, Z0, Z0
	VPXORD Z2, Z2, Z2
	VPXORD Z4, Z4, Z4
	VPXORD Z6, Z6, Z6
	MOVQ   SI, R13

ih_quad:
	QUAD_4R_HALF
	QUAD_4R_HALF
	DECQ CX
	JNZ  ih_quad

	VMOVDQU32 Z0, (R12)
	VMOVDQU32 Z2, (R12)(R8*1)
	VMOVDQU32 Z4, (R12)(R8*2)
	VMOVDQU32 Z6, (R12)(R9*1)
	VZEROUPPER
	RET
