package memex

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nexusos/memex/extract"
	"nexusos/memex/internal/hostile"
	"nexusos/vectordb"
)

// openLimited opens MemexFS on a fresh store that skips files over
// maxBytes, and returns it with an empty folder to index.
func openLimited(t *testing.T, maxBytes int64) (*Memex, string) {
	t.Helper()
	home := t.TempDir()
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(context.Background(), Options{Dir: filepath.Join(home, "memex"), DB: db, MaxFileBytes: maxBytes})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); db.Close() })
	return m, t.TempDir()
}

// writer returns a function that writes a file into dir.
func writer(t *testing.T, dir string) func(name string, b []byte) {
	return func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHostileFiles feeds MemexFS the files an attacker or a messy disk
// would: each is skipped with a reason or indexed safely, never a crash.
func TestHostileFiles(t *testing.T) {
	m, dir := openLimited(t, 1<<20)
	write := writer(t, dir)
	write("truncated.pdf", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R"))
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("word/document.xml")
	w.Write(bytes.Repeat([]byte("<w:t>aaaaaaaa</w:t>"), (40<<20)/18))
	zw.Close()
	write("bomb.docx", zb.Bytes())
	write("bad-utf8.txt", []byte("Invoice \xff\xfe from \xc3\x28 Contoso Total: $5.00"))
	write("huge.txt", bytes.Repeat([]byte("x"), 2<<20)) // over the 1 MiB limit set above
	write("binary.dat", []byte{0, 1, 2, 3, 0x7f, 'E', 'L', 'F', 0})
	if err := os.Symlink(dir, filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling.txt")); err != nil {
		t.Fatal(err)
	}
	sum, err := m.Add(context.Background(), []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, s := range sum.Skipped {
		reasons[filepath.Base(s.Path)] = s.Reason
	}
	for name, want := range map[string]string{
		"truncated.pdf": "no readable pages",
		"bomb.docx":     "zip bomb",
		"huge.txt":      "too large",
		"binary.dat":    "unsupported binary",
		"loop":          "not followed",
		"dangling.txt":  "broken symbolic link",
	} {
		if !strings.Contains(reasons[name], want) {
			t.Errorf("%s: reason %q, want it to mention %q", name, reasons[name], want)
		}
	}
	if sum.Indexed != 1 {
		t.Fatalf("indexed %d, want only bad-utf8.txt; skipped %+v", sum.Indexed, sum.Skipped)
	}
	rec, ok := m.File(filepath.Join(dir, "bad-utf8.txt"))
	if !ok || rec.Kind != "invoice" {
		t.Fatalf("invalid UTF-8 text not indexed as an invoice: %+v", rec)
	}
}

// TestHostileBoundsIngest indexes a folder of good documents mixed with
// pathological ones (a table of 100k cells, a line of 1M words, 10k nested
// tables, a PDF drawing 10M glyphs, an image header claiming 100k×100k
// pixels, a TIFF of 10k pages): the run finishes, every good document is
// indexed and found, each image is skipped with its reason, and the
// others are indexed with bounded text.
func TestHostileBoundsIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes megabytes of hostile files")
	}
	ctx := context.Background()
	m, dir := openLimited(t, 16<<20)
	write := writer(t, dir)
	good := map[string]string{ // file → a question that finds it
		"a-invoice.txt":  "invoice from Fabrikam",
		"b-note.md":      "notes about photosynthesis",
		"z-invoice.html": "invoice from Tailspin",
	}
	write("a-invoice.txt", []byte("INVOICE\nFabrikam Ltd\nInvoice number: FAB-7\nDate: 2026-03-02\nTotal due: $420.00\n"))
	write("b-note.md", []byte("# Photosynthesis\n\nChlorophyll turns sunlight into glucose.\n"))
	write("z-invoice.html", []byte("<h1>Invoice</h1><p>Tailspin Toys GmbH</p><table><tr><td>Invoice No.</td><td>TT-9</td></tr>"+
		"<tr><td>Total</td><td>€ 99.00</td></tr></table>"))
	write("cells.html", hostile.TableHTML(1, 100_000))
	write("words.txt", hostile.LongLine(1_000_000))
	write("nested.html", hostile.NestedTablesHTML(10_000))
	write("glyphs.pdf", hostile.GlyphPDF(1_000_000_000, 1000))
	write("huge.png", hostile.PNGHeader(100_000, 100_000))
	write("pages.tif", hostile.TIFFHeader(10_000, 100, 100))
	sum, err := m.Add(ctx, []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, s := range sum.Skipped {
		reasons[filepath.Base(s.Path)] = s.Reason
	}
	t.Logf("indexed %d, %d chunks, skipped %v in %v", sum.Indexed, sum.Chunks, reasons, sum.Elapsed)
	for name, want := range map[string]string{
		"huge.png":  "pixels",
		"pages.tif": "pages",
	} {
		// Without tesseract the reason is how to install it.
		if r := reasons[name]; !strings.Contains(r, want) && !strings.Contains(r, "needs OCR") {
			t.Errorf("%s: reason %q, want it to mention %q", name, r, want)
		}
	}
	for _, name := range []string{"cells.html", "words.txt", "nested.html", "glyphs.pdf"} {
		rec, ok := m.File(filepath.Join(dir, name))
		if !ok {
			t.Errorf("%s: not indexed (skipped: %q)", name, reasons[name])
			continue
		}
		if max := extract.MaxTextBytes/ChunkChars + 100; rec.Chunks > max {
			t.Errorf("%s: %d chunks, over %d", name, rec.Chunks, max)
		}
	}
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for name, q := range good {
		if _, ok := m.File(filepath.Join(dir, name)); !ok {
			t.Errorf("%s: good document not indexed (skipped: %q)", name, reasons[name])
			continue
		}
		ans, err := m.Query(ctx, q, QueryOptions{Now: now, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range ans.Results {
			found = found || filepath.Base(r.Path) == name
		}
		if !found {
			t.Errorf("%q does not find %s: %+v", q, name, ans.Results)
		}
	}
	if rec, _ := m.File(filepath.Join(dir, "a-invoice.txt")); rec == nil || rec.Kind != "invoice" || rec.Sources["total"].Confidence == 0 {
		t.Errorf("good invoice read as %+v", rec)
	}
}
