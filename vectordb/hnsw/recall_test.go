package hnsw_test

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"nexusos/vectordb/distance"
	"nexusos/vectordb/hnsw"
	"nexusos/vectordb/hnsw/hnswbench"
)

func readVectors(t testing.TB, name string) *hnswbench.Vectors {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "glove5k", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := hnswbench.ReadVectors(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// TestRecallGloVe builds an index over 5,000 real word vectors with two
// goroutines and checks recall@10 against exact search on 100 held-out
// queries.
func TestRecallGloVe(t *testing.T) {
	base := readVectors(t, "base.vec")
	queries := readVectors(t, "queries.vec")
	flat := hnsw.NewFlat(base.Dim)
	for i := range base.Len() {
		flat.Append(base.Row(i))
	}
	idx, err := hnswbench.Build(t.Context(), hnsw.Config{M: 16, EfConstruct: 100, Seed: 1}, flat, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Exact top 10 by brute force.
	truth := func(q []float32) []uint32 { return exactTop(flat, q, 10) }
	var hits, total int
	for i := range queries.Len() {
		q := queries.Row(i)
		want := truth(q)
		got := idx.Search(q, 10, 64, nil)
		if len(got) != 10 {
			t.Fatalf("query %d: %d results", i, len(got))
		}
		for j, r := range got {
			if want := -distance.Dot(q, flat.At(r.ID)); r.Dist != want {
				t.Fatalf("query %d result %d: Dist %v, want %v", i, j, r.Dist, want)
			}
			if slices.Contains(want, r.ID) {
				hits++
			}
		}
		total += len(want)
	}
	rec := float64(hits) / float64(total)
	t.Logf("recall@10 at ef=64 on glove5k: %.3f", rec)
	if rec < 0.95 {
		t.Fatalf("recall@10 = %.3f, want >= 0.95", rec)
	}
}

// BenchmarkGloVe5k measures building an index over the 5,000 committed
// GloVe vectors and searching it (`go test -bench GloVe5k`). The full
// 300k benchmark is `nexus bench vectors`.
func BenchmarkGloVe5k(b *testing.B) {
	base := readVectors(b, "base.vec")
	queries := readVectors(b, "queries.vec")
	flat := hnsw.NewFlat(base.Dim)
	for i := range base.Len() {
		flat.Append(base.Row(i))
	}
	cfg := hnsw.Config{M: 16, EfConstruct: 100, Seed: 1}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			idx := hnsw.New(cfg, flat)
			for id := range uint32(flat.Len()) {
				idx.Insert(id)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*flat.Len()), "ns/insert")
	})
	idx, err := hnswbench.Build(b.Context(), cfg, flat, 2, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, ef := range []int{16, 64} {
		b.Run(fmt.Sprintf("search/ef=%d", ef), func(b *testing.B) {
			i := 0
			for b.Loop() {
				idx.Search(queries.Row(i%queries.Len()), 10, ef, nil)
				i++
			}
		})
	}
}

// exactTop returns the ids of the k vectors of flat with the largest dot
// product with q, by brute force; ties go to the lower id.
func exactTop(flat *hnsw.Flat, q []float32, k int) []uint32 {
	ids := make([]uint32, flat.Len())
	for i := range ids {
		ids[i] = uint32(i)
	}
	slices.SortFunc(ids, func(a, b uint32) int {
		da, db := distance.Dot(q, flat.At(a)), distance.Dot(q, flat.At(b))
		switch {
		case da > db:
			return -1
		case da < db:
			return 1
		}
		return int(a) - int(b)
	})
	return ids[:k]
}

// gloveFixture is the graph of the committed GloVe vectors (M 16, ef
// construction 100) with each query's exact top 10.
type gloveFixture struct {
	flat    *hnsw.Flat
	idx     *hnsw.Index
	queries *hnswbench.Vectors
	truth   [][]uint32
}

func newGloveFixture(t *testing.T) *gloveFixture {
	t.Helper()
	base := readVectors(t, "base.vec")
	g := &gloveFixture{flat: hnsw.NewFlat(base.Dim), queries: readVectors(t, "queries.vec")}
	for i := range base.Len() {
		g.flat.Append(base.Row(i))
	}
	var err error
	if g.idx, err = hnswbench.Build(t.Context(), hnsw.Config{M: 16, EfConstruct: 100, Seed: 1}, g.flat, 2, nil); err != nil {
		t.Fatal(err)
	}
	g.truth = make([][]uint32, g.queries.Len())
	for i := range g.truth {
		g.truth[i] = exactTop(g.flat, g.queries.Row(i), 10)
	}
	return g
}

// rescoredRecall asks search for 10·os candidates per query (ef at least
// 64), rescores them with the float vectors and returns recall@10.
func (g *gloveFixture) rescoredRecall(search func(q []float32, n, ef int) []hnsw.Result, os int) float64 {
	hits := 0
	for i := range g.queries.Len() {
		q := g.queries.Row(i)
		got := search(q, 10*os, max(64, 10*os))
		for j := range got {
			got[j].Dist = -distance.Dot(q, g.flat.At(got[j].ID))
		}
		slices.SortStableFunc(got, func(a, b hnsw.Result) int { return cmp.Compare(a.Dist, b.Dist) })
		for _, r := range got[:min(10, len(got))] {
			if slices.Contains(g.truth[i], r.ID) {
				hits++
			}
		}
	}
	return float64(hits) / float64(10*g.queries.Len())
}
