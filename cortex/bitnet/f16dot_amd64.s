//go:build amd64 && !purego

#include "textflag.h"

// func dotF16AVX2(w *uint16, x *float32, n int) float32
// n is a positive multiple of 32. Four 8-lane float32 accumulators; the
// float16 weights are widened with VCVTPH2PS (F16C) and fused into the
// accumulators with VFMADD231PS.
TEXT ·dotF16AVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

loop:
	VCVTPH2PS (SI), Y4
	VCVTPH2PS 16(SI), Y5
	VCVTPH2PS 32(SI), Y6
	VCVTPH2PS 48(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JNZ  loop

	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+24(FP)
	RET

// func axpyF16AVX2(dst *float32, v *uint16, a float32, n int)
// dst[i] += a·f16(v[i]) for n (a positive multiple of 8) values, fused.
TEXT ·axpyF16AVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         v+8(FP), SI
	VBROADCASTSS a+16(FP), Y0
	MOVQ         n+24(FP), CX

axpy:
	VCVTPH2PS   (SI), Y1
	VFMADD213PS (DI), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $16, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         axpy
	VZEROUPPER
	RET

// func f32ToF16AVX2(dst *uint16, src *float32, n int)
// dst[i] = f16(src[i]) rounding to nearest even, n a positive multiple of 8.
TEXT ·f32ToF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

tof16:
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, (DI)
	ADDQ      $32, SI
	ADDQ      $16, DI
	SUBQ      $8, CX
	JNZ       tof16
	VZEROUPPER
	RET

// func roundF16AVX2(x *float32, n int)
// x[i] = f32(f16(x[i])), n a positive multiple of 8.
TEXT ·roundF16AVX2(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX

round:
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, X1
	VCVTPH2PS X1, Y0
	VMOVUPS   Y0, (SI)
	ADDQ      $32, SI
	SUBQ      $8, CX
	JNZ       round
	VZEROUPPER
	RET

// Constants of swigluAVX2 (Cephes expf, see expf in ops.go).
DATA siluK<>+0(SB)/4, $0x3fb8aa3b  // log2(e)
DATA siluK<>+4(SB)/4, $0x3f000000  // 0.5
DATA siluK<>+8(SB)/4, $0x3f318000  // C1 = 0.693359375
DATA siluK<>+12(SB)/4, $0xb95e8083 // C2 = -2.12194440e-4
DATA siluK<>+16(SB)/4, $0x39506967 // p0
DATA siluK<>+20(SB)/4, $0x3ab743ce // p1
DATA siluK<>+24(SB)/4, $0x3c088908 // p2
DATA siluK<>+28(SB)/4, $0x3d2aa9c1 // p3
DATA siluK<>+32(SB)/4, $0x3e2aaaaa // p4
DATA siluK<>+36(SB)/4, $0x3f000000 // p5
DATA siluK<>+40(SB)/4, $0x3f800000 // 1.0
DATA siluK<>+44(SB)/4, $0x42b00000 // 88: clamp of -x from above
DATA siluK<>+48(SB)/4, $0xc2ae0000 // -87: clamp of -x from below
GLOBL siluK<>(SB), RODATA|NOPTR, $52

// func swigluAVX2(gp, up *float32, n int)
// g[i] = g[i]/(1+exp(-g[i])) · u[i] for n (a positive multiple of 8).
TEXT ·swigluAVX2(SB), NOSPLIT, $0-24
	MOVQ         gp+0(FP), DI
	MOVQ         up+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS siluK<>+0(SB), Y8
	VBROADCASTSS siluK<>+4(SB), Y9
	VBROADCASTSS siluK<>+8(SB), Y10
	VBROADCASTSS siluK<>+12(SB), Y11
	VBROADCASTSS siluK<>+40(SB), Y12
	VBROADCASTSS siluK<>+44(SB), Y13
	VBROADCASTSS siluK<>+48(SB), Y14
	MOVL         $127, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15

swiglu:
	VMOVUPS      (DI), Y0
	VXORPS       Y1, Y1, Y1
	VSUBPS       Y0, Y1, Y1       // -x
	VMINPS       Y13, Y1, Y1
	VMAXPS       Y14, Y1, Y1
	VMOVAPS      Y9, Y2
	VFMADD231PS  Y8, Y1, Y2       // -x·log2e + 0.5
	VROUNDPS     $1, Y2, Y2       // n = floor
	VMOVAPS      Y1, Y3
	VFNMADD231PS Y10, Y2, Y3      // r = -x - n·C1
	VFNMADD231PS Y11, Y2, Y3      //     - n·C2
	VBROADCASTSS siluK<>+16(SB), Y4
	VBROADCASTSS siluK<>+20(SB), Y5
	VFMADD213PS  Y5, Y3, Y4
	VBROADCASTSS siluK<>+24(SB), Y5
	VFMADD213PS  Y5, Y3, Y4
	VBROADCASTSS siluK<>+28(SB), Y5
	VFMADD213PS  Y5, Y3, Y4
	VBROADCASTSS siluK<>+32(SB), Y5
	VFMADD213PS  Y5, Y3, Y4
	VBROADCASTSS siluK<>+36(SB), Y5
	VFMADD213PS  Y5, Y3, Y4       // p
	VMULPS       Y3, Y3, Y6       // r²
	VADDPS       Y12, Y3, Y7      // r + 1
	VFMADD231PS  Y6, Y4, Y7       // p·r² + r + 1
	VCVTPS2DQ    Y2, Y2
	VPADDD       Y15, Y2, Y2
	VPSLLD       $23, Y2, Y2      // 2^n
	VMULPS       Y2, Y7, Y7       // exp(-x)
	VADDPS       Y12, Y7, Y7
	VDIVPS       Y7, Y0, Y0       // x / (1 + exp(-x))
	VMULPS       (SI), Y0, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, DI
	ADDQ         $32, SI
	SUBQ         $8, CX
	JNZ          swiglu
	VZEROUPPER
	RET
