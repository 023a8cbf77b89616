package query

import (
	"slices"
	"testing"

	"nexusos/memex/facts"
)

// TestParseTimes checks explicit dates and ranges in common formats, open
// bounds, relative windows backwards and forwards, and the date field
// chosen by the words before the period.
func TestParseTimes(t *testing.T) {
	for _, c := range []struct {
		q, from, to string
		field       DateField
	}{
		{"invoices over 2000 in 2025", "2025-01-01", "2026-01-01", IssueDate},
		{"mail sent on 2001-07-30", "2001-07-30", "2001-07-31", SentDate},
		{"emails from July 6, 2001 to July 7, 2001", "2001-07-06", "2001-07-08", SentDate},
		{"emails sent between 28 Nov 2025 and 5 Jan 2026", "2025-11-28", "2026-01-06", SentDate},
		{"mail received on July 6, 2001", "2001-07-06", "2001-07-07", SentDate},
		{"invoices between November 28, 2025 and January 5, 2026", "2025-11-28", "2026-01-06", IssueDate},
		{"invoices from 28 Nov to 5 Jan 2026", "2025-11-28", "2026-01-06", IssueDate},
		{"receipts dated 30/07/2025", "2025-07-30", "2025-07-31", IssueDate},
		{"receipts dated 07/30/2025", "2025-07-30", "2025-07-31", IssueDate},
		{"invoices before March", "1900-01-01", "2026-03-01", IssueDate},
		{"invoices after the 15th", "2026-11-16", "2200-01-01", IssueDate},
		{"invoices since 2025-03-01", "2025-03-01", "2200-01-01", IssueDate},
		{"invoices until 15 March 2026", "1900-01-01", "2026-03-16", IssueDate},
		{"invoices in the first half of 2025", "2025-01-01", "2025-07-01", IssueDate},
		{"invoices in H2 2025", "2025-07-01", "2026-01-01", IssueDate},
		{"invoices from Q4 2025", "2025-10-01", "2026-01-01", IssueDate},
		{"receipts in the last 2 weeks", "2026-11-12", "2026-11-27", IssueDate},
		{"invoices due in the next 30 days", "2026-11-26", "2026-12-27", DueDate},
		{"invoices due next month", "2026-12-01", "2027-01-01", DueDate},
		{"invoices paid this month", "2026-11-01", "2026-12-01", PaidDate},
		{"emails from yesterday", "2026-11-25", "2026-11-26", SentDate},
		{"invoices from 2024 to 2025", "2024-01-01", "2026-01-01", IssueDate},
	} {
		u := Parse(c.q, now, known)
		if u.Time == nil || !u.Time.From.Equal(d(c.from)) || !u.Time.To.Equal(d(c.to)) || u.Time.Field != c.field {
			t.Errorf("%q: time %+v, want %s..%s %s", c.q, u.Time, c.from, c.to, c.field)
		}
		if !u.IsSetQuestion() {
			t.Errorf("%q: not a set question (rest %q)", c.q, u.Rest)
		}
	}
}

func TestParseDueWindows(t *testing.T) {
	u := Parse("what's coming due in the next 30 days", now, known)
	if u.Time == nil || u.Time.Field != DueDate || !u.Time.From.Equal(now) || !u.Time.To.Equal(d("2026-12-27")) {
		t.Errorf("coming due: time %+v", u.Time)
	}
	if !slices.Equal(u.Statuses, []string{facts.StatusUnpaid, facts.StatusOverdue}) || u.Overdue {
		t.Errorf("coming due: statuses %v overdue %v, want unpaid (not overdue only)", u.Statuses, u.Overdue)
	}
	u = Parse("invoices not yet due", now, known)
	if u.Time == nil || u.Time.Field != DueDate || !u.Time.From.Equal(now) || u.Time.To.Before(d("2100-01-01")) {
		t.Errorf("not yet due: time %+v", u.Time)
	}
	if !slices.Equal(u.Statuses, []string{facts.StatusUnpaid, facts.StatusOverdue}) || u.Overdue || !u.IsSetQuestion() {
		t.Errorf("not yet due: statuses %v overdue %v rest %q", u.Statuses, u.Overdue, u.Rest)
	}
}

func TestParseParties(t *testing.T) {
	stored := []string{"northwind traders", "northwind", "nordic acme", "acme", "smith & jones", "john q public", "john public",
		"john smith", "j c lawrence", "phil r lawrence", "tim chapman", "contoso"}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"invoices from Northwind Traders", []string{"northwind traders", "northwind"}}, // the shorter variant is kept
		{"Acme invoices", []string{"nordic acme", "acme"}},
		{"invoices from Smith & Jones", []string{"smith & jones"}},
		{"invoices from Smith and Jones", []string{"smith & jones"}},
		{"every email John Public sent", []string{"john q public", "john public"}},
		{"every email John Q. Public sent", []string{"john q public", "john public"}},
		{"emails from J C Lawrence", []string{"j c lawrence"}},
		{"emails from Tim Peters", nil},
		{"how to brew acme coffee", nil}, // a word from inside a name needs a question about documents
	} {
		u := Parse(c.q, now, stored)
		if !slices.Equal(u.Parties, c.want) {
			t.Errorf("%q: parties %v, want %v", c.q, u.Parties, c.want)
		}
	}
	if u := Parse("every email John Q. Public sent", now, stored); u.Rest != "" {
		t.Errorf("initials left in the search words: %q", u.Rest)
	}
}

func TestParseLookups(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	for _, c := range []struct {
		q        string
		number   string
		min, max *float64
		order    *Order
		agg      string
	}{
		{q: "find invoice AB-12-345", number: "ab-12-345"},
		{q: "INV-2025-0042", number: "inv-2025-0042"},
		{q: "invoice #12345", number: "12345"},
		{q: "find invoice NW 1", number: "NW 1"},
		{q: "find invoice FPR 16/20", number: "FPR 16/20"},
		{q: "order no. 12 345", number: "12 345"},
		{q: "invoices of exactly 500", min: f(500), max: f(500)},
		{q: "invoices around $1,200", min: f(1080), max: f(1320)},
		{q: "invoices between 1k and 5k", min: f(1000), max: f(5000)},
		{q: "invoices under $500", max: f(500)},
		{q: "receipts over 2000 EUR", min: f(2000)},
		{q: "invoices over 2778 BRL", min: f(2778)},
		{q: "invoices under 300 zł", max: f(300)},
		{q: "the largest invoice from Contoso", order: &Order{By: ByTotal, Desc: true, Limit: 1}},
		{q: "top 3 invoices from contoso", order: &Order{By: ByTotal, Desc: true, Limit: 3}},
		{q: "the most expensive receipt", order: &Order{By: ByTotal, Desc: true, Limit: 1}},
		{q: "cheapest quotes", order: &Order{By: ByTotal}},
		{q: "most recent email from contoso", order: &Order{By: ByDate, Desc: true, Limit: 1}},
		{q: "the oldest unpaid invoice", order: &Order{By: ByDate, Limit: 1}},
		{q: "how much did we pay Contoso in 2025", agg: AggSum},
		{q: "total owed to Northwind", agg: AggSum},
	} {
		u := Parse(c.q, now, known)
		if u.Number != c.number {
			t.Errorf("%q: number %q, want %q", c.q, u.Number, c.number)
		}
		if u.Number != "" && u.Time != nil {
			t.Errorf("%q: number read as a date %+v", c.q, u.Time)
		}
		if (c.min != nil || c.max != nil) != (u.Amount != nil) {
			t.Errorf("%q: amount %+v", c.q, u.Amount)
		} else if a := u.Amount; a != nil {
			if !sameBound(a.Min, c.min) || !sameBound(a.Max, c.max) {
				t.Errorf("%q: amount [%v, %v], want [%v, %v]", c.q, deref(a.Min), deref(a.Max), deref(c.min), deref(c.max))
			}
		}
		if (c.order == nil) != (u.Order == nil) || c.order != nil && (u.Order.By != c.order.By || u.Order.Desc != c.order.Desc || u.Order.Limit != c.order.Limit) {
			t.Errorf("%q: order %+v, want %+v", c.q, u.Order, c.order)
		}
		if u.Aggregate != c.agg {
			t.Errorf("%q: aggregate %q, want %q", c.q, u.Aggregate, c.agg)
		}
		if !u.IsSetQuestion() {
			t.Errorf("%q: not a set question (rest %q)", c.q, u.Rest)
		}
	}
	if k := NumberKey(" AB 12-345 "); k != "ab12345" {
		t.Errorf("NumberKey = %q", k)
	}
}

func sameBound(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	d := *a - *b
	return d < 1e-9 && d > -1e-9
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestTopicQuestionsStayTopics: status and kind words inside a topic
// question are search words, not money-document filters.
func TestTopicQuestionsStayTopics(t *testing.T) {
	for _, q := range []string{
		"late delivery of the project estimate",
		"how to bill a client for overtime",
		"open questions about the design",
		"notes about kubernetes",
		"what is due next week for the garden project",
		"first aid kit checklist",
		"the oldest trees in europe",
		"how do plants make food from sunlight",
		"pending changes to the mail server",
	} {
		u := Parse(q, now, known)
		if len(u.Kinds)+len(u.Statuses) > 0 || u.Overdue || u.Order != nil || u.Amount != nil || u.Number != "" || u.Rest == "" {
			t.Errorf("%q hijacked: %s", q, u)
		}
	}
	// The same words about money documents are filters.
	for q, want := range map[string]string{
		"late invoices":          "overdue",
		"open bills":             facts.StatusUnpaid,
		"what's due":             facts.StatusUnpaid,
		"estimates from Contoso": "",
	} {
		u := Parse(q, now, known)
		got := ""
		if u.Overdue {
			got = "overdue"
		} else if len(u.Statuses) > 0 {
			got = u.Statuses[0]
		}
		if got != want || len(u.Kinds) == 0 || !u.IsSetQuestion() {
			t.Errorf("%q: %s, want status %q and a kind", q, u, want)
		}
	}
}

// TestParsePartyForms checks that a legal form written after a party
// name belongs to the name (not to the words left for search) and is kept
// to tell companies of one name apart.
func TestParsePartyForms(t *testing.T) {
	parties := []string{"bluem", "amazon eu", "hornbach baumarkt", "acme"}
	for _, c := range []struct {
		q, form string
	}{
		{"invoices from Bluem BV", "bv"},
		{"invoices from Bluem B.V.", "bv"},
		{"invoices from Amazon EU S.à r.l.", "sarl"},
		{"receipts from HORNBACH Baumarkt AG", "ag"},
		{"unpaid invoices from Acme Limited", "ltd"},
		{"unpaid invoices from Acme Ltd.", "ltd"},
	} {
		u := Parse(c.q, now, parties)
		if len(u.Parties) == 0 || u.Rest != "" || !slices.Equal(u.PartyForms, []string{c.form}) {
			t.Errorf("%q: parties %v forms %v rest %q, want form %q and no rest", c.q, u.Parties, u.PartyForms, u.Rest, c.form)
		}
	}
	// An everyday word after a name is no form.
	if u := Parse("invoices from acme as of march 2026", now, parties); len(u.PartyForms) > 0 {
		t.Errorf("as of: forms %v", u.PartyForms)
	}
	// Stacked forms are all the name's, as facts.LegalForms reads a
	// stored name; the name's last word may start one.
	for _, c := range []struct {
		q     string
		forms []string
	}{
		{"invoices from My Great Company, Inc.", []string{"co", "inc"}},
		{"quotes from OceanFreight Co. Ltd.", []string{"co", "ltd"}},
		{"invoices from Contoso Pvt. Limited", []string{"pvtltd"}},
		{"receipts from Oravel Stays Private Limited", []string{"pvtltd"}},
	} {
		u := Parse(c.q, now, []string{"my great", "oceanfreight", "contoso", "oravel stays", "oravel stays private"})
		if len(u.Parties) == 0 || u.Rest != "" || !slices.Equal(u.PartyForms, c.forms) {
			t.Errorf("%q: parties %v forms %v rest %q, want forms %v and no rest", c.q, u.Parties, u.PartyForms, u.Rest, c.forms)
		}
	}
	for name, want := range map[string][]string{
		"My Great Company, Inc.":       {"inc", "co"},
		"OceanFreight Co. Ltd.":        {"ltd", "co"},
		"CONTOSO PVT. LIMITED":         {"pvtltd"},
		"Oravel Stays Private Limited": {"pvtltd"},
		"Northwind Traders":            nil,
	} {
		if got := facts.LegalForms(name); !slices.Equal(got, want) {
			t.Errorf("LegalForms(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestParseStrictAmounts: "over" and "under" leave the bound out; "at
// least", "up to" and ">=" keep it.
func TestParseStrictAmounts(t *testing.T) {
	for _, c := range []struct {
		q      string
		strict bool
		desc   string
	}{
		{"invoices over 500 EUR", true, "> 500 EUR"},
		{"invoices under $500", true, "< 500 USD"},
		{"invoices more than 2k", true, "> 2000"},
		{"invoices of at least 500 EUR", false, ">= 500 EUR"},
		{"invoices up to 500 EUR", false, "<= 500 EUR"},
		{"invoices >= 500 EUR", false, ">= 500 EUR"},
		{"invoices between 1k and 5k", false, ">= 1000 <= 5000"},
	} {
		u := Parse(c.q, now, nil)
		if u.Amount == nil {
			t.Errorf("%q: no amount", c.q)
			continue
		}
		if u.Amount.Strict != c.strict || u.Amount.Describe() != c.desc {
			t.Errorf("%q: amount %+v (%q), want strict %v, %q", c.q, u.Amount, u.Amount.Describe(), c.strict, c.desc)
		}
	}
}

// TestParseStoredNumberBeatsDate: a number an indexed document carries is
// read as that number even when it looks like a day, after a singular
// label; the label's kind is kept.
func TestParseStoredNumberBeatsDate(t *testing.T) {
	stored := map[string]bool{NumberKey("2015-11-04"): true, NumberKey("2/11/2023"): true}
	k := Known{IsNumber: func(key string) bool { return stored[key] }}
	for q, want := range map[string]string{"invoice 2015-11-04": "2015-11-04", "invoice 2/11/2023": "2/11/2023", "invoices 2015-11-04": "", "invoice 2015-11-05": ""} {
		u := ParseKnown(q, now, k)
		if u.Number != want {
			t.Errorf("%q: number %q, want %q (time %+v)", q, u.Number, want, u.Time)
		}
		if want != "" && (u.NumberKind != facts.KindInvoice || u.Time != nil) {
			t.Errorf("%q: number kind %q time %+v", q, u.NumberKind, u.Time)
		}
		if want == "" && u.Time == nil {
			t.Errorf("%q: no day read", q)
		}
	}
	if u := Parse("order no. PO-4471", now, nil); u.Number != "po-4471" || u.NumberKind != facts.KindPurchaseOrder {
		t.Errorf("order no. PO-4471: number %q kind %q", u.Number, u.NumberKind)
	}
}

// TestParseNumbersAfterSingularLabel: four digits after "invoice" are a
// number unless they could be a year of a current document.
func TestParseNumbersAfterSingularLabel(t *testing.T) {
	for q, want := range map[string]string{
		"invoice 1727": "1727", "invoice 0000": "0000", "invoice 23413561D": "23413561d", "invoice US-001": "us-001",
		"invoices 2025": "", "invoice 2025": "",
	} {
		if u := Parse(q, now, known); u.Number != want {
			t.Errorf("%q: number %q, want %q", q, u.Number, want)
		}
	}
	if u := Parse("invoices over 2778 BRL", now, known); u.Amount == nil || u.Amount.Currency != "BRL" || u.Rest != "" {
		t.Errorf("over 2778 BRL: amount %+v rest %q", u.Amount, u.Rest)
	}
	if u := Parse("invoices due in March 2011", now, known); len(u.Statuses) > 0 || u.Time == nil || u.Time.Field != DueDate {
		t.Errorf("due in March 2011: statuses %v time %+v, want the due date alone", u.Statuses, u.Time)
	}
	if u := Parse("statements from 2021", now, known); !slices.Equal(u.Kinds, []string{facts.KindStatement}) {
		t.Errorf("statements from 2021: kinds %v", u.Kinds)
	}
}

// TestParseFamilyNames: a shorter stored name inside the one asked for is
// kept as its variant, unless it starts several longer names (a family).
func TestParseFamilyNames(t *testing.T) {
	u := Parse("invoices from Northwind Traders", now, []string{"northwind", "northwind traders"})
	if slices.Sort(u.Parties); !slices.Equal(u.Parties, []string{"northwind", "northwind traders"}) {
		t.Errorf("Northwind Traders: parties %v, want the name and its variant", u.Parties)
	}
	u = Parse("invoices from Contoso Suites", now, []string{"contoso", "contoso bank", "contoso inn", "contoso suites"})
	if !slices.Equal(u.Parties, []string{"contoso suites"}) {
		t.Errorf("Contoso Suites: parties %v, want only it", u.Parties)
	}
}

func TestParseOrdinalsThatAreNoDays(t *testing.T) {
	for _, q := range []string{"plague in the 14th century", "philosophers of the 17th century", "after the 3rd floor renovation"} {
		if u := Parse(q, now, known); u.Time != nil {
			t.Errorf("%q: time %+v, want none", q, u.Time)
		}
	}
	if u := Parse("invoices after the 15th", now, known); u.Time == nil {
		t.Errorf("after the 15th: no time")
	}
}

// TestParseJapaneseParty: a Japanese name is written with its company
// form and no space ("サンプル株式会社"); it names the party whose key was
// made from an OCR reading of it ("サン ブル 株 式 会 社").
func TestParseJapaneseParty(t *testing.T) {
	parties := []string{facts.PartyKey("サン ブル 株 式 会 社"), facts.PartyKey("Mitaka株式会社"), "acme"}
	for _, q := range []string{"invoices from サンプル株式会社", "unpaid invoices from サンプル", "invoices from Mitaka株式会社"} {
		if u := Parse(q, now, parties); len(u.Parties) == 0 || u.Rest != "" {
			t.Errorf("%q: parties %v rest %q", q, u.Parties, u.Rest)
		}
	}
	if u := Parse("invoices from ダミー株式会社", now, parties); len(u.Parties) > 0 {
		t.Errorf("another Japanese company matched %v", u.Parties)
	}
}

func TestParseDayRangesInOneMonth(t *testing.T) {
	for q, want := range map[string][2]string{
		"invoices between 1 and 15 March":                  {"2026-03-01", "2026-03-16"},
		"invoices from March 1 to 15":                      {"2026-03-01", "2026-03-16"},
		"invoices 1st-15th of March 2025":                  {"2025-03-01", "2025-03-16"},
		"invoices from the 1st to the 15th of March 2025":  {"2025-03-01", "2025-03-16"},
		"invoices between 10 and 20 March 2024 over 100 €": {"2024-03-10", "2024-03-21"},
	} {
		u := Parse(q, now, nil)
		if u.Time == nil || u.Time.From.Format("2006-01-02") != want[0] || u.Time.To.Format("2006-01-02") != want[1] || u.Rest != "" {
			t.Errorf("%q: time %+v rest %q, want %s to %s", q, u.Time, u.Rest, want[0], want[1])
		}
	}
	// Two numbers without a month stay amounts, with their currency word.
	if u := Parse("invoices between 100 and 500 euros", now, nil); u.Time != nil || u.Amount == nil || u.Amount.Currency != "EUR" || u.Rest != "" {
		t.Errorf("amount range: time %+v amount %+v rest %q", u.Time, u.Amount, u.Rest)
	}
}

func TestParseChargedAndSpentPhrases(t *testing.T) {
	stored := []string{"acme", "contoso"}
	for q, kinds := range map[string][]string{
		"what did Acme charge us":                       {facts.KindInvoice, facts.KindReceipt},
		"payments to Acme in 2025":                      {facts.KindInvoice, facts.KindReceipt, facts.KindPayment},
		"how much have we spent with Contoso this year": {facts.KindInvoice, facts.KindReceipt, facts.KindPayment},
		"anything from Contoso last month":              nil,
	} {
		u := Parse(q, now, stored)
		if !slices.Equal(u.Kinds, kinds) || len(u.Parties) != 1 || !u.IsSetQuestion() {
			t.Errorf("%q: kinds %v parties %v rest %q, want kinds %v and a set question", q, u.Kinds, u.Parties, u.Rest, kinds)
		}
	}
}

func TestParsePartyOfQuestionWords(t *testing.T) {
	// A party whose name is made of question words is named by the whole
	// name, not by any of its words.
	stored := []string{"my company", "acme"}
	if u := Parse("invoices from My Company s.r.o.", now, stored); !slices.Equal(u.Parties, []string{"my company"}) || u.Rest != "" {
		t.Errorf("parties %v rest %q", u.Parties, u.Rest)
	}
	if u := Parse("show me my invoices", now, stored); len(u.Parties) != 0 {
		t.Errorf("\"my\" read as a party: %v", u.Parties)
	}
}

func TestParseCurrencyNegationAndDuties(t *testing.T) {
	stored := []string{"acme", "globex", "contoso"}
	u := Parse("invoices in EUR", now, nil)
	if u.Amount == nil || u.Amount.Currency != "EUR" || u.Amount.Min != nil || u.Amount.Max != nil || u.Rest != "" {
		t.Errorf("in EUR: %+v rest %q", u.Amount, u.Rest)
	}
	if u := Parse("receipts in swiss francs", now, nil); u.Amount == nil || u.Amount.Currency != "CHF" {
		t.Errorf("in swiss francs: %+v", u.Amount)
	}
	if u := Parse("invoices in dollars over 500", now, nil); u.Amount == nil || u.Amount.Currency != "USD" || u.Amount.Min == nil || *u.Amount.Min != 500 {
		t.Errorf("in dollars over 500: %+v", u.Amount)
	}
	if u := Parse("notes in php", now, nil); u.Amount != nil {
		t.Errorf("a word that is a currency code read as one: %+v", u.Amount)
	}
	if u := Parse("the invoice for 1,234.56", now, nil); u.Amount == nil || u.Amount.Min == nil || *u.Amount.Min != 1234.56 || *u.Amount.Max != 1234.56 {
		t.Errorf("for 1,234.56: %+v", u.Amount)
	}
	if u := Parse("the invoice for 2025", now, nil); u.Amount != nil || u.Time == nil {
		t.Errorf("a year read as an amount: %+v", u.Amount)
	}
	u = Parse("bills I need to pay this month", now, nil)
	if !slices.Equal(u.Statuses, []string{"unpaid", "overdue"}) || u.Time == nil || u.Time.Field != DueDate || u.Rest != "" {
		t.Errorf("need to pay: statuses %v time %+v rest %q", u.Statuses, u.Time, u.Rest)
	}
	if u := Parse("total spent on Contoso in Q2 2025", now, stored); !u.Spent || u.Aggregate != AggSum || u.Rest != "" {
		t.Errorf("spent on: spent %v aggregate %q rest %q", u.Spent, u.Aggregate, u.Rest)
	}
	// A kind left out.
	if u := Parse("everything except receipts", now, nil); !slices.Equal(u.NotKinds, []string{"receipt"}) || len(u.Kinds) != 0 || !u.IsSetQuestion() {
		t.Errorf("except receipts: kinds %v not %v rest %q", u.Kinds, u.NotKinds, u.Rest)
	}
	if u := Parse("invoices, not receipts", now, nil); !slices.Equal(u.Kinds, []string{"invoice"}) || !slices.Equal(u.NotKinds, []string{"receipt"}) {
		t.Errorf("invoices, not receipts: kinds %v not %v", u.Kinds, u.NotKinds)
	}
	// A status left out is the other one.
	if u := Parse("invoices except the paid ones", now, nil); !slices.Equal(u.Statuses, []string{"unpaid", "overdue"}) || u.Rest != "" {
		t.Errorf("except the paid ones: %v rest %q", u.Statuses, u.Rest)
	}
	if u := Parse("all invoices but not the unpaid ones", now, nil); !slices.Equal(u.Statuses, []string{"paid"}) || u.Rest != "" {
		t.Errorf("but not the unpaid ones: %v rest %q", u.Statuses, u.Rest)
	}
	for q, want := range map[string]bool{"invoices not from Acme": true, "all invoices except Globex": true, "invoices from Acme except Globex": false} {
		u := Parse(q, now, stored)
		if u.NotParties != want || len(u.Parties) != 1 || u.Rest != "" {
			t.Errorf("%q: parties %v not %v rest %q", q, u.Parties, u.NotParties, u.Rest)
		}
	}
}
