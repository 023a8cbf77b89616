package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestFromFacts(t *testing.T) {
	for _, tc := range []struct {
		facts map[string]string
		ok    bool
		want  Invoice
	}{
		{map[string]string{"kind": "receipt", "amount": "1"}, false, Invoice{}},
		{map[string]string{"kind": "invoice"}, false, Invoice{}},
		{map[string]string{"kind": "invoice", "amount": "10.50", "total": "20", "party": "Northwind", "status": "unpaid", "currency": "USD"}, true,
			Invoice{Path: "p", Party: "Northwind", Status: "unpaid", Currency: "USD", Amount: 10.5, Total: 20}},
		{map[string]string{"amount": "5"}, true, Invoice{Path: "p", Party: "(unknown party)", Status: "unknown", Amount: 5, Total: 5}},
	} {
		got, ok := FromFacts("p", tc.facts)
		if ok != tc.ok || got != tc.want {
			t.Errorf("FromFacts(%v) = %+v %v, want %+v %v", tc.facts, got, ok, tc.want, tc.ok)
		}
	}
}

func TestReport(t *testing.T) {
	rep := Build([]Invoice{
		{Party: "Northwind", Status: "unpaid", Currency: "USD", Amount: 100, Total: 100},
		{Party: "Contoso", Status: "paid", Currency: "USD", Amount: 50, Total: 50},
		{Party: "Northwind Traders Ltd.", Status: "unpaid", Currency: "USD", Amount: 25, Total: 40},
		{Party: "Northwind", Status: "overdue", Currency: "EUR", Amount: 10, Total: 10},
	})
	var csvOut bytes.Buffer
	if err := rep.WriteCSV(csv.NewWriter(&csvOut)); err != nil {
		t.Fatal(err)
	}
	want := `party,status,currency,invoices,total,due
Contoso,paid,USD,1,50.00,0.00
Northwind,overdue,EUR,1,10.00,10.00
Northwind,unpaid,USD,2,140.00,125.00
TOTAL,,EUR,1,10.00,10.00
TOTAL,,USD,3,190.00,125.00
`
	if csvOut.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", csvOut.String(), want)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 6 || !strings.Contains(lines[3], "140.00 USD") || !strings.HasSuffix(strings.TrimSpace(lines[5]), "125.00 USD") {
		t.Errorf("table:\n%s", table.String())
	}
}

func TestParties(t *testing.T) {
	got := Parties([]string{"Northwind Traders Ltd.", "Northwind Traders", "Northwind Traders Billing", "Contoso Inc.", "Contoso", "Fabrikam"})
	want := map[string]string{"Northwind Traders Ltd.": "Northwind Traders", "Northwind Traders": "Northwind Traders",
		"Northwind Traders Billing": "Northwind Traders", "Contoso Inc.": "Contoso", "Contoso": "Contoso", "Fabrikam": "Fabrikam"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Parties: %q → %q, want %q", k, got[k], v)
		}
	}
}
