package bitnet

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"nexusos/cortex/gguf"
	"nexusos/cortex/kernels"
	"nexusos/cortex/quant"
)

// TestI2SLayoutsMatVec runs Cortex's I2_S kernels (every implementation)
// over bitnet.cpp's packed bytes in each of its layouts, repacked, and
// compares with the integer dot products bitnet.cpp's own kernels returned
// (testdata/i2s-layouts), and the float mat-vec with ggml's formula over
// them.
func TestI2SLayoutsMatVec(t *testing.T) {
	dir := filepath.Join(testdata, "i2s-layouts")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var ref struct{ Rows, Cols int }
	if err := json.Unmarshal(read("layouts.json"), &ref); err != nil {
		t.Fatal(err)
	}
	act := make([]int8, ref.Cols)
	var actSum int32
	for i, b := range read("act.i8.bin")[:ref.Cols] {
		act[i] = int8(b)
		actSum += int32(act[i])
	}
	dotBytes := read("dots.i32.bin")
	want := make([]int32, ref.Rows)
	for r := range want {
		want[r] = int32(binary.LittleEndian.Uint32(dotBytes[4*r:]))
	}
	rs := ref.Cols / 4
	defer kernels.SetImpl(kernels.Impl())
	for _, impl := range kernels.Impls() {
		if err := kernels.SetImpl(impl); err != nil {
			t.Fatal(err)
		}
		for _, l := range []quant.I2SLayout{quant.I2SLayoutX86, quant.I2SLayoutARM, quant.I2SLayoutRows4} {
			src := read(l.String() + ".i2_s.bin")
			w := make([]byte, len(src))
			if err := quant.RepackI2S(w, src, ref.Rows, ref.Cols, l); err != nil {
				t.Fatal(err)
			}
			scale, err := quant.I2SScale(w, ref.Rows*ref.Cols)
			if err != nil {
				t.Fatal(err)
			}
			// An activation scale that is not a power of two, so that the
			// float result depends on the integer dot exactly.
			y := &kernels.I8S{Q: act, Sum: actSum, Scale: 3.7}
			got := make([]float32, ref.Rows)
			kernels.MatVecI2S(got, w, ref.Rows, ref.Cols, scale, y)
			for r := 0; r < ref.Rows; r++ {
				if d := kernels.VecDotI2SI8(ref.Cols, w[r*rs:(r+1)*rs], act); d != want[r] {
					t.Errorf("%s/%s: row %d dot %d, bitnet.cpp %d", impl, l, r, d, want[r])
				}
				if f := float32(float32(want[r]-actSum)/y.Scale) * scale; got[r] != f {
					t.Errorf("%s/%s: row %d mat-vec %v, want %v", impl, l, r, got[r], f)
				}
			}
		}
	}
}

// toLayout re-encodes the x86-layout I2_S tensors of a GGUF image in layout
// l (codes and scale unchanged) and returns the new image.
func toLayout(t *testing.T, f *gguf.File, l quant.I2SLayout) []byte {
	t.Helper()
	w := gguf.NewWriter()
	w.Alignment = f.Alignment
	for _, k := range f.Keys() {
		v, _ := f.Value(k)
		if err := w.Set(k, v.Any()); err != nil {
			t.Fatal(err)
		}
	}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		d, err := f.TensorData(ti)
		if err != nil {
			t.Fatal(err)
		}
		if ti.Type == gguf.TypeI2_S {
			cols, rows := int(ti.Dims[0]), int(ti.Dims[1])
			trits, _, err := quant.I2STrits(d, rows, cols, quant.I2SLayoutX86)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]byte, len(d))
			copy(out[rows*cols/4:], d[rows*cols/4:])
			for i, tr := range trits {
				r, c := i/cols, i%cols
				var at, slot int
				switch l {
				case quant.I2SLayoutARM:
					at, slot = 16*(i/64)+i%16, i%64/16
				case quant.I2SLayoutRows4:
					at, slot = (r/4)*cols+c, r%4
				}
				out[at] |= byte(tr+1) << (6 - 2*slot)
			}
			d = out
		}
		if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, d); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLoadI2SLayouts loads bitnet.cpp's tiny I2_S model re-encoded in the
// arm and rows4 layouts: with the matching Options.I2SLayout the logits are
// bit-identical to the original's; read as x86 they are not.
func TestLoadI2SLayouts(t *testing.T) {
	f, m := openModel(t, tinyI2S, Options{})
	ref := readI2SRef(t).refRun
	ref.Greedy = ref.Greedy[:4]
	wantP, wantG := teacherForced(t, m, ref, 2, 0)
	for _, l := range []quant.I2SLayout{quant.I2SLayoutARM, quant.I2SLayoutRows4} {
		img := toLayout(t, f, l)
		g, err := gguf.OpenBytes(img)
		if err != nil {
			t.Fatal(err)
		}
		ml, err := Load(g, Options{I2SLayout: l})
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		p, gen := teacherForced(t, ml, ref, 2, 0)
		if !slices.Equal(p, wantP) || !slices.Equal(gen, wantG) {
			t.Errorf("%s: logits differ from the x86 file's", l)
		}
		wrong, err := Load(g, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := teacherForced(t, wrong, ref, 2, 0); slices.Equal(p, wantP) {
			t.Errorf("%s read as x86: same logits; the test cannot tell layouts apart", l)
		}
	}
}

// BenchmarkLoadI2SLayout times Load of the I2_S model named by
// $CORTEX_BENCH_MODEL (for example `nexus cortex synth --preset 2b-4t
// --type i2_s`) told each layout: x86 maps the linears as they are (the
// peer), arm and rows4 repack them onto the heap (the bytes are x86, which
// costs the same). The file is in the page cache (warm): a repack's time is
// its page faults on the mapping, the heap allocation and the repack.
func BenchmarkLoadI2SLayout(b *testing.B) {
	path := os.Getenv("CORTEX_BENCH_MODEL")
	if path == "" {
		b.Skip("set CORTEX_BENCH_MODEL to an I2_S model")
	}
	for _, l := range []quant.I2SLayout{quant.I2SLayoutX86, quant.I2SLayoutARM, quant.I2SLayoutRows4} {
		b.Run(l.String(), func(b *testing.B) {
			for b.Loop() {
				f, err := gguf.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				m, err := Load(f, Options{I2SLayout: l})
				if err != nil {
					b.Fatal(err)
				}
				linears, _ := m.Bytes()
				b.ReportMetric(float64(linears)/1e6, "MB-linears")
				f.Close()
			}
		})
	}
}
