package hnsw

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"nexusos/vectordb/distance"
)

// Metric selects the distance an Index orders vectors by. For every metric
// a lower Result.Dist is a better (closer) match.
type Metric uint8

const (
	// Dot orders by inner product, Dist = -dot(q, v). For cosine
	// similarity store and query unit-normalised vectors
	// (distance.Normalize); then the cosine is -Dist.
	Dot Metric = iota
	// L2 orders by Euclidean distance; Dist is the squared distance, so
	// the Euclidean distance is sqrt(Dist).
	L2
	// L1 orders by Manhattan distance; Dist is the distance.
	L1
)

// String returns the metric's name.
func (m Metric) String() string {
	switch m {
	case Dot:
		return "dot"
	case L2:
		return "l2"
	case L1:
		return "l1"
	}
	return fmt.Sprintf("Metric(%d)", uint8(m))
}

// Config holds the build parameters of an Index.
type Config struct {
	// M is the number of neighbours a node keeps per upper layer; layer 0
	// keeps up to 2*M. Default 16; range 2..1024.
	M int
	// EfConstruct is the candidate-list size while inserting. Default 100.
	EfConstruct int
	// Metric is the distance (default Dot).
	Metric Metric
	// Seed makes level assignment reproducible: a node's level is a hash
	// of (Seed, id), so it does not depend on insertion order.
	Seed int64
}

func (c Config) withDefaults() Config {
	if c.M <= 0 {
		c.M = 16
	}
	if c.M < 2 {
		c.M = 2
	}
	if c.M > maxM {
		c.M = maxM
	}
	if c.EfConstruct <= 0 {
		c.EfConstruct = 100
	}
	if c.EfConstruct < c.M {
		c.EfConstruct = c.M
	}
	if c.Metric > L1 {
		c.Metric = Dot
	}
	return c
}

// Result is one match of a Search.
type Result struct {
	ID   uint32
	Dist float32
}

const (
	maxM     = 1024
	maxLevel = 31

	// Node header word (first word of a node's layer-0 block).
	hdrLevelShift = 24
	hdrLevelMask  = 0x1f << hdrLevelShift
	hdrInserted   = 1 << 30
	hdrDeleted    = 1 << 31

	// Layer-0 block: [header, upper offset, count, links x 2M].
	blkHeader = 0
	blkUpper  = 1
	blkList   = 2

	nodeChunkShift = 10 // nodes per layer-0 chunk: 1024
	nodeChunkMask  = 1<<nodeChunkShift - 1

	lockStripes = 1 << 12
)

// Index is an HNSW graph over the vectors of a Flat. See the package
// documentation for its layout and concurrency rules.
type Index struct {
	cfg    Config
	vecs   *Flat
	dist   func(a, b []float32) float32
	m, m0  int
	stride int     // words per layer-0 block
	mult   float64 // level multiplier 1/ln(M)

	// l0 is the chunk table of layer-0 blocks; it grows by append under
	// growMu, and chunks never move.
	l0 atomic.Pointer[[][]uint32]
	// upper is the chunk table of upper-layer lists: a node of level L
	// owns L lists of [count, links x M] from its upper offset on.
	upper      atomic.Pointer[[][]uint32]
	upperShift uint

	// growMu guards growth of l0 and allocation in upper.
	growMu sync.Mutex
	// upperUsed is the number of words allocated in upper. Guarded by growMu.
	upperUsed uint64
	// arena supplies the layer-0 chunks of a large graph. Guarded by growMu.
	arena arena[uint32]

	// entry is 0 for an empty graph, else (level+1)<<32 | id.
	entry atomic.Uint64
	// epMu is held by an insert whose level is above the entry point's.
	epMu sync.Mutex

	live    atomic.Int64 // inserted and not deleted
	deleted atomic.Int64 // inserted and deleted

	// persistMu is held shared by writers (Insert, Delete) and exclusively
	// by WriteTo, so a written index is a consistent cut.
	persistMu sync.RWMutex

	locks [lockStripes]sync.Mutex // per-node locks, striped by id

	// plinks holds the payload links (payload.go), nil for none.
	plinks atomic.Pointer[payloadLinks]

	scratch sync.Pool // of *scratch
}

// New returns an empty index over vecs. Zero fields of cfg take their
// defaults; out-of-range values are clamped.
func New(cfg Config, vecs *Flat) *Index {
	cfg = cfg.withDefaults()
	x := &Index{cfg: cfg, vecs: vecs, m: cfg.M, m0: 2 * cfg.M}
	x.stride = blkList + 1 + x.m0
	x.mult = 1 / math.Log(float64(cfg.M))
	switch cfg.Metric {
	case L2:
		x.dist = distance.L2Sq
	case L1:
		x.dist = distance.L1
	default:
		x.dist = negDot
	}
	x.upperShift = 14
	for 1<<x.upperShift < maxLevel*(x.m+1) {
		x.upperShift++
	}
	empty := make([][]uint32, 0, 16)
	x.l0.Store(&empty)
	emptyU := make([][]uint32, 0, 4)
	x.upper.Store(&emptyU)
	x.scratch.New = func() any { return new(scratch) }
	return x
}

func negDot(a, b []float32) float32 { return -distance.Dot(a, b) }

// Config returns the effective configuration (defaults applied).
func (x *Index) Config() Config { return x.cfg }

// Len returns the number of ids inserted and not deleted.
func (x *Index) Len() int { return int(x.live.Load()) }

// Contains reports whether id is inserted and not deleted.
func (x *Index) Contains(id uint32) bool {
	h := x.header(id)
	return h&hdrInserted != 0 && h&hdrDeleted == 0
}

// header returns id's header word, 0 if id has no block yet.
func (x *Index) header(id uint32) uint32 {
	tbl := *x.l0.Load()
	ci := int(id >> nodeChunkShift)
	if ci >= len(tbl) {
		return 0
	}
	return atomic.LoadUint32(&tbl[ci][int(id&nodeChunkMask)*x.stride+blkHeader])
}

// block returns id's layer-0 block, reloading the table if it has grown.
func (x *Index) block(tbl *[][]uint32, id uint32) []uint32 {
	ci := int(id >> nodeChunkShift)
	if ci >= len(*tbl) {
		*tbl = *x.l0.Load()
	}
	off := int(id&nodeChunkMask) * x.stride
	return (*tbl)[ci][off : off+x.stride : off+x.stride]
}

// list returns the [count, links...] list of id at level, reloading the
// tables if they have grown.
func (x *Index) list(t *tables, id uint32, level int) []uint32 {
	b := x.block(&t.l0, id)
	if level == 0 {
		return b[blkList:]
	}
	off := uint64(atomic.LoadUint32(&b[blkUpper])) + uint64(level-1)*uint64(x.m+1)
	ci := int(off >> x.upperShift)
	if ci >= len(t.upper) {
		t.upper = *x.upper.Load()
	}
	o := int(off & (1<<x.upperShift - 1))
	return t.upper[ci][o : o+x.m+1 : o+x.m+1]
}

// vec returns vector id, reloading the Flat's table if it has grown.
func (x *Index) vec(t *tables, id uint32) []float32 {
	if int(id>>x.vecs.shift) >= len(t.vecs) {
		t.vecs = *x.vecs.chunks.Load()
	}
	return x.vecs.at(t.vecs, id)
}

// tables caches the chunk tables for one operation.
type tables struct {
	l0, upper [][]uint32
	vecs      [][]float32
}

func (x *Index) loadTables(t *tables) {
	t.l0 = *x.l0.Load()
	t.upper = *x.upper.Load()
	t.vecs = *x.vecs.chunks.Load()
}

// scratch is the per-operation working memory, pooled.
type scratch struct {
	t       tables
	visited []uint64 // a bit per node slot, set once a traversal reaches it
	dirty   []uint32 // words of visited set since the last reset
	cand    minHeap
	res     maxHeap
	sorted  []item
	sel     []item
	tmp     []item
	keep    []item
	ids     []uint32
	vs      [][]float32 // vectors of ids; cleared before pooling
	selVecs [][]float32 // vectors of the neighbours selected so far
	dists   []float32

	// useQ makes greedy and searchLayer score with qq, the quantized
	// query, instead of the float vectors (SearchQuantized); s.vs is then
	// not filled.
	useQ bool
	qq   quantQuery
	qlen uint32   // ids below are quantized
	recs [][]int8 // records of the quantized ids of a batch; cleared before pooling
	raw  []int32  // their kernel sums

	// pair makes the neighbour selection of an int8 build (insert with
	// codes) compare stored vectors by their codes (pairDist) when every
	// vector it compares has them: selRecs are the records of the
	// neighbours selected so far (cleared before pooling), pu the
	// unsigned codes of the vector compared with them.
	pair    bool
	selRecs [][]int8
	pu      []uint8

	// useB makes them score with bq, the query prepared for binary codes
	// (SearchBinary), instead; qlen then counts the binary codes.
	useB  bool
	bq    binQuery
	brecs [][]uint64 // codes of a batch; cleared before pooling
	bcode []uint64   // a code made on the fly for an id not yet quantized

	// useP makes them score with pq, the query's lookup table for
	// product codes (SearchProduct); qlen then counts the product codes.
	useP  bool
	pq    pqQuery
	precs [][]byte // codes of a batch; cleared before pooling
	pcode []byte   // a code made on the fly for an id not yet quantized

	// within makes a filtered searchLayer follow only allowed nodes once
	// it has found one, along the payload links too (SearchWithin).
	within bool
	plinks *payloadLinks
	// seeds are more entry points of a within search (SearchWithinFrom),
	// scored and queued beside the entry point; nil for none.
	seeds []uint32
}

func (x *Index) getScratch() *scratch {
	s := x.scratch.Get().(*scratch)
	x.loadTables(&s.t)
	return s
}

func (x *Index) putScratch(s *scratch) {
	s.t = tables{}
	s.useQ, s.useB, s.useP, s.pair = false, false, false, false
	s.within, s.plinks, s.seeds = false, nil, nil
	s.qq.q, s.qq.tbl = nil, nil
	s.bq.b, s.bq.tbl = nil, nil
	s.pq.p, s.pq.tbl = nil, nil
	clear(s.precs[:cap(s.precs)])
	clear(s.vs[:cap(s.vs)])
	clear(s.recs[:cap(s.recs)])
	clear(s.selRecs[:cap(s.selRecs)])
	clear(s.brecs[:cap(s.brecs)])
	x.scratch.Put(s)
}

// resetVisited starts a new traversal over n node slots. Only the words
// the last traversal set are cleared, unless it set many: a search
// touches a few thousand nodes, however large the graph.
func (s *scratch) resetVisited(n int) {
	if len(s.dirty) > len(s.visited)/16 {
		clear(s.visited)
	} else {
		for _, w := range s.dirty {
			s.visited[w] = 0
		}
	}
	s.dirty = s.dirty[:0]
	if words := (n + 63) >> 6; len(s.visited) < words {
		s.visited = make([]uint64, words+words/4)
	}
}

// seen marks node j visited and reports whether it was already. A bit per
// node keeps the set of a million-node graph in 128 KB, near the core.
func (s *scratch) seen(j uint32) bool {
	w := int(j >> 6)
	if w >= len(s.visited) {
		// The graph grew during this search.
		s.visited = append(s.visited, make([]uint64, w+1-len(s.visited)+64)...)
	}
	v, b := s.visited[w], uint64(1)<<(j&63)
	if v&b != 0 {
		return true
	}
	if v == 0 {
		s.dirty = append(s.dirty, uint32(w))
	}
	s.visited[w] = v | b
	return false
}

// levelOf draws id's level from the exponential distribution of the paper,
// using a hash of (seed, id) as the uniform variate.
func (x *Index) levelOf(id uint32) int {
	h := uint64(x.cfg.Seed) ^ (uint64(id)+1)*0x9e3779b97f4a7c15
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	u := (float64(h>>11) + 0.5) / (1 << 53)
	l := int(-math.Log(u) * x.mult)
	if l > maxLevel {
		l = maxLevel
	}
	return l
}

func (x *Index) lock(id uint32) *sync.Mutex {
	return &x.locks[id%lockStripes]
}

// grow makes sure id has a layer-0 block.
func (x *Index) grow(id uint32) {
	ci := int(id >> nodeChunkShift)
	if ci < len(*x.l0.Load()) {
		return
	}
	x.growMu.Lock()
	defer x.growMu.Unlock()
	tbl := *x.l0.Load()
	for ci >= len(tbl) {
		size := (nodeChunkMask + 1) * x.stride
		if len(tbl) < arenaAfter {
			tbl = append(tbl, make([]uint32, size))
		} else {
			tbl = append(tbl, x.arena.alloc(size, 4))
		}
	}
	x.l0.Store(&tbl)
}

// allocUpper reserves room for the upper-layer lists of a node of level
// l > 0 and returns its word offset.
func (x *Index) allocUpper(l int) uint32 {
	words := uint64(l * (x.m + 1))
	size := uint64(1) << x.upperShift
	x.growMu.Lock()
	defer x.growMu.Unlock()
	tbl := *x.upper.Load()
	if x.upperUsed/size != (x.upperUsed+words-1)/size || x.upperUsed == uint64(len(tbl))*size {
		// Does not fit in the current chunk: start a new one.
		x.upperUsed = uint64(len(tbl)) * size
		tbl = append(tbl, make([]uint32, size))
		x.upper.Store(&tbl)
	}
	off := x.upperUsed
	if off+words > math.MaxUint32 {
		panic("hnsw: upper-layer storage exhausted")
	}
	x.upperUsed += words
	return uint32(off)
}

// Insert adds the vector stored at id in the index's Flat to the graph.
// Inserting an id that is already in the graph only clears its tombstone
// (the graph keeps its old links, so a vector changed with Flat.Set is
// found less reliably: give changed vectors new ids).
//
// Insert is safe to call from many goroutines at once and concurrently
// with Search. It panics if id >= vecs.Len().
func (x *Index) Insert(id uint32) { x.insert(id, nil) }

// InsertQuantized is Insert with the search for id's neighbours scored by
// the int8 codes of qz (which must hold id's code) instead of the float
// vectors: a build that reads a quarter of the bytes. The neighbour
// selection compares the codes too, the distances on both sides of each
// comparison taken between two codes (pairDist), unless a vector it
// compares has none yet. With qz nil, or for the L1 metric, it is Insert.
func (x *Index) InsertQuantized(id uint32, qz *Quantized) {
	if qz == nil || x.cfg.Metric == L1 || qz.dim != x.vecs.Dim() || int(id) >= qz.Len() {
		x.insert(id, nil)
		return
	}
	x.insert(id, qz)
}

func (x *Index) insert(id uint32, qz *Quantized) {
	if int(id) >= x.vecs.Len() {
		panic(fmt.Sprintf("hnsw: Insert(%d) beyond the %d stored vectors", id, x.vecs.Len()))
	}
	x.persistMu.RLock()
	defer x.persistMu.RUnlock()
	x.grow(id)

	level := x.levelOf(id)
	var upperOff uint32
	mu := x.lock(id)
	mu.Lock()
	s := x.getScratch()
	defer x.putScratch(s)
	b := x.block(&s.t.l0, id)
	h := atomic.LoadUint32(&b[blkHeader])
	if h&hdrInserted != 0 {
		if h&hdrDeleted != 0 {
			atomic.StoreUint32(&b[blkHeader], h&^hdrDeleted)
			x.deleted.Add(-1)
			x.live.Add(1)
		}
		mu.Unlock()
		return
	}
	if level > 0 {
		upperOff = x.allocUpper(level)
		s.t.upper = *x.upper.Load()
	}
	atomic.StoreUint32(&b[blkUpper], upperOff)
	atomic.StoreUint32(&b[blkHeader], hdrInserted|uint32(level)<<hdrLevelShift)
	mu.Unlock()
	x.live.Add(1)

	ep := x.entry.Load()
	epLevel := int(ep>>32) - 1
	if level > epLevel {
		x.epMu.Lock()
		ep = x.entry.Load()
		epLevel = int(ep>>32) - 1
		if level > epLevel {
			defer x.epMu.Unlock()
		} else {
			x.epMu.Unlock()
		}
	}
	if ep == 0 {
		x.entry.Store(uint64(level+1)<<32 | uint64(id))
		return
	}

	q := x.vec(&s.t, id)
	if qz != nil {
		s.useQ, s.pair = true, true
		s.qlen = uint32(qz.Len())
		qz.prepare(&s.qq, q, x.cfg.Metric)
		if cap(s.pu) < qz.dimPad {
			s.pu = make([]uint8, qz.dimPad)
		}
		s.pu = s.pu[:qz.dimPad]
	}
	cur := item{id: uint32(ep), d: x.distQ(s, q, uint32(ep))}
	for l := epLevel; l > level; l-- {
		cur = x.greedy(s, q, cur, l)
	}
	for l := min(level, epLevel); l >= 0; l-- {
		x.searchLayer(s, q, cur, x.cfg.EfConstruct, l, nil, false)
		// Sort the candidates closest first.
		s.sorted = s.sorted[:0]
		for len(s.res) > 0 {
			s.sorted = append(s.sorted, s.res.pop())
		}
		slices.Reverse(s.sorted)
		cur = s.sorted[0]
		x.connect(s, id, q, l)
	}
	if level > epLevel {
		x.entry.Store(uint64(level+1)<<32 | uint64(id))
	}
}

// connect links id at level to the heuristic selection from s.sorted and
// links those neighbours back, shrinking their lists when full.
func (x *Index) connect(s *scratch, id uint32, q []float32, level int) {
	maxConn := x.m
	if level == 0 {
		maxConn = x.m0
	}
	sel := x.selectNeighbors(s, id, s.sorted, x.m, &s.sel)
	mu := x.lock(id)
	mu.Lock()
	lst := x.list(&s.t, id, level)
	for i, it := range sel {
		atomic.StoreUint32(&lst[1+i], it.id)
	}
	atomic.StoreUint32(&lst[0], uint32(len(sel)))
	mu.Unlock()

	for _, nb := range sel {
		if nb.id == id {
			continue
		}
		mu := x.lock(nb.id)
		mu.Lock()
		nl := x.list(&s.t, nb.id, level)
		n := int(atomic.LoadUint32(&nl[0]))
		if n < maxConn {
			atomic.StoreUint32(&nl[1+n], id)
			atomic.StoreUint32(&nl[0], uint32(n+1))
			mu.Unlock()
			continue
		}
		// Full: choose the best maxConn among the old links and id.
		s.tmp = s.tmp[:0]
		s.tmp = append(s.tmp, item{id: id, d: nb.d})
		for i := 0; i < n; i++ {
			s.tmp = append(s.tmp, item{id: atomic.LoadUint32(&nl[1+i])})
		}
		if s.coded(nb.id, s.tmp) {
			x.pairDists(s, nb.id, s.tmp)
		} else {
			nv := x.vec(&s.t, nb.id)
			s.vs = s.vs[:0]
			for _, it := range s.tmp[1:] {
				s.vs = append(s.vs, x.vec(&s.t, it.id))
			}
			for i, d := range x.batch(s, nv, s.vs) {
				s.tmp[1+i].d = d
			}
		}
		slices.SortFunc(s.tmp, func(a, b item) int {
			switch {
			case a.d < b.d:
				return -1
			case a.d > b.d:
				return 1
			}
			return 0
		})
		keep := x.selectNeighbors(s, nb.id, s.tmp, maxConn, &s.keep)
		for i, it := range keep {
			atomic.StoreUint32(&nl[1+i], it.id)
		}
		atomic.StoreUint32(&nl[0], uint32(len(keep)))
		mu.Unlock()
	}
}

// selectNeighbors implements the paper's heuristic (algorithm 4, without
// extending or keeping pruned candidates): walking the candidates closest
// first, keep one only if it is closer to the base than to every one kept
// so far. cands must be sorted closest first; the result reuses *buf.
func (x *Index) selectNeighbors(s *scratch, base uint32, cands []item, m int, buf *[]item) []item {
	out := (*buf)[:0]
	if len(cands) <= m {
		out = append(out, cands...)
		*buf = out
		return out
	}
	if s.coded(base, cands) {
		out = x.selectByCodes(s, base, cands, m, out)
		*buf = out
		return out
	}
	s.selVecs = s.selVecs[:0]
	for _, c := range cands {
		if len(out) >= m {
			break
		}
		cv := x.vec(&s.t, c.id)
		good := true
		for _, d := range x.batch(s, cv, s.selVecs) {
			if d < c.d {
				good = false
				break
			}
		}
		if good {
			out = append(out, c)
			s.selVecs = append(s.selVecs, cv)
		}
	}
	clear(s.selVecs)
	*buf = out
	return out
}

// coded reports whether an int8 build (s.pair) may compare base and its
// by their codes: every one of them has a code.
func (s *scratch) coded(base uint32, its []item) bool {
	if !s.pair || base >= s.qlen {
		return false
	}
	for _, it := range its {
		if it.id >= s.qlen {
			return false
		}
	}
	return true
}

// selectByCodes is selectNeighbors for an int8 build: the distances
// between a candidate and the neighbours kept so far, and between it and
// base, come from their codes (pairDist), which the candidate search has
// just read, rather than from the float vectors. Both sides of each
// comparison are thus distances between two codes, which carry the same
// error (the candidate's distance from the search, to a query quantized
// finely, does not; mixing the two loses recall). base and every
// candidate must have codes. It appends to out.
func (x *Index) selectByCodes(s *scratch, base uint32, cands []item, m int, out []item) []item {
	s.selRecs = s.selRecs[:0]
	baseRec := s.qq.record(base)
	for _, c := range cands {
		if len(out) >= m {
			break
		}
		rec := s.qq.record(c.id)
		good := true
		if n := len(s.selRecs); n > 0 {
			// The distances to the kept neighbours and, last, to base.
			d := s.codeBatch(rec, append(s.selRecs, baseRec))
			for _, dk := range d[:n] {
				if dk < d[n] {
					good = false
					break
				}
			}
		}
		if good {
			out = append(out, c)
			s.selRecs = append(s.selRecs, rec)
		}
	}
	clear(s.selRecs[:cap(s.selRecs)])
	return out
}

// pairDists sets the distance of every item of its to the distance from
// stored vector a, by their codes; a and every item must have codes.
func (x *Index) pairDists(s *scratch, a uint32, its []item) {
	s.recs = s.recs[:0]
	for _, it := range its {
		s.recs = append(s.recs, s.qq.record(it.id))
	}
	for i, d := range s.codeBatch(s.qq.record(a), s.recs) {
		its[i].d = d
	}
}

// codeBatch returns the distances between the vector of code record a
// and those of recs, both sides by their codes (pairDist), in s.dists.
func (s *scratch) codeBatch(a []int8, recs [][]int8) []float32 {
	sum, sq := s.qq.codeU8(s.pu, a)
	if cap(s.raw) < len(recs) {
		s.raw = make([]int32, len(recs)+16)
	}
	raw := s.raw[:len(recs)]
	distance.DotU8I8Batch(s.pu, recs, raw)
	if cap(s.dists) < len(recs) {
		s.dists = make([]float32, len(recs)+16)
	}
	out := s.dists[:len(recs)]
	for i, r := range raw {
		out[i] = s.qq.pairDist(sum, sq, recs[i], r)
	}
	return out
}

// greedy walks level from cur to a local minimum of the distance to q.
func (x *Index) greedy(s *scratch, q []float32, cur item, level int) item {
	for changed := true; changed; {
		changed = false
		lst := x.list(&s.t, cur.id, level)
		n := int(atomic.LoadUint32(&lst[0]))
		s.ids = s.ids[:0]
		s.vs = s.vs[:0]
		for i := 0; i < n; i++ {
			j := atomic.LoadUint32(&lst[1+i])
			s.ids = append(s.ids, j)
			if !s.useQ {
				s.vs = append(s.vs, x.vec(&s.t, j))
			}
		}
		for i, d := range x.batchQ(s, q) {
			if d < cur.d {
				cur = item{id: s.ids[i], d: d}
				changed = true
			}
		}
	}
	return cur
}

// searchLayer runs the beam search of the paper (algorithm 2) on level
// from ep, leaving the best ef matches in s.res. With filter, only nodes
// that are not deleted and that allow accepts enter s.res, while every node
// is still traversed.
func (x *Index) searchLayer(s *scratch, q []float32, ep item, ef, level int, allow func(uint32) bool, filter bool) {
	s.resetVisited(len(s.t.l0) << nodeChunkShift)
	s.cand = s.cand[:0]
	s.res = s.res[:0]
	checkDel := filter && x.deleted.Load() > 0
	s.seen(ep.id)
	s.cand.push(ep)
	lower := float32(math.Inf(1))
	if !filter || x.accept(ep.id, checkDel, allow) {
		s.res.push(ep)
		lower = ep.d
	}
	if level == 0 && len(s.seeds) > 0 {
		x.pushSeeds(s, q, ef, checkDel, allow, &lower)
	}
	for len(s.cand) > 0 {
		c := s.cand.pop()
		if c.d > lower && len(s.res) >= ef {
			break
		}
		if level == 0 && len(s.cand) > 0 {
			// The runner-up is the next hop unless this one finds a
			// closer node: start loading its links a whole hop early.
			b := x.block(&s.t.l0, s.cand[0].id)
			prefetchWords(&b[blkList], 4*(1+x.m0))
		}
		lst := x.list(&s.t, c.id, level)
		n := int(atomic.LoadUint32(&lst[0]))
		s.ids = s.ids[:0]
		s.vs = s.vs[:0]
		// Within: once an allowed node is found, only allowed nodes are
		// scored and followed, along the payload links as well.
		within := filter && s.within && len(s.res) > 0
		if within {
			for i := 0; i < n; i++ {
				x.visit(s, atomic.LoadUint32(&lst[1+i]), true, checkDel, allow)
			}
		} else {
			for i := 0; i < n; i++ {
				if j := atomic.LoadUint32(&lst[1+i]); !s.seen(j) {
					s.ids = append(s.ids, j)
				}
			}
			if !s.useQ {
				for _, j := range s.ids {
					s.vs = append(s.vs, x.vec(&s.t, j))
				}
			}
		}
		if within && s.plinks != nil && level == 0 {
			for _, j := range s.plinks.of(c.id) {
				x.visit(s, j, true, checkDel, allow)
			}
		}
		dists := x.batchQ(s, q)
		pushed := false
		for i, j := range s.ids {
			d := dists[i]
			if len(s.res) < ef || d < lower {
				s.cand.push(item{id: j, d: d})
				pushed = true
				if !filter || x.accept(j, checkDel, allow) {
					if len(s.res) < ef {
						s.res.push(item{id: j, d: d})
					} else {
						s.res.replaceTop(item{id: j, d: d})
					}
					lower = s.res[0].d
				}
			}
		}
		if pushed && level == 0 {
			// The next hop reads the best candidate's links: start
			// loading them now.
			b := x.block(&s.t.l0, s.cand[0].id)
			prefetchWords(&b[blkList], 4*(1+x.m0))
		}
	}
}

// pushSeeds scores the seeds of a within search (SearchWithinFrom) not
// visited yet and queues them as candidates, and as results when allowed.
func (x *Index) pushSeeds(s *scratch, q []float32, ef int, checkDel bool, allow func(uint32) bool, lower *float32) {
	s.ids = s.ids[:0]
	s.vs = s.vs[:0]
	for _, j := range s.seeds {
		x.visit(s, j, false, checkDel, allow)
	}
	dists := x.batchQ(s, q)
	for i, j := range s.ids {
		it := item{id: j, d: dists[i]}
		s.cand.push(it)
		if x.accept(j, checkDel, allow) {
			if len(s.res) < ef {
				s.res.push(it)
			} else if it.d < s.res[0].d {
				s.res.replaceTop(it)
			}
			*lower = s.res[0].d
		}
	}
}

// visit queues neighbour j of a searchLayer expansion for scoring, unless
// it was visited already or, within, allow rejects it.
func (x *Index) visit(s *scratch, j uint32, within, checkDel bool, allow func(uint32) bool) {
	if s.seen(j) {
		return
	}
	if within && !x.accept(j, checkDel, allow) {
		return
	}
	s.ids = append(s.ids, j)
	if !s.useQ {
		s.vs = append(s.vs, x.vec(&s.t, j))
	}
}

// accept reports whether a search may return id.
func (x *Index) accept(id uint32, checkDel bool, allow func(uint32) bool) bool {
	if checkDel && x.header(id)&hdrDeleted != 0 {
		return false
	}
	return allow == nil || allow(id)
}

// batch returns the distances from q to each of vs, in s.dists.
func (x *Index) batch(s *scratch, q []float32, vs [][]float32) []float32 {
	if cap(s.dists) < len(vs) {
		s.dists = make([]float32, len(vs)+16)
	}
	out := s.dists[:len(vs)]
	switch x.cfg.Metric {
	case L2:
		distance.L2SqBatch(q, vs, out)
	case L1:
		distance.L1Batch(q, vs, out)
	default:
		distance.DotBatch(q, vs, out)
		for i := range out {
			out[i] = -out[i]
		}
	}
	return out
}

// batchQ returns the distances from q to the vectors s.ids (whose float
// vectors are s.vs), quantized when s.useQ.
func (x *Index) batchQ(s *scratch, q []float32) []float32 {
	if !s.useQ {
		return x.batch(s, q, s.vs)
	}
	if s.useB {
		return x.batchB(s)
	}
	if s.useP {
		return x.batchP(s)
	}
	if cap(s.dists) < len(s.ids) {
		s.dists = make([]float32, len(s.ids)+16)
	}
	out := s.dists[:len(s.ids)]
	// The records are scattered: start loading them all, score them in
	// one kernel call, then map the sums to distances.
	s.recs = s.recs[:0]
	for _, id := range s.ids {
		if id < s.qlen {
			s.recs = append(s.recs, s.qq.record(id))
		}
	}
	if cap(s.raw) < len(s.recs) {
		s.raw = make([]int32, len(s.recs)+16)
	}
	raw := s.raw[:len(s.recs)]
	distance.DotU8I8Batch(s.qq.u, s.recs, raw)
	r := 0
	for i, id := range s.ids {
		if id < s.qlen {
			out[i] = s.qq.distRaw(s.recs[r], raw[r])
			r++
		} else {
			out[i] = x.dist(q, x.vec(&s.t, id))
		}
	}
	return out
}

// distQ returns the distance from q to id, quantized when s.useQ and id
// has codes.
func (x *Index) distQ(s *scratch, q []float32, id uint32) float32 {
	if s.useB {
		return x.distB(s, id)
	}
	if s.useP {
		return x.distP(s, id)
	}
	if s.useQ && id < s.qlen {
		return s.qq.dist(id)
	}
	return x.dist(q, x.vec(&s.t, id))
}

// SearchQuantized is Search with the graph traversal scored by the int8
// codes of qz (which quantizes the index's Flat) instead of the float
// vectors: Result.Dist is then the quantized approximation, and callers
// rescore the results with the float vectors (ask for more than k, as
// Qdrant's oversampling). Ids qz has no codes for yet are scored in
// float. With qz nil, or for the L1 metric (no int8 kernel), it is Search.
func (x *Index) SearchQuantized(q []float32, k, ef int, allow func(id uint32) bool, qz *Quantized) []Result {
	if qz == nil || x.cfg.Metric == L1 || qz.dim != x.vecs.Dim() {
		return x.Search(q, k, ef, allow)
	}
	return x.search(q, k, ef, allow, qz, nil, nil)
}

// Search returns the k nearest inserted, non-deleted ids to q for which
// allow returns true (allow nil accepts every id), best first. ef is the
// size of the candidate list (Qdrant's hnsw_ef): larger is slower and more
// accurate; it is raised to k when smaller.
//
// With a very selective allow the search visits most of the graph before
// it finds k matches; callers should then prefer an exact scan of the
// allowed ids. Search is safe for concurrent use. It panics if len(q) is
// not the Flat's dimension.
func (x *Index) Search(q []float32, k, ef int, allow func(id uint32) bool) []Result {
	return x.search(q, k, ef, allow, nil, nil, nil)
}

func (x *Index) search(q []float32, k, ef int, allow func(id uint32) bool, qz *Quantized, bz *Binary, pz *Product) []Result {
	return x.searchMode(q, k, ef, allow, qz, bz, pz, false)
}

// searchMode is search, following only allowed nodes when within (see
// SearchWithin).
func (x *Index) searchMode(q []float32, k, ef int, allow func(id uint32) bool, qz *Quantized, bz *Binary, pz *Product, within bool) []Result {
	return x.searchFrom(q, k, ef, allow, qz, bz, pz, within, nil)
}

// searchFrom is searchMode with seeds as more entry points on layer 0
// (SearchWithinFrom).
func (x *Index) searchFrom(q []float32, k, ef int, allow func(id uint32) bool, qz *Quantized, bz *Binary, pz *Product, within bool, seeds []uint32) []Result {
	if len(q) != x.vecs.Dim() {
		panic(fmt.Sprintf("hnsw: Search with a %d-element query in dimension %d", len(q), x.vecs.Dim()))
	}
	ep := x.entry.Load()
	if k <= 0 || ep == 0 {
		return nil
	}
	ef = max(ef, k)
	s := x.getScratch()
	defer x.putScratch(s)
	if within {
		s.within, s.plinks, s.seeds = true, x.plinks.Load(), seeds
	}
	if qz != nil {
		s.useQ = true
		s.qlen = uint32(qz.Len())
		qz.prepare(&s.qq, q, x.cfg.Metric)
	}
	if bz != nil {
		s.useQ, s.useB = true, true
		s.qlen = uint32(bz.Len())
		bz.prepare(&s.bq, q)
	}
	if pz != nil {
		s.useQ, s.useP = true, true
		s.qlen = uint32(pz.Len())
		pz.prepare(&s.pq, q)
	}
	cur := item{id: uint32(ep), d: x.distQ(s, q, uint32(ep))}
	for l := int(ep>>32) - 1; l > 0; l-- {
		cur = x.greedy(s, q, cur, l)
	}
	x.searchLayer(s, q, cur, ef, 0, allow, true)
	for len(s.res) > k {
		s.res.pop()
	}
	out := make([]Result, len(s.res))
	for i := len(out) - 1; i >= 0; i-- {
		it := s.res.pop()
		out[i] = Result{ID: it.id, Dist: it.d}
	}
	return out
}

// Delete marks id as deleted: it stays in the graph, where searches still
// pass through it, but is never returned. Deleting an id that is not in
// the index does nothing. Safe for concurrent use.
func (x *Index) Delete(id uint32) {
	x.persistMu.RLock()
	defer x.persistMu.RUnlock()
	tbl := *x.l0.Load()
	if int(id>>nodeChunkShift) >= len(tbl) {
		return
	}
	mu := x.lock(id)
	mu.Lock()
	defer mu.Unlock()
	b := x.block(&tbl, id)
	h := atomic.LoadUint32(&b[blkHeader])
	if h&hdrInserted == 0 || h&hdrDeleted != 0 {
		return
	}
	atomic.StoreUint32(&b[blkHeader], h|hdrDeleted)
	x.live.Add(-1)
	x.deleted.Add(1)
}

// Bytes returns the memory the graph holds (layer-0 blocks and upper-layer
// lists, as allocated), not counting the vectors in the Flat.
func (x *Index) Bytes() int64 {
	var n int64
	for _, c := range *x.l0.Load() {
		n += int64(4 * len(c))
	}
	for _, c := range *x.upper.Load() {
		n += int64(4 * len(c))
	}
	return n
}
