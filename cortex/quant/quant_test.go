package quant

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"nexusos/cortex/gguf"
)

const testdata = "../testdata"

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTernaryBlocksReference(t *testing.T) {
	var ref struct {
		Blocks []struct {
			Type  string
			Bytes string `json:"bytes_hex"`
			D     float32
			Trits []int8
		}
	}
	if err := json.Unmarshal(readFile(t, "ternary_blocks.json"), &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Blocks) == 0 {
		t.Fatal("no blocks")
	}
	for i, b := range ref.Blocks {
		raw, err := hex.DecodeString(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		var tr [QK_K]int8
		var d float32
		var typ gguf.TensorType
		switch b.Type {
		case "TQ2_0":
			d, typ = DecodeTQ2(raw, &tr), gguf.TypeTQ2_0
		case "TQ1_0":
			d, typ = DecodeTQ1(raw, &tr), gguf.TypeTQ1_0
		default:
			t.Fatalf("type %q", b.Type)
		}
		if d != b.D {
			t.Errorf("block %d (%s): d = %g, want %g", i, b.Type, d, b.D)
		}
		for j := range tr {
			if tr[j] != b.Trits[j] {
				t.Fatalf("block %d (%s): trit %d = %d, want %d", i, b.Type, j, tr[j], b.Trits[j])
			}
		}
		out := make([]float32, QK_K)
		if err := Dequantize(typ, raw, QK_K, out); err != nil {
			t.Fatal(err)
		}
		for j := range out {
			if out[j] != float32(b.Trits[j])*b.D {
				t.Fatalf("block %d: dequantized %d = %g", i, j, out[j])
			}
		}
	}
}

func TestQuantizeQ8KReference(t *testing.T) {
	in := readFile(t, "q8k.input.f32.bin")
	qs := readFile(t, "q8k.qs.i8.bin")
	ds := readFile(t, "q8k.d.f32.bin")
	bs := readFile(t, "q8k.bsums.i16.bin")
	const rows, cols = 30, 768
	x := make([]float32, rows*cols)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(in[4*i:]))
	}
	for r := 0; r < rows; r++ {
		blocks := QuantizeQ8K(x[r*cols : (r+1)*cols])
		for b, blk := range blocks {
			wantD := math.Float32frombits(binary.LittleEndian.Uint32(ds[4*(r*3+b):]))
			if math.Float32bits(blk.D) != math.Float32bits(wantD) {
				t.Errorf("row %d block %d: d = %g, want %g", r, b, blk.D, wantD)
			}
			for j := 0; j < QK_K; j++ {
				if want := int8(qs[r*cols+b*QK_K+j]); blk.Qs[j] != want {
					t.Fatalf("row %d block %d: q[%d] = %d, want %d", r, b, j, blk.Qs[j], want)
				}
			}
			for j := 0; j < 16; j++ {
				want := int16(binary.LittleEndian.Uint16(bs[2*(r*48+b*16+j):]))
				if blk.Bsums[j] != want {
					t.Fatalf("row %d block %d: bsum %d = %d, want %d", r, b, j, blk.Bsums[j], want)
				}
			}
		}
	}
}

func TestF16(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := F16ToF32(uint16(h))
		if f != f { // NaN
			continue
		}
		if got := F32ToF16(f); got != uint16(h) && !(f == 0 && got&0x7fff == 0) {
			t.Fatalf("F32ToF16(F16ToF32(%#04x)=%g) = %#04x", h, f, got)
		}
	}
	// Rounding: the result must be the nearest half, ties to even.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		f := float32(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(30)-15)))
		h := F32ToF16(f)
		got := float64(F16ToF32(h))
		lo, hi := float64(F16ToF32(h-1)), float64(F16ToF32(h+1))
		if h&0x7fff == 0 || h&0x7c00 == 0x7c00 {
			continue
		}
		d := math.Abs(got - float64(f))
		if d > math.Abs(lo-float64(f)) || d > math.Abs(hi-float64(f)) {
			t.Fatalf("F32ToF16(%g) = %g is not the nearest (neighbours %g, %g)", f, got, lo, hi)
		}
	}
	if F32ToF16(1e6) != 0x7c00 || F32ToF16(-1e6) != 0xfc00 {
		t.Error("overflow is not Inf")
	}
	if BF16ToF32(0x3f80) != 1 {
		t.Error("bf16 1.0")
	}
}

// TestQ6KAndQ80 packs known values with the documented layouts and checks
// the dequantized result.
func TestQ6KAndQ80(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	blk := make([]byte, BlockQ6_K)
	var q [QK_K]int8
	var sc [16]int8
	for i := range q {
		q[i] = int8(rng.IntN(64) - 32)
	}
	for i := range sc {
		sc[i] = int8(rng.IntN(255) - 127)
		blk[192+i] = byte(sc[i])
	}
	binary.LittleEndian.PutUint16(blk[208:], F32ToF16(0.5))
	// Pack: weight 128n + 32k + l (k = 0..3) goes to ql nibble and qh bits.
	for n := 0; n < 2; n++ {
		for l := 0; l < 32; l++ {
			for k := 0; k < 4; k++ {
				u := byte(q[128*n+32*k+l] + 32)
				qlIdx := 64*n + l + 32*(k&1)
				blk[qlIdx] |= (u & 0xF) << (4 * (k >> 1))
				blk[128+32*n+l] |= (u >> 4) << (2 * k)
			}
		}
	}
	out := make([]float32, QK_K)
	if err := Dequantize(gguf.TypeQ6_K, blk, QK_K, out); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		want := 0.5 * float32(sc[i/16]) * float32(q[i])
		if out[i] != want {
			t.Fatalf("Q6_K %d = %g, want %g", i, out[i], want)
		}
	}
	q8 := make([]byte, BlockQ8_0)
	binary.LittleEndian.PutUint16(q8, F32ToF16(0.25))
	for j := 0; j < 32; j++ {
		q8[2+j] = byte(int8(j - 16))
	}
	if err := Dequantize(gguf.TypeQ8_0, q8, 32, out); err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 32; j++ {
		if out[j] != 0.25*float32(j-16) {
			t.Fatalf("Q8_0 %d = %g", j, out[j])
		}
	}
}

func TestI2S(t *testing.T) {
	const n = 512
	rng := rand.New(rand.NewPCG(5, 6))
	tr := make([]int8, n)
	data := make([]byte, n/4+32)
	for i := range tr {
		tr[i] = int8(rng.IntN(3) - 1)
		g, j := i/128, i%128
		data[32*g+j%32] |= byte(tr[i]+1) << (6 - 2*(j/32))
	}
	binary.LittleEndian.PutUint32(data[n/4:], math.Float32bits(0.75))
	out := make([]float32, n)
	if err := Dequantize(gguf.TypeI2_S, data, n, out); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if out[i] != 0.75*float32(tr[i]) {
			t.Fatalf("I2_S %d = %g, want %g", i, out[i], 0.75*float32(tr[i]))
		}
	}
	if err := Dequantize(gguf.TypeI2_S, data[:n/4], n, out); err == nil {
		t.Error("missing scale accepted")
	}
}

func TestDequantizeErrors(t *testing.T) {
	out := make([]float32, 256)
	if err := Dequantize(gguf.TypeTQ2_0, make([]byte, 10), 256, out); err == nil {
		t.Error("short data accepted")
	}
	if err := Dequantize(gguf.TypeQ4_K, make([]byte, 144), 256, out); err == nil {
		t.Error("unsupported type accepted")
	}
	if err := Dequantize(gguf.TypeTQ2_0, make([]byte, 66), 100, out); err == nil {
		t.Error("partial block accepted")
	}
}

func TestTinyModelTensors(t *testing.T) {
	f, err := gguf.Open(filepath.Join(testdata, "bitnet-tiny-tq1_0-scaled.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		v, err := Tensor(f, ti)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("%s: non-finite value", ti.Name)
			}
		}
	}
}
