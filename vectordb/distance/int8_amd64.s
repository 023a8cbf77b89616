//go:build !purego

#include "textflag.h"

// Hand-written in the style of the generated distance_amd64.s. Both
// kernels take n, a multiple of 16, and return the exact int32 sum of
// a[i]*b[i] with a unsigned and b signed bytes.

// func dotU8I8VNNI(a *uint8, b *int8, n int) int32
TEXT ·dotU8I8VNNI(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
dotU8I8VNNI_loop2:
	CMPQ CX, $128
	JL dotU8I8VNNI_loop1
	VMOVDQU8 0(SI), Z2
	VMOVDQU8 64(SI), Z3
	VPDPBUSD 0(DI), Z2, Z0
	VPDPBUSD 64(DI), Z3, Z1
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $128, CX
	JMP dotU8I8VNNI_loop2
dotU8I8VNNI_loop1:
	CMPQ CX, $64
	JL dotU8I8VNNI_y
	VMOVDQU8 (SI), Z2
	VPDPBUSD (DI), Z2, Z0
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $64, CX
dotU8I8VNNI_y:
	CMPQ CX, $32
	JL dotU8I8VNNI_x
	VMOVDQU8 (SI), Y2
	VPDPBUSD (DI), Y2, Y4
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $32, CX
dotU8I8VNNI_x:
	CMPQ CX, $16
	JL dotU8I8VNNI_reduce
	VMOVDQU8 (SI), X2
	VPDPBUSD (DI), X2, X5
dotU8I8VNNI_reduce:
	// A VEX/EVEX write to Y4 or X5 zeroes their upper lanes, so the
	// short steps have accumulators of their own.
	VPADDD Z1, Z0, Z0
	VPADDD Z4, Z0, Z0
	VPADDD Z5, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0xb1, X0, X1
	VPADDD X1, X0, X0
	VMOVD X0, AX
	MOVL AX, ret+24(FP)
	VZEROUPPER
	RET

// func dotU8I8AVX2(a *uint8, b *int8, n int) int32
TEXT ·dotU8I8AVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
dotU8I8AVX2_loop2:
	CMPQ CX, $32
	JL dotU8I8AVX2_loop1
	VPMOVZXBW 0(SI), Y2
	VPMOVSXBW 0(DI), Y3
	VPMOVZXBW 16(SI), Y4
	VPMOVSXBW 16(DI), Y5
	VPMADDWD Y3, Y2, Y2
	VPMADDWD Y5, Y4, Y4
	VPADDD Y2, Y0, Y0
	VPADDD Y4, Y1, Y1
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $32, CX
	JMP dotU8I8AVX2_loop2
dotU8I8AVX2_loop1:
	CMPQ CX, $16
	JL dotU8I8AVX2_reduce
	VPMOVZXBW (SI), Y2
	VPMOVSXBW (DI), Y3
	VPMADDWD Y3, Y2, Y2
	VPADDD Y2, Y0, Y0
dotU8I8AVX2_reduce:
	VPADDD Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0xb1, X0, X1
	VPADDD X1, X0, X0
	VMOVD X0, AX
	MOVL AX, ret+24(FP)
	VZEROUPPER
	RET

// func dotU8I8BatchVNNI(a *uint8, bs *[]int8, cnt int, n int, out *int32)
//
// out[i] = Σ a[j]·bs[i][j] for j < n, i < cnt; n a multiple of 16. The
// last n%64 bytes of each vector are read with a masked load, so nothing
// beyond n bytes is touched.
TEXT ·dotU8I8BatchVNNI(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ bs+8(FP), R8
	MOVQ cnt+16(FP), R9
	MOVQ n+24(FP), R10
	MOVQ out+32(FP), R11
	// K1 selects the n%64 tail bytes.
	MOVQ R10, CX
	ANDQ $63, CX
	MOVQ $-1, AX
	BZHIQ CX, AX, AX
	KMOVQ AX, K1
	MOVQ R10, R12
	ANDQ $-64, R12 // bytes in whole 64-byte steps
dotU8I8BatchVNNI_vec:
	TESTQ R9, R9
	JZ dotU8I8BatchVNNI_done
	MOVQ (R8), DI
	XORQ BX, BX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
dotU8I8BatchVNNI_loop:
	CMPQ BX, R12
	JGE dotU8I8BatchVNNI_tail
	VMOVDQU8 (SI)(BX*1), Z2
	VPDPBUSD (DI)(BX*1), Z2, Z0
	ADDQ $64, BX
	JMP dotU8I8BatchVNNI_loop
dotU8I8BatchVNNI_tail:
	TESTQ CX, CX
	JZ dotU8I8BatchVNNI_reduce
	VMOVDQU8.Z (SI)(BX*1), K1, Z2
	VMOVDQU8.Z (DI)(BX*1), K1, Z3
	VPDPBUSD Z3, Z2, Z1
dotU8I8BatchVNNI_reduce:
	VPADDD Z1, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPADDD Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0xb1, X0, X1
	VPADDD X1, X0, X0
	VMOVD X0, (R11)
	ADDQ $24, R8
	ADDQ $4, R11
	DECQ R9
	JMP dotU8I8BatchVNNI_vec
dotU8I8BatchVNNI_done:
	VZEROUPPER
	RET
