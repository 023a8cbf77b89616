// Package hostile builds the pathological files that MemexFS's tests feed
// to extraction and ingest: huge tables, endless lines, nested markup, PDF
// glyph bombs, image headers that claim more pixels or pages than any
// scanner makes. Each builder is small and fast; the file it returns is
// what an attacker or a broken exporter could put in an indexed folder.
package hostile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"

	"nexusos/memex/corpus"
)

// TableHTML is an HTML page with one table of rows×cols cells, each
// holding its number. End tags are left out (the HTML parser closes
// cells and rows) to keep the file small.
func TableHTML(rows, cols int) []byte {
	var b bytes.Buffer
	b.WriteString("<html><body><p>Wide table</p><table>")
	for r := range rows {
		b.WriteString("<tr>")
		for c := range cols {
			fmt.Fprintf(&b, "<td>%d", r*cols+c)
		}
	}
	b.WriteString("</table></body></html>")
	return b.Bytes()
}

// NestedTablesHTML is an HTML page with n tables each nested in the cell
// of the previous one, with a word in the innermost cell.
func NestedTablesHTML(n int) []byte {
	open, shut := "<table><tr><td>", "</td></tr></table>"
	var b bytes.Buffer
	b.Grow(n * (len(open) + len(shut)))
	b.WriteString("<html><body>")
	b.WriteString(strings.Repeat(open, n))
	b.WriteString("innermost")
	b.WriteString(strings.Repeat(shut, n))
	b.WriteString("</body></html>")
	return b.Bytes()
}

// LongLine is plain text of one line holding n words, two spaces apart
// (so that each word is a cell of its own), alternating words and
// amounts.
func LongLine(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 8)
	for i := range n {
		if i%2 == 0 {
			b.WriteString("Total  ")
		} else {
			fmt.Fprintf(&b, "%d.00  ", i%1000)
		}
	}
	return b.Bytes()
}

// GlyphPDF is a one-page PDF that shows "Hello" and then draws glyphs
// times the letter A: a form XObject shows glyphs/draws of them in one
// string, overprinted on one spot (character spacing cancels the
// advance, so no text accumulates), and the page draws the form draws
// times. The file stays a few kilobytes.
func GlyphPDF(glyphs, draws int) []byte {
	draws = max(draws, 1)
	form := "BT /F1 12 Tf 72 600 Td -8.004 Tc (" + strings.Repeat("A", glyphs/draws) + ") Tj ET"
	page := "BT /F1 12 Tf 72 720 Td (Hello) Tj ET " + strings.Repeat("/X1 Do ", draws)
	return PDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 612 792] >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /X1 6 0 R >> >> >>",
		Stream("/Filter /FlateDecode", Deflate([]byte(page))),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		Stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Filter /FlateDecode", Deflate([]byte(form))),
	})
}

// PDF assembles a PDF from object bodies numbered from 1 (object 1 is
// the catalog) with a correct cross-reference table.
func PDF(objs []string) []byte { return corpus.AssemblePDF(objs) }

// Stream is a PDF stream object with its dictionary entries and data.
func Stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// Deflate compresses b for /FlateDecode.
func Deflate(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// PNGHeader is a PNG signature and IHDR chunk claiming w×h pixels, with
// no pixel data.
func PNGHeader(w, h uint32) []byte {
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 0 // 8-bit grayscale
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	return b.Bytes()
}

// TIFFHeader is a little-endian TIFF with one directory per page, each
// giving only width (LONG) and height (SHORT), and no pixel data.
func TIFFHeader(pages int, w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(8))
	for p := range pages {
		binary.Write(&b, binary.LittleEndian, uint16(2))
		binary.Write(&b, binary.LittleEndian, []uint16{256, 4})
		binary.Write(&b, binary.LittleEndian, []uint32{1, w})
		binary.Write(&b, binary.LittleEndian, []uint16{257, 3})
		binary.Write(&b, binary.LittleEndian, uint32(1))
		binary.Write(&b, binary.LittleEndian, []uint16{uint16(h), 0})
		next := uint32(0)
		if p < pages-1 {
			next = uint32(b.Len() + 4)
		}
		binary.Write(&b, binary.LittleEndian, next)
	}
	return b.Bytes()
}
