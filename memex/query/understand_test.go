package query

import (
	"slices"
	"testing"
	"time"

	"nexusos/memex/facts"
)

var now = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

var known = []string{"northwind traders", "contoso", "fabrikam coffee roasters", "litware", "adventure works"}

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParse(t *testing.T) {
	cases := []struct {
		q        string
		kinds    []string
		statuses []string
		overdue  bool
		parties  []string
		from, to string
		field    DateField
		min, max float64
		set      bool
	}{
		{q: "unpaid invoices from Northwind last quarter", kinds: []string{facts.KindInvoice}, statuses: []string{"unpaid", "overdue"},
			parties: []string{"northwind traders"}, from: "2026-07-01", to: "2026-10-01", field: IssueDate, set: true},
		{q: "what did we pay Contoso for in May", statuses: []string{"paid"}, parties: []string{"contoso"}, from: "2026-05-01", to: "2026-06-01", field: PaidDate, kinds: []string{facts.KindInvoice, facts.KindReceipt, facts.KindPayment}, set: true},
		{q: "overdue bills", kinds: []string{facts.KindInvoice}, overdue: true, set: true},
		{q: "receipts in March 2026", kinds: []string{facts.KindReceipt}, from: "2026-03-01", to: "2026-04-01", field: IssueDate, set: true},
		{q: "Q3 2025 invoices over $2,500", kinds: []string{facts.KindInvoice}, from: "2025-07-01", to: "2025-10-01", field: IssueDate, min: 2500, set: true},
		{q: "quotes under 200 EUR since May", kinds: []string{facts.KindQuote}, from: "2026-05-01", to: "2200-01-01", field: IssueDate, max: 200, set: true},
		{q: "invoices between June and August", kinds: []string{facts.KindInvoice}, from: "2026-06-01", to: "2026-09-01", field: IssueDate, set: true},
		{q: "invoices due last month from northwnd", kinds: []string{facts.KindInvoice}, statuses: []string{"unpaid", "overdue"}, parties: []string{"northwind traders"}, from: "2026-10-01", to: "2026-11-01", field: DueDate, set: true},
		{q: "how do plants make food from sunlight"},
		{q: "which Northwind invoices haven't been paid yet", kinds: []string{facts.KindInvoice}, statuses: []string{"unpaid", "overdue"}, parties: []string{"northwind traders"}, set: true},
		{q: "invoices we received in October", kinds: []string{facts.KindInvoice}, from: "2026-10-01", to: "2026-11-01", field: IssueDate, set: true},
		{q: "unsettled invoices older than 30 days", kinds: []string{facts.KindInvoice}, statuses: []string{"unpaid", "overdue"}, from: "1900-01-01", to: "2026-10-27", field: IssueDate, set: true},
		{q: "any open quotes from Contoso", kinds: []string{facts.KindQuote}, parties: []string{"contoso"}, set: true},
		{q: "paid invoices this year from Fabrikam", kinds: []string{facts.KindInvoice}, statuses: []string{"paid"}, parties: []string{"fabrikam coffee roasters"}, from: "2026-01-01", to: "2027-01-01", field: IssueDate, set: true},
	}
	for _, c := range cases {
		u := Parse(c.q, now, known)
		if !slices.Equal(u.Kinds, c.kinds) {
			t.Errorf("%q: kinds %v want %v", c.q, u.Kinds, c.kinds)
		}
		if !slices.Equal(u.Statuses, c.statuses) || u.Overdue != c.overdue {
			t.Errorf("%q: statuses %v overdue %v want %v %v", c.q, u.Statuses, u.Overdue, c.statuses, c.overdue)
		}
		if !slices.Equal(u.Parties, c.parties) {
			t.Errorf("%q: parties %v want %v", c.q, u.Parties, c.parties)
		}
		if c.from == "" {
			if u.Time != nil {
				t.Errorf("%q: unexpected time %+v", c.q, u.Time)
			}
		} else if u.Time == nil || !u.Time.From.Equal(d(c.from)) || !u.Time.To.Equal(d(c.to)) || u.Time.Field != c.field {
			t.Errorf("%q: time %+v want %s..%s %s", c.q, u.Time, c.from, c.to, c.field)
		}
		if c.min != 0 && (u.Amount == nil || u.Amount.Min == nil || *u.Amount.Min != c.min) {
			t.Errorf("%q: amount %+v want min %v", c.q, u.Amount, c.min)
		}
		if c.max != 0 && (u.Amount == nil || u.Amount.Max == nil || *u.Amount.Max != c.max) {
			t.Errorf("%q: amount %+v want max %v", c.q, u.Amount, c.max)
		}
		if u.IsSetQuestion() != c.set {
			t.Errorf("%q: set question %v want %v (rest %q)", c.q, u.IsSetQuestion(), c.set, u.Rest)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("unpaid invoices from Northwind last quarter")
	f.Add("between $1 and 2 eur in q9 2026 since may 2025-13-45")
	f.Add("emails sent between 28 Nov 2025 and 5 Jan 2026 from J. C. Smith & Jones jqp@x.org")
	f.Add("top 3 invoices around $1,200 INV-2025-0042 not yet due after the 15th, 30/02/2026")
	f.Fuzz(func(t *testing.T, s string) {
		u := Parse(s, now, known)
		if u.Time != nil && u.Time.To.Before(u.Time.From) {
			t.Fatalf("inverted range %+v", u.Time)
		}
		_ = u.String()
	})
}
