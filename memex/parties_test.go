package memex

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPartyRules feeds name variants to the registry and checks which
// merge, and by which rule.
func TestPartyRules(t *testing.T) {
	type in struct{ name, from, addr string }
	cases := []struct {
		first, second in
		merge         bool
		rule          string
	}{
		{in{name: "Northwind Traders Ltd."}, in{name: "Northwind Traders"}, true, RuleLegalForm},
		{in{name: "Northwind Traders Ltd."}, in{name: "NORTHWIND TRADERS LIMITED"}, true, RuleLegalForm},
		{in{name: "Acme, Inc"}, in{name: "ACME INC."}, true, RulePunctuation},
		{in{name: "Smith & Jones"}, in{name: "Smith and Jones"}, true, RuleConnectors},
		{in{name: "Nordic Intl AS"}, in{name: "Nordic International"}, true, RuleLegalForm + ", " + RuleAbbreviation},
		{in{name: "Acme Svcs Co."}, in{name: "Acme Services Company"}, true, RuleLegalForm + ", " + RuleAbbreviation},
		{in{name: "Acme Svcs"}, in{name: "ACME SERVICES"}, true, RuleAbbreviation},
		{in{name: "John Q. Public"}, in{name: "John Public"}, true, RuleInitials},
		{in{name: "Smith, John"}, in{name: "John Smith"}, true, RuleNameOrder},
		{in{name: "Public, John Q."}, in{name: "John Public"}, true, RuleNameOrder + ", " + RuleInitials},
		{in{name: "van Dijk, Anna", from: "\"van Dijk, Anna\" <anna@a.org>", addr: "anna@a.org"}, in{name: "Anna van Dijk", from: "Anna van Dijk <av@b.org>", addr: "av@b.org"}, true, RuleNameOrder},
		{in{name: "IBM"}, in{name: "International Business Machines Corp."}, true, RuleInitialism},
		{in{name: "I.B.M."}, in{name: "International Business Machines"}, true, RuleInitialism},
		{in{name: "Northwind Traders"}, in{name: "Northwind"}, true, RuleDropped},
		{in{name: "Contoso Inc."}, in{name: "Contoso Billing", from: "Contoso Billing <billing@contoso.example>", addr: "billing@contoso.example"}, true, RuleDropped},
		{in{name: "Contoso Inc."}, in{name: "contoso", from: "ap@contoso.example", addr: "ap@contoso.example"}, true, RuleDomain},
		{in{name: "Tim Peters", from: "Tim Peters <tim@python.example>", addr: "tim@python.example"},
			in{name: "comcast", from: "tim.one@comcast.net (Tim Peters)", addr: "tim.one@comcast.net"}, true, RuleSameName},
		{in{name: "Jo Bloggs", from: "Jo Bloggs <jo@x.org>", addr: "jo@x.org"}, in{name: "jb", from: "jb <jo@x.org>", addr: "jo@x.org"}, true, RuleSameAddress},
		// Apart: different companies sharing a word, one-word names at
		// different addresses, webmail senders without names, a lower-case
		// word that happens to spell initials.
		{in{name: "Acme Ltd"}, in{name: "Acme Widgets GmbH"}, false, ""},
		{in{name: "Nordic Acme AS"}, in{name: "Acme"}, false, ""},
		{in{name: "Chris", from: "Chris <chris@a.org>", addr: "chris@a.org"}, in{name: "Chris", from: "Chris <chris@b.org>", addr: "chris@b.org"}, false, ""},
		{in{name: "gmail", from: "jo1@gmail.com", addr: "jo1@gmail.com"}, in{name: "gmail", from: "al2@gmail.com", addr: "al2@gmail.com"}, false, ""},
		{in{name: "Bay Area Tech"}, in{name: "bat"}, false, ""},
		{in{name: "Tim Peters"}, in{name: "Tim Chapman"}, false, ""},
	}
	for _, c := range cases {
		g := newRegistry()
		a := partyInputOf(c.first.name, c.first.from, c.first.addr)
		b := partyInputOf(c.second.name, c.second.from, c.second.addr)
		ida := g.resolve(a)
		g.count(ida, a, 1)
		idb := g.resolve(b)
		g.count(idb, b, 1)
		if (ida == idb) != c.merge {
			t.Errorf("%q + %q: merged %v, want %v", c.first.name, c.second.name, ida == idb, c.merge)
			continue
		}
		if !c.merge {
			continue
		}
		// The rule is the second name's, or, when that name is already an
		// alias, its address's.
		p := g.parties[ida]
		got := ""
		for i, al := range p.Aliases {
			if al.Name == b.name && i > 0 {
				got = al.Rule
			}
		}
		for i, ad := range p.Addresses {
			if ad.Address == b.addr && got == "" && i > 0 {
				got = ad.Rule
			}
		}
		if got != c.rule {
			t.Errorf("%q + %q: rule %q, want %q (aliases %+v)", c.first.name, c.second.name, got, c.rule, p.Aliases)
		}
	}
}

// TestPartyRegistry indexes variants of one vendor's name and an e-mail
// from it, asks by any variant, removes files and reopens the index.
func TestPartyRegistry(t *testing.T) {
	m, db, home := openTest(t)
	dir := t.TempDir()
	files := map[string]string{
		"1.txt":  "Nordic Acme AS\nINVOICE\nInvoice No: NA-1\nInvoice Date: 2026-08-03\nTotal: NOK 1,000.00\nBalance due: NOK 1,000.00\n",
		"2.txt":  "NORDIC ACME A.S.\nINVOICE\nInvoice No: NA-2\nInvoice Date: 2026-08-20\nTotal: NOK 2,000.00\nBalance due: NOK 2,000.00\n",
		"3.eml":  "From: Nordic Acme Billing <billing@nordicacme.example>\nTo: ap@us.example\nSubject: Reminder\nDate: Mon, 24 Aug 2026 09:00:00 +0000\n\nA friendly reminder about invoice NA-1.\n",
		"4.eml":  "From: billing@nordicacme.example\nTo: ap@us.example\nSubject: Statement\nDate: Tue, 25 Aug 2026 09:00:00 +0000\n\nYour statement for August.\n",
		"5.txt":  "Acme Widgets GmbH\nINVOICE\nInvoice No: AW-9\nInvoice Date: 2026-08-05\nTotal: EUR 500.00\nBalance due: EUR 500.00\n",
		"6.txt":  "Smith and Jones\nINVOICE\nInvoice No: SJ-1\nInvoice Date: 2026-08-07\nTotal: $90.00\nBalance due: $90.00\n",
		"7.txt":  "Smith & Jones Ltd\nINVOICE\nInvoice No: SJ-2\nInvoice Date: 2026-08-09\nTotal: $95.00\nBalance due: $95.00\n",
		"99.md":  "# Garden\nTomatoes need sun.\n",
		"8.eml":  "From: \"John Q. Public\" <jqp@example.org>\nSubject: lunch\nDate: Wed, 26 Aug 2026 09:00:00 +0000\n\nLunch on Friday?\n",
		"9.eml":  "From: John Public <john.public@example.net>\nSubject: again\nDate: Thu, 27 Aug 2026 09:00:00 +0000\n\nStill on for Friday?\n",
		"10.eml": "From: Chris <chris@a.example>\nSubject: hi\nDate: Thu, 27 Aug 2026 10:00:00 +0000\n\nHello.\n",
		"11.eml": "From: Chris <chris@b.example>\nSubject: hey\nDate: Thu, 27 Aug 2026 11:00:00 +0000\n\nHi.\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	byName := func(ps []Party, alias string) *Party {
		for i := range ps {
			for _, a := range ps[i].Aliases {
				if a.Name == alias {
					return &ps[i]
				}
			}
		}
		return nil
	}
	ps := m.Parties()
	nordic := byName(ps, "Nordic Acme AS")
	if nordic == nil || nordic.Files != 4 {
		t.Fatalf("Nordic Acme: %+v; all parties %+v", nordic, ps)
	}
	for _, alias := range []string{"NORDIC ACME A.S.", "Nordic Acme Billing"} {
		if byName(ps, alias) != nordic {
			t.Errorf("%q is not an alias of Nordic Acme AS: %+v", alias, ps)
		}
	}
	if w := byName(ps, "Acme Widgets GmbH"); w == nil || w.ID == nordic.ID {
		t.Errorf("Acme Widgets GmbH merged with Nordic Acme AS")
	}
	if p, q := byName(ps, "Smith and Jones"), byName(ps, "Smith & Jones Ltd"); p == nil || p != q {
		t.Errorf("Smith and Jones / Smith & Jones Ltd not one party: %+v %+v", p, q)
	}
	if p, q := byName(ps, "John Q. Public"), byName(ps, "John Public"); p == nil || p != q {
		t.Errorf("John Q. Public / John Public not one party")
	}
	chrisA := 0
	for _, p := range ps {
		if byName([]Party{p}, "Chris") != nil {
			chrisA++
		}
	}
	if chrisA != 2 {
		t.Errorf("the two Chrises at different addresses: %d parties, want 2", chrisA)
	}
	rec, ok := m.File(filepath.Join(dir, "4.eml"))
	if !ok || rec.PartyID != nordic.ID {
		t.Errorf("4.eml (address only) party %q, want %s", rec.PartyID, nordic.ID)
	}

	now := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	rels := func(q string) []string {
		t.Helper()
		ans, err := m.Query(ctx, q, QueryOptions{Now: now, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range ans.Results {
			out = append(out, r.Rel)
		}
		return out
	}
	for q, want := range map[string]string{
		// "Acme" names both parties with the word; each finds all its aliases.
		"invoices from Acme":                               "1.txt 2.txt 5.txt",
		"invoices from Nordic Acme":                        "1.txt 2.txt",
		"unpaid invoices from NORDIC ACME":                 "1.txt 2.txt",
		"anything from Nordic Acme Billing in August 2026": "1.txt 2.txt 3.eml 4.eml",
		"invoices from Smith & Jones":                      "6.txt 7.txt",
		"invoices from Smith and Jones Ltd":                "6.txt 7.txt",
		"emails from John Public":                          "8.eml 9.eml",
	} {
		got := rels(q)
		sortStrings(got)
		if strings.Join(got, " ") != want {
			t.Errorf("%q: got %v, want %s", q, got, want)
		}
	}

	// Removing the only file of an alias removes the alias; removing a
	// party's last file removes the party.
	if _, err := m.Remove(ctx, filepath.Join(dir, "2.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Remove(ctx, filepath.Join(dir, "5.txt")); err != nil {
		t.Fatal(err)
	}
	ps = m.Parties()
	if byName(ps, "NORDIC ACME A.S.") != nil || byName(ps, "Acme Widgets GmbH") != nil {
		t.Errorf("removed files' aliases or parties remain: %+v", ps)
	}
	id := byName(ps, "Nordic Acme AS").ID

	// The registry survives a reopen, with the same ids.
	m.Close()
	m2, err := Open(ctx, Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	p := byName(m2.Parties(), "Nordic Acme AS")
	if p == nil || p.ID != id || p.Files != 3 {
		t.Errorf("after reopen: %+v, want id %s with 3 files", p, id)
	}
}

func sortStrings(ss []string) {
	for i := 1; i < len(ss); i++ {
		for j := i; j > 0 && ss[j] < ss[j-1]; j-- {
			ss[j], ss[j-1] = ss[j-1], ss[j]
		}
	}
}

// TestPartiesConcurrent asks questions and lists parties while files are
// added and removed (run with -race).
func TestPartiesConcurrent(t *testing.T) {
	m, _, _ := openTest(t)
	dir := t.TempDir()
	writeFiles(t, dir, smallCorpus)
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 3; i++ {
			if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
				t.Error(err)
				return
			}
			if _, err := m.Remove(ctx, dir); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		default:
		}
		if _, err := m.Query(ctx, "unpaid invoices from Northwind that include consulting", QueryOptions{}); err != nil {
			t.Fatal(err)
		}
		_ = m.Parties()
	}
}
