package memex

import (
	"slices"
	"sort"
	"sync"
	"time"

	"nexusos/memex/facts"
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
	// order lists the live row ids by (date, path), the order set answers
	// are given in; it is rebuilt on the first query after a change.
	order []int32
	dirty bool
}

// catRow is one file: the payload filters see, and the result a set
// answer shows for it (built once, copied per answer).
type catRow struct {
	payload vectordb.Payload
	res     Result
	date    string   // the issue (or sent) date results are ordered by
	forms   []string // the legal forms of the party's name (see sameForm)
	// Typed copies of the range-filtered facts, parsed once: a filter's
	// top-level range conditions reject most rows without touching the
	// payload map.
	times    [len(timedKeys)]time.Time
	hasTime  [len(timedKeys)]bool
	total    float64
	hasTotal bool
	keys     [len(postedKeys)]string // the posted keyword facts, "" when absent
	hasKey   [len(postedKeys)]bool
	// present: the payload has the key, whatever its value (bit i for
	// postedKeys[i], then timedKeys, then "total").
	present uint32
}

// timedKeys are the date facts kept parsed in rows.
var timedKeys = [...]string{"issue_date", "due_date", "paid_date", "sent_date"}

// presentBit is the bit of catRow.present for a posted or timed key or
// "total", or 0 for any other key.
func presentBit(k string) uint32 {
	if i := postedIndex(k); i >= 0 {
		return 1 << i
	}
	if i := timedIndex(k); i >= 0 {
		return 1 << (len(postedKeys) + i)
	}
	if k == "total" {
		return 1 << (len(postedKeys) + len(timedKeys))
	}
	return 0
}

// postedKeys are the keyword facts with posting lists.
var postedKeys = [...]string{"kind", "status", "party_id", "party_key", "from_addr", "invoice_key", "root", "currency"}

// postedIndex returns the index of a posted key, or -1.
func postedIndex(k string) int {
	for i, p := range postedKeys {
		if p == k {
			return i
		}
	}
	return -1
}

// has reports whether a live row has value under the posted key.
func (c *catalog) has(key, value string) bool {
	i := postedIndex(key)
	if i < 0 || value == "" {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, id := range c.post[key][value] {
		if r := c.rows[id]; r != nil && r.hasKey[i] && r.keys[i] == value {
			return true
		}
	}
	return false
}

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
	party, _ := res.Facts["party"].(string)
	row := &catRow{payload: p, res: res, date: dateOf(res.Facts, ""), forms: facts.LegalForms(party)}
	for i, k := range timedKeys {
		if s, ok := p[k].(string); ok {
			row.times[i], row.hasTime[i] = vectordb.ParseDatetime(s)
		}
	}
	row.total, row.hasTotal = p["total"].(float64)
	for i, k := range postedKeys {
		row.keys[i], row.hasKey[i] = p[k].(string)
	}
	for k := range p {
		row.present |= presentBit(k)
	}
	return row
}

// timedIndex returns the index of a timed key, or -1.
func timedIndex(k string) int {
	for i, t := range timedKeys {
		if k == t {
			return i
		}
	}
	return -1
}

func (c *catalog) put(recs []*FileRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dirty = true
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
	c.dirty = true
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

// match returns the rows of the files that satisfy f, ordered by date
// and path. Rows are shared: callers copy, never modify, them.
func (c *catalog) match(f *vectordb.Filter) []*catRow {
	c.mu.RLock()
	if c.dirty {
		c.mu.RUnlock()
		c.mu.Lock()
		c.sortRows()
		c.mu.Unlock()
		c.mu.RLock()
	}
	defer c.mu.RUnlock()
	cand := c.candidates(f)
	var whole rowTest
	var musts []rowTest // f's top-level musts the columns decide
	if f != nil {
		whole = compileFilter(f)
		for i := range f.Must {
			if t := compileCond(&f.Must[i]); t != nil {
				musts = append(musts, t)
			}
		}
	}
	var out []*catRow
rows:
	for _, id := range c.order {
		if cand != nil && cand[id>>6]&(1<<(uint(id)&63)) == 0 {
			continue
		}
		r := c.rows[id]
		if r == nil {
			continue
		}
		if f == nil {
			out = append(out, r)
			continue
		}
		if whole != nil {
			if ok, decided := whole(r); decided {
				if ok {
					out = append(out, r)
				}
				continue
			}
		}
		// The payload decides; a must the columns reject saves it.
		for _, t := range musts {
			if ok, decided := t(r); decided && !ok {
				continue rows
			}
		}
		if vectordb.MatchPayload(f, r.payload) {
			out = append(out, r)
		}
	}
	return out
}

// sortRows rebuilds the order of live rows. c.mu is held for writing.
func (c *catalog) sortRows() {
	if !c.dirty {
		return
	}
	c.order = c.order[:0]
	for id, r := range c.rows {
		if r != nil {
			c.order = append(c.order, int32(id))
		}
	}
	sort.Slice(c.order, func(i, j int) bool {
		a, b := c.rows[c.order[i]], c.rows[c.order[j]]
		if a.date != b.date {
			return a.date < b.date
		}
		return a.res.Path < b.res.Path
	})
	c.dirty = false
}

// rowTest decides a filter or condition on a row's typed columns;
// decided is false when the row needs its payload (a value the columns
// could not read).
type rowTest func(r *catRow) (ok, decided bool)

// compileFilter returns the test of f on typed columns, or nil when a
// condition of f is not one they hold: equality on a posted keyword fact
// (a single string value), a range on a date or on the total, is_empty on
// those, nested must / should / must_not — all with the engine's
// semantics (a missing value matches no condition). Keys are resolved
// once, not per row.
func compileFilter(f *vectordb.Filter) rowTest {
	if f.MinShould != nil {
		return nil
	}
	compile := func(cs []vectordb.Condition) ([]rowTest, bool) {
		out := make([]rowTest, len(cs))
		for i := range cs {
			if out[i] = compileCond(&cs[i]); out[i] == nil {
				return nil, false
			}
		}
		return out, true
	}
	must, ok1 := compile(f.Must)
	mustNot, ok2 := compile(f.MustNot)
	should, ok3 := compile(f.Should)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	return func(r *catRow) (bool, bool) {
		result := true
		for _, t := range must {
			m, d := t(r)
			if !d {
				return false, false
			}
			result = result && m
		}
		for _, t := range mustNot {
			m, d := t(r)
			if !d {
				return false, false
			}
			result = result && !m
		}
		if len(should) > 0 {
			anyOK := false
			for _, t := range should {
				m, d := t(r)
				if !d {
					return false, false
				}
				anyOK = anyOK || m
			}
			result = result && anyOK
		}
		return result, true
	}
}

// compileCond is compileFilter for one condition.
func compileCond(c *vectordb.Condition) rowTest {
	if c.IsNull != nil || c.HasID != nil || c.HasVector != nil || c.Nested != nil {
		return nil
	}
	switch {
	case c.Filter != nil:
		if c.Field != nil || c.IsEmpty != nil {
			return nil
		}
		return compileFilter(c.Filter)
	case c.IsEmpty != nil:
		if c.Field != nil {
			return nil
		}
		return compileIsEmpty(*c.IsEmpty)
	case c.Field == nil:
		return nil
	}
	fc := c.Field
	switch {
	case fc.ValuesCount != nil || fc.GeoRadius != nil || fc.GeoBox != nil || fc.GeoPolygon != nil:
		return nil
	case fc.Key == "first" && fc.Match != nil && fc.Range == nil && fc.DatetimeRange == nil:
		b, ok := fc.Match.Value.(bool)
		if !ok || fc.Match.Any != nil || fc.Match.Except != nil {
			return nil
		}
		return func(*catRow) (bool, bool) { return b, true } // every row is its file's first chunk
	case fc.Match != nil && fc.Range == nil && fc.DatetimeRange == nil:
		k := postedIndex(fc.Key)
		m := fc.Match
		if k < 0 || m.Text != nil || m.TextAny != nil || m.Phrase != nil || m.Prefix != nil || m.Except != nil {
			return nil
		}
		var vals []string
		switch {
		case m.Value != nil:
			s, ok := m.Value.(string)
			if !ok {
				return nil
			}
			vals = []string{s}
		case m.Any != nil:
			for _, a := range m.Any {
				s, ok := a.(string)
				if !ok {
					return nil
				}
				vals = append(vals, s)
			}
		default:
			return nil
		}
		return func(r *catRow) (bool, bool) {
			return r.hasKey[k] && slices.Contains(vals, r.keys[k]), true
		}
	case fc.DatetimeRange != nil && fc.Match == nil && fc.Range == nil && timedIndex(fc.Key) >= 0:
		i, bit, rng := timedIndex(fc.Key), presentBit(fc.Key), fc.DatetimeRange
		return func(r *catRow) (bool, bool) {
			if !r.hasTime[i] {
				return false, r.present&bit == 0 // present: a value the columns could not read
			}
			return vectordb.InDatetimeRange(rng, r.times[i]), true
		}
	case fc.Range != nil && fc.Match == nil && fc.DatetimeRange == nil && fc.Key == "total":
		bit, rng := presentBit("total"), fc.Range
		return func(r *catRow) (bool, bool) {
			if !r.hasTotal {
				return false, r.present&bit == 0
			}
			return vectordb.InRange(rng, r.total), true
		}
	}
	return nil
}

// compileIsEmpty decides is_empty on a posted or timed key or the total
// (the engine's semantics: missing, null or [] is empty): a value the
// columns hold is not empty, a missing key is; anything else needs the
// payload. It is nil for other keys.
func compileIsEmpty(k string) rowTest {
	bit := presentBit(k)
	if bit == 0 {
		return nil
	}
	pi, ti := postedIndex(k), timedIndex(k)
	return func(r *catRow) (bool, bool) {
		switch {
		case r.present&bit == 0:
			return true, true
		case pi >= 0 && r.hasKey[pi], ti >= 0 && r.hasTime[ti], k == "total" && r.hasTotal:
			return false, true
		}
		return false, false // null, a list or a value of another type
	}
}

func (c *catalog) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byPath)
}
