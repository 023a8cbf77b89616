// Command gen writes ../distance_amd64.s, the AVX-512 and AVX2 (+FMA)
// kernels of package distance. The kernels share one shape and differ in
// the per-lane step, so they are generated rather than written by hand:
//
//	go run . -out ../distance_amd64.s -popcnt-out ../popcnt_amd64.s -lookup-out ../lookup_amd64.s
//
// popcnt.go describes the XOR-popcount kernels of binary quantization,
// lookup.go the lookup-sum kernel of product quantization.
//
// Each kernel keeps four vector accumulators (four independent chains hide
// the FMA latency): a loop over four registers at a time, then up to three
// single registers, each into its own accumulator, then the last 1..lanes-1
// elements through a zeroing mask (AVX-512 opmask K1; AVX2 VMASKMOVPS with
// a mask from a table), which read as 0 and so add 0 to every kernel. The
// accumulators are summed pairwise at the end.
//
// The batch kernels compute one query against n vectors given as a
// [][]float32, prefetching the vectors prefetchAhead positions ahead into
// L1, so the cache misses of a graph hop overlap with arithmetic.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
)

// prefetchAhead is how many vectors ahead the batch kernels prefetch.
const prefetchAhead = 3

type isa struct {
	name  string // function suffix
	reg   string // register prefix: Z or Y
	lanes int    // float32 lanes per register
}

var (
	avx512 = isa{"AVX512", "Z", 16}
	avx2   = isa{"AVX2", "Y", 8}
)

// kernel describes how a register of a (in reg) and the matching b (a
// memory operand or register src) are folded into accumulator acc.
type kernel struct {
	name     string // dot, l2, l1
	step     func(x isa, src, reg, acc string) []string
	needsAbs bool // uses the abs mask in register 8
}

var kernels = []kernel{
	{"dot", func(x isa, src, reg, acc string) []string {
		return []string{fmt.Sprintf("VFMADD231PS %s, %s, %s", src, reg, acc)}
	}, false},
	{"l2", func(x isa, src, reg, acc string) []string {
		return []string{
			fmt.Sprintf("VSUBPS %s, %s, %s", src, reg, reg),
			fmt.Sprintf("VFMADD231PS %s, %s, %s", reg, reg, acc),
		}
	}, false},
	{"l1", func(x isa, src, reg, acc string) []string {
		and := "VANDPS"
		if x.reg == "Z" {
			and = "VPANDD" // VANDPS on ZMM needs AVX512DQ; VPANDD is AVX512F.
		}
		return []string{
			fmt.Sprintf("VSUBPS %s, %s, %s", src, reg, reg),
			fmt.Sprintf("%s %s8, %s, %s", and, x.reg, reg, reg),
			fmt.Sprintf("VADDPS %s, %s, %s", reg, acc, acc),
		}
	}, true},
}

type writer struct{ bytes.Buffer }

func (w *writer) l(format string, args ...any) {
	fmt.Fprintf(&w.Buffer, "\t"+format+"\n", args...)
}

func (w *writer) label(s string) { fmt.Fprintf(&w.Buffer, "%s:\n", s) }

// nextItem ends a batch kernel's loop body: the next result (4 bytes at
// R10) and the next slice header (24 bytes at BX), one item fewer (R8),
// back to the loop; then the exit p+"done".
func (w *writer) nextItem(p string) {
	w.l("ADDQ $4, R10")
	w.l("ADDQ $24, BX")
	w.l("DECQ R8")
	w.l("JMP %sloop", p)
	w.label(p + "done")
	w.l("VZEROUPPER")
	w.l("RET")
}

func (w *writer) steps(ins []string) {
	for _, s := range ins {
		w.l("%s", s)
	}
}

// setup emits what a kernel needs before its body: the abs mask.
func setup(w *writer, x isa, k kernel) {
	if !k.needsAbs {
		return
	}
	w.l("MOVL $0x7fffffff, AX")
	if x.reg == "Z" {
		w.l("VPBROADCASTD AX, Z8")
	} else {
		w.l("VMOVD AX, X8")
		w.l("VPBROADCASTD X8, Y8")
	}
}

// body emits the kernel over CX elements at SI (a) and DI (b), leaving
// the result in X0. It clobbers AX, DX, CX, SI, DI, registers 0-7 and
// (AVX2) 9, and K1. Labels are prefixed with p.
func body(w *writer, x isa, k kernel, p string) {
	r := func(i int) string { return fmt.Sprintf("%s%d", x.reg, i) }
	bytesPerReg := x.lanes * 4
	for i := range 4 {
		w.l("VXORPS %s, %s, %s", r(i), r(i), r(i))
	}
	w.label(p + "loop4")
	w.l("CMPQ CX, $%d", 4*x.lanes)
	w.l("JL %srest", p)
	for i := range 4 {
		w.l("VMOVUPS %d(SI), %s", i*bytesPerReg, r(4+i))
	}
	for i := range 4 {
		w.steps(k.step(x, fmt.Sprintf("%d(DI)", i*bytesPerReg), r(4+i), r(i)))
	}
	w.l("ADDQ $%d, SI", 4*bytesPerReg)
	w.l("ADDQ $%d, DI", 4*bytesPerReg)
	w.l("SUBQ $%d, CX", 4*x.lanes)
	w.l("JMP %sloop4", p)
	w.label(p + "rest")
	// At most three whole registers remain; each gets its own accumulator.
	for i := 1; i <= 3; i++ {
		w.l("CMPQ CX, $%d", x.lanes)
		w.l("JL %stail", p)
		w.l("VMOVUPS (SI), %s", r(4+i))
		w.steps(k.step(x, "(DI)", r(4+i), r(i)))
		w.l("ADDQ $%d, SI", bytesPerReg)
		w.l("ADDQ $%d, DI", bytesPerReg)
		w.l("SUBQ $%d, CX", x.lanes)
	}
	w.label(p + "tail")
	w.l("TESTQ CX, CX")
	w.l("JZ %sreduce", p)
	if x.reg == "Z" {
		w.l("MOVL $1, AX")
		w.l("SHLL CX, AX")
		w.l("DECL AX")
		w.l("KMOVW AX, K1")
		w.l("VMOVUPS.Z (SI), K1, Z4")
		w.l("VMOVUPS.Z (DI), K1, Z5")
	} else {
		// tailMask+4*(8-n) holds n all-ones words, then zeros.
		w.l("LEAQ tailMask<>(SB), AX")
		w.l("MOVQ $8, DX")
		w.l("SUBQ CX, DX")
		w.l("VMOVDQU (AX)(DX*4), Y9")
		w.l("VMASKMOVPS (SI), Y9, Y4")
		w.l("VMASKMOVPS (DI), Y9, Y5")
	}
	w.steps(k.step(x, r(5), r(4), r(0)))
	w.label(p + "reduce")
	w.l("VADDPS %s, %s, %s", r(1), r(0), r(0))
	w.l("VADDPS %s, %s, %s", r(3), r(2), r(2))
	w.l("VADDPS %s, %s, %s", r(2), r(0), r(0))
	if x.reg == "Z" {
		w.l("VEXTRACTF64X4 $1, Z0, Y1")
		w.l("VADDPS Y1, Y0, Y0")
	}
	w.l("VEXTRACTF128 $1, Y0, X1")
	w.l("VADDPS X1, X0, X0")
	w.l("VMOVHLPS X0, X0, X1")
	w.l("VADDPS X1, X0, X0")
	w.l("VMOVSHDUP X0, X1")
	w.l("VADDSS X1, X0, X0")
}

func genKernel(w *writer, x isa, k kernel) {
	fn := k.name + x.name
	fmt.Fprintf(&w.Buffer, "\n// func %s(a, b *float32, n int) float32\n", fn)
	fmt.Fprintf(&w.Buffer, "TEXT ·%s(SB), NOSPLIT, $0-28\n", fn)
	w.l("MOVQ a+0(FP), SI")
	w.l("MOVQ b+8(FP), DI")
	w.l("MOVQ n+16(FP), CX")
	setup(w, x, k)
	body(w, x, k, fn+"_")
	w.l("VMOVSS X0, ret+24(FP)")
	w.l("VZEROUPPER")
	w.l("RET")
}

// prefetchVec emits prefetches of every cache line of the vector whose
// slice header is at off(BX): R13 holds its length in bytes.
func prefetchVec(w *writer, off int, p string) {
	w.l("MOVQ %d(BX), R11", off)
	w.l("MOVQ R13, DX")
	w.label(p)
	w.l("PREFETCHT0 (R11)")
	w.l("ADDQ $64, R11")
	w.l("SUBQ $64, DX")
	w.l("JG %s", p)
	// The vector need not start on a line boundary: fetch its last byte's
	// line too.
	w.l("MOVQ %d(BX), R11", off)
	w.l("PREFETCHT0 -1(R11)(R13*1)")
}

func genBatch(w *writer, x isa, k kernel) {
	fn := k.name + "Batch" + x.name
	p := fn + "_"
	fmt.Fprintf(&w.Buffer, "\n// func %s(q *float32, vs *[]float32, n, dim int, out *float32)\n", fn)
	fmt.Fprintf(&w.Buffer, "TEXT ·%s(SB), NOSPLIT, $0-40\n", fn)
	w.l("MOVQ q+0(FP), R12")
	w.l("MOVQ vs+8(FP), BX")
	w.l("MOVQ n+16(FP), R8")
	w.l("MOVQ dim+24(FP), R9")
	w.l("MOVQ out+32(FP), R10")
	w.l("LEAQ (R9*4), R13")
	setup(w, x, k)
	// Prefetch the first vectors.
	for i := range prefetchAhead {
		w.l("CMPQ R8, $%d", i+1)
		w.l("JL %sloop", p)
		prefetchVec(w, 24*i, fmt.Sprintf("%spre%d", p, i))
	}
	w.label(p + "loop")
	w.l("TESTQ R8, R8")
	w.l("JZ %sdone", p)
	w.l("CMPQ R8, $%d", prefetchAhead+1)
	w.l("JL %scompute", p)
	prefetchVec(w, 24*prefetchAhead, p+"ahead")
	w.label(p + "compute")
	w.l("MOVQ R12, SI")
	w.l("MOVQ (BX), DI")
	w.l("MOVQ R9, CX")
	body(w, x, k, p)
	w.l("VMOVSS X0, (R10)")
	w.nextItem(p)
}

func main() {
	out := flag.String("out", "../distance_amd64.s", "output file")
	popcntOut := flag.String("popcnt-out", "../popcnt_amd64.s", "output file of the XOR-popcount kernels (popcnt.go)")
	lookupOut := flag.String("lookup-out", "../lookup_amd64.s", "output file of the lookup-sum kernel (lookup.go)")
	flag.Parse()
	var w writer
	w.WriteString("// Code generated by _asm/gen.go; DO NOT EDIT.\n\n//go:build !purego\n\n#include \"textflag.h\"\n\n")
	w.WriteString("// tailMask is 8 all-ones words then 8 zero words: the AVX2 tail mask for\n// n elements starts at word 8-n.\n")
	for i := range 16 {
		v := "0xffffffff"
		if i >= 8 {
			v = "0x00000000"
		}
		fmt.Fprintf(&w.Buffer, "DATA tailMask<>+%d(SB)/4, $%s\n", 4*i, v)
	}
	w.WriteString("GLOBL tailMask<>(SB), RODATA|NOPTR, $64\n")
	for _, x := range []isa{avx512, avx2} {
		for _, k := range kernels {
			genKernel(&w, x, k)
			genBatch(&w, x, k)
		}
	}
	if err := os.WriteFile(*out, w.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*popcntOut, genPopcnt(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*lookupOut, genLookup(), 0o644); err != nil {
		log.Fatal(err)
	}
}
