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
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		d, err := File(name, data)
		if err == nil && d == nil {
			t.Fatal("nil doc without error")
		}
	})
}
