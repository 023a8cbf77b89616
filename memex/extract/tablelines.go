package extract

import (
	"strings"

	"nexusos/memex/layout"
)

// linesBuilder collects Doc.Lines for formats with tables (HTML, DOCX,
// ODT) while their text is read in document order. Running text becomes
// lines through layout.FromText; each table row becomes a line through
// layout.FromRows with every cell at its column index, or several lines
// when its cells hold several paragraphs, the k-th line carrying each
// cell's k-th paragraph, as the row is displayed. Y grows by one per
// line across the whole document.
//
// A table nested in a cell (layout tables in HTML mail, address blocks
// in DOCX) first emits what its enclosing row holds so far, then its own
// rows, so every data row stays one line.
type linesBuilder struct {
	lines  []layout.Line
	y      float64
	flow   strings.Builder
	tables []*tableState
	size   int
}

type tableState struct {
	cells  []tableCell // of the current row
	inCell bool
}

type tableCell struct {
	col, span int
	lines     []string // finished paragraphs
	// cur is the paragraph being written, appended to so that a cell fed
	// many small text runs costs linear time; ink says it is not blank.
	cur []byte
	ink bool
}

// paragraphs returns the cell's paragraphs, the one being written last
// unless it is blank.
func (c *tableCell) paragraphs() []string {
	if !c.ink {
		return c.lines
	}
	return append(c.lines[:len(c.lines):len(c.lines)], string(c.cur))
}

// Bounds on the geometry of one table row: cells past maxTableCol are
// left out of the lines (their text stays in the document's text), a cell
// keeps at most maxCellParagraphs paragraphs, and a row's lines hold at
// most maxRowSlots cell positions (paragraphs × columns).
const (
	maxTableCol       = 1000
	maxCellParagraphs = 1000
	maxRowSlots       = 1 << 20
)

func (b *linesBuilder) full() bool { return b.size > MaxTextBytes }

// text adds running text, or text to the current table cell.
func (b *linesBuilder) text(s string) {
	if b.full() {
		return
	}
	b.size += len(s)
	if len(b.tables) == 0 {
		b.flow.WriteString(s)
		return
	}
	t := b.tables[len(b.tables)-1]
	if !t.inCell {
		if strings.TrimSpace(s) == "" {
			return
		}
		b.cellStart(1) // text in a row outside any cell (broken markup)
		if !t.inCell {
			return // past the last column kept
		}
	}
	c := &t.cells[len(t.cells)-1]
	c.cur = append(c.cur, s...)
	c.ink = c.ink || strings.TrimSpace(s) != ""
}

// newline ends a paragraph (or a line of running text).
func (b *linesBuilder) newline() {
	if len(b.tables) == 0 {
		b.flow.WriteByte('\n')
		return
	}
	t := b.tables[len(b.tables)-1]
	if !t.inCell || len(t.cells) == 0 {
		return
	}
	c := &t.cells[len(t.cells)-1]
	if c.ink && len(c.lines)+1 < maxCellParagraphs {
		c.lines = append(c.lines, string(c.cur))
		c.cur, c.ink = c.cur[:0], false
	}
}

// tab separates cells of running text (a tab stop); within a table cell
// it is a space.
func (b *linesBuilder) tab() {
	if len(b.tables) == 0 {
		b.flow.WriteByte('\t')
	} else {
		b.text(" ")
	}
}

func (b *linesBuilder) tableStart() {
	if len(b.tables) == 0 {
		b.flushFlow()
	} else {
		b.emitRow(b.tables[len(b.tables)-1], true)
	}
	if len(b.tables) < 64 {
		b.tables = append(b.tables, &tableState{})
	}
}

func (b *linesBuilder) tableEnd() {
	if len(b.tables) == 0 {
		return
	}
	b.emitRow(b.tables[len(b.tables)-1], false)
	b.tables = b.tables[:len(b.tables)-1]
}

// rowStart and rowEnd delimit a table row; a row left open by sloppy
// markup ends at the next row.
func (b *linesBuilder) rowStart() {
	if len(b.tables) > 0 {
		b.emitRow(b.tables[len(b.tables)-1], false)
	}
}

func (b *linesBuilder) rowEnd() { b.rowStart() }

// cellStart opens the next cell of the row; span is its column span.
func (b *linesBuilder) cellStart(span int) {
	if len(b.tables) == 0 {
		return
	}
	t := b.tables[len(b.tables)-1]
	col := 0
	if n := len(t.cells); n > 0 {
		col = t.cells[n-1].col + t.cells[n-1].span
	}
	if col > maxTableCol {
		t.inCell = false // this cell's text is left out of the lines
		return
	}
	t.cells = append(t.cells, tableCell{col: col, span: max(1, min(span, 100))})
	t.inCell = true
}

// setSpan sets the current cell's column span when the format gives it
// after the cell start (DOCX w:gridSpan).
func (b *linesBuilder) setSpan(span int) {
	if len(b.tables) == 0 {
		return
	}
	t := b.tables[len(b.tables)-1]
	if n := len(t.cells); n > 0 && t.inCell {
		t.cells[n-1].span = max(1, min(span, 100))
	}
}

func (b *linesBuilder) cellEnd() {
	if len(b.tables) > 0 {
		b.tables[len(b.tables)-1].inCell = false
	}
}

// emitRow turns the row's cells into lines. partial keeps the cells (and
// so the column of the cell being written) for the rest of the row.
func (b *linesBuilder) emitRow(t *tableState, partial bool) {
	n, width := 0, 0
	paras := make([][]string, len(t.cells))
	for i := range t.cells {
		paras[i] = t.cells[i].paragraphs()
		n = max(n, len(paras[i]))
		width = max(width, t.cells[i].col+1)
	}
	n = min(n, maxRowSlots/max(width, 1))
	if n > 0 {
		rows := make([][]string, n)
		for i := range rows {
			rows[i] = make([]string, width)
		}
		for k, c := range t.cells {
			for i, l := range paras[k] {
				if i < n {
					rows[i][c.col] = l
				}
			}
		}
		b.lines = append(b.lines, layout.FromRows(0, b.y, rows)...)
		b.y += float64(n)
	}
	if partial {
		for i := range t.cells {
			t.cells[i].lines, t.cells[i].cur, t.cells[i].ink = nil, t.cells[i].cur[:0], false
		}
		return
	}
	t.cells, t.inCell = t.cells[:0], false
}

func (b *linesBuilder) flushFlow() {
	text := collapse(b.flow.String())
	b.flow.Reset()
	if strings.TrimSpace(text) == "" {
		return
	}
	for _, l := range layout.FromText(text) {
		l.Y += b.y
		b.lines = append(b.lines, l)
	}
	b.y += float64(strings.Count(text, "\n") + 1)
}

// finish closes open tables and returns the lines (never nil, so File
// does not rebuild them from the text).
func (b *linesBuilder) finish() []layout.Line {
	for len(b.tables) > 0 {
		b.tableEnd()
	}
	b.flushFlow()
	if b.lines == nil {
		return []layout.Line{}
	}
	return b.lines
}
