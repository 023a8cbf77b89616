package gguf

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzOpen parses arbitrary bytes. Whatever parses must survive a
// write/read round trip unchanged (metadata, tensor infos and data).
func FuzzOpen(f *testing.F) {
	f.Add(sampleFile(f))
	for _, name := range []string{"bitnet-tiny-tq2_0.gguf"} {
		b, err := os.ReadFile(filepath.Join(testdata, name))
		if err == nil {
			f.Add(b[:4096]) // header and metadata, truncated
		}
	}
	f.Add(new(builder).header(0, 0).Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := OpenBytes(data)
		if err != nil {
			return
		}
		out := rewrite(t, g)
		h, err := OpenBytes(out)
		if err != nil {
			t.Fatalf("re-read of a rewritten file: %v", err)
		}
		if !reflect.DeepEqual(g.Keys(), h.Keys()) {
			t.Fatalf("keys differ")
		}
		for _, k := range g.Keys() {
			a, _ := g.Value(k)
			b, _ := h.Value(k)
			if !reflect.DeepEqual(a, b) && !nanEqual(a, b) {
				t.Fatalf("value %q differs: %v vs %v", k, a.Any(), b.Any())
			}
		}
		if len(g.Tensors) != len(h.Tensors) {
			t.Fatalf("tensor count differs")
		}
		for i := range g.Tensors {
			a, b := &g.Tensors[i], &h.Tensors[i]
			if a.Name != b.Name || a.Type != b.Type || !reflect.DeepEqual(a.Dims, b.Dims) {
				t.Fatalf("tensor %d differs", i)
			}
			da, _ := g.TensorData(a)
			db, _ := h.TensorData(b)
			if !bytes.Equal(da, db) {
				t.Fatalf("tensor %q data differs", a.Name)
			}
		}
	})
}

// nanEqual compares values whose float contents may be NaN by encoding.
func nanEqual(a, b Value) bool {
	var x, y bytes.Buffer
	ca, cb := &countingWriter{w: &x}, &countingWriter{w: &y}
	if a.Type == ValueArray {
		ca.array(a.v)
		cb.array(b.v)
	} else {
		ca.scalar(a.v)
		cb.scalar(b.v)
	}
	return a.Type == b.Type && bytes.Equal(x.Bytes(), y.Bytes())
}
