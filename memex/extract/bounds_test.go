package extract_test

import (
	"context"
	"fmt"
	"html"
	"strings"
	"testing"

	"nexusos/memex/extract"
	"nexusos/memex/internal/hostile"
	"nexusos/memex/ocr"
)

// TestHostileBounds feeds each extractor a pathological file: it finishes
// with bounded text and geometry, or with a reason to skip the file.
func TestHostileBounds(t *testing.T) {
	ocrOpts := extract.Options{Context: context.Background(), OCR: &ocr.Engine{CacheDir: t.TempDir()}}
	for _, c := range []struct {
		name string
		data []byte
		want string // text the result keeps
		skip string // or a skip reason it gives
	}{
		{"cells.html", hostile.TableHTML(1, 100_000), "99999", ""},                                // 100k cells in one row
		{"grid.html", hostile.TableHTML(100, 1000), "99999", ""},                                  // 100k cells in 100 rows
		{"cells.csv", []byte(strings.Repeat("a,"+strings.Repeat("1,", 999)+"2\n", 100)), "a", ""}, // 100k cells
		{"nested.html", hostile.NestedTablesHTML(10_000), "innermost", ""},
		{"words.txt", hostile.LongLine(1_000_000), "999.00", ""},
		{"glyphs.pdf", hostile.GlyphPDF(10_000_000, 1), "Hello", ""},
		{"glyph-bomb.pdf", hostile.GlyphPDF(1_000_000_000, 1000), "Hello", ""}, // a 1M-glyph form drawn 1000 times
		{"huge.png", hostile.PNGHeader(100_000, 100_000), "", "OCR"},
		{"pages.tif", hostile.TIFFHeader(10_000, 100, 100), "", "OCR"},
		{"huge-page.pdf", hostile.PDF([]string{ // a scan of 2000×2000 inches
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 144000 144000] /Contents 4 0 R >>",
			hostile.Stream("", []byte("0 0 m 10 10 l S")),
		}), "", "OCR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := extract.FileWith(c.name, c.data, ocrOpts)
			if c.skip != "" {
				if !extract.IsSkip(err) || !strings.Contains(err.Error(), c.skip) {
					t.Fatalf("err %v, want a skip mentioning %q", err, c.skip)
				}
				t.Logf("skipped: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(d.Text, c.want) {
				t.Errorf("text does not keep %q", c.want)
			}
			if len(d.Text) > extract.MaxTextBytes {
				t.Errorf("text is %d bytes, over %d", len(d.Text), extract.MaxTextBytes)
			}
			cells := 0
			for _, l := range d.Lines {
				cells += len(l.Cells)
				if len(l.Cells) > extract.MaxLineCells {
					t.Fatalf("a line of %d cells, over %d", len(l.Cells), extract.MaxLineCells)
				}
			}
			if cells > extract.MaxCells {
				t.Errorf("%d cells, over %d", cells, extract.MaxCells)
			}
			t.Logf("%d bytes → text %d bytes, %d lines, %d cells", len(c.data), len(d.Text), len(d.Lines), cells)
		})
	}
}

// htmlTables builds an HTML page of depth tables nested in each other's
// first cell, the innermost one with a row of cols cells holding cell and
// spanning spans[i] columns; tail is appended as is (broken markup).
func htmlTables(depth, cols int, cell string, spans []byte, tail string) []byte {
	var b strings.Builder
	b.WriteString("<html><body>")
	b.WriteString(strings.Repeat("<table><tr><td>", depth))
	b.WriteString("<table><tr>")
	for i := range cols {
		if i < len(spans) {
			fmt.Fprintf(&b, `<td colspan="%d">`, int(int8(spans[i])))
		} else {
			b.WriteString("<td>")
		}
		b.WriteString(html.EscapeString(cell))
		b.WriteString("</td>")
	}
	b.WriteString("</tr></table>")
	b.WriteString(strings.Repeat("</td></tr></table>", depth))
	b.WriteString(tail)
	return []byte(b.String())
}

// FuzzHTMLTables: tables nested up to 10,000 deep, rows up to 10,000
// cells wide, any spans and any trailing markup: no panic, and lines
// within the bounds.
func FuzzHTMLTables(f *testing.F) {
	f.Add(uint16(0), uint16(3), "Total", []byte{1, 2, 0}, "")
	f.Add(uint16(10_000), uint16(1), "innermost", []byte{}, "")
	f.Add(uint16(2), uint16(10_000), "x", []byte{100, 255, 0}, "<tr><td>a<p>b</p><p>c")
	f.Add(uint16(64), uint16(70), "a\nb", []byte{}, "</table></table><td>stray")
	f.Fuzz(func(t *testing.T, depth, cols uint16, cell string, spans []byte, tail string) {
		data := htmlTables(int(depth)%10_001, int(cols)%10_001, cell, spans, tail)
		d, err := extract.File("t.html", data)
		if err != nil {
			t.Fatal(err)
		}
		cells := 0
		for i, l := range d.Lines {
			if len(l.Cells) > extract.MaxLineCells {
				t.Fatalf("line %d has %d cells", i, len(l.Cells))
			}
			for j, c := range l.Cells {
				if c.Text == "" || j > 0 && c.X0 < l.Cells[j-1].X0 {
					t.Fatalf("line %d cells %+v", i, l.Cells)
				}
			}
			cells += len(l.Cells)
		}
		if cells > extract.MaxCells || len(d.Text) > extract.MaxTextBytes {
			t.Fatalf("%d cells, %d bytes of text", cells, len(d.Text))
		}
		if w := strings.Join(strings.Fields(cell), " "); cols > 0 && depth < 64 && w != "" && !strings.Contains(d.Text, w) {
			t.Fatalf("cell text %q lost", w)
		}
	})
}
