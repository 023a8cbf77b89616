// Package layout is the geometry of a document's text: lines in reading
// order, each a row of cells placed left to right with their horizontal
// extent. Every extractor produces it — PDF and OCR from word positions,
// HTML/DOCX/ODT/CSV from table rows and cells, plain text from runs of
// spaces — so that fact extraction can find a label's value to its right,
// below it, or in the same column of the next row, whatever the format.
//
// Coordinates grow rightwards and downwards. Their unit depends on the
// source (PDF points, image pixels, table column numbers, character
// columns); only comparisons within one document matter.
package layout

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Cell is a run of text on a line, separated from its neighbours by a gap
// wider than a word space (or by a table cell boundary).
type Cell struct {
	Text   string
	X0, X1 float64
}

// Line is one visual line of a page.
type Line struct {
	Page  int     // 0-based
	Y     float64 // top of the line; larger is lower on the page
	H     float64 // line height (font size, pixel height; 1 for text)
	Cells []Cell
}

// Text returns the line's cells joined by a tab.
func (l Line) Text() string {
	parts := make([]string, len(l.Cells))
	for i, c := range l.Cells {
		parts[i] = c.Text
	}
	return strings.Join(parts, "\t")
}

// Word is a positioned run of text from a PDF content stream or an OCR
// engine. Y0 is its top, Y1 its bottom.
type Word struct {
	Text           string
	X0, Y0, X1, Y1 float64
	// Whole marks a complete word (an OCR engine's): a space separates
	// it from the word before it in its cell however narrow the gap.
	// PDF runs are not whole: a kerned word may come in pieces.
	Whole bool
}

// Text renders lines as text: one line per Line, cells separated by a
// tab, a blank line between pages.
func Text(lines []Line) string {
	var sb strings.Builder
	for i, l := range lines {
		if i > 0 {
			sb.WriteByte('\n')
			if l.Page != lines[i-1].Page {
				sb.WriteByte('\n')
			}
		}
		sb.WriteString(l.Text())
	}
	return sb.String()
}

// FromText splits plain text into lines and cells: a tab, a run of two or
// more spaces, or a " | " table bar separates cells. X is the rune column.
func FromText(text string) []Line {
	var out []Line
	for i, raw := range strings.Split(text, "\n") {
		l := Line{Y: float64(i), H: 1}
		col := 0
		start, cell := -1, []rune{}
		flush := func(end int) {
			t := strings.TrimSpace(string(cell))
			if t != "" && t != "|" {
				l.Cells = append(l.Cells, Cell{Text: t, X0: float64(start), X1: float64(end)})
			}
			start, cell = -1, cell[:0]
		}
		rs := []rune(raw)
		for j := 0; j < len(rs); j++ {
			r := rs[j]
			sep := r == '\t' || r == '|' && (j == 0 || rs[j-1] == ' ') && (j+1 == len(rs) || rs[j+1] == ' ') ||
				r == ' ' && j+1 < len(rs) && (rs[j+1] == ' ' || rs[j+1] == '\t')
			if sep {
				if start >= 0 {
					flush(col)
				}
				col++
				if r == '\t' {
					col += 3
				}
				continue
			}
			if start < 0 {
				if r == ' ' {
					col++
					continue
				}
				start = col
			}
			cell = append(cell, r)
			col++
		}
		if start >= 0 {
			flush(col)
		}
		if len(l.Cells) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// FromRows makes lines from table rows (HTML, DOCX, ODT, CSV): each row a
// line, each cell placed at its column number.
func FromRows(page int, y0 float64, rows [][]string) []Line {
	var out []Line
	for i, row := range rows {
		l := Line{Page: page, Y: y0 + float64(i), H: 1}
		for c, t := range row {
			t = strings.Join(strings.Fields(t), " ")
			if t != "" {
				l.Cells = append(l.Cells, Cell{Text: t, X0: float64(c), X1: float64(c) + 0.9})
			}
		}
		if len(l.Cells) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// FromWords groups the positioned words of one page into lines and cells.
// Words whose vertical extents overlap by at least half of the smaller
// height share a line; within a line, a gap wider than cellGap times the
// line height starts a new cell, a gap wider than a fifth of it inserts a
// space. cellGap <= 0 means 1.0.
func FromWords(page int, words []Word, cellGap float64) []Line {
	if cellGap <= 0 {
		cellGap = 1.0
	}
	ws := make([]Word, 0, len(words))
	for _, w := range words {
		if strings.TrimSpace(w.Text) == "" || w.Y1 <= w.Y0 || w.X1 < w.X0 {
			continue
		}
		ws = append(ws, w)
	}
	sort.SliceStable(ws, func(i, j int) bool {
		ci, cj := (ws[i].Y0+ws[i].Y1)/2, (ws[j].Y0+ws[j].Y1)/2
		if ci != cj {
			return ci < cj
		}
		return ws[i].X0 < ws[j].X0
	})
	type group struct {
		y0, y1 float64
		ws     []Word
	}
	var groups []*group
	for _, w := range ws {
		var g *group
		// Compare with the last few groups: words of one line may be
		// interleaved with a slightly lower neighbour in sort order.
		for k := len(groups) - 1; k >= 0 && k >= len(groups)-3; k-- {
			c := groups[k]
			ov := min(c.y1, w.Y1) - max(c.y0, w.Y0)
			if ov >= 0.5*min(c.y1-c.y0, w.Y1-w.Y0) {
				g = c
				break
			}
		}
		if g == nil {
			g = &group{y0: w.Y0, y1: w.Y1}
			groups = append(groups, g)
		}
		g.ws = append(g.ws, w)
	}
	var out []Line
	for _, g := range groups {
		sort.SliceStable(g.ws, func(i, j int) bool { return g.ws[i].X0 < g.ws[j].X0 })
		h := 0.0
		for _, w := range g.ws {
			h = max(h, w.Y1-w.Y0)
		}
		l := Line{Page: page, Y: g.y0, H: h}
		var cur *Cell
		var sb strings.Builder
		lastX1 := 0.0
		for _, w := range g.ws {
			t := strings.TrimSpace(w.Text)
			gap := w.X0 - lastX1
			switch {
			case cur == nil || gap > cellGap*h:
				if cur != nil {
					cur.Text = sb.String()
					l.Cells = append(l.Cells, *cur)
				}
				cur = &Cell{X0: w.X0}
				sb.Reset()
			case (gap > 0.2*h || w.Whole && gap > 0) && !endsSpace(sb.String()):
				sb.WriteByte(' ')
			}
			sb.WriteString(t)
			cur.X1 = max(cur.X1, w.X1)
			lastX1 = max(lastX1, w.X1)
		}
		if cur != nil {
			cur.Text = sb.String()
			l.Cells = append(l.Cells, *cur)
		}
		out = append(out, l)
	}
	return out
}

func endsSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == ' '
}

// Limit bounds a document's geometry for the readers after it: a line of
// more than perLine cells is wrapped onto further lines at the same
// height (as a viewer would wrap it), and the lines stop once total
// cells are kept. It reports whether anything was wrapped or dropped. The
// lines are modified in place when nothing exceeds the bounds.
func Limit(lines []Line, perLine, total int) ([]Line, bool) {
	perLine, total = max(perLine, 1), max(total, 0)
	n, wide := 0, false
	for _, l := range lines {
		n += len(l.Cells)
		wide = wide || len(l.Cells) > perLine
	}
	if n <= total && !wide {
		return lines, false
	}
	var out []Line
	kept := 0
	for _, l := range lines {
		if len(l.Cells) == 0 {
			out = append(out, l)
			continue
		}
		for len(l.Cells) > 0 && kept < total {
			k := min(len(l.Cells), perLine, total-kept)
			part := l
			part.Cells = l.Cells[:k:k]
			out = append(out, part)
			kept += k
			l.Cells = l.Cells[k:]
		}
		if kept >= total {
			break
		}
	}
	return out, true
}
