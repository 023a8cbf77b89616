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

// Constants of swigluAVX2: ggml_v_expf (see ggmlExpf in ops.go).
DATA siluK<>+0(SB)/4, $0x4b400000  // R = 0x1.8p23
DATA siluK<>+4(SB)/4, $0x3fb8aa3b  // log2(e) = 0x1.715476p+0
DATA siluK<>+8(SB)/4, $0x3f317200  // C1 = 0x1.62e4p-1
DATA siluK<>+12(SB)/4, $0x35bfbe8e // C2 = 0x1.7f7d1cp-20
DATA siluK<>+16(SB)/4, $0x3c072010 // P5 = 0x1.0e4020p-7
DATA siluK<>+20(SB)/4, $0x3d2b9f17 // P4 = 0x1.573e2ep-5
DATA siluK<>+24(SB)/4, $0x3e2aaf33 // P3 = 0x1.555e66p-3
DATA siluK<>+28(SB)/4, $0x3efffedb // P2 = 0x1.fffdb6p-2
DATA siluK<>+32(SB)/4, $0x3f7ffff6 // P1 = 0x1.ffffecp-1
DATA siluK<>+36(SB)/4, $0x3f800000 // 1.0
DATA siluK<>+40(SB)/4, $0x43400000 // 192: |n| above it gives 0 or +Inf
DATA siluK<>+44(SB)/4, $0xc2fa0000 // -125 and 127: range of the first scale step
DATA siluK<>+48(SB)/4, $0x42fe0000
DATA siluK<>+52(SB)/4, $0x7fffffff // |x| mask
DATA siluK<>+56(SB)/4, $0x7f800000 // +Inf
GLOBL siluK<>(SB), RODATA|NOPTR, $60

// func swigluAVX2(gp, up *float32, n int)
// g[i] = g[i]/(1+e(-g[i])) · u[i] for n (a positive multiple of 8), with e
// ggml's AVX-512 ggml_v_expf computed with the same float32 FMAs, so the
// result is bit-identical to ggml's silu·up. scalef(j, n) is j·2^n1·2^n2
// with n1 = clamp(n, -125, 127): the first product is exact, the second
// rounds once, as scalef does.
TEXT ·swigluAVX2(SB), NOSPLIT, $0-24
	MOVQ         gp+0(FP), DI
	MOVQ         up+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS siluK<>+0(SB), Y8   // R
	VBROADCASTSS siluK<>+4(SB), Y9   // log2(e)
	VBROADCASTSS siluK<>+8(SB), Y10  // C1
	VBROADCASTSS siluK<>+12(SB), Y11 // C2
	VBROADCASTSS siluK<>+36(SB), Y12 // 1
	VBROADCASTSS siluK<>+44(SB), Y13 // -125
	VBROADCASTSS siluK<>+48(SB), Y14 // 127
	MOVL         $127, AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15            // exponent bias

swiglu:
	VMOVUPS      (DI), Y0
	VXORPS       Y1, Y1, Y1
	VSUBPS       Y0, Y1, Y1       // t = 0 - x
	VMOVAPS      Y8, Y2
	VFMADD231PS  Y9, Y1, Y2       // z = t·log2e + R
	VSUBPS       Y8, Y2, Y3       // n = z - R
	VMOVAPS      Y1, Y4
	VFNMADD231PS Y10, Y3, Y4      // b = t - n·C1
	VFNMADD231PS Y11, Y3, Y4      //     - n·C2
	VMULPS       Y4, Y4, Y5       // u = b²
	VBROADCASTSS siluK<>+20(SB), Y6
	VBROADCASTSS siluK<>+16(SB), Y7
	VFMADD231PS  Y7, Y4, Y6       // A = P5·b + P4
	VBROADCASTSS siluK<>+28(SB), Y7
	VBROADCASTSS siluK<>+24(SB), Y2
	VFMADD231PS  Y2, Y4, Y7       // B = P3·b + P2
	VFMADD231PS  Y5, Y6, Y7       // C = A·u + B
	VMOVAPS      Y12, Y6
	VBROADCASTSS siluK<>+32(SB), Y2
	VFMADD231PS  Y2, Y4, Y6       // D = P1·b + 1
	VFMADD231PS  Y5, Y7, Y6       // j = C·u + D
	VMAXPS       Y13, Y3, Y4
	VMINPS       Y14, Y4, Y4      // n1 = clamp(n, -125, 127)
	VSUBPS       Y4, Y3, Y5       // n2 = n - n1
	VCVTPS2DQ    Y4, Y4
	VPADDD       Y15, Y4, Y4
	VPSLLD       $23, Y4, Y4      // 2^n1
	VCVTPS2DQ    Y5, Y5
	VPADDD       Y15, Y5, Y5
	VPSLLD       $23, Y5, Y5      // 2^n2
	VMULPS       Y4, Y6, Y6
	VMULPS       Y5, Y6, Y6       // e = j·2^n1·2^n2
	VBROADCASTSS siluK<>+52(SB), Y7
	VANDPS       Y7, Y3, Y7       // |n|
	VBROADCASTSS siluK<>+40(SB), Y2
	VCMPPS       $0x1e, Y2, Y7, Y7 // |n| > 192 (GT_OQ)
	VXORPS       Y2, Y2, Y2
	VCMPPS       $0x12, Y2, Y3, Y2 // n <= 0 (LE_OQ)
	VBROADCASTSS siluK<>+56(SB), Y5
	VANDNPS      Y5, Y2, Y2       // n <= 0 ? 0 : +Inf
	VBLENDVPS    Y7, Y2, Y6, Y6
	VADDPS       Y12, Y6, Y6      // 1 + e
	VDIVPS       Y6, Y0, Y0       // x / (1 + e)
	VMULPS       (SI), Y0, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, DI
	ADDQ         $32, SI
	SUBQ         $8, CX
	JNZ          swiglu
	VZEROUPPER
	RET
