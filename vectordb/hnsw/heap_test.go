package hnsw

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHeaps checks both heaps against sorting, including replaceTop.
func TestHeaps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for n := 1; n < 60; n++ {
		var mn minHeap
		var mx maxHeap
		var all []float32
		for i := range n {
			d := float32(r.IntN(20))
			all = append(all, d)
			mn.push(item{d: d, id: uint32(i)})
			mx.push(item{d: d, id: uint32(i)})
		}
		// Keep the 5 smallest in mx with replaceTop, as the search does.
		var best maxHeap
		for i, d := range all {
			if len(best) < 5 {
				best.push(item{d: d, id: uint32(i)})
			} else if d < best[0].d {
				best.replaceTop(item{d: d, id: uint32(i)})
			}
		}
		sorted := slices.Clone(all)
		slices.Sort(sorted)
		for i := range n {
			if got := mn.pop().d; got != sorted[i] {
				t.Fatalf("n=%d: minHeap pop %d = %v, want %v", n, i, got, sorted[i])
			}
			if got := mx.pop().d; got != sorted[n-1-i] {
				t.Fatalf("n=%d: maxHeap pop %d = %v, want %v", n, i, got, sorted[n-1-i])
			}
		}
		for i := len(best) - 1; i >= 0; i-- {
			if got := best.pop().d; got != sorted[i] {
				t.Fatalf("n=%d: replaceTop kept %v at rank %d, want %v", n, got, i, sorted[i])
			}
		}
	}
}
