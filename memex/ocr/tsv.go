package ocr

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"nexusos/memex/layout"
)

// MinConf is the lowest word confidence (0–100) kept from tesseract's TSV.
// Below it are mostly speckles, stamps and table rules read as letters.
const MinConf = 30

// CellGap is the cellGap passed to layout.FromWords: a gap wider than this
// many line heights between two words on one line starts a new cell. On
// 300 dpi scans a word space is about 0.3 line heights and a table column
// gap well over 1.
const CellGap = 1.2

// maxCoord bounds coordinates read from the TSV; a page is far smaller.
const maxCoord = 1 << 20

// tsvWord is one level-5 row of tesseract's TSV.
type tsvWord struct {
	page int
	line lineKey
	text string
	x0   float64
	y0   float64
	x1   float64
	y1   float64
}

// lineKey names a text line: tesseract's page, block, paragraph and line
// numbers.
type lineKey struct{ page, block, par, line int }

type box struct{ y0, y1 float64 }

// ParseTSV turns tesseract's TSV output (`tesseract IN stdout tsv`) into
// lines: word rows (level 5) with a confidence of at least MinConf and
// non-empty text, grouped per page by layout.FromWords. Each word gets
// the vertical extent of its tesseract line (level 4), so descenders,
// commas and a slightly skewed scan do not split a line (unless its words
// overlap horizontally: two rows taken for one); words of
// different blocks at the same height (table columns) still share a line,
// in separate cells. The TSV's page_num 1 becomes page firstPage
// (0-based), page_num 2 the next, and so on. Malformed rows are ignored; input with
// rows but none that parse is an error.
func ParseTSV(tsv []byte, firstPage int) ([]layout.Line, error) {
	var words []tsvWord
	lines := map[lineKey]box{}
	rows, bad := 0, 0
	for raw := range bytes.SplitSeq(tsv, []byte{'\n'}) {
		row := strings.TrimRight(string(raw), "\r")
		if row == "" || strings.HasPrefix(row, "level\t") {
			continue
		}
		rows++
		f := strings.Split(row, "\t")
		if len(f) < 11 || len(f) > 12 {
			bad++
			continue
		}
		var n [10]int
		ok := true
		for i := range n {
			v, err := strconv.Atoi(f[i])
			if err != nil || v < -1 || v > maxCoord {
				ok = false
				break
			}
			n[i] = v
		}
		if !ok {
			bad++
			continue
		}
		level, k := n[0], lineKey{n[1], n[2], n[3], n[4]}
		left, top, width, height := float64(n[6]), float64(n[7]), float64(n[8]), float64(n[9])
		if width <= 0 || height <= 0 || left < 0 || top < 0 {
			continue
		}
		switch level {
		case 4:
			lines[k] = box{top, top + height}
		case 5:
			if len(f) < 12 {
				continue
			}
			conf, err := strconv.ParseFloat(f[10], 64)
			text := strings.TrimSpace(f[11])
			if err != nil || conf < MinConf || text == "" {
				continue
			}
			words = append(words, tsvWord{page: k.page, line: k, text: text, x0: left, y0: top, x1: left + width, y1: top + height})
		}
	}
	if rows > 0 && bad == rows {
		return nil, errors.New("tesseract output is not TSV")
	}
	// Words of a line without a level-4 row share the union of their boxes.
	union := map[lineKey]box{}
	for _, w := range words {
		if _, ok := lines[w.line]; ok {
			continue
		}
		b, ok := union[w.line]
		if !ok {
			b = box{w.y0, w.y1}
		}
		union[w.line] = box{min(b.y0, w.y0), max(b.y1, w.y1)}
	}
	for k, b := range union {
		lines[k] = b
	}
	// A line whose words overlap horizontally holds two rows that
	// tesseract took for one (tight table rows): its words keep their own
	// boxes.
	spans := map[lineKey][][2]float64{}
	for _, w := range words {
		spans[w.line] = append(spans[w.line], [2]float64{w.x0, w.x1})
	}
	stacked := map[lineKey]bool{}
	for k, sp := range spans {
		slices.SortFunc(sp, func(a, b [2]float64) int { return cmp.Compare(a[0], b[0]) })
		for i := 1; i < len(sp); i++ {
			if sp[i][0] < sp[i-1][1]-2 {
				stacked[k] = true
				break
			}
		}
	}
	byPage := map[int][]layout.Word{}
	for _, w := range words {
		y0, y1 := w.y0, w.y1
		if b := lines[w.line]; !stacked[w.line] {
			y0, y1 = b.y0, b.y1
		}
		byPage[w.page] = append(byPage[w.page], layout.Word{Text: w.text, X0: w.x0, Y0: y0, X1: w.x1, Y1: y1, Whole: true})
	}
	pages := make([]int, 0, len(byPage))
	for p := range byPage {
		pages = append(pages, p)
	}
	sort.Ints(pages)
	var out []layout.Line
	for _, p := range pages {
		out = append(out, layout.FromWords(firstPage+max(p-1, 0), byPage[p], CellGap)...)
	}
	return out, nil
}
