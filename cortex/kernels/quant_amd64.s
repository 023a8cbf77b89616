//go:build amd64 && !purego

#include "textflag.h"

DATA ·absmask<>+0(SB)/4, $0x7fffffff
GLOBL ·absmask<>(SB), RODATA|NOPTR, $4
DATA ·i127<>+0(SB)/4, $127
GLOBL ·i127<>(SB), RODATA|NOPTR, $4
DATA ·fm127<>+0(SB)/4, $-127.0
GLOBL ·fm127<>(SB), RODATA|NOPTR, $4
DATA ·f1<>+0(SB)/4, $1.0
GLOBL ·f1<>(SB), RODATA|NOPTR, $4

// FIND(c) jumps to qfound with AX = index of the first lane of chunk c whose
// |x| equals the block maximum (Z16, broadcast).
#define FIND(zc, c, lbl) \
	VANDPS   Z31, zc, Z17 \
	VCMPPS   $0, Z16, Z17, K1 \
	KMOVW    K1, AX \
	TESTL    AX, AX \
	JZ       lbl \
	TZCNTL   AX, AX \
	ADDL     $(c*16), AX \
	JMP      qfound \
lbl:

#define QCHUNK(zc, c) \
	VMULPS    Z18, zc, zc \
	VCVTPS2DQ zc, zc \
	VPMINSD   Z30, zc, zc \
	VPMOVDB   zc, (4+c*16)(DI)

// PAIR(a, b, t): t = per-128-bit-lane partial sums of a and b interleaved.
#define PAIR(za, zb, zt) \
	VPUNPCKLDQ zb, za, Z28 \
	VPUNPCKHDQ zb, za, Z29 \
	VPADDD     Z29, Z28, zt

#define QUAD(za, zb, zt) \
	VPUNPCKLQDQ zb, za, Z28 \
	VPUNPCKHQDQ zb, za, Z29 \
	VPADDD      Z29, Z28, zt

// func quantizeQ8KAVX512(x *float32, y *BlockQ8K, nb int)
//
// ggml's quantize_row_q8_K: the products are rounded to f32 by VMULPS and
// converted with round-half-even (VCVTPS2DQ under the default MXCSR), which
// is nearest_int's result for |v| ≤ 127.
TEXT ·quantizeQ8KAVX512(SB), NOSPLIT, $0-24
	MOVQ         x+0(FP), SI
	MOVQ         y+8(FP), DI
	MOVQ         nb+16(FP), CX
	VBROADCASTSS ·absmask<>(SB), Z31
	VPBROADCASTD ·i127<>(SB), Z30

qblock:
	VMOVUPS 0(SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VMOVUPS 256(SI), Z4
	VMOVUPS 320(SI), Z5
	VMOVUPS 384(SI), Z6
	VMOVUPS 448(SI), Z7
	VMOVUPS 512(SI), Z8
	VMOVUPS 576(SI), Z9
	VMOVUPS 640(SI), Z10
	VMOVUPS 704(SI), Z11
	VMOVUPS 768(SI), Z12
	VMOVUPS 832(SI), Z13
	VMOVUPS 896(SI), Z14
	VMOVUPS 960(SI), Z15

	// Z16 = max |x| over the block, in every lane
	VANDPS Z31, Z0, Z16
	VANDPS Z31, Z1, Z17
	VANDPS Z31, Z2, Z18
	VANDPS Z31, Z3, Z19
	VMAXPS Z17, Z16, Z16
	VMAXPS Z19, Z18, Z18
	VANDPS Z31, Z4, Z17
	VANDPS Z31, Z5, Z19
	VMAXPS Z17, Z16, Z16
	VMAXPS Z19, Z18, Z18
	VANDPS Z31, Z6, Z17
	VANDPS Z31, Z7, Z19
	VMAXPS Z17, Z16, Z16
	VMAXPS Z19, Z18, Z18
	VANDPS Z31, Z8, Z17
	VANDPS Z31, Z9, Z19
	VMAXPS Z17, Z16, Z16
	VMAXPS Z19, Z18, Z18
	VANDPS Z31, Z10, Z17
	VANDPS Z31, Z11, Z19
	VMAXPS Z17, Z16, Z16
	VMAXPS Z19, Z18, Z18
	VANDPS Z31, Z12, Z17
	VANDPS Z31, Z13, Z19
	VMAXPS Z17, Z16, Z16
	VMAXPS Z19, Z18, Z18
	VANDPS Z31, Z14, Z17
	VANDPS Z31, Z15, Z19
	VMAXPS Z17, Z16, Z16
	VMAXPS Z19, Z18, Z18
	VMAXPS Z18, Z16, Z16
	VSHUFF32X4 $0x4e, Z16, Z16, Z17
	VMAXPS     Z17, Z16, Z16
	VSHUFF32X4 $0xb1, Z16, Z16, Z17
	VMAXPS     Z17, Z16, Z16
	VPERMILPS  $0x4e, Z16, Z17
	VMAXPS     Z17, Z16, Z16
	VPERMILPS  $0xb1, Z16, Z17
	VMAXPS     Z17, Z16, Z16
	VMOVD      X16, AX
	TESTL      AX, AX
	JZ         qzero

	FIND(Z0, 0, qnot0)
	FIND(Z1, 1, qnot1)
	FIND(Z2, 2, qnot2)
	FIND(Z3, 3, qnot3)
	FIND(Z4, 4, qnot4)
	FIND(Z5, 5, qnot5)
	FIND(Z6, 6, qnot6)
	FIND(Z7, 7, qnot7)
	FIND(Z8, 8, qnot8)
	FIND(Z9, 9, qnot9)
	FIND(Z10, 10, qnot10)
	FIND(Z11, 11, qnot11)
	FIND(Z12, 12, qnot12)
	FIND(Z13, 13, qnot13)
	FIND(Z14, 14, qnot14)
	FIND(Z15, 15, qnot15)
	JMP qzero // unreachable unless NaN: treat as zero

qfound:
	VMOVSS       (SI)(AX*4), X17    // m, the signed value
	VMOVSS       ·fm127<>(SB), X18
	VDIVSS       X17, X18, X18      // iscale = -127/m
	VMOVSS       ·f1<>(SB), X19
	VDIVSS       X18, X19, X19      // d = 1/iscale
	VMOVSS       X19, 0(DI)
	VBROADCASTSS X18, Z18
	QCHUNK(Z0, 0)
	QCHUNK(Z1, 1)
	QCHUNK(Z2, 2)
	QCHUNK(Z3, 3)
	QCHUNK(Z4, 4)
	QCHUNK(Z5, 5)
	QCHUNK(Z6, 6)
	QCHUNK(Z7, 7)
	QCHUNK(Z8, 8)
	QCHUNK(Z9, 9)
	QCHUNK(Z10, 10)
	QCHUNK(Z11, 11)
	QCHUNK(Z12, 12)
	QCHUNK(Z13, 13)
	QCHUNK(Z14, 14)
	QCHUNK(Z15, 15)

	// bsums[i] = Σ lanes of chunk i: transpose-add the 16 vectors.
	PAIR(Z0, Z1, Z16)
	PAIR(Z2, Z3, Z17)
	PAIR(Z4, Z5, Z18)
	PAIR(Z6, Z7, Z19)
	PAIR(Z8, Z9, Z20)
	PAIR(Z10, Z11, Z21)
	PAIR(Z12, Z13, Z22)
	PAIR(Z14, Z15, Z23)
	QUAD(Z16, Z17, Z0)
	QUAD(Z18, Z19, Z1)
	QUAD(Z20, Z21, Z2)
	QUAD(Z22, Z23, Z3)
	VSHUFI32X4 $0x44, Z1, Z0, Z28
	VSHUFI32X4 $0xee, Z1, Z0, Z29
	VPADDD     Z29, Z28, Z4
	VSHUFI32X4 $0x44, Z3, Z2, Z28
	VSHUFI32X4 $0xee, Z3, Z2, Z29
	VPADDD     Z29, Z28, Z5
	VSHUFI32X4 $0x88, Z5, Z4, Z28
	VSHUFI32X4 $0xdd, Z5, Z4, Z29
	VPADDD     Z29, Z28, Z6
	VPMOVDW    Z6, 260(DI)
	JMP        qnext

qzero:
	VPXORD    Z0, Z0, Z0
	MOVL      $0, 0(DI)
	VMOVDQU64 Z0, 4(DI)
	VMOVDQU64 Z0, 68(DI)
	VMOVDQU64 Z0, 132(DI)
	VMOVDQU64 Z0, 196(DI)
	VMOVDQU64 Y0, 260(DI)

qnext:
	ADDQ $1024, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  qblock
	VZEROUPPER
	RET

DATA ·im128<>+0(SB)/4, $-128
GLOBL ·im128<>(SB), RODATA|NOPTR, $4

// func absMaxAVX512(x *float32, n int) float32
// n is a positive multiple of 64.
TEXT ·absMaxAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	SHRQ         $6, CX
	VBROADCASTSS ·absmask<>(SB), Z31
	VPXORD       Z0, Z0, Z0
	VPXORD       Z1, Z1, Z1
	VPXORD       Z2, Z2, Z2
	VPXORD       Z3, Z3, Z3

am_loop:
	VANDPS  (SI), Z31, Z4
	VANDPS  64(SI), Z31, Z5
	VANDPS  128(SI), Z31, Z6
	VANDPS  192(SI), Z31, Z7
	VMAXPS  Z4, Z0, Z0
	VMAXPS  Z5, Z1, Z1
	VMAXPS  Z6, Z2, Z2
	VMAXPS  Z7, Z3, Z3
	ADDQ    $256, SI
	DECQ    CX
	JNZ     am_loop
	VMAXPS     Z1, Z0, Z0
	VMAXPS     Z3, Z2, Z2
	VMAXPS     Z2, Z0, Z0
	VSHUFF32X4 $0x4e, Z0, Z0, Z1
	VMAXPS     Z1, Z0, Z0
	VSHUFF32X4 $0xb1, Z0, Z0, Z1
	VMAXPS     Z1, Z0, Z0
	VPERMILPS  $0x4e, Z0, Z1
	VMAXPS     Z1, Z0, Z0
	VPERMILPS  $0xb1, Z0, Z1
	VMAXPS     Z1, Z0, Z0
	VMOVSS     X0, ret+16(FP)
	VZEROUPPER
	RET

// func quantI8SAVX512(x *float32, q *int8, n int, scale float32) int32
//
// q = clamp(round-half-even(f32(x·scale)), -128, 127); returns Σq, as
// bitnet.cpp's nearest_int: VCVTPS2DQ rounds to nearest even (Go keeps
// MXCSR at its default). n is a positive multiple of 16.
TEXT ·quantI8SAVX512(SB), NOSPLIT, $0-36
	MOVQ         x+0(FP), SI
	MOVQ         q+8(FP), DI
	MOVQ         n+16(FP), CX
	SHRQ         $4, CX
	VBROADCASTSS scale+24(FP), Z30
	VPBROADCASTD ·i127<>(SB), Z27
	VPBROADCASTD ·im128<>(SB), Z26
	VPXORD       Z0, Z0, Z0

qi_loop:
	VMULPS      (SI), Z30, Z1
	VCVTPS2DQ   Z1, Z1
	VPMINSD     Z27, Z1, Z1
	VPMAXSD     Z26, Z1, Z1
	VPADDD      Z1, Z0, Z0
	VPMOVDB     Z1, (DI)
	ADDQ        $64, SI
	ADDQ        $16, DI
	DECQ        CX
	JNZ         qi_loop
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD        Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0xb1, X0, X1
	VPADDD        X1, X0, X0
	VMOVD         X0, AX
	MOVL          AX, ret+32(FP)
	VZEROUPPER
	RET
