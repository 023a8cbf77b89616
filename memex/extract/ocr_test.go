package extract_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"nexusos/memex/extract"
	"nexusos/memex/internal/hostile"
	"nexusos/memex/layout"
	"nexusos/memex/ocr"
)

// fakeOCR is an OCRer that answers without running anything.
type fakeOCR struct {
	avail error
	err   error
	lines []layout.Line
	pages int
	calls int
}

func (f *fakeOCR) Available() error { return f.avail }

func (f *fakeOCR) Image(ctx context.Context, data []byte) ([]layout.Line, error) {
	f.calls++
	return f.lines, f.err
}

func (f *fakeOCR) PDF(ctx context.Context, data []byte) ([]layout.Line, int, error) {
	f.calls++
	return f.lines, f.pages, f.err
}

// scannedPS is an invoice page rendered to a picture in the tests.
const scannedPS = `%!PS
<< /PageSize [595 842] >> setpagedevice
/Helvetica-Bold findfont 28 scalefont setfont
72 760 moveto (INVOICE) show
/Helvetica findfont 14 scalefont setfont
72 720 moveto (Invoice number: 7731) show
72 598 moveto (Total due) show 400 598 moveto (318.40 EUR) show
showpage
`

// gsRender renders PostScript with a Ghostscript device (pnggray for an
// image, pdfimage8 for a PDF whose page is one image: a scan).
func gsRender(t *testing.T, device, ext string) []byte {
	t.Helper()
	if _, err := exec.LookPath("gs"); err != nil {
		t.Skip("ghostscript is not installed (bash .ci/deps.d/30-ghostscript.sh installs it)")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.ps"), filepath.Join(dir, "out"+ext)
	if err := os.WriteFile(in, []byte(scannedPS), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE="+device, "-r300", "-sOutputFile="+out, in).CombinedOutput(); err != nil {
		t.Fatalf("gs %s: %v\n%s", device, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func skipReason(t *testing.T, err error) string {
	t.Helper()
	var s *extract.SkipError
	if !errors.As(err, &s) {
		t.Fatalf("want a skip, got %v", err)
	}
	return s.Reason
}

func TestOCRSkipReasons(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n")
	_, err := extract.File("scan.png", png)
	if r := skipReason(t, err); !strings.Contains(r, "image needs OCR") {
		t.Errorf("File: %q", r)
	}
	missing := &ocr.Engine{Cmd: filepath.Join(t.TempDir(), "tesseract")}
	for _, name := range []string{"a.png", "b.JPG", "c.jpeg", "d.tif", "e.tiff"} {
		_, err := extract.FileWith(name, pngImage(), extract.Options{OCR: missing})
		r := skipReason(t, err)
		if !strings.HasPrefix(r, "image needs OCR: tesseract is not installed (apt-get install tesseract-ocr") {
			t.Errorf("%s: %q", name, r)
		}
	}
	f := &fakeOCR{err: errors.New("image is 100000×100000 pixels (10000 Mpx, limit 40 Mpx)")}
	_, err = extract.FileWith("big.png", png, extract.Options{OCR: f})
	if r := skipReason(t, err); r != "image not read by OCR: image is 100000×100000 pixels (10000 Mpx, limit 40 Mpx)" {
		t.Errorf("too large: %q", r)
	}
	f = &fakeOCR{}
	_, err = extract.FileWith("blank.png", png, extract.Options{OCR: f})
	if r := skipReason(t, err); r != "image has no text (OCR found none)" {
		t.Errorf("blank: %q", r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f = &fakeOCR{err: context.Canceled}
	if _, err := extract.FileWith("x.png", png, extract.Options{OCR: f, Context: ctx}); extract.IsSkip(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// pngImage is a tiny valid PNG.
func pngImage() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc\xf8\x0f\x00\x01\x01\x01\x00\x18\xdd\x8d\xb0\x00\x00\x00\x00IEND\xaeB`\x82")
}

// invoice42 is what the fake OCR reads: one line, "Invoice" and "42".
func invoice42() []layout.Line {
	return layout.FromWords(0, []layout.Word{
		{Text: "Invoice", X0: 10, Y0: 10, X1: 90, Y1: 30}, {Text: "42", X0: 300, Y0: 10, X1: 330, Y1: 30},
	}, 1)
}

func TestOCRDocFromFake(t *testing.T) {
	lines := invoice42()
	f := &fakeOCR{lines: lines, pages: 3}
	d, err := extract.FileWith("scan.jpg", pngImage(), extract.Options{OCR: f})
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != "image" || d.OCRPages != 1 || d.Text != "Invoice\t42" || d.Title != "Invoice\t42" || len(d.Lines) != 1 {
		t.Errorf("doc %+v", d)
	}
	// A PDF with a text layer is not sent to OCR.
	pdf := textPDF()
	d, err = extract.FileWith("text.pdf", pdf, extract.Options{OCR: f})
	if err != nil || d.OCRPages != 0 || f.calls != 1 {
		t.Errorf("text PDF: %v, OCR pages %d, OCR calls %d", err, d.OCRPages, f.calls)
	}
}

// textPDF is a one-page PDF with a text layer.
func textPDF() []byte {
	content := "BT /F1 12 Tf 72 700 Td (Hello text layer) Tj ET"
	body := "%PDF-1.4\n" +
		"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>\nendobj\n" +
		"4 0 obj\n<< /Length " + strconv.Itoa(len(content)) + " >>\nstream\n" + content + "\nendstream\nendobj\n" +
		"5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n" +
		"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
	return []byte(body)
}

// TestOCRImageAndScannedPDF runs tesseract for real on an invoice page
// rendered to PNG, and on the same page as an image-only PDF.
func TestOCRImageAndScannedPDF(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (bash .ci/deps.d/35-tesseract.sh installs it)")
	}
	eng := &ocr.Engine{CacheDir: t.TempDir()}
	opts := extract.Options{OCR: eng, Context: context.Background()}

	d, err := extract.FileWith("invoice.png", gsRender(t, "pnggray", ".png"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != "image" || d.OCRPages != 1 || !strings.Contains(d.Text, "Invoice") || !strings.Contains(d.Text, "7731") || !strings.Contains(d.Text, "318.40") {
		t.Errorf("image: format %s, OCR pages %d, text:\n%s", d.Format, d.OCRPages, d.Text)
	}

	scan := gsRender(t, "pdfimage8", ".pdf")
	_, err = extract.File("scan.pdf", scan)
	if r := skipReason(t, err); r != "PDF has no text layer (scanned image?)" {
		t.Fatalf("File on a scanned PDF: %q", r)
	}
	d, err = extract.FileWith("scan.pdf", scan, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != "pdf" || d.OCRPages != 1 || !strings.Contains(d.Text, "Invoice") || !strings.Contains(d.Text, "318.40") {
		t.Errorf("scanned PDF: format %s, OCR pages %d, text:\n%s", d.Format, d.OCRPages, d.Text)
	}
	found := false
	for _, l := range d.Lines {
		if len(l.Cells) == 2 && l.Cells[0].Text == "Total due" && strings.HasPrefix(l.Cells[1].Text, "318.40") {
			found = true
		}
	}
	if !found {
		t.Errorf("no line [Total due][318.40 EUR] in %q", layout.Text(d.Lines))
	}
}

// garbledPDF is a one-page PDF whose text layer reads as symbols, as a
// font without a usable character mapping gives it.
func garbledPDF() []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 14 TL 72 720 Td")
	for range 30 {
		content.WriteString(` (3/%*$\(*& \(*\(*& !"\)%= 5 =) Tj T*`)
	}
	content.WriteString(" ET")
	return hostile.PDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
		hostile.Stream("", []byte(content.String())),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	})
}

func TestGarbledTextLayerReadByOCR(t *testing.T) {
	lines := invoice42()
	f := &fakeOCR{lines: lines, pages: 1}
	d, err := extract.FileWith("garbled.pdf", garbledPDF(), extract.Options{OCR: f})
	if err != nil {
		t.Fatal(err)
	}
	if f.calls != 1 || d.OCRPages != 1 || d.Text != "Invoice\t42" {
		t.Fatalf("OCR calls %d, pages %d, text %q", f.calls, d.OCRPages, d.Text)
	}
	// OCR that reads nothing keeps the text layer, whatever it is.
	f = &fakeOCR{err: errors.New("tesseract failed")}
	d, err = extract.FileWith("garbled.pdf", garbledPDF(), extract.Options{OCR: f})
	if err != nil || f.calls != 1 || d.OCRPages != 0 || !strings.Contains(d.Text, "*$") {
		t.Fatalf("fallback: %v, calls %d, pages %d, text %.40q", err, f.calls, d.OCRPages, d.Text)
	}
	// Without OCR the text layer is all there is.
	if d, err := extract.File("garbled.pdf", garbledPDF()); err != nil || !strings.Contains(d.Text, "*$") {
		t.Fatalf("no OCR: %v", err)
	}
}

// imagePagePDF is a one-page PDF holding a 4×4 grey image drawn over
// cover of the page's height (the full width), under a line of text: a
// receipt photo printed from a browser when cover is large.
func imagePagePDF(cover float64) []byte {
	content := fmt.Sprintf("BT /F1 10 Tf 36 770 Td (11/10/2021, 16:42  receipt.png) Tj ET q 612 0 0 %.1f 0 0 cm /Im1 Do Q", 792*cover)
	px := make([]byte, 16)
	for i := range px {
		px[i] = byte(i * 16)
	}
	return hostile.PDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
		hostile.Stream("", []byte(content)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		hostile.Stream("/Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", hostile.Deflate(px)),
	})
}

// imageOCR answers Image with its lines and counts the images it was
// given, apart from PDF calls.
type imageOCR struct {
	fakeOCR
	images [][]byte
}

func (f *imageOCR) Image(ctx context.Context, data []byte) ([]layout.Line, error) {
	f.images = append(f.images, data)
	return f.lines, f.err
}

func TestImagePagesReadByOCR(t *testing.T) {
	f := &imageOCR{fakeOCR: fakeOCR{lines: invoice42(), pages: 1}}
	d, err := extract.FileWith("printed.pdf", imagePagePDF(0.9), extract.Options{OCR: f})
	if err != nil {
		t.Fatal(err)
	}
	// The page's own image, taken out as a PNG, is what OCR read.
	if len(f.images) != 1 || f.calls != 0 || !bytes.HasPrefix(f.images[0], []byte("\x89PNG")) || d.OCRPages != 1 || d.Text != "Invoice\t42" {
		t.Fatalf("images %d, PDF calls %d, pages %d, text %q", len(f.images), f.calls, d.OCRPages, d.Text)
	}
	img, err := png.Decode(bytes.NewReader(f.images[0]))
	if err != nil || img.Bounds().Dx() != 4 || img.Bounds().Dy() != 4 {
		t.Fatalf("image taken out: %v %v", err, img)
	}
	// A small image (a logo) beside a thin text layer is no scan.
	f = &imageOCR{fakeOCR: fakeOCR{lines: invoice42(), pages: 1}}
	d, err = extract.FileWith("logo.pdf", imagePagePDF(0.1), extract.Options{OCR: f})
	if err != nil || len(f.images) != 0 || d.OCRPages != 0 || !strings.Contains(d.Text, "receipt.png") {
		t.Fatalf("logo page: %v, images %d, text %q", err, len(f.images), d.Text)
	}
}
