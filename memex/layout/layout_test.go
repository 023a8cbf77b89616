package layout

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// noSpace drops white space and the " | " cell bars that may separate
// cells, so that text in and text out compare whatever the cell breaks.
func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '|' {
			return -1
		}
		return r
	}, s)
}

func runeCounts(s string) map[rune]int {
	m := map[rune]int{}
	for _, r := range s {
		m[r]++
	}
	return m
}

func TestFromWords(t *testing.T) {
	ws := []Word{
		{Text: "Total", X0: 10, Y0: 100, X1: 40, Y1: 112},
		{Text: "due", X0: 44, Y0: 100.5, X1: 60, Y1: 112.5},
		{Text: "1,234.56", X0: 300, Y0: 101, X1: 350, Y1: 113},
		{Text: "Invoice", X0: 10, Y0: 50, X1: 60, Y1: 70},
		{Text: " ", X0: 0, Y0: 0, X1: 1, Y1: 1},
		{Text: "upside", X0: 0, Y0: 10, X1: -5, Y1: 20}, // X1 < X0: dropped
	}
	ls := FromWords(2, ws, 0)
	if len(ls) != 2 || ls[0].Text() != "Invoice" || ls[1].Text() != "Total due\t1,234.56" || ls[1].Page != 2 {
		t.Fatalf("lines %+v", ls)
	}
}

func TestFromTextCells(t *testing.T) {
	ls := FromText("Invoice  No. 12\n\nTotal | 5.00\tEUR\n  indented")
	var got []string
	for _, l := range ls {
		got = append(got, l.Text())
	}
	want := []string{"Invoice\tNo. 12", "Total\t5.00\tEUR", "indented"}
	if !slices.Equal(got, want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	if ls[1].Y != 2 || ls[2].Cells[0].X0 != 2 {
		t.Errorf("positions %+v", ls)
	}
}

func TestLimit(t *testing.T) {
	var l Line
	for i := range 25 {
		l.Cells = append(l.Cells, Cell{Text: strings.Repeat("x", i+1), X0: float64(i), X1: float64(i) + 0.5})
	}
	small := []Line{{Cells: l.Cells[:3]}}
	if out, cut := Limit(small, 10, 100); cut || len(out) != 1 {
		t.Fatalf("within the bounds: %v %+v", cut, out)
	}
	out, cut := Limit([]Line{l, {Y: 1, Cells: l.Cells[:5]}}, 10, 28)
	if !cut || len(out) != 4 {
		t.Fatalf("wrapped into %d lines (cut %v), want 4", len(out), cut)
	}
	n := 0
	for _, o := range out {
		if len(o.Cells) > 10 {
			t.Errorf("a line of %d cells", len(o.Cells))
		}
		n += len(o.Cells)
	}
	if n != 28 || out[2].Y != 0 || out[3].Y != 1 || out[3].Cells[2].Text != "xxx" {
		t.Errorf("kept %d cells: %+v", n, out)
	}
}

// wordsOf decodes fuzz input into words: each takes 6 bytes of geometry
// (x, y, width, height as small integers) and a text from the list.
func wordsOf(geo []byte, texts []string, sameHeight bool) []Word {
	var ws []Word
	for i := 0; len(geo) >= 6 && len(texts) > 0; i++ {
		x := float64(int16(binary.LittleEndian.Uint16(geo)))
		y := float64(int16(binary.LittleEndian.Uint16(geo[2:])))
		w, h := float64(int8(geo[4])), float64(int8(geo[5]))/4
		if sameHeight {
			h = 10
		}
		ws = append(ws, Word{Text: texts[i%len(texts)], X0: x, Y0: y, X1: x + w, Y1: y + h})
		geo = geo[6:]
	}
	return ws
}

func FuzzFromWords(f *testing.F) {
	f.Add([]byte("\x0a\x00\x64\x00\x1e\x30\x50\x00\x64\x00\x14\x30\x2c\x01\x65\x00\x32\x30"), "Total due 1,234.56", false, 1.0)
	f.Add([]byte("\x00\x00\x00\x00\x10\x28\x00\x00\x04\x00\x10\x28\x00\x00\x08\x00\x10\x28"), "a b a", true, 0.0)
	f.Add([]byte("\xff\xff\xff\xff\x80\x80\x00\x80\x00\x80\x7f\x7f"), "Rechnung  Nr.", false, -3.0)
	f.Fuzz(func(t *testing.T, geo []byte, text string, sameHeight bool, gap float64) {
		ws := wordsOf(geo, strings.Fields(text), sameHeight)
		lines := FromWords(3, ws, gap)
		var in, out strings.Builder
		for _, w := range ws {
			if strings.TrimSpace(w.Text) != "" && w.Y1 > w.Y0 && w.X1 >= w.X0 {
				in.WriteString(w.Text)
			}
		}
		cells := map[string]bool{}
		for i, l := range lines {
			if l.Page != 3 || len(l.Cells) == 0 {
				t.Fatalf("line %d: %+v", i, l)
			}
			if sameHeight && i > 0 && l.Y < lines[i-1].Y {
				t.Fatalf("line %d at y %v above line %d at %v", i, l.Y, i-1, lines[i-1].Y)
			}
			for j, c := range l.Cells {
				if c.Text == "" || c.X1 < c.X0 || j > 0 && c.X0 < l.Cells[j-1].X0 {
					t.Fatalf("line %d cell %d: %+v", i, j, l.Cells)
				}
				out.WriteString(c.Text)
				cells[c.Text] = true
			}
		}
		// Every word's text appears once: the words' characters are the
		// cells' characters, and each word is within some cell.
		if a, b := runeCounts(noSpace(in.String())), runeCounts(noSpace(out.String())); !mapsEqual(a, b) {
			t.Fatalf("characters in %q, out %q", in.String(), out.String())
		}
		for _, w := range ws {
			if strings.TrimSpace(w.Text) == "" || w.Y1 <= w.Y0 || w.X1 < w.X0 {
				continue
			}
			if !strings.Contains(out.String(), strings.TrimSpace(w.Text)) {
				t.Fatalf("word %q lost: %q", w.Text, out.String())
			}
		}
	})
}

func mapsEqual(a, b map[rune]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func FuzzFromText(f *testing.F) {
	for _, s := range []string{"Invoice  No. 12\n\nTotal | 5.00\tEUR", "a|b | c |", " | ", "\t\t x  \r\n", "Gesamt\u00a0\u00a0 12,00 €", "\xff\xfe a  b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lines := FromText(text)
		rows := strings.Split(text, "\n")
		for i, l := range lines {
			if len(l.Cells) == 0 || l.H != 1 || int(l.Y) < 0 || int(l.Y) >= len(rows) || i > 0 && l.Y <= lines[i-1].Y {
				t.Fatalf("line %d: %+v", i, l)
			}
			var sb strings.Builder
			for j, c := range l.Cells {
				if c.Text == "" || c.X1 <= c.X0 || j > 0 && c.X0 < l.Cells[j-1].X1 {
					t.Fatalf("line %d cells %+v", i, l.Cells)
				}
				sb.WriteString(c.Text)
			}
			// The line keeps every character of its row, in order.
			if got, want := noSpace(sb.String()), noSpace(string([]rune(rows[int(l.Y)]))); got != want {
				t.Fatalf("row %q became %q", rows[int(l.Y)], l.Text())
			}
		}
	})
}

// TestFromWordsMillion: a line of a million words is one line whose cells
// keep every word, in order, in about linear time.
func TestFromWordsMillion(t *testing.T) {
	ws := make([]Word, 1_000_000)
	for i := range ws {
		x := float64(i) * 30
		ws[len(ws)-1-i] = Word{Text: "w", X0: x, Y0: 100, X1: x + 10, Y1: 110} // given right to left
	}
	ls := FromWords(0, ws, 1)
	if len(ls) != 1 || len(ls[0].Cells) != len(ws) {
		t.Fatalf("%d lines, %d cells", len(ls), len(ls[0].Cells))
	}
	for j := 1; j < len(ls[0].Cells); j++ {
		if ls[0].Cells[j].X0 <= ls[0].Cells[j-1].X0 {
			t.Fatalf("cell %d out of order", j)
		}
	}
	out, cut := Limit(ls, 1000, 1<<17)
	if !cut || len(out) != (1<<17)/1000+1 || len(out[0].Cells) != 1000 {
		t.Fatalf("limited to %d lines (cut %v)", len(out), cut)
	}
}

// Whole words (an OCR engine's) are separated by a space however narrow
// the gap; pieces of a PDF run are not.
func TestWholeWords(t *testing.T) {
	ws := []Word{
		{Text: "Coolblue", X0: 10, Y0: 0, X1: 90, Y1: 30, Whole: true},
		{Text: "B.V.", X0: 92, Y0: 0, X1: 130, Y1: 30, Whole: true},
	}
	if got := FromWords(0, ws, 0)[0].Text(); got != "Coolblue B.V." {
		t.Fatalf("whole words: %q", got)
	}
	ws[0].Whole, ws[1].Whole = false, false
	if got := FromWords(0, ws, 0)[0].Text(); got != "CoolblueB.V." {
		t.Fatalf("pieces of a run: %q", got)
	}
}
