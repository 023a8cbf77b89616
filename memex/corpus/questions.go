package corpus

import (
	"fmt"
	"time"
)

func (g *gen) pick(ss ...string) string { return ss[g.rnd.Intn(len(ss))] }

func (g *gen) vendorForm(v int) string {
	vd := Vendors[v]
	forms := append([]string{vd.Legal}, vd.Variants...)
	return forms[g.rnd.Intn(len(forms))]
}

func (g *gen) gold(pred func(m Meta) bool) []string {
	var out []string
	for _, d := range g.c.Docs {
		if pred(d.Meta) {
			out = append(out, d.Name)
		}
	}
	return sorted(out)
}

func in(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

func (g *gen) ask(text string, pred func(m Meta) bool) {
	g.c.Questions = append(g.c.Questions, Question{Text: text, Gold: g.gold(pred), Set: true})
}

func unpaid(m Meta) bool {
	return m.Kind == "invoice" && (m.Status == "unpaid" || m.Status == "overdue")
}

// questions writes set questions whose answers follow from the metadata,
// and one paraphrase question per note.
func (g *gen) questions() {
	q3from, q3to := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for v := range Vendors {
		v := v
		g.ask(fmt.Sprintf(g.pick("unpaid invoices from %s last quarter", "%s invoices still outstanding from last quarter", "which invoices from %s from last quarter are unpaid"), g.vendorForm(v)),
			func(m Meta) bool { return m.Vendor == v && unpaid(m) && in(m.Issue, q3from, q3to) })
		g.ask(fmt.Sprintf(g.pick("overdue invoices from %s", "%s bills that are overdue"), g.vendorForm(v)),
			func(m Meta) bool { return m.Vendor == v && m.Kind == "invoice" && m.Status == "overdue" })
		g.ask(fmt.Sprintf(g.pick("invoices from %s over $2,500", "%s invoices above $2,500"), g.vendorForm(v)),
			func(m Meta) bool {
				return m.Vendor == v && m.Kind == "invoice" && m.Currency == "USD" && m.Total >= 2500
			})
		g.ask(fmt.Sprintf(g.pick("receipts from %s this year", "%s receipts in 2026"), g.vendorForm(v)),
			func(m Meta) bool { return m.Vendor == v && m.Kind == "receipt" && m.Issue.Year() == 2026 })
		// A month in which something was paid to v.
		var months []time.Time
		for _, d := range g.c.Docs {
			if d.Meta.Vendor == v && d.Meta.Status == "paid" {
				t := d.Meta.Paid
				if t.IsZero() {
					t = d.Meta.Issue
				}
				months = append(months, time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC))
			}
		}
		if len(months) > 0 {
			mo := months[g.rnd.Intn(len(months))]
			end := mo.AddDate(0, 1, 0)
			g.ask(fmt.Sprintf(g.pick("what did we pay %s for in %s", "what have we paid %s in %s"), g.vendorForm(v), mo.Format("January 2006")),
				func(m Meta) bool {
					if m.Vendor != v || m.Status != "paid" || (m.Kind != "invoice" && m.Kind != "receipt" && m.Kind != "payment_confirmation") {
						return false
					}
					t := m.Paid
					if t.IsZero() {
						t = m.Issue
					}
					return in(t, mo, end)
				})
		}
	}
	g.ask("overdue invoices", func(m Meta) bool { return m.Kind == "invoice" && m.Status == "overdue" })
	g.ask("quotes from last month", func(m Meta) bool {
		return m.Kind == "quote" && in(m.Issue, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	})
	g.ask("credit notes in 2025", func(m Meta) bool { return m.Kind == "credit_note" && m.Issue.Year() == 2025 })
	g.ask("purchase orders in Q2 2026", func(m Meta) bool {
		return m.Kind == "purchase_order" && in(m.Issue, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	})
	g.ask("paid invoices between June and August", func(m Meta) bool {
		return m.Kind == "invoice" && m.Status == "paid" && in(m.Issue, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	})
	g.ask("invoices under $500 since May", func(m Meta) bool {
		return m.Kind == "invoice" && m.Currency == "USD" && m.Total <= 500 && !m.Issue.Before(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	})
	g.ask("payment confirmations in March 2026", func(m Meta) bool {
		return m.Kind == "payment_confirmation" && in(m.Issue, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	})
	for _, d := range g.c.Docs {
		if d.Meta.Kind == "note" {
			g.c.Questions = append(g.c.Questions, Question{Text: NoteQuery()[d.Meta.NoteID], Gold: []string{d.Name}})
		}
	}
}
