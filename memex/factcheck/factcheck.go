// Package factcheck scores MemexFS's fact extraction against a labelled
// corpus of real documents (memex/testdata/real): each file goes through
// the same extraction and fact reading as `nexus memex add`, and each
// field is compared with its hand-checked label. The corpus is split in
// two fixed halves by a hash of the file name — "tune" for developing the
// rules, "heldout" for reporting — so that a figure on the held-out half
// says how the rules do on documents they were not fitted to. AskReal
// (questions.go) indexes the same corpus and asks it questions whose gold
// answers come from the labels.
package factcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"nexusos/memex/extract"
	"nexusos/memex/facts"
)

// Label is the hand-checked truth for one document.
type Label struct {
	File          string   `json:"file"`
	Kind          string   `json:"kind"`
	Issuer        string   `json:"issuer"`
	IssuerAliases []string `json:"issuer_aliases"`
	IssueDate     string   `json:"issue_date"`
	DueDate       string   `json:"due_date"`
	Total         string   `json:"total"`
	Currency      string   `json:"currency"`
	InvoiceNumber string   `json:"invoice_number"`
	Status        string   `json:"status"`
	Language      string   `json:"language"`
	Producer      string   `json:"producer"`
	Scanned       bool     `json:"scanned"`
	Source        string   `json:"source"`
	Licence       string   `json:"licence"`
	Notes         string   `json:"notes"`
}

// Fields scored, in report order. The first five are the issue's "field
// accuracy"; kind and status are reported on their own.
var Fields = []string{"issuer", "issue_date", "total", "currency", "invoice_number", "kind", "status", "due_date"}

// CoreFields are the fields whose pooled accuracy is the headline figure.
var CoreFields = Fields[:5]

// Half returns "tune" or "heldout" for a file name.
func Half(file string) string {
	h := fnv.New32a()
	io.WriteString(h, file)
	if h.Sum32()%2 == 0 {
		return "tune"
	}
	return "heldout"
}

// LoadLabels reads every labels/*.json under dir.
func LoadLabels(dir string) ([]Label, error) {
	files, err := filepath.Glob(filepath.Join(dir, "labels", "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Label
	seen := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var ls []Label
		if err := json.Unmarshal(b, &ls); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, l := range ls {
			if prev, ok := seen[l.File]; ok {
				return nil, fmt.Errorf("%s: %s already labelled in %s", f, l.File, prev)
			}
			seen[l.File] = f
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

// Options configure Run.
type Options struct {
	Dir string        // the corpus: docs/ and labels/
	OCR extract.OCRer // nil: scanned documents are skipped (and scored as misses)
	Log func(string)  // progress, may be nil
}

// Result is one document's outcome.
type Result struct {
	Label Label
	Half  string
	Got   facts.Facts
	Err   string
	// Score: field → right (true) or wrong (false); fields the label
	// leaves empty are absent.
	Score map[string]bool
	// OCRPages and Elapsed: pages read by OCR and the extraction time.
	OCRPages int
	Elapsed  time.Duration
}

// Report is the outcome over the corpus.
type Report struct {
	Results []Result
}

// Run extracts every labelled document and scores it.
func Run(ctx context.Context, o Options) (*Report, error) {
	labels, err := LoadLabels(o.Dir)
	if err != nil {
		return nil, err
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("no labels under %s", filepath.Join(o.Dir, "labels"))
	}
	rep := &Report{}
	for i, l := range labels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.Log != nil {
			o.Log(fmt.Sprintf("[%d/%d] %s", i+1, len(labels), l.File))
		}
		r := Result{Label: l, Half: Half(l.File)}
		data, err := os.ReadFile(filepath.Join(o.Dir, "docs", l.File))
		if err != nil {
			return nil, fmt.Errorf("labelled file: %w", err)
		}
		start := time.Now()
		doc, err := extract.FileWith(l.File, data, extract.Options{OCR: o.OCR})
		r.Elapsed = time.Since(start)
		if err != nil {
			r.Err = err.Error()
		} else {
			r.OCRPages = doc.OCRPages
			r.Got = facts.Extract(doc.Text, facts.Hints{Title: doc.Title, From: doc.From, Date: doc.Date, Kind: KindHint(doc), Lines: doc.Lines})
		}
		r.Score = score(l, r.Got)
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

// KindHint is what the file format says of a document's kind (as memex
// ingest uses it).
func KindHint(d *extract.Doc) string {
	switch d.Format {
	case "markdown":
		return facts.KindNote
	case "email":
		return facts.KindEmail
	}
	return ""
}

func score(l Label, g facts.Facts) map[string]bool {
	s := map[string]bool{"kind": g.Kind == l.Kind}
	if l.Issuer != "" {
		s["issuer"] = sameIssuer(g.Party, append([]string{l.Issuer}, l.IssuerAliases...))
	}
	if l.IssueDate != "" {
		s["issue_date"] = !g.IssueDate.IsZero() && g.IssueDate.String() == l.IssueDate
	}
	if l.DueDate != "" {
		s["due_date"] = !g.DueDate.IsZero() && g.DueDate.String() == l.DueDate
	}
	if l.Total != "" {
		want, err := strconv.ParseFloat(l.Total, 64)
		s["total"] = err == nil && g.Total != nil && math.Abs(g.Total.Value-want) <= 0.011
	}
	if l.Currency != "" {
		s["currency"] = strings.EqualFold(g.Currency, l.Currency)
	}
	if l.InvoiceNumber != "" {
		s["invoice_number"] = normNumber(g.InvoiceNumber) == normNumber(l.InvoiceNumber)
	}
	if l.Status != "" {
		got := g.Status
		if got == facts.StatusOverdue {
			got = facts.StatusUnpaid // overdue is unpaid past a due date; the labels say paid or not
		}
		s["status"] = got == l.Status
	}
	return s
}

// sameIssuer reports whether got names one of the labelled names: equal
// party keys, one a leading part of the other, or equal without spaces.
func sameIssuer(got string, names []string) bool {
	g := facts.PartyKey(got)
	if g == "" {
		return false
	}
	for _, n := range names {
		k := facts.PartyKey(n)
		if k == "" {
			continue
		}
		if facts.SameParty(g, k) || strings.ReplaceAll(g, " ", "") == strings.ReplaceAll(k, " ", "") {
			return true
		}
	}
	return false
}

func normNumber(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimLeft(s, "#:№ ")
	return strings.Map(func(r rune) rune {
		if r == ' ' {
			return -1
		}
		return r
	}, s)
}

// OCRStats returns the pages read by OCR and the time their documents
// took to extract.
func (r *Report) OCRStats() (pages int, took time.Duration) {
	for _, res := range r.Results {
		if res.OCRPages > 0 {
			pages += res.OCRPages
			took += res.Elapsed
		}
	}
	return pages, took
}

// Tally is right/total for one field.
type Tally struct{ Right, Total int }

// Acc is the fraction right (0 when nothing was scored).
func (t Tally) Acc() float64 {
	if t.Total == 0 {
		return 0
	}
	return float64(t.Right) / float64(t.Total)
}

func (t Tally) String() string {
	if t.Total == 0 {
		return "    -    "
	}
	return fmt.Sprintf("%.2f %2d/%-2d", t.Acc(), t.Right, t.Total)
}

// Tally counts a field over the results that pass keep.
func (r *Report) Tally(field string, keep func(Result) bool) Tally {
	var t Tally
	for _, res := range r.Results {
		if keep != nil && !keep(res) {
			continue
		}
		if field == "core" {
			for _, f := range CoreFields {
				if ok, has := res.Score[f]; has {
					t.Total++
					if ok {
						t.Right++
					}
				}
			}
			continue
		}
		if ok, has := res.Score[field]; has {
			t.Total++
			if ok {
				t.Right++
			}
		}
	}
	return t
}

// HalfIs keeps the results of one half ("" keeps all).
func HalfIs(h string) func(Result) bool {
	return func(r Result) bool { return h == "" || r.Half == h }
}

// Print writes the per-field table for each half and all, the per-language
// table, and (with misses) each wrong field.
func (r *Report) Print(w io.Writer, misses bool) {
	halves := []string{"tune", "heldout", ""}
	fmt.Fprintf(w, "%-15s", "field")
	for _, h := range halves {
		name := h
		if name == "" {
			name = "all"
		}
		fmt.Fprintf(w, " %-12s", name)
	}
	fmt.Fprintln(w)
	for _, f := range append([]string{"core"}, Fields...) {
		fmt.Fprintf(w, "%-15s", f)
		for _, h := range halves {
			fmt.Fprintf(w, " %-12s", r.Tally(f, HalfIs(h)).String())
		}
		fmt.Fprintln(w)
	}
	langs := map[string]bool{}
	for _, res := range r.Results {
		langs[res.Label.Language] = true
	}
	var ls []string
	for l := range langs {
		ls = append(ls, l)
	}
	sort.Strings(ls)
	fmt.Fprintf(w, "\n%-6s %-5s %-12s %-12s %-12s\n", "lang", "docs", "core", "kind", "status")
	for _, l := range ls {
		keep := func(res Result) bool { return res.Label.Language == l }
		n := 0
		for _, res := range r.Results {
			if keep(res) {
				n++
			}
		}
		fmt.Fprintf(w, "%-6s %-5d %-12s %-12s %-12s\n", l, n, r.Tally("core", keep), r.Tally("kind", keep), r.Tally("status", keep))
	}
	if !misses {
		return
	}
	fmt.Fprintln(w)
	for _, res := range r.Results {
		var bad []string
		for _, f := range Fields {
			if ok, has := res.Score[f]; has && !ok {
				g, w := values(res, f)
				bad = append(bad, f+"="+g+" want "+w)
			}
		}
		if res.Err != "" {
			bad = append([]string{"error: " + res.Err}, bad...)
		}
		if len(bad) > 0 {
			fmt.Fprintf(w, "%s [%s %s]: %s\n", res.Label.File, res.Half, res.Label.Language, strings.Join(bad, "; "))
		}
	}
}

// values returns what was read and what the label says for field f, as
// the misses list prints them.
func values(r Result, f string) (got, want string) {
	g, l := r.Got, r.Label
	q := strconv.Quote
	switch f {
	case "issuer":
		return q(g.Party), q(l.Issuer)
	case "issue_date":
		return g.IssueDate.String(), l.IssueDate
	case "due_date":
		return g.DueDate.String(), l.DueDate
	case "total":
		if g.Total == nil {
			return "none", l.Total
		}
		return strconv.FormatFloat(g.Total.Value, 'f', 2, 64), l.Total
	case "currency":
		return q(g.Currency), l.Currency
	case "invoice_number":
		return q(g.InvoiceNumber), q(l.InvoiceNumber)
	case "kind":
		return g.Kind, l.Kind
	case "status":
		return g.Status, l.Status
	}
	return "", ""
}
