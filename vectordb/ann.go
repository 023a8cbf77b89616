package vectordb

import "sync/atomic"

// graphAnswers counts searches answered from the graph (for tests).
var graphAnswers atomic.Int64

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
// is not exact.
//
// Preconditions: c.mu is held.
func (c *collection) annSearch(d *denseIndex, q []float32, sc scorer, filter *Filter, sel *selection, exclude map[PointID]struct{}, limit, ef int, params *SearchParams) []hit {
	if ef <= 0 {
		ef = max(d.cfg.EfConstruct, limit)
	}
	ef = min(ef, max(limit, maxEf)) // bound the work one request can ask for
	m := matcher{c}
	total := len(d.internal)
	if filter != nil {
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
	res := d.graphSearch(q, limit, ef, allow, params)
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
	return t.sorted()
}
