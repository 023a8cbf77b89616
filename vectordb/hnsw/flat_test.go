package hnsw

import (
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
