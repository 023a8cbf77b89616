package memex

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/vectordb"
)

// TestHostileFiles feeds MemexFS the files an attacker or a messy disk
// would: each is skipped with a reason or indexed safely, never a crash.
func TestHostileFiles(t *testing.T) {
	home, dir := t.TempDir(), t.TempDir()
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := Open(context.Background(), Options{Dir: filepath.Join(home, "memex"), DB: db, MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
