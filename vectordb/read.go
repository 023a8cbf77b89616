package vectordb

import (
	"context"
	"slices"
	"sort"
	"time"
)

// selection is what a filter's indexed conditions say: the slots of a
// superset of the points matching it, or with exact of exactly those.
type selection struct {
	bits  bitmap
	n     int // members of bits
	exact bool
}

// selectFilter evaluates the conditions of f that payload indexes or
// has_id answer, with bitmap operations over slots: must conditions are
// intersected, should conditions united (when every one is answered),
// must_not conditions answered exactly are subtracted. It returns nil
// when no condition is answered (scan every point).
//
// Preconditions: c.mu is held.
func (c *collection) selectFilter(f *Filter) *selection {
	if f == nil {
		return nil
	}
	b, exact, ok := c.filterBits(f)
	if !ok {
		return nil
	}
	return &selection{bits: b, n: b.count(), exact: exact}
}

// filterBits is selectFilter's bitmap; ok is false when no condition of f
// is answered.
//
// Preconditions: c.mu is held.
func (c *collection) filterBits(f *Filter) (b bitmap, exact, ok bool) {
	exact = f.MinShould == nil || f.MinShould.MinCount <= 0
	for i := range f.Must {
		cb, ce, cok := c.condBits(&f.Must[i])
		exact = exact && ce
		if cok {
			b = intersect(b, cb)
		}
	}
	if len(f.Should) > 0 {
		var any bitmap
		for i := range f.Should {
			cb, ce, cok := c.condBits(&f.Should[i])
			if !cok {
				any = nil
				break
			}
			exact = exact && ce
			if any == nil {
				any = cb
			} else {
				any.or(cb)
			}
		}
		if any == nil {
			exact = false
		} else {
			b = intersect(b, any)
		}
	}
	for i := range f.MustNot {
		cb, ce, cok := c.condBits(&f.MustNot[i])
		if !cok || !ce {
			exact = false
			continue
		}
		if b == nil {
			b = slices.Clone(c.liveSlots)
		}
		b.andNot(cb)
	}
	if b == nil {
		return nil, false, false
	}
	return b, exact, true
}

// intersect returns a ∩ b, reusing a; a nil a is everything.
func intersect(a, b bitmap) bitmap {
	if a == nil {
		return b
	}
	a.and(b)
	return a
}

// condBits is filterBits for one condition.
//
// Preconditions: c.mu is held.
func (c *collection) condBits(cond *Condition) (b bitmap, exact, ok bool) {
	switch {
	case cond.HasID != nil:
		b = newBitmap(len(c.slots))
		for _, id := range cond.HasID {
			if cid, err := canonicalID(id); err == nil {
				if p := c.points[cid]; p != nil {
					b.set(p.slot)
				}
			}
		}
		return b, true, true
	case cond.Field != nil:
		if fi := c.fields[cond.Field.Key]; fi != nil {
			return fi.selectSlots(cond.Field, len(c.slots))
		}
	case cond.Filter != nil:
		return c.filterBits(cond.Filter)
	}
	return nil, false, false
}

// scanFiltered calls fn for each point matching f, in no particular order,
// until fn returns false.
//
// Preconditions: c.mu is held.
func (c *collection) scanFiltered(f *Filter, fn func(*point) bool) {
	c.scanSelected(f, c.selectFilter(f), fn)
}

// scanSelected is scanFiltered with the selection of f already made
// (nil: none).
//
// Preconditions: c.mu is held.
func (c *collection) scanSelected(f *Filter, sel *selection, fn func(*point) bool) {
	m := matcher{c}
	if sel != nil {
		sel.bits.each(func(s uint32) bool {
			p := c.slots[s]
			return p == nil || !sel.exact && !m.match(f, p) || fn(p)
		})
		return
	}
	for _, p := range c.points {
		if m.match(f, p) && !fn(p) {
			return
		}
	}
}

// countFiltered counts the points matching f exactly.
//
// Preconditions: c.mu is held.
func (c *collection) countFiltered(f *Filter) int {
	if f == nil {
		return len(c.points)
	}
	n := 0
	c.scanFiltered(f, func(*point) bool { n++; return true })
	return n
}

// record builds a Record with the selected payload and vectors.
func record(p *point, wp PayloadSelector, wv VectorSelector) Record {
	return Record{ID: p.id, Payload: selectPayload(p.payload, wp), Vectors: selectVectors(p.vectors, wv)}
}

// Get returns the points with the given ids that exist, in request order
// (duplicates removed).
func (db *DB) Get(ctx context.Context, coll string, ids []PointID, wp PayloadSelector, wv VectorSelector) ([]Record, error) {
	c, unlock, err := db.readCollection(ctx, coll)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := []Record{}
	seen := map[PointID]struct{}{}
	for _, id := range ids {
		id, err := canonicalID(id)
		if err != nil {
			return nil, err
		}
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		if p := c.points[id]; p != nil {
			out = append(out, record(p, wp, wv))
		}
	}
	return out, nil
}

// Count counts points matching filter (all points when nil). The count is
// exact.
func (db *DB) Count(ctx context.Context, coll string, filter *Filter) (int, error) {
	if err := validateFilter(filter, 0); err != nil {
		return 0, err
	}
	c, unlock, err := db.readCollection(ctx, coll)
	if err != nil {
		return 0, err
	}
	defer unlock()
	return c.countFiltered(filter), nil
}

// Scroll pages through points matching req.Filter in id order, starting at
// req.Offset (inclusive); NextPageOffset is the id that starts the next
// page. With OrderBy, points are ordered by the payload key (which needs an
// integer, float or datetime index) and NextPageOffset is nil, as in
// Qdrant; page with OrderBy.StartFrom instead. A point whose key holds
// several values comes once per value.
func (db *DB) Scroll(ctx context.Context, coll string, req ScrollRequest) (ScrollResult, error) {
	if err := validateFilter(req.Filter, 0); err != nil {
		return ScrollResult{}, err
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 10
	}
	if limit > maxQueryLimit {
		return ScrollResult{}, BadInput("limit must be at most %d", maxQueryLimit)
	}
	c, unlock, err := db.readCollection(ctx, coll)
	if err != nil {
		return ScrollResult{}, err
	}
	defer unlock()
	if req.OrderBy != nil {
		hits, err := c.orderBy(req.OrderBy, req.Filter, nil, limit, true)
		if err != nil {
			return ScrollResult{}, err
		}
		res := ScrollResult{Points: make([]Record, 0, len(hits))}
		for _, h := range hits {
			r := record(c.points[h.id], req.WithPayload, req.WithVector)
			r.OrderValue = h.orderValue
			res.Points = append(res.Points, r)
		}
		return res, nil
	}
	var start *PointID
	if req.Offset != nil {
		id, err := canonicalID(*req.Offset)
		if err != nil {
			return ScrollResult{}, err
		}
		start = &id
	}
	ids := c.matchingSorted(req.Filter, start, limit+1)
	res := ScrollResult{Points: make([]Record, 0, min(len(ids), limit))}
	for i, id := range ids {
		if i == limit {
			next := id
			res.NextPageOffset = &next
			break
		}
		res.Points = append(res.Points, record(c.points[id], req.WithPayload, req.WithVector))
	}
	return res, nil
}

// matchingSorted returns up to n ids matching f in id order, from start
// (inclusive) when given.
//
// Preconditions: c.mu is held.
func (c *collection) matchingSorted(f *Filter, start *PointID, n int) []PointID {
	m := matcher{c}
	if sel := c.selectFilter(f); sel != nil {
		// Match first, then sort only the matches: candidates of a
		// selective index can still be many times the answer.
		var out []PointID
		c.scanSelected(f, sel, func(p *point) bool {
			if start == nil || ComparePointIDs(p.id, *start) >= 0 {
				out = append(out, p.id)
			}
			return true
		})
		sortPointIDs(out)
		if len(out) > n {
			out = out[:n]
		}
		return out
	}
	ids := c.sortedIDs()
	i := 0
	if start != nil {
		i = sort.Search(len(ids), func(k int) bool { return ComparePointIDs(ids[k], *start) >= 0 })
	}
	var out []PointID
	for ; i < len(ids) && len(out) < n; i++ {
		if p := c.points[ids[i]]; p != nil && m.match(f, p) {
			out = append(out, ids[i])
		}
	}
	return out
}

// orderedHit is a point with the value it was ordered by.
type orderedHit struct {
	id         PointID
	value      float64
	orderValue any
}

// orderBy returns up to n points matching f (and in allowed, when not nil)
// ordered by ob.Key. With each, a point whose key holds several values
// comes once per value, as Qdrant's scroll returns it; otherwise once, at
// its first value.
//
// Preconditions: c.mu is held.
func (c *collection) orderBy(ob *OrderBy, f *Filter, allowed map[PointID]struct{}, n int, each bool) ([]orderedHit, error) {
	fi := c.fields[ob.Key]
	if fi == nil || !fi.rangeCapable() {
		return nil, badRequest("No range index for `order_by` key: `%s`. Please create one to use `order_by`. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Range conditions", ob.Key)
	}
	desc := false
	switch ob.Direction {
	case "", Asc:
	case Desc:
		desc = true
	default:
		return nil, BadInput("order_by direction must be asc or desc, got %q", ob.Direction)
	}
	var from *float64
	if ob.StartFrom != nil {
		var v float64
		switch x := ob.StartFrom.(type) {
		case time.Time:
			v = float64(x.UnixMicro())
		case string:
			t, ok := parseDatetime(x)
			if !ok {
				return nil, BadInput("order_by start_from %q is not a date-time", x)
			}
			v = float64(t.UnixMicro())
		default:
			f, ok := toFloat(x)
			if !ok {
				return nil, BadInput("order_by start_from must be a number or a date-time")
			}
			v = f
		}
		from = &v
	}
	view := fi.rangeView()
	m := matcher{c}
	seen := map[PointID]struct{}{}
	var out []orderedHit
	visit := func(e numEntry) bool {
		if from != nil && ((!desc && e.v < *from) || (desc && e.v > *from)) {
			return true
		}
		if _, dup := seen[e.id]; dup && !each {
			return true
		}
		if allowed != nil {
			if _, ok := allowed[e.id]; !ok {
				return true
			}
		}
		p := c.points[e.id]
		if p == nil || !m.match(f, p) {
			return true
		}
		seen[e.id] = struct{}{}
		h := orderedHit{id: e.id, value: e.v}
		if fi.schema == SchemaFloat {
			h.orderValue = e.v
		} else {
			h.orderValue = int64(e.v)
		}
		out = append(out, h)
		return len(out) < n
	}
	if desc {
		for i := len(view) - 1; i >= 0; i-- {
			if !visit(view[i]) {
				break
			}
		}
	} else {
		for _, e := range view {
			if !visit(e) {
				break
			}
		}
	}
	return out, nil
}
