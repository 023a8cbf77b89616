package extract

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/memex/internal/hostile"
)

// buildPDF assembles a PDF from object bodies (numbered from 1, the
// catalog first) with a correct xref table; stream and deflate build its
// streams.
func buildPDF(objs []string, _ int) []byte { return hostile.PDF(objs) }

var stream, deflate = hostile.Stream, hostile.Deflate

func TestPDFSimple(t *testing.T) {
	content := []byte("BT /F1 12 Tf 14 TL 72 720 Td (INVOICE) Tj 0 -14 Td (Northwind Traders Ltd.) Tj 0 -14 Td [(Total:) -250 (\\$2,500.00)] TJ T* (Caf\\351 \\(paid\\)) Tj ET")
	pdf := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
		stream("/Filter /FlateDecode", deflate(content)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}, 1)
	d, err := File("x.pdf", pdf)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "pdf", d.Text, "INVOICE\nNorthwind Traders Ltd.\nTotal: $2,500.00\nCafé (paid)")
}

func TestPDFToUnicodeAndObjStm(t *testing.T) {
	// A Type0 font with 2-byte codes mapped by a ToUnicode CMap, and the
	// page objects inside a compressed object stream.
	cmap := []byte(`/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <0048> <0002> <0069> endbfchar
1 beginbfrange <0010> <0012> <0041> endbfrange
1 beginbfrange <0020> <0021> [<00E9> <20AC>] endbfrange
endcmap end end`)
	content := []byte("BT /F1 10 Tf 1 0 0 1 50 700 Tm <00010002> Tj 1 0 0 1 50 680 Tm <001000110012> Tj <00200021> Tj ET")
	objA := "<< /Type /Pages /Kids [4 0 R] /Count 1 >>"
	objB := "<< /Type /Page /Parent 3 0 R /Resources << /Font << /F1 6 0 R >> >> /Contents 5 0 R >>"
	header := fmt.Sprintf("3 0 4 %d ", len(objA)+1)
	body := header + objA + " " + objB
	objstm := stream(fmt.Sprintf("/Type /ObjStm /N 2 /First %d /Filter /FlateDecode", len(header)), deflate([]byte(body)))
	pdf := buildPDF([]string{
		"<< /Type /Catalog /Pages 3 0 R >>",
		objstm,
		"null", // 3 and 4 live in the object stream; these placeholders are replaced
		"null",
		stream("", content),
		"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /ToUnicode 7 0 R >>",
		stream("/Filter /FlateDecode", deflate(cmap)),
	}, 1)
	// Drop the placeholder objects so the object stream defines 3 and 4.
	pdf = bytes.Replace(pdf, []byte("3 0 obj\nnull\nendobj\n"), []byte("% gone\n"), 1)
	pdf = bytes.Replace(pdf, []byte("4 0 obj\nnull\nendobj\n"), []byte("% gone\n"), 1)
	d, err := File("y.pdf", pdf)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "pdf", d.Text, "Hi\nABCé€")
}

func TestPDFBad(t *testing.T) {
	for name, b := range map[string][]byte{
		"not pdf":   []byte("hello"),
		"truncated": []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R"),
		"encrypted": buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"}, 1),
	} {
		if name == "encrypted" {
			b = bytes.Replace(b, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt << /V 1 >>"), 1)
		}
		if _, err := File("b.pdf", b); !IsSkip(err) {
			t.Errorf("%s: got %v, want skip", name, err)
		}
	}
	// A flate bomb is refused.
	bomb := deflate(bytes.Repeat([]byte("BT (a) Tj ET "), (pdfMaxStream/13)+10))
	pdf := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream("/Filter /FlateDecode", bomb),
	}, 1)
	if _, err := File("bomb.pdf", pdf); !IsSkip(err) {
		t.Errorf("bomb: got %v, want skip (no text)", err)
	}
}

// TestPDFGhostscript reads a PDF produced by an independent writer
// (Ghostscript's ps2pdf, installed by .ci/deps.d/30-ghostscript.sh).
func TestPDFGhostscript(t *testing.T) {
	data := ps2pdf(t, `%!PS
/Helvetica findfont 14 scalefont setfont
72 720 moveto (Contoso Inc.) show
72 700 moveto (INVOICE C-77) show
72 680 moveto (Due Date: September 1, 2026) show
72 660 moveto (Amount due: $1,200.00) show
showpage
72 720 moveto (Page two: thank you for your business.) show
showpage
`)
	d, err := File("a.pdf", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Contoso Inc.", "INVOICE C-77", "Due Date: September 1, 2026", "Amount due: $1,200.00", "thank you for your business"} {
		if !strings.Contains(d.Text, w) {
			t.Errorf("missing %q in %q", w, d.Text)
		}
	}
	if strings.Index(d.Text, "Contoso") > strings.Index(d.Text, "Page two") {
		t.Error("pages out of order")
	}
}

// ps2pdf turns PostScript into a PDF with Ghostscript's ps2pdf (an
// independent PDF writer), skipping the test where it is not installed.
func ps2pdf(t *testing.T, ps string) []byte {
	t.Helper()
	cmd, err := exec.LookPath("ps2pdf")
	if err != nil {
		t.Skip("ps2pdf (Debian ghostscript) not installed")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.ps"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, []byte(ps), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(cmd, in, out).CombinedOutput(); err != nil {
		t.Fatalf("ps2pdf: %v %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
