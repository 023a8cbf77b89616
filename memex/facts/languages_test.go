package facts

import (
	"slices"
	"testing"
)

func TestFoldCJK(t *testing.T) {
	for in, want := range map[string]string{
		"請求番号：ＩＮＶ-１２":     "請 求 番 号 inv 12",
		"ご請求金額 ¥42,820 円": "ご 請 求 金 額 42 820 円",
		"サンプル株式会社":        "サ ン プ ル 株 式 会 社",
		"Tokyo 東京 Ltd":    "tokyo 東 京 ltd",
	} {
		if got := fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	// A label ends after its last character, not at its start.
	hs := findLabels("請求番号: INV-123456-001")
	if len(hs) != 1 || hs[0].field != fInvoiceNo || hs[0].end != len("請求番号") {
		t.Errorf("labels %+v", hs)
	}
}

func TestJapaneseDates(t *testing.T) {
	for in, want := range map[string]string{
		"令和7年5月15日":       "2025-05-15",
		"平成31年4月30日":      "2019-04-30",
		"昭和64年1月7日":       "1989-01-07",
		"2025年6月30日":      "2025-06-30",
		"2025 年 6 月 30 日": "2025-06-30",
		"2025年6月末日":       "2025-06-30",
		"2024年2月末日":       "2024-02-29",
	} {
		ds := FindDates(in)
		if len(ds) != 1 || ds[0].Date.String() != want {
			t.Errorf("FindDates(%q) = %+v, want %s", in, ds, want)
		}
	}
	if ds := FindDates("7年5月15日"); len(ds) != 0 {
		t.Errorf("an era year without its era: %+v", ds)
	}
}

func TestDetectJapanese(t *testing.T) {
	if l := DetectLanguage("下記の通りご請求申し上げます。請求番号: INV-123456-001 お支払い期限"); l != "ja" {
		t.Errorf("Japanese text: %q", l)
	}
	if l := DetectLanguage("Please pay the invoice to our Tokyo office (東京) by the due date. Thank you for your business."); l != "en" {
		t.Errorf("English text with a place name in kanji: %q", l)
	}
}

func TestJapaneseCompanies(t *testing.T) {
	got := jaCompanies("株式会社 ダミー 御中        サンブル 株式会社")
	if !slices.Equal(got, []string{"サンブル株式会社"}) {
		t.Errorf("jaCompanies = %q", got)
	}
	if got := jaCompanies("山田 太郎 様"); got != nil {
		t.Errorf("a person: %q", got)
	}
	if PartyKey("サンプル 株式会社") != PartyKey("サンプル株式会社") || PartyKey("サン ブル 株 式 会 社") != PartyKey("サンプル株式会社") ||
		PartyKey("サンプル株式会社") == PartyKey("ダミー株式会社") {
		t.Error("party keys of Japanese companies")
	}
}

func TestExtractJapaneseInvoice(t *testing.T) {
	text := "令和7年5月15日\n請求番号：INV-123456-001\n\n請求書\n\n株式会社 ダミー 御中        サンプル 株式会社\n" +
		"件名: サンプル費用\n下記の通りご請求申し上げます。\nご請求金額        \\42,820 円\nお支払い期限 : ２０２５年６月３０日\n" +
		"小計        39,000\n消費税等        3,820\n合計        42,820\n"
	f := Extract(text, Hints{})
	if f.Kind != KindInvoice || f.Language != "ja" {
		t.Fatalf("kind %q, language %q", f.Kind, f.Language)
	}
	if f.InvoiceNumber != "INV-123456-001" {
		t.Errorf("number %q", f.InvoiceNumber)
	}
	if f.Total == nil || f.Total.Value != 42820 || f.Currency != "JPY" {
		t.Errorf("total %+v %q", f.Total, f.Currency)
	}
	if f.IssueDate.String() != "2025-05-15" || f.DueDate.String() != "2025-06-30" {
		t.Errorf("issued %s, due %s", f.IssueDate, f.DueDate)
	}
	if f.PartyKey != PartyKey("サンプル株式会社") {
		t.Errorf("issuer %q", f.Party)
	}
	if f.Status != StatusUnpaid {
		t.Errorf("status %q", f.Status)
	}
}

func TestExtractTurkishInvoice(t *testing.T) {
	text := "Örnek Yazılım Ltd. Şti.\nVergi Dairesi: Kadıköy\nSAYIN\nDeneme Ticaret A.Ş.\nE-ARŞİV FATURA\n" +
		"Fatura No: ABC2023000000017\nFatura Tarihi: 01-09-2023\nSon Ödeme Tarihi: 15.09.2023\n" +
		"Mal Hizmet Toplam Tutarı: 150,00 TL\nHesaplanan KDV: 30,00 TL\nVergiler Dahil Toplam Tutar: 180,00 TL\nÖdenecek Tutar: 180,00 TL\n"
	f := Extract(text, Hints{})
	if f.Language != "tr" || f.Kind != KindInvoice {
		t.Fatalf("language %q, kind %q", f.Language, f.Kind)
	}
	if f.InvoiceNumber != "ABC2023000000017" {
		t.Errorf("number %q", f.InvoiceNumber)
	}
	if f.IssueDate.String() != "2023-09-01" || f.DueDate.String() != "2023-09-15" {
		t.Errorf("issued %s, due %s", f.IssueDate, f.DueDate)
	}
	if f.Total == nil || f.Total.Value != 180 || f.Currency != "TRY" {
		t.Errorf("total %+v %q", f.Total, f.Currency)
	}
	if f.PartyKey != PartyKey("Örnek Yazılım") {
		t.Errorf("issuer %q", f.Party)
	}
}

func TestTurkishMonths(t *testing.T) {
	ds := FindDates("Tarih: 12 Ekim 2024")
	if len(ds) != 1 || ds[0].Date.String() != "2024-10-12" {
		t.Errorf("%+v", ds)
	}
}

func TestYenBackslash(t *testing.T) {
	ns := FindNumbers("ご請求金額 \\42,820", "ja")
	if len(ns) != 1 || ns[0].Value != 42820 || ns[0].Currency != "JPY" {
		t.Errorf("Japanese: %+v", ns)
	}
	for _, n := range FindNumbers(`saved to C:\2024\report, total 12.50`, "en") {
		if n.Currency == "JPY" {
			t.Errorf("a backslash outside Japanese read as yen: %+v", n)
		}
	}
	if c := DocCurrency(`C:\2024\a C:\2025\b C:\2026\c total €12.50`, "en"); c != "EUR" {
		t.Errorf("DocCurrency with paths: %q", c)
	}
}

func TestZeroDecimalCurrency(t *testing.T) {
	for in, want := range map[string]float64{"¥42.820": 42820, "42.820 円": 42820, "¥1,500": 1500, "¥1.5": 1.5} {
		ns := FindNumbers(in, "ja")
		if len(ns) != 1 || ns[0].Value != want {
			t.Errorf("FindNumbers(%q) = %+v, want %v", in, ns, want)
		}
	}
}

func TestCzechDocuments(t *testing.T) {
	for _, c := range []struct{ text, kind, number string }{
		// The title's number behind "č.", not the payment reference.
		{"OPRAVNÝ DAŇOVÝ DOKLAD č. ODD-2024/042\nDodavatel: ACME s.r.o.\nVariabilní symbol: 2024042\nCelkem: 100,00 Kč\n", KindCreditNote, "ODD-2024/042"},
		// A bare "Číslo:" beside the title comes before the reference.
		{"Faktura - daňový doklad\nČíslo: FV-2/2021\nVariabilní symbol: 10112\nCelkem: 100,00 Kč\n", KindInvoice, "FV-2/2021"},
		{"DOBROPIS č. 7/2024\nCelkem: -50,00 Kč\n", KindCreditNote, "7/2024"},
		{"CENOVÁ NABÍDKA č. N-12\nCelkem: 1 200,00 Kč\n", KindQuote, "N-12"},
	} {
		f := Extract(c.text, Hints{})
		if f.Kind != c.kind || f.InvoiceNumber != c.number {
			t.Errorf("%q: kind %s number %q, want %s %q", c.text[:20], f.Kind, f.InvoiceNumber, c.kind, c.number)
		}
	}
}

func TestPeruvianTotals(t *testing.T) {
	// Peru's factura electrónica: the sale price is the total, taxable
	// operations plus IGV make it when it is missing; neither is the
	// larger unlabelled amount beside them.
	for _, text := range []string{
		"FACTURA ELECTRÓNICA F001-123\nPrecio Venta: S/ 236.00\nDepósito S/ 500.00\n",
		"FACTURA ELECTRÓNICA F001-123\nOp. Gravadas: S/ 200.00\nIGV: S/ 36.00\nDepósito S/ 500.00\n",
	} {
		if f := Extract(text, Hints{}); f.Total == nil || f.Total.Value != 236 || f.Currency != "PEN" {
			t.Errorf("%q: total %+v currency %s, want 236 PEN", text, f.Total, f.Currency)
		}
	}
}
