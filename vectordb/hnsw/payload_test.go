package hnsw

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPayloadLinks builds a sparse global graph (M=4) with 40 payload
// blocks (id mod 40) and checks that the payload links join only nodes of
// one block, and that a within search for one block finds its nearest
// members through them, where the global links alone leave them
// unconnected.
func TestPayloadLinks(t *testing.T) {
	const n, dim, blocks = 4000, 16, 40
	flat := randomFlat(n, dim, true, 11)
	x := New(Config{M: 4, EfConstruct: 64, Metric: Dot, Seed: 1}, flat)
	for id := range uint32(n) {
		x.Insert(id)
	}
	if nodes, links := x.PayloadLinked(); nodes != 0 || links != 0 {
		t.Fatalf("PayloadLinked before any = %d, %d", nodes, links)
	}

	r := rand.New(rand.NewPCG(5, 6))
	queries := make([][]float32, 50)
	for i := range queries {
		queries[i] = flat.At(uint32(r.IntN(n)))
	}
	recall := func(block uint32) float64 {
		allow := func(id uint32) bool { return id%blocks == block }
		hits, total := 0, 0
		for _, q := range queries {
			want := exact(x, q, 10, allow)
			got := x.SearchWithin(q, 10, 32, allow, nil)
			for _, g := range got {
				if !allow(g.ID) {
					t.Fatalf("within search returned %d, which the filter rejects", g.ID)
				}
				if slices.ContainsFunc(want, func(w Result) bool { return w.ID == g.ID }) {
					hits++
				}
			}
			total += len(want)
		}
		return float64(hits) / float64(total)
	}
	before := recall(7)

	b := x.NewPayloadBuilder(8)
	for v := range uint32(blocks) {
		var ids []uint32
		for id := v; id < n; id += blocks {
			ids = append(ids, id)
		}
		if err := b.AddBlock(context.Background(), ids, 2); err != nil {
			t.Fatal(err)
		}
	}
	b.Install()
	nodes, links := x.PayloadLinked()
	if nodes != n || links < n {
		t.Fatalf("PayloadLinked = %d nodes, %d links; want all %d nodes linked", nodes, links, n)
	}
	p := x.plinks.Load()
	for id := range uint32(n) {
		l := p.of(id)
		if len(l) == 0 || len(l) > 16 {
			t.Fatalf("node %d has %d payload links, want 1..16", id, len(l))
		}
		for _, j := range l {
			if j%blocks != id%blocks || j == id {
				t.Fatalf("payload link %d -> %d crosses blocks", id, j)
			}
		}
	}
	after := recall(7)
	t.Logf("recall@10 of a within search of one block (2.5%%): %.3f without payload links, %.3f with", before, after)
	if after < 0.9 {
		t.Errorf("recall with payload links %.3f, want >= 0.9", after)
	}
	if after <= before {
		t.Errorf("payload links did not help: recall %.3f -> %.3f", before, after)
	}

	// A cancelled build adds nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b2 := x.NewPayloadBuilder(8)
	if err := b2.AddBlock(ctx, []uint32{1, 41, 81, 121}, 1); err == nil {
		t.Fatal("AddBlock with a cancelled context succeeded")
	}
	x.ClearPayloadLinks()
	if nodes, _ := x.PayloadLinked(); nodes != 0 {
		t.Fatalf("PayloadLinked after ClearPayloadLinks = %d nodes", nodes)
	}
}

// TestAddUnlinked: nodes added without links (Qdrant's m = 0) are joined
// only by payload links. A within search entering at seeds inside the
// allowed block finds its nearest members; without seeds, from an entry
// point outside the block, it has no link to follow and finds none.
func TestAddUnlinked(t *testing.T) {
	const n, dim, blocks = 3000, 16, 3
	flat := randomFlat(n, dim, true, 12)
	x := New(Config{M: 8, EfConstruct: 64, Metric: Dot, Seed: 1}, flat)
	for id := range uint32(n) {
		x.AddUnlinked(id)
	}
	x.AddUnlinked(5) // again: nothing changes
	if x.Len() != n {
		t.Fatalf("Len = %d, want %d", x.Len(), n)
	}
	q := flat.At(7)
	if got := x.Search(q, 10, 50, nil); len(got) != 1 {
		t.Fatalf("a search of an index without links found %d nodes, want the entry point only", len(got))
	}
	b := x.NewPayloadBuilder(8)
	for blk := range uint32(blocks) {
		var ids []uint32
		for id := blk; id < n; id += blocks {
			ids = append(ids, id)
		}
		if err := b.AddBlock(context.Background(), ids, 2); err != nil {
			t.Fatal(err)
		}
	}
	b.Install()
	allow := func(id uint32) bool { return id%blocks == 1 } // the entry point, 0, is not allowed
	if got := x.SearchWithin(q, 10, 64, allow, nil); len(got) != 0 {
		t.Fatalf("within search without seeds found %d nodes, want none (no link leaves the entry point's block)", len(got))
	}
	r := rand.New(rand.NewPCG(7, 8))
	sum := 0.0
	const queries = 30
	for range queries {
		q := flat.At(uint32(r.IntN(n)))
		seeds := []uint32{1, 1000, 2002}
		got := x.SearchWithinFrom(q, 10, 64, allow, nil, seeds)
		for _, g := range got {
			if !allow(g.ID) {
				t.Fatalf("within search returned %d, which the filter rejects", g.ID)
			}
		}
		sum += recall(got, exact(x, q, 10, allow))
	}
	if rec := sum / queries; rec < 0.9 {
		t.Fatalf("recall@10 of within searches from seeds = %.3f, want >= 0.9", rec)
	}
}
