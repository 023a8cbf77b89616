package ocr

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// stopwords are frequent words of each language on invoices, receipts and
// letters, chosen to be rare in the other languages here. A first pass in
// one language reads them well enough to tell which language a page is in.
var stopwords = map[string][]string{
	"eng": {"the", "and", "of", "to", "for", "invoice", "amount", "due", "payment", "please", "thank", "you", "your", "with", "from", "tax", "bill", "paid", "receipt", "subtotal"},
	"deu": {"der", "die", "das", "und", "für", "fur", "mit", "von", "rechnung", "betrag", "summe", "datum", "mwst", "ust", "zahlung", "bitte", "nicht", "ist", "eine", "gesamt", "steuer", "kasse", "bar", "danke", "vielen", "zur", "auf", "den", "dem", "des", "zu", "zahlen", "rückgeld", "ruckgeld",
		"uhr", "gmbh", "beleg", "kundenbeleg", "erfolgt", "kartenzahlung", "gegeben", "aufbewahren", "filiale", "einkauf"},
	"fra": {"le", "les", "et", "du", "des", "pour", "avec", "facture", "montant", "tva", "paiement", "veuillez", "merci", "votre", "vous", "est", "une", "au", "aux", "sur", "ttc", "ht", "à", "échéance", "société", "caisse", "rendu", "espèces", "especes", "carte", "bancaire"},
	"nld": {"het", "een", "en", "van", "voor", "met", "factuur", "bedrag", "totaal", "btw", "betaling", "graag", "uw", "aan", "op", "te", "dit", "niet", "bij", "wij", "vervaldatum", "factuurnummer", "kassa", "wisselgeld", "pinnen", "kassabon"},
	"spa": {"el", "los", "las", "y", "del", "para", "con", "factura", "importe", "fecha", "pago", "gracias", "su", "por", "una", "cliente", "iva", "señor", "efectivo", "cambio", "tarjeta", "compra"},
	"ita": {"il", "di", "per", "con", "fattura", "importo", "totale", "pagamento", "grazie", "del", "della", "che", "sono", "alla", "dei", "iva", "scadenza", "gli", "scontrino", "contanti", "resto", "fiscale"},
	"pol": {"i", "w", "z", "na", "do", "nie", "się", "faktura", "kwota", "razem", "sprzedaży", "płatności", "zapłaty", "nabywca", "sprzedawca", "vat", "oraz", "jest", "zł", "słownie", "paragon", "fiskalny", "gotówka", "reszta"},
	"por": {"os", "do", "da", "dos", "das", "com", "fatura", "valor", "pagamento", "obrigado", "não", "uma", "um", "em", "iva", "contribuinte", "nif", "pelo", "troco", "dinheiro", "cupom", "talão"},
	// Read without their accents too: an English first pass drops them.
	"ces": {"že", "faktura", "dodavatel", "odběratel", "odberatel", "splatnosti", "celkem", "úhradě", "uhrade", "dph", "částka", "castka", "číslo", "cislo", "děkujeme", "variabilní", "variabilni", "symbol", "kč", "vystavení", "vystaveni", "doklad"},
	"ron": {"și", "în", "factura", "factură", "furnizor", "cumpărător", "cumparator", "scadență", "scadenta", "plată", "plata", "valoare", "mulțumim", "multumim", "lei", "seria", "cota", "judet", "județ"},
	"hun": {"és", "számla", "szamla", "összesen", "osszesen", "fizetési", "fizetesi", "határidő", "hatarido", "áfa", "afa", "vevő", "vevo", "eladó", "elado", "teljesítés", "teljesites", "kelte", "ft", "nettó", "bruttó", "fizetendő"},
	"fin": {"ja", "lasku", "laskun", "eräpäivä", "erapaiva", "yhteensä", "yhteensa", "alv", "maksettava", "viitenumero", "tilinumero", "kiitos", "asiakas", "veroton", "päivämäärä", "paivamaara", "kpl"},
	"swe": {"och", "att", "är", "för", "faktura", "fakturanummer", "fakturadatum", "förfallodatum", "forfallodatum", "belopp", "summa", "moms", "betala", "kund", "tack", "antal", "kr"},
	"dan": {"og", "af", "ikke", "faktura", "fakturanummer", "fakturadato", "forfaldsdato", "beløb", "belob", "moms", "betale", "kunde", "dato", "tak", "antal", "kr"},
	"nor": {"og", "av", "ikke", "faktura", "fakturanummer", "fakturadato", "forfallsdato", "beløp", "belop", "mva", "betale", "kunde", "dato", "takk", "antall", "kr"},
	"tur": {"ve", "bir", "bu", "için", "icin", "fatura", "toplam", "tarih", "kdv", "nakit", "fiş", "fis", "tutar", "saat", "kredi", "kartı", "karti", "vergi", "dairesi", "teşekkür", "tesekkur", "ederiz", "adet", "ödeme", "odeme", "satış", "satis", "topkdv", "tl"},
}

// minLangWords is how many stopwords a page needs before its language is
// judged.
const minLangWords = 3

// guessLang returns the language of langs whose stopwords of two letters
// or more occur most often in text, or "" when no language has at least
// minLangWords of them (or one fewer, with no word of another language).
// Ties go to the earlier language of langs.
func guessLang(text string, langs []string) string {
	counts := map[string]int{}
	for w := range strings.FieldsFuncSeq(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		// A letter standing alone is as often OCR debris (a stroke of
		// a logo, "z" read from "2") as a word: the Polish "w", "z", "i"
		// and the Spanish "y" made a photographed English receipt
		// Polish, and the second pass in Polish lost its total.
		if utf8.RuneCountInString(w) > 1 {
			counts[w]++
		}
	}
	best, bestN, second := "", 0, 0
	for _, l := range langs {
		n := 0
		for _, w := range stopwords[l] {
			n += counts[w]
		}
		switch {
		case n > bestN:
			best, bestN, second = l, n, bestN
		case n > second:
			second = n
		}
	}
	// Enough words, or (on a short page such as a receipt) two words of
	// one language and none of any other.
	if bestN >= minLangWords || bestN == minLangWords-1 && second == 0 {
		return best
	}
	return ""
}
