package vectordb

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"time"
)

// Payload links (Qdrant's hnsw_config.payload_m; unset, it is m, as in
// Qdrant, so a collection with default settings gets them for its indexed
// fields; m: 0 without payload_m means none). With payload_m > 0 a dense
// index adds, for every payload block (payloadBlocks: a keyword or
// integer value that at least full_scan_threshold worth of points hold,
// and the overlapping value ranges of an integer index, as Qdrant's map
// and numeric indexes yield them), the layer-0 links of a small HNSW
// graph of M = payload_m built over that block's vectors alone
// (hnsw.PayloadBuilder). A filtered search whose must conditions match
// or range over such a field, answered exactly by the payload-index
// bitmap, then traverses only the allowed nodes (hnsw.SearchWithin, as
// Qdrant's filtered search does) with ef as asked (twice the default
// when none is asked), not widened by the filter's selectivity, whenever
// that costs less than the search through every node (annSearch): the
// payload links keep the allowed nodes connected however few of the
// global links lead to them.
//
// A background job builds the links once the indexer has caught up
// (after a bulk upsert, a new payload index or a payload_m change), and
// rebuilds them when the blocks have changed by a tenth since; searches
// meanwhile use the links installed before, or the ordinary filtered
// search. The links are saved beside the graph's index file, in a
// payload link file stamped like it (densefile.go), with the state they
// were built for, so a reopened collection has them at once and rebuilds
// them only if that changed.

// payloadLinkBuilds counts the payload links built (for tests).
var payloadLinkBuilds atomic.Int64

// payloadBlockSchema reports whether the values of an index of schema s
// form payload blocks.
func payloadBlockSchema(s PayloadSchemaType) bool {
	return s == SchemaKeyword || s == SchemaInteger
}

// plinkState describes the payload links installed in a dense index.
type plinkState struct {
	payloadM int
	fields   string // the linked fields, sorted, comma-separated
	blocks   int
	points   int // block members linked, counted once per block
}

// stale reports whether links built as s should be replaced by links
// built as now.
func (s plinkState) stale(now plinkState) bool {
	if s.payloadM != now.payloadM || s.fields != now.fields || s.blocks != now.blocks {
		return true
	}
	return abs(now.points-s.points)*10 >= max(s.points, 1)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// payloadLinksLater starts, unless one runs, a background job that builds
// the payload links of c's dense indexes that need them.
func (db *DB) payloadLinksLater(c *collection) {
	if !db.startBackground() {
		return
	}
	c.mu.RLock()
	dense := make(map[string]*denseIndex, len(c.dense))
	for vn, d := range c.dense {
		dense[vn] = d
		d.mu.Lock()
		d.plinkQueued = true // reported busy from now on
		d.mu.Unlock()
	}
	c.mu.RUnlock()
	go func() {
		defer db.bg.Done()
		for vn, d := range dense {
			db.linkPayloads(c, vn, d)
		}
	}()
}

// linkPayloads builds and installs the payload links of d (vector vn of
// c) if they are stale, again while they went stale during the build.
func (db *DB) linkPayloads(c *collection, vn string, d *denseIndex) {
	d.mu.Lock()
	d.plinkQueued = false
	if d.plinkBusy || d.stopped {
		d.plinkAgain = !d.stopped // the running job looks again
		d.mu.Unlock()
		return
	}
	d.plinkBusy, d.plinkAgain = true, false
	d.mu.Unlock()
	for {
		if err := db.linkPayloadsOnce(c, vn, d); err != nil {
			db.log.Warn("vectordb: payload links", "collection", c.name, "vector", vn, "err", err)
		}
		// Deciding to stop and clearing busy under one lock: a request
		// made meanwhile either sees busy cleared or is seen here.
		d.mu.Lock()
		if !d.plinkAgain || d.stopped {
			d.plinkBusy = false
			d.mu.Unlock()
			return
		}
		d.plinkAgain = false
		d.mu.Unlock()
	}
}

// payloadMOf returns the payload_m vector vn of c asks for now.
func (db *DB) payloadMOf(c *collection, vn string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.hnswFor(vn).effectivePayloadM()
}

// effectivePayloadM is the payload_m links are built with: payload_m when
// set, else m (Qdrant's payload_m.unwrap_or(m)), which is 0 for m: 0.
func (h HNSWConfig) effectivePayloadM() int {
	switch {
	case h.PayloadM != nil:
		return max(*h.PayloadM, 0)
	case h.NoGraph:
		return 0
	}
	return h.M
}

// payloadBlock is the internal ids of the points of one payload value.
type payloadBlock struct {
	field string
	ids   []uint32
}

// linkPayloadsOnce is one build of linkPayloads.
func (db *DB) linkPayloadsOnce(c *collection, vn string, d *denseIndex) error {
	c.mu.RLock()
	if c.dropped || c.dense[vn] != d {
		c.mu.RUnlock()
		return nil
	}
	h := c.hnswFor(vn)
	now := plinkState{payloadM: h.effectivePayloadM()}
	indexed := d.indexed.Load()
	if now.payloadM > 0 && int(indexed) < d.flat.Len() {
		c.mu.RUnlock()
		return nil // the indexer's idle callback comes back
	}
	var blocks []payloadBlock
	var fields []string
	if now.payloadM > 0 {
		lim := blockLimits{
			threshold: max(2, h.FullScanThreshold*1024/(4*d.params.Size)),
			maxPoints: maxBlockPoints(len(d.internal), h.M, h.NoGraph),
		}
		toID := func(s uint32) (uint32, bool) {
			if int(s) < len(d.bySlot) && d.bySlot[s] > 0 && d.bySlot[s]-1 < indexed {
				return d.bySlot[s] - 1, true
			}
			return 0, false
		}
		keys := make([]string, 0, len(c.fields))
		for key, fi := range c.fields {
			if payloadBlockSchema(fi.schema) {
				keys = append(keys, key)
			}
		}
		slices.Sort(keys)
		for _, key := range keys {
			fields = append(fields, key)
			for _, ids := range payloadBlocks(c.fields[key], lim, toID) {
				blocks = append(blocks, payloadBlock{field: key, ids: ids})
				now.points += len(ids)
			}
		}
	}
	c.mu.RUnlock()
	now.fields = fmt.Sprint(fields)
	now.blocks = len(blocks)

	d.mu.Lock()
	built := d.plinkBuilt
	d.mu.Unlock()
	if !built.stale(now) {
		return nil
	}
	if len(blocks) == 0 {
		d.mu.Lock()
		d.graph.ClearPayloadLinks()
		d.plinkFields.Store(nil)
		d.plinkBuilt = now
		d.mu.Unlock()
		return nil
	}
	// Stop when the index stops or the database closes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-d.done:
		case <-db.closing:
		case <-ctx.Done():
		}
		cancel()
	}()
	start := time.Now()
	// Large blocks first: each is built with every worker.
	slices.SortFunc(blocks, func(a, b payloadBlock) int { return cmp.Compare(len(b.ids), len(a.ids)) })
	b := d.graph.NewPayloadBuilder(now.payloadM)
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	for _, blk := range blocks {
		if db.payloadMOf(c, vn) != now.payloadM {
			return nil // changed meanwhile: the change asked for another build
		}
		if err := b.AddBlock(ctx, blk.ids, workers); err != nil {
			return nil // stopped
		}
	}
	linked := make(map[string]bool, len(fields))
	for _, blk := range blocks {
		linked[blk.field] = true
	}
	d.mu.Lock() // links, fields and state change together (writePayloadFile)
	b.Install()
	d.plinkFields.Store(&linked)
	d.plinkBuilt = now
	d.mu.Unlock()
	payloadLinkBuilds.Add(1)
	nodes, links := d.graph.PayloadLinked()
	db.log.Debug("vectordb: payload links built", "collection", c.name, "vector", vn, "payload_m", now.payloadM,
		"blocks", len(blocks), "nodes", nodes, "links", links, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// withinFilter reports whether a graph search for filter, answered
// exactly by a payload-index selection, may traverse only the allowed
// nodes: some must condition of the filter matches or ranges over a field
// whose payload blocks d has linked.
func (d *denseIndex) withinFilter(filter *Filter) bool {
	linked := d.plinkFields.Load()
	if linked == nil || filter == nil {
		return false
	}
	for _, cond := range filter.Must {
		if f := cond.Field; f != nil && (f.Match != nil || f.Range != nil) && (*linked)[f.Key] {
			return true
		}
	}
	return false
}

// payloadM returns the payload_m the installed payload links were built
// with (0: none).
func (d *denseIndex) payloadM() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.plinkBuilt.payloadM
}

// payloadLinked returns the number of vectors of d with payload links.
func (d *denseIndex) payloadLinked() int {
	n, _ := d.graph.PayloadLinked()
	return n
}

// blockLimits bound the payload blocks that get links.
type blockLimits struct {
	// threshold is full_scan_threshold in points: a value block needs
	// this many points, a range step half of it, and any block more
	// than a quarter of it (Qdrant skips smaller ones).
	threshold int
	// maxPoints is the largest block worth linking (maxBlockPoints).
	maxPoints int
}

// maxBlockPoints is the size above which a payload block gets no links:
// the global graph stays connected among that many of total points.
// Qdrant takes total / (average layer-0 links) × 4; the layer-0 lists
// hold up to 2m links, which this takes as the average (a slightly
// smaller bound than Qdrant's measured one). Without a global graph
// (m: 0) every block is linked.
func maxBlockPoints(total, m int, noGraph bool) int {
	if m <= 0 || noGraph {
		return math.MaxInt // no global graph: every block is needed
	}
	return total / (2 * m) * 4
}

// payloadBlocks returns the internal ids of each payload block of fi, as
// Qdrant's payload indexes yield them for the links: every value held by
// at least lim.threshold points, and for an integer index also ranges of
// consecutive values, each two adjacent steps of just over
// lim.threshold/2 points (so the ranges overlap by a step, and a range
// filter's allowed points lie in blocks that are whole or straddle its
// bound). A single step covers every point. Blocks larger than
// lim.maxPoints or of at most lim.threshold/4 points are left out. toID
// maps a slot to its internal id in the graph (false: none yet).
//
// Preconditions: the owning collection's mu is held.
func payloadBlocks(fi *fieldIndex, lim blockLimits, toID func(slot uint32) (uint32, bool)) [][]uint32 {
	var out [][]uint32
	add := func(sets ...*slotSet) {
		n := 0
		for _, set := range sets {
			n += set.len()
		}
		if n > lim.maxPoints {
			return
		}
		ids := make([]uint32, 0, n)
		for _, set := range sets {
			set.each(func(s uint32) bool {
				if id, ok := toID(s); ok {
					ids = append(ids, id)
				}
				return true
			})
		}
		if len(ids) <= lim.threshold/4 {
			return
		}
		if len(sets) > 1 {
			slices.Sort(ids) // a point holding values of both steps once
			ids = slices.Compact(ids)
		}
		out = append(out, ids)
	}
	values := make([]any, 0, len(fi.eq))
	for v, set := range fi.eq {
		values = append(values, v)
		if set.len() >= lim.threshold {
			add(set)
		}
	}
	if fi.schema != SchemaInteger || len(values) == 0 {
		return out
	}
	// Range steps over the values in order (Qdrant's histogram blocks).
	slices.SortFunc(values, func(a, b any) int { return cmp.Compare(a.(float64), b.(float64)) })
	var steps [][]*slotSet
	var step []*slotSet
	reached := 0
	for _, v := range values {
		set := fi.eq[v]
		step = append(step, set)
		if reached += set.len(); reached > lim.threshold/2 {
			steps, step, reached = append(steps, step), nil, 0
		}
	}
	if len(step) > 0 {
		steps = append(steps, step)
	}
	if len(steps) == 1 {
		add(steps[0]...)
		return out
	}
	for i := 1; i < len(steps); i++ {
		add(append(slices.Clip(steps[i-1]), steps[i]...)...)
	}
	return out
}
