package facts

import (
	"testing"

	"nexusos/memex/layout"
)

// These tests pin the mechanisms of layout-aware extraction on small
// hand-made layouts. They are not evidence of quality: that is measured on
// the real corpus (memex/factcheck).

func row(y float64, cells ...any) layout.Line {
	l := layout.Line{Y: y, H: 10}
	for i := 0; i+1 < len(cells); i += 2 {
		x := cells[i].(float64)
		t := cells[i+1].(string)
		l.Cells = append(l.Cells, layout.Cell{Text: t, X0: x, X1: x + float64(6*len(t))})
	}
	return l
}

func extractLines(lines []layout.Line) Facts {
	return Extract(layout.Text(lines), Hints{Lines: lines})
}

func TestHeaderRowValuesBelow(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "Acme Widgets GmbH"),
		row(30, 300.0, "RECHNUNG"),
		row(60, 40.0, "Rechnungsnr.", 200.0, "Rechnungsdatum", 360.0, "Fälligkeit"),
		row(72, 40.0, "R-2025-118", 200.0, "28. November 2025", 360.0, "12.12.2025"),
		row(120, 300.0, "Gesamtbetrag", 450.0, "1.234,56 €"),
	})
	if f.Kind != KindInvoice || f.InvoiceNumber != "R-2025-118" || f.IssueDate.String() != "2025-11-28" || f.DueDate.String() != "2025-12-12" {
		t.Fatalf("got kind %s number %q issue %s due %s", f.Kind, f.InvoiceNumber, f.IssueDate, f.DueDate)
	}
	if f.Total == nil || f.Total.Value != 1234.56 || f.Currency != "EUR" {
		t.Fatalf("total %+v currency %q", f.Total, f.Currency)
	}
	if s := f.Sources["invoice_number"]; s.How != "below" || s.Line != 4 || s.Label != "Rechnungsnr." {
		t.Fatalf("provenance %+v", s)
	}
	if f.Party != "Acme Widgets GmbH" {
		t.Fatalf("issuer %q", f.Party)
	}
}

func TestBuyerBlockIsNotIssuer(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "Bill To:", 300.0, "Remit To:"),
		row(22, 40.0, "Contoso Ltd", 300.0, "Northwind Traders LLC"),
		row(34, 40.0, "1 Main Street", 300.0, "PO Box 7"),
		row(70, 40.0, "INVOICE", 300.0, "Invoice #: 7781"),
		row(90, 300.0, "Total", 450.0, "$500.00"),
	})
	if f.Party != "Northwind Traders LLC" {
		t.Fatalf("issuer %q, want the remit-to party", f.Party)
	}
}

func TestReturnAddressLine(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "Kraxi GmbH · Flugzeugallee 17 · 12345 Papierfeld"),
		row(22, 40.0, "Papierflieger-Vertriebs-GmbH"),
		row(34, 40.0, "Helga Musterfrau"),
		row(70, 40.0, "Rechnung Nr. 2014-03 vom 11. Juli 2014"),
		row(90, 300.0, "Rechnungssumme brutto", 450.0, "1.005,55"),
	})
	if PartyKey(f.Party) != "kraxi" {
		t.Fatalf("issuer %q", f.Party)
	}
	if f.IssueDate.String() != "2014-07-11" || f.InvoiceNumber != "2014-03" {
		t.Fatalf("title date %s number %q", f.IssueDate, f.InvoiceNumber)
	}
}

func TestTotalQualifiersAndTiers(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "Invoice", 300.0, "No. 12"),
		row(50, 300.0, "Total without VAT", 450.0, "43.00 EUR"),
		row(62, 300.0, "VAT Paid", 450.0, "8.60 EUR"),
		row(74, 300.0, "Total paid with VAT", 450.0, "51.60 EUR"),
		row(86, 300.0, "Amount due", 450.0, "0.00 EUR"),
	})
	if f.Subtotal == nil || f.Subtotal.Value != 43 || f.Tax == nil || f.Tax.Value != 8.6 || f.Total == nil || f.Total.Value != 51.6 {
		t.Fatalf("subtotal %+v tax %+v total %+v", f.Subtotal, f.Tax, f.Total)
	}
}

// TestBalanceAsTotal: with no total label, the balance due is what is
// owed (not subtotal + tax, which misses a discount), and with an amount
// paid the total is both.
func TestBalanceAsTotal(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "INVOICE", 400.0, "No: INV-3"),
		row(50, 300.0, "SUBTOTAL", 450.0, "412"),
		row(62, 300.0, "DISCOUNT", 450.0, "6"),
		row(74, 300.0, "TOTAL TAX", 450.0, "28.42"),
		row(86, 300.0, "BALANCE DUE", 450.0, "$434.42"),
	})
	if f.Total == nil || f.Total.Value != 434.42 {
		t.Errorf("total %+v, want the balance 434.42", f.Total)
	}
	f = extractLines([]layout.Line{
		row(10, 40.0, "INVOICE", 400.0, "No: INV-4"),
		row(50, 300.0, "Amount Paid", 450.0, "$15,000.00"),
		row(62, 300.0, "Balance Due", 450.0, "$4,647.68"),
	})
	if f.Total == nil || f.Total.Value != 19647.68 || f.Status != StatusUnpaid {
		t.Errorf("total %+v status %s, want 19647.68 unpaid", f.Total, f.Status)
	}
}

func TestStatusFollowsEvidence(t *testing.T) {
	cases := []struct {
		text, want string
	}{
		{"INVOICE\nInvoice No: 5\nTotal: $300.00\nAmount paid: $300.00\n", StatusPaid},
		{"INVOICE\nInvoice No: 5\nTotal: $300.00\nAmount paid: $100.00\nBalance due: $200.00\n", StatusUnpaid},
		{"INVOICE\nInvoice No: 5\nTotal: $300.00\nPlease pay by 3 Dec 2025.\n", StatusUnpaid},
		{"FACTUUR\nFactuurnummer: 5\nTotaal: € 300,00\nTe betalen: € 0,00\n", StatusPaid},
		{"RECHNUNG\nRechnungsnr.: 5\nGesamtbetrag: 300,00 €\nZahlungsweise: EC-/Kreditkarte\n", StatusPaid},
		{"RECHNUNG\nRechnungsnr.: 5\nGesamtbetrag: 300,00 €\nZahlungsweise: Überweisung\n", StatusUnpaid},
		{"FACTUUR\nFactuurnummer: 5\nTotaal  € 717,97\niDEAL op 21 april 2015  € 717,97\n", StatusPaid},
		{"FACTURE\nNo de facture : 5\nTotal TTC : 300,00 €\nMontant déjà payé : 0,00\n", StatusUnpaid},
		{"INVOICE\nInvoice No: 5\nTotal: $300.00\nA late fee applies to past due balances.\n", StatusUnpaid},
		{"INVOICE\nInvoice No: 5\nTotal: $300.00\nPaid by credit card on 2 Dec 2025.\n", StatusPaid},
		{"RECHNUNG\nRechnungsnr.: 5\nGesamtbetrag: 300,00 €\nDer Betrag wurde abgebucht.\n", StatusPaid},
		{"FACTURE\nNo de facture : 5\nTotal TTC : 300,00 €\nTVA acquittée sur les encaissements\n", StatusUnpaid},
	}
	for _, c := range cases {
		if f := Extract(c.text, Hints{}); f.Status != c.want {
			t.Errorf("%q: status %q want %q", c.text, f.Status, c.want)
		}
	}
}

func TestDueFromTerms(t *testing.T) {
	cases := []struct{ text, due string }{
		{"INVOICE\nInvoice No: 1\nInvoice Date: 2025-03-01\nTotal: $10.00\nTerms: Net 30\n", "2025-03-31"},
		{"RECHNUNG\nRechnungsnr.: 1\nRechnungsdatum: 01.03.2025\nGesamtbetrag: 10,00 €\nZahlbar innerhalb 30 Tagen netto bis 04.04.2025, 3% Skonto bis 10.03.2025\n", "2025-04-04"},
		{"RECHNUNG\nRechnungsnr.: 1\nRechnungsdatum: 01.03.2025\nGesamtbetrag: 10,00 €\nDie Rechnung ist sofort fällig.\n", "2025-03-01"},
	}
	for _, c := range cases {
		if f := Extract(c.text, Hints{}); f.DueDate.String() != c.due {
			t.Errorf("%q: due %s want %s", c.text, f.DueDate, c.due)
		}
	}
}

func TestMentionIsNotInvoice(t *testing.T) {
	f := Extract("Hi Sam,\nthanks for the call. I will send the invoice for the design work next week.\nBest, Ana", Hints{Kind: KindEmail, From: "Ana <ana@studio.example>"})
	if f.Kind != KindEmail {
		t.Fatalf("kind %q", f.Kind)
	}
}

func TestLabelPrefixOfLongerLabel(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "FACTURE N° : F20260023"),
		row(22, 40.0, "Date : 31/01/2026"),
		row(34, 40.0, "DATE DE FACTURE ASSOCIÉE : 01/01/2026"),
		row(60, 300.0, "TOTAL TTC", 450.0, "104,90 EUR"),
	})
	if f.IssueDate.String() != "2026-01-31" || f.InvoiceNumber != "F20260023" {
		t.Fatalf("issue %s number %q", f.IssueDate, f.InvoiceNumber)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"N° de facture:":   "no de facture",
		"Rechnungs-Nr.":    "rechnungs nr",
		"Invoice #: 12":    "invoice no 12",
		"# Heading":        "heading",
		"Fälligkeitsdatum": "falligkeitsdatum",
		"n°562044387":      "no 562044387",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLargeStampWord: a status word set large by itself is a stamp in any
// case; the same word in small type is not.
func TestLargeStampWord(t *testing.T) {
	lines := []layout.Line{
		row(10, 400.0, "Invoice"),
		row(30, 300.0, "Invoice Number", 420.0, "INV-3337"),
		row(50, 300.0, "Total", 420.0, "$93.50"),
		row(70, 40.0, "Paid"),
	}
	if f := extractLines(lines); f.Status != StatusUnpaid {
		t.Errorf("small 'Paid': status %s, want unpaid", f.Status)
	}
	lines[3].H = 120
	if f := extractLines(lines); f.Status != StatusPaid || f.Sources["status"].How != "stamp" {
		t.Errorf("large 'Paid': status %s (%s), want paid by stamp", f.Status, f.Sources["status"].How)
	}
}

// TestAmountCharged: a card receipt that states only what was charged
// ("Charged: $7.70") has that as its total, paid, not the largest amount
// on it.
func TestAmountCharged(t *testing.T) {
	f := Extract("RECEIPT\nCoffee Corner\n12 May 2024 09:14\nLatte 4.50\nMuffin 3.20\nCharged: $7.70\nVisa **** 4242\nGift card value left $42.00\n", Hints{})
	if f.Kind != KindReceipt || f.Total == nil || f.Total.Value != 7.7 || f.Status != StatusPaid {
		t.Errorf("kind %s total %+v status %s", f.Kind, f.Total, f.Status)
	}
}

// TestSideBySidePartyBlocks: buyer and seller blocks set side by side in a
// widely spaced form; a row with only the buyer's field does not end the
// seller's block, and a BIC is never a name.
func TestSideBySidePartyBlocks(t *testing.T) {
	f := extractLines([]layout.Line{
		row(99, 28.0, "Information about the buyer", 312.0, "Information about the seller"),
		row(131, 33.0, "Buyer reference:"),
		row(156, 33.0, "Name:", 137.0, "The Buyercompany", 317.0, "Company name:", 421.0, "Salescompany ltd."),
		row(180, 33.0, "Address line 1:", 137.0, "Anystreet 8", 317.0, "Address line 1:", 421.0, "Main street 34"),
		row(205, 33.0, "Contact point email:", 137.0, "john@buyercompany.no"),
		row(230, 33.0, "Invoice number:", 213.0, "INVOICE_test_7"),
		row(255, 33.0, "Invoice date:", 213.0, "2013-03-11"),
		row(280, 300.0, "Invoice total amount with VAT:", 480.0, "1,656.25"),
		row(305, 309.0, "BIC:", 412.0, "DNBANOKK"),
	})
	if f.Party != "Salescompany ltd." {
		t.Errorf("issuer %q, want Salescompany ltd.", f.Party)
	}
}

// TestPolishNumberAndQualifiedLabel: under "Numer faktury" a number
// written like a date ("2/11/2023") is the invoice number, not a date; a
// label qualified up to its colon still finds its date.
func TestPolishNumberAndQualifiedLabel(t *testing.T) {
	f := extractLines([]layout.Line{
		row(31, 28.0, "Krajowy System e-Faktur", 506.0, "Numer faktury"),
		row(51, 490.0, "2/11/2023"),
		row(75, 480.0, "Faktura podstawowa"),
		row(132, 28.0, "Sprzedawca", 298.0, "Nabywca"),
		row(165, 28.0, "Nazwa: ABC Developex S.A.", 298.0, "Nazwa: F.H.U. Jan Kowalski"),
		row(457, 28.0, "Data wystawienia, z zastrzeżeniem art. 106na ust. 1 ustawy: 2023-11-30", 298.0, "Miejsce wystawienia: Warszawa"),
		row(600, 300.0, "Kwota należności ogółem", 480.0, "1 230,00 zł"),
	})
	if f.InvoiceNumber != "2/11/2023" || f.IssueDate.String() != "2023-11-30" {
		t.Errorf("number %q issue date %s, want 2/11/2023 and 2023-11-30", f.InvoiceNumber, f.IssueDate)
	}
}

// TestHeadingDate: with no labelled issue date, a date in the large
// heading line dates the document, not the first small date of the page.
func TestHeadingDate(t *testing.T) {
	big := row(139, 44.0, "Buchungshilfe - Beleg Nr. 471102 vom 05.03.2020")
	big.H = 15
	f := extractLines([]layout.Line{
		row(58, 43.0, "Stylesheet Lesbarmachung der XML-Daten"),
		row(70, 43.0, "Version : 2.1 vom 24.03.2020"),
		big,
		row(201, 44.0, "Währung", 114.0, ": EUR"),
		row(294, 44.0, "Lieferant GmbH"),
		row(585, 44.0, "Belegsummen:"),
	})
	if f.IssueDate.String() != "2020-03-05" {
		t.Errorf("issue date %s, want 2020-03-05 from the heading", f.IssueDate)
	}
}

// TestOtherTitlesAreNoNames: a packing list's title, set large at the
// top, is not taken for its issuer.
func TestOtherTitlesAreNoNames(t *testing.T) {
	title := layout.Line{Y: 10, H: 30, Cells: []layout.Cell{{Text: "Packing List", X0: 40, X1: 300}}}
	f := Extract("", Hints{Lines: []layout.Line{
		title,
		{Y: 60, H: 10, Cells: []layout.Cell{{Text: "Order No. 4471", X0: 40, X1: 140}}},
		{Y: 80, H: 10, Cells: []layout.Cell{{Text: "Qty", X0: 40, X1: 60}, {Text: "Item", X0: 100, X1: 130}}},
		{Y: 92, H: 10, Cells: []layout.Cell{{Text: "2", X0: 40, X1: 46}, {Text: "MX Master 3", X0: 100, X1: 170}}},
	}})
	if f.Party == "Packing List" {
		t.Errorf("party %q: a title taken for a name", f.Party)
	}
}

func TestDiscountTermsAreNotTheDueDate(t *testing.T) {
	for _, c := range []struct {
		text string
		days int
	}{
		{"Zahlungsbedingung: Innerhalb von 30 Tagen 2% Skonto, 60 Tage ohne Abzug", 60},
		{"Payment terms: 10 days 2% discount; 30 days net", 30},
		{"Zahlbar innerhalb von 14 Tagen ohne Abzug.", 14},
	} {
		if n, ok := termsDays(c.text); !ok || n != c.days {
			t.Errorf("%q: %d, %v; want %d", c.text, n, ok, c.days)
		}
	}
	if n, ok := termsDays("Bei Zahlung innerhalb von 8 Tagen 3 % Skonto."); ok {
		t.Errorf("a discount alone gave terms of %d days", n)
	}
}

func TestTransferBeforeDateIsDue(t *testing.T) {
	f := Extract("Factura\nFecha de Emisión: 2024-03-24\nTotal: 1.19 €\nPor favor, transfiera el dinero a la siguiente cuenta bancaria antes de 2024-04-07:\n", Hints{})
	if f.DueDate.String() != "2024-04-07" {
		t.Fatalf("due %s", f.DueDate)
	}
}

func TestBareTitleNumberInNextCell(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "Faktura", 400.0, "č. 198900000001"),
		row(30, 40.0, "Petr Nový s.r.o."),
		row(90, 300.0, "Celkem", 450.0, "12 100,00 CZK"),
	})
	if f.InvoiceNumber != "198900000001" {
		t.Fatalf("number %q", f.InvoiceNumber)
	}
	// A form's version after its title is no number.
	f = extractLines([]layout.Line{
		row(10, 40.0, "Invoice v2.0"),
		row(90, 300.0, "Total", 450.0, "$12.00"),
	})
	if f.InvoiceNumber != "" {
		t.Fatalf("version read as number %q", f.InvoiceNumber)
	}
}

func TestTotalBelowLabelBesideSentence(t *testing.T) {
	// The value sits right of its label's left edge, under a header row of
	// colon labels; a sentence below that reaches into the column is no
	// column of line amounts.
	f := extractLines([]layout.Line{
		row(10, 40.0, "Rossi Digital Services S.r.l."),
		row(30, 40.0, "Fattura", 300.0, "Numero: 7"),
		row(60, 10.0, "Valuta:", 200.0, "Importo totale:", 400.0, "Arrotondamento su totale:"),
		row(72, 100.0, "EUR", 280.0, "1026.74"),
		row(84, 280.0, "Bollo"),
		row(96, 10.0, "Bollo assolto ai sensi del decreto 17 giugno 2014 (Art. 6) 2,00", 420.0, "12.34"),
		row(130, 40.0, "Importo", 300.0, "544.40"),
	})
	if f.Total == nil || f.Total.Value != 1026.74 {
		t.Fatalf("total %+v", f.Total)
	}
}

func TestStatementByWordsNotPrivacyStatement(t *testing.T) {
	stmt := Extract("Anycompany Village Community Association\nAccount Number: 98292881\nThis is in reference to your request for current statement.\nLate fees apply after the 15th day of the statement period.\nTotal due $322.58\n", Hints{})
	if stmt.Kind != KindStatement {
		t.Fatalf("kind %s, want statement", stmt.Kind)
	}
	folio := Extract("Contoso Inn\nRoom Charge 88.00\nTotal 104.92\nCheck your Contoso account statement online.\nSee our Privacy Statement.\n", Hints{})
	if folio.Kind == KindStatement {
		t.Fatal("a privacy statement and one account statement made a statement")
	}
}

func TestCityStateIsNoReturnAddress(t *testing.T) {
	if isReturnAddress("Chicago, IL 60608, USA") {
		t.Error("a city, state and ZIP read as a sender")
	}
	if !isReturnAddress("Acme Inc, 1 Main St, Chicago IL 60608") {
		t.Error("a sender's return address not read")
	}
	if got := cleanName("(Contoso)"); got != "Contoso" {
		t.Errorf("cleanName((Contoso)) = %q", got)
	}
}

func TestStatusColumn(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "Invoice 0000001"),
		row(30, 40.0, "FROM", 300.0, "TO", 600.0, "STATE"),
		row(42, 40.0, "Your Company Name, Inc.", 300.0, "Reynholm Industries", 600.0, "Y Paid"),
		row(90, 300.0, "Total", 450.0, "$2,500.00"),
	})
	if f.Status != StatusPaid || f.Sources["status"].How != "status column" {
		t.Fatalf("status %q from %+v", f.Status, f.Sources["status"])
	}
}

func TestCurrencyFromUnitsAndAddresses(t *testing.T) {
	if c := DocCurrency("DocNo ~C$00012504\nTax Code % Amt(RM)\nSR 6 37.50 2.25\n", "en"); c != "MYR" {
		t.Errorf("a bracketed unit heading the column: %q, want MYR", c)
	}
	f := Extract("Market Financial Consulting\n450 East 78th Ave\nDenver, CO 12345\nINVOICE: 00012\nTOTAL 1125.00\n", Hints{})
	if f.Currency != "USD" || f.Sources["currency"].How != "US address" {
		t.Errorf("currency %q from %+v, want USD from the US address", f.Currency, f.Sources["currency"])
	}
	f = Extract("Rechnung 7\nMusterfirma GmbH, Berlin\nIBAN DE89 3704 0044 0532 0130 00\nBill to: Acme Inc, Denver, CO 80202\nGesamtbetrag 100,00\n", Hints{})
	if f.Currency != "EUR" {
		t.Errorf("an IBAN's country outranks a US buyer's address: %q", f.Currency)
	}
}

func TestTeXAccentsAndSelfNamedNumbers(t *testing.T) {
	// TeX sets accents before their letters; the label still reads.
	if f, _ := Fold("Num´ero de facture : Date d’´ech´eance"); f != "numero de facture date d echeance" {
		t.Errorf("fold %q", f)
	}
	f := extractLines([]layout.Line{
		row(10, 400.0, "INV-26-A0001"),
		row(30, 40.0, "Recipient", 300.0, "Contractor"),
		row(42, 40.0, "Big Brain Industries LLC", 300.0, "Smug Cat Law Firm LLC"),
		row(90, 300.0, "Grand Total:", 450.0, "$1126.90"),
	})
	if f.InvoiceNumber != "INV-26-A0001" || f.Kind != KindInvoice || f.Party != "Smug Cat Law Firm LLC" {
		t.Fatalf("number %q kind %s issuer %q", f.InvoiceNumber, f.Kind, f.Party)
	}
}

func TestFinnishInvoice(t *testing.T) {
	f := Extract("LASKU\nYritys Oy\nLaskun numero: 4321\nPäivämäärä: 18.12.2014\nEräpäivä: 1.1.2015\nVeroton summa 200,00\nALV 24 % 48,00\nYhteensä 248,00\nKiitos tilauksesta, maksettava viimeistään eräpäivänä.\n", Hints{})
	if f.Language != "fi" || f.Kind != KindInvoice || f.InvoiceNumber != "4321" || f.DueDate.String() != "2015-01-01" ||
		f.Total == nil || f.Total.Value != 248 || f.Currency != "EUR" {
		t.Fatalf("%+v total %+v", f, f.Total)
	}
}

func TestScannedAndSpacedTitles(t *testing.T) {
	for _, c := range []struct{ cell, kind, text string }{
		{"I N V O I C E", KindInvoice, "invoice"},
		{"IN VO C E", KindInvoice, "invoice"}, // OCR lost the second I
		{"2026F02-001FACTURE", KindInvoice, "facture 2026F02-001"},
		{"RECHNUNG", KindInvoice, "RECHNUNG"},
		{"AB CD EF", "", ""},
		{"Chairs", "", ""},
		{"A1234INVOICED", "", ""},
	} {
		k, text, ok := headingKind(c.cell)
		if k != c.kind || ok != (c.kind != "") || text != c.text {
			t.Errorf("headingKind(%q) = %q %q %v, want %q %q", c.cell, k, text, ok, c.kind, c.text)
		}
	}
	for _, c := range []struct {
		a, b string
		want bool
	}{{"invoce", "invoice", true}, {"invoice", "invoice", true}, {"invoize", "invoice", true}, {"invocie", "invoice", true}, {"invcoie", "invoice", false}, {"inv", "invoice", false}} {
		if OneEdit(c.a, c.b) != c.want {
			t.Errorf("OneEdit(%q, %q) != %v", c.a, c.b, c.want)
		}
	}
	// The repaired title's number is the document's.
	f := extractLines([]layout.Line{
		row(10, 40.0, "Jane Doe", 400.0, "2026F02-001FACTURE"),
		row(22, 400.0, "02/03/2026"),
		row(80, 300.0, "Sous-total HT", 450.0, "7 200,00 €"),
		row(92, 300.0, "Total TTC", 450.0, "8 640,00 €"),
	})
	if f.Kind != KindInvoice || f.InvoiceNumber != "2026F02-001" {
		t.Fatalf("kind %s number %q", f.Kind, f.InvoiceNumber)
	}
}

func TestBlankFormNumberedUnderItsTitle(t *testing.T) {
	f := Extract("Factura    Nr. facturii: 54\nData facturii: 2024-10-31\nInformatii de facturare\nTotal cost(cu tva):    LEI\n", Hints{})
	if f.Kind != KindInvoice || f.InvoiceNumber != "54" {
		t.Fatalf("kind %s number %q", f.Kind, f.InvoiceNumber)
	}
	// A title with neither money nor its own number stays a mention.
	if f := Extract("Invoice\nPlease find the details in the attached letter.\n", Hints{}); f.Kind == KindInvoice {
		t.Fatalf("kind %s", f.Kind)
	}
}

func TestTillTimeMakesReceipt(t *testing.T) {
	f := Extract("Contoso\n123 Main Street\nRedmond, WA 98052\n6/10/2019 13:59\nSales Associate: Paul\n2 Surface Pro 6   $1,998.00\nSub-Total   $2,297.97\nTax   $218.31\nTotal   $2,516.28\n", Hints{})
	if f.Kind != KindReceipt {
		t.Fatalf("kind %s", f.Kind)
	}
}

func TestNumberLabelsFromTitles(t *testing.T) {
	for text, label := range map[string]string{
		"Numéro de devis : 2021-001-D": "numero de devis",
		"Statement Number 123":         "statement number",
		"Angebotsnummer: A-77":         "angebotsnummer",
		"Nr avoir: AV-9":               "nr avoir",
	} {
		hs := findLabels(text)
		if len(hs) == 0 || hs[0].field != fInvoiceNo || hs[0].phrase != label {
			t.Errorf("%q: labels %+v, want %q", text, hs, label)
		}
	}
	f := Extract("DEVIS\nNuméro de devis : 2021-001-D\nDate d'émission : 01/01/2021\nTotal TTC 120,00 €\n", Hints{})
	if f.InvoiceNumber != "2021-001-D" || f.Kind != KindQuote {
		t.Fatalf("kind %s number %q", f.Kind, f.InvoiceNumber)
	}
	// An order's number on an invoice is not the invoice's.
	if hs := findLabels("Bestellung Nr 55"); len(hs) > 0 && hs[0].field == fInvoiceNo {
		t.Fatalf("order number read as the document's: %+v", hs)
	}
	f = Extract("RECEIPT FOR CHARGE #1\nWe've received your payment.\nDate paid May 2, 2024\nTotal $19.00\n", Hints{})
	if f.InvoiceNumber != "1" {
		t.Fatalf("number %q", f.InvoiceNumber)
	}
	if f, _ := Fold("REC¸ U DE PAIEMENT"); f != "recu de paiement" {
		t.Fatalf("cedilla fold %q", f)
	}
}

func TestTotalThatAddsUp(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 40.0, "SuperStore", 400.0, "INVOICE"),
		row(30, 40.0, "Item", 300.0, "Quantity", 450.0, "Amount"),
		row(42, 40.0, "Folding Chair", 300.0, "6", 450.0, "$1,676.74"),
		row(70, 300.0, "Subtotal:", 450.0, "$1,676.74"),
		row(82, 300.0, "Discount (20%):", 450.0, "$335.35"),
		row(94, 300.0, "Shipping:", 450.0, "$11.69"),
		row(106, 300.0, "Total:", 450.0, "$1,353.08"),
	})
	if f.Total == nil || f.Total.Value != 1353.08 {
		t.Fatalf("total %+v", f.Total)
	}
	if isReturnAddress("Chairs, Furniture, FUR-CH-4840") || !isReturnAddress("Kraxi GmbH · Flugzeugallee 17 · 12345 Berlin") {
		t.Fatal("return address")
	}
}

func TestDatesOfEuroDocumentsAndReceipts(t *testing.T) {
	// English, in euros, addressed in France: the day comes first.
	f := Extract("Acme Inc\n12 Rue de la Paix\n75001 Paris\nFrance\nINVOICE\nRef.: INV-TAX-001\nDate: 01/05/2025\nTotal € 12 465.42\nPayment term: 01/06/2025\n", Hints{})
	if f.IssueDate.String() != "2025-05-01" || f.DueDate.String() != "2025-06-01" || f.InvoiceNumber != "INV-TAX-001" {
		t.Fatalf("issue %s due %s number %q", f.IssueDate, f.DueDate, f.InvoiceNumber)
	}
	// The buyer's reference is not the document's number.
	if f := Extract("INVOICE\nYour reference: PO-7781\nDate: 2025-05-01\nTotal € 100.00\n", Hints{}); f.InvoiceNumber != "" {
		t.Fatalf("number %q", f.InvoiceNumber)
	}
	// An American seller's software writes the month first.
	f = Extract("Delta PC\nFremont, CA 94538\nUnited States\nAgrolait\n1300 Wavre\nBelgium\nINVOICE\nInvoice Date: 09/04/2016\nTotal 1200.00 €\n", Hints{})
	if f.IssueDate.String() != "2016-09-04" {
		t.Fatalf("issue %s", f.IssueDate)
	}
	// A receipt dated only by its payment.
	f = Extract("Receipt\nReceipt Number 123\nDate paid March 25, 2024\nSubtotal $19.00\nTotal $20.12\nAmount paid $20.12\n", Hints{})
	if f.Kind != KindReceipt || f.IssueDate.String() != "2024-03-25" {
		t.Fatalf("kind %s issue %s", f.Kind, f.IssueDate)
	}
}

func TestPartyKeyFoldsAccents(t *testing.T) {
	for _, c := range [][2]string{
		{"Bilist Yazılım Teknolojileri A.Ş.", "Bilist Yazilim Teknolojileri A.S."},
		{"Müller & Söhne GmbH", "Muller & Sohne"},
		{"Construcții Metalice SRL", "CONSTRUCTII METALICE S.R.L."},
	} {
		if a, b := PartyKey(c[0]), PartyKey(c[1]); a != b {
			t.Errorf("PartyKey(%q) = %q, PartyKey(%q) = %q", c[0], a, c[1], b)
		}
	}
}

func TestNegativeInvoiceAndDatedPayment(t *testing.T) {
	f := Extract("Dunder Mifflin\nInvoice N°: 3\nDate: 2026-12-07\nproduct  -5  40,00 €  -200,00 €\nTotal (excl. taxes): -220,00 €\nTotal: -240,00 €\n", Hints{})
	if f.Kind != KindCreditNote || f.Total == nil || f.Total.Value != -240 {
		t.Fatalf("kind %s total %+v", f.Kind, f.Total)
	}
	f = Extract("My company\nINVOICE\nReference: MG202200000\nDue date: 20/08/2022\nAmount due: 181.50 EUR\n18/08/2022: The bill is paid.\nSubtotal without tax 165.00 EUR\nTax 16.50 EUR\nAmount due 181.50 EUR\n", Hints{})
	if f.Status != StatusPaid {
		t.Fatalf("status %q", f.Status)
	}
	// A condition is no record of payment.
	f = Extract("My company\nINVOICE\nReference: MG202200000\nAmount due: 181.50 EUR\nIf the bill is paid after 20/08/2022 a fee applies.\nSubtotal 165.00 EUR\nTax 16.50 EUR\n", Hints{})
	if f.Status != StatusUnpaid {
		t.Fatalf("status %q", f.Status)
	}
}

func TestNorwegianInvoice(t *testing.T) {
	f := Extract("Faktura\nNavn Navnesen\nLangtvekkveien 13b\n0123 Oslo\nFakturanummer: 38\nFakturadato: 31.01.2024\nForfallsdato: 14.02.2024\nBeskrivelse  Enhetspris  MVA  Sum\nMVA-grunnlag: 23 000,00 kr\nMVA: 4 600,00 kr\nSum å betale: 27 600,00 kr\nKontonummer: 1234 56 78910\nVed betaling etter forfall kan det påløpe renter og gebyr.\n", Hints{})
	if f.Language != "no" || f.Currency != "NOK" || f.DueDate.String() != "2024-02-14" || f.InvoiceNumber != "38" ||
		f.Total == nil || f.Total.Value != 27600 {
		t.Fatalf("lang %s currency %s due %s number %q total %+v", f.Language, f.Currency, f.DueDate, f.InvoiceNumber, f.Total)
	}
}

func TestCzechCrownAsScansReadIt(t *testing.T) {
	for _, s := range []string{"Celkem: 28 200,- Kč", "Celkem: 28 200,- K¢", "Celkem: 28 200,- Kc", "Ké 28.200,00"} {
		ns := FindNumbers(s, "cs")
		if len(ns) != 1 || ns[0].Value != 28200 || ns[0].Currency != "CZK" {
			t.Errorf("%q: %+v", s, ns)
		}
	}
}

func TestDeadlineDateNumbersAndDocumentNames(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 300.0, "My Invoice"),
		row(22, 300.0, "My Name"),
		row(34, 300.0, "Streetname 4644C"),
		row(60, 300.0, "Invoice number: 42"),
		row(72, 300.0, "Invoice date: April 1, 2017"),
		row(84, 300.0, "Deadline: February 21, 2024"),
		row(120, 300.0, "Total:", 400.0, "650 USD"),
	})
	if f.Party != "My Name" || f.DueDate.String() != "2024-02-21" {
		t.Fatalf("issuer %q due %s", f.Party, f.DueDate)
	}
	f = Extract("Max Mustermann • Musterstraße 37 • 12345 Musterstadt\nInvoice #2015-11-04\nSubtotal: 630,00\nVAT 20%: 126,00\nTotal: 756,00\n", Hints{})
	if f.InvoiceNumber != "2015-11-04" {
		t.Fatalf("number %q", f.InvoiceNumber)
	}
	// Days of payment terms are no amount paid.
	f = Extract("Invoice\nInvoice Number: 1234\nSubtotal $80.00\nPaid To Date $0.00\nBalance Due $80.00\nPayment is due within 15 days.\n", Hints{})
	if f.Total == nil || f.Total.Value != 80 {
		t.Fatalf("total %+v", f.Total)
	}
}

func TestOtherHeadingsAreNoMoneyDocuments(t *testing.T) {
	for _, text := range []string{
		"NOTE DE FRAIS\nNom du membre : Jean\n01/02/2024  Train Paris-Lyon  CB  45,00 €\nTotal TTC : 45,00 €\n* CB : Carte Bancaire, CH : Chèque, ES : Espèces\n",
		"Packing List\nAcme Ltd\nOrder No: 5521\nDate: 2024-05-02\nWidgets  10  $12.00\nTotal $120.00\n",
	} {
		if f := Extract(text, Hints{}); f.Kind != KindOther {
			t.Errorf("%q: kind %s", text[:12], f.Kind)
		}
	}
	// An invoice that mentions its delivery note stays an invoice.
	if f := Extract("INVOICE\nInvoice No: 77\nDelivery note 12 of 2024-05-01\nDate: 2024-05-02\nTotal $120.00\n", Hints{}); f.Kind != KindInvoice {
		t.Fatalf("kind %s", f.Kind)
	}
}

func TestMisreadLabels(t *testing.T) {
	for text, field := range map[string]string{
		"lnvoice date: 12.03.2024": fIssueDate, // l for I
		"Päivämäärät 18012014":     fIssueDate, // a letter added
		"Invoce number: A-12":      fInvoiceNo, // a letter dropped
		"AMOUT DUE:":               fToPay,     // its value in the next cell
	} {
		hs := findLabels(text)
		if len(hs) == 0 || hs[0].field != field {
			t.Errorf("%q: labels %+v, want %s", text, hs, field)
		}
	}
	// One letter from a label but in running text, or too short to tell.
	for _, text := range []string{"Invoices are payable within 30 days", "lnvoice dates vary", "Totul 12.00", "Supplies", "Supplies: paint"} {
		if hs := findLabels(text); len(hs) > 0 {
			t.Errorf("%q: labels %+v, want none", text, hs)
		}
	}
	f := Extract("Yritys Oy\nLASKU\nPäivämäärät 18012014\nYhteensä 248,00 €\n", Hints{})
	if f.IssueDate.String() != "2014-01-18" {
		t.Fatalf("issue date %s", f.IssueDate)
	}
}

func TestTotalBelowBesideItsCurrency(t *testing.T) {
	// "Total" over "GBP | 185.00": the currency in the label's column,
	// the amount in the next cell (not the net total plus VAT: postage
	// was added).
	f := extractLines([]layout.Line{
		row(10, 40.0, "Contoso Ltd"),
		row(30, 40.0, "INVOICE", 400.0, "No. 12345678"),
		row(50, 40.0, "Wood pallet", 400.0, "100.00"),
		row(70, 300.0, "Net total", 400.0, "150.00"),
		row(90, 300.0, "VAT", 400.0, "30.00"),
		row(100, 40.0, "Postage included"),
		row(110, 300.0, "Total"),
		row(122, 305.0, "GBP", 400.0, "185.00"),
	})
	if f.Total == nil || f.Total.Value != 185 || f.Currency != "GBP" {
		t.Fatalf("total %+v currency %s", f.Total, f.Currency)
	}
}

func TestSellerBlockNameBesideNumber(t *testing.T) {
	// A screen's button above, a template's logo placeholder, and the
	// seller's name with its number on one line.
	f := extractLines([]layout.Line{
		row(10, 40.0, "Credit memo 2021/07/000000002", 900.0, "Download"),
		row(20, 40.0, "Your Company Logo"),
		row(40, 40.0, "BUYER", 500.0, "SELLER"),
		row(60, 40.0, "John Doe", 500.0, "Sylius 0001112222"),
		row(80, 40.0, "Test St. 15", 500.0, "eCommerce Town"),
		row(120, 300.0, "Total:", 400.0, "146.90 USD"),
	})
	if f.Party != "Sylius" {
		t.Fatalf("issuer %q, want Sylius", f.Party)
	}
	if !placeholderName("Your Company Logo") || placeholderName("Logos Verlag GmbH") || placeholderName("Speedy Print Ltd") {
		t.Fatal("placeholderName")
	}
}

// TestNamedPartyBlock: a seller block that labels its party's name
// ("Nazwa: …") names the issuer over a tall portal
// header; a section heading further down ("Zamówienie", the order the
// invoice refers to) does not retitle the document.
func TestNamedPartyBlock(t *testing.T) {
	head := row(10, 40.0, "Krajowy System e-Faktur")
	head.H = 20
	lines := []layout.Line{head,
		row(40, 400.0, "Numer Faktury:"),
		row(52, 400.0, "FA/2026/03/17"),
		row(64, 400.0, "Faktura podstawowa"),
		row(90, 40.0, "Sprzedawca", 300.0, "Nabywca"),
		row(102, 40.0, "NIP: 5265877635", 300.0, "NIP: 6808208874"),
		row(114, 40.0, "Nazwa: Bartkowiak Dróżdż i Wspólnicy", 300.0, "Nazwa: Strzelczyk LLC"),
		row(126, 40.0, "ul. Kępa 332", 300.0, "ul. Wójcik 7255"),
	}
	for i := range 14 {
		lines = append(lines, row(150+12*float64(i), 40.0, "Usługa "+string(rune('A'+i)), 400.0, "100,00"))
	}
	section := row(340, 40.0, "Zamówienie")
	section.H = 14
	lines = append(lines, row(330, 300.0, "Kwota należności ogółem: 1 400,00 PLN"), section, row(360, 40.0, "Wartość zamówienia: 1 400,00"))
	f := extractLines(lines)
	if f.Party != "Bartkowiak Dróżdż i Wspólnicy" || f.Sources["issuer"].How != "seller block" {
		t.Errorf("issuer %q (%+v), want the block's named party", f.Party, f.Sources["issuer"])
	}
	if f.Kind != KindInvoice || f.InvoiceNumber != "FA/2026/03/17" {
		t.Errorf("kind %s number %q, want an invoice FA/2026/03/17", f.Kind, f.InvoiceNumber)
	}
}

// TestTitleTaxWordAndSlips: a tax word qualifying the title is not part
// of the number after it; a payment reminder is no invoice; a short page
// with a total and none of an invoice's parts is a sales slip.
func TestTitleTaxWordAndSlips(t *testing.T) {
	if f := extractLines([]layout.Line{
		row(10, 200.0, "Faktura VAT 2015/1"),
		row(30, 300.0, "Data wystawienia: 02.03.2015"),
		row(50, 40.0, "Sprzedawca:", 300.0, "Nabywca:"),
		row(62, 40.0, "ExampleSoft Jan Kowalski", 300.0, "Klient Sp. z o.o."),
		row(90, 300.0, "Do zapłaty:", 450.0, "1770.00 zł"),
	}); f.InvoiceNumber != "2015/1" || f.Kind != KindInvoice {
		t.Errorf("Faktura VAT: kind %s number %q, want invoice 2015/1", f.Kind, f.InvoiceNumber)
	}
	if f := extractLines([]layout.Line{
		row(10, 40.0, "TechVision Consulting"),
		row(40, 300.0, "Datum: 25.01.25"),
		row(70, 40.0, "Zahlungserinnerung"),
		row(90, 40.0, "Rechnung", 140.0, "Datum", 220.0, "Fällig am", 320.0, "Betrag"),
		row(102, 40.0, "RE-2024-189", 140.0, "15.12.24", 220.0, "14.01.25", 320.0, "4760,00 EUR"),
		row(120, 300.0, "Offener Gesamtbetrag:", 450.0, "4760,00 EUR"),
	}); f.Kind != KindOther {
		t.Errorf("a payment reminder: kind %s, want other", f.Kind)
	}
	slip := []layout.Line{
		row(10, 200.0, "PET PALACE"),
		row(30, 20.0, "Item", 420.0, "Qty", 570.0, "Amount"),
		row(42, 20.0, "Dog Food", 520.0, "2", 630.0, "24.50"),
		row(54, 20.0, "Cat Toy", 520.0, "1", 650.0, "8.99"),
		row(80, 20.0, "SUBTOTAL:", 630.0, "33.49"),
		row(92, 20.0, "TOTAL:", 630.0, "33.49"),
	}
	if f := extractLines(slip); f.Kind != KindReceipt || f.Status != StatusPaid {
		t.Errorf("a sales slip: kind %s status %q, want a paid receipt", f.Kind, f.Status)
	}
	// The same page with a due date is no slip.
	if f := extractLines(append(slip, row(110, 20.0, "Due date: 2026-01-31"))); f.Kind == KindReceipt {
		t.Errorf("a page with a due date read as a slip")
	}
}

// TestSideBySideRoleBlocks: blocks headed "Informationen zum Käufer" and
// "… zum Verkäufer" side by side; the headings name no one, a name label
// in the cell before names the seller, and the buyer's name stays the
// buyer's even where a later line gives it as an account holder.
func TestSideBySideRoleBlocks(t *testing.T) {
	f := extractLines([]layout.Line{
		row(10, 170.0, "Rechnung"),
		row(98, 28.0, "Informationen zum Käufer", 312.0, "Informationen zum Verkäufer"),
		row(130, 33.0, "Käuferreferenz:", 137.0, "991-33333TEST-33"),
		row(155, 33.0, "Name:", 137.0, "Testkäufer", 317.0, "Firmenname:", 421.0, "Testverkäufer"),
		row(179, 33.0, "Adresszeile 1:", 137.0, "Teststraße", 317.0, "Adresszeile 1:", 421.0, "Teststraße"),
		row(254, 33.0, "PLZ:", 137.0, "12345", 317.0, "PLZ:", 421.0, "12345"),
		row(533, 33.0, "Rechnungsnummer:", 212.0, "112233"),
		row(558, 33.0, "Rechnungsdatum:", 212.0, "23.4.2021"),
		row(600, 33.0, "Gesamtbetrag:", 212.0, "1.785,00 EUR"),
		row(700, 33.0, "Mandatsreferenznr.:", 309.0, "Kontoinhaber:", 412.0, "Testkäufer"),
		row(724, 33.0, "IBAN:", 309.0, "IBAN:", 412.0, "DE79000000001234567890"),
	})
	if f.Party != "Testverkäufer" {
		t.Errorf("issuer %q (%+v), want Testverkäufer", f.Party, f.Sources["issuer"])
	}
}

// TestJunkNames: a currency code or one letter repeated is no issuer; a
// short real name is.
func TestJunkNames(t *testing.T) {
	for name, junk := range map[string]bool{"EUR": true, "EEE": true, "I I I": true, "RS": false, "dm": false, "Saturn": false, "3M": false} {
		if junkName(name) != junk {
			t.Errorf("junkName(%q) = %v", name, !junk)
		}
	}
}
