package facts

import (
	"strings"
	"testing"
)

func TestDetectLanguage(t *testing.T) {
	cases := []struct{ want, text string }{
		{"en", "INVOICE\nInvoice number: 42\nPlease pay the amount due by the end of the month. Thank you for your business."},
		{"de", "RECHNUNG\nRechnungsnummer: 42\nBitte überweisen Sie den Gesamtbetrag innerhalb von 14 Tagen auf unser Konto. Vielen Dank für Ihren Auftrag."},
		{"fr", "FACTURE\nNuméro de facture : 42\nMerci de régler le montant TTC avant la date d'échéance. Pénalités de retard applicables."},
		{"nl", "FACTUUR\nFactuurnummer: 42\nGraag het totaalbedrag binnen 14 dagen overmaken naar onze rekening. Bedankt voor uw bestelling."},
		{"es", "FACTURA\nNúmero de factura: 42\nLe rogamos que realice el pago del importe total antes de la fecha de vencimiento. Gracias por su confianza."},
		{"it", "FATTURA\nNumero fattura: 42\nSi prega di effettuare il pagamento dell'importo totale entro la data di scadenza. Grazie per la fiducia."},
		{"pl", "FAKTURA VAT\nNumer faktury: 42\nProsimy o zapłatę kwoty brutto na nasze konto w terminie 14 dni. Dziękujemy za współpracę."},
		{"pt", "FATURA\nNúmero da fatura: 42\nSolicitamos o pagamento do valor total até a data de vencimento. Obrigado pela sua preferência."},
		{"", ""},
		{"", "12345 67.89"},
		{"", "Total: 100"},
		{"", "Espresso"},
	}
	for _, c := range cases {
		if got := DetectLanguage(c.text); got != c.want {
			t.Errorf("%q: got %q want %q", c.text, got, c.want)
		}
	}
}

func TestDetectLanguageReadsOnlyTheStart(t *testing.T) {
	text := strings.Repeat("Bitte zahlen Sie die Rechnung und den Betrag. ", 1000) + strings.Repeat("the and of to is for with ", 5000)
	if got := DetectLanguage(text); got != "de" {
		t.Fatalf("got %q", got)
	}
}

func TestLanguageTablesKnown(t *testing.T) {
	known := map[string]bool{}
	for _, l := range Languages {
		known[l] = true
		if langWords[l] == "" && !scriptLanguages[l] {
			t.Errorf("no words for %s", l)
		}
	}
	for l := range langWords {
		if !known[l] {
			t.Errorf("words for unlisted language %s", l)
		}
	}
	for r, ls := range langLetters {
		for _, l := range strings.Fields(ls) {
			if !known[l] {
				t.Errorf("letter %q for unlisted language %s", r, l)
			}
		}
	}
	if len(Languages) > 32 {
		t.Error("the word index holds 32 languages")
	}
}

func BenchmarkDetectLanguage(b *testing.B) {
	text := strings.Repeat("Rechnung Nr. 42 Bitte zahlen Sie den Betrag bis zum 3. März 2025. ", 400)
	b.SetBytes(int64(min(len(text), langScanBytes)))
	for b.Loop() {
		DetectLanguage(text)
	}
}
