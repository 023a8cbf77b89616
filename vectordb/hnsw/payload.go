package hnsw

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Payload links are extra layer-0 links among the nodes that share a
// payload value (Qdrant's hnsw_config.payload_m): for each such block of
// nodes a small HNSW graph of M = payload_m is built over the block's
// vectors alone, and its layer-0 links, mapped back to the index's ids,
// are added to every member's links. A filtered search that traverses
// only the nodes its filter allows (SearchWithin) then still finds the
// allowed nodes connected, however few of the global links lead to them.
//
// The links of all blocks are built off to the side (PayloadBuilder) and
// installed in one step, as an immutable compressed table (one offset
// per node, then the links), so searches read them without locks.

// payloadLinks is an installed table: the payload links of node i are
// links[off[i]:off[i+1]] (nodes at or beyond len(off)-1 have none).
type payloadLinks struct {
	off   []uint32
	links []uint32
	nodes int // nodes with at least one link
}

// of returns the payload links of node id.
func (p *payloadLinks) of(id uint32) []uint32 {
	if int(id)+1 >= len(p.off) {
		return nil
	}
	return p.links[p.off[id]:p.off[id+1]]
}

// PayloadLinked returns the number of nodes that have payload links and
// the number of links installed (0, 0 without payload links).
func (x *Index) PayloadLinked() (nodes, links int) {
	p := x.plinks.Load()
	if p == nil {
		return 0, 0
	}
	return p.nodes, len(p.links)
}

// PayloadTable is a snapshot of installed payload links
// (PayloadLinksTable): it does not change when others are installed.
type PayloadTable struct{ p *payloadLinks }

// PayloadLinksTable returns the payload links installed now.
func (x *Index) PayloadLinksTable() PayloadTable { return PayloadTable{x.plinks.Load()} }

// Of returns the payload links of node id (nil for none). The slice must
// not be modified.
func (t PayloadTable) Of(id uint32) []uint32 {
	if t.p == nil {
		return nil
	}
	return t.p.of(id)
}

// ClearPayloadLinks removes the installed payload links.
func (x *Index) ClearPayloadLinks() { x.plinks.Store(nil) }

// PayloadBuilder collects the payload links of blocks of nodes (AddBlock)
// for one Install. A builder is safe for concurrent use by several
// AddBlock calls.
type PayloadBuilder struct {
	x  *Index
	m  int
	ef int

	mu    sync.Mutex
	lists [][]uint32 // node -> payload links so far; guarded by mu
}

// NewPayloadBuilder returns a builder of payload links with m links per
// node and block (layer 0 of each block graph keeps up to 2m), built with
// the index's ef_construct.
func (x *Index) NewPayloadBuilder(m int) *PayloadBuilder {
	return &PayloadBuilder{x: x, m: max(m, 2), ef: x.cfg.EfConstruct}
}

// AddBlock builds an HNSW graph over the vectors of ids (ids of the
// index's Flat, each below Flat.Len) with workers goroutines and records
// its layer-0 links as payload links of the ids. Blocks of fewer than two
// ids add nothing. It returns ctx's error, having added nothing, when ctx
// ends first.
func (b *PayloadBuilder) AddBlock(ctx context.Context, ids []uint32, workers int) error {
	if len(ids) < 2 {
		return nil
	}
	x := b.x
	sub := NewFlat(x.vecs.Dim())
	for _, id := range ids {
		sub.Append(x.vecs.At(id))
	}
	g := New(Config{M: b.m, EfConstruct: b.ef, Metric: x.cfg.Metric, Seed: x.cfg.Seed}, sub)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ids)) || i%256 == 0 && ctx.Err() != nil {
					return
				}
				g.Insert(uint32(i))
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	var t tables
	g.loadTables(&t)
	b.mu.Lock()
	defer b.mu.Unlock()
	if need := int(slices.Max(ids)) + 1; need > len(b.lists) {
		b.lists = append(b.lists, make([][]uint32, need-len(b.lists))...)
	}
	for i, id := range ids {
		lst := g.list(&t, uint32(i), 0)
		n := int(lst[0])
		for _, j := range lst[1 : 1+n] {
			if l := ids[j]; !slices.Contains(b.lists[id], l) {
				b.lists[id] = append(b.lists[id], l)
			}
		}
	}
	return nil
}

// Set records links (kept, not copied) as the payload links of node id,
// replacing those recorded so far, as a loader restoring saved links
// does.
func (b *PayloadBuilder) Set(id uint32, links []uint32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int(id) >= len(b.lists) {
		b.lists = append(b.lists, make([][]uint32, int(id)+1-len(b.lists))...)
	}
	b.lists[id] = links
}

// Install replaces the index's payload links with the builder's. The
// builder must not be used afterwards.
func (b *PayloadBuilder) Install() {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := &payloadLinks{off: make([]uint32, len(b.lists)+1)}
	total := 0
	for _, l := range b.lists {
		total += len(l)
	}
	p.links = make([]uint32, 0, total)
	for i, l := range b.lists {
		p.links = append(p.links, l...)
		p.off[i+1] = uint32(len(p.links))
		if len(l) > 0 {
			p.nodes++
		}
	}
	b.lists = nil
	b.x.plinks.Store(p)
}

// SearchWithin is Search (or, with codes, SearchQuantized, SearchBinary or
// SearchProduct) with Qdrant's filtered traversal: once the search has
// reached a node that allow accepts it scores and follows only such
// nodes, along the payload links as well as the graph's own. It scores a
// fraction of the nodes Search scores for the same filter (Search follows
// every node and only keeps the accepted ones), and relies on the payload
// links of blocks that cover allow's nodes to keep them connected.
// codes may be nil, *Quantized, *Binary or *Product.
func (x *Index) SearchWithin(q []float32, k, ef int, allow func(id uint32) bool, codes any) []Result {
	return x.SearchWithinFrom(q, k, ef, allow, codes, nil)
}

// SearchWithinFrom is SearchWithin that also enters layer 0 at seeds
// (ids in the index; those allow rejects are scored but not returned):
// in an index whose nodes were added without links (AddUnlinked) only
// the payload links connect nodes, so a search must start inside the
// blocks that hold the allowed nodes.
func (x *Index) SearchWithinFrom(q []float32, k, ef int, allow func(id uint32) bool, codes any, seeds []uint32) []Result {
	var qz *Quantized
	var bz *Binary
	var pz *Product
	switch c := codes.(type) {
	case *Quantized:
		if c != nil && x.cfg.Metric != L1 && c.dim == x.vecs.Dim() {
			qz = c
		}
	case *Binary:
		if c != nil && c.dim == x.vecs.Dim() {
			bz = c
		}
	case *Product:
		if c != nil && c.dim == x.vecs.Dim() {
			pz = c
		}
	}
	return x.searchFrom(q, k, ef, allow, qz, bz, pz, allow != nil, seeds)
}

// AddUnlinked adds id (< the Flat's Len) to the index on layer 0 without
// searching for neighbours or linking it: Qdrant's m = 0, where only
// payload links (PayloadBuilder) connect nodes and searches enter at
// seeds (SearchWithinFrom). The first node added becomes the entry point.
// Adding an id already in the index does nothing. Safe for concurrent
// use.
func (x *Index) AddUnlinked(id uint32) {
	if int(id) >= x.vecs.Len() {
		panic(fmt.Sprintf("hnsw: AddUnlinked(%d) beyond the %d stored vectors", id, x.vecs.Len()))
	}
	x.persistMu.RLock()
	defer x.persistMu.RUnlock()
	x.grow(id)
	mu := x.lock(id)
	mu.Lock()
	var t tables
	x.loadTables(&t)
	b := x.block(&t.l0, id)
	if atomic.LoadUint32(&b[blkHeader])&hdrInserted != 0 {
		mu.Unlock()
		return
	}
	atomic.StoreUint32(&b[blkUpper], 0)
	atomic.StoreUint32(&b[blkHeader], hdrInserted)
	mu.Unlock()
	x.live.Add(1)
	x.epMu.Lock()
	if x.entry.Load() == 0 {
		x.entry.Store(1<<32 | uint64(id))
	}
	x.epMu.Unlock()
}
