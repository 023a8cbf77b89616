package quant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"nexusos/cortex/gguf"
)

// layoutRef is testdata/i2s-layouts: bitnet.cpp's quantize_i2_s output for
// one synthetic ternary matrix in each of its three layouts.
type layoutRef struct {
	Rows, Cols int
	Scale      float64
	trits      []int8
	packed     map[I2SLayout][]byte
}

func readLayoutRef(t *testing.T) *layoutRef {
	t.Helper()
	var ref layoutRef
	if err := json.Unmarshal(readFile(t, "i2s-layouts/layouts.json"), &ref); err != nil {
		t.Fatal(err)
	}
	for _, b := range readFile(t, "i2s-layouts/trits.i8.bin") {
		ref.trits = append(ref.trits, int8(b))
	}
	if len(ref.trits) != ref.Rows*ref.Cols {
		t.Fatalf("%d trits for %d×%d", len(ref.trits), ref.Rows, ref.Cols)
	}
	ref.packed = map[I2SLayout][]byte{}
	for _, l := range []I2SLayout{I2SLayoutX86, I2SLayoutARM, I2SLayoutRows4} {
		ref.packed[l] = readFile(t, "i2s-layouts/"+l.String()+".i2_s.bin")
	}
	return &ref
}

// TestI2SLayoutsReference decodes bitnet.cpp's bytes in each layout to the
// trits and scale it was given, and repacks each to its x86 bytes exactly.
func TestI2SLayoutsReference(t *testing.T) {
	ref := readLayoutRef(t)
	x86 := ref.packed[I2SLayoutX86]
	if bytes.Equal(x86, ref.packed[I2SLayoutARM]) || bytes.Equal(x86, ref.packed[I2SLayoutRows4]) {
		t.Fatal("reference layouts are not distinct")
	}
	for l, data := range ref.packed {
		trits, scale, err := I2STrits(data, ref.Rows, ref.Cols, l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if scale != float32(ref.Scale) {
			t.Errorf("%s: scale %v, want %v", l, scale, float32(ref.Scale))
		}
		for i := range trits {
			if trits[i] != ref.trits[i] {
				t.Fatalf("%s: trit %d (row %d col %d) = %d, want %d", l, i, i/ref.Cols, i%ref.Cols, trits[i], ref.trits[i])
			}
		}
		got := make([]byte, len(data))
		if err := RepackI2S(got, data, ref.Rows, ref.Cols, l); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		if !bytes.Equal(got, x86) {
			t.Errorf("%s: repacked bytes differ from bitnet.cpp's x86 layout", l)
		}
	}
	// The x86 layout is Cortex's: Dequantize agrees with the trits.
	out := make([]float32, ref.Rows*ref.Cols)
	if err := Dequantize(gguf.TypeI2_S, x86, len(out), out); err != nil {
		t.Fatal(err)
	}
	for i, v := range out {
		if v != float32(ref.trits[i])*float32(ref.Scale) {
			t.Fatalf("Dequantize[%d] = %v, want %v", i, v, float32(ref.trits[i])*float32(ref.Scale))
		}
	}
}

// encodeI2S packs codes (0..3, row-major) in layout l, written directly from
// the layout table of I2SLayout, with the scale in the tail.
func encodeI2S(codes []byte, rows, cols int, l I2SLayout, scale float32) []byte {
	n := rows * cols
	out := make([]byte, n/4+32)
	for i, c := range codes {
		r, col := i/cols, i%cols
		var at, slot int
		switch l {
		case I2SLayoutX86:
			at, slot = 32*(i/128)+i%32, i%128/32
		case I2SLayoutARM:
			at, slot = 16*(i/64)+i%16, i%64/16
		case I2SLayoutRows4:
			at, slot = (r/4)*cols+col, r%4
		}
		out[at] |= c << (6 - 2*slot)
	}
	bits := math.Float32bits(scale)
	out[n/4], out[n/4+1], out[n/4+2], out[n/4+3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
	return out
}

// TestRepackI2SRandom repacks random codes (including 3) of several shapes,
// some large enough to be split across goroutines.
func TestRepackI2SRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, sh := range [][2]int{{4, 128}, {8, 384}, {12, 2560}, {3, 256}, {1, 128}, {1028, 4096}} {
		rows, cols := sh[0], sh[1]
		codes := make([]byte, rows*cols)
		for i := range codes {
			codes[i] = byte(r.IntN(4))
		}
		want := encodeI2S(codes, rows, cols, I2SLayoutX86, 0.5)
		for _, l := range []I2SLayout{I2SLayoutX86, I2SLayoutARM, I2SLayoutRows4} {
			name := fmt.Sprintf("%s/%dx%d", l, rows, cols)
			got := make([]byte, len(want))
			if l == I2SLayoutRows4 && rows%4 != 0 {
				if err := RepackI2S(got, want, rows, cols, l); err == nil {
					t.Errorf("%s: no error for %d rows", name, rows)
				}
				continue
			}
			src := encodeI2S(codes, rows, cols, l, 0.5)
			if err := RepackI2S(got, src, rows, cols, l); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: repack differs from the x86 encoding", name)
			}
		}
	}
}

func TestRepackI2SErrors(t *testing.T) {
	buf := make([]byte, 4*128/4+32)
	for _, c := range []struct {
		name       string
		dst, src   []byte
		rows, cols int
		l          I2SLayout
	}{
		{"cols", buf, buf, 4, 64, I2SLayoutARM},
		{"short src", buf, buf[:100], 4, 128, I2SLayoutARM},
		{"short dst", buf[:100], buf, 4, 128, I2SLayoutARM},
		{"layout", buf, buf, 4, 128, I2SLayout(9)},
		{"rows", buf, buf, 0, 128, I2SLayoutX86},
	} {
		if err := RepackI2S(c.dst, c.src, c.rows, c.cols, c.l); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	for _, s := range []string{"x86", "arm", "rows4"} {
		if l, err := ParseI2SLayout(s); err != nil || l.String() != s {
			t.Errorf("ParseI2SLayout(%q) = %v, %v", s, l, err)
		}
	}
	if _, err := ParseI2SLayout("tl1"); err == nil {
		t.Error("ParseI2SLayout(tl1): no error")
	}
}

// BenchmarkRepackI2S repacks one 6912×2560 tensor (a 2B-4T FFN matrix) and
// reports the time scaled to the whole of 2B-4T (30 layers of 69.5 M
// ternary weights). Peer: x86, which is a plain copy.
func BenchmarkRepackI2S(b *testing.B) {
	const rows, cols = 6912, 2560
	src := make([]byte, rows*cols/4+32)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range src {
		src[i] = byte(r.Uint32())
	}
	dst := make([]byte, len(src))
	for _, l := range []I2SLayout{I2SLayoutX86, I2SLayoutARM, I2SLayoutRows4} {
		b.Run(l.String(), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := RepackI2S(dst, src, rows, cols, l); err != nil {
					b.Fatal(err)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			// 2B-4T: 30 layers × 69.5 M ternary weights = 2.085 G weights.
			b.ReportMetric(per.Seconds()*2.085e9/float64(rows*cols), "s/2B-4T")
		})
	}
}
