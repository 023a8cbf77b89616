package memex

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/vectordb"
)

const ocrInvoicePS = `%!PS
<< /PageSize [595 842] >> setpagedevice
/Helvetica-Bold findfont 28 scalefont setfont
72 760 moveto (INVOICE) show
/Helvetica findfont 14 scalefont setfont
72 720 moveto (Northwind Traders) show
72 698 moveto (Invoice number: 7731) show
72 676 moveto (Date: 2024-03-15) show
72 598 moveto (Total due) show 400 598 moveto (318.40 EUR) show
showpage
`

// ocrFolder writes an invoice as a PNG image and as an image-only PDF
// (both rendered by Ghostscript) into a new folder.
func ocrFolder(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gs"); err != nil {
		t.Skip("ghostscript is not installed (bash .ci/deps.d/30-ghostscript.sh installs it)")
	}
	dir := t.TempDir()
	ps := filepath.Join(t.TempDir(), "invoice.ps")
	if err := os.WriteFile(ps, []byte(ocrInvoicePS), 0o644); err != nil {
		t.Fatal(err)
	}
	for dev, out := range map[string]string{"pnggray": "invoice.png", "pdfimage8": "scan.pdf"} {
		cmd := exec.Command("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE="+dev, "-r300", "-sOutputFile="+filepath.Join(dir, out), ps)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gs %s: %v\n%s", dev, err, b)
		}
	}
	return dir
}

func openOCRMemex(t *testing.T) (*Memex, string) {
	t.Helper()
	home := t.TempDir()
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := Open(context.Background(), Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, home
}

// TestAddOCR indexes a scanned invoice image and PDF: both are read by
// OCR, counted in the summary, and cached under the memex state dir.
func TestAddOCR(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (bash .ci/deps.d/35-tesseract.sh installs it)")
	}
	dir := ocrFolder(t)
	m, home := openOCRMemex(t)
	sum, err := m.Add(context.Background(), []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Indexed != 2 || sum.OCRFiles != 2 || sum.OCRPages != 2 || sum.OCRPagesPerSecond() <= 0 {
		t.Fatalf("summary %+v", sum)
	}
	t.Logf("OCR: %d pages in %s, %.2f pages/s", sum.OCRPages, sum.OCRTime, sum.OCRPagesPerSecond())
	for _, name := range []string{"invoice.png", "scan.pdf"} {
		rec, ok := m.File(filepath.Join(dir, name))
		if !ok || rec.Kind != "invoice" {
			t.Errorf("%s: %+v", name, rec)
		}
	}
	entries, _ := filepath.Glob(filepath.Join(home, "memex", "ocr-cache", "*", "*.json"))
	if len(entries) != 2 {
		t.Errorf("OCR cache entries %v, want 2", entries)
	}
}

// TestAddOCRMissing: without tesseract, images and scanned PDFs are
// skipped with the reason and the install command.
func TestAddOCRMissing(t *testing.T) {
	dir := ocrFolder(t)
	t.Setenv("PATH", t.TempDir())
	m, _ := openOCRMemex(t)
	sum, err := m.Add(context.Background(), []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Indexed != 0 || len(sum.Skipped) != 2 || sum.OCRFiles != 0 {
		t.Fatalf("summary %+v", sum)
	}
	for _, s := range sum.Skipped {
		want := "image needs OCR: tesseract is not installed (apt-get install tesseract-ocr"
		if strings.HasSuffix(s.Path, ".pdf") {
			want = "scanned PDF needs OCR: tesseract is not installed (apt-get install tesseract-ocr"
		}
		if !strings.HasPrefix(s.Reason, want) {
			t.Errorf("%s: reason %q", s.Path, s.Reason)
		}
	}
}
