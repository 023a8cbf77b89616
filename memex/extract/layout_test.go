package extract

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"nexusos/memex/layout"
)

// onePagePDF builds a one-page PDF (US Letter unless pageExtra sets a
// box) whose content uses /F1 = Helvetica without /Widths (the built-in
// standard 14 metrics apply) and /F2 = a font with explicit /Widths.
func onePagePDF(content, pageExtra string, extraObjs ...string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 612 792] >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R " + pageExtra +
			" /Resources << /Font << /F1 5 0 R /F2 6 0 R >> /XObject << /X1 7 0 R >> >> >>",
		stream("/Filter /FlateDecode", deflate([]byte(content))),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Custom /FirstChar 32 /LastChar 126 /Widths [" +
			strings.Repeat("600 ", 95) + "] /Encoding /WinAnsiEncoding >>",
	}
	if len(extraObjs) == 0 {
		extraObjs = []string{"null"}
	}
	return buildPDF(append(objs, extraObjs...), 1)
}

func pdfLines(t *testing.T, pdf []byte) *Doc {
	t.Helper()
	d, err := File("t.pdf", pdf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// findCell returns the line index and cell with exactly this text.
func findCell(lines []layout.Line, text string) (int, layout.Cell, bool) {
	for i, l := range lines {
		for _, c := range l.Cells {
			if c.Text == text {
				return i, c, true
			}
		}
	}
	return -1, layout.Cell{}, false
}

func dumpLines(lines []layout.Line) string {
	var sb strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&sb, "p%d y%.1f:", l.Page, l.Y)
		for _, c := range l.Cells {
			fmt.Fprintf(&sb, " [%s %.1f-%.1f]", c.Text, c.X0, c.X1)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// TestPDFLayoutColumns: column headers with their values on the next line,
// and a label and its value far apart on one line.
func TestPDFLayoutColumns(t *testing.T) {
	content := `BT /F1 10 Tf
1 0 0 1 72 740 Tm (ACME Widgets GmbH) Tj
1 0 0 1 380 700 Tm (Invoice No.) Tj 110 0 Td (Date) Tj
-110 -14 Td (RE-42) Tj 110 0 Td (07.12.2026) Tj
1 0 0 1 72 600 Tm (Total due:) Tj 1 0 0 1 470 600 Tm (1,280.00 EUR) Tj
ET`
	d := pdfLines(t, onePagePDF(content, ""))
	dump := dumpLines(d.Lines)
	hi, inv, ok1 := findCell(d.Lines, "Invoice No.")
	_, date, ok2 := findCell(d.Lines, "Date")
	vi, num, ok3 := findCell(d.Lines, "RE-42")
	vi2, dval, ok4 := findCell(d.Lines, "07.12.2026")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		t.Fatalf("cells missing:\n%s", dump)
	}
	if vi != hi+1 || vi2 != vi {
		t.Errorf("values not on the line below the headers:\n%s", dump)
	}
	under := func(v, h layout.Cell) bool { return v.X0 >= h.X0-1 && v.X0 < h.X1 }
	if !under(num, inv) || !under(dval, date) || under(dval, inv) {
		t.Errorf("values not under their headers: %+v %+v %+v %+v", inv, num, date, dval)
	}
	li, label, ok1 := findCell(d.Lines, "Total due:")
	vi, val, ok2 := findCell(d.Lines, "1,280.00 EUR")
	if !ok1 || !ok2 || li != vi || val.X0-label.X1 < 300 {
		t.Errorf("label/value pair:\n%s", dump)
	}
	if label.X0 < 71 || label.X0 > 73 || val.X0 < 469 || val.X0 > 471 {
		t.Errorf("positions %+v %+v", label, val)
	}
	mustContain(t, "pdf text", d.Text, "Invoice No.\tDate\nRE-42\t07.12.2026", "Total due:\t1,280.00 EUR")
}

// TestPDFLayoutWords: kerned TJ arrays, glyph-by-glyph text, horizontal
// scaling, a size-1 font scaled by Tm, fake bold and invisible text.
func TestPDFLayoutWords(t *testing.T) {
	// Helvetica: I=278 n=556 v=500 o=556 i=222 c=500 e=556 (1/1000 em).
	var glyphs strings.Builder
	x := 72.0
	for _, g := range []struct {
		c string
		w float64
	}{{"T", 611}, {"o", 556}, {"t", 278}, {"a", 556}, {"l", 222}} {
		fmt.Fprintf(&glyphs, "1 0 0 1 %.2f 500 Tm (%s) Tj\n", x, g.c)
		x += g.w * 12 / 1000
	}
	content := `BT /F1 12 Tf
1 0 0 1 72 700 Tm [(In) 40 (voi) -15 (ce) -278 (No.)] TJ
1 0 0 1 300 700 Tm [(12) 20 (345)] TJ
` + glyphs.String() + `1 0 0 1 300 500 Tm (99.00) Tj
1 0 0 1 72 400 Tm 50 Tz (Condensed text) Tj 100 Tz
/F1 1 Tf 12 0 0 12 72 300 Tm (Scaled) Tj 12 0 0 12 300 300 Tm (Far) Tj
/F1 12 Tf 1 0 0 1 72 200 Tm (Bold) Tj 1 0 0 1 72.4 200 Tm (Bold) Tj
3 Tr 1 0 0 1 72 100 Tm (Hidden) Tj 0 Tr
/F2 10 Tf 1 0 0 1 72 50 Tm (Mono) Tj 1 0 0 1 100 50 Tm (spaced) Tj
ET`
	d := pdfLines(t, onePagePDF(content, ""))
	dump := dumpLines(d.Lines)
	for _, want := range []string{"Invoice No.", "12345", "Total", "99.00", "Condensed text", "Scaled", "Far", "Bold", "Mono spaced"} {
		if _, _, ok := findCell(d.Lines, want); !ok {
			t.Errorf("no cell %q:\n%s", want, dump)
		}
	}
	if strings.Contains(d.Text, "Bold Bold") || strings.Contains(d.Text, "BoldBold") || strings.Contains(d.Text, "Hidden") {
		t.Errorf("duplicate or invisible text kept:\n%s", dump)
	}
	if _, c, _ := findCell(d.Lines, "Condensed text"); c.X1-c.X0 > 50 || c.X1-c.X0 < 35 {
		t.Errorf("Tz 50 not applied: %+v", c)
	}
	if _, c, _ := findCell(d.Lines, "Far"); c.X0 < 299 || c.X0 > 301 {
		t.Errorf("Tm scaling: %+v", c)
	}

	// A page with only invisible text (the text layer of a scan) keeps it.
	d = pdfLines(t, onePagePDF("BT /F1 12 Tf 3 Tr 72 700 Td (Scanned words) Tj ET", ""))
	mustContain(t, "invisible only", d.Text, "Scanned words")
}

// TestPDFLayoutTransforms: the CTM from cm and q/Q, form XObjects under
// their /Matrix, and a page turned by /Rotate.
func TestPDFLayoutTransforms(t *testing.T) {
	form := stream("/Type /XObject /Subtype /Form /BBox [0 0 200 50] /Matrix [1 0 0 1 300 0]",
		[]byte("BT /F1 10 Tf 0 0 Td (In form) Tj ET"))
	content := `q 1 0 0 1 100 600 cm q 2 0 0 2 0 0 cm BT /F1 5 Tf 0 0 Td (Scaled by cm) Tj ET Q
BT /F1 10 Tf 0 -20 Td (After Q) Tj ET Q
q 1 0 0 1 0 500 cm /X1 Do Q
BT /F1 10 Tf 100 400 Td (Page space) Tj ET
q 1 0 0 -1 0 792 cm BT /F1 10 Tf 1 0 0 -1 100 300 Tm (Flipped twice) Tj ET Q`
	d := pdfLines(t, onePagePDF(content, "", form))
	dump := dumpLines(d.Lines)
	check := func(text string, x0, y float64) {
		t.Helper()
		i, c, ok := findCell(d.Lines, text)
		if !ok {
			t.Errorf("no cell %q:\n%s", text, dump)
			return
		}
		l := d.Lines[i]
		if c.X0 < x0-1 || c.X0 > x0+1 || l.Y > y || l.Y+l.H < y {
			t.Errorf("%q at x %.1f line y %.1f h %.1f, want x %.1f baseline %.1f", text, c.X0, l.Y, l.H, x0, y)
		}
	}
	check("Scaled by cm", 100, 792-600)
	check("After Q", 100, 792-580)
	check("In form", 300, 792-500)
	check("Page space", 100, 792-400)
	check("Flipped twice", 100, 300) // a top-down CTM and a mirrored Tm cancel out

	// /Rotate 90: text running up the page in user space reads left to
	// right on the displayed page.
	content = `BT /F1 10 Tf 0 1 -1 0 300 100 Tm (Turned) Tj 0 1 -1 0 300 400 Tm (page) Tj ET`
	d = pdfLines(t, onePagePDF(content, "/Rotate 90"))
	if len(d.Lines) != 1 || len(d.Lines[0].Cells) != 2 || d.Lines[0].Cells[0].Text != "Turned" || d.Lines[0].Cells[1].X0 < 390 {
		t.Errorf("rotated page:\n%s", dumpLines(d.Lines))
	}
}

// TestPDFLayoutGhostscript: a two-column page written by Ghostscript keeps
// two cells per line.
func TestPDFLayoutGhostscript(t *testing.T) {
	data := ps2pdf(t, `%!PS
/Helvetica findfont 10 scalefont setfont
72 720 moveto (Invoice number) show 320 720 moveto (INV-2026-881) show
72 705 moveto (Invoice date) show 320 705 moveto (1 September 2026) show
72 690 moveto (Amount due) show 320 690 moveto (EUR 1,200.00) show
/Times-Roman findfont 10 scalefont setfont
72 660 moveto (C) show (u) show (s) show (t) show (o) show (m) show (e) show (r) show 320 660 moveto (Contoso Ltd) show
showpage
`)
	d := pdfLines(t, data)
	want := [][2]string{{"Invoice number", "INV-2026-881"}, {"Invoice date", "1 September 2026"}, {"Amount due", "EUR 1,200.00"}, {"Customer", "Contoso Ltd"}}
	if len(d.Lines) != len(want) {
		t.Fatalf("lines:\n%s", dumpLines(d.Lines))
	}
	for i, w := range want {
		l := d.Lines[i]
		if len(l.Cells) != 2 || l.Cells[0].Text != w[0] || l.Cells[1].Text != w[1] || l.Cells[1].X0 < 319 || l.Cells[1].X0 > 321 {
			t.Errorf("line %d: %+v, want %q", i, l, w)
		}
	}
}

func TestTableLines(t *testing.T) {
	html := `<html><body><h1>Invoice</h1><p>Thank you.</p>
<table><tr><th>Item</th><th>Qty</th><th>Price</th></tr>
<tr><td>Widget</td><td>2</td><td>$5.00</td></tr>
<tr><td colspan="2">Total</td><td>$10.00</td></tr>
<tr><td>Bill to:<br>Contoso</td><td><table><tr><td>Inner</td><td>cell</td></tr></table></td></tr></table>
<p>Bye</p></body></html>`
	d, err := File("t.html", []byte(html))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "html text", d.Text, "Widget\t2\t$5.00")
	got := linesText(d.Lines)
	want := "Invoice|Thank you.|Item Qty Price|Widget 2 $5.00|Total $10.00@2|Bill to:|Contoso|Inner cell|Bye"
	if got != want {
		t.Errorf("html lines\n got %s\nwant %s", got, want)
	}
	checkIncreasingY(t, d.Lines)

	docx := zipOf(t, map[string]string{"word/document.xml": `<w:document xmlns:w="w"><w:body>
<w:p><w:r><w:t>Invoice 7</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Invoice No.</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Date</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>A-7</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>2026-12-07</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:tcPr><w:gridSpan w:val="1"/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>Due soon</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t>Revenue</w:t></w:r><w:r><w:tab/><w:t>12%</w:t></w:r></w:p></w:body></w:document>`})
	d, err = File("t.docx", docx)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "docx text", d.Text, "Invoice No.", "2026-12-07", "Revenue\t12%")
	if got, want := linesText(d.Lines), "Invoice 7|Invoice No. Date|A-7 2026-12-07|Due soon@1|Revenue 12%"; got != want {
		t.Errorf("docx lines\n got %s\nwant %s", got, want)
	}
	checkIncreasingY(t, d.Lines)

	odt := zipOf(t, map[string]string{"content.xml": `<office:document-content xmlns:office="o" xmlns:text="t" xmlns:table="b"><office:body><office:text>
<text:p>Before</text:p><table:table><table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>Wide</text:p></table:table-cell><table:covered-table-cell/><table:table-cell><text:p>Right</text:p></table:table-cell></table:table-row></table:table>
<text:p>After</text:p></office:text></office:body></office:document-content>`})
	d, err = File("t.odt", odt)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := linesText(d.Lines), "Before|Wide Right@2|After"; got != want {
		t.Errorf("odt lines\n got %s\nwant %s", got, want)
	}

	d, err = File("t.csv", []byte("vendor,amount,status\nNorthwind,,unpaid\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := linesText(d.Lines), "vendor amount status|Northwind unpaid@2"; got != want {
		t.Errorf("csv lines\n got %s\nwant %s", got, want)
	}
}

// linesText renders lines as "cell cell|cell", marking a table cell "@col"
// when its column is not its position in the line.
func linesText(lines []layout.Line) string {
	var ls []string
	for _, l := range lines {
		var cs []string
		for i, c := range l.Cells {
			s := c.Text
			if table := c.X1-c.X0 < 0.95; table && int(c.X0) != i { // FromRows cells are 0.9 wide
				s += fmt.Sprintf("@%d", int(c.X0))
			}
			cs = append(cs, s)
		}
		ls = append(ls, strings.Join(cs, " "))
	}
	return strings.Join(ls, "|")
}

func checkIncreasingY(t *testing.T, lines []layout.Line) {
	t.Helper()
	for i := 1; i < len(lines); i++ {
		if lines[i].Y <= lines[i-1].Y {
			t.Errorf("line %d Y %.1f not below %.1f", i, lines[i].Y, lines[i-1].Y)
		}
	}
}

// TestPDFEncodings: a MacRoman font and /Differences by glyph name.
func TestPDFEncodings(t *testing.T) {
	font := "<< /Type /Font /Subtype /TrueType /BaseFont /Helvetica /Encoding << /BaseEncoding /MacRomanEncoding " +
		"/Differences [1 /Euro /uni00E9 200 /germandbls /g17] >> >>"
	pdf := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		stream("", []byte(`BT /F1 10 Tf 72 700 Td (Grundgeb\237hr Stra\310e Caf\002 \001 5 \203) Tj ET`)),
		font,
	}, 1)
	d := pdfLines(t, pdf)
	mustContain(t, "encodings", d.Text, "Grundgebühr Straße Café € 5 É")
	if len([]rune(macRomanHigh)) != 128 {
		t.Errorf("macRomanHigh has %d runes", len([]rune(macRomanHigh)))
	}
}

// TestPDFFormBomb: forms that draw themselves many times stop at the
// operator budget instead of running for ever.
func TestPDFFormBomb(t *testing.T) {
	form := stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X1 7 0 R >> /Font << /F1 5 0 R >> >>",
		[]byte("BT /F1 10 Tf 72 700 Td (x) Tj ET "+strings.Repeat("/X1 Do ", 200)))
	defer func(n int) { pdfMaxOps = n }(pdfMaxOps)
	pdfMaxOps = 1_000_000
	start := time.Now()
	d := pdfLines(t, onePagePDF("BT /F1 10 Tf 72 720 Td (Top) Tj ET /X1 Do", "", form))
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("form bomb took %v", el)
	}
	mustContain(t, "form bomb", d.Text, "Top")
}

// TestSlantedStamp: a stamp set at an angle reads as one word on a line
// of its own after the upright text, not as fragments among the table
// rows.
func TestSlantedStamp(t *testing.T) {
	// 30 degrees: cos 0.866, sin 0.5.
	content := "BT /F1 10 Tf 72 700 Td (Invoice INV-7) Tj ET\n" +
		"BT /F1 10 Tf 72 320 Td (Total) Tj 300 0 Td ($93.50) Tj ET\n" +
		"BT /F1 60 Tf 0.866 0.5 -0.5 0.866 200 300 Tm (PAID) Tj ET\n"
	d := pdfLines(t, onePagePDF(content, ""))
	i, _, ok := findCell(d.Lines, "PAID")
	if !ok {
		t.Fatalf("no PAID cell:\n%s", dumpLines(d.Lines))
	}
	if i != len(d.Lines)-1 || len(d.Lines[i].Cells) != 1 {
		t.Errorf("stamp at line %d of %d:\n%s", i, len(d.Lines), dumpLines(d.Lines))
	}
	if _, _, ok := findCell(d.Lines, "$93.50"); !ok {
		t.Errorf("the total was lost:\n%s", dumpLines(d.Lines))
	}
}
