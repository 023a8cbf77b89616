package api

import (
	"slices"
	"strings"
	"testing"
	"time"

	"nexusos/memex/query"
)

// TestChipsOfNewConstraints: every kind of constraint the question side
// understands appears as a chip whose phrase is words of the question as
// asked, so the console can remove it.
func TestChipsOfNewConstraints(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		q, field, phrase string
	}{
		{"emails from July 6, 2001 to July 7, 2001", "time", "from July 6, 2001 to July 7, 2001"},
		{"Find invoice AB-12-345", "number", "AB-12-345"},
		{"invoices between 1k and 5k", "amount", "between 1k and 5k"},
		{"The largest invoice from Contoso", "order", "The largest"},
		{"how much did we pay Contoso in 2025", "aggregate", "how much"},
		{"emails from jqp@example.org", "from", "jqp@example.org"},
		{"invoices from Contoso", "party", "Contoso"},
		{"invoices in EUR", "amount", "in EUR"},
	} {
		u := query.Parse(c.q, now, []string{"contoso"})
		var found *Chip
		chips := chipsOf(u)
		for i := range chips {
			if chips[i].Field == c.field {
				found = &chips[i]
			}
		}
		if found == nil {
			t.Errorf("%q: no %s chip in %+v", c.q, c.field, chips)
			continue
		}
		if found.Phrase != c.phrase || found.Label == "" || found.Value == "" {
			t.Errorf("%q: chip %+v, want phrase %q", c.q, *found, c.phrase)
		}
		if !strings.Contains(c.q, found.Phrase) {
			t.Errorf("%q: phrase %q is not in the question", c.q, found.Phrase)
		}
	}
	// A kind left out says so.
	if cs := chipsOf(query.Parse("everything except receipts", now, nil)); !slices.ContainsFunc(cs, func(c Chip) bool { return c.Field == "kind" && c.Label == "not receipt" && c.Phrase == "receipts" }) {
		t.Errorf("except receipts: chips %+v", cs)
	}
	// A party left out says so.
	u := query.Parse("invoices not from Contoso", now, []string{"contoso"})
	if cs := chipsOf(u); !slices.ContainsFunc(cs, func(c Chip) bool { return c.Field == "party" && c.Label == "not contoso" && c.Phrase == "Contoso" }) {
		t.Errorf("not from: chips %+v", cs)
	}
}
