package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const testdata = "../testdata"

func TestOpenTinyModels(t *testing.T) {
	for _, tc := range []struct {
		file   string
		typ    TensorType
		scales bool
	}{
		{"bitnet-tiny-tq2_0.gguf", TypeTQ2_0, false},
		{"bitnet-tiny-tq1_0-scaled.gguf", TypeTQ1_0, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := Open(filepath.Join(testdata, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if arch, _ := f.String("general.architecture"); arch != "bitnet" {
				t.Errorf("architecture = %q, want bitnet", arch)
			}
			if n, ok := f.Uint("bitnet.embedding_length"); !ok || n != 256 {
				t.Errorf("embedding_length = %d, %v", n, ok)
			}
			if n, ok := f.Int("bitnet.block_count"); !ok || n != 4 {
				t.Errorf("block_count = %d, %v", n, ok)
			}
			if eps, ok := f.Float("bitnet.attention.layer_norm_rms_epsilon"); !ok || eps < 9e-6 || eps > 1.1e-5 {
				t.Errorf("rms eps = %g, %v", eps, ok)
			}
			toks, ok := f.Strings("tokenizer.ggml.tokens")
			if !ok || len(toks) != 512 || toks[1] != "<s>" {
				t.Errorf("tokens: ok=%v len=%d", ok, len(toks))
			}
			if f.Version != 3 || f.Alignment != 32 {
				t.Errorf("version %d alignment %d", f.Version, f.Alignment)
			}
			emb, ok := f.Tensor("token_embd.weight")
			if !ok || emb.Type != TypeF16 || !reflect.DeepEqual(emb.Dims, []uint64{256, 512}) {
				t.Fatalf("token_embd: %+v", emb)
			}
			q, ok := f.Tensor("blk.0.attn_q.weight")
			if !ok || q.Type != tc.typ || !reflect.DeepEqual(q.Dims, []uint64{256, 256}) {
				t.Fatalf("attn_q: %+v", q)
			}
			data, err := f.TensorData(q)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(len(data)) != 256*tc.typ.TypeSize() {
				t.Errorf("attn_q data %d bytes", len(data))
			}
			_, hasScale := f.Tensor("blk.0.attn_q.scale")
			if hasScale != tc.scales {
				t.Errorf("scale tensor present = %v", hasScale)
			}
		})
	}
}

// TestRewriteIdentical reads the reference models and writes them back
// with Writer: the bytes must be identical, which checks both the reader
// and the writer against files produced by llama.cpp's gguf-py.
func TestRewriteIdentical(t *testing.T) {
	for _, name := range []string{"bitnet-tiny-tq2_0.gguf", "bitnet-tiny-tq1_0-scaled.gguf"} {
		path := filepath.Join(testdata, name)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := OpenBytes(orig)
		if err != nil {
			t.Fatal(err)
		}
		got := rewrite(t, f)
		if !bytes.Equal(got, orig) {
			t.Errorf("%s: rewritten file differs (%d vs %d bytes)", name, len(got), len(orig))
		}
	}
}

func rewrite(t testing.TB, f *File) []byte {
	t.Helper()
	w := NewWriter()
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

func sampleFile(t testing.TB) []byte {
	w := NewWriter()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Set("general.architecture", "test"))
	must(w.Set("u8", uint8(7)))
	must(w.Set("i8", int8(-7)))
	must(w.Set("u16", uint16(65535)))
	must(w.Set("i16", int16(-300)))
	must(w.Set("u32", uint32(1<<31)))
	must(w.Set("i32", int32(-5)))
	must(w.Set("f32", float32(1.5)))
	must(w.Set("b", true))
	must(w.Set("u64", uint64(1<<40)))
	must(w.Set("i64", int64(-1<<40)))
	must(w.Set("f64", 2.25))
	must(w.Set("strs", []string{"a", "", "héllo"}))
	must(w.Set("f32s", []float32{1, -2, 3.5}))
	must(w.Set("i32s", []int32{1, -2, 3}))
	must(w.Set("bools", []bool{true, false}))
	must(w.AddTensor("a", TypeF32, []uint64{3}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))
	must(w.AddTensor("b", TypeF16, []uint64{2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8}))
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	img := sampleFile(t)
	path := filepath.Join(t.TempDir(), "x.gguf")
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if u, ok := f.Uint("u32"); !ok || u != 1<<31 {
		t.Errorf("u32 = %d %v", u, ok)
	}
	if _, ok := f.Uint("i32"); ok {
		t.Error("Uint of a negative int32 should fail")
	}
	if i, ok := f.Int("i64"); !ok || i != -1<<40 {
		t.Errorf("i64 = %d %v", i, ok)
	}
	if i, ok := f.Int("u8"); !ok || i != 7 {
		t.Errorf("Int(u8) = %d %v", i, ok)
	}
	if x, ok := f.Float("f32"); !ok || x != 1.5 {
		t.Errorf("f32 = %g", x)
	}
	if x, ok := f.Float("f64"); !ok || x != 2.25 {
		t.Errorf("f64 = %g", x)
	}
	if b, ok := f.Bool("b"); !ok || !b {
		t.Error("bool")
	}
	if s, _ := f.Strings("strs"); !reflect.DeepEqual(s, []string{"a", "", "héllo"}) {
		t.Errorf("strs = %q", s)
	}
	if s, _ := f.Float32s("f32s"); !reflect.DeepEqual(s, []float32{1, -2, 3.5}) {
		t.Errorf("f32s = %v", s)
	}
	if s, _ := f.Int32s("i32s"); !reflect.DeepEqual(s, []int32{1, -2, 3}) {
		t.Errorf("i32s = %v", s)
	}
	if _, ok := f.String("u8"); ok {
		t.Error("String of a uint8 should fail")
	}
	if len(f.Keys()) != 16 {
		t.Errorf("%d keys", len(f.Keys()))
	}
	b, _ := f.Tensor("b")
	d, err := f.TensorData(b)
	if err != nil || !bytes.Equal(d, []byte{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("tensor b = %v %v", d, err)
	}
	if b.Offset%32 != 0 {
		t.Errorf("offset %d unaligned", b.Offset)
	}
	if !bytes.Equal(rewrite(t, f), img) {
		t.Error("rewrite differs")
	}
}

func TestTruncated(t *testing.T) {
	img := sampleFile(t)
	for n := 0; n < len(img); n++ {
		// The last tensor's padding is not needed by the reader.
		_, err := OpenBytes(img[:n])
		if n >= len(img)-24 { // "b" is 8 bytes followed by 24 bytes of padding
			continue
		}
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("prefix %d: err = %v, want ErrFormat", n, err)
		}
	}
}

// builder writes raw (possibly invalid) GGUF bytes.
type builder struct{ bytes.Buffer }

func (b *builder) u32(v uint32) *builder { binary.Write(&b.Buffer, binary.LittleEndian, v); return b }
func (b *builder) u64(v uint64) *builder { binary.Write(&b.Buffer, binary.LittleEndian, v); return b }
func (b *builder) str(s string) *builder { b.u64(uint64(len(s))); b.WriteString(s); return b }
func (b *builder) header(nt, nkv uint64) *builder {
	return b.u32(Magic).u32(3).u64(nt).u64(nkv)
}
func (b *builder) pad() *builder {
	for b.Len()%32 != 0 {
		b.WriteByte(0)
	}
	return b
}

func TestHostile(t *testing.T) {
	tensor := func(name string, dims []uint64, typ uint32, off uint64) func(*builder) {
		return func(b *builder) {
			b.str(name).u32(uint32(len(dims)))
			for _, d := range dims {
				b.u64(d)
			}
			b.u32(typ).u64(off)
		}
	}
	cases := []struct {
		name string
		make func() []byte
	}{
		{"bad magic", func() []byte { return new(builder).u32(0x12345678).u32(3).u64(0).u64(0).Bytes() }},
		{"version 1", func() []byte { return new(builder).u32(Magic).u32(1).u64(0).u64(0).Bytes() }},
		{"huge kv count", func() []byte { return new(builder).header(0, 1<<62).Bytes() }},
		{"huge tensor count", func() []byte { return new(builder).header(1<<60, 0).Bytes() }},
		{"huge key length", func() []byte { return new(builder).header(0, 1).u64(1 << 40).Bytes() }},
		{"huge string value", func() []byte {
			return new(builder).header(0, 1).str("k").u32(uint32(ValueString)).u64(1 << 62).Bytes()
		}},
		{"huge array", func() []byte {
			return new(builder).header(0, 1).str("k").u32(uint32(ValueArray)).u32(uint32(ValueUint64)).u64(1 << 61).Bytes()
		}},
		{"nested array", func() []byte {
			return new(builder).header(0, 1).str("k").u32(uint32(ValueArray)).u32(uint32(ValueArray)).u64(1).u64(0).Bytes()
		}},
		{"bad value type", func() []byte { return new(builder).header(0, 1).str("k").u32(99).u64(0).Bytes() }},
		{"bad bool", func() []byte {
			b := new(builder).header(0, 1).str("k").u32(uint32(ValueBool))
			b.WriteByte(2)
			return b.Bytes()
		}},
		{"duplicate key", func() []byte {
			return new(builder).header(0, 2).str("k").u32(uint32(ValueUint32)).u32(1).str("k").u32(uint32(ValueUint32)).u32(2).Bytes()
		}},
		{"alignment not power of two", func() []byte {
			return new(builder).header(0, 1).str("general.alignment").u32(uint32(ValueUint32)).u32(48).Bytes()
		}},
		{"alignment wrong type", func() []byte {
			return new(builder).header(0, 1).str("general.alignment").u32(uint32(ValueUint64)).u64(32).Bytes()
		}},
		{"five dims", func() []byte {
			b := new(builder).header(1, 0)
			tensor("t", []uint64{1, 1, 1, 1, 1}, 0, 0)(b)
			return b.pad().u64(0).Bytes()
		}},
		{"zero dim", func() []byte {
			b := new(builder).header(1, 0)
			tensor("t", []uint64{0}, 0, 0)(b)
			return b.pad().u64(0).Bytes()
		}},
		{"overflowing dims", func() []byte {
			b := new(builder).header(1, 0)
			tensor("t", []uint64{1 << 40, 1 << 40}, 0, 0)(b)
			return b.pad().u64(0).Bytes()
		}},
		{"unknown type", func() []byte {
			b := new(builder).header(1, 0)
			tensor("t", []uint64{1}, 77, 0)(b)
			return b.pad().u64(0).Bytes()
		}},
		{"row not a multiple of the block", func() []byte {
			b := new(builder).header(1, 0)
			tensor("t", []uint64{100}, uint32(TypeTQ2_0), 0)(b)
			b.pad()
			b.Write(make([]byte, 66))
			return b.Bytes()
		}},
		{"misaligned offset", func() []byte {
			b := new(builder).header(1, 0)
			tensor("t", []uint64{1}, 0, 4)(b)
			b.pad()
			b.Write(make([]byte, 64))
			return b.Bytes()
		}},
		{"offset past end", func() []byte {
			b := new(builder).header(1, 0)
			tensor("t", []uint64{1}, 0, 1<<63)(b)
			b.pad()
			b.Write(make([]byte, 64))
			return b.Bytes()
		}},
		{"data past end", func() []byte {
			b := new(builder).header(1, 0)
			tensor("t", []uint64{64}, 0, 0)(b)
			b.pad()
			b.Write(make([]byte, 64))
			return b.Bytes()
		}},
		{"overlap", func() []byte {
			b := new(builder).header(2, 0)
			tensor("t", []uint64{16}, 0, 0)(b)
			tensor("u", []uint64{16}, 0, 32)(b)
			b.pad()
			b.Write(make([]byte, 128))
			return b.Bytes()
		}},
		{"duplicate tensor", func() []byte {
			b := new(builder).header(2, 0)
			tensor("t", []uint64{1}, 0, 0)(b)
			tensor("t", []uint64{1}, 0, 32)(b)
			b.pad()
			b.Write(make([]byte, 64))
			return b.Bytes()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenBytes(tc.make())
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want a *FormatError", err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "missing.gguf")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(t.TempDir(), "short.gguf")
	os.WriteFile(p, []byte("GGUF"), 0o644)
	if _, err := Open(p); !errors.Is(err, ErrFormat) {
		t.Errorf("short file: %v", err)
	}
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter()
	if err := w.Set("k", struct{}{}); err == nil {
		t.Error("unsupported type accepted")
	}
	if err := w.AddTensor("t", TypeF32, []uint64{2}, make([]byte, 4)); err == nil {
		t.Error("short data accepted")
	}
	if err := w.AddTensor("t", TypeTQ2_0, []uint64{100}, nil); err == nil {
		t.Error("bad row accepted")
	}
	if err := w.AddTensor("u", TypeF32, []uint64{1}, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensor("u", TypeF32, []uint64{1}, make([]byte, 4)); err == nil {
		t.Error("duplicate tensor accepted")
	}
}

func TestDataSizeI2S(t *testing.T) {
	n, err := DataSize(TypeI2_S, []uint64{256, 4})
	if err != nil || n != 256*4/4+32 {
		t.Errorf("I2_S size = %d, %v", n, err)
	}
}

func TestEvict(t *testing.T) {
	f, err := Open(filepath.Join(testdata, "bitnet-tiny-tq2_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ti, _ := f.Tensor("token_embd.weight")
	before, _ := f.TensorData(ti)
	want := append([]byte(nil), before...)
	if err := f.Evict(ti); err != nil {
		t.Fatal(err)
	}
	// The data reads back unchanged from the file.
	after, _ := f.TensorData(ti)
	if !bytes.Equal(after, want) {
		t.Error("data changed after Evict")
	}
}
