package facts

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in, lang string
		want     float64
		ok       bool
	}{
		{"1,234.56", "en", 1234.56, true},
		{"1.234,56", "de", 1234.56, true},
		{"1.234,56", "en", 1234.56, true}, // both marks: the last is decimal in any language
		{"1 234,56", "fr", 1234.56, true},
		{"1\u00a0234,56", "fr", 1234.56, true},
		{"1\u202f234,56", "fr", 1234.56, true},
		{"1 234 567,5", "pl", 1234567.5, true},
		{"1'234.56", "de", 1234.56, true},
		{"1’234.56", "de", 1234.56, true},
		{"1'234'567", "", 1234567, true},
		{"1234", "en", 1234, true},
		{"1234,5", "de", 1234.5, true},
		{"1234,5", "en", 1234.5, true},
		{"12,50", "en", 12.5, true},
		{".50", "en", 0.5, true},
		{",50", "de", 0.5, true},
		{"-12.00", "en", -12, true},
		{"−12.00", "en", -12, true},
		{"(12.00)", "en", -12, true},
		{"12.00-", "en", -12, true},
		{"+12", "en", 12, true},
		{"0.125", "de", 0.125, true},
		{"1234.567", "de", 1234.567, true},
		{"1,23,456.00", "en", 123456, true},
		{"1,234,567.89", "en", 1234567.89, true},
		{"1.234.567,89", "it", 1234567.89, true},
		{"1.234.567", "en", 1234567, true},
		{"1,234,567", "de", 1234567, true},
		// the ambiguous three-digit tail
		{"1,234", "en", 1234, true},
		{"1,234", "", 1234, true},
		{"1.234", "en", 1.234, true},
		{"1.234", "", 1.234, true},
		{"1.234", "de", 1234, true},
		{"1.234", "fr", 1234, true},
		{"1,234", "de", 1.234, true},
		{"1,234", "pt", 1.234, true},
		// with a currency mark: three digits after one mark group thousands
		{"€ 1.234,56", "en", 1234.56, true},
		{"1.200 €", "en", 1200, true},
		{"1,200 €", "de", 1200, true},
		{"$-50.00", "en", -50, true},
		{"-$50.00", "en", -50, true},
		{"12 zł", "pl", 12, true},
		{"USD 99", "", 99, true},
		// garbage
		{"", "en", 0, false},
		{"abc", "en", 0, false},
		{"12a", "en", 0, false},
		{"1.2.3", "en", 0, false},
		{"1,2,3", "en", 0, false},
		{"1..2", "en", 0, false},
		{"12.", "en", 0, false},
		{"--12", "en", 0, false},
		{"-(12)", "en", 0, false},
		{"(12", "en", 0, false},
		{"1 234.567,8", "fr", 0, false},
		{"12 34", "fr", 0, false},
		{"1,2345", "en", 1.2345, true},
		{"12,34,56", "en", 0, false},
		{"0,123,456", "en", 0, false},
		{"$", "en", 0, false},
		{"-", "en", 0, false},
		{"1e5", "en", 0, false},
		{"NaN", "en", 0, false},
		{"Inf", "en", 0, false},
	}
	for _, c := range cases {
		v, ok := ParseNumber(c.in, c.lang)
		if ok != c.ok || ok && v != c.want {
			t.Errorf("ParseNumber(%q, %q) = %v %v, want %v %v", c.in, c.lang, v, ok, c.want, c.ok)
		}
	}
}

func TestFindNumbers(t *testing.T) {
	cases := []struct {
		lang, in string
		want     []string // value/currency/decimals, e.g. "1234.56 EUR 2"
	}{
		{"en", "Total: $2,500.00", []string{"2500 USD 2"}},
		{"de", "Summe 1.234,56 €", []string{"1234.56 EUR 2"}},
		{"fr", "Total TTC : 1 234,56 €", []string{"1234.56 EUR 2"}},
		{"fr", "Total 1\u202f234,56\u00a0€", []string{"1234.56 EUR 2"}},
		{"de", "CHF 1'234.50", []string{"1234.5 CHF 2"}},
		{"en", "Qty 2 100.00", []string{"2 - 0", "100 - 2"}},
		{"fr", "Qté 2 100,00", []string{"2100 - 2"}}, // French groups with a space
		{"en", "Amount (12.00)", []string{"-12 - 2"}},
		{"en", "Credit 12.00-", []string{"-12 - 2"}},
		{"en", "Refund −12.00 and +5", []string{"-12 - 2", "5 - 0"}},
		{"en", "see note (2) and pages 3-", []string{"2 - 0", "3 - 0"}},
		{"en", "Discount .50", []string{"0.5 - 2"}},
		{"de", "Preis 150,- €", []string{"150 EUR 2"}},
		{"en", "-$50.00", []string{"-50 USD 2"}},
		{"en", "$-50.00", []string{"-50 USD 2"}},
		{"en", "(€12.00)", []string{"-12 EUR 2"}},
		{"en", "EUR100 and 200EUR", []string{"100 EUR 0", "200 EUR 0"}},
		{"en", "C$ 10 A$ 20 NZ$ 30 HK$ 40 S$ 50 US$ 60 R$ 70", []string{"10 CAD 0", "20 AUD 0", "30 NZD 0", "40 HKD 0", "50 SGD 0", "60 USD 0", "70 BRL 0"}},
		{"pl", "Razem 1 234,50 zł", []string{"1234.5 PLN 2"}},
		{"", "100 Kč, 2 500 Ft, ₹1,23,456.00, Rs. 500, Rs 20", []string{"100 CZK 0", "2500 HUF 0", "123456 INR 2", "500 INR 0", "20 INR 0"}},
		{"", "¥1000 ₩5000 ₽300 ₺40 ฿50 100元 RMB 20", []string{"1000 JPY 0", "5000 KRW 0", "300 RUB 0", "40 TRY 0", "50 THB 0", "100 CNY 0", "20 CNY 0"}},
		{"", "R 100 and RM 50 and Rp 10.000", []string{"100 ZAR 0", "50 MYR 0", "10000 IDR 0"}},
		{"", "R150.00 and part R100 and Rs500", []string{"150 ZAR 2"}},
		{"", "Fr. 12.50 and SFr. 3", []string{"12.5 CHF 2", "3 CHF 0"}},
		{"", "AED 100, SAR 50, MXN 10", []string{"100 AED 0", "50 SAR 0", "10 MXN 0"}},
		{"sv", "Summa 100 kr", []string{"100 SEK 0"}},
		{"da", "I alt 100,00 kr.", []string{"100 DKK 2"}},
		{"", "Total 100 kr", []string{"100 - 0 kr"}},
		{"en", "$100 USD", []string{"100 USD 0"}},
		{"en", "20 euros", []string{"20 EUR 0"}},
		// not amounts
		{"en", "Invoice INV2025 and INV-2025-0042", nil},
		{"en", "Ref AB-12-345", nil},
		{"en", "Call +49 30 1234567 now", nil},
		{"en", "Tel: (555) 123-4567", nil},
		{"fr", "Tél. 06 12 34 56 78", nil},
		{"de", "IBAN DE89 3704 0044 0532 0130 00", nil},
		{"en", "Date 2025-11-28, due 28/12/2025, 3 May 2025", nil},
		{"en", "at 10:30 or 10:30:15", nil},
		{"de", "Leistungszeitraum: November 2025, Mai 2025", nil},
		{"it", "set 2000 €", []string{"2000 EUR 0"}},
		{"en", "VAT 20% or 7 %", nil},
		{"en", "weight 10kg, the 3rd, 2x", nil},
		{"en", "version 1.2.3", nil},
		{"en", "order #12345 and No.77", nil},
		{"en", "order 0042", nil},
		{"en", "account 12345678901234", nil},
		{"en", "range 10-20 and 12/2025", nil},
		{"en", "FOR 100", []string{"100 - 0"}},
	}
	for _, c := range cases {
		ns := FindNumbers(c.in, c.lang)
		var got []string
		for _, n := range ns {
			cur := n.Currency
			if cur == "" {
				cur = "-"
			}
			s := fmt.Sprintf("%v %s %d", n.Value, cur, n.Decimals)
			if n.Currency == "" && n.Symbol != "" {
				s += " " + n.Symbol
			}
			got = append(got, s)
		}
		if strings.Join(got, " | ") != strings.Join(c.want, " | ") {
			t.Errorf("%s %q: got %q want %q", c.lang, c.in, got, c.want)
		}
	}
}

func TestFindNumbersSpans(t *testing.T) {
	for in, want := range map[string]string{
		"Total: -$50.00.":        "-$50.00",
		"Total (€ 12,00) due":    "(€ 12,00)",
		"Summe: 1.234,56 EUR":    "1.234,56 EUR",
		"Credit 12.00- applied":  "12.00-",
		"Amount: USD 1,234.56 ✓": "USD 1,234.56",
	} {
		ns := FindNumbers(in, "")
		if len(ns) != 1 || in[ns[0].Start:ns[0].End] != want {
			t.Errorf("%q: got %+v, want span %q", in, ns, want)
		}
	}
}

// formatNumber writes v the way lang does, with thousands groups.
func formatNumber(v float64, lang string) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	group, dec := ",", "."
	switch lang {
	case "de", "it", "nl":
		group, dec = ".", ","
	case "fr", "pl":
		group, dec = "\u202f", ","
	case "ch":
		group = "'"
	}
	var b strings.Builder
	if math.Signbit(v) {
		b.WriteString("-")
	}
	for i, d := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString(dec + frac)
	}
	return b.String()
}

func TestParseNumberRoundTrip(t *testing.T) {
	for _, v := range []float64{0, 1, 12.5, 1234, 1234.5, 1.234, 0.125, 1234567.891, -98765.4321, 1e21, 123.456} {
		checkRoundTrip(t, v)
	}
}

func checkRoundTrip(t *testing.T, v float64) {
	t.Helper()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	plain := strconv.FormatFloat(v, 'f', -1, 64)
	for _, lang := range []string{"", "en", "de", "fr"} {
		if got, ok := ParseNumber(plain, lang); lang != "de" && lang != "fr" && (!ok || got != v) {
			t.Fatalf("ParseNumber(%q, %q) = %v %v, want %v", plain, lang, got, ok, v)
		}
	}
	for _, lang := range []string{"en", "de", "fr", "it", "pl", "nl"} {
		s := formatNumber(v, lang)
		if got, ok := ParseNumber(s, lang); !ok || got != v {
			t.Fatalf("ParseNumber(%q, %q) = %v %v, want %v", s, lang, got, ok, v)
		}
	}
	s := formatNumber(v, "ch") // Swiss: 1'234.5, read without a language
	if got, ok := ParseNumber(s, ""); !ok || got != v {
		t.Fatalf("ParseNumber(%q, \"\") = %v %v, want %v", s, got, ok, v)
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1,234.56", "1.234,56", "1 234,56", "1'234.56", ".50", "(12.00)", "12.00-", "−12", "€ 1.200", "1,23,456.00"} {
		f.Add(s, "en", 1234.56)
		f.Add(s, "de", -0.125)
	}
	f.Fuzz(func(t *testing.T, s, lang string, v float64) {
		if x, ok := ParseNumber(s, lang); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
			t.Fatalf("ParseNumber(%q) = %v", s, x)
		}
		checkRoundTrip(t, v)
	})
}

func FuzzFindNumbers(f *testing.F) {
	for _, s := range []string{"Total: $2,500.00", "Summe 1.234,56 €", "(12.00) 12.00- −5", "+49 30 1234567",
		"IBAN DE89 3704 0044 0532 0130 00", "1 234,50 zł 2 100", "28.11.2025 10:30", "150,- € Rs. 5 R 100"} {
		f.Add(s, "")
		f.Add(s, "fr")
	}
	f.Fuzz(func(t *testing.T, s, lang string) {
		prev := 0
		for _, n := range FindNumbers(s, lang) {
			if n.Start < prev || n.End <= n.Start || n.End > len(s) {
				t.Fatalf("bad span %d-%d after %d in %q", n.Start, n.End, prev, s)
			}
			if math.IsNaN(n.Value) || math.IsInf(n.Value, 0) || n.Decimals < 0 {
				t.Fatalf("bad number %+v in %q", n, s)
			}
			prev = n.End
		}
		for _, a := range FindAmounts(s) {
			if a.Offset < 0 || a.Offset > len(s) {
				t.Fatalf("amount offset %d", a.Offset)
			}
		}
		DocCurrency(s, lang)
	})
}

func TestCurrencyCode(t *testing.T) {
	for s, want := range map[string]string{
		"$": "USD", "US$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "euros": "EUR", "£": "GBP", "¥": "JPY",
		"CHF": "CHF", "Fr.": "CHF", "SFr.": "CHF", "C$": "CAD", "A$": "AUD", "NZD": "NZD", "zł": "PLN", "Kč": "CZK",
		"Ft": "HUF", "₹": "INR", "Rs.": "INR", "Rs": "INR", "R$": "BRL", "MXN": "MXN", "元": "CNY", "RMB": "CNY",
		"₩": "KRW", "₽": "RUB", "₺": "TRY", "R": "ZAR", "S$": "SGD", "HK$": "HKD", "AED": "AED", "SAR": "SAR",
		"RM": "MYR", "Rp": "IDR", "฿": "THB", "dollars": "USD", "pounds": "GBP", " sek ": "SEK",
	} {
		if got, ok := CurrencyCode(s); !ok || got != want {
			t.Errorf("CurrencyCode(%q) = %q %v, want %q", s, got, ok, want)
		}
	}
	for _, s := range []string{"kr", "", "xyz", "12"} {
		if got, ok := CurrencyCode(s); ok {
			t.Errorf("CurrencyCode(%q) = %q", s, got)
		}
	}
	for lang, want := range map[string]string{"sv": "SEK", "da": "DKK", "no": "NOK", "nb": "NOK"} {
		if got, ok := CurrencyCodeIn("kr", lang); !ok || got != want {
			t.Errorf("CurrencyCodeIn(kr, %s) = %q", lang, got)
		}
	}
}

func TestDocCurrency(t *testing.T) {
	cases := []struct{ lang, text, want string }{
		{"en", "Total $100.00\nTax $10.00", "USD"},
		{"en", "All amounts in CAD.\nTotal $100.00\nTax $10.00", "CAD"},
		{"en", "Subtotal C$90.00\nTotal $100.00", "CAD"},
		{"en", "Total A$ 100 and $ 20", "AUD"},
		{"de", "Summe 1.234,56 €\nMwSt 19 %", "EUR"},
		{"de", "Betrag in EUR: 1.234,56 € / 10 $ / 12 $", "EUR"}, // a code beats symbols
		{"en", "Paid £10, £20 and $5", "GBP"},
		{"pl", "Razem 1 234,50 zł", "PLN"},
		{"sv", "Summa 100 kr", "SEK"},
		{"", "Summa 100 kr", ""},
		{"", "Total ¥1000 and 元 50 and ¥ 30", "CNY"},
		{"", "Total ¥1000", "JPY"},
		{"", "R 100,00 incl. VAT", "ZAR"},
		{"en", "TRY AGAIN LATER, total $5", "USD"}, // TRY as a word is no code
		{"en", "Total 12 TRY", "TRY"},
		{"en", "Total 12 usd", "USD"},
		{"en", "No money here. Call 555-123-4567.", ""},
		{"en", "", ""},
	}
	for _, c := range cases {
		if got := DocCurrency(c.text, c.lang); got != c.want {
			t.Errorf("DocCurrency(%q, %q) = %q want %q", c.text, c.lang, got, c.want)
		}
	}
}

// TestFindNumbersLinear guards against inputs that rescan long runs.
func TestFindNumbersLinear(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("1 ", 5000), strings.Repeat("123 ", 5000), strings.Repeat("1,", 5000),
		strings.Repeat("+1 2 ", 5000), strings.Repeat("Tel ", 5000), strings.Repeat("03/04/2025 ", 2000),
		strings.Repeat("mar ", 5000), strings.Repeat("€1 ", 5000), strings.Repeat("5 Nov ", 5000), strings.Repeat("0 12 ", 5000),
	} {
		st := time.Now()
		FindNumbers(s, "fr")
		DocCurrency(s, "")
		if d := time.Since(st); d > 2*time.Second {
			t.Errorf("%q…: %v", s[:10], d)
		}
	}
}

func TestCurrencyWithoutMark(t *testing.T) {
	for text, want := range map[string]string{
		"IBAN: DE89 3704 0044 0532 0130 00":      "EUR",
		"IBAN CH93 0076 2011 6238 5295 7":        "CHF",
		"USt-IdNr.: DE812706034":                 "EUR",
		"UID CHE-123.456.789 MWST":               "CHF",
		"VAT Reg No GB 123 4567 89":              "GBP",
		"Thank you for shopping, total 12.00":    "",
		"Invoice 4711 dated 3 May, amount 12.00": "",
	} {
		if got := currencyOfIDs(text); got != want {
			t.Errorf("currencyOfIDs(%q) = %q, want %q", text, got, want)
		}
	}
	f := Extract("Kassenbon\nREWE Markt GmbH\nSUMME 0,99\nGegeben BAR 2,00\nVielen Dank für Ihren Einkauf", Hints{})
	if f.Currency != "EUR" || f.Sources["currency"].How != "language" {
		t.Errorf("German receipt without a mark: currency %q (%+v)", f.Currency, f.Sources["currency"])
	}
	f = Extract("Receipt\nCorner Shop\nTOTAL 12.00\nThank you", Hints{})
	if f.Currency != "" {
		t.Errorf("English receipt without a mark: currency %q, want none", f.Currency)
	}
}

// TestDocCurrencyTiesByFirstMark: two bare marks once each (a "$" and a
// "¥" OCR read into an id) give the one seen first, every time; the
// order of a map must not decide.
func TestDocCurrencyTiesByFirstMark(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"IRN bd¥8a32\nTaxable: $18,750.00", "JPY"},
		{"Taxable: $18,750.00\nIRN bd¥8a32", "USD"},
	} {
		for range 50 {
			if got := DocCurrency(c.text, "en"); got != c.want {
				t.Fatalf("DocCurrency(%q) = %q, want %q", c.text, got, c.want)
			}
		}
	}
}
