package memex

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"nexusos/vectordb"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func openTest(t *testing.T) (*Memex, *vectordb.DB, string) {
	t.Helper()
	home := t.TempDir()
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(context.Background(), Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); db.Close() })
	return m, db, home
}

var smallCorpus = map[string]string{
	"a/001.txt":               "Northwind Traders Ltd.\nINVOICE\nInvoice No: NW-1\nInvoice Date: 14 Aug 2026\nDue Date: 13 Sep 2026\nBill To:\nAcme Corp\n\nTotal: $2,500.00\nBalance due: $2,500.00\nPlease remit by 13 Sep 2026.\n",
	"a/002.txt":               "Northwind\nINVOICE\nInvoice No: NW-2\nInvoice Date: 2026-09-20\nTotal: $800.00\nBalance due: $0.00\nPayment received, thank you.\n",
	"a/003.txt":               "Contoso Inc.\nINVOICE\nInvoice No: C-77\nDate: August 2, 2026\nDue: September 1, 2026\nTotal: $1,200.00\nAmount due: $1,200.00\n",
	"a/004.txt":               "Northwind Traders\nQUOTE\nQuote Q-5\nDate: 2026-08-01\nTotal: $9,999.00\n",
	"a/005.txt":               "Northwind Traders Ltd\nINVOICE\nInvoice No: NW-0\nInvoice Date: 2026-05-03\nTotal: $300.00\nBalance due: $300.00\n",
	"notes/photosynthesis.md": "---\ntags: [biology]\n---\n# Photosynthesis\nPlants capture sunlight with chlorophyll in their leaves and turn carbon dioxide and water into sugar. See [[Cell respiration]].\n",
	"notes/respiration.md":    "# Cell respiration\nMitochondria break glucose down to release energy as ATP. #biology\n",
	"notes/revolution.md":     "# The French Revolution\nIn 1789 the storming of the Bastille in Paris began a decade of political upheaval.\n",
}

func paths(ans *Answer) []string {
	var out []string
	for _, r := range ans.Results {
		out = append(out, r.Rel)
	}
	slices.Sort(out)
	return out
}

func TestAddAndQuery(t *testing.T) {
	m, _, _ := openTest(t)
	checkAddAndQuery(t, m)
}

// checkAddAndQuery runs the ingest and query checks against m, whatever
// its store.
func checkAddAndQuery(t *testing.T, m *Memex) {
	dir := t.TempDir()
	writeFiles(t, dir, smallCorpus)
	ctx := context.Background()
	var calls int
	sum, err := m.Add(ctx, []string{dir}, func(Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Indexed != len(smallCorpus) || calls != len(smallCorpus) {
		t.Fatalf("summary %+v, %d progress calls", sum, calls)
	}
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

	ans, err := m.Query(ctx, "unpaid invoices from Northwind last quarter", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := paths(ans), []string{"a/001.txt"}; !ans.Set || !slices.Equal(got, want) {
		t.Fatalf("set answer %v (set %v) want %v; understood %s", got, ans.Set, want, ans.Understood)
	}
	ans, err = m.Query(ctx, "invoices from northwind", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := paths(ans), []string{"a/001.txt", "a/002.txt", "a/005.txt"}; !slices.Equal(got, want) {
		t.Fatalf("variant party forms: %v want %v", got, want)
	}
	ans, err = m.Query(ctx, "overdue invoices", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := paths(ans), []string{"a/001.txt", "a/003.txt"}; !slices.Equal(got, want) {
		t.Fatalf("overdue: %v want %v", got, want)
	}
	ans, err = m.Query(ctx, "how do plants make food from light", QueryOptions{Now: now, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Results) == 0 || ans.Results[0].Rel != "notes/photosynthesis.md" {
		t.Fatalf("semantic: %+v", ans.Results)
	}

	// Re-adding is incremental; a change re-indexes one file.
	sum, err = m.Add(ctx, []string{dir}, nil)
	if err != nil || sum.Unchanged != len(smallCorpus) || sum.Indexed != 0 {
		t.Fatalf("re-add: %+v %v", sum, err)
	}
	writeFiles(t, dir, map[string]string{"a/001.txt": smallCorpus["a/001.txt"] + "\nPAID\n"})
	sum, err = m.Add(ctx, []string{dir}, nil)
	if err != nil || sum.Indexed != 1 {
		t.Fatalf("changed: %+v %v", sum, err)
	}
	ans, _ = m.Query(ctx, "paid invoices from Northwind", QueryOptions{Now: now})
	if got, want := paths(ans), []string{"a/001.txt", "a/002.txt"}; !slices.Equal(got, want) {
		t.Fatalf("after change: %v want %v", got, want)
	}
	n, err := m.Remove(ctx, filepath.Join(dir, "a"))
	if err != nil || n != 5 {
		t.Fatalf("remove: %d %v", n, err)
	}
	ans, _ = m.Query(ctx, "invoices", QueryOptions{Now: now})
	if len(ans.Results) != 0 {
		t.Fatalf("removed files still found: %v", paths(ans))
	}
}

func TestKnowledge(t *testing.T) {
	m, _, _ := openTest(t)
	dir := t.TempDir()
	writeFiles(t, dir, smallCorpus)
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	rel, err := m.Related(ctx, filepath.Join(dir, "notes/photosynthesis.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rel) == 0 || rel[0].Node.Rel != "notes/respiration.md" {
		t.Fatalf("related: %+v", rel)
	}
	path, err := m.Connect(ctx, "chlorophyll sunlight", "glucose energy mitochondria")
	if err != nil {
		t.Fatal(err)
	}
	if len(path) < 2 || path[0].Node.Rel != "notes/photosynthesis.md" || path[len(path)-1].Node.Rel != "notes/respiration.md" {
		t.Fatalf("connect: %+v", path)
	}
	sum, err := m.Summarize(ctx, "plants and energy", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Sentences) == 0 {
		t.Fatal("empty summary")
	}
}

// TestReindexOnNewIndexer: a file indexed by another embedder or other fact
// rules is read again although its content is unchanged.
func TestReindexOnNewIndexer(t *testing.T) {
	m, _, _ := openTest(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(path, []byte("INVOICE\nInvoice No: 12\nTotal: $40.00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	sum, err := m.Add(ctx, []string{dir}, nil)
	if err != nil || sum.Unchanged != 1 {
		t.Fatalf("second add: %+v %v", sum, err)
	}
	rec, _ := m.File(path)
	rec.Indexer = "glove-sif-100d-v1+facts-old"
	if err := m.writeRecords([]*FileRecord{rec}); err != nil {
		t.Fatal(err)
	}
	sum, err = m.Add(ctx, []string{dir}, nil)
	if err != nil || sum.Unchanged != 0 || sum.Indexed != 1 {
		t.Fatalf("add after an indexer change: %+v %v", sum, err)
	}
	if rec, _ := m.File(path); rec.Indexer != m.indexer() {
		t.Fatalf("record indexer %q, want %q", rec.Indexer, m.indexer())
	}
}
