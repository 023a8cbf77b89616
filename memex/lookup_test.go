package memex

import (
	"context"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"
)

var lookupMail = map[string]string{
	"mail/1.eml": "From: \"John Q. Public\" <jqp@example.org>\r\nTo: team@example.org\r\nSubject: Garden plans\r\nDate: Fri, 06 Jul 2001 23:30:00 -0700\r\n\r\nThe tomatoes need staking.\r\n",
	"mail/2.eml": "From: jqp@example.org\r\nTo: team@example.org\r\nSubject: Re: Garden plans\r\nDate: Sat, 07 Jul 2001 09:00:00 +0100\r\n\r\nAnd water them daily.\r\n",
	"mail/3.eml": "From: Jane Roe <jane@example.org>\r\nTo: team@example.org\r\nSubject: Meeting on 12 August 2001\r\nDate: Sat, 07 Jul 2001 10:00:00 +0000\r\n\r\nSee you on 12 August 2001.\r\n",
	"mail/4.eml": "From: John Smith <js@example.com>\r\nTo: team@example.org\r\nSubject: Fence\r\nDate: Mon, 09 Jul 2001 10:00:00 +0000\r\n\r\nThe fence is done.\r\n",
}

// TestLookups runs number lookups, amount bounds, order, aggregates,
// sent dates and senders through the whole engine.
func TestLookups(t *testing.T) {
	m, _, _ := openTest(t)
	dir := t.TempDir()
	files := map[string]string{}
	for k, v := range smallCorpus {
		files[k] = v
	}
	for k, v := range lookupMail {
		files[k] = v
	}
	// No currency stated: an amount bound with a currency cannot vouch
	// for it, one without can.
	files["b/nocur.txt"] = "Blank Works\nINVOICE\nInvoice No: B-1\nDate: June 2, 2026\nTotal: 1200.00\n"
	writeFiles(t, dir, files)
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	ask := func(q string) *Answer {
		t.Helper()
		ans, err := m.Query(ctx, q, QueryOptions{Now: now, Limit: 10})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		return ans
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"find invoice nw-1", []string{"a/001.txt"}},
		{"invoice NW-2", []string{"a/002.txt"}},
		{"invoice NW 2", []string{"a/002.txt"}},
		{"invoices of exactly $1,200", []string{"a/003.txt"}},
		{"invoices of exactly 1,200", []string{"a/003.txt", "b/nocur.txt"}},
		{"invoices around 2,400 USD", []string{"a/001.txt"}},
		{"the largest invoice from Northwind", []string{"a/001.txt"}},
		{"the smallest invoice from Northwind", []string{"a/005.txt"}},
		{"emails from July 6, 2001 to July 7, 2001", []string{"mail/1.eml", "mail/2.eml", "mail/3.eml"}},
		{"mail sent on 2001-07-07", []string{"mail/2.eml", "mail/3.eml"}},
		{"emails sent between 7 Jul 2001 and 9 Jul 2001", []string{"mail/2.eml", "mail/3.eml", "mail/4.eml"}},
		{"every email John Public sent", []string{"mail/1.eml", "mail/2.eml"}},
		{"emails from jqp@example.org", []string{"mail/1.eml", "mail/2.eml"}},
		{"the latest email from John Q. Public", []string{"mail/2.eml"}},
		// Any party but the named one; a currency without bounds; an
		// amount written with its cents after "for".
		{"invoices not from Northwind", []string{"a/003.txt", "b/nocur.txt"}},
		{"all invoices except Contoso and Blank Works", []string{"a/001.txt", "a/002.txt", "a/005.txt"}},
		{"everything from Northwind except invoices", []string{"a/004.txt"}},
		{"invoices in USD", []string{"a/001.txt", "a/002.txt", "a/003.txt", "a/005.txt"}},
		{"any invoice for 1,200.00", []string{"a/003.txt", "b/nocur.txt"}},
		// "over" leaves the bound out, "at least" keeps it.
		{"invoices over 1,200 USD", []string{"a/001.txt"}},
		{"invoices of at least 1,200 USD", []string{"a/001.txt", "a/003.txt"}},
	} {
		ans := ask(c.q)
		var got []string // in the answer's order
		for _, r := range ans.Results {
			got = append(got, r.Rel)
		}
		if c.q[:4] != "the " {
			sort.Strings(got)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %v, want %v (understood {%s})", c.q, got, c.want, ans.Understood)
		}
	}
	ans := ask("total of invoices from Northwind")
	if ans.Total == nil || ans.Total.Sums["USD"] != 2500+800+300 || ans.Total.Files != 3 {
		t.Errorf("total: %+v over %v, want 3600 USD over 3 files", ans.Total, paths(ans))
	}
	if ans := ask("invoices from Northwind"); ans.Total != nil {
		t.Errorf("a question without an aggregate got a total %+v", ans.Total)
	}
}

func TestHasNumber(t *testing.T) {
	text := "INVOICE # US-001\nRechnung F 1234K20/1234/12 vom 3.4.2020\nTotal 12345.00"
	for key, want := range map[string]bool{"us001": true, "f1234k20123412": true, "1234k20123412": true, "123": false, "1234500": true, "us00": false} {
		if got := hasNumber(text, key); got != want {
			t.Errorf("hasNumber(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestNumberLookupKinds: the label's kind chooses among documents that
// carry one number, and a stored number wins over the day it looks like
// ("invoices" of a day stay a day).
func TestNumberLookupKinds(t *testing.T) {
	m, _, _ := openTest(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"inv.txt": "Delta Supplies GmbH\nINVOICE\nInvoice No: 4711\nDate: 2026-03-02\nTotal: 99.00 EUR\n",
		"cn.txt":  "Delta Supplies GmbH\nCREDIT NOTE\nCredit Note No: 4711\nDate: 2026-03-09\nTotal: 19.00 EUR\n",
		"day.txt": "Epsilon Ltd\nINVOICE\nInvoice Number: 2026/02/11\nDate: 2026-03-01\nTotal: 5.00 EUR\n",
		"feb.txt": "Epsilon Ltd\nINVOICE\nInvoice No: E-7\nDate: 2026-02-11\nTotal: 6.00 EUR\n",
	})
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	if r, _ := m.File(filepath.Join(dir, "day.txt")); r.Facts["invoice_number"] != "2026/02/11" {
		t.Fatalf("day.txt's number: %v", r.Facts["invoice_number"])
	}
	for q, want := range map[string][]string{
		"invoice 4711":        {"inv.txt"},
		"credit note 4711":    {"cn.txt"},
		"invoice 2026/02/11":  {"day.txt"},
		"invoices 2026/02/11": {"feb.txt"},
	} {
		ans, err := m.Query(ctx, q, QueryOptions{Now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range ans.Results {
			got = append(got, r.Rel)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v (understood {%s})", q, got, want, ans.Understood)
		}
	}
}
