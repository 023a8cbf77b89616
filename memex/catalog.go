package memex

import (
	"math/bits"
	"sync"
	"time"

	"nexusos/vectordb"
)

// The catalog keeps one row per indexed file in memory — the file's facts
// as stored in its record, plus the root and path — in step with the file
// table (loaded at Open, updated when records are committed or removed).
// Set questions ("unpaid invoices from X last quarter") are answered by
// evaluating the same payload filter as the vector store would
// (vectordb.MatchPayload) over these rows: one row per file instead of one
// point per chunk, no payload copies, no store round trip. With a remote
// Qdrant the answer is the same, from the local file table.
//
// Rows have dense ids; keyword facts (kind, status, party, number, sender,
// root, currency) keep posting lists, so a filter's equality conditions
// select candidates by intersecting bitsets before the whole filter is
// evaluated on each candidate.
type catalog struct {
	mu     sync.RWMutex
	rows   []*catRow // by id; nil when freed
	free   []int32
	byPath map[string]int32
	post   map[string]map[string][]int32 // key → value → ids (unordered; removals leave stale ids, checked on use)
}

// catRow is one file: the payload filters see, and the result a set
// answer shows for it (built once, copied per answer).
type catRow struct {
	payload vectordb.Payload
	res     Result
	date    string // the issue (or sent) date results are ordered by
	// Typed copies of the range-filtered facts, parsed once: a filter's
	// top-level range conditions reject most rows without touching the
	// payload map.
	times    map[string]time.Time
	total    float64
	hasTotal bool
}

// timedKeys are the date facts kept parsed in rows.
var timedKeys = []string{"issue_date", "due_date", "paid_date", "sent_date"}

// postedKeys are the keyword facts with posting lists.
var postedKeys = []string{"kind", "status", "party_id", "party_key", "from_addr", "invoice_key", "root", "currency"}

func newCatalog() *catalog {
	c := &catalog{byPath: map[string]int32{}, post: map[string]map[string][]int32{}}
	for _, k := range postedKeys {
		c.post[k] = map[string][]int32{}
	}
	return c
}

// rowOf builds the filterable payload of a record: its facts (kind,
// status, party, dates, total, …) with the keys a set filter also uses.
func rowOf(r *FileRecord) *catRow {
	p := make(vectordb.Payload, len(r.Facts)+4)
	for k, v := range r.Facts {
		p[k] = v
	}
	p["path"], p["rel"], p["root"], p["first"] = r.Path, r.Rel, r.Root, true
	if r.PartyID != "" {
		p["party_id"] = r.PartyID
	}
	if r.Snippet != "" {
		p["text"] = r.Snippet
	}
	res := resultOf(p, 1, nil, "")
	row := &catRow{payload: p, res: res, date: dateOf(res.Facts, "")}
	for _, k := range timedKeys {
		if s, ok := p[k].(string); ok {
			if t, ok := vectordb.ParseDatetime(s); ok {
				if row.times == nil {
					row.times = map[string]time.Time{}
				}
				row.times[k] = t
			}
		}
	}
	row.total, row.hasTotal = p["total"].(float64)
	return row
}

// rejects reports whether a top-level condition of f certainly fails on
// the row: a range on a date or on the total that the row's value (or its
// absence) does not satisfy. It never rejects a row the full filter would
// accept; rows it keeps are evaluated in full.
func (r *catRow) rejects(f *vectordb.Filter) bool {
	for i := range f.Must {
		fc := f.Must[i].Field
		if fc == nil {
			continue
		}
		switch {
		case fc.DatetimeRange != nil && isTimed(fc.Key):
			t, ok := r.times[fc.Key]
			if !ok || !vectordb.InDatetimeRange(fc.DatetimeRange, t) {
				return true
			}
		case fc.Range != nil && fc.Key == "total":
			if !r.hasTotal || !vectordb.InRange(fc.Range, r.total) {
				return true
			}
		}
	}
	return false
}

func isTimed(k string) bool {
	for _, t := range timedKeys {
		if k == t {
			return true
		}
	}
	return false
}

func (c *catalog) put(recs []*FileRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		row := rowOf(r)
		id, ok := c.byPath[r.Path]
		if !ok {
			if n := len(c.free); n > 0 {
				id, c.free = c.free[n-1], c.free[:n-1]
			} else {
				id = int32(len(c.rows))
				c.rows = append(c.rows, nil)
			}
			c.byPath[r.Path] = id
		}
		c.rows[id] = row
		for _, k := range postedKeys {
			if v, ok := row.payload[k].(string); ok {
				c.post[k][v] = append(c.post[k][v], id)
			}
		}
	}
}

func (c *catalog) remove(paths []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range paths {
		if id, ok := c.byPath[p]; ok {
			c.rows[id] = nil
			c.free = append(c.free, id)
			delete(c.byPath, p)
		}
	}
	// Stale ids in posting lists are dropped when a list has grown to
	// twice its live size.
	for _, byVal := range c.post {
		for v, ids := range byVal {
			live := 0
			for _, id := range ids {
				if c.rows[id] != nil {
					live++
				}
			}
			if live == 0 {
				delete(byVal, v)
			} else if 2*live < len(ids) {
				c.compact(byVal, v)
			}
		}
	}
}

// compact rewrites one posting list with only its live, current ids.
func (c *catalog) compact(byVal map[string][]int32, v string) {
	ids := byVal[v]
	out := ids[:0]
	seen := map[int32]bool{}
	for _, id := range ids {
		if c.rows[id] != nil && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	byVal[v] = out
}

// bitset is a set of row ids.
type bitset []uint64

func (b bitset) set(id int32) { b[id>>6] |= 1 << (uint(id) & 63) }
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

// candidates narrows the rows by the filter's equality conditions on
// posted keys, through nested filters: a must list intersects what its
// conditions select, a should list unites them (any condition that
// selects nothing specific makes it select everything). The result is a
// superset of the matching rows; nil means every row.
func (c *catalog) candidates(f *vectordb.Filter) bitset {
	if f == nil {
		return nil
	}
	var acc bitset
	for i := range f.Must {
		if b := c.condSet(&f.Must[i]); b != nil {
			if acc == nil {
				acc = b
			} else {
				acc.and(b)
			}
		}
	}
	if len(f.Should) > 0 && f.MinShould == nil {
		var any bitset
		for i := range f.Should {
			b := c.condSet(&f.Should[i])
			if b == nil {
				any = nil
				break
			}
			if any == nil {
				any = b
			} else {
				any.or(b)
			}
		}
		if any != nil {
			if acc == nil {
				acc = any
			} else {
				acc.and(any)
			}
		}
	}
	return acc
}

// condSet is the rows one condition can select, or nil for any row.
func (c *catalog) condSet(cond *vectordb.Condition) bitset {
	if cond.Filter != nil {
		return c.candidates(cond.Filter)
	}
	fc := cond.Field
	if fc == nil || fc.Match == nil {
		return nil
	}
	byVal, ok := c.post[fc.Key]
	if !ok {
		return nil
	}
	var vals []string
	switch {
	case fc.Match.Value != nil:
		s, ok := fc.Match.Value.(string)
		if !ok {
			return nil
		}
		vals = []string{s}
	case fc.Match.Any != nil:
		for _, a := range fc.Match.Any {
			s, ok := a.(string)
			if !ok {
				return nil
			}
			vals = append(vals, s)
		}
	default:
		return nil
	}
	b := make(bitset, (len(c.rows)+63)/64)
	for _, v := range vals {
		for _, id := range byVal[v] {
			b.set(id)
		}
	}
	return b
}

// match returns the rows of the files that satisfy f. Rows are shared:
// callers copy, never modify, them.
func (c *catalog) match(f *vectordb.Filter) []*catRow {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*catRow
	test := func(r *catRow) {
		if r != nil && (f == nil || !r.rejects(f)) && vectordb.MatchPayload(f, r.payload) {
			out = append(out, r)
		}
	}
	cand := c.candidates(f)
	if cand == nil {
		for _, r := range c.rows {
			test(r)
		}
		return out
	}
	for w, word := range cand {
		for word != 0 {
			t := bits.TrailingZeros64(word)
			word &^= 1 << uint(t)
			test(c.rows[w*64+t])
		}
	}
	return out
}

func (c *catalog) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byPath)
}
