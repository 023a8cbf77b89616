package vectordb

import (
	"context"
	"sort"
	"time"
)

// preselect returns a superset of the points matching f, taken from a
// payload index or has_id condition in f.Must, or ok false when no cheap
// preselection exists (scan everything).
//
// Preconditions: c.mu is held.
func (c *collection) preselect(f *Filter) (ids []PointID, ok bool) {
	if f == nil {
		return nil, false
	}
	// Materialise only the cheapest equality condition: estimates are free,
	// building a candidate list of a common value (say first == true) is not.
	best, bestN := -1, 0
	for i := range f.Must {
		if fc := f.Must[i].Field; fc != nil {
			if fi := c.fields[fc.Key]; fi != nil {
				if n, ok := fi.estimate(fc); ok && (best < 0 || n < bestN) {
					best, bestN = i, n
				}
			}
		}
	}
	for i := range f.Must {
		cond := &f.Must[i]
		if fc := cond.Field; best >= 0 && i != best && fc != nil {
			if fi := c.fields[fc.Key]; fi != nil {
				if _, ok := fi.estimate(fc); ok {
					continue // a cheaper equality condition was found
				}
			}
		}
		var cand []PointID
		var got bool
		switch {
		case cond.HasID != nil:
			seen := make(map[PointID]struct{}, len(cond.HasID))
			for _, id := range cond.HasID {
				if cid, err := canonicalID(id); err == nil {
					_, exists := c.points[cid]
					if _, dup := seen[cid]; exists && !dup {
						seen[cid] = struct{}{}
						cand = append(cand, cid)
					}
				}
			}
			got = true
		case cond.Field != nil:
			if fi := c.fields[cond.Field.Key]; fi != nil {
				cand, got = fi.candidates(cond.Field)
			}
		case cond.Filter != nil:
			cand, got = c.preselect(cond.Filter)
		}
		if got && (!ok || len(cand) < len(ids)) {
			ids, ok = cand, true
		}
	}
	return ids, ok
}

// preselectExact reports whether ids from preselect(f) match f exactly,
// so the filter need not be evaluated again: f is a single Must condition
// that an index answers exactly (equality or range; not text, whose
// preselection uses only the rarest token).
//
// Preconditions: c.mu is held.
func (c *collection) preselectExact(f *Filter) bool {
	if f == nil || len(f.Must) != 1 || len(f.Should) > 0 || len(f.MustNot) > 0 || f.MinShould != nil {
		return false
	}
	cond := &f.Must[0]
	switch {
	case cond.HasID != nil:
		return true
	case cond.Field != nil:
		fi := c.fields[cond.Field.Key]
		if fi == nil || cond.Field.Match != nil && (cond.Field.Match.Text != nil || cond.Field.Match.TextAny != nil || cond.Field.Match.Phrase != nil || cond.Field.Match.Prefix != nil) {
			return false
		}
		fc := cond.Field
		switch {
		case fc.Match != nil && (fc.Match.Value != nil || fc.Match.Any != nil):
			return fi.schema != SchemaText
		case fc.Range != nil:
			return fi.schema == SchemaInteger || fi.schema == SchemaFloat
		}
	}
	return false
}

// scanFiltered calls fn for each point matching f, in no particular order,
// until fn returns false.
//
// Preconditions: c.mu is held.
func (c *collection) scanFiltered(f *Filter, fn func(*point) bool) {
	ids, ok := c.preselect(f)
	c.scanPreselected(f, ids, ok, fn)
}

// scanPreselected is scanFiltered with the preselection already made.
//
// Preconditions: c.mu is held.
func (c *collection) scanPreselected(f *Filter, ids []PointID, preOK bool, fn func(*point) bool) {
	m := matcher{c}
	if preOK {
		for _, id := range ids {
			if p := c.points[id]; p != nil && m.match(f, p) && !fn(p) {
				return
			}
		}
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
	if cand, ok := c.preselect(f); ok {
		// Match first, then sort only the matches: candidates of a
		// selective index can still be many times the answer.
		var out []PointID
		for _, id := range cand {
			if start != nil && ComparePointIDs(id, *start) < 0 {
				continue
			}
			if p := c.points[id]; p != nil && m.match(f, p) {
				out = append(out, id)
			}
		}
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
