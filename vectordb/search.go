package vectordb

import (
	"context"
	"math"
	"sort"
)

// cancelCheckEvery is how many points a scan visits between checks of its
// context.
const cancelCheckEvery = 4096

// queryVec is a resolved query vector: dense or sparse.
type queryVec struct {
	dense  []float32
	sparse *SparseVector
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
	if n != 1 {
		return queryVec{}, BadInput("query vector must be exactly one of dense, sparse or point id")
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
		return queryVec{dense: v.Dense, sparse: v.Sparse}, nil
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
	if q.sparse != nil {
		qs := q.sparse
		if sp, ok := c.cfg.SparseVectors[using]; ok && sp.Modifier == ModifierIDF {
			st := c.sparse[using]
			w := &SparseVector{Indices: qs.Indices, Values: make([]float32, len(qs.Values))}
			for i, d := range qs.Indices {
				w.Values[i] = qs.Values[i] * idf(st.n, st.df(d))
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
	if q.Nearest != nil {
		qv, err := c.resolveInput(*q.Nearest, using, exclude)
		if err != nil {
			return nil, err
		}
		sc = c.vectorScorer(qv, using)
		annQuery = qv.dense
		if qv.dense != nil {
			higher = higherIsBetter(c.cfg.Vectors[using].Distance)
		}
	} else {
		var err error
		sc, annQuery, higher, err = c.recommendScorer(q.Recommend, using, exclude)
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
	var pre []PointID
	preOK := false
	if candidates == nil {
		pre, preOK = c.preselect(filter)
	}
	if d := c.dense[using]; annQuery != nil && candidates == nil && !exact && d != nil && d.ready() {
		hits = c.annSearch(d, annQuery, sc, filter, pre, preOK, exclude, limit, ef)
	}
	if d := c.dense[using]; hits == nil && annQuery != nil && candidates == nil && d != nil {
		if !preOK {
			hits = c.denseExact(ctx, d, annQuery, filter, exclude, limit)
		} else {
			f := filter
			if c.preselectExact(filter) {
				f = nil
			}
			hits = c.denseExactIDs(ctx, d, annQuery, pre, f, exclude, limit)
		}
	}
	handled := hits != nil
	if !handled && q.Nearest != nil && candidates == nil {
		hits, handled = c.sparsePostingSearch(ctx, q.Nearest, using, sc, filter, pre, preOK, exclude, limit)
	}
	if !handled {
		hits = c.exactSearch(ctx, sc, filter, candidates, pre, preOK, exclude, limit)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return applyThreshold(hits, st.ScoreThreshold, higher), nil
}

// denseExact scans the dense vector storage of d in internal id order.
//
// Preconditions: c.mu is held.
func (c *collection) denseExact(ctx context.Context, d *denseIndex, q []float32, filter *Filter, exclude map[PointID]struct{}, limit int) []hit {
	t := topK{k: limit}
	m := matcher{c}
	dist := d.params.Distance
	higher := higherIsBetter(dist)
	for n, ok := range d.alive {
		if !ok {
			continue
		}
		if n%cancelCheckEvery == 0 && ctx.Err() != nil {
			return nil
		}
		id := d.ids[n]
		if len(exclude) > 0 {
			if _, skip := exclude[id]; skip {
				continue
			}
		}
		if filter != nil && !m.match(filter, c.points[id]) {
			continue
		}
		s := score(dist, q, d.flat.At(uint32(n)))
		k := s
		if !higher {
			k = -s
		}
		if len(t.h) < t.k || k >= t.h[0].key {
			t.push(hit{id: id, score: s, key: k})
		}
	}
	return t.sorted()
}

// denseExactIDs scores the points ids (those matching filter, when not
// nil) from the dense vector storage of d.
//
// Preconditions: c.mu is held.
func (c *collection) denseExactIDs(ctx context.Context, d *denseIndex, q []float32, ids []PointID, filter *Filter, exclude map[PointID]struct{}, limit int) []hit {
	t := topK{k: limit}
	m := matcher{c}
	dist := d.params.Distance
	higher := higherIsBetter(dist)
	for i, id := range ids {
		if i%cancelCheckEvery == 0 && ctx.Err() != nil {
			return nil
		}
		n, ok := d.internal[id]
		if !ok {
			continue
		}
		if len(exclude) > 0 {
			if _, skip := exclude[id]; skip {
				continue
			}
		}
		if filter != nil && !m.match(filter, c.points[id]) {
			continue
		}
		s := score(dist, q, d.flat.At(n))
		k := s
		if !higher {
			k = -s
		}
		if len(t.h) < t.k || k >= t.h[0].key {
			t.push(hit{id: id, score: s, key: k})
		}
	}
	return t.sorted()
}

// sparsePostingSearch answers a sparse nearest query from the posting
// lists of the query's dimensions: only points sharing a dimension can
// score, so the rest of the collection is never visited. It returns ok
// false (use exactSearch) when the query is not sparse or a payload-index
// preselection is smaller than the postings.
//
// Preconditions: c.mu is held.
func (c *collection) sparsePostingSearch(ctx context.Context, in *VectorInput, using string, sc scorer, filter *Filter, pre []PointID, preOK bool, exclude map[PointID]struct{}, limit int) (hits []hit, ok bool) {
	st := c.sparse[using]
	if in.Sparse == nil || st == nil {
		return nil, false
	}
	total := 0
	for _, d := range in.Sparse.Indices {
		total += st.df(d)
	}
	if preOK && len(pre) < total {
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
func (c *collection) exactSearch(ctx context.Context, sc scorer, filter *Filter, candidates map[PointID]struct{}, pre []PointID, preOK bool, exclude map[PointID]struct{}, limit int) []hit {
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
		c.scanPreselected(filter, pre, preOK, visit)
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
	_, isDense := c.cfg.Vectors[using]
	switch r.Strategy {
	case "", RecommendAverageVector:
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
