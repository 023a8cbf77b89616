package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"nexusos/memex/layout"
)

func init() {
	Register(docx, ".docx")
	Register(odt, ".odt")
}

// Bounds for zip-based formats: a zip bomb is refused, not inflated.
const (
	maxZipEntries = 10000
	maxXMLBytes   = 32 << 20
)

// zipEntry returns the bounded contents of one member of a zip archive.
func zipEntry(data []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, Skip("not a valid zip container: %v", err)
	}
	if len(zr.File) > maxZipEntries {
		return nil, Skip("zip has %d entries (limit %d)", len(zr.File), maxZipEntries)
	}
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		if f.UncompressedSize64 > maxXMLBytes {
			return nil, Skip("%s claims %d bytes uncompressed (limit %d: zip bomb?)", name, f.UncompressedSize64, maxXMLBytes)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, Skip("open %s: %v", name, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxXMLBytes+1))
		if err != nil {
			return nil, Skip("read %s: %v", name, err)
		}
		if len(b) > maxXMLBytes {
			return nil, Skip("%s inflates past %d bytes (zip bomb?)", name, maxXMLBytes)
		}
		return b, nil
	}
	return nil, Skip("zip has no %s", name)
}

// xmlText walks an office XML body. para names the paragraph element,
// heading reports a heading level for a paragraph start element, tab and
// cell names add separators.
type xmlStyle struct {
	text, para, tab, cell, row, br, table string
	heading                               func(xml.StartElement) int
}

// xmlDocText also returns the body's lines: paragraphs in document order,
// each table row as a line of cells (see linesBuilder).
func xmlDocText(b []byte, st xmlStyle) (text string, sections []Section, lines []layout.Line, err error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	var lb linesBuilder
	var all, para strings.Builder
	cur := Section{}
	var body strings.Builder
	inText := false
	level := 0
	flushSection := func() {
		cur.Text = strings.TrimSpace(body.String())
		if cur.Text != "" || cur.Heading != "" {
			sections = append(sections, cur)
		}
		body.Reset()
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, nil, fmt.Errorf("malformed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case st.text:
				inText = true
			case st.tab:
				para.WriteString("\t")
			case st.br:
				para.WriteString("\n")
			case st.cell:
				para.WriteString("\t")
				lb.cellStart(xmlSpan(t, "number-columns-spanned"))
			case st.row:
				lb.rowStart()
			case st.table:
				lb.tableStart()
			case "gridSpan": // DOCX: <w:tc><w:tcPr><w:gridSpan w:val="2"/>
				lb.setSpan(xmlSpan(t, "val"))
			case st.para:
				para.Reset()
				level = 0
				if st.heading != nil {
					level = st.heading(t)
				}
			}
			if t.Name.Local == "pStyle" { // DOCX: <w:pStyle w:val="Heading2"/>
				for _, a := range t.Attr {
					if a.Name.Local != "val" {
						continue
					}
					v := strings.ToLower(a.Value)
					switch {
					case v == "title":
						level = 1
					case strings.HasPrefix(v, "heading") && len(v) > 7 && v[7] >= '1' && v[7] <= '9':
						level = int(v[7] - '0')
					}
				}
			}
			if t.Name.Local == "h" && st.para == "p" && st.heading != nil { // ODT headings are <text:h>
				para.Reset()
				level = st.heading(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case st.text:
				inText = false
			case st.para, "h":
				if t.Name.Local == "h" && st.para != "p" {
					continue
				}
				p := strings.TrimSpace(para.String())
				para.Reset()
				if p == "" {
					continue
				}
				for _, l := range strings.Split(p, "\n") { // w:br, text:line-break
					lb.text(l)
					lb.newline()
				}
				if level > 0 {
					flushSection()
					cur = Section{Heading: p, Level: level}
				} else {
					body.WriteString(p + "\n")
				}
				all.WriteString(p + "\n")
				if all.Len() > MaxTextBytes {
					flushSection()
					return all.String(), sections, lb.finish(), nil
				}
			case st.cell:
				lb.cellEnd()
			case st.row:
				lb.rowEnd()
			case st.table:
				lb.tableEnd()
			}
		case xml.CharData:
			if inText || st.text == "" {
				para.Write(t)
			}
		}
	}
	flushSection()
	return all.String(), sections, lb.finish(), nil
}

// xmlSpan reads a column span attribute (1 when absent or invalid).
func xmlSpan(se xml.StartElement, name string) int {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			if n, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil && n > 0 {
				return n
			}
		}
	}
	return 1
}

func docx(name string, data []byte) (*Doc, error) {
	b, err := zipEntry(data, "word/document.xml")
	if err != nil {
		return nil, err
	}
	text, secs, lines, err := xmlDocText(b, xmlStyle{text: "t", para: "p", tab: "tab", br: "br", cell: "tc", row: "tr", table: "tbl",
		heading: func(se xml.StartElement) int { return 0 }})
	if err != nil {
		return nil, Skip("DOCX %v", err)
	}
	d := &Doc{Format: "docx", Text: text, Sections: secs, Lines: lines}
	if core, err := zipEntry(data, "docProps/core.xml"); err == nil {
		d.Title = xmlFirst(core, "title")
	}
	return d, nil
}

func odt(name string, data []byte) (*Doc, error) {
	b, err := zipEntry(data, "content.xml")
	if err != nil {
		return nil, err
	}
	text, secs, lines, err := xmlDocText(b, xmlStyle{text: "", para: "p", tab: "tab", br: "line-break", cell: "table-cell", row: "table-row", table: "table",
		heading: func(se xml.StartElement) int {
			if se.Name.Local != "h" {
				return 0
			}
			for _, a := range se.Attr {
				if a.Name.Local == "outline-level" && len(a.Value) == 1 && a.Value[0] >= '1' && a.Value[0] <= '9' {
					return int(a.Value[0] - '0')
				}
			}
			return 1
		}})
	if err != nil {
		return nil, Skip("ODT %v", err)
	}
	d := &Doc{Format: "odt", Text: text, Sections: secs, Lines: lines}
	if meta, err := zipEntry(data, "meta.xml"); err == nil {
		d.Title = xmlFirst(meta, "title")
	}
	return d, nil
}

// xmlFirst returns the text of the first element with local name n.
func xmlFirst(b []byte, n string) string {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	in := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			in = t.Name.Local == n
		case xml.CharData:
			if in {
				return strings.TrimSpace(string(t))
			}
		case xml.EndElement:
			in = false
		}
	}
}
