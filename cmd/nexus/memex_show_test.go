package main

import (
	"strings"
	"testing"
	"time"

	"nexusos/memex"
	"nexusos/memex/facts"
)

func TestPrintRecordSources(t *testing.T) {
	rec := &memex.FileRecord{
		Path: "/docs/rechnung.pdf", Format: "pdf", Kind: "invoice", Title: "Rechnung 2026-17", Size: 2048, Chunks: 1,
		IndexedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		Facts: memex.Payload{"kind": "invoice", "party": "Contoso GmbH", "total": 1234.56, "currency": "EUR",
			"issue_date": "2026-03-01T00:00:00Z", "language": "de", "date_ambiguous": true, "tags": []any{"a", "b"}},
		Sources: map[string]facts.Source{
			"total":  {Page: 1, Line: 23, Label: "Gesamtbetrag", How: "right", Confidence: 0.85},
			"issuer": {Page: 1, Line: 2, How: "letterhead", Confidence: 0.8},
			"kind":   {Page: 1, Line: 1, How: "heading", Confidence: 0.9},
		},
	}
	var sb strings.Builder
	printRecord(&sb, rec)
	out := sb.String()
	for _, want := range []string{
		`total           1,234.56 EUR                 p1 l23 "Gesamtbetrag" right 0.85`,
		`party           Contoso GmbH                 p1 l2 letterhead 0.80`,
		`kind            invoice                      p1 l1 heading 0.90`,
		"issue date      2026-03-01\n",
		"language        de\n",
		"date ambiguous  yes\n",
		"tags            a, b\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "kind") > strings.Index(out, "total") || strings.Index(out, "total") > strings.Index(out, "tags") {
		t.Errorf("facts out of order:\n%s", out)
	}
}

func TestGroupThousands(t *testing.T) {
	for in, want := range map[string]string{"0.50": "0.50", "1234.56": "1,234.56", "-1234567.00": "-1,234,567.00", "123": "123", "100000": "100,000"} {
		if got := groupThousands(in); got != want {
			t.Errorf("groupThousands(%q) = %q, want %q", in, got, want)
		}
	}
}
