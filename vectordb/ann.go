package vectordb

import "sync/atomic"

// graphAnswers counts searches answered from the graph, withinAnswers
// those that followed only allowed nodes (for tests).
var graphAnswers, withinAnswers atomic.Int64

// selectivitySample is how many points annSearch samples to estimate the
// fraction of points a filter without a usable payload index lets through.
const selectivitySample = 256

// exactWork is the number of vector elements (estimated matches ×
// dimension) up to which an exact scan of the filtered set is preferred to
// a filtered graph search: about 2 ms of dot products. It keeps very
// selective filters exact whatever full_scan_threshold says.
var exactWork = 2_000_000 // a variable so tests can force graph searches

// graphCost is the cost of one distance computation in a graph search
// in units of one vector of an exact scan (both are mostly memory reads:
// scattered in the graph, in order and prefetched in the scan), as
// annSearch weighs the two for a known selection (see exactBeatsGraph).
// A variable so tests can force graph searches (0).
var graphCost = 1.0

// exactBeatsGraph reports whether scoring a known selection of est of
// total points exactly, split into parts, costs less than a filtered
// graph search with candidate list ef over a graph of m links per node:
// to collect ef allowed nodes the search expands about ef × total/est
// nodes and scores up to m new neighbours of each (the layer-0 lists
// hold 2m links, about half of them unvisited), while the scan scores est
// vectors. Qdrant makes this choice from the filter's cardinality
// estimate too.
func exactBeatsGraph(est, total, ef, m, parts int) bool {
	return float64(est) <= graphCost*float64(parts)*float64(ef)*float64(total)/float64(max(est, 1))*float64(m)
}

// withinCost is the number of distance computations of a search that
// follows only allowed nodes (SearchWithin) with candidate list ef, est
// of total points allowed: each of the about ef expanded nodes has the
// allowed share of its 2m graph links and its 2 × payloadM payload links
// to score.
func withinCost(est, total, ef, m, payloadM int) float64 {
	return float64(ef) * (2*float64(m)*float64(est)/float64(max(total, 1)) + 2*float64(payloadM))
}

// graphWork is the number of distance computations of a filtered search
// that follows every node, its ef widened as annSearch widens it: about
// m new neighbours of each expanded node (see exactBeatsGraph).
func graphWork(est, total, ef, limit, m int) float64 {
	w := max(ef, limit)
	if est < total {
		w = min(w*total/max(est, 1), max(ef, maxFilteredEf))
	}
	return float64(w) * float64(m)
}

// noGraphSeeds is how many allowed nodes a search of an index without a
// global graph (m: 0) enters at.
const noGraphSeeds = 16

// seedsOf returns up to n internal ids of graph nodes from sel's slots,
// spread evenly over them.
//
// Preconditions: the collection's mu is held.
func (d *denseIndex) seedsOf(sel *selection, n int) []uint32 {
	step := max(1, sel.n/n)
	indexed := d.indexed.Load()
	seeds := make([]uint32, 0, n)
	i := 0
	sel.bits.each(func(s uint32) bool {
		if i%step == 0 && int(s) < len(d.bySlot) && d.bySlot[s] > 0 && d.bySlot[s]-1 < indexed {
			seeds = append(seeds, d.bySlot[s]-1)
		}
		i++
		return len(seeds) < n
	})
	return seeds
}

// maxEf caps a requested hnsw_ef (beyond limit).
const maxEf = 1 << 16

// maxFilteredEf caps the widened ef of a filtered graph search.
const maxFilteredEf = 4096

// annSearch answers a dense nearest query from the HNSW index, or returns
// nil so the caller scans exactly. It scans exactly when the filtered set
// is small (below the full-scan threshold or exactWork, or a selection
// cheaper to score than the widened graph search: a graph search would
// have to visit much of the graph to find enough allowed points) and when
// the graph search comes back short. Vectors not yet in the graph are
// scored exactly and merged. The graph search tests the selection's bit
// of each node's slot, and evaluates the filter only when the selection
// is not exact. With payload links for a must condition's field
// (payloadlinks.go) and an exact selection, it follows only the allowed
// nodes when that is cheaper than following every node.
//
// Preconditions: c.mu is held.
func (c *collection) annSearch(d *denseIndex, q []float32, sc scorer, filter *Filter, sel *selection, exclude map[PointID]struct{}, limit, ef int, params *SearchParams) []hit {
	efW := ef // the ef of a search within the allowed nodes
	if ef <= 0 {
		ef = max(d.cfg.EfConstruct, limit)
		// Unasked, a search within the allowed nodes takes twice the
		// default: their links (the allowed share of the global ones
		// and the payload links, long within a thin block) navigate
		// less well than the global graph (1M points, 10%: recall@10
		// 0.93 at ef 200, 0.975 at 400).
		efW = 2 * ef
	}
	ef = min(ef, max(limit, maxEf)) // bound the work one request can ask for
	efW = min(max(efW, limit), max(limit, maxEf))
	m := matcher{c}
	total := len(d.internal)
	// With payload links for the filter's field and an exact selection,
	// the graph search follows only the allowed nodes (payloadlinks.go).
	// It is taken when it costs less than the search that follows every
	// node (whose ef is widened by total/est to collect ef allowed
	// nodes): for broad filters the global links among allowed nodes
	// are plenty, and that search finds more of the exact answer.
	within := sel != nil && sel.exact && d.withinFilter(filter) &&
		(d.cfg.NoGraph || withinCost(sel.n, total, efW, d.cfg.M, d.payloadM()) < graphWork(sel.n, total, ef, limit, d.cfg.M))
	var seeds []uint32
	switch {
	case d.cfg.NoGraph && !within:
		return nil // m: 0: no global graph to search
	case d.cfg.NoGraph:
		// Only the payload links connect nodes: enter at allowed nodes
		// spread over the selection, so every block it spans is reached.
		if sel.n <= d.fullScanPoints() || sel.n < 4*limit {
			return nil
		}
		seeds = d.seedsOf(sel, noGraphSeeds)
		ef = efW
	case within:
		// Qdrant's plan: exact below full_scan_threshold (and while
		// scoring the selection is cheap, or cheaper than the within
		// search), the graph with ef as asked above it.
		est := sel.n
		ef = efW
		if est <= d.fullScanPoints() || est < 4*limit || est*d.params.Size <= exactWork ||
			float64(est) <= graphCost*float64(scanParts(len(d.alive)))*withinCost(est, total, ef, d.cfg.M, d.payloadM()) {
			return nil
		}
	case filter != nil:
		est := total
		if sel != nil {
			est = sel.n
			// Scoring a known candidate set exactly costs est distance
			// computations; take it while that is cheap.
			if est*d.params.Size <= exactWork {
				return nil
			}
		} else {
			n, matched := 0, 0
			for _, p := range c.points {
				if n == selectivitySample {
					break
				}
				n++
				if m.match(filter, p) {
					matched++
				}
			}
			if n > 0 {
				est = total * matched / n
			}
		}
		if est <= d.fullScanPoints() || est < 4*limit || est*d.params.Size <= exactWork {
			return nil
		}
		if est < total {
			ef = min(max(ef, limit)*total/max(est, 1), max(ef, maxFilteredEf))
		}
		if sel != nil && exactBeatsGraph(est, total, ef, d.cfg.M, scanParts(len(d.alive))) {
			return nil
		}
	}
	checked := sel != nil && sel.exact // filter needs no evaluation
	allow := func(n uint32) bool {
		if int(n) >= len(d.ids) || !d.alive[n] {
			return false
		}
		s := d.slots[n]
		if sel != nil && !sel.bits.has(s) {
			return false
		}
		if len(exclude) == 0 && (filter == nil || checked) {
			return true // the point itself need not be read
		}
		p := c.slots[s]
		if len(exclude) > 0 {
			if _, skip := exclude[p.id]; skip {
				return false
			}
		}
		return filter == nil || checked || m.match(filter, p)
	}
	t := topK{k: limit}
	indexed := d.indexed.Load()
	seen := map[uint32]struct{}{}
	// With int8 codes the graph returns limit × oversampling candidates,
	// which sc rescores with the original vectors: t keeps the best limit.
	res := d.graphSearchMode(q, limit, ef, allow, params, within, seeds)
	for _, r := range res {
		id, _ := d.live(r.ID)
		seen[r.ID] = struct{}{}
		if s, k, ok := sc(c.points[id]); ok {
			t.push(hit{id: id, score: s, key: k})
		}
	}
	// The tail the indexer had not finished when the search started.
	for n := indexed; int(n) < len(d.ids); n++ {
		if _, dup := seen[n]; !dup && allow(n) {
			id := d.ids[n]
			if s, k, ok := sc(c.points[id]); ok {
				t.push(hit{id: id, score: s, key: k})
			}
		}
	}
	if len(t.h) < limit && len(t.h) < total-len(exclude) {
		return nil // possibly short: let the exact scan decide
	}
	graphAnswers.Add(1)
	if within {
		withinAnswers.Add(1)
	}
	return t.sorted()
}
