//go:build amd64 && !purego

#include "textflag.h"

// Batched kernels: 32 tokens ("a pair" of 16-token halves) share each
// broadcast weight quad. Activations are prepared by prepQ8K / prepI8S as
//   a[pair][block][quad p][token 0..31][4 bytes]   (128 bytes per quad)
// so one 64-byte load holds 4 consecutive positions of 16 tokens, and
// VPDPBUSD(broadcast codes[4p..4p+3], a) advances 16 token sums at once with
// no horizontal reduction.

// QUAD4(off) handles quads p..p+3 at codes R13+off/32 (4 bytes each) and
// activations DI+off (128 bytes each); 8 accumulator chains Z0..Z7.
#define QUAD4 \
	VPBROADCASTD 0(R13), Z8 \
	VPDPBUSD     0(DI), Z8, Z0 \
	VPDPBUSD     64(DI), Z8, Z4 \
	VPBROADCASTD 4(R13), Z9 \
	VPDPBUSD     128(DI), Z9, Z1 \
	VPDPBUSD     192(DI), Z9, Z5 \
	VPBROADCASTD 8(R13), Z10 \
	VPDPBUSD     256(DI), Z10, Z2 \
	VPDPBUSD     320(DI), Z10, Z6 \
	VPBROADCASTD 12(R13), Z11 \
	VPDPBUSD     384(DI), Z11, Z3 \
	VPDPBUSD     448(DI), Z11, Z7 \
	ADDQ         $16, R13 \
	ADDQ         $512, DI

// func tokensQ8KVNNI(codes *byte, nb int, a *int8, qneg *int32, dy *float32, dw *float32, npairs int, out *float32)
//
// For each pair of 16-token groups: out[t] = Σ_b f32(Σ codes·q − Σq) · (dw[b]·dy[b][t]),
// blocks added in order (the Go reference's rounding).
// qneg and dy are laid out [pair][block][32].
TEXT ·tokensQ8KVNNI(SB), NOSPLIT, $0-64
	MOVQ codes+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ a+16(FP), DI
	MOVQ qneg+24(FP), R8
	MOVQ dy+32(FP), R9
	MOVQ dw+40(FP), R10
	MOVQ npairs+48(FP), R11
	MOVQ out+56(FP), R12

tq_pair:
	VXORPS Z20, Z20, Z20
	VXORPS Z21, Z21, Z21
	MOVQ   SI, R13
	MOVQ   R10, R14
	MOVQ   CX, BX

tq_block:
	VMOVDQU32 (R8), Z0
	VMOVDQU32 64(R8), Z4
	VPXORD    Z1, Z1, Z1
	VPXORD    Z2, Z2, Z2
	VPXORD    Z3, Z3, Z3
	VPXORD    Z5, Z5, Z5
	VPXORD    Z6, Z6, Z6
	VPXORD    Z7, Z7, Z7
	MOVQ      $16, DX

tq_quad:
	QUAD4
	DECQ DX
	JNZ  tq_quad

	VPADDD        Z1, Z0, Z0
	VPADDD        Z3, Z2, Z2
	VPADDD        Z2, Z0, Z0
	VPADDD        Z5, Z4, Z4
	VPADDD        Z7, Z6, Z6
	VPADDD        Z6, Z4, Z4
	VCVTDQ2PS     Z0, Z0
	VCVTDQ2PS     Z4, Z4
	VBROADCASTSS  (R14), Z12
	VMULPS        (R9), Z12, Z13
	VMULPS        64(R9), Z12, Z14
	VMULPS        Z13, Z0, Z0
	VMULPS        Z14, Z4, Z4
	VADDPS        Z0, Z20, Z20
	VADDPS        Z4, Z21, Z21
	ADDQ          $128, R8
	ADDQ          $128, R9
	ADDQ          $4, R14
	DECQ          BX
	JNZ           tq_block

	VMOVUPS Z20, (R12)
	VMOVUPS Z21, 64(R12)
	ADDQ    $128, R12
	DECQ    R11
	JNZ     tq_pair
	VZEROUPPER
	RET

// func tokensI8VNNI(codes *byte, ng int, a *int8, npairs int, out *int32)
//
// For each pair: out[t] = Σ codes·q over ng groups of 128 positions (raw).
TEXT ·tokensI8VNNI(SB), NOSPLIT, $0-40
	MOVQ codes+0(FP), SI
	MOVQ ng+8(FP), CX
	MOVQ a+16(FP), DI
	MOVQ npairs+24(FP), R11
	MOVQ out+32(FP), R12

ti_pair:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	MOVQ   SI, R13
	MOVQ   CX, BX

ti_group:
	MOVQ $8, DX

ti_quad:
	QUAD4
	DECQ DX
	JNZ  ti_quad
	DECQ BX
	JNZ  ti_group

	VPADDD    Z1, Z0, Z0
	VPADDD    Z3, Z2, Z2
	VPADDD    Z2, Z0, Z0
	VPADDD    Z5, Z4, Z4
	VPADDD    Z7, Z6, Z6
	VPADDD    Z6, Z4, Z4
	VMOVDQU32 Z0, (R12)
	VMOVDQU32 Z4, 64(R12)
	ADDQ      $128, R12
	DECQ      R11
	JNZ       ti_pair
	VZEROUPPER
	RET

// AVX2 versions: a 128-byte quad row is 4 ymm of 8 tokens. VPMADDUBSW gives
// int16 pairs (|v| ≤ 2·2·128), summed in int16 over 32 quads (≤ 16384) and
// widened with VPMADDWD(1) once per 128 positions.

#define AQUAD(off) \
	VPBROADCASTD off(R13), Y8 \
	VPMADDUBSW   (off*32)(DI), Y8, Y9 \
	VPADDW       Y9, Y0, Y0 \
	VPMADDUBSW   (off*32+32)(DI), Y8, Y9 \
	VPADDW       Y9, Y1, Y1 \
	VPMADDUBSW   (off*32+64)(DI), Y8, Y9 \
	VPADDW       Y9, Y2, Y2 \
	VPMADDUBSW   (off*32+96)(DI), Y8, Y9 \
	VPADDW       Y9, Y3, Y3

// A32 runs 32 quads (128 positions) into int16 Y0..Y3 and widens into
// int32 Y4..Y7.
#define A32(lbl) \
	VPXOR    Y0, Y0, Y0 \
	VPXOR    Y1, Y1, Y1 \
	VPXOR    Y2, Y2, Y2 \
	VPXOR    Y3, Y3, Y3 \
	MOVQ     $8, DX \
lbl: \
	AQUAD(0) \
	AQUAD(4) \
	AQUAD(8) \
	AQUAD(12) \
	ADDQ     $16, R13 \
	ADDQ     $512, DI \
	DECQ     DX \
	JNZ      lbl \
	VPMADDWD Y0, Y15, Y0 \
	VPADDD   Y0, Y4, Y4 \
	VPMADDWD Y1, Y15, Y1 \
	VPADDD   Y1, Y5, Y5 \
	VPMADDWD Y2, Y15, Y2 \
	VPADDD   Y2, Y6, Y6 \
	VPMADDWD Y3, Y15, Y3 \
	VPADDD   Y3, Y7, Y7

DATA ·one1wT<>+0(SB)/8, $0x0001000100010001
GLOBL ·one1wT<>(SB), RODATA|NOPTR, $8

// func tokensI8AVX2(codes *byte, ng int, a *int8, npairs int, out *int32)
TEXT ·tokensI8AVX2(SB), NOSPLIT, $0-40
	MOVQ         codes+0(FP), SI
	MOVQ         ng+8(FP), CX
	MOVQ         a+16(FP), DI
	MOVQ         npairs+24(FP), R11
	MOVQ         out+32(FP), R12
	VPBROADCASTQ ·one1wT<>(SB), Y15

tia_pair:
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	MOVQ  SI, R13
	MOVQ  CX, BX

tia_group:
	A32(tia_q)
	DECQ BX
	JNZ  tia_group
	VMOVDQU Y4, (R12)
	VMOVDQU Y5, 32(R12)
	VMOVDQU Y6, 64(R12)
	VMOVDQU Y7, 96(R12)
	ADDQ    $128, R12
	DECQ    R11
	JNZ     tia_pair
	VZEROUPPER
	RET

// func tokensQ8KAVX2(codes *byte, nb int, a *int8, qneg *int32, dy *float32, dw *float32, npairs int, out *float32)
TEXT ·tokensQ8KAVX2(SB), NOSPLIT, $0-64
	MOVQ         codes+0(FP), SI
	MOVQ         nb+8(FP), CX
	MOVQ         a+16(FP), DI
	MOVQ         qneg+24(FP), R8
	MOVQ         dy+32(FP), R9
	MOVQ         dw+40(FP), R10
	MOVQ         npairs+48(FP), R11
	MOVQ         out+56(FP), R12
	VPBROADCASTQ ·one1wT<>(SB), Y15

tqa_pair:
	// float accumulators for 32 tokens live in out[0..31], zeroed here
	VXORPS  Y10, Y10, Y10
	VMOVUPS Y10, (R12)
	VMOVUPS Y10, 32(R12)
	VMOVUPS Y10, 64(R12)
	VMOVUPS Y10, 96(R12)
	MOVQ    SI, R13
	MOVQ    R10, R14
	MOVQ    CX, BX

tqa_block:
	VMOVDQU (R8), Y4
	VMOVDQU 32(R8), Y5
	VMOVDQU 64(R8), Y6
	VMOVDQU 96(R8), Y7
	A32(tqa_q0)
	A32(tqa_q1)
	VBROADCASTSS (R14), Y12
	VCVTDQ2PS    Y4, Y4
	VMULPS       (R9), Y12, Y13
	VMULPS       Y13, Y4, Y4
	VADDPS       (R12), Y4, Y4
	VMOVUPS      Y4, (R12)
	VCVTDQ2PS    Y5, Y5
	VMULPS       32(R9), Y12, Y13
	VMULPS       Y13, Y5, Y5
	VADDPS       32(R12), Y5, Y5
	VMOVUPS      Y5, 32(R12)
	VCVTDQ2PS    Y6, Y6
	VMULPS       64(R9), Y12, Y13
	VMULPS       Y13, Y6, Y6
	VADDPS       64(R12), Y6, Y6
	VMOVUPS      Y6, 64(R12)
	VCVTDQ2PS    Y7, Y7
	VMULPS       96(R9), Y12, Y13
	VMULPS       Y13, Y7, Y7
	VADDPS       96(R12), Y7, Y7
	VMOVUPS      Y7, 96(R12)
	ADDQ         $128, R8
	ADDQ         $128, R9
	ADDQ         $4, R14
	DECQ         BX
	JNZ          tqa_block

	ADDQ $128, R12
	DECQ R11
	JNZ  tqa_pair
	VZEROUPPER
	RET
