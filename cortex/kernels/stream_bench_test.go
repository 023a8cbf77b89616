//go:build unix

package kernels

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeBuf returns n zero bytes in transparent huge pages where the kernel
// grants them (as a model file in the page cache is mapped).
func hugeBuf(b *testing.B, n int) []byte {
	buf, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		b.Fatal(err)
	}
	_ = unix.Madvise(buf, unix.MADV_HUGEPAGE)
	b.Cleanup(func() { unix.Munmap(buf) })
	return buf
}

// BenchmarkStream runs each matrix-vector kernel, one thread, over weights
// far larger than the last-level cache (256 MiB, as generation streams a
// model's weights from memory), next to ReadAll over the same bytes: the
// ratio of the two MB/s figures is how close the kernel is to the memory
// bound.
//
//	go test -run NONE -bench Stream -benchtime 10x ./cortex/kernels
func BenchmarkStream(b *testing.B) {
	rng := rand.New(rand.NewPCG(21, 21))
	const size = 256 << 20
	const cols = 2560
	y := randQ8K(rng, cols/QK)
	xa := make([]float32, cols)
	for i := range xa {
		xa[i] = float32(rng.NormFloat64())
	}
	var a I8S
	QuantizeI8S(xa, &a)
	for _, typ := range []string{"read", "tq2", "i2s", "i2s-groups", "f16", "tq1"} {
		variant := typ
		typ, _, _ := strings.Cut(typ, "-")
		var rows int
		switch typ {
		case "f16", "read":
			rows = size / (2 * cols)
		default:
			rows = size / rowBytes(typ, cols)
		}
		var w []byte
		var wf []uint16
		switch typ {
		case "read":
			w = hugeBuf(b, size)
			for i := range w {
				w[i] = byte(i)
			}
		case "f16":
			hb := hugeBuf(b, 2*rows*cols)
			wf = unsafe.Slice((*uint16)(unsafe.Pointer(&hb[0])), rows*cols)
			for i := range wf {
				wf[i] = 0x3c00 ^ uint16(rng.IntN(1024)) // around ±1
			}
		default:
			// repeat one random block of rows: generating 256 MiB of
			// ternary codes takes long, and the kernels do not care.
			blk := randTernary(rng, typ, 256, cols)
			rs := rowBytes(typ, cols)
			w = hugeBuf(b, rows*rs+len(blk))
			for o := 0; o < rows*rs; o += 256 * rs {
				copy(w[o:], blk[:min(256*rs, rows*rs-o)])
			}
			if typ == "i2s" { // the scale after the codes
				copy(w[rows*rs:], blk[256*rs:])
			}
		}
		dst := make([]float32, rows)
		b.Run(fmt.Sprintf("%s/%dMiB", variant, size>>20), func(b *testing.B) {
			if variant == "i2s-groups" { // the kernel reading half a line per row and step
				noI2SPairs = true
				defer func() { noI2SPairs = false }()
			}
			if typ == "f16" {
				b.SetBytes(int64(2 * len(wf)))
			} else if typ == "read" {
				b.SetBytes(int64(len(w)))
			} else {
				b.SetBytes(int64(rows * rowBytes(typ, cols)))
			}
			for b.Loop() {
				switch typ {
				case "read":
					ReadAll(w)
				case "tq1":
					MatVecTQ1(dst, w, rows, cols, y)
				case "tq2":
					MatVecTQ2(dst, w, rows, cols, y)
				case "i2s":
					MatVecI2S(dst, w, rows, cols, 1, &a)
				case "f16":
					n := MatVecF16(dst, wf, rows, cols, xa, 0, rows)
					if n != rows {
						b.Skipf("MatVecF16 did %d of %d rows: no vector kernel", n, rows)
					}
				}
			}
		})
	}
}
