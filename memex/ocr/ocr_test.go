package ocr

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"nexusos/memex/internal/hostile"
	"nexusos/memex/layout"
)

// invoicePS is an invoice-like page: a title, labelled fields and a
// two-column table.
const invoicePS = `%!PS
<< /PageSize [595 842] >> setpagedevice
/Helvetica-Bold findfont 28 scalefont setfont
72 760 moveto (INVOICE) show
/Helvetica findfont 14 scalefont setfont
72 720 moveto (Invoice number: INV-2024-0042) show
72 698 moveto (Date: 2024-03-15) show
72 650 moveto (Description) show 400 650 moveto (Amount) show
72 628 moveto (Consulting services) show 400 628 moveto (1,250.00 EUR) show
72 598 moveto (Total due) show 400 598 moveto (1,250.00 EUR) show
showpage
`

// needTesseract skips the test when tesseract is genuinely absent (CI
// installs it with .ci/deps.d/35-tesseract.sh, so there it runs).
func needTesseract(t *testing.T) *Engine {
	t.Helper()
	e := &Engine{CacheDir: t.TempDir()}
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (bash .ci/deps.d/35-tesseract.sh installs it)")
	}
	if err := e.Available(); err != nil {
		t.Fatalf("tesseract is installed but unusable: %v", err)
	}
	return e
}

// renderPS renders PostScript to a 300 dpi grayscale PNG with Ghostscript
// (a test dependency, .ci/deps.d/30-ghostscript.sh).
func renderPS(t *testing.T, ps string) []byte {
	t.Helper()
	if _, err := exec.LookPath("gs"); err != nil {
		t.Skip("ghostscript is not installed (bash .ci/deps.d/30-ghostscript.sh installs it)")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "page.ps"), filepath.Join(dir, "page.png")
	if err := os.WriteFile(in, []byte(ps), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray", "-r300", "-sOutputFile="+out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gs: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// imagePDF wraps a grayscale PNG into a one-page PDF whose only content is
// the image (an image XObject with FlateDecode): a scan without a text
// layer.
func imagePDF(t *testing.T, pngData []byte, dpi float64) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	var raw bytes.Buffer
	zw := zlib.NewWriter(&raw)
	row := make([]byte, b.Dx())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			row[x-b.Min.X] = byte(r >> 8)
		}
		zw.Write(row)
	}
	zw.Close()
	w, h := float64(b.Dx())*72/dpi, float64(b.Dy())*72/dpi
	content := fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q", w, h)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>", w, h),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", b.Dx(), b.Dy(), raw.Len(), raw.Bytes()),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	return hostile.PDF(objs)
}

// fakeTesseract writes a shell script standing in for tesseract: it
// appends a line to a counter file per call, lists "eng" for
// --list-langs, and otherwise runs body.
func fakeTesseract(t *testing.T, body string) (cmd string, calls func() int) {
	t.Helper()
	dir := t.TempDir()
	count := filepath.Join(dir, "calls")
	cmd = filepath.Join(dir, "tesseract")
	// Orientation probes (--psm 0) and one-block readings (--psm 6) of a
	// poorly read page are logged apart (osd, block); the probes answer
	// that the page is upright, unless body answers them.
	script := fmt.Sprintf(`#!/bin/sh
if [ "$1" = --list-langs ]; then
  echo "$*" >> '%[1]s'
  printf 'List of available languages in "/fake/" (2):\neng\nosd\n'
  exit 0
fi
case "$*" in
*"--psm 0"*) echo "$*" >> '%[1]s.osd' ;;
*"--psm 6"*) echo "$*" >> '%[1]s.block' ;;
*) echo "$*" >> '%[1]s' ;;
esac
%[2]s
`, count, body)
	if err := os.WriteFile(cmd, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return cmd, func() int {
		b, _ := os.ReadFile(count)
		return bytes.Count(b, []byte{'\n'})
	}
}

func lineTexts(lines []layout.Line) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.Text())
	}
	return out
}

const tsvHeader = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"

func TestParseTSV(t *testing.T) {
	tsv := tsvHeader +
		"1\t1\t0\t0\t0\t0\t0\t0\t2479\t3508\t-1\t\n" +
		"2\t1\t1\t0\t0\t0\t300\t250\t470\t90\t-1\t\n" +
		"4\t1\t1\t1\t1\t0\t300\t250\t470\t90\t-1\t\n" +
		"5\t1\t1\t1\t1\t1\t300\t250\t470\t90\t95.4\tINVOICE\n" +
		// A line whose words have different boxes (descender, comma).
		"4\t1\t2\t1\t1\t0\t300\t470\t700\t45\t-1\t\n" +
		"5\t1\t2\t1\t1\t1\t300\t470\t150\t37\t94.5\tInvoice\n" +
		"5\t1\t2\t1\t1\t2\t470\t478\t180\t37\t92.5\tnumber:\n" +
		"5\t1\t2\t1\t1\t3\t670\t470\t330\t45\t91.3\tINV-2024-0042\n" +
		// A table row: label in one block, amount in another, same height.
		"4\t1\t3\t1\t1\t0\t300\t970\t210\t37\t-1\t\n" +
		"5\t1\t3\t1\t1\t1\t300\t970\t110\t37\t96.8\tTotal\n" +
		"5\t1\t3\t1\t1\t2\t425\t970\t85\t37\t96.5\tdue\n" +
		"4\t1\t5\t1\t1\t0\t1668\t972\t310\t37\t-1\t\n" +
		"5\t1\t5\t1\t1\t1\t1668\t972\t160\t37\t96.1\t1,250.00\n" +
		"5\t1\t5\t1\t1\t2\t1845\t972\t90\t37\t95.0\tEUR\n" +
		// Two rows tesseract took for one line (its words overlap
		// horizontally): they keep their own boxes and stay two lines.
		"4\t1\t4\t1\t1\t0\t300\t1100\t300\t90\t-1\t\n" +
		"5\t1\t4\t1\t1\t1\t300\t1100\t200\t37\t90.0\tNet\n" +
		"5\t1\t4\t1\t1\t2\t320\t1150\t200\t37\t90.0\tVAT\n" +
		// Noise: low confidence, empty text, malformed rows.
		"5\t1\t6\t1\t1\t1\t100\t3000\t20\t20\t12.0\t~\n" +
		"5\t1\t6\t1\t1\t2\t200\t3000\t20\t20\t90.0\t \n" +
		"5\t1\tx\t1\t1\t1\t200\t3000\t20\t20\t90.0\tbad\n" +
		"garbage\n" +
		// A word without a level-4 row, on page 2.
		"5\t2\t1\t1\t1\t1\t300\t300\t200\t40\t88.0\tPage2\n"
	lines, err := ParseTSV([]byte(tsv), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(lineTexts(lines), "\n")
	want := "INVOICE\nInvoice number: INV-2024-0042\nTotal due\t1,250.00 EUR\nNet\nVAT\nPage2"
	if got != want {
		t.Fatalf("lines:\n%s\nwant:\n%s", got, want)
	}
	if lines[0].Page != 0 || lines[5].Page != 1 {
		t.Errorf("pages %d, %d; want 0, 1", lines[0].Page, lines[5].Page)
	}
	if c := lines[2].Cells[1]; c.X0 != 1668 || c.X1 != 1935 {
		t.Errorf("amount cell %+v", c)
	}
	if l := lines[1]; l.Y != 470 || l.H != 45 {
		t.Errorf("line box Y=%v H=%v, want the level-4 box 470, 45", l.Y, l.H)
	}

	lines, err = ParseTSV([]byte(tsv), 4)
	if err != nil || lines[0].Page != 4 || lines[5].Page != 5 {
		t.Fatalf("firstPage 4: %v %+v", err, lines)
	}
	if _, err := ParseTSV([]byte("Error: cannot read input\n"), 0); err == nil {
		t.Error("non-TSV output parsed without error")
	}
	if lines, err := ParseTSV([]byte(tsvHeader), 0); err != nil || len(lines) != 0 {
		t.Errorf("header only: %v %v", lines, err)
	}
}

func FuzzParseTSV(f *testing.F) {
	f.Add([]byte(tsvHeader+"4\t1\t1\t1\t1\t0\t300\t250\t470\t90\t-1\t\n5\t1\t1\t1\t1\t1\t300\t250\t470\t90\t95.4\tINVOICE\n"), 0)
	f.Add([]byte("5\t3\t1\t1\t1\t1\t0\t0\t1\t1\t100\tx\n5\t1\t1\t1\t1\t2\t2\t0\t1\t1\t100\ty\r\n"), 2)
	f.Add([]byte("5\t-1\t-1\t-1\t-1\t-1\t1048576\t1048576\t1048576\t1048576\tNaN\tz"), 0)
	f.Fuzz(func(t *testing.T, data []byte, first int) {
		lines, err := ParseTSV(data, first%1000)
		if err != nil {
			return
		}
		for _, l := range lines {
			if len(l.Cells) == 0 || l.H <= 0 {
				t.Fatalf("bad line %+v", l)
			}
		}
	})
}

func TestImageInvoice(t *testing.T) {
	e := needTesseract(t)
	page := renderPS(t, invoicePS)
	start := time.Now()
	lines, err := e.Image(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("OCR of one 300 dpi A4 page in %s:\n%s", time.Since(start).Round(time.Millisecond), layout.Text(lines))
	text := layout.Text(lines)
	if !strings.Contains(text, "Invoice") || !strings.Contains(text, "INV-2024-0042") {
		t.Errorf("OCR text lacks Invoice / INV-2024-0042:\n%s", text)
	}
	if !regexp.MustCompile(`1,250\.00`).MatchString(text) {
		t.Errorf("OCR text lacks the amount 1,250.00:\n%s", text)
	}
	// The table row keeps label and amount on one line, in separate cells.
	found := false
	for _, l := range lines {
		if len(l.Cells) >= 2 && strings.Contains(l.Cells[0].Text, "Total") && strings.Contains(l.Cells[len(l.Cells)-1].Text, "1,250.00") {
			found = true
		}
	}
	if !found {
		t.Errorf("no line with cells [Total due] … [1,250.00 EUR]:\n%q", lineTexts(lines))
	}
}

func TestPDFScanned(t *testing.T) {
	e := needTesseract(t)
	if _, err := exec.LookPath("gs"); err != nil {
		t.Skip("ghostscript is not installed (bash .ci/deps.d/30-ghostscript.sh installs it)")
	}
	pdf := imagePDF(t, renderPS(t, invoicePS), 300)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	lines, pages, err := e.PDF(context.Background(), pdf)
	if err != nil {
		t.Fatal(err)
	}
	text := layout.Text(lines)
	if pages != 1 || !strings.Contains(text, "Invoice") || !strings.Contains(text, "1,250.00") {
		t.Errorf("pages %d, text:\n%s", pages, text)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestPDFMaxPages(t *testing.T) {
	if _, err := exec.LookPath("gs"); err != nil {
		t.Skip("ghostscript is not installed (bash .ci/deps.d/30-ghostscript.sh installs it)")
	}
	cmd, calls := fakeTesseract(t, `printf 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t95\tWord\n'`)
	dir := t.TempDir()
	ps := filepath.Join(dir, "three.ps")
	pdf := filepath.Join(dir, "three.pdf")
	os.WriteFile(ps, []byte("%!PS\n/Helvetica findfont 20 scalefont setfont\n72 700 moveto (one) show showpage\n72 700 moveto (two) show showpage\n72 700 moveto (three) show showpage\n"), 0o644)
	if b, err := exec.Command("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-sOutputFile="+pdf, ps).CombinedOutput(); err != nil {
		t.Fatalf("gs: %v\n%s", err, b)
	}
	data, _ := os.ReadFile(pdf)
	e := &Engine{Cmd: cmd, MaxPages: 2}
	lines, pages, err := e.PDF(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if pages != 2 || len(lines) != 2 || lines[1].Page != 1 {
		t.Errorf("pages %d, lines %+v; want 2 pages, one line each", pages, lines)
	}
	if n := calls(); n != 3 { // --list-langs and two pages
		t.Errorf("tesseract ran %d times, want 3", n)
	}
}

// pngHeader and tiffHeader claim sizes and pages without pixel data.
var (
	pngHeader  = hostile.PNGHeader
	tiffHeader = hostile.TIFFHeader
)

func TestProbeImage(t *testing.T) {
	var jpg bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 30, 20))
	if err := png.Encode(&jpg, img); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		data  []byte
		want  imageInfo
		error bool
	}{
		{"png", jpg.Bytes(), imageInfo{"png", 30, 20, 1}, false},
		{"png header", pngHeader(100000, 100000), imageInfo{"png", 100000, 100000, 1}, false},
		{"tiff", tiffHeader(3, 2480, 3508), imageInfo{"tiff", 2480, 3508, 3}, false},
		{"tiff loop", append(tiffHeader(1, 10, 10)[:len(tiffHeader(1, 10, 10))-4], 8, 0, 0, 0), imageInfo{}, true},
		{"tiff 10k pages", tiffHeader(10_000, 10, 10), imageInfo{}, true},
		{"tiff truncated", tiffHeader(1, 10, 10)[:12], imageInfo{}, true},
		{"short tiff", []byte("II*\x00"), imageInfo{}, true},
		{"gif", []byte("GIF89a"), imageInfo{}, true},
	} {
		got, err := probeImage(c.data)
		if (err != nil) != c.error || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v (error %v)", c.name, got, err, c.want, c.error)
		}
	}
}

func TestImageTooLargeRunsNothing(t *testing.T) {
	cmd, calls := fakeTesseract(t, "exit 1")
	e := &Engine{Cmd: cmd, CacheDir: t.TempDir()}
	for name, data := range map[string][]byte{
		"png":        pngHeader(100000, 100000),
		"tiff":       tiffHeader(1, 100000, 100000),
		"tiff pages": tiffHeader(DefaultMaxPages+1, 100, 100),
		"tiff 10k":   tiffHeader(10_000, 100, 100),
	} {
		_, err := e.Image(context.Background(), data)
		if err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("%s: err %v, want a limit", name, err)
		}
	}
	if _, err := e.Image(context.Background(), []byte("not an image")); err == nil {
		t.Error("not an image: no error")
	}
	if n := calls(); n != 0 {
		t.Errorf("tesseract ran %d times for images over the limits", n)
	}
}

func TestTimeout(t *testing.T) {
	cmd, calls := fakeTesseract(t, "sleep 30")
	e := &Engine{Cmd: cmd, Timeout: 300 * time.Millisecond}
	var page bytes.Buffer
	png.Encode(&page, image.NewGray(image.Rect(0, 0, 10, 10)))
	start := time.Now()
	_, err := e.Image(context.Background(), page.Bytes())
	if err == nil || !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Fatalf("err %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout honoured after %s", d)
	}
	if calls() != 2 {
		t.Errorf("calls %d, want 2 (--list-langs and the page)", calls())
	}
	// A cancelled context is reported as such, not as a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e2 := &Engine{Cmd: cmd}
	if _, err := e2.Image(ctx, page.Bytes()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestCacheHitRunsNothing(t *testing.T) {
	cmd, calls := fakeTesseract(t, `printf 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n5\t1\t1\t1\t1\t1\t10\t10\t80\t20\t95\tInvoice\n5\t1\t1\t1\t1\t2\t100\t10\t40\t20\t95\t42\n'`)
	cache := t.TempDir()
	var page bytes.Buffer
	png.Encode(&page, image.NewGray(image.Rect(0, 0, 10, 10)))
	e := &Engine{Cmd: cmd, CacheDir: cache}
	first, err := e.Image(context.Background(), page.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := layout.Text(first); got != "Invoice 42" {
		t.Fatalf("text %q", got)
	}
	n := calls()
	if n != 2 {
		t.Fatalf("calls %d, want 2", n)
	}
	// A new engine (a new run of nexus) over the same cache runs nothing.
	e2 := &Engine{Cmd: cmd, CacheDir: cache}
	again, err := e2.Image(context.Background(), page.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if layout.Text(again) != "Invoice 42" || calls() != n {
		t.Errorf("cache hit: text %q, calls %d (was %d)", layout.Text(again), calls(), n)
	}
	tmp, _ := filepath.Glob(filepath.Join(cache, "*", ".tmp-*"))
	entries, _ := filepath.Glob(filepath.Join(cache, "*", "*.json"))
	if len(tmp) != 0 || len(entries) != 1 {
		t.Errorf("cache dir: temp files %v, entries %v", tmp, entries)
	}
	// Another language set is another entry.
	e3 := &Engine{Cmd: cmd, CacheDir: cache, Langs: []string{"eng", "deu"}}
	if _, err := e3.Image(context.Background(), page.Bytes()); err != nil || calls() == n {
		t.Errorf("other languages: err %v, calls %d", err, calls())
	}
}

func TestNotInstalled(t *testing.T) {
	e := &Engine{Cmd: filepath.Join(t.TempDir(), "no-tesseract")}
	err := e.Available()
	if err == nil || !strings.Contains(err.Error(), "apt-get install tesseract-ocr") {
		t.Fatalf("Available: %v", err)
	}
	var page bytes.Buffer
	png.Encode(&page, image.NewGray(image.Rect(0, 0, 10, 10)))
	if _, err := e.Image(context.Background(), page.Bytes()); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("Image: %v", err)
	}
	cmd, _ := fakeTesseract(t, "exit 0")
	e = &Engine{Cmd: cmd, Langs: []string{"tlh"}}
	if err := e.Available(); err == nil || !strings.Contains(err.Error(), "none of the languages tlh") {
		t.Errorf("missing language: %v", err)
	}
}

func TestGuessLang(t *testing.T) {
	all := DefaultLangs
	for text, want := range map[string]string{
		"Rechnung Nr. 4711 Summe 12,00 EUR inkl. MwSt Vielen Dank für Ihren Einkauf": "deu",
		"Facture n° 562044387 Montant TTC 29,99 € Date limite de paiement":           "fra",
		"Factuurnummer 992288600 Totaal bedrag incl. BTW voor de betaling":           "nld",
		"Invoice 42 Total amount due for payment, thank you":                         "eng",
		"Faktura VAT nr 12/2024 Sprzedawca Nabywca Razem do zapłaty 123,00 zł":       "pol",
		"4711 12,00 EUR": "",
		// Single letters are OCR debris as often as words.
		"Contos? I23 Main Street z= Sub-Total $11.70 w i Tip": "",
		"Factura del cliente z w i":                           "spa",
	} {
		if got := guessLang(text, all); got != want {
			t.Errorf("guessLang(%q) = %q, want %q", text, got, want)
		}
	}
	if got := guessLang("Rechnung Summe MwSt Betrag", []string{"eng", "fra"}); got != "" {
		t.Errorf("German text with only eng, fra installed: %q", got)
	}
}

// TestReadsAgainInTheTextsLanguage: a page read in English whose words
// are German is read again in German alone, and a PDF's later pages go
// straight to German.
func TestReadsAgainInTheTextsLanguage(t *testing.T) {
	cmd, _ := fakeTesseract(t, `case "$*" in
*"-l eng "*) printf '5\t1\t1\t1\t1\t1\t10\t10\t80\t20\t95\tRechnung\n5\t1\t1\t1\t1\t2\t100\t10\t80\t20\t95\tSumme\n5\t1\t1\t1\t1\t3\t200\t10\t80\t20\t95\tMwSt\n' ;;
*) printf '5\t1\t1\t1\t1\t1\t10\t10\t80\t20\t95\tGerman\n' ;;
esac`)
	// The fake lists only eng; give it deu too.
	script, _ := os.ReadFile(cmd)
	os.WriteFile(cmd, bytes.Replace(script, []byte(`eng\nosd`), []byte(`eng\ndeu\nosd`), 1), 0o755)
	count := filepath.Join(filepath.Dir(cmd), "calls")
	var page bytes.Buffer
	png.Encode(&page, image.NewGray(image.Rect(0, 0, 10, 10)))
	e := &Engine{Cmd: cmd}
	lines, err := e.Image(context.Background(), page.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := layout.Text(lines); got != "German" {
		t.Errorf("text %q, want the second (deu) pass", got)
	}
	log, _ := os.ReadFile(count)
	calls := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(calls) != 3 || !strings.Contains(calls[1], "-l eng ") || !strings.Contains(calls[2], "-l deu ") {
		t.Errorf("calls:\n%s", log)
	}
	if osd, _ := os.ReadFile(count + ".osd"); !strings.Contains(string(osd), "--psm 0") {
		t.Errorf("a page of three words was not checked for its orientation; probes: %q", osd)
		t.Errorf("calls:\n%s", log)
	}
	// One pass with all languages, when asked for.
	os.Remove(count)
	e = &Engine{Cmd: cmd, OnePass: true}
	if _, err := e.Image(context.Background(), page.Bytes()); err != nil {
		t.Fatal(err)
	}
	log, _ = os.ReadFile(count)
	if !strings.Contains(string(log), "-l eng+deu ") || strings.Count(string(log), "\n") != 2 {
		t.Errorf("one pass calls:\n%s", log)
	}
}

// TestTurnsSidewaysPage: a page that reads poorly and that orientation
// detection says lies sideways is turned upright and read again; the
// better reading is kept, and a turn that reads worse is not.
func TestTurnsSidewaysPage(t *testing.T) {
	word := func(i int, w string, conf int) string {
		return fmt.Sprintf(`5\t1\t1\t1\t1\t%d\t%d\t10\t40\t20\t%d\t%s\n`, i+1, 10+50*i, conf, w)
	}
	var upright, sideways string
	for i := range 40 {
		upright += word(i, "Rechnung", 90)
	}
	for i := range 8 {
		sideways += word(i, "xq", 20)
	}
	cmd, _ := fakeTesseract(t, fmt.Sprintf(`case "$*" in
*"--psm 0"*) printf 'Page number: 0\nOrientation in degrees: 270\nRotate: 90\nOrientation confidence: 6.2\n' ;;
*turned.png*) printf '%s' ;;
*) printf '%s' ;;
esac`, upright, sideways))
	// A 30×10 page: turned, it is 10×30.
	img := image.NewGray(image.Rect(0, 0, 30, 10))
	img.Pix[0] = 200 // top left
	var page bytes.Buffer
	png.Encode(&page, img)
	e := &Engine{Cmd: cmd}
	lines, err := e.Image(context.Background(), page.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := layout.Text(lines); !strings.HasPrefix(got, "Rechnung") {
		t.Errorf("text %q, want the turned page's reading", got)
	}

	// The turn itself: clockwise, the top left corner goes top right.
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "out.png")
	os.WriteFile(in, page.Bytes(), 0o600)
	if err := turn(in, out, 90); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	g, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if g.Bounds().Dx() != 10 || g.Bounds().Dy() != 30 {
		t.Fatalf("turned size %v", g.Bounds())
	}
	if r, _, _, _ := g.At(9, 0).RGBA(); r>>8 != 200 {
		t.Errorf("turned 90°: top right is %d, want the old top left", r>>8)
	}

	// OSD that is unsure turns nothing.
	if d := parseOSD([]byte("Rotate: 90\nOrientation confidence: 0.4\n")); d != 0 {
		t.Errorf("unsure OSD turned %d", d)
	}
}

// TestReadsPoorPageAsOneBlock: a page that page segmentation reads poorly
// and that lies upright is read again as one block; that reading is kept
// when it has at least twice the confident words and ten more, and not
// otherwise.
func TestReadsPoorPageAsOneBlock(t *testing.T) {
	word := func(i int, w string, conf int) string {
		return fmt.Sprintf(`5\t1\t1\t1\t1\t%d\t%d\t10\t40\t20\t%d\t%s\n`, i+1, 10+50*i, conf, w)
	}
	read := func(segmented, block int) string {
		var seg, blk string
		for i := range segmented {
			seg += word(i, "Kassenbon", 90)
		}
		for i := range block {
			blk += word(i, "Rechnung", 90)
		}
		cmd, _ := fakeTesseract(t, fmt.Sprintf(`case "$*" in
*"--psm 6"*) printf '%s' ;;
*) printf '%s' ;;
esac`, blk, seg))
		var page bytes.Buffer
		png.Encode(&page, image.NewGray(image.Rect(0, 0, 30, 10)))
		lines, err := (&Engine{Cmd: cmd}).Image(context.Background(), page.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(filepath.Dir(cmd), "calls.block")); segmented < poorWords && !strings.Contains(string(b), "--psm 6") {
			t.Errorf("%d confident words: no one-block reading", segmented)
		}
		return strings.Fields(layout.Text(lines))[0]
	}
	if got := read(6, 37); got != "Rechnung" {
		t.Errorf("6 words against 37 as one block: kept %q", got)
	}
	if got := read(12, 20); got != "Kassenbon" {
		t.Errorf("12 words against 20 as one block (fewer than twice as many): kept %q", got)
	}
	if got := read(40, 80); got != "Kassenbon" {
		t.Errorf("a page read well (40 words) was read again: kept %q", got)
	}
}
