package fusefs

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"nexusos/memex"
	"nexusos/vectordb"
)

func TestMount(t *testing.T) {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse on this machine")
	}
	if os.Geteuid() != 0 {
		if _, err := os.Stat("/usr/bin/fusermount3"); err != nil {
			t.Skip("not root and no fusermount3: cannot mount FUSE here")
		}
	}
	home, docs, mnt := t.TempDir(), t.TempDir(), t.TempDir()
	files := map[string]string{
		"x/1.txt":  "Northwind Traders Ltd.\nINVOICE\nInvoice Date: 2026-08-14\nDue Date: 2026-09-13\nTotal: $2,500.00\nBalance due: $2,500.00\n",
		"y/1.txt":  "Contoso Inc.\nINVOICE\nDate: 2026-02-02\nTotal: $100.00\nPAID\n",
		"n/p.md":   "# Photosynthesis\nPlants turn light into sugar. #biology\n",
		"n/r.md":   "# Respiration\nCells burn sugar with oxygen. #biology\n",
		"misc.txt": "A recipe for banana bread.",
	}
	for n, b := range files {
		p := filepath.Join(docs, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	m, err := memex.Open(ctx, memex.Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Add(ctx, []string{docs}, nil); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }
	srv, err := Mount(mnt, m, now)
	if err != nil {
		t.Skipf("cannot mount FUSE here: %v", err)
	}
	defer srv.Unmount()
	if err := srv.WaitMount(); err != nil {
		t.Fatal(err)
	}
	ls := func(rel string) []string {
		t.Helper()
		es, err := os.ReadDir(filepath.Join(mnt, rel))
		if err != nil {
			t.Fatalf("ls %s: %v", rel, err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	if got := ls(""); !slices.Equal(got, []string{"date", "kind", "party", "q", "tag"}) {
		t.Fatalf("root: %v", got)
	}
	if got := ls("kind/invoice"); !slices.Contains(got, "overdue") || !slices.Contains(got, "paid") {
		t.Fatalf("kind/invoice: %v", got)
	}
	if got := ls("kind/invoice/overdue"); !slices.Equal(got, []string{"1.txt"}) {
		t.Fatalf("overdue: %v", got)
	}
	b, err := os.ReadFile(filepath.Join(mnt, "kind/invoice/overdue/1.txt"))
	if err != nil || string(b) != files["x/1.txt"] {
		t.Fatalf("read through: %q %v", b, err)
	}
	if got := ls("date/2026"); !slices.Contains(got, "Q3") || !slices.Contains(got, "Q1") {
		t.Fatalf("date/2026: %v", got)
	}
	if got := ls("tag/biology"); !slices.Equal(got, []string{"p.md", "r.md"}) {
		t.Fatalf("tag: %v", got)
	}
	if got := ls("party"); !slices.Contains(got, "Northwind Traders Ltd.") {
		t.Fatalf("party: %v", got)
	}
	if got := ls("q/unpaid invoices"); !slices.Equal(got, []string{"1.txt"}) {
		t.Fatalf("q: %v", got)
	}
	if err := os.WriteFile(filepath.Join(mnt, "kind/invoice/overdue/1.txt"), []byte("x"), 0o644); err == nil {
		t.Fatal("write through a read-only mount succeeded")
	}
}
