package corpus

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"strings"
)

// format picks a file format for a rendered money document.
func (g *gen) format(d rendered, m Meta) (string, []byte) {
	switch g.rnd.Intn(6) {
	case 0:
		return ".txt", []byte(strings.Join(d.lines, "\n") + "\n")
	case 1:
		return ".md", []byte(mdOf(d))
	case 2:
		return ".html", []byte(htmlOf(d))
	case 3:
		return ".pdf", PDF(d.lines)
	case 4:
		return ".docx", DOCX(d.lines)
	default:
		return ".eml", g.emlOf(d, m)
	}
}

func mdOf(d rendered) string {
	var b strings.Builder
	for i, l := range d.lines {
		if i == 0 && !strings.HasPrefix(l, "#") {
			l = "**" + l + "**"
		}
		if strings.Contains(l, "\t") {
			c := strings.SplitN(l, "\t", 2)
			l = "| " + c[0] + " | " + c[1] + " |"
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func htmlOf(d rendered) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html><head><meta charset=\"utf-8\"><title>%s</title><style>td{padding:4px}</style></head><body>\n", html.EscapeString(d.title))
	inTable := false
	for _, l := range d.lines {
		if strings.Contains(l, "\t") {
			if !inTable {
				b.WriteString("<table>\n")
				inTable = true
			}
			b.WriteString("<tr>")
			for _, c := range strings.Split(l, "\t") {
				fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(c))
			}
			b.WriteString("</tr>\n")
			continue
		}
		if inTable {
			b.WriteString("</table>\n")
			inTable = false
		}
		if strings.HasPrefix(l, "# ") {
			fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(l[2:]))
		} else if l != "" {
			fmt.Fprintf(&b, "<div>%s</div>\n", html.EscapeString(l))
		}
	}
	if inTable {
		b.WriteString("</table>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func (g *gen) emlOf(d rendered, m Meta) []byte {
	v := Vendors[m.Vendor]
	dom := strings.ToLower(strings.Fields(v.Variants[len(v.Variants)-1])[0])
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s Billing <billing@%s.example>\r\nTo: ap@acme.example\r\nSubject: %s\r\n", v.Variants[0], dom, d.title)
	fmt.Fprintf(&b, "Date: %s\r\nMIME-Version: 1.0\r\n", m.Issue.Add(9*3600).Format("Mon, 2 Jan 2006 15:04:05 -0700"))
	if g.rnd.Intn(2) == 0 {
		// The document is the message body.
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
		b.WriteString(strings.ReplaceAll(strings.Join(d.lines, "\n"), "\n", "\r\n") + "\r\n")
		return []byte(b.String())
	}
	// The document is an attached PDF.
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString("Hello,\r\n\r\nPlease find the attached document.\r\n\r\nBest regards\r\n")
	b.WriteString("--b1\r\nContent-Type: application/pdf; name=\"document.pdf\"\r\nContent-Disposition: attachment; filename=\"document.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(PDF(d.lines))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return []byte(b.String())
}

// pdfEscape writes s as a PDF literal string in WinAnsiEncoding.
func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '€':
			b.WriteString("\\200")
		case r < 0x80:
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, "\\%03o", r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// PDF writes a one-page PDF with the lines in Helvetica; tab-separated
// cells are set in columns.
func PDF(lines []string) []byte {
	var c strings.Builder
	c.WriteString("BT /F1 11 Tf 14 TL 56 780 Td\n")
	for _, l := range lines {
		cells := strings.Split(l, "\t")
		fmt.Fprintf(&c, "(%s) Tj\n", pdfEscape(cells[0]))
		for _, cell := range cells[1:] {
			fmt.Fprintf(&c, "300 0 Td (%s) Tj -300 0 Td\n", pdfEscape(cell))
		}
		c.WriteString("T*\n")
	}
	c.WriteString("ET\n")
	content := c.String()
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	return AssemblePDF(objs)
}

// AssemblePDF writes a PDF from object bodies numbered from 1 (object 1 is
// the catalog) with a correct cross-reference table.
func AssemblePDF(objs []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

// DOCX writes a minimal Word document, one paragraph per line, cells
// separated by tabs.
func DOCX(lines []string) []byte {
	var body strings.Builder
	for _, l := range lines {
		body.WriteString("<w:p>")
		for i, cell := range strings.Split(l, "\t") {
			if i > 0 {
				body.WriteString("<w:r><w:tab/></w:r>")
			}
			fmt.Fprintf(&body, "<w:r><w:t xml:space=\"preserve\">%s</w:t></w:r>", html.EscapeString(cell))
		}
		body.WriteString("</w:p>")
	}
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"word/document.xml", doc},
	} {
		w, _ := zw.Create(f[0])
		w.Write([]byte(f[1]))
	}
	zw.Close()
	return buf.Bytes()
}
