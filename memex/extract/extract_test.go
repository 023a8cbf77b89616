package extract

import (
	"slices"
	"strings"
	"testing"
)

const vaultNote = `---
title: Cell respiration
tags: [biology, energy]
aliases:
  - respiration
---
# Cell respiration

Cells release energy from glucose in the [[Mitochondria|mitochondria]]. #exam-prep

## Stages
Glycolysis, the Krebs cycle and the electron transport chain. See [[Photosynthesis#Light]] and [ATP](atp.md).

` + "```" + `
# not a heading #nottag
` + "```" + `
`

func TestMarkdown(t *testing.T) {
	d, err := File("x.md", []byte(vaultNote))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Cell respiration" {
		t.Errorf("title %q", d.Title)
	}
	if want := []string{"biology", "energy", "exam-prep"}; !slices.Equal(d.Tags, want) {
		t.Errorf("tags %q want %q", d.Tags, want)
	}
	if want := []string{"Mitochondria", "Photosynthesis", "atp.md"}; !slices.Equal(d.Links, want) {
		t.Errorf("links %q want %q", d.Links, want)
	}
	if len(d.Sections) != 2 || d.Sections[1].Heading != "Stages" || d.Sections[1].Level != 2 {
		t.Errorf("sections %+v", d.Sections)
	}
	if !strings.Contains(d.Text, "in the mitochondria.") || strings.Contains(d.Text, "[[") {
		t.Errorf("text %q", d.Text)
	}
	if d.Meta["aliases"] != "respiration" {
		t.Errorf("meta %v", d.Meta)
	}
}

func TestBinarySkipped(t *testing.T) {
	_, err := File("blob.bin", []byte{0x7f, 'E', 'L', 'F', 0, 0, 1})
	if !IsSkip(err) {
		t.Fatalf("got %v, want skip", err)
	}
	d, err := File("README", []byte("plain words\xff here"))
	if err != nil || !strings.Contains(d.Text, "plain words") {
		t.Fatalf("%v %+v", err, d)
	}
}

func FuzzFile(f *testing.F) {
	f.Add("a.md", []byte(vaultNote))
	f.Add("a.txt", []byte("hello"))
	f.Add("a.md", []byte("---\ntags: [\n---"))
	f.Add("a.html", []byte("<title>x</title><h1>a</h1><table><tr><td>Total</td><td>$1</td></tr></table><script>x"))
	f.Add("a.eml", []byte("From: a\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nhi\r\n--X--"))
	f.Add("a.docx", zipOf(f, map[string]string{"word/document.xml": "<w:p><w:t>x</w:t></w:p>"}))
	f.Add("a.odt", zipOf(f, map[string]string{"content.xml": "<text:h>x</text:h><text:p>y</text:p>"}))
	f.Add("a.csv", []byte("a,b\n1,\"2"))
	f.Add("a.json", []byte(`{"a":[1,{"b":null}]}`))
	f.Add("a.pdf", buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		stream("", []byte("BT /F1 9 Tf (Total $5) Tj T* [(a) -300 (b)] TJ ET")), "<< /Type /Font /Subtype /Type0 /ToUnicode 6 0 R >>",
		stream("", []byte("1 beginbfchar <0001> <0041> endbfchar 1 beginbfrange <0002> <0004> <0042> endbfrange"))}, 1))
	addPDFCryptSeeds(f)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		d, err := File(name, data)
		if err == nil && d == nil {
			t.Fatal("nil doc without error")
		}
	})
}

// TestLigaturesSpelledOut: typographic ligatures from PDF fonts read as
// their letters in the text and in the geometry.
func TestLigaturesSpelledOut(t *testing.T) {
	d, err := File("note.txt", []byte("Student Kick-O\uFB00 vzw\nO\uFB03ce \uFB01les"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Text != "Student Kick-Off vzw\nOffice files" {
		t.Errorf("text %q", d.Text)
	}
	for _, l := range d.Lines {
		for _, c := range l.Cells {
			if strings.ContainsAny(c.Text, "\uFB00\uFB01\uFB03") {
				t.Errorf("cell %q keeps a ligature", c.Text)
			}
		}
	}
}
