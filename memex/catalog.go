package memex

import (
	"sync"

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
type catalog struct {
	mu   sync.RWMutex
	rows map[string]*catRow // by path
}

// catRow is one file: the payload filters see and what results show.
type catRow struct {
	payload vectordb.Payload
	rec     *FileRecord
}

func newCatalog() *catalog { return &catalog{rows: map[string]*catRow{}} }

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
	return &catRow{payload: p, rec: r}
}

func (c *catalog) put(recs []*FileRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		c.rows[r.Path] = rowOf(r)
	}
}

func (c *catalog) remove(paths []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range paths {
		delete(c.rows, p)
	}
}

// match returns the payloads of the files that satisfy f.
func (c *catalog) match(f *vectordb.Filter) []vectordb.Payload {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []vectordb.Payload
	for _, r := range c.rows {
		if vectordb.MatchPayload(f, r.payload) {
			out = append(out, r.payload)
		}
	}
	return out
}

func (c *catalog) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.rows)
}
