package hnsw

import (
	"bytes"
	"testing"
)

// seedIndex returns the bytes of a small valid index over f, with holes
// (ids never inserted) and a tombstone, for fuzz seeds.
func seedIndex(tb testing.TB, f *Flat) []byte {
	x := New(Config{M: 3, EfConstruct: 8, Seed: 4}, f)
	for id := 0; id < f.Len(); id++ {
		if id%5 != 2 {
			x.Insert(uint32(id))
		}
	}
	x.Delete(1)
	var b bytes.Buffer
	if _, err := x.WriteTo(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// FuzzLoad feeds Load arbitrary bytes. Whatever it accepts must search
// without panicking and write back byte for byte.
func FuzzLoad(f *testing.F) {
	vecs := randomFlat(40, 3, true, 8)
	valid := seedIndex(f, vecs)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	var empty bytes.Buffer
	New(Config{}, vecs).WriteTo(&empty)
	f.Add(empty.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := Load(bytes.NewReader(data), vecs)
		if err != nil {
			return
		}
		for i := range 5 {
			for _, r := range x.Search(vecs.At(uint32(i)), 3, 8, nil) {
				if !x.Contains(r.ID) {
					t.Fatalf("search returned %d, which is not in the index", r.ID)
				}
			}
		}
		var out bytes.Buffer
		if _, err := x.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("accepted input does not round-trip:\n in  %x\n out %x", data, out.Bytes())
		}
	})
}
