package kernels

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	return b
}

// TestQuantizeQ8KReference checks bit-exactness against the shared
// llama.cpp-semantics vectors (30 rows × 768, edge cases in rows 24-29).
func TestQuantizeQ8KReference(t *testing.T) {
	in := readTestdata(t, "q8k.input.f32.bin")
	qs := readTestdata(t, "q8k.qs.i8.bin")
	ds := readTestdata(t, "q8k.d.f32.bin")
	bs := readTestdata(t, "q8k.bsums.i16.bin")
	const rows, cols = 30, 768
	if len(in) != rows*cols*4 || len(qs) != rows*cols || len(ds) != rows*3*4 || len(bs) != rows*48*2 {
		t.Fatalf("testdata sizes %d %d %d %d", len(in), len(qs), len(ds), len(bs))
	}
	x := make([]float32, rows*cols)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(in[4*i:]))
	}
	for _, name := range Impls() {
		t.Run(name, func(t *testing.T) {
			withImpl(t, name)
			for r := range rows {
				y := make([]BlockQ8K, cols/QK)
				QuantizeQ8K(x[r*cols:(r+1)*cols], y)
				for b := range y {
					wantD := math.Float32frombits(binary.LittleEndian.Uint32(ds[4*(r*3+b):]))
					if math.Float32bits(y[b].D) != math.Float32bits(wantD) {
						t.Fatalf("row %d block %d: d=%g want %g", r, b, y[b].D, wantD)
					}
					for j := range QK {
						if want := int8(qs[r*cols+b*QK+j]); y[b].Qs[j] != want {
							t.Fatalf("row %d block %d q[%d]=%d want %d", r, b, j, y[b].Qs[j], want)
						}
					}
					if wantD == 0 {
						continue // ggml leaves bsums of an all-zero block unspecified
					}
					for j := range 16 {
						if want := int16(binary.LittleEndian.Uint16(bs[2*(r*48+b*16+j):])); y[b].Bsums[j] != want {
							t.Fatalf("row %d block %d bsums[%d]=%d want %d", r, b, j, y[b].Bsums[j], want)
						}
					}
				}
			}
		})
	}
}

type ternaryBlock struct {
	Type  string  `json:"type"`
	Hex   string  `json:"bytes_hex"`
	D     float64 `json:"d"`
	Trits []int8  `json:"trits"`
}

// TestTernaryBlocksReference decodes the real blocks of the shared tiny
// models and checks their trits and d, then checks each dot kernel on them.
func TestTernaryBlocksReference(t *testing.T) {
	var doc struct{ Blocks []ternaryBlock }
	if err := json.Unmarshal(readTestdata(t, "ternary_blocks.json"), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Blocks) == 0 {
		t.Fatal("no blocks")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i, b := range doc.Blocks {
		raw, err := hex.DecodeString(b.Hex)
		if err != nil {
			t.Fatal(err)
		}
		var trits [QK]int8
		var size int
		switch b.Type {
		case "TQ2_0":
			size = BlockTQ2Size
			decodeTQ2(raw, &trits)
		case "TQ1_0":
			size = BlockTQ1Size
			decodeTQ1(raw, &trits)
		default:
			t.Fatalf("block %d: type %s", i, b.Type)
		}
		if len(raw) != size || len(b.Trits) != QK {
			t.Fatalf("block %d: %d bytes, %d trits", i, len(raw), len(b.Trits))
		}
		for j := range QK {
			if trits[j] != b.Trits[j] {
				t.Fatalf("block %d (%s) trit %d = %d want %d", i, b.Type, j, trits[j], b.Trits[j])
			}
		}
		if d := blockD(raw, size); float64(d) != b.D {
			t.Fatalf("block %d d=%g want %g", i, d, b.D)
		}
		// Dot against random activations: the kernel's sum must equal the
		// sum over the published trits.
		y := randQ8K(rng, 1)
		var want int64
		for j := range QK {
			want += int64(b.Trits[j]) * int64(y[0].Qs[j])
		}
		wantF := float32(float32(want) * float32(float32(b.D)*y[0].D))
		for _, name := range Impls() {
			withImpl(t, name)
			var got float32
			if size == BlockTQ2Size {
				got = VecDotTQ2Q8K(QK, raw, y)
			} else {
				got = VecDotTQ1Q8K(QK, raw, y)
			}
			if got != wantF {
				t.Errorf("%s block %d (%s): dot %g want %g", name, i, b.Type, got, wantF)
			}
		}
	}
}

func withImpl(t testing.TB, name string) {
	t.Helper()
	prev := cur.name
	if err := SetImpl(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = SetImpl(prev) })
}

func randQ8K(rng *rand.Rand, nb int) []BlockQ8K {
	x := make([]float32, nb*QK)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	if nb > 1 {
		for i := 0; i < QK; i++ { // one all-zero block
			x[QK+i] = 0
		}
	}
	y := make([]BlockQ8K, nb)
	quantizeQ8KRef(x, y)
	return y
}

// randTernary returns rows×cols weights of the given type with random trits
// (about a third zero) and random block scales.
func randTernary(rng *rand.Rand, typ string, rows, cols int) []byte {
	switch typ {
	case "tq2":
		w := make([]byte, rows*TQ2RowSize(cols))
		for b := 0; b < len(w); b += BlockTQ2Size {
			for j := range QK / 4 {
				w[b+j] = byte(rng.IntN(3) | rng.IntN(3)<<2 | rng.IntN(3)<<4 | rng.IntN(3)<<6)
			}
			binary.LittleEndian.PutUint16(w[b+QK/4:], FP32ToFP16(0.5+rng.Float32()))
		}
		return w
	case "tq1":
		w := make([]byte, rows*TQ1RowSize(cols))
		for b := 0; b < len(w); b += BlockTQ1Size {
			for j := range 52 {
				nd := 5
				if j >= 48 {
					nd = 4
				}
				v := 0
				for range nd {
					v = v*3 + rng.IntN(3)
				}
				if nd == 4 {
					v *= 3
				}
				w[b+j] = byte((v*256 + 242) / 243)
			}
			binary.LittleEndian.PutUint16(w[b+52:], FP32ToFP16(0.5+rng.Float32()))
		}
		return w
	case "i2s":
		w := make([]byte, rows*cols/4+32)
		for i := range rows * cols / 4 {
			w[i] = byte(rng.IntN(3) | rng.IntN(3)<<2 | rng.IntN(3)<<4 | rng.IntN(3)<<6)
		}
		binary.LittleEndian.PutUint32(w[rows*cols/4:], math.Float32bits(0.03+rng.Float32()))
		return w
	}
	panic(typ)
}

var shapes = []struct{ rows, cols int }{
	{1, 256}, {3, 256}, {7, 512}, {17, 768}, {33, 1280}, {64, 2560}, {5, 6912},
	{2, 128}, {9, 384}, // I2_S only: groups of 128
}

var tokenCounts = []int{1, 2, 15, 16, 17, 40}

// TestMatVecMatchesReference checks every implementation against the pure-Go
// reference, bit for bit, on random data of many shapes and row ranges.
func TestMatVecMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range shapes {
		for _, typ := range []string{"tq1", "tq2", "i2s"} {
			if typ != "i2s" && sh.cols%QK != 0 {
				continue
			}
			w := randTernary(rng, typ, sh.rows, sh.cols)
			y := randQ8K(rng, sh.cols/QK)
			xa := make([]float32, sh.cols)
			for i := range xa {
				xa[i] = float32(rng.NormFloat64())
			}
			var a I8S
			QuantizeI8S(xa, &a)
			scale, err := I2SScale(w, sh.rows, sh.cols)
			if typ == "i2s" && err != nil {
				t.Fatal(err)
			}
			want := make([]float32, sh.rows)
			switch typ {
			case "tq1":
				matVecTQ1Ref(want, w, sh.cols, y, 0, sh.rows)
			case "tq2":
				matVecTQ2Ref(want, w, sh.cols, y, 0, sh.rows)
			case "i2s":
				matVecI2SRef(want, w, sh.cols, scale, &a, 0, sh.rows)
			}
			for _, name := range Impls() {
				t.Run(fmt.Sprintf("%s/%s/%dx%d", name, typ, sh.rows, sh.cols), func(t *testing.T) {
					withImpl(t, name)
					got := make([]float32, sh.rows)
					r0, r1 := sh.rows/3, sh.rows-sh.rows/4
					for _, rr := range [][2]int{{0, r0}, {r0, r1}, {r1, sh.rows}} {
						switch typ {
						case "tq1":
							MatVecTQ1Range(got, w, sh.rows, sh.cols, y, rr[0], rr[1])
						case "tq2":
							MatVecTQ2Range(got, w, sh.rows, sh.cols, y, rr[0], rr[1])
						case "i2s":
							MatVecI2SRange(got, w, sh.rows, sh.cols, scale, &a, rr[0], rr[1])
						}
					}
					for r := range want {
						if math.Float32bits(got[r]) != math.Float32bits(want[r]) {
							t.Fatalf("row %d: got %g want %g", r, got[r], want[r])
						}
					}
				})
			}
		}
	}
}

// TestMatMulMatchesReference checks the batched paths against the
// row-by-row dot products of the reference, bit for bit.
func TestMatMulMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range shapes {
		for _, typ := range []string{"tq1", "tq2", "i2s"} {
			if typ != "i2s" && sh.cols%QK != 0 {
				continue
			}
			w := randTernary(rng, typ, sh.rows, sh.cols)
			for _, nt := range tokenCounts {
				ys := make([][]BlockQ8K, nt)
				as := make([]I8S, nt)
				for i := range ys {
					ys[i] = randQ8K(rng, sh.cols/QK)
					xa := make([]float32, sh.cols)
					for j := range xa {
						xa[j] = float32(rng.NormFloat64()) * float32(i+1)
					}
					if i%3 == 1 { // a misaligned caller buffer
						as[i].Q = make([]int8, sh.cols+1)[1:]
					}
					QuantizeI8S(xa, &as[i])
				}
				scale, _ := I2SScale(w, sh.rows, sh.cols)
				want := make([]float32, nt*sh.rows)
				for ti := range nt {
					switch typ {
					case "tq1":
						matVecTQ1Ref(want[ti*sh.rows:], w, sh.cols, ys[ti], 0, sh.rows)
					case "tq2":
						matVecTQ2Ref(want[ti*sh.rows:], w, sh.cols, ys[ti], 0, sh.rows)
					case "i2s":
						matVecI2SRef(want[ti*sh.rows:], w, sh.cols, scale, &as[ti], 0, sh.rows)
					}
				}
				for _, name := range Impls() {
					withImpl(t, name)
					got := make([]float32, nt*sh.rows)
					r0 := sh.rows / 2
					for _, rr := range [][2]int{{0, r0}, {r0, sh.rows}} {
						switch typ {
						case "tq1":
							MatMulTQ1Range(got, w, sh.rows, sh.cols, ys, rr[0], rr[1])
						case "tq2":
							MatMulTQ2Range(got, w, sh.rows, sh.cols, ys, rr[0], rr[1])
						case "i2s":
							MatMulI2SRange(got, w, sh.rows, sh.cols, scale, as, rr[0], rr[1])
						}
					}
					check := func(how string) {
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s %s %s %dx%d tokens=%d: token %d row %d: got %g want %g", name, how, typ, sh.rows, sh.cols, nt, i/sh.rows, i%sh.rows, got[i], want[i])
							}
						}
					}
					check("range")
					// Packed once, used for three row ranges; packed under
					// another implementation must work too.
					for _, packWith := range []string{name, "purego", Impls()[0]} {
						clear(got)
						withImpl(t, packWith)
						var pq PackedQ8K
						var pi PackedI8S
						if typ == "i2s" {
							PackI8S(as, sh.cols, &pi)
						} else {
							PackQ8K(ys, sh.cols, &pq)
						}
						withImpl(t, name)
						r1, r2 := sh.rows/3, 2*sh.rows/3
						for _, rr := range [][2]int{{r2, sh.rows}, {0, r1}, {r1, r2}} {
							switch typ {
							case "tq1":
								MatMulTQ1Packed(got, w, sh.rows, sh.cols, &pq, rr[0], rr[1])
							case "tq2":
								MatMulTQ2Packed(got, w, sh.rows, sh.cols, &pq, rr[0], rr[1])
							case "i2s":
								MatMulI2SPacked(got, w, sh.rows, sh.cols, scale, &pi, rr[0], rr[1])
							}
						}
						check("packed by " + packWith)
					}
				}
			}
		}
	}
}

// TestTernaryDotMatchesFloat checks the reference kernels against a float64
// dot product of dequantised weights and activations.
func TestTernaryDotMatchesFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const cols = 1024
	for _, typ := range []string{"tq1", "tq2"} {
		w := randTernary(rng, typ, 1, cols)
		y := randQ8K(rng, cols/QK)
		var want float64
		var tr [QK]int8
		for b := range cols / QK {
			var d float32
			if typ == "tq1" {
				blk := w[b*BlockTQ1Size:]
				decodeTQ1(blk, &tr)
				d = blockD(blk, BlockTQ1Size)
			} else {
				blk := w[b*BlockTQ2Size:]
				decodeTQ2(blk, &tr)
				d = blockD(blk, BlockTQ2Size)
			}
			for j := range QK {
				want += float64(tr[j]) * float64(d) * float64(y[b].Qs[j]) * float64(y[b].D)
			}
		}
		var got float32
		if typ == "tq1" {
			got = VecDotTQ1Q8K(cols, w, y)
		} else {
			got = VecDotTQ2Q8K(cols, w, y)
		}
		if math.Abs(float64(got)-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: got %g want %g", typ, got, want)
		}
	}
	// I2_S: dequantised weights × dequantised activations.
	w := randTernary(rng, "i2s", 1, cols)
	scale, _ := I2SScale(w, 1, cols)
	x := make([]float32, cols)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	var a I8S
	QuantizeI8S(x, &a)
	var want float64
	for j := range cols {
		g, m := j/I2SGroup, j%I2SGroup
		code := w[g*32+m%32] >> (6 - 2*(m/32)) & 3
		want += (float64(code) - 1) * float64(scale) * float64(a.Q[j]) / float64(a.Scale)
	}
	if got := I2SDot(w[:cols/4], scale, &a); math.Abs(float64(got)-want) > 1e-4*math.Max(1, math.Abs(want)) {
		t.Errorf("i2s: got %g want %g", got, want)
	}
}

func TestQuantizeI8S(t *testing.T) {
	x := []float32{0, 1, -2, 0.5, 2, -0.5 * 2 / 127, 1.5 * 2 / 127}
	x = append(x, make([]float32, 121)...)
	var a I8S
	QuantizeI8S(x, &a)
	if a.Scale != float32(127/2.0) {
		t.Fatalf("scale %g", a.Scale)
	}
	want := []int8{0, 64, -127, 32, 127, 0, 2} // 63.5, -0.5 and 1.5 round half to even
	var sum int32
	for i, w := range want {
		if a.Q[i] != w {
			t.Errorf("q[%d]=%d want %d", i, a.Q[i], w)
		}
		sum += int32(w)
	}
	if a.Sum != sum {
		t.Errorf("sum %d want %d", a.Sum, sum)
	}
	// An all-zero vector uses the 1e-5 floor.
	QuantizeI8S(make([]float32, 128), &a)
	if a.Scale != float32(127/0.00001) || a.Sum != 0 {
		t.Errorf("zero vector: scale %g sum %d", a.Scale, a.Sum)
	}
}

func TestFP16RoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		f := FP16ToFP32(uint16(h))
		if f != f { // NaN
			continue
		}
		if back := FP32ToFP16(f); back != uint16(h) {
			t.Fatalf("%#04x -> %g -> %#04x", h, f, back)
		}
	}
	// Ties round to even: 0.5 + ulp/2 -> 0x3800, 0.5 + 3ulp/2 -> 0x3802.
	if got := FP32ToFP16(0.5 + 1.0/4096); got != 0x3800 {
		t.Errorf("tie rounding: %#04x", got)
	}
	if got := FP32ToFP16(0.5 + 3.0/4096); got != 0x3802 {
		t.Errorf("tie rounding: %#04x", got)
	}
}

func TestBadShapesPanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for short weights")
		}
	}()
	MatVecTQ2(make([]float32, 2), make([]byte, BlockTQ2Size), 2, 256, make([]BlockQ8K, 1))
}

// TestQuantizeQ8KRandom compares every implementation with the reference on
// random blocks, including ties in |x| and exact .5 products.
func TestQuantizeQ8KRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	const nb = 40
	x := make([]float32, nb*QK)
	for i := range x {
		switch rng.IntN(4) {
		case 0:
			x[i] = float32(rng.IntN(255)-127) / 2 // many exact halves after scaling
		default:
			x[i] = float32(rng.NormFloat64() * math.Exp(rng.NormFloat64()*3))
		}
	}
	x[5*QK+7], x[5*QK+9] = 300, -300 // tie in |x|: the first wins
	clear(x[7*QK : 8*QK])
	want := make([]BlockQ8K, nb)
	quantizeQ8KRef(x, want)
	for _, name := range Impls() {
		withImpl(t, name)
		got := make([]BlockQ8K, nb)
		QuantizeQ8K(x, got)
		for b := range got {
			if got[b] != want[b] {
				t.Fatalf("%s: block %d differs: d %g vs %g", name, b, got[b].D, want[b].D)
			}
		}
	}
}

// TestQuantizeI8SRounding checks half-to-even rounding against a float64
// model of bitnet.cpp's nearest_int(x*s) (its 2024-10 release; only the
// experimental x86_mad branches of its llama.cpp fork used round()).
func TestQuantizeI8SRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	x := make([]float32, 4096)
	for i := range x {
		if i%2 == 0 {
			x[i] = float32(rng.IntN(509)-254) / 2 // exact halves once scaled by 1
		} else {
			x[i] = float32(rng.NormFloat64() * 40)
		}
	}
	x[0] = 127 // scale = 1
	var a I8S
	QuantizeI8S(x, &a)
	for i, v := range x {
		want := math.RoundToEven(float64(float32(v * a.Scale)))
		want = math.Max(-128, math.Min(127, want))
		if float64(a.Q[i]) != want {
			t.Fatalf("x=%g: q=%d want %g", v, a.Q[i], want)
		}
	}
}

// TestPackedConcurrent runs one packed input through several goroutines,
// each on its own row range of two matrices (as a thread pool does), and
// checks the result against the reference. Run with -race to check that
// packed activations are only read.
func TestPackedConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	const rows, cols, tokens, workers = 96, 512, 37, 6
	w1 := randTernary(rng, "tq2", rows, cols)
	w2 := randTernary(rng, "tq1", rows, cols)
	ys := make([][]BlockQ8K, tokens)
	for i := range ys {
		ys[i] = randQ8K(rng, cols/QK)
	}
	want1 := make([]float32, tokens*rows)
	want2 := make([]float32, tokens*rows)
	matMulTQ2Ref(want1, w1, rows, cols, ys, 0, rows)
	matMulTQ1Ref(want2, w2, rows, cols, ys, 0, rows)
	var p PackedQ8K
	PackQ8K(ys, cols, &p)
	got1 := make([]float32, tokens*rows)
	got2 := make([]float32, tokens*rows)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo, hi := i*rows/workers, (i+1)*rows/workers
			MatMulTQ2Packed(got1, w1, rows, cols, &p, lo, hi)
			MatMulTQ1Packed(got2, w2, rows, cols, &p, lo, hi)
		}()
	}
	wg.Wait()
	for i := range want1 {
		if got1[i] != want1[i] || got2[i] != want2[i] {
			t.Fatalf("value %d: got %g/%g want %g/%g", i, got1[i], got2[i], want1[i], want2[i])
		}
	}
}

// TestImplementations reports which implementations run here, and skips
// with a message when the AVX-512 kernels cannot be tested on this CPU.
func TestImplementations(t *testing.T) {
	t.Logf("implementations: %v (using %s)", Impls(), Impl())
	if Impls()[len(Impls())-1] != "purego" {
		t.Fatal("purego must always be available")
	}
	if Impls()[0] != "avx512vnni" {
		t.Skip("CPU lacks AVX-512 VNNI (or purego build): AVX-512 kernels not tested")
	}
}

// TestQ8Rows checks the int8 weight rows: every implementation against the
// reference, and the dequantised product against float64.
func TestQ8Rows(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	for _, sh := range []struct{ rows, cols int }{{1, 256}, {7, 512}, {33, 2560}} {
		src := make([]float32, sh.rows*sh.cols)
		f16 := make([]byte, 2*len(src))
		for i := range src {
			h := FP32ToFP16(float32(rng.NormFloat64() * 0.08))
			binary.LittleEndian.PutUint16(f16[2*i:], h)
			src[i] = FP16ToFP32(h)
		}
		w := make([]byte, sh.rows*Q8RowSize(sh.cols))
		QuantizeQ8Rows(w, src, sh.rows, sh.cols)
		w16 := make([]byte, len(w))
		QuantizeQ8RowsF16(w16, f16, sh.rows, sh.cols)
		if !bytes.Equal(w, w16) {
			t.Fatal("F16 and F32 packing differ")
		}
		x := make([]float32, sh.cols)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		y := make([]BlockQ8K, sh.cols/QK)
		QuantizeQ8K(x, y)
		want := make([]float32, sh.rows)
		matVecQ8Ref(want, w, sh.cols, y, 0, sh.rows)
		nb := sh.cols / QK
		for r := range sh.rows {
			row := w[r*Q8RowSize(sh.cols):]
			var exact float64
			for j := range sh.cols {
				b := j / QK
				scale := math.Float32frombits(binary.LittleEndian.Uint32(row[4*b:]))
				wq := float64(scale) * float64(int8(row[4*nb+j]))
				// Each weight is within half a step (absmax/127/2) of the original.
				var amax float64
				for _, v := range src[r*sh.cols+b*QK : r*sh.cols+(b+1)*QK] {
					amax = math.Max(amax, math.Abs(float64(v)))
				}
				if d := math.Abs(wq - float64(src[r*sh.cols+j])); d > amax/254*1.0001 {
					t.Fatalf("%dx%d row %d weight %d: %g from %g", sh.rows, sh.cols, r, j, wq, src[r*sh.cols+j])
				}
				exact += wq * float64(y[b].D) * float64(y[b].Qs[j%QK])
			}
			if d := math.Abs(float64(want[r]) - exact); d > 1e-5*math.Max(1, math.Abs(exact)) {
				t.Errorf("%dx%d row %d: q8 %g, dequantised %g", sh.rows, sh.cols, r, want[r], exact)
			}
		}
		for _, name := range Impls() {
			withImpl(t, name)
			got := make([]float32, sh.rows)
			MatVecQ8Range(got, w, sh.rows, sh.cols, y, 0, sh.rows/2)
			MatVecQ8Range(got, w, sh.rows, sh.cols, y, sh.rows/2, sh.rows)
			for r := range got {
				if math.Float32bits(got[r]) != math.Float32bits(want[r]) {
					t.Fatalf("%s %dx%d row %d: %g want %g", name, sh.rows, sh.cols, r, got[r], want[r])
				}
			}
		}
	}
}

// TestEmpty checks that zero-sized products return zeros on every
// implementation (the assembly loops need at least one iteration).
func TestEmpty(t *testing.T) {
	for _, name := range Impls() {
		withImpl(t, name)
		if VecDotTQ1Q8K(0, nil, nil) != 0 || VecDotTQ2Q8K(0, nil, nil) != 0 || VecDotI2SI8(0, nil, nil) != 0 {
			t.Errorf("%s: empty dot not zero", name)
		}
		dst := []float32{7, 7}
		MatVecTQ2(dst, nil, 2, 0, nil)
		MatVecTQ1(dst, nil, 2, 0, nil)
		MatVecQ8(dst, nil, 2, 0, nil)
		MatVecI2S(dst, nil, 2, 0, 1, &I8S{})
		MatMulTQ2(dst, nil, 1, 0, make([][]BlockQ8K, 2))
		MatMulI2S(dst, nil, 1, 0, 1, make([]I8S, 2))
		if dst[0] != 0 || dst[1] != 0 {
			t.Errorf("%s: zero-column products gave %v", name, dst)
		}
		MatVecTQ2(dst, nil, 0, 256, make([]BlockQ8K, 1))
		QuantizeQ8K(nil, nil)
	}
}

// TestQuantizeI8SImpls compares every implementation of QuantizeI8S with
// the reference on lengths with and without an assembly path.
func TestQuantizeI8SImpls(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 19))
	for _, n := range []int{64, 128, 200, 2560, 6912} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Exp(rng.NormFloat64()))
			if i%7 == 0 {
				x[i] = float32(rng.IntN(255)-127) / 2
			}
		}
		want := make([]int8, n)
		ws, wsum := quantizeI8SRef(x, want)
		for _, name := range Impls() {
			withImpl(t, name)
			var a I8S
			QuantizeI8S(x, &a)
			if a.Scale != ws || a.Sum != wsum || !bytes.Equal(int8Bytes(a.Q), int8Bytes(want)) {
				t.Fatalf("%s n=%d: scale %g/%g sum %d/%d", name, n, a.Scale, ws, a.Sum, wsum)
			}
		}
	}
}

func int8Bytes(q []int8) []byte {
	b := make([]byte, len(q))
	for i, v := range q {
		b[i] = byte(v)
	}
	return b
}
