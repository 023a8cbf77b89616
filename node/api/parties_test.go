package api

import (
	"net/url"
	"strings"
	"testing"

	"nexusos/memex"
	"nexusos/memex/corpus"
)

// TestPartiesAndEmptyAnswers lists the demo corpus's parties (every
// vendor once, its name variants merged with a reason) and asks a
// question whose filters leave nothing.
func TestPartiesAndEmptyAnswers(t *testing.T) {
	ts := newServer(t, srvConfig{})
	var got struct {
		Parties []memex.Party
		Count   int
	}
	getJSON(t, ts.URL+"/v1/memex/parties", 200, &got)
	if got.Count == 0 || got.Count != len(got.Parties) {
		t.Fatalf("parties: count %d, %d listed", got.Count, len(got.Parties))
	}
	for _, v := range corpus.Vendors {
		var with []string
		for _, p := range got.Parties {
			for _, a := range p.Aliases {
				if a.Name == v.Legal || a.Name == v.Variants[0] {
					with = append(with, p.ID)
					if a.Rule == "" {
						t.Errorf("%s: alias %q without a rule", p.ID, a.Name)
					}
					break
				}
			}
		}
		if len(with) != 1 {
			t.Errorf("%s: in %d parties %v, want 1", v.Legal, len(with), with)
		}
	}

	var narrowed QueryAnswer
	getJSON(t, ts.URL+"/v1/memex/query?now=2026-11-26&q="+url.QueryEscape("unpaid invoices that include printer toner"), 200, &narrowed)
	if narrowed.Narrowed == nil || narrowed.Narrowed.Text != "printer toner" || len(narrowed.Results) == 0 || len(narrowed.Results) >= narrowed.Narrowed.Candidates {
		t.Errorf("printer toner: narrowed %+v, %d results", narrowed.Narrowed, len(narrowed.Results))
	}
	found := false
	for _, c := range narrowed.Chips {
		found = found || c.Field == "content" && c.Phrase == "printer toner"
	}
	if !found {
		t.Errorf("no content chip: %+v", narrowed.Chips)
	}

	var ans QueryAnswer
	getJSON(t, ts.URL+"/v1/memex/query?now=2026-11-26&q="+url.QueryEscape("invoices from Contoso over $1,000,000"), 200, &ans)
	if len(ans.Results) != 0 || ans.Empty == nil {
		t.Fatalf("want an empty answer with an explanation, got %d results, empty %+v", len(ans.Results), ans.Empty)
	}
	emptied := ""
	for _, c := range ans.Empty.Constraints {
		if c.Emptied {
			emptied += c.Field + " "
		}
	}
	if strings.TrimSpace(emptied) != "amount" {
		t.Errorf("emptied by %q, want amount: %s", emptied, ans.Empty.Message)
	}
}
