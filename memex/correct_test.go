package memex

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"nexusos/memex/facts"
)

// A user's corrections replace what extraction read, answer questions at
// once, survive the file being indexed again and the index being reopened,
// and can be undone.
func TestCorrect(t *testing.T) {
	ctx := context.Background()
	m, db, home := openTest(t)
	dir := t.TempDir()
	// A receipt whose issuer is only a logo: extraction reads no issuer.
	writeFiles(t, dir, map[string]string{
		"scan.txt":  "Item      Qty   Amount\nDog Food    2    24.50\nCat Toy     1     8.99\nTOTAL:          33.49\n",
		"other.txt": "Northwind Traders Ltd.\nINVOICE\nInvoice No: NW-1\nInvoice Date: 14 Aug 2026\nTotal: $2,500.00\n",
	})
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	scan := filepath.Join(dir, "scan.txt")
	now := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	ask := func(m *Memex, q string) []string {
		t.Helper()
		ans, err := m.Query(ctx, q, QueryOptions{Now: now, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range ans.Results {
			got = append(got, filepath.Base(r.Path))
		}
		return got
	}
	if got := ask(m, "receipts from Pet Palace"); slices.Contains(got, "scan.txt") {
		t.Fatalf("before any correction the receipt is found by an issuer it does not name: %v", got)
	}

	rec, err := m.Correct(ctx, scan, map[string]string{"kind": "Receipt", "issuer": "Pet Palace", "total": "33.49", "currency": "usd", "issue_date": "2026-08-03", "status": "paid"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Kind != facts.KindReceipt || rec.Party != "Pet Palace" || rec.Status != facts.StatusPaid || rec.Facts["currency"] != "USD" || rec.Facts["total"] != 33.49 {
		t.Fatalf("corrected record: kind %q party %q status %q facts %v", rec.Kind, rec.Party, rec.Status, rec.Facts)
	}
	if s := rec.Sources["issuer"]; s.How != "user" || s.Confidence != 1 {
		t.Errorf("issuer source %+v, want the user's", s)
	}
	if got := ask(m, "receipts from Pet Palace"); !slices.Equal(got, []string{"scan.txt"}) {
		t.Errorf("receipts from Pet Palace after the correction: %v", got)
	}
	if got := ask(m, "receipts from August 2026"); !slices.Contains(got, "scan.txt") {
		t.Errorf("receipts from August 2026 after the correction: %v", got)
	}

	// "" says the document has none; the other file is untouched.
	if _, err := m.Correct(ctx, filepath.Join(dir, "other.txt"), map[string]string{"invoice_number": ""}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if r, _ := m.File(filepath.Join(dir, "other.txt")); r.Facts["invoice_number"] != nil || r.Facts["invoice_key"] != nil || r.Party == "" || r.Corrections["invoice_number"] != "" {
		t.Errorf("invoice number corrected to none: facts %v party %q corrections %v", r.Facts, r.Party, r.Corrections)
	}

	// Changed content is indexed again with the corrections kept.
	if err := os.WriteFile(scan, []byte("Item      Qty   Amount\nDog Food    3    36.75\nTOTAL:          36.75\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	if r, _ := m.File(scan); r.Party != "Pet Palace" || r.Facts["total"] != 33.49 || r.Kind != facts.KindReceipt {
		t.Errorf("after re-indexing changed content: kind %q party %q facts %v", r.Kind, r.Party, r.Facts)
	}

	// Reopened, the corrections are still there.
	m.Close()
	m2, err := Open(ctx, Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if r, _ := m2.File(scan); r.Party != "Pet Palace" || r.Corrections["issuer"] != "Pet Palace" {
		t.Fatalf("after reopening: party %q corrections %v", r.Party, r.Corrections)
	}
	if got := ask(m2, "receipts from Pet Palace"); !slices.Equal(got, []string{"scan.txt"}) {
		t.Errorf("after reopening, receipts from Pet Palace: %v", got)
	}

	// Undo: extraction decides again.
	rec, err = m2.Correct(ctx, scan, nil, []string{"issuer", "total"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Party == "Pet Palace" || rec.Facts["total"] != 36.75 || rec.Kind != facts.KindReceipt || rec.Corrections["issuer"] != "" {
		t.Errorf("after undoing issuer and total: kind %q party %q facts %v corrections %v", rec.Kind, rec.Party, rec.Facts, rec.Corrections)
	}

	// Bad fields and values are refused, and change nothing.
	for _, bad := range []map[string]string{{"colour": "red"}, {"total": "abc"}, {"issue_date": "03/08/2026"}, {"currency": "euro"}, {"kind": "poem"}, {"status": "maybe"}} {
		if _, err := m2.Correct(ctx, scan, bad, nil, nil); !errors.Is(err, ErrBadCorrection) {
			t.Errorf("correction %v: err %v, want ErrBadCorrection", bad, err)
		}
	}
	if _, err := m2.Correct(ctx, filepath.Join(dir, "nope.txt"), map[string]string{"kind": "note"}, nil, nil); !errors.Is(err, ErrNotIndexed) {
		t.Errorf("a file not indexed: err %v", err)
	}
	if r, _ := m2.File(scan); r.Kind != facts.KindReceipt {
		t.Errorf("refused corrections changed the record: kind %q", r.Kind)
	}
}
