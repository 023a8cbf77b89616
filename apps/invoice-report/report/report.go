// Package report computes the invoice report: totals by party and status,
// per currency, rendered as an aligned table or as CSV. It is pure Go with
// no NexusOS imports, so it is tested on the host and runs in the app.
// Its functions are safe for concurrent use.
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"

	"nexusos/memex/facts"
)

// Invoice is one invoice's facts that the report uses.
type Invoice struct {
	Path     string
	Party    string
	Status   string // paid, unpaid, overdue ("unknown" when not stated)
	Currency string
	Amount   float64 // balance due when unpaid, total otherwise
	Total    float64
}

// FromFacts reads an invoice from MemexFS facts (as the ABI returns
// them). It reports false for other kinds of documents and for invoices
// without an amount.
func FromFacts(path string, f map[string]string) (Invoice, bool) {
	if k := f["kind"]; k != "" && k != "invoice" {
		return Invoice{}, false
	}
	amount, err := strconv.ParseFloat(f["amount"], 64)
	if err != nil {
		return Invoice{}, false
	}
	total, err := strconv.ParseFloat(f["total"], 64)
	if err != nil {
		total = amount
	}
	inv := Invoice{Path: path, Party: f["party"], Status: f["status"], Currency: f["currency"], Amount: amount, Total: total}
	if inv.Party == "" {
		inv.Party = "(unknown party)"
	}
	if inv.Status == "" {
		inv.Status = "unknown"
	}
	return inv, true
}

// Row is one group of the report.
type Row struct {
	Party    string
	Status   string
	Currency string
	Count    int
	Total    float64 // sum of invoice totals
	Due      float64 // sum of balances due (unpaid and overdue only)
}

// Report is the grouped invoices, sorted by party, status and currency,
// and the grand totals per currency.
type Report struct {
	Rows   []Row
	Totals []Row // Party "TOTAL", one per currency
}

// Parties merges the variant forms of party names ("Northwind Traders
// Ltd.", "Northwind Traders") the way MemexFS does (facts.PartyKey and
// facts.SameParty) and returns each name's display form: the shortest
// variant seen.
func Parties(names []string) map[string]string {
	keys := map[string][]string{} // party key → raw names
	for _, n := range names {
		k := facts.PartyKey(n)
		keys[k] = append(keys[k], n)
	}
	order := make([]string, 0, len(keys))
	for k := range keys {
		order = append(order, k)
	}
	// Shorter keys first, so "northwind traders" absorbs
	// "northwind traders billing".
	sort.Slice(order, func(i, j int) bool {
		if len(order[i]) != len(order[j]) {
			return len(order[i]) < len(order[j])
		}
		return order[i] < order[j]
	})
	canon := map[string]string{} // key → canonical key
	for i, k := range order {
		canon[k] = k
		for _, c := range order[:i] {
			if canon[c] == c && facts.SameParty(c, k) {
				canon[k] = c
				break
			}
		}
	}
	display := map[string]string{} // canonical key → shortest raw name
	for k, raws := range keys {
		c := canon[k]
		for _, r := range raws {
			if d, ok := display[c]; !ok || len(r) < len(d) || (len(r) == len(d) && r < d) {
				display[c] = r
			}
		}
	}
	out := map[string]string{}
	for k, raws := range keys {
		for _, r := range raws {
			out[r] = display[canon[k]]
		}
	}
	return out
}

// Build groups invoices by party (variant forms merged), status and
// currency.
func Build(invs []Invoice) Report {
	var names []string
	for _, inv := range invs {
		names = append(names, inv.Party)
	}
	party := Parties(names)
	type key struct{ party, status, cur string }
	groups := map[key]*Row{}
	totals := map[string]*Row{}
	for _, inv := range invs {
		p := party[inv.Party]
		k := key{p, inv.Status, inv.Currency}
		r := groups[k]
		if r == nil {
			r = &Row{Party: p, Status: inv.Status, Currency: inv.Currency}
			groups[k] = r
		}
		t := totals[inv.Currency]
		if t == nil {
			t = &Row{Party: "TOTAL", Currency: inv.Currency}
			totals[inv.Currency] = t
		}
		for _, x := range []*Row{r, t} {
			x.Count++
			x.Total += inv.Total
			if inv.Status == "unpaid" || inv.Status == "overdue" {
				x.Due += inv.Amount
			}
		}
	}
	var rep Report
	for _, r := range groups {
		rep.Rows = append(rep.Rows, *r)
	}
	sort.Slice(rep.Rows, func(i, j int) bool {
		a, b := rep.Rows[i], rep.Rows[j]
		if a.Party != b.Party {
			return a.Party < b.Party
		}
		if a.Status != b.Status {
			return a.Status < b.Status
		}
		return a.Currency < b.Currency
	})
	for _, t := range totals {
		rep.Totals = append(rep.Totals, *t)
	}
	sort.Slice(rep.Totals, func(i, j int) bool { return rep.Totals[i].Currency < rep.Totals[j].Currency })
	return rep
}

// WriteTable writes the report as an aligned text table.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PARTY\tSTATUS\tINVOICES\tTOTAL\tDUE\t")
	for _, x := range append(append([]Row(nil), r.Rows...), r.Totals...) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f %s\t%.2f %s\t\n", x.Party, x.Status, x.Count, x.Total, x.Currency, x.Due, x.Currency)
	}
	return tw.Flush()
}

// WriteCSV writes the report as CSV with a header row; the grand totals
// come last with party "TOTAL" and an empty status.
func (r Report) WriteCSV(w *csv.Writer) error {
	w.Write([]string{"party", "status", "currency", "invoices", "total", "due"})
	for _, x := range append(append([]Row(nil), r.Rows...), r.Totals...) {
		w.Write([]string{x.Party, x.Status, x.Currency, strconv.Itoa(x.Count),
			strconv.FormatFloat(x.Total, 'f', 2, 64), strconv.FormatFloat(x.Due, 'f', 2, 64)})
	}
	w.Flush()
	return w.Error()
}
