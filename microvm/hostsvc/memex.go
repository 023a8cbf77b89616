// Package hostsvc adapts the NexusOS engines to the service interfaces
// microVMs see (microvm.Memex, microvm.Cortex). It is the only microvm
// package that imports the engines, so the microVM core stays free of them.
// Adapters are safe for concurrent use when the engines they wrap are.
package hostsvc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"nexusos/abi"
	"nexusos/memex"
	"nexusos/memex/extract"
	"nexusos/microvm"
)

// MaxDocBytes bounds the file a Get reads to extract its text.
const MaxDocBytes = 64 << 20

// Memex serves apps from a MemexFS index. An app's MemexFS path is a
// file's path relative to the indexed root it came from ("rel"), so a grant
// of folder "invoices" covers <root>/invoices/...; ids are those relative
// paths too, and host paths never reach the app.
type Memex struct {
	M *memex.Memex
}

var _ microvm.Memex = Memex{}

// Query implements microvm.Memex. It over-fetches, then keeps the results
// inside opts.Folders (the index filters by root, not by folder).
func (a Memex) Query(ctx context.Context, text string, opts microvm.QueryOptions) ([]microvm.Result, error) {
	limit := min(opts.Limit*4, microvm.MaxQueryLimit)
	ans, err := a.M.Query(ctx, text, memex.QueryOptions{Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("memex query: %w", err)
	}
	var out []microvm.Result
	for _, r := range ans.Results {
		p := filepath.ToSlash(r.Rel)
		if !inAny(p, opts.Folders) {
			continue
		}
		out = append(out, microvm.Result{ID: p, Path: p, Score: r.Score, Snippet: r.Snippet, Facts: Facts(r.Facts)})
		if len(out) == opts.Limit {
			break
		}
	}
	return out, nil
}

func inAny(p string, folders []string) bool {
	for _, f := range folders {
		if abi.InFolder(p, f) {
			return true
		}
	}
	return false
}

// Get implements microvm.Memex: it finds the indexed file by its relative
// path and extracts its text.
func (a Memex) Get(ctx context.Context, id string) (microvm.Doc, error) {
	var rec *memex.FileRecord
	for _, f := range a.M.Files() {
		if filepath.ToSlash(f.Rel) == id {
			rec = &f
			break
		}
	}
	if rec == nil {
		return microvm.Doc{}, fmt.Errorf("memex get %s: %w", id, microvm.ErrNotFound)
	}
	st, err := os.Stat(rec.Path)
	if err != nil {
		return microvm.Doc{}, fmt.Errorf("memex get %s: %w", id, microvm.ErrNotFound)
	}
	if st.Size() > MaxDocBytes {
		return microvm.Doc{}, fmt.Errorf("memex get %s: file larger than %d bytes", id, MaxDocBytes)
	}
	data, err := os.ReadFile(rec.Path)
	if err != nil {
		return microvm.Doc{}, fmt.Errorf("memex get %s: %w", id, err)
	}
	doc, err := extract.File(rec.Path, data)
	if err != nil {
		return microvm.Doc{}, fmt.Errorf("memex get %s: %w", id, err)
	}
	facts := map[string]string{"kind": rec.Kind}
	if rec.Title != "" {
		facts["title"] = rec.Title
	}
	if rec.Party != "" {
		facts["party"] = rec.Party
	}
	return microvm.Doc{ID: id, Path: id, Text: doc.Text, Facts: facts}, nil
}

// Facts flattens a MemexFS payload into the ABI's string facts: kind,
// status, party, currency, amount (the balance due when unpaid, else the
// total), total, date (issue date), due, paid, invoice_number, title.
func Facts(p memex.Payload) map[string]string {
	out := map[string]string{}
	str := func(key, from string) {
		if v, ok := p[from]; ok {
			if s := fmt.Sprint(v); s != "" {
				out[key] = s
			}
		}
	}
	num := func(key, from string) bool {
		switch v := p[from].(type) {
		case float64:
			out[key] = strconv.FormatFloat(v, 'f', 2, 64)
			return true
		case int64:
			out[key] = strconv.FormatInt(v, 10) + ".00"
			return true
		}
		return false
	}
	str("kind", "kind")
	str("status", "status")
	str("party", "party")
	str("currency", "currency")
	date := func(key, from string) {
		switch v := p[from].(type) {
		case time.Time:
			out[key] = v.Format(time.DateOnly)
		case string:
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				v = t.Format(time.DateOnly)
			}
			if v != "" {
				out[key] = v
			}
		}
	}
	date("date", "issue_date")
	date("due", "due_date")
	date("paid", "paid_date")
	str("invoice_number", "invoice_number")
	str("title", "title")
	num("total", "total")
	if out["status"] != "paid" && num("amount", "balance_due") {
		return out
	}
	num("amount", "total")
	return out
}
