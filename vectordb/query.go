package vectordb

import (
	"context"
	"math"
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
		return comparePointIDs(h[i].id, h[j].id) < 0
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
	return comparePointIDs(a.id, b.id) > 0
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
			hits = fuseRRF(lists)
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
	case q.OrderBy != nil:
		oh, err := c.orderBy(q.OrderBy, filter, candidates, limit)
		if err != nil {
			return nil, err
		}
		for _, o := range oh {
			hits = append(hits, hit{id: o.id, score: float32(o.value), key: float32(o.value), orderValue: o.orderValue})
		}
	case q.Nearest != nil || q.Recommend != nil:
		hits, err = c.vectorSearch(ctx, st, filter, candidates, limit)
		if err != nil {
			return nil, err
		}
	default:
		return nil, BadInput("empty query")
	}
	return hits, nil
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

func fuseRRF(lists [][]hit) []hit {
	acc := map[PointID]float32{}
	for _, l := range lists {
		for rank, h := range l {
			acc[h.id] += 1 / float32(rank+rrfK)
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
