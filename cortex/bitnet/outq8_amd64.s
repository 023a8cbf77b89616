//go:build amd64 && !purego

#include "textflag.h"

// func dotU8S8VNNI(a *uint8, w *int8, n int) int32
// Σ a[i]·w[i] for n (a positive multiple of 64) unsigned activations and
// signed weights, with AVX-512 VNNI VPDPBUSD into two int32 accumulators.
TEXT ·dotU8S8VNNI(SB), NOSPLIT, $0-28
	MOVQ   a+0(FP), SI
	MOVQ   w+8(FP), DI
	MOVQ   n+16(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1

loop128:
	CMPQ      CX, $128
	JL        tail
	VMOVDQU64 (SI), Z2
	VMOVDQU64 64(SI), Z3
	VPDPBUSD  (DI), Z2, Z0
	VPDPBUSD  64(DI), Z3, Z1
	ADDQ      $128, SI
	ADDQ      $128, DI
	SUBQ      $128, CX
	JMP       loop128

tail:
	CMPQ      CX, $64
	JL        done
	VMOVDQU64 (SI), Z2
	VPDPBUSD  (DI), Z2, Z0

done:
	VPADDD        Z1, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD        Y1, Y0, Y0
	VEXTRACTI128  $1, Y0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0x4e, X0, X1
	VPADDD        X1, X0, X0
	VPSHUFD       $0xb1, X0, X1
	VPADDD        X1, X0, X0
	VMOVD         X0, AX
	MOVL          AX, ret+24(FP)
	VZEROUPPER
	RET
