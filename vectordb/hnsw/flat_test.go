package hnsw

import (
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
)

func TestFlat(t *testing.T) {
	f := NewFlat(3)
	if f.Dim() != 3 || f.Len() != 0 {
		t.Fatalf("new Flat: dim %d len %d", f.Dim(), f.Len())
	}
	for i := range 5000 {
		if id := f.Append([]float32{float32(i), 1, 2}); id != uint32(i) {
			t.Fatalf("Append returned %d, want %d", id, i)
		}
	}
	f.Set(4321, []float32{-1, -2, -3})
	if v := f.At(4321); v[0] != -1 || v[2] != -3 || len(v) != 3 || cap(v) != 3 {
		t.Fatalf("At after Set = %v (cap %d)", v, cap(v))
	}
	if v := f.At(4999); v[0] != 4999 {
		t.Fatalf("At(4999) = %v", v)
	}
	if f.Bytes() < 5000*3*4 {
		t.Fatalf("Bytes = %d", f.Bytes())
	}
	for _, bad := range []func(){
		func() { f.At(5000) },
		func() { f.Append([]float32{1}) },
		func() { NewFlat(0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			bad()
		}()
	}
}

// TestFlatHammer appends from one writer while readers read every
// visible vector; run with -race.
func TestFlatHammer(t *testing.T) {
	f := NewFlat(5)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				n := f.Len()
				for id := max(0, n-50); id < n; id++ {
					if v := f.At(uint32(id)); v[0] != float32(id) || v[4] != float32(id) {
						t.Errorf("At(%d) = %v", id, v)
						return
					}
				}
			}
		}()
	}
	for i := range 20000 {
		x := float32(i)
		f.Append([]float32{x, x, x, x, x})
	}
	close(done)
	wg.Wait()
}

func TestArena(t *testing.T) {
	var a arena[uint32]
	var prev []uint32
	for i := range 100 {
		c := a.alloc(30000, 4)
		if len(c) != 30000 || cap(c) != 30000 {
			t.Fatalf("chunk %d: len %d cap %d", i, len(c), cap(c))
		}
		for j := range c {
			if c[j] != 0 {
				t.Fatalf("chunk %d not zeroed", i)
			}
			c[j] = uint32(i)
		}
		if prev != nil && prev[len(prev)-1] != uint32(i-1) {
			t.Fatalf("chunk %d overwrote chunk %d", i, i-1)
		}
		prev = c
	}
	if big := a.alloc(arenaBytes, 4); len(big) != arenaBytes {
		t.Fatalf("big chunk len %d", len(big))
	}
}

// TestFlatManyChunks grows a Flat past arenaAfter chunks, so later chunks
// come from the arena.
func TestFlatManyChunks(t *testing.T) {
	const dim = 512
	f := NewFlat(dim)
	v := make([]float32, dim)
	n := (arenaAfter + 6) * (int(f.mask) + 1)
	for i := range n {
		v[0], v[dim-1] = float32(i), float32(-i)
		f.Append(v)
	}
	for i := range n {
		if x := f.At(uint32(i)); x[0] != float32(i) || x[dim-1] != float32(-i) {
			t.Fatalf("At(%d) = %v...%v", i, x[0], x[dim-1])
		}
	}
}

// TestMappedFlat: a mapped Flat stores and returns vectors as one in
// memory does, across many chunks and regions, maps them from a file
// that is not left in the directory, and frees it on Release.
func TestMappedFlat(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapped vectors need Linux")
	}
	dir := t.TempDir()
	const dim, n = 100, 30000 // 12 MB: more than one region
	f, err := NewMappedFlat(dim, dir)
	if err != nil {
		t.Fatal(err)
	}
	ref := NewFlat(dim)
	v := make([]float32, dim)
	for i := range n {
		for j := range v {
			v[j] = float32(i*dim + j)
		}
		if a, b := f.Append(v), ref.Append(v); a != b {
			t.Fatalf("Append ids %d vs %d", a, b)
		}
	}
	f.Set(7, ref.At(8))
	ref.Set(7, ref.At(8))
	for _, id := range []uint32{0, 7, 511, 512, n / 2, n - 1} {
		if !slices.Equal(f.At(id), ref.At(id)) {
			t.Fatalf("vector %d differs from the one in memory", id)
		}
	}
	mapped, heap := f.MappedBytes()
	if mapped < int64(4*dim*n) || heap != 0 {
		t.Fatalf("MappedBytes = %d, %d chunks in memory; want >= %d mapped, none in memory", mapped, heap, 4*dim*n)
	}
	if m, _ := ref.MappedBytes(); m != 0 {
		t.Fatalf("in-memory Flat reports %d mapped bytes", m)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("mapped Flat left %d files in its directory", len(entries))
	}
	if err := f.Release(); err != nil {
		t.Fatal(err)
	}
	if f.Len() != 0 {
		t.Fatalf("Len after Release = %d", f.Len())
	}
	if err := ref.Release(); err != nil {
		t.Fatalf("Release of an in-memory Flat: %v", err)
	}
}
