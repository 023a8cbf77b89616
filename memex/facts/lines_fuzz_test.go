package facts

import (
	"strings"
	"testing"

	"nexusos/memex/layout"
)

// linesOf decodes fuzz input into a document's geometry that need not
// match its text: each line of cells takes its page, height and the X
// positions of its cells from geo.
func linesOf(cells string, geo []byte) []layout.Line {
	var out []layout.Line
	for i, row := range strings.Split(cells, "\n") {
		l := layout.Line{Y: float64(i)}
		if len(geo) > 0 {
			l.Page = int(int8(geo[0])) % 4
			l.H = float64(geo[0] % 32)
		}
		for j, c := range strings.Split(row, "\t") {
			x := float64(j * 10)
			if k := i + j; k < len(geo) {
				x = float64(int8(geo[k]))
			}
			l.Cells = append(l.Cells, layout.Cell{Text: c, X0: x, X1: x + float64(len(c))})
		}
		out = append(out, l)
	}
	return out
}

// FuzzExtractLines gives Extract a text with geometry of its own (cells
// that may be empty, overlap, go backwards or name other pages): no
// panic, offsets within the text, provenance within the lines.
func FuzzExtractLines(f *testing.F) {
	f.Add(invoiceA, "INVOICE\nInvoice No.\tINV-1\nTotal\t\t$1,200.00\nDue date\n2026-09-01", []byte{0, 10, 20, 30})
	f.Add(receipt, "Summe\tEUR 12,00\nGegeben\tBAR", []byte{1, 200, 3})
	f.Add("Rechnung Nr. 5\nGesamtbetrag 1.234,56 EUR", "Rechnung Nr. 5\nGesamtbetrag\t1.234,56 EUR", []byte{})
	f.Add("", "Total:\t\t\nBill to\tAcme\n\t\t", []byte{255, 128, 127})
	f.Fuzz(func(t *testing.T, text, cells string, geo []byte) {
		lines := linesOf(cells, geo)
		fa := Extract(text, Hints{Lines: lines})
		for _, a := range fa.Amounts {
			if a.Offset < 0 || a.Offset > len(text) {
				t.Fatalf("amount offset %d outside a text of %d bytes", a.Offset, len(text))
			}
		}
		for _, a := range []*Amount{fa.Total, fa.Subtotal, fa.Tax, fa.AmountPaid, fa.BalanceDue} {
			if a != nil && (a.Offset < 0 || a.Offset > len(text)) {
				t.Fatalf("offset %d outside a text of %d bytes", a.Offset, len(text))
			}
		}
		for field, s := range fa.Sources {
			if s.Line < 0 || s.Line > len(lines) || s.Confidence < 0 || s.Confidence > 1 || s.How == "" {
				t.Fatalf("%s: source %+v for %d lines", field, s, len(lines))
			}
		}
	})
}
