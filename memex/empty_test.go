package memex

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestHonestEmpties asks questions whose filters leave nothing and checks
// that the answer says which constraints it tried and which one emptied
// the set.
func TestHonestEmpties(t *testing.T) {
	m, _, _ := openTest(t)
	dir := t.TempDir()
	files := map[string]string{}
	for k, v := range smallCorpus {
		files[k] = v
	}
	files["a/006.txt"] = "Contoso Inc.\nINVOICE\nInvoice No: C-78\nDate: September 3, 2026\nPrinter toner\t$120.00\nCloud hosting\t$80.00\nTotal: $200.00\nAmount due: $200.00\n"
	writeFiles(t, dir, files)
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		q       string
		emptied []string // fields whose removal alone brings files back
		held    []string // fields that were tried but did not empty it
	}{
		// Paid invoices exist (Northwind's), and Contoso's invoices exist.
		{"paid invoices from Contoso", []string{"status", "party"}, []string{"kind"}},
		{"invoices from Northwind in March 2026", []string{"time"}, []string{"kind", "party"}},
		{"paid invoices from Contoso in March 2026", nil, []string{"kind", "status", "party", "time"}},
		{"invoices from Contoso that include tomato seeds", []string{"content"}, []string{"kind", "party"}},
	}
	for _, c := range cases {
		ans, err := m.Query(ctx, c.q, QueryOptions{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(ans.Results) != 0 {
			t.Errorf("%q: %d results, want none", c.q, len(ans.Results))
			continue
		}
		e := ans.Empty
		if e == nil || e.Message == "" {
			t.Errorf("%q: no explanation of the empty answer", c.q)
			continue
		}
		got := map[string]bool{}
		for _, k := range e.Constraints {
			got[k.Field] = k.Emptied
		}
		for _, f := range c.emptied {
			if !got[f] {
				t.Errorf("%q: %s not reported as emptying the set: %+v", c.q, f, e.Constraints)
			}
		}
		for _, f := range c.held {
			if v, ok := got[f]; !ok || v {
				t.Errorf("%q: %s tried %v, emptied %v: %+v", c.q, f, ok, v, e.Constraints)
			}
		}
		t.Logf("%q: %s", c.q, e.Message)
	}

	// Content narrows a non-empty set and says so.
	ans, err := m.Query(ctx, "invoices from Contoso that include printer toner", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Results) != 1 || !strings.HasSuffix(ans.Results[0].Path, "006.txt") || ans.Narrowed == nil || ans.Narrowed.Candidates != 2 {
		t.Fatalf("printer toner: %+v narrowed %+v", ans.Results, ans.Narrowed)
	}
	if why := strings.Join(ans.Results[0].Why, "; "); !strings.Contains(why, "Printer toner") {
		t.Errorf("why does not quote the matching line: %s", why)
	}

	// A set too large to read line by line is first cut by the engine's
	// sparse and dense search; the answer is the same.
	defer func(n int) { narrowScanLimit = n }(narrowScanLimit)
	narrowScanLimit = 1
	again, err := m.Query(ctx, "invoices from Contoso that include printer toner", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Results) != 1 || again.Results[0].Path != ans.Results[0].Path {
		t.Errorf("with preselection: %+v", again.Results)
	}
}
