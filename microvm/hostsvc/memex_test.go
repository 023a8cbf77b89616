package hostsvc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/memex"
	"nexusos/microvm"
	"nexusos/vectordb"
)

func TestFacts(t *testing.T) {
	got := Facts(memex.Payload{"kind": "invoice", "status": "unpaid", "total": 1200.0, "balance_due": 200.5,
		"currency": "EUR", "due_date": "2026-09-30T00:00:00Z", "party": "ACME", "path": "/secret/host/path"})
	want := map[string]string{"kind": "invoice", "status": "unpaid", "total": "1200.00", "amount": "200.50",
		"currency": "EUR", "due": "2026-09-30", "party": "ACME"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, leaked := got["path"]; leaked {
		t.Error("host path leaked into facts")
	}
	paid := Facts(memex.Payload{"status": "paid", "total": 99.0, "balance_due": 0.0})
	if paid["amount"] != "99.00" {
		t.Errorf("paid invoice amount = %q", paid["amount"])
	}
}

func TestMemexAdapter(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := memex.Open(ctx, memex.Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { m.Close(); db.Close() }()
	dir := t.TempDir()
	files := map[string]string{
		"invoices/001.txt": "Northwind Traders Ltd.\nINVOICE\nInvoice No: NW-1\nInvoice Date: 14 Aug 2026\nDue Date: 13 Sep 2026\nTotal: $2,500.00\nBalance due: $2,500.00\n",
		"invoices/002.txt": "Contoso Inc.\nINVOICE\nInvoice No: C-77\nDate: August 2, 2026\nTotal: $1,200.00\nAmount due: $1,200.00\n",
		"private/009.txt":  "Secret Corp\nINVOICE\nInvoice No: S-9\nDate: 2026-08-03\nTotal: $9,000.00\nBalance due: $9,000.00\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	a := Memex{M: m}
	rs, err := a.Query(ctx, "unpaid invoices", microvm.QueryOptions{Limit: 10, Folders: []string{"invoices"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		t.Fatal("no results in the granted folder")
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.Path, "invoices/") || r.ID != r.Path || strings.HasPrefix(r.Path, "/") {
			t.Errorf("result %+v outside the grant or with a host path", r)
		}
	}
	doc, err := a.Get(ctx, rs[0].ID)
	if err != nil || !strings.Contains(doc.Text, "INVOICE") {
		t.Fatalf("get %s: %v %q", rs[0].ID, err, doc.Text)
	}
	if _, err := a.Get(ctx, "invoices/nosuch.txt"); !errors.Is(err, microvm.ErrNotFound) {
		t.Fatalf("missing doc: %v", err)
	}
}

func TestCortexWithoutModel(t *testing.T) {
	c := &Cortex{}
	if _, err := c.Generate(context.Background(), "hi", microvm.GenerateOptions{}); !errors.Is(err, microvm.ErrNotAvailable) {
		t.Fatalf("Generate without a model: %v", err)
	}
	v, err := c.Embed(context.Background(), "unpaid invoices")
	if err != nil || len(v) == 0 {
		t.Fatalf("Embed with the built-in embedder: %d dims, %v", len(v), err)
	}
}
