package vectordb

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
)

// hit is one scored candidate. key orders hits (higher is better); score
// is what Qdrant reports (for Euclid and Manhattan, the distance).
type hit struct {
	id         PointID
	score      float32
	key        float32
	orderValue any
}

// sortHits orders hits best first, ties by id.
func sortHits(h []hit) {
	sort.Slice(h, func(i, j int) bool {
		if h[i].key != h[j].key {
			return h[i].key > h[j].key
		}
		return ComparePointIDs(h[i].id, h[j].id) < 0
	})
}

// topK keeps the k best hits seen.
type topK struct {
	k int
	h []hit // min-heap on (key, then reverse id)
}

func worse(a, b hit) bool { // a ranks below b
	if a.key != b.key {
		return a.key < b.key
	}
	return ComparePointIDs(a.id, b.id) > 0
}

func (t *topK) push(x hit) {
	if t.k <= 0 {
		return
	}
	if len(t.h) < t.k {
		t.h = append(t.h, x)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(t.h[i], t.h[p]) {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	if !worse(t.h[0], x) {
		return
	}
	t.h[0] = x
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.h) && worse(t.h[l], t.h[m]) {
			m = l
		}
		if r < len(t.h) && worse(t.h[r], t.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

func (t *topK) sorted() []hit {
	sortHits(t.h)
	return t.h
}

// maxQueryLimit bounds limit+offset of one query.
const maxQueryLimit = 1 << 20

// maxPrefetchDepth bounds prefetch recursion.
const maxPrefetchDepth = 8

// Query runs a universal query: prefetches (recursively) feed the
// top-level query, which scores their union (or, without prefetches, all
// points matching Filter); Fusion combines the prefetch lists by rank
// (RRF: sum of 1/(k + rank), k = 2, rank from 0) or by distribution (DBSF:
// each list normalised by mean ± 3 sample standard deviations, then
// summed); OrderBy orders by a payload key. Scores follow Qdrant: Cosine
// and Dot higher is better; Euclid (the L2 distance) and Manhattan (L1)
// lower is better, and ScoreThreshold is then an upper bound.
func (db *DB) Query(ctx context.Context, coll string, req QueryRequest) ([]ScoredPoint, error) {
	limit := req.Limit
	if limit <= 0 {
		limit = 10
	}
	if req.Offset < 0 || limit+req.Offset > maxQueryLimit {
		return nil, BadInput("limit + offset must be at most %d", maxQueryLimit)
	}
	if err := db.resolveLookups(ctx, &req); err != nil {
		return nil, err
	}
	c, unlock, err := db.readCollection(ctx, coll)
	if err != nil {
		return nil, err
	}
	defer unlock()
	st := &queryStage{
		Prefetch: req.Prefetch, Query: req.Query, Using: req.Using, Filter: req.Filter,
		Params: req.Params, ScoreThreshold: req.ScoreThreshold, Limit: limit + req.Offset,
	}
	hits, err := c.runStage(ctx, st, nil, 0)
	if err != nil {
		return nil, err
	}
	if req.Offset >= len(hits) {
		return []ScoredPoint{}, nil
	}
	hits = hits[req.Offset:]
	out := make([]ScoredPoint, len(hits))
	for i, h := range hits {
		p := c.points[h.id]
		out[i] = ScoredPoint{ID: h.id, Version: p.version, Score: h.score,
			Payload: selectPayload(p.payload, req.WithPayload), Vectors: selectVectors(p.vectors, req.WithVector),
			OrderValue: h.orderValue}
	}
	return out, nil
}

// queryStage is a Prefetch or the top level of a QueryRequest.
type queryStage struct {
	Prefetch       []Prefetch
	Query          *Query
	Using          string
	Filter         *Filter
	Params         *SearchParams
	ScoreThreshold *float32
	Limit          int
}

// andFilters returns a filter matching both a and b.
func andFilters(a, b *Filter) *Filter {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return &Filter{Must: []Condition{{Filter: a}, {Filter: b}}}
}

// runStage evaluates one stage. parent is the filter inherited from the
// enclosing stages.
//
// Preconditions: c.mu is held.
func (c *collection) runStage(ctx context.Context, st *queryStage, parent *Filter, depth int) ([]hit, error) {
	if depth > maxPrefetchDepth {
		return nil, BadInput("prefetch nested deeper than %d levels", maxPrefetchDepth)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateFilter(st.Filter, 0); err != nil {
		return nil, err
	}
	filter := andFilters(parent, st.Filter)
	limit := st.Limit
	if limit <= 0 {
		limit = 10
	}
	if limit > maxQueryLimit {
		return nil, BadInput("limit must be at most %d", maxQueryLimit)
	}
	limit = min(limit, max(len(c.points), 1)) // no more results than points
	var lists [][]hit
	for i := range st.Prefetch {
		pf := &st.Prefetch[i]
		sub := &queryStage{Prefetch: pf.Prefetch, Query: pf.Query, Using: pf.Using, Filter: pf.Filter,
			Params: pf.Params, ScoreThreshold: pf.ScoreThreshold, Limit: pf.Limit}
		h, err := c.runStage(ctx, sub, filter, depth+1)
		if err != nil {
			return nil, err
		}
		lists = append(lists, h)
	}
	var candidates map[PointID]struct{}
	if len(st.Prefetch) > 0 {
		candidates = map[PointID]struct{}{}
		for _, l := range lists {
			for _, h := range l {
				candidates[h.id] = struct{}{}
			}
		}
	}
	q := st.Query
	var hits []hit
	var err error
	switch {
	case q == nil:
		hits = c.noQuery(lists, filter, limit)
	case q.Fusion != "":
		if len(st.Prefetch) == 0 {
			return nil, BadInput("Fusion query requires at least one prefetch")
		}
		switch q.Fusion {
		case FusionRRF:
			k := q.RRFK
			if k <= 0 {
				k = rrfK
			}
			if q.RRFWeight != nil && len(q.RRFWeight) != len(lists) {
				return nil, BadInput("RRF weights must have the same length as prefetches: %d weights, %d prefetches", len(q.RRFWeight), len(lists))
			}
			hits = fuseRRF(lists, k, q.RRFWeight)
		case FusionDBSF:
			hits = fuseDBSF(lists)
		default:
			return nil, BadInput("unknown fusion %q", q.Fusion)
		}
		hits = applyThreshold(hits, st.ScoreThreshold, true)
		if len(hits) > limit {
			hits = hits[:limit]
		}
		return hits, nil
	case q.Formula != nil:
		hits, err = c.formulaHits(q.Formula, lists, st.ScoreThreshold, limit)
		if err != nil {
			return nil, err
		}
		return hits, nil
	case q.Sample != "":
		if q.Sample != "random" {
			return nil, BadInput("unknown sample %q, expected random", q.Sample)
		}
		hits = c.sampleRandom(ctx, filter, candidates, limit)
	case q.OrderBy != nil:
		oh, err := c.orderBy(q.OrderBy, filter, candidates, limit, false)
		if err != nil {
			return nil, err
		}
		for _, o := range oh {
			hits = append(hits, hit{id: o.id, score: float32(o.value), key: float32(o.value), orderValue: o.orderValue})
		}
	case q.Nearest != nil && q.MMR != nil:
		hits, err = c.mmrSearch(ctx, st, filter, candidates, limit)
		if err != nil {
			return nil, err
		}
	case q.Nearest != nil || q.Recommend != nil || q.Discover != nil || q.Context != nil || q.Feedback != nil:
		hits, err = c.vectorSearch(ctx, st, filter, candidates, limit)
		if err != nil {
			return nil, err
		}
	default:
		return nil, BadInput("empty query")
	}
	return hits, nil
}

// sampleRandom returns up to limit points drawn uniformly (reservoir
// sampling) from candidates, or from the points matching filter; their
// score is 0.
//
// Preconditions: c.mu is held.
func (c *collection) sampleRandom(ctx context.Context, filter *Filter, candidates map[PointID]struct{}, limit int) []hit {
	var res []hit
	seen := 0
	add := func(id PointID) bool {
		seen++
		if seen%cancelCheckEvery == 0 && ctx.Err() != nil {
			return false
		}
		if len(res) < limit {
			res = append(res, hit{id: id})
		} else if j := rand.IntN(seen); j < limit {
			res[j] = hit{id: id}
		}
		return true
	}
	if candidates != nil {
		m := matcher{c}
		for id := range candidates {
			if p := c.points[id]; p != nil && m.match(filter, p) && !add(id) {
				break
			}
		}
	} else {
		c.scanFiltered(filter, func(p *point) bool { return add(p.id) })
	}
	rand.Shuffle(len(res), func(i, j int) { res[i], res[j] = res[j], res[i] })
	return res
}

// noQuery answers a stage without a query: the first prefetch's results,
// or points in id order.
func (c *collection) noQuery(lists [][]hit, filter *Filter, limit int) []hit {
	if len(lists) > 0 {
		h := lists[0]
		if len(h) > limit {
			h = h[:limit]
		}
		return h
	}
	ids := c.matchingSorted(filter, nil, limit)
	out := make([]hit, len(ids))
	for i, id := range ids {
		out[i] = hit{id: id}
	}
	return out
}

func applyThreshold(h []hit, th *float32, higherBetter bool) []hit {
	if th == nil {
		return h
	}
	out := h[:0]
	for _, x := range h {
		if (higherBetter && x.score >= *th) || (!higherBetter && x.score <= *th) {
			out = append(out, x)
		}
	}
	return out
}

// rrfK is Qdrant's default reciprocal rank fusion constant.
const rrfK = 2

// fuseRRF sums, for each point, weight / (rank + k) over the lists
// (Qdrant's 1 / ((rank+1)/weight + k - 1) with ranks from 0 and weight 1
// by default; a weight ≤ 0 contributes nothing).
func fuseRRF(lists [][]hit, k int, weights []float32) []hit {
	acc := map[PointID]float32{}
	for i, l := range lists {
		w := float32(1)
		if weights != nil {
			w = weights[i]
		}
		for rank, h := range l {
			if w <= 0 {
				acc[h.id] += 0
				continue
			}
			acc[h.id] += 1 / (float32(rank+1)/w + float32(k) - 1)
		}
	}
	return fromScores(acc)
}

func fuseDBSF(lists [][]hit) []hit {
	acc := map[PointID]float32{}
	for _, l := range lists {
		if len(l) == 0 {
			continue
		}
		if len(l) == 1 {
			acc[l[0].id] += 0.5
			continue
		}
		// Normalise the order key (higher is better) so distance lists fuse
		// in the right direction.
		var mean, agg float64
		for i, h := range l {
			d := float64(h.key) - mean
			mean += d / float64(i+1)
			agg += d * (float64(h.key) - mean)
		}
		std := math.Sqrt(agg / float64(len(l)-1))
		lo, hi := mean-3*std, mean+3*std
		for _, h := range l {
			v := 0.5
			if hi != lo {
				v = (float64(h.key) - lo) / (hi - lo)
			}
			acc[h.id] += float32(v)
		}
	}
	return fromScores(acc)
}

func fromScores(acc map[PointID]float32) []hit {
	out := make([]hit, 0, len(acc))
	for id, s := range acc {
		out = append(out, hit{id: id, score: s, key: s})
	}
	sortHits(out)
	return out
}

// resolveLookups replaces the by-id inputs of the stages of req that have
// LookupFrom with the vectors of those points in the lookup collection.
// It runs before the queried collection is locked, and holds one lookup
// collection's read lock at a time.
func (db *DB) resolveLookups(ctx context.Context, req *QueryRequest) error {
	var walk func(pfs []Prefetch, depth int) error
	walk = func(pfs []Prefetch, depth int) error {
		if depth > maxPrefetchDepth {
			return BadInput("prefetch nested deeper than %d levels", maxPrefetchDepth)
		}
		for i := range pfs {
			pf := &pfs[i]
			if err := walk(pf.Prefetch, depth+1); err != nil {
				return err
			}
			if pf.LookupFrom != nil && pf.Query != nil {
				q, err := db.lookupQuery(ctx, pf.Query, pf.LookupFrom, pf.Using)
				if err != nil {
					return err
				}
				pf.Query = q
			}
		}
		return nil
	}
	if err := walk(req.Prefetch, 1); err != nil {
		return err
	}
	if req.LookupFrom != nil && req.Query != nil {
		q, err := db.lookupQuery(ctx, req.Query, req.LookupFrom, req.Using)
		if err != nil {
			return err
		}
		req.Query = q
	}
	return nil
}

// lookupQuery returns a copy of q whose by-id inputs hold the vectors of
// those points in lf's collection.
func (db *DB) lookupQuery(ctx context.Context, q *Query, lf *LookupFrom, using string) (*Query, error) {
	var ins []*VectorInput
	out := *q
	if q.Nearest != nil {
		n := *q.Nearest
		out.Nearest = &n
		ins = append(ins, out.Nearest)
	}
	if q.Recommend != nil {
		r := *q.Recommend
		r.Positive = append([]VectorInput(nil), r.Positive...)
		r.Negative = append([]VectorInput(nil), r.Negative...)
		out.Recommend = &r
		for i := range r.Positive {
			ins = append(ins, &r.Positive[i])
		}
		for i := range r.Negative {
			ins = append(ins, &r.Negative[i])
		}
	}
	pairs := func(ps []ContextPair) []ContextPair {
		ps = append([]ContextPair(nil), ps...)
		for i := range ps {
			ins = append(ins, &ps[i].Positive, &ps[i].Negative)
		}
		return ps
	}
	if q.Discover != nil {
		d := *q.Discover
		d.Context = pairs(d.Context)
		out.Discover = &d
		ins = append(ins, &d.Target)
	}
	if q.Context != nil {
		out.Context = pairs(q.Context)
	}
	name := lf.Vector
	if name == "" {
		name = using
	}
	c, err := db.collection(lf.Collection)
	if err != nil {
		return nil, NotFound("Collection %s not found", lf.Collection)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.dropped {
		return nil, NotFound("Collection %s not found", lf.Collection)
	}
	_, dense := c.cfg.Vectors[name]
	_, sparse := c.cfg.SparseVectors[name]
	for _, in := range ins {
		if in.ID == nil {
			continue
		}
		id, err := canonicalID(*in.ID)
		if err != nil {
			return nil, err
		}
		if c.points[id] == nil {
			return nil, errPointNotFound(id) // Qdrant looks the points up first
		}
	}
	if !dense && !sparse {
		return nil, BadInput("Not existing vector name error: %s", name)
	}
	for _, in := range ins {
		if in.ID == nil {
			continue
		}
		id, err := canonicalID(*in.ID)
		if err != nil {
			return nil, err
		}
		p := c.points[id]
		if p == nil {
			return nil, errPointNotFound(id)
		}
		v, ok := p.vectors[name]
		if !ok {
			return nil, BadInput("Vector %q of point %s is not found", name, id)
		}
		*in = VectorInput{Dense: v.Dense, Sparse: v.Sparse, Multi: v.Multi}
	}
	return &out, ctx.Err()
}
