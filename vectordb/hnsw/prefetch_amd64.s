//go:build !purego

#include "textflag.h"

// func prefetch(p *uint32)
TEXT ·prefetch(SB), NOSPLIT, $0-8
	MOVQ p+0(FP), AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	RET

// func prefetchLines(p *float32, n int)
TEXT ·prefetchLines(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
	JMP  lines<>(SB)

// func prefetchWords(p *uint32, n int)
TEXT ·prefetchWords(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
	JMP  lines<>(SB)

// lines prefetches every cache line of the CX > 0 bytes at AX: it starts
// from the line holding AX, so an unaligned range gets its last line too.
TEXT lines<>(SB), NOSPLIT, $0-0
	ADDQ AX, CX
	ANDQ $-64, AX
loop:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	CMPQ AX, CX
	JB   loop
	RET
