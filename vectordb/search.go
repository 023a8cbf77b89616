package vectordb

import (
	"context"
	"math"
	"runtime"
	"sort"
	"sync"

	"nexusos/vectordb/hnsw"
)

// cancelCheckEvery is how many points a scan visits between checks of its
// context.
const cancelCheckEvery = 4096

// queryVec is a resolved query vector: dense or sparse.
type queryVec struct {
	dense  []float32
	sparse *SparseVector
	multi  [][]float32 // set (and dense nil) when using is a multi-vector
}

// resolveInput turns a VectorInput into a vector of the space using,
// adding the id of a by-id input to exclude.
//
// Preconditions: c.mu is held.
func (c *collection) resolveInput(in VectorInput, using string, exclude map[PointID]struct{}) (queryVec, error) {
	dp, isDense := c.cfg.Vectors[using]
	_, isSparse := c.cfg.SparseVectors[using]
	if !isDense && !isSparse {
		return queryVec{}, BadInput("Not existing vector name error: %s", using)
	}
	n := 0
	if in.Dense != nil {
		n++
	}
	if in.Sparse != nil {
		n++
	}
	if in.ID != nil {
		n++
	}
	if in.Multi != nil {
		n++
	}
	if n != 1 {
		return queryVec{}, BadInput("query vector must be exactly one of dense, multi-dense, sparse or point id")
	}
	if isDense && dp.Multivector != nil && in.ID == nil {
		if in.Sparse != nil {
			return queryVec{}, BadInput("Conversion between sparse and regular vectors failed")
		}
		v := Vector{Dense: in.Dense, Multi: in.Multi}
		if err := checkMulti(dp, using, v); err != nil {
			return queryVec{}, err
		}
		cfg := CollectionConfig{Vectors: map[string]VectorParams{using: {Size: dp.Size, Distance: dp.Distance, Multivector: dp.Multivector}}}
		pv, err := prepareVector(&cfg, using, v)
		if err != nil {
			return queryVec{}, err
		}
		return queryVec{multi: pv.Multi}, nil
	}
	if in.Multi != nil {
		if !isDense {
			return queryVec{}, BadInput("Conversion between sparse and regular vectors failed")
		}
		return queryVec{}, BadInput("Conversion between multi and regular vectors failed")
	}
	switch {
	case in.ID != nil:
		id, err := canonicalID(*in.ID)
		if err != nil {
			return queryVec{}, err
		}
		p := c.points[id]
		if p == nil {
			return queryVec{}, errPointNotFound(id)
		}
		v, ok := p.vectors[using]
		if !ok {
			return queryVec{}, BadInput("Vector %q of point %s is not found", using, id)
		}
		exclude[id] = struct{}{}
		return queryVec{dense: v.Dense, sparse: v.Sparse, multi: v.Multi}, nil
	case in.Dense != nil:
		if !isDense {
			return queryVec{}, BadInput("Conversion between sparse and regular vectors failed")
		}
		if len(in.Dense) != dp.Size {
			return queryVec{}, BadInput("Vector dimension error: expected dim: %d, got %d", dp.Size, len(in.Dense))
		}
		if !finiteVector(in.Dense) {
			return queryVec{}, BadInput("Query vector contains NaN or infinite values")
		}
		d := append([]float32(nil), in.Dense...)
		if dp.Distance == Cosine {
			normalize(d)
		}
		return queryVec{dense: d}, nil
	default:
		if !isSparse {
			return queryVec{}, BadInput("Conversion between sparse and regular vectors failed")
		}
		v, err := prepareSparse(in.Sparse)
		if err != nil {
			return queryVec{}, err
		}
		return queryVec{sparse: v.Sparse}, nil
	}
}

// idf is the inverse document frequency Qdrant's idf modifier uses:
// ln(1 + (N - n + 0.5) / (n + 0.5)), N points with the sparse vector, n of
// them having the dimension (Qdrant's fancy_idf in VectorQueryContext::
// remap_idf_weights, with N = indexed vectors of that name).
func idf(N, n int) float32 {
	return float32(math.Log(1 + (float64(N-n)+0.5)/(float64(n)+0.5)))
}

// sparseDot is the dot product over shared indices of two sorted sparse
// vectors; ok is false when they share none.
func sparseDot(a, b *SparseVector) (float32, bool) {
	var s float32
	shared := false
	i, j := 0, 0
	for i < len(a.Indices) && j < len(b.Indices) {
		switch {
		case a.Indices[i] < b.Indices[j]:
			i++
		case a.Indices[i] > b.Indices[j]:
			j++
		default:
			s += a.Values[i] * b.Values[j]
			shared = true
			i++
			j++
		}
	}
	return s, shared
}

// scorer scores stored points against a resolved query; ok is false when
// the point has no vector to score or (sparse) shares no dimension.
type scorer func(p *point) (score, key float32, ok bool)

// vectorScorer returns the scorer of nearest-to-q in space using.
//
// Preconditions: c.mu is held.
func (c *collection) vectorScorer(q queryVec, using string) scorer {
	return c.vectorScorerIDF(q, using, nil)
}

// corpusStats counts, over the points matching corpus that carry sparse
// vector using, how many there are and how many carry each of dims.
//
// Preconditions: c.mu is held.
func (c *collection) corpusStats(corpus *Filter, using string, dims []uint32) (int, map[uint32]int) {
	want := make(map[uint32]bool, len(dims))
	for _, d := range dims {
		want[d] = true
	}
	n, df := 0, map[uint32]int{}
	c.scanFiltered(corpus, func(p *point) bool {
		v, ok := p.vectors[using]
		if !ok || v.Sparse == nil {
			return true
		}
		n++
		for _, d := range v.Sparse.Indices {
			if want[d] {
				df[d]++
			}
		}
		return true
	})
	return n, df
}

// vectorScorerIDF is vectorScorer with the IDF statistics of a corpus
// filter (nil: the whole collection).
//
// Preconditions: c.mu is held.
func (c *collection) vectorScorerIDF(q queryVec, using string, corpus *Filter) scorer {
	if q.sparse != nil {
		qs := q.sparse
		if sp, ok := c.cfg.SparseVectors[using]; ok && sp.Modifier == ModifierIDF {
			st := c.sparse[using]
			n, df := st.n, st.df
			if corpus != nil {
				cn, cdf := c.corpusStats(corpus, using, qs.Indices)
				n, df = cn, func(d uint32) int { return cdf[d] }
			}
			w := &SparseVector{Indices: qs.Indices, Values: make([]float32, len(qs.Values))}
			for i, d := range qs.Indices {
				w.Values[i] = qs.Values[i] * idf(n, df(d))
			}
			qs = w
		}
		return func(p *point) (float32, float32, bool) {
			v, ok := p.vectors[using]
			if !ok || v.Sparse == nil {
				return 0, 0, false
			}
			s, ok := sparseDot(qs, v.Sparse)
			return s, s, ok
		}
	}
	dist := c.cfg.Vectors[using].Distance
	higher := higherIsBetter(dist)
	if q.multi != nil {
		qm := q.multi
		return func(p *point) (float32, float32, bool) {
			v, ok := p.vectors[using]
			if !ok || v.Multi == nil {
				return 0, 0, false
			}
			s := maxSim(dist, qm, v.Multi)
			if higher {
				return s, s, true
			}
			return s, -s, true
		}
	}
	qd := q.dense
	return func(p *point) (float32, float32, bool) {
		v, ok := p.vectors[using]
		if !ok || v.Dense == nil {
			return 0, 0, false
		}
		s := score(dist, qd, v.Dense)
		if higher {
			return s, s, true
		}
		return s, -s, true
	}
}

// maxSim is Qdrant's MaxSim score of multi-vector q against v: for each
// vector of q the best similarity with a vector of v, summed. Similarities
// are Qdrant's internal ones (dot products; the negated squared L2 or L1
// distance), and the sum is turned back into a distance for Euclid
// (square root) and Manhattan (absolute value), as Qdrant reports it.
func maxSim(d Distance, q, v [][]float32) float32 {
	var sum float32
	for _, a := range q {
		best := float32(math.Inf(-1))
		for _, b := range v {
			var s float32
			switch d {
			case Euclid:
				s = -l2sq(a, b)
			case Manhattan:
				s = -l1(a, b)
			default:
				s = dot(a, b)
			}
			best = max(best, s)
		}
		sum += best
	}
	switch d {
	case Euclid:
		return float32(math.Sqrt(math.Abs(float64(sum))))
	case Manhattan:
		return float32(math.Abs(float64(sum)))
	}
	return sum
}

// vectorSearch answers a Nearest or Recommend stage.
//
// Preconditions: c.mu is held.
func (c *collection) vectorSearch(ctx context.Context, st *queryStage, filter *Filter, candidates map[PointID]struct{}, limit int) ([]hit, error) {
	using := st.Using
	exclude := map[PointID]struct{}{}
	var sc scorer
	higher := true
	var annQuery []float32 // dense target usable with the HNSW index
	q := st.Query
	var corpus *Filter
	if st.Params != nil && st.Params.IDFCorpus != nil {
		if sp, ok := c.cfg.SparseVectors[using]; !ok || sp.Modifier != ModifierIDF {
			return nil, BadInput("The idf search parameter needs a sparse vector with the idf modifier; %q has none", using)
		}
		if err := validateFilter(st.Params.IDFCorpus, 0); err != nil {
			return nil, err
		}
		corpus = st.Params.IDFCorpus
	}
	if q.Nearest != nil {
		qv, err := c.resolveInput(*q.Nearest, using, exclude)
		if err != nil {
			return nil, err
		}
		sc = c.vectorScorerIDF(qv, using, corpus)
		annQuery = qv.dense
		if qv.dense != nil || qv.multi != nil {
			higher = higherIsBetter(c.cfg.Vectors[using].Distance)
		}
	} else if q.Recommend != nil {
		var err error
		sc, annQuery, higher, err = c.recommendScorer(q.Recommend, using, exclude)
		if err != nil {
			return nil, err
		}
	} else if q.Feedback != nil {
		var err error
		sc, higher, err = c.feedbackScorer(q.Feedback, using, exclude)
		if err != nil {
			return nil, err
		}
	} else {
		var err error
		sc, err = c.discoverScorer(q, using, exclude)
		if err != nil {
			return nil, err
		}
	}
	exact := st.Params != nil && st.Params.Exact
	ef := 0
	if st.Params != nil {
		ef = st.Params.HnswEf
	}
	var hits []hit
	var sel *selection
	if candidates == nil {
		sel = c.selectFilter(filter)
	}
	if d := c.dense[using]; annQuery != nil && candidates == nil && !exact && d != nil && d.ready() {
		hits = c.annSearch(d, annQuery, sc, filter, sel, exclude, limit, ef, st.Params)
	}
	if d := c.dense[using]; hits == nil && annQuery != nil && candidates == nil && d != nil {
		hits = c.denseExact(ctx, d, annQuery, filter, sel, exclude, limit)
	}
	handled := hits != nil
	if !handled && q.Nearest != nil && candidates == nil {
		hits, handled = c.sparsePostingSearch(ctx, q.Nearest, using, sc, filter, sel, exclude, limit)
	}
	if !handled {
		hits = c.exactSearch(ctx, sc, filter, candidates, sel, exclude, limit)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return applyThreshold(hits, st.ScoreThreshold, higher), nil
}

// maxMMRCandidates bounds the candidates an MMR query re-ranks (the
// re-ranking is quadratic in them).
const maxMMRCandidates = 4096

// mmrSearch answers a nearest query with MMR: it fetches the
// candidates_limit nearest points, then picks greedily the one with the
// best (1-λ)·relevance - λ·(similarity to the closest already picked),
// λ the diversity. Scores stay the similarity to the query.
//
// Preconditions: c.mu is held.
func (c *collection) mmrSearch(ctx context.Context, st *queryStage, filter *Filter, candidates map[PointID]struct{}, limit int) ([]hit, error) {
	m := st.Query.MMR
	n := m.CandidatesLimit
	if n <= 0 {
		n = limit
	}
	n = min(max(n, limit), maxMMRCandidates)
	inner := *st
	q := *st.Query
	q.MMR = nil
	inner.Query = &q
	inner.ScoreThreshold = nil
	cands, err := c.vectorSearch(ctx, &inner, filter, candidates, n)
	if err != nil || len(cands) == 0 {
		return cands, err
	}
	dist := Cosine
	if dp, ok := c.cfg.Vectors[st.Using]; ok {
		dist = dp.Distance
	}
	// sim is a similarity between two stored vectors, higher is closer.
	sim := func(a, b Vector) float32 {
		switch {
		case a.Sparse != nil && b.Sparse != nil:
			s, _ := sparseDot(a.Sparse, b.Sparse)
			return s
		case a.Multi != nil && b.Multi != nil:
			s := maxSim(dist, a.Multi, b.Multi)
			if !higherIsBetter(dist) {
				return -s
			}
			return s
		case a.Dense != nil && b.Dense != nil:
			s := score(dist, a.Dense, b.Dense)
			if !higherIsBetter(dist) {
				return -s
			}
			return s
		}
		return 0
	}
	lambda := m.Diversity
	vecs := make([]Vector, len(cands))
	for i, h := range cands {
		vecs[i] = c.points[h.id].vectors[st.Using]
	}
	picked := make([]bool, len(cands))
	maxSimTo := make([]float32, len(cands)) // max similarity to the picked ones
	var out []hit
	for len(out) < limit && len(out) < len(cands) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		best, bestV := -1, float32(0)
		for i, h := range cands {
			if picked[i] {
				continue
			}
			if len(out) == 0 {
				best = i // the most relevant candidate comes first
				break
			}
			v := (1 - lambda) * h.key
			if len(out) > 0 {
				v -= lambda * maxSimTo[i]
			}
			if best < 0 || v > bestV {
				best, bestV = i, v
			}
		}
		picked[best] = true
		out = append(out, cands[best])
		for i := range cands {
			if !picked[i] {
				s := sim(vecs[i], vecs[best])
				if len(out) == 1 || s > maxSimTo[i] {
					maxSimTo[i] = s
				}
			}
		}
	}
	higher := true
	if dp, ok := c.cfg.Vectors[st.Using]; ok && st.Query.Nearest.Sparse == nil {
		higher = higherIsBetter(dp.Distance)
	}
	return applyThreshold(out, st.ScoreThreshold, higher), nil
}

// denseExact scores exactly the vectors of d whose points match filter:
// those of sel (when not nil) or every vector. A large scan is split by
// internal id range over up to GOMAXPROCS goroutines (the top k of the
// parts merge into the same answer).
//
// Preconditions: c.mu is held.
func (c *collection) denseExact(ctx context.Context, d *denseIndex, q []float32, filter *Filter, sel *selection, exclude map[PointID]struct{}, limit int) []hit {
	if sel.small(len(d.ids)) {
		t := c.denseScan(ctx, d, q, filter, sel, exclude, limit, 0, 0)
		if ctx.Err() != nil {
			return nil
		}
		return t.sorted()
	}
	n := len(d.alive)
	parts := scanParts(n)
	tops := make([]topK, parts)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tops[i] = c.denseScan(ctx, d, q, filter, sel, exclude, limit, n*i/parts, n*(i+1)/parts)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	t := tops[0]
	for _, o := range tops[1:] {
		for _, h := range o.h {
			t.push(h)
		}
	}
	return t.sorted()
}

// Exact scans of more than minScanPart vectors are split into up to
// maxScanParts parts.
const (
	minScanPart  = 1 << 16
	maxScanParts = 4
)

// scanParts is the number of parts denseExact splits a scan of n internal
// ids into.
func scanParts(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), maxScanParts, n/minScanPart))
}

// small reports whether a selection holds fewer than 1/32 of n vectors:
// an exact scan then walks its slots instead of every internal id.
func (sel *selection) small(n int) bool { return sel != nil && sel.n < n/32 }

// denseScan is one part of denseExact: the internal ids lo..hi, or with a
// small selection its slots, whose
// vectors it reads in internal id order too while points are upserted
// once. It reads a point only to test it against the filter (when sel is
// not exact) or keep it.
//
// Preconditions: c.mu is held.
func (c *collection) denseScan(ctx context.Context, d *denseIndex, q []float32, filter *Filter, sel *selection, exclude map[PointID]struct{}, limit, lo, hi int) topK {
	t := topK{k: limit}
	m := matcher{c}
	dist := d.params.Distance
	higher := higherIsBetter(dist)
	checked := filter == nil || sel != nil && sel.exact // filter needs no evaluation
	if checked && len(exclude) == 0 {
		return c.denseScanBatch(ctx, d, q, sel, limit, lo, hi)
	}
	visit := func(n, slot uint32) {
		p := c.slots[slot]
		if len(exclude) > 0 {
			if _, skip := exclude[p.id]; skip {
				return
			}
		}
		if !checked && !m.match(filter, p) {
			return
		}
		s := score(dist, q, d.flat.At(n))
		k := s
		if !higher {
			k = -s
		}
		if len(t.h) < t.k || k >= t.h[0].key {
			t.push(hit{id: p.id, score: s, key: k})
		}
	}
	// The vectors to score are scattered: queue them, loading the next
	// prefetchAhead while one is scored.
	var queue [256]scanItem
	queued := 0
	add := func(n, slot uint32) {
		queue[queued] = scanItem{n, slot}
		if queued++; queued == len(queue) {
			scoreQueued(queue[:], d.flat, visit)
			queued = 0
		}
	}
	if !d.eachCandidate(ctx, sel, lo, hi, add) {
		return t
	}
	scoreQueued(queue[:queued], d.flat, visit)
	return t
}

// eachCandidate calls fn with the internal id and slot of every live
// vector an exact scan scores: the ids lo..hi that sel allows, or with a
// small selection its slots. It reports false when ctx ended the walk.
func (d *denseIndex) eachCandidate(ctx context.Context, sel *selection, lo, hi int, fn func(n, slot uint32)) bool {
	if sel.small(len(d.ids)) {
		i, done := 0, true
		sel.bits.each(func(s uint32) bool {
			if i++; i%cancelCheckEvery == 0 && ctx.Err() != nil {
				done = false
				return false
			}
			if int(s) < len(d.bySlot) && d.bySlot[s] > 0 {
				fn(d.bySlot[s]-1, s)
			}
			return true
		})
		return done
	}
	for n := lo; n < hi; n++ {
		if n%cancelCheckEvery == 0 && ctx.Err() != nil {
			return false
		}
		if d.alive[n] && (sel == nil || sel.bits.has(d.slots[n])) {
			fn(uint32(n), d.slots[n])
		}
	}
	return true
}

// scanBatch is how many vectors denseScanBatch scores in one call of a
// batch kernel.
const scanBatch = 64

// denseScanBatch is denseScan when no point needs to be read (no filter
// to evaluate, nothing excluded): it collects the internal ids to score
// (of sel's slots, or lo..hi) and scores them scanBatch at a time with
// the batch distance kernels, which load the scattered vectors ahead of
// use; a point's id is read only for the few hits that enter the top k.
//
// Preconditions: c.mu is held.
func (c *collection) denseScanBatch(ctx context.Context, d *denseIndex, q []float32, sel *selection, limit, lo, hi int) topK {
	t := topK{k: limit}
	dist := d.params.Distance
	higher := higherIsBetter(dist)
	var ids [scanBatch]uint32
	var vs [scanBatch][]float32
	var out [scanBatch]float32
	queued := 0
	flush := func() {
		for i, n := range ids[:queued] {
			vs[i] = d.flat.At(n)
		}
		scoreBatch(dist, q, vs[:queued], out[:queued])
		for i, s := range out[:queued] {
			k := s
			if !higher {
				k = -s
			}
			if len(t.h) < t.k || k >= t.h[0].key {
				t.push(hit{id: d.ids[ids[i]], score: s, key: k})
			}
		}
		queued = 0
	}
	add := func(n, _ uint32) {
		ids[queued] = n
		if queued++; queued == scanBatch {
			flush()
		}
	}
	if !d.eachCandidate(ctx, sel, lo, hi, add) {
		return t
	}
	flush()
	return t
}

// prefetchAhead is how many queued vectors an exact scan loads ahead of
// the one it scores.
const prefetchAhead = 8

// scanItem is a vector an exact scan scores: internal id and slot.
type scanItem struct{ n, slot uint32 }

// scoreQueued calls visit on each queued vector, having started to load
// the one prefetchAhead places ahead.
func scoreQueued(queue []scanItem, flat *hnsw.Flat, visit func(n, slot uint32)) {
	for i := range min(prefetchAhead, len(queue)) {
		flat.Prefetch(queue[i].n)
	}
	for i, it := range queue {
		if j := i + prefetchAhead; j < len(queue) {
			flat.Prefetch(queue[j].n)
		}
		visit(it.n, it.slot)
	}
}

// sparsePostingSearch answers a sparse nearest query from the posting
// lists of the query's dimensions: only points sharing a dimension can
// score, so the rest of the collection is never visited. It returns ok
// false (use exactSearch) when the query is not sparse or the filter's
// payload-index selection is smaller than the postings.
//
// Preconditions: c.mu is held.
func (c *collection) sparsePostingSearch(ctx context.Context, in *VectorInput, using string, sc scorer, filter *Filter, sel *selection, exclude map[PointID]struct{}, limit int) (hits []hit, ok bool) {
	st := c.sparse[using]
	if in.Sparse == nil || st == nil {
		return nil, false
	}
	total := 0
	for _, d := range in.Sparse.Indices {
		total += st.df(d)
	}
	if sel != nil && sel.n < total {
		return nil, false
	}
	t := topK{k: limit}
	m := matcher{c}
	seen := make(map[*point]struct{}, min(total, 1<<16))
	visited := 0
	for _, d := range in.Sparse.Indices {
		for p := range st.post[d] {
			if _, dup := seen[p]; dup {
				continue
			}
			seen[p] = struct{}{}
			if visited++; visited%cancelCheckEvery == 0 && ctx.Err() != nil {
				return t.sorted(), true
			}
			if _, skip := exclude[p.id]; skip || (filter != nil && !m.match(filter, p)) {
				continue
			}
			if s, k, ok := sc(p); ok {
				t.push(hit{id: p.id, score: s, key: k})
			}
		}
	}
	return t.sorted(), true
}

// exactSearch scores every candidate (or every point matching filter).
//
// Preconditions: c.mu is held.
func (c *collection) exactSearch(ctx context.Context, sc scorer, filter *Filter, candidates map[PointID]struct{}, sel *selection, exclude map[PointID]struct{}, limit int) []hit {
	t := topK{k: limit}
	m := matcher{c}
	visited := 0
	visit := func(p *point) bool {
		visited++
		if visited%cancelCheckEvery == 0 && ctx.Err() != nil {
			return false
		}
		if _, skip := exclude[p.id]; skip {
			return true
		}
		if s, k, ok := sc(p); ok {
			t.push(hit{id: p.id, score: s, key: k})
		}
		return true
	}
	if candidates != nil {
		for id := range candidates {
			if p := c.points[id]; p != nil && m.match(filter, p) {
				visit(p)
			}
		}
	} else {
		c.scanSelected(filter, sel, visit)
	}
	return t.sorted()
}

// recommendScorer builds the scorer of a recommend query. For
// average_vector it also returns the dense target, so the HNSW index can
// serve it.
//
// Preconditions: c.mu is held.
func (c *collection) recommendScorer(r *RecommendInput, using string, exclude map[PointID]struct{}) (scorer, []float32, bool, error) {
	if len(r.Positive) == 0 && (r.Strategy == "" || r.Strategy == RecommendAverageVector) {
		return nil, nil, false, BadInput("At least one positive example is required for the average_vector strategy")
	}
	if len(r.Positive)+len(r.Negative) == 0 {
		return nil, nil, false, BadInput("At least one example is required")
	}
	resolve := func(in []VectorInput) ([]queryVec, error) {
		out := make([]queryVec, len(in))
		for i, v := range in {
			qv, err := c.resolveInput(v, using, exclude)
			if err != nil {
				return nil, err
			}
			out[i] = qv
		}
		return out, nil
	}
	pos, err := resolve(r.Positive)
	if err != nil {
		return nil, nil, false, err
	}
	neg, err := resolve(r.Negative)
	if err != nil {
		return nil, nil, false, err
	}
	dp, isDense := c.cfg.Vectors[using]
	switch r.Strategy {
	case "", RecommendAverageVector:
		if isDense && dp.Multivector != nil {
			target := averageMulti(pos, neg)
			if dp.Distance == Cosine {
				for _, sub := range target.multi {
					normalize(sub)
				}
			}
			return c.vectorScorer(target, using), nil, higherIsBetter(dp.Distance), nil
		}
		target := averageTarget(pos, neg, isDense)
		if isDense {
			if c.cfg.Vectors[using].Distance == Cosine {
				normalize(target.dense)
			}
			return c.vectorScorer(target, using), target.dense, higherIsBetter(c.cfg.Vectors[using].Distance), nil
		}
		return c.vectorScorer(target, using), nil, true, nil
	case RecommendBestScore, RecommendSumScores:
		posSc := make([]scorer, len(pos))
		for i, p := range pos {
			posSc[i] = c.vectorScorer(p, using)
		}
		negSc := make([]scorer, len(neg))
		for i, n := range neg {
			negSc[i] = c.vectorScorer(n, using)
		}
		sum := r.Strategy == RecommendSumScores
		return func(p *point) (float32, float32, bool) {
			var bestPos, bestNeg, sumPos, sumNeg float32
			bestPos, bestNeg = float32(math.Inf(-1)), float32(math.Inf(-1))
			any := false
			for _, s := range posSc {
				if _, k, ok := s(p); ok {
					any = true
					sumPos += k
					bestPos = max(bestPos, k)
				}
			}
			for _, s := range negSc {
				if _, k, ok := s(p); ok {
					any = true
					sumNeg += k
					bestNeg = max(bestNeg, k)
				}
			}
			if !any {
				return 0, 0, false
			}
			var s float32
			switch {
			case sum:
				s = sumPos - sumNeg
			case len(negSc) == 0:
				s = bestPos
			case len(posSc) == 0:
				s = -(bestNeg * bestNeg)
			case bestPos > bestNeg:
				s = bestPos
			default:
				s = -(bestNeg * bestNeg)
			}
			return s, s, true
		}, nil, true, nil
	}
	return nil, nil, false, BadInput("unknown recommend strategy %q", r.Strategy)
}

// maxFeedback bounds the examples of a relevance feedback query.
const maxFeedback = 4096

// feedbackScorer builds the scorer of a relevance feedback query. With no
// pairs and A = 1 it ranks and scores as nearest to the target.
//
// Preconditions: c.mu is held.
func (c *collection) feedbackScorer(f *FeedbackInput, using string, exclude map[PointID]struct{}) (scorer, bool, error) {
	if len(f.Feedback) == 0 {
		return nil, false, BadInput("feedback elements must be non-empty")
	}
	if len(f.Feedback) > maxFeedback {
		return nil, false, BadInput("at most %d feedback elements are allowed", maxFeedback)
	}
	tv, err := c.resolveInput(f.Target, using, exclude)
	if err != nil {
		return nil, false, err
	}
	target := c.vectorScorer(tv, using)
	type ex struct {
		sc    scorer
		score float32
	}
	exs := make([]ex, len(f.Feedback))
	for i, it := range f.Feedback {
		v, err := c.resolveInput(it.Example, using, exclude)
		if err != nil {
			return nil, false, err
		}
		exs[i] = ex{c.vectorScorer(v, using), it.Score}
	}
	sort.SliceStable(exs, func(i, j int) bool { return exs[i].score > exs[j].score })
	type pair struct {
		better, worse scorer
		weight        float32
	}
	var pairs []pair
	for i, j := 0, len(exs)-1; i < j; i, j = i+1, j-1 {
		conf := exs[i].score - exs[j].score
		if conf <= 0 {
			continue
		}
		pairs = append(pairs, pair{exs[i].sc, exs[j].sc, float32(math.Pow(float64(conf), float64(f.B))) * f.C})
	}
	higher := true
	if dp, ok := c.cfg.Vectors[using]; ok && len(pairs) == 0 && f.A == 1 {
		higher = higherIsBetter(dp.Distance)
	}
	return func(p *point) (float32, float32, bool) {
		s, k, ok := target(p)
		if !ok {
			return 0, 0, false
		}
		if len(pairs) == 0 && f.A == 1 {
			return s, k, true // plain nearest: the score as Qdrant reports it
		}
		total := f.A * k
		for _, pr := range pairs {
			_, a, ok1 := pr.better(p)
			_, b, ok2 := pr.worse(p)
			if ok1 && ok2 {
				total += pr.weight * (a - b)
			}
		}
		return total, total, true
	}, higher, nil
}

// maxContextPairs bounds the context pairs of one discover or context
// query.
const maxContextPairs = 4096

// discoverScorer builds the scorer of a discover or context query.
// Similarities are the order keys of the nearest scorers (higher is
// better, so distances count negated).
//
// Preconditions: c.mu is held.
func (c *collection) discoverScorer(q *Query, using string, exclude map[PointID]struct{}) (scorer, error) {
	ctxPairs := q.Context
	if q.Discover != nil {
		ctxPairs = q.Discover.Context
	}
	if len(ctxPairs) > maxContextPairs {
		return nil, BadInput("at most %d context pairs are allowed, got %d", maxContextPairs, len(ctxPairs))
	}
	if q.Discover == nil && len(ctxPairs) == 0 {
		return nil, BadInput("context query needs at least one pair")
	}
	type pairSc struct{ pos, neg scorer }
	ps := make([]pairSc, len(ctxPairs))
	for i, p := range ctxPairs {
		pv, err := c.resolveInput(p.Positive, using, exclude)
		if err != nil {
			return nil, err
		}
		nv, err := c.resolveInput(p.Negative, using, exclude)
		if err != nil {
			return nil, err
		}
		ps[i] = pairSc{c.vectorScorer(pv, using), c.vectorScorer(nv, using)}
	}
	if q.Discover == nil {
		const margin = 1.1920929e-07 // f32::EPSILON
		return func(p *point) (float32, float32, bool) {
			var s float32
			for _, pr := range ps {
				_, a, ok1 := pr.pos(p)
				_, b, ok2 := pr.neg(p)
				if !ok1 || !ok2 {
					return 0, 0, false
				}
				s += min(a-b-margin, 0)
			}
			return s, s, true
		}, nil
	}
	tv, err := c.resolveInput(q.Discover.Target, using, exclude)
	if err != nil {
		return nil, err
	}
	target := c.vectorScorer(tv, using)
	return func(p *point) (float32, float32, bool) {
		_, t, ok := target(p)
		if !ok {
			return 0, 0, false
		}
		rank := 0
		for _, pr := range ps {
			_, a, _ := pr.pos(p)
			_, b, _ := pr.neg(p)
			if a > b {
				rank++
			} else {
				rank--
			}
		}
		// Qdrant's scaled fast sigmoid: 0.5 * (x / (1 + |x|) + 1).
		s := float32(rank) + 0.5*(t/(1+float32(math.Abs(float64(t))))+1)
		return s, s, true
	}, nil
}

// averageMulti is average_vector for multi-vectors: each example's
// vectors are averaged into one, and the positive and negative averages
// combine as in averageTarget into a multi-vector of one.
func averageMulti(pos, neg []queryVec) queryVec {
	flatten := func(vs []queryVec) []queryVec {
		out := make([]queryVec, len(vs))
		for i, v := range vs {
			dim := len(v.multi[0])
			avg := make([]float32, dim)
			for _, sub := range v.multi {
				for j, x := range sub {
					avg[j] += x
				}
			}
			for j := range avg {
				avg[j] /= float32(len(v.multi))
			}
			out[i] = queryVec{dense: avg}
		}
		return out
	}
	t := averageTarget(flatten(pos), flatten(neg), true)
	return queryVec{multi: [][]float32{t.dense}}
}

// averageTarget is Qdrant's average_vector target:
// avg(positive) + (avg(positive) - avg(negative)), or avg(positive)
// without negatives.
func averageTarget(pos, neg []queryVec, dense bool) queryVec {
	if dense {
		dim := len(pos[0].dense)
		avg := func(vs []queryVec) []float32 {
			out := make([]float32, dim)
			for _, v := range vs {
				for i, x := range v.dense {
					out[i] += x
				}
			}
			for i := range out {
				out[i] /= float32(len(vs))
			}
			return out
		}
		ap := avg(pos)
		if len(neg) == 0 {
			return queryVec{dense: ap}
		}
		an := avg(neg)
		for i := range ap {
			ap[i] = 2*ap[i] - an[i]
		}
		return queryVec{dense: ap}
	}
	acc := map[uint32]float32{}
	for _, v := range pos {
		for i, d := range v.sparse.Indices {
			acc[d] += 2 * v.sparse.Values[i] / float32(len(pos))
		}
	}
	if len(neg) == 0 {
		for d := range acc {
			acc[d] /= 2
		}
	}
	for _, v := range neg {
		for i, d := range v.sparse.Indices {
			acc[d] -= v.sparse.Values[i] / float32(len(neg))
		}
	}
	s := &SparseVector{}
	for d, x := range acc {
		s.Indices = append(s.Indices, d)
		s.Values = append(s.Values, x)
	}
	sort.Sort(sparseByIndex{s})
	return queryVec{sparse: s}
}
