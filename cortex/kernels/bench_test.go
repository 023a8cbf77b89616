package kernels

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// Benchmarks report weight bandwidth (GB/s of packed weights read per
// product) and work (G tokens·rows/s and GMAC/s), per implementation.
//
//	go test -run NONE -bench . ./cortex/kernels

var benchShapes = []struct {
	name       string
	rows, cols int
}{
	{"2560x2560", 2560, 2560}, // attn_q / attn_output of BitNet 2B-4T
	{"6912x2560", 6912, 2560}, // ffn_up / ffn_gate
	{"2560x6912", 2560, 6912}, // ffn_down
}

func BenchmarkMatVec(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, sh := range benchShapes {
		for _, typ := range []string{"tq2", "tq1", "i2s"} {
			w := randTernary(rng, typ, sh.rows, sh.cols)
			y := randQ8K(rng, sh.cols/QK)
			var a I8S
			xa := make([]float32, sh.cols)
			for i := range xa {
				xa[i] = float32(rng.NormFloat64())
			}
			QuantizeI8S(xa, &a)
			dst := make([]float32, sh.rows)
			for _, name := range Impls() {
				b.Run(fmt.Sprintf("%s/%s/%s", typ, sh.name, name), func(b *testing.B) {
					withImpl(b, name)
					wbytes := rowBytes(typ, sh.cols) * sh.rows
					b.SetBytes(int64(wbytes))
					start := cpuNow()
					for b.Loop() {
						switch typ {
						case "tq1":
							MatVecTQ1(dst, w, sh.rows, sh.cols, y)
						case "tq2":
							MatVecTQ2(dst, w, sh.rows, sh.cols, y)
						case "i2s":
							MatVecI2S(dst, w, sh.rows, sh.cols, 1, &a)
						}
					}
					report(b, 1, sh.rows, sh.cols, start)
				})
			}
		}
	}
}

func BenchmarkMatMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(10, 10))
	const tokens = 128
	for _, sh := range benchShapes[:2] {
		for _, typ := range []string{"tq2", "tq1", "i2s"} {
			w := randTernary(rng, typ, sh.rows, sh.cols)
			ys := make([][]BlockQ8K, tokens)
			as := make([]I8S, tokens)
			for t := range ys {
				ys[t] = randQ8K(rng, sh.cols/QK)
				xa := make([]float32, sh.cols)
				for i := range xa {
					xa[i] = float32(rng.NormFloat64())
				}
				QuantizeI8S(xa, &as[t])
			}
			dst := make([]float32, tokens*sh.rows)
			for _, name := range Impls() {
				if name == "purego" && sh.rows > 2560 {
					continue // minutes per iteration; the small shape shows the ratio
				}
				b.Run(fmt.Sprintf("%s/%s/t%d/%s", typ, sh.name, tokens, name), func(b *testing.B) {
					withImpl(b, name)
					b.SetBytes(int64(rowBytes(typ, sh.cols) * sh.rows))
					start := cpuNow()
					for b.Loop() {
						switch typ {
						case "tq1":
							MatMulTQ1(dst, w, sh.rows, sh.cols, ys)
						case "tq2":
							MatMulTQ2(dst, w, sh.rows, sh.cols, ys)
						case "i2s":
							MatMulI2S(dst, w, sh.rows, sh.cols, 1, as)
						}
					}
					report(b, tokens, sh.rows, sh.cols, start)
				})
			}
		}
	}
}

func BenchmarkQuantizeQ8K(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 11))
	x := make([]float32, 6912)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]BlockQ8K, len(x)/QK)
	for _, name := range Impls() {
		b.Run(name, func(b *testing.B) {
			withImpl(b, name)
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				QuantizeQ8K(x, y)
			}
		})
	}
}

func BenchmarkQuantizeI8S(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 11))
	x := make([]float32, 6912)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	var a I8S
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		QuantizeI8S(x, &a)
	}
}

func rowBytes(typ string, cols int) int {
	switch typ {
	case "tq1":
		return TQ1RowSize(cols)
	case "tq2":
		return TQ2RowSize(cols)
	}
	return I2SRowSize(cols)
}

// report adds throughput metrics. On a shared machine wall time is noisy, so
// it also reports GMAC/s per second of process CPU time (cpuGMAC/s) measured
// since start (from cpuNow), which other processes' load affects far less.
func report(b *testing.B, tokens, rows, cols int, start time.Duration) {
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(tokens*rows)/sec/1e9, "Gtok·row/s")
	b.ReportMetric(float64(tokens*rows*cols)/sec/1e9, "GMAC/s")
	if cpu := (cpuNow() - start).Seconds() / float64(b.N); cpu > 0 {
		b.ReportMetric(float64(tokens*rows*cols)/cpu/1e9, "cpuGMAC/s")
	}
}

// cpuNow returns the CPU time (user+system) this process has used.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMatVecQ8 measures the int8 output-table kernel on a table larger
// than the last-level cache (32768 × 2560, 84 MB), where it is bound by
// memory bandwidth as the 128256-row table of BitNet 2B-4T is.
func BenchmarkMatVecQ8(b *testing.B) {
	rng := rand.New(rand.NewPCG(18, 18))
	const rows, cols = 32768, 2560
	w := make([]byte, rows*Q8RowSize(cols))
	src := make([]float32, 64*cols)
	for i := range src {
		src[i] = float32(rng.NormFloat64())
	}
	for r := 0; r < rows; r += 64 { // repeat 64 random rows
		QuantizeQ8Rows(w[r*Q8RowSize(cols):], src, 64, cols)
	}
	y := randQ8K(rng, cols/QK)
	dst := make([]float32, rows)
	for _, name := range Impls() {
		if name == "purego" {
			continue
		}
		b.Run(name, func(b *testing.B) {
			withImpl(b, name)
			b.SetBytes(int64(len(w)))
			start := cpuNow()
			for b.Loop() {
				MatVecQ8(dst, w, rows, cols, y)
			}
			report(b, 1, rows, cols, start)
		})
	}
}
