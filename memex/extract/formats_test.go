package extract

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func zipOf(t testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q does not contain %q", what, got, w)
		}
	}
}

func TestHTML(t *testing.T) {
	src := `<html><head><title>Invoice 42</title><style>p{color:red}</style></head><body>
<h1>Contoso Inc.</h1><script>alert("x")</script>
<table><tr><td>Total</td><td>$2,500.00</td></tr><tr><td>Due date</td><td>2026-09-13</td></tr></table>
<h2>Notes</h2><p>Thank   you&nbsp;for your business.</p></body></html>`
	d, err := File("inv.html", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Invoice 42" {
		t.Errorf("title %q", d.Title)
	}
	mustContain(t, "html", d.Text, "Total\t$2,500.00", "Due date\t2026-09-13", "Thank you")
	if strings.Contains(d.Text, "alert") || strings.Contains(d.Text, "color") {
		t.Errorf("script/style leaked: %q", d.Text)
	}
	if len(d.Sections) < 2 || d.Sections[len(d.Sections)-1].Heading != "Notes" {
		t.Errorf("sections %+v", d.Sections)
	}
}

func TestEmail(t *testing.T) {
	att := base64.StdEncoding.EncodeToString([]byte("INVOICE\nTotal: $99.00\n"))
	msg := "From: =?utf-8?q?Northwind_Billing?= <billing@northwind.example>\r\n" +
		"To: ap@acme.example\r\nSubject: Your invoice NW-7\r\nDate: Tue, 5 May 2026 10:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: multipart/alternative; boundary=YY\r\n\r\n" +
		"--YY\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPlease find attached. Caf=E9 =\r\nreceipt.\r\n" +
		"--YY\r\nContent-Type: text/html\r\n\r\n<p>HTML twin</p>\r\n--YY--\r\n" +
		"--XX\r\nContent-Type: text/plain; name=inv.txt\r\nContent-Disposition: attachment; filename=inv.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		att + "\r\n--XX--\r\n"
	d, err := File("m.eml", []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if d.From != "Northwind Billing <billing@northwind.example>" || d.Subject != "Your invoice NW-7" || d.Date.Day() != 5 {
		t.Errorf("headers %q %q %v", d.From, d.Subject, d.Date)
	}
	mustContain(t, "email", d.Text, "Café receipt.", "Attachment: inv.txt", "Total: $99.00")
	if strings.Contains(d.Text, "HTML twin") {
		t.Error("html alternative used although plain text exists")
	}
	if len(d.Attachments) != 1 {
		t.Errorf("attachments %v", d.Attachments)
	}
}

func TestDOCXandODT(t *testing.T) {
	docxData := zipOf(t, map[string]string{
		"word/document.xml": `<?xml version="1.0"?><w:document xmlns:w="w"><w:body>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Quarterly report</w:t></w:r></w:p>
<w:p><w:r><w:t>Revenue grew</w:t></w:r><w:r><w:tab/><w:t>12%</w:t></w:r></w:p></w:body></w:document>`,
		"docProps/core.xml": `<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:title>Q3 report</dc:title></cp:coreProperties>`,
	})
	d, err := File("r.docx", docxData)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "docx", d.Text, "Quarterly report", "Revenue grew\t12%")
	if d.Title != "Q3 report" || len(d.Sections) != 1 || d.Sections[0].Heading != "Quarterly report" {
		t.Errorf("docx title %q sections %+v", d.Title, d.Sections)
	}
	odtData := zipOf(t, map[string]string{"content.xml": `<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>
<text:h text:outline-level="2">Minutes</text:h><text:p>We agreed on the <text:span>budget</text:span>.</text:p></office:text></office:body></office:document-content>`})
	d, err = File("m.odt", odtData)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "odt", d.Text, "Minutes", "We agreed on the budget.")
	if len(d.Sections) != 1 || d.Sections[0].Heading != "Minutes" || d.Sections[0].Level != 2 {
		t.Errorf("odt sections %+v", d.Sections)
	}
	if _, err := File("bad.docx", []byte("PK\x03\x04garbage")); !IsSkip(err) {
		t.Errorf("corrupt docx: %v", err)
	}
}

func TestZipBomb(t *testing.T) {
	big := strings.Repeat("a", maxXMLBytes+10)
	_, err := File("bomb.docx", zipOf(t, map[string]string{"word/document.xml": big}))
	if !IsSkip(err) {
		t.Fatalf("zip bomb not refused: %v", err)
	}
}

func TestCSVJSON(t *testing.T) {
	d, err := File("t.csv", []byte("vendor,amount,status\nNorthwind,$120.00,unpaid\n"))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "csv", d.Text, "vendor: Northwind; amount: $120.00; status: unpaid")
	d, err = File("t.json", []byte(`{"title":"Order","items":[{"sku":"A1","qty":2}],"total":"$5.00"}`))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "json", d.Text, "items[0].sku: A1", "total: $5.00")
	if d.Title != "Order" {
		t.Errorf("json title %q", d.Title)
	}
	if _, err := File("bad.json", []byte("{")); !IsSkip(err) {
		t.Errorf("bad json: %v", err)
	}
}

// The message's own header lines stay out of the geometry, so "From:",
// "To:" and "Date:" cannot pass for the labels of an invoice inside it.
func TestEmailLinesLeaveHeadersOut(t *testing.T) {
	msg := "From: Billing <noreply@payments.example>\r\nTo: ana@example.org\r\nSubject: Your invoice\r\nDate: Tue, 5 May 2026 10:00:00 +0000\r\n\r\nINVOICE\r\nInvoice No: 77\r\nDate: 2 May 2026\r\nTotal: $12.00\r\n"
	d, err := File("m.eml", []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range d.Lines {
		if txt := l.Text(); strings.HasPrefix(txt, "From:") || strings.HasPrefix(txt, "To:") || strings.HasPrefix(txt, "Subject:") || strings.Contains(txt, "5 May 2026") {
			t.Fatalf("header line in geometry: %q", txt)
		}
	}
	if len(d.Lines) != 4 || !strings.Contains(d.Text, "From: Billing") {
		t.Fatalf("lines %d, text %q", len(d.Lines), d.Text)
	}
}
