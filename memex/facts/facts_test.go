package facts

import (
	"testing"
	"time"
)

func TestFindDates(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Issued 2026-08-14, due 14 Aug 2026", []string{"2026-08-14", "2026-08-14"}},
		{"August 14, 2026 and Sept. 3 2025", []string{"2026-08-14", "2025-09-03"}},
		{"08/14/2026 vs 14/08/2026 vs 14.08.2026", []string{"2026-08-14", "2026-08-14", "2026-08-14"}},
		{"the 3rd of March 2026", []string{"2026-03-03"}},
		{"Date: Tue, 5 May 2026 10:00:00 +0000", []string{"2026-05-05"}},
		{"2026-02-30 is not a date, nor 13/13/2026", nil},
		{"2026-01-05T10:11:12Z", []string{"2026-01-05"}},
	}
	for _, c := range cases {
		got := FindDates(c.in)
		if len(got) != len(c.want) {
			t.Errorf("%q: got %v want %v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i].Date.String() != c.want[i] {
				t.Errorf("%q[%d]: got %s want %s", c.in, i, got[i].Date, c.want[i])
			}
		}
	}
}

func TestFindAmounts(t *testing.T) {
	cases := []struct {
		in    string
		value float64
		cur   string
		role  string
	}{
		{"Total: $2,500.00", 2500, "USD", "total"},
		{"Balance due: $0.00", 0, "USD", "balance_due"},
		{"Amount due 1.234,56 €", 1234.56, "EUR", "balance_due"},
		{"Grand Total EUR 1,234.56", 1234.56, "EUR", "total"},
		{"VAT (20%): £40.00", 40, "GBP", "tax"},
		{"Subtotal 200 EUR", 200, "EUR", "subtotal"},
		{"Credit total: -$50.00", -50, "USD", "total"},
		{"Amount paid: USD 99", 99, "USD", "paid"},
		{"Total 1 234,50 EUR", 1234.5, "EUR", "total"},
	}
	for _, c := range cases {
		got := FindAmounts(c.in)
		if len(got) != 1 {
			t.Errorf("%q: got %+v", c.in, got)
			continue
		}
		a := got[0]
		if a.Value != c.value || a.Currency != c.cur || a.Role != c.role {
			t.Errorf("%q: got %v %s %q, want %v %s %q", c.in, a.Value, a.Currency, a.Role, c.value, c.cur, c.role)
		}
	}
}

const invoiceA = `Northwind Traders Ltd.
12 Harbour Road, Bristol

INVOICE

Invoice No: INV-2026-0042
Invoice Date: 14 Aug 2026
Due Date: 13 Sep 2026

Bill To:
Acme Corp
1 Main Street

Consulting services     $2,000.00
Subtotal                $2,000.00
Tax                       $500.00
Total                   $2,500.00
Balance due             $2,500.00

Please remit by 13 Sep 2026.
`

const invoiceB = `# Invoice 7731

| Vendor: | Contoso Inc. |
|---|---|
| Date: | 2026-05-03 |
| Customer: | Acme Corp |

Widgets x 10 ... EUR 1.200,00

**Total: 1.200,00 €**

Status: PAID — Payment received on 2026-05-10. Thank you!
`

const receipt = `Fabrikam Coffee Roasters
SALES RECEIPT
Date: 08/02/2026
2 x Espresso beans  $36.00
Total paid          $36.00
`

const overdue = `OVERDUE NOTICE — INVOICE
From: Litware LLC
Invoice #: LW-991
Issued: March 2, 2026
Payment due: April 1, 2026
Amount due: $4,120.00
This invoice is now past due.`

const creditNote = `CREDIT NOTE CN-12
Northwind Traders
Date: 2026-07-01
Against invoice INV-2026-0007
Credit total: -$150.00`

const note = `---
title: Photosynthesis
tags: [biology]
---
# Photosynthesis
Plants convert light into chemical energy. See [[Chloroplasts]]. The bill of a pelican is unrelated.`

func TestExtract(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	_ = now
	cases := []struct {
		name, text string
		h          Hints
		kind       string
		party      string
		status     string
		total      float64
		issue, due string
		number     string
	}{
		{"layout A", invoiceA, Hints{}, KindInvoice, "northwind traders", StatusUnpaid, 2500, "2026-08-14", "2026-09-13", "INV-2026-0042"},
		{"markdown table", invoiceB, Hints{}, KindInvoice, "contoso", StatusPaid, 1200, "2026-05-03", "", "7731"},
		{"receipt", receipt, Hints{}, KindReceipt, "fabrikam coffee roasters", StatusPaid, 36, "2026-08-02", "", ""},
		{"overdue", overdue, Hints{}, KindInvoice, "litware", StatusOverdue, 4120, "2026-03-02", "2026-04-01", "LW-991"},
		{"credit note", creditNote, Hints{}, KindCreditNote, "northwind traders", "", -150, "2026-07-01", "", "CN-12"},
		{"note", note, Hints{Kind: KindNote, Title: "Photosynthesis"}, KindNote, "", "", 0, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Extract(c.text, c.h)
			if f.Kind != c.kind {
				t.Errorf("kind %q want %q", f.Kind, c.kind)
			}
			if f.PartyKey != c.party {
				t.Errorf("party %q (%q) want %q", f.PartyKey, f.Party, c.party)
			}
			if f.Status != c.status {
				t.Errorf("status %q want %q", f.Status, c.status)
			}
			if c.total != 0 && (f.Total == nil || f.Total.Value != c.total) {
				t.Errorf("total %+v want %v", f.Total, c.total)
			}
			if c.issue != "" && f.IssueDate.String() != c.issue {
				t.Errorf("issue %s want %s", f.IssueDate, c.issue)
			}
			if c.due != "" && f.DueDate.String() != c.due {
				t.Errorf("due %s want %s", f.DueDate, c.due)
			}
			if c.number != "" && f.InvoiceNumber != c.number {
				t.Errorf("number %q want %q", f.InvoiceNumber, c.number)
			}
		})
	}
}

func TestParty(t *testing.T) {
	if k := PartyKey("Northwind Traders Ltd."); k != "northwind traders" {
		t.Fatal(k)
	}
	if !SameParty(PartyKey("Northwind"), PartyKey("Northwind Traders Ltd.")) {
		t.Fatal("variants not resolved")
	}
	if SameParty("north", "northwind traders") {
		t.Fatal("partial word matched")
	}
	for text, want := range map[string]string{
		"Invoice from Contoso Inc.\nDate: 2026-01-02\nTotal: $10.00\n":          "contoso",
		"INVOICE\nIssued by Fabrikam GmbH\nTotal due: $99.00\n":                 "fabrikam",
		"RECEIPT\nThank you for your business with Litware LLC\nTotal: $5.00\n": "litware",
	} {
		if f := Extract(text, Hints{}); f.PartyKey != want {
			t.Errorf("%q: party %q (%q), want %q", text, f.PartyKey, f.Party, want)
		}
	}
	f := Extract("Your invoice\nTotal $10.00", Hints{From: `"Contoso Billing" <billing@contoso.com>`})
	if f.Party != "Contoso Billing" {
		t.Fatalf("party from sender: %q", f.Party)
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{invoiceA, invoiceB, receipt, overdue, creditNote, note, "$", "1.2.3.4,5 €", "Status: "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fa := Extract(s, Hints{})
		for _, a := range fa.Amounts {
			if a.Offset < 0 || a.Offset > len(s) {
				t.Fatalf("offset %d out of range", a.Offset)
			}
		}
		for _, d := range FindDates(s) {
			if !validDate(d.Date.Year, d.Date.Month, d.Date.Day) {
				t.Fatalf("invalid date %v", d.Date)
			}
		}
	})
}

// TestCompoundTitles: German and Dutch compound titles name their kind
// in their last part; a calculation ("Berechnung") is no invoice.
func TestCompoundTitles(t *testing.T) {
	for _, c := range []struct{ title, want string }{
		{"Mietrechnung Nr. 9314110911/00/M/00/N vom 01.10.2018", KindInvoice},
		{"Schlussrechnung", KindInvoice},
		{"Eindfactuur 2024-17", KindInvoice},
		{"Stornogutschrift Nr. 12", KindCreditNote},
		{"Berechnung", ""},
		{"Zinsberechnung Nr. 4", ""},
	} {
		got, _ := titleKind(c.title)
		if got != c.want {
			t.Errorf("titleKind(%q) = %q, want %q", c.title, got, c.want)
		}
	}
}

// TestContractFirstParty: a contract's issuer is its first party ("by
// and between Cymbal Inc. (the Licensor) and …"), a parenthesis ending
// the name.
func TestContractFirstParty(t *testing.T) {
	f := Extract("LICENSE AGREEMENT\n\nThis License Agreement (the \u201cAgreement\u201d) is made on August 6, 2015 by and between Cymbal Inc. (the \u201cLicensor\u201d), a corporation, and B-Cafetal, Inc. (the \u201cLicensee\u201d).\n", Hints{})
	if f.Kind != KindContract || f.Party != "Cymbal Inc." {
		t.Errorf("kind %s party %q, want contract Cymbal Inc.", f.Kind, f.Party)
	}
}

// TestStatementClosingBalance: "Bank Statement" names a statement, whose
// amount is its closing balance, not its total deposits.
func TestStatementClosingBalance(t *testing.T) {
	f := Extract("ANYCOMPANY BANK\tBank Statement\nStatement Period: 10/06/2021 to 11/06/2021\nOpening Balance\t$ 4,250.00\nTotal Deposits\t$ 2,930.00\nTotal Withdrawals\t$ 2,116.50\nClosing Balance\t$ 5,063.50\n", Hints{})
	if f.Kind != KindStatement || f.Total == nil || f.Total.Value != 5063.5 {
		t.Errorf("kind %s total %+v, want statement 5063.50", f.Kind, f.Total)
	}
}

// TestStatementDatedByPeriodEnd: a statement's date is the end of its
// period, not the first row of its "Date" column; its title is no issuer.
func TestStatementDatedByPeriodEnd(t *testing.T) {
	f := Extract("ANYCOMPANY BANK\tBank Statement\nStatement Period: 10/06/2021 to 11/06/2021\nDate\tDescription\tAmount ($)\n10/06/2021\tOpening Balance\n10/07/2021\tCash Deposit\t5,500.00\nClosing Balance\t$ 5,063.50\n", Hints{})
	if f.IssueDate.String() != "2021-11-06" || f.Party == "Bank Statement" {
		t.Errorf("issue date %s party %q, want 2021-11-06 and not the title", f.IssueDate, f.Party)
	}
}

// TestCopyrightHolder: a footer's copyright notice names who issued the
// document, and is never taken for a return address.
func TestCopyrightHolder(t *testing.T) {
	f := Extract("Your consolidated statement\nFor 03/02/2022\nExample Bank, Member FDIC. To learn more, visit example.com/ABCXYZ. ©2020 AnyCompany Credit Union.\nSummary of your accounts\nNew Balance\t$ 1,250.00\n", Hints{})
	if f.Party != "AnyCompany Credit Union" {
		t.Errorf("party %q, want AnyCompany Credit Union", f.Party)
	}
}

func TestShippingPapersAreNoInvoices(t *testing.T) {
	for _, text := range []string{
		// The document's title first; the invoice it cites below.
		"SHIPPING INSTRUCTION\nSI Date: October 21, 2025\nShipper: Advanced Materials Corp.\nCommercial Invoice No: EL-2025-US-8945\nTotal $45,000.00\n",
		// "Bill" starts the title, but a bill of lading bills nobody.
		"BILL OF LADING\nB/L No: 12345\nShipper: Advanced Materials Corp.\nInvoice No: EL-2025-US-8945\nTotal $45,000.00\n",
	} {
		if f := Extract(text, Hints{}); f.Kind != KindOther {
			t.Errorf("%q: kind %s, want other", text[:20], f.Kind)
		}
	}
	// An invoice that cites its packing list stays an invoice.
	if f := Extract("COMMERCIAL INVOICE\nInvoice No: EL-2025-US-8945\nPacking list: PL-7\nTotal $45,000.00\n", Hints{}); f.Kind != KindInvoice {
		t.Errorf("kind %s, want invoice", f.Kind)
	}
}

func TestHeadingVariants(t *testing.T) {
	for _, c := range []struct{ text, kind, number, date string }{
		// A title broken by uneven letter spacing.
		{"Q UOTATIO N\nQuote No: QT-2025-7891\nDate: October 20, 2025\nTotal $4,500.00\n", KindQuote, "QT-2025-7891", "2025-10-20"},
		// "Created" dates it; a heading's serial number numbers it.
		{"INVOICE\nSerial No. AA.00001\nCreated: 2018-01-01\nTotal 10.00 USD\n", KindInvoice, "AA.00001", "2018-01-01"},
	} {
		f := Extract(c.text, Hints{})
		if f.Kind != c.kind || f.InvoiceNumber != c.number || f.IssueDate.String() != c.date {
			t.Errorf("%q: kind %s number %q date %s, want %s %q %s", c.text[:12], f.Kind, f.InvoiceNumber, f.IssueDate, c.kind, c.number, c.date)
		}
	}
}

func TestQualifiedEnglishTitles(t *testing.T) {
	for heading, want := range map[string]string{
		"SALES INVOICE": KindInvoice, "Repair Invoice": KindInvoice, "Phone Bill": KindInvoice, "DONATION RECEIPT": KindReceipt,
		"PRICE QUOTE": KindQuote, "Project Estimate": KindQuote,
		// A logo read as a digit before the title.
		"4 RBS Statement": KindStatement,
		// A listed title of more words wins over the qualified one.
		"CREDIT CARD RECEIPT": KindPayment,
		// Actions on a document and reminders of one are no titles.
		"View invoice": KindOther, "Overdue invoice": KindOther, "Pay your bill": KindOther,
	} {
		if f := Extract(heading+"\nNo. 12345\nDate: 2024-01-02\nAmount: 100.00 USD\n", Hints{}); f.Kind != want {
			t.Errorf("%q: kind %s, want %s", heading, f.Kind, want)
		}
	}
}

func TestPaymentStatusWords(t *testing.T) {
	for text, want := range map[string]string{
		"INVOICE\nInvoice Number: 234330591\nTotal $10,099.94\nPayment Type: VISA Credit\nPayment Status: Received\n": StatusPaid,
		"INVOICE\nInvoice Number: 7\nTotal $10.00\nPayment status: Approved\n":                                        StatusPaid,
		// An invoice's own status "Received" or "Approved" (in an
		// accounts-payable system) says nothing of payment.
		"INVOICE\nInvoice Number: 8\nTotal $10.00\nDue: 2025-01-31\nStatus: Approved\n": StatusUnpaid,
	} {
		if f := Extract(text, Hints{}); f.Status != want {
			t.Errorf("%q: status %s, want %s", text[len(text)-24:], f.Status, want)
		}
	}
}

func TestTotalFromCashLessChange(t *testing.T) {
	for _, c := range []struct {
		text string
		want float64
	}{
		// OCR read 9,31 as 2,31: cash less change says which.
		{"real,- SB-Warenhaus GmbH\nSUMME EUR 2,31\nBar EUR 10,01\nRÜCKGELD EUR 0,70\n", 9.31},
		// They agree: nothing to mend.
		{"Kiosk\nSUMME EUR 9,31\nBar EUR 10,01\nRÜCKGELD EUR 0,70\n", 9.31},
		// More than one digit apart (a tip, a deposit): the labelled total
		// stands.
		{"Cafe\nTOTAL 12.40\nCASH 20.00\nCHANGE 5.00\n", 12.40},
	} {
		f := Extract(c.text, Hints{Kind: ""})
		if f.Total == nil || f.Total.Value != c.want {
			t.Errorf("%q: total %+v, want %.2f", c.text, f.Total, c.want)
		}
	}
}
