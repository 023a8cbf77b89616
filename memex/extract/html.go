package extract

import (
	"bytes"
	"strconv"
	"strings"

	"nexusos/memex/layout"

	"golang.org/x/net/html"
)

func init() { Register(htmlDoc, ".html", ".htm", ".xhtml") }

// blockTags end a line of text; cell tags separate columns with a tab so a
// table row ("Total" | "$2,500.00") stays on one line.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "tr": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "table": true, "section": true, "article": true, "header": true, "footer": true,
	"ul": true, "ol": true, "pre": true, "blockquote": true, "hr": true, "address": true, "dt": true, "dd": true,
}

func htmlDoc(name string, data []byte) (*Doc, error) {
	d := &Doc{Format: "html"}
	d.Text, d.Title, d.Sections, d.Lines = htmlTextLines(data)
	return d, nil
}

// htmlText renders HTML as plain text with its title and sections split at
// h1–h6 headings. Scripts, styles and comments are dropped.
func htmlText(data []byte) (text, title string, sections []Section) {
	text, title, sections, _ = htmlTextLines(data)
	return text, title, sections
}

// htmlTextLines is htmlText that also returns the document's lines, whose
// table rows keep their cells (see linesBuilder).
func htmlTextLines(data []byte) (text, title string, sections []Section, lines []layout.Line) {
	var lb linesBuilder
	z := html.NewTokenizer(bytes.NewReader(data))
	var sb strings.Builder
	var skip int
	inTitle := false
	heading := 0
	var hb strings.Builder
	cur := Section{}
	flush := func() {
		cur.Text = strings.TrimSpace(collapse(sb.String()))
		if cur.Text != "" || cur.Heading != "" {
			sections = append(sections, cur)
		}
	}
	var all strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush()
			return strings.TrimSpace(collapse(all.String())), strings.TrimSpace(title), sections, lb.finish()
		case html.StartTagToken, html.SelfClosingTagToken:
			tn, hasAttr := z.TagName()
			tag := string(tn)
			if skip == 0 {
				htmlLines(&lb, tag, true, z, hasAttr)
			}
			switch tag {
			case "script", "style", "noscript", "template", "svg", "head":
				if tag != "head" && tt == html.StartTagToken {
					skip++
				}
			case "title":
				inTitle = true
			case "td", "th":
				sb.WriteString("\t")
				all.WriteString("\t")
			case "h1", "h2", "h3", "h4", "h5", "h6":
				flush()
				sb.Reset()
				heading = int(tag[1] - '0')
				hb.Reset()
			}
			if blockTags[tag] {
				sb.WriteString("\n")
				all.WriteString("\n")
			}
		case html.EndTagToken:
			tn, _ := z.TagName()
			tag := string(tn)
			if skip == 0 {
				htmlLines(&lb, tag, false, z, false)
			}
			switch tag {
			case "script", "style", "noscript", "template", "svg":
				if skip > 0 {
					skip--
				}
			case "title":
				inTitle = false
			case "h1", "h2", "h3", "h4", "h5", "h6":
				if heading > 0 {
					cur = Section{Heading: strings.TrimSpace(collapse(hb.String())), Level: heading}
					if title == "" && heading == 1 {
						title = cur.Heading
					}
					heading = 0
				}
			}
			if blockTags[tag] {
				sb.WriteString("\n")
				all.WriteString("\n")
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if inTitle {
				title += t
				continue
			}
			if heading > 0 {
				hb.WriteString(t)
			}
			sb.WriteString(t)
			all.WriteString(t)
			lb.text(t)
			if all.Len() > MaxTextBytes {
				flush()
				return strings.TrimSpace(collapse(all.String())), strings.TrimSpace(title), sections, lb.finish()
			}
		}
	}
}

// htmlLines feeds a start or end tag to the lines builder: table, tr,
// td/th (with colspan) shape rows and cells, other block tags end a line.
func htmlLines(lb *linesBuilder, tag string, start bool, z *html.Tokenizer, hasAttr bool) {
	switch tag {
	case "table":
		if start {
			lb.tableStart()
		} else {
			lb.tableEnd()
		}
	case "tr":
		if start {
			lb.rowStart()
		} else {
			lb.rowEnd()
		}
	case "td", "th":
		if !start {
			lb.cellEnd()
			return
		}
		span := 1
		for hasAttr {
			k, v, more := z.TagAttr()
			if string(k) == "colspan" {
				if n, err := strconv.Atoi(strings.TrimSpace(string(v))); err == nil {
					span = n
				}
			}
			hasAttr = more
		}
		lb.cellStart(span)
	default:
		if blockTags[tag] {
			lb.newline()
		}
	}
}

// collapse squeezes runs of spaces within lines and blank lines to one.
func collapse(s string) string {
	var out []string
	blank := false
	for _, l := range strings.Split(s, "\n") {
		var cells []string
		for _, c := range strings.Split(l, "\t") {
			if c = strings.Join(strings.Fields(c), " "); c != "" {
				cells = append(cells, c)
			}
		}
		l = strings.Join(cells, "\t")
		if l == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
