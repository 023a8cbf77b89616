package facts

// Language detection for the readers of dates, numbers and currencies.
//
// DetectLanguage counts, in the first 20 KB of a text, the words of a
// short list per language — function words ("the", "und", "les", "het",
// "del", "della", "się", "não") and the commonest words of invoices
// ("invoice", "Rechnung", "facture") — plus the letters with diacritics
// that only some languages use (ß, ñ, ł, ã…). The lists are data
// (langWords, langLetters); adding a language is adding rows. The
// language with the most evidence wins when it is clearly ahead of the
// runner-up; otherwise the answer is "" (unsure). Japanese is told by its
// script instead: kana, and Chinese characters at least as many as Latin
// letters.

import (
	"strings"
	"sync"
	"unicode"
)

// Languages lists the ISO 639-1 codes DetectLanguage can return, in a
// fixed order (the bit order of the word index).
var Languages = []string{"en", "de", "fr", "nl", "es", "it", "pl", "pt", "cs", "ro", "hu", "fi", "sv", "da", "no", "tr", "ja"}

// scriptLanguages are told by their script rather than by words, and
// write months as numbers ("5月"): they have no rows in langWords or the
// month names.
var scriptLanguages = map[string]bool{"ja": true}

// langWords are the words counted for each language, lower case. A word
// may appear under several languages ("de", "la", "in"); it then counts
// for each of them, and the words only one language has decide.
var langWords = map[string]string{
	"en": `the and of to is are for with this that you your be by at from please thank we our will have has
		or not an which invoice due amount paid payment bill receipt total tax date number balance subtotal
		terms customer order items description quantity price thanks dear regards`,
	"de": `der die das und ist nicht mit von den dem des ein eine einen einer für auf zu im bei sie wir ihre ihr
		bitte oder auch rechnung rechnungsnummer rechnungsdatum datum betrag summe gesamt gesamtbetrag mwst ust
		zahlung zahlbar fällig bis nach über vielen dank netto brutto steuer kunde lieferung leistung menge
		preis einzelpreis zwischensumme überweisung innerhalb tagen sehr geehrte grüßen
		uhr gmbh beleg kundenbeleg kartenzahlung erfolgt gegeben rückgeld kasse filiale einkauf aufbewahren`,
	"fr": `le la les des du de et est une un pour sur avec par dans au aux ce cette vous votre nous notre pas qui
		que facture montant échéance paiement tva ht ttc merci payer règlement client date quantité prix
		total sous à en numéro conditions règlement escompte pénalités retard
		caisse rendu espèces carte`,
	"nl": `de het een en van is niet met voor op aan te dat die zijn wij we u uw ons onze bij naar ook factuur
		factuurnummer factuurdatum bedrag datum totaal btw betaling vervaldatum graag bedankt excl incl
		omschrijving aantal prijs binnen dagen te voldoen klant
		kassa wisselgeld pinnen kassabon`,
	"es": `el la los las de del y en es un una por para con que su sus al se no lo factura importe fecha total
		pago iva gracias cliente vencimiento nuestro usted número cantidad precio descripción base imponible
		forma
		efectivo cambio tarjeta compra`,
	"it": `il lo la gli le di del della dei delle e è un una per con che non si su al alla da in sono fattura
		importo data totale pagamento iva grazie cliente scadenza nostro vostro numero quantità prezzo
		descrizione imponibile
		scontrino contanti resto`,
	"pl": `i w z na do się nie jest to że o od po za dla oraz lub przez faktura kwota data razem suma netto
		brutto vat płatność termin zapłaty sprzedawca nabywca dziękujemy sprzedaży wystawienia ilość cena
		nazwa wartość słownie zapłacono sposób przelew dni
		paragon fiskalny gotówka reszta`,
	"cs": `a je se na v že to s z do pro jako ale faktura daňový doklad dodavatel odběratel datum vystavení
		splatnosti celkem úhradě dph částka množství cena děkujeme číslo účtu variabilní symbol`,
	"ro": `și în la cu pe nu este un o pentru care factura factură furnizor cumpărător data scadență total plată
		tva valoare cantitate preț mulțumim nr cod fiscal seria cont banca`,
	"hu": `a az és hogy nem is van egy ez számla számlaszám kelte fizetési határidő összesen nettó bruttó áfa
		fizetendő vevő eladó teljesítés dátum összeg köszönjük mennyiség egységár`,
	"fi": `ja on ei se että kuin mutta tai myös lasku laskun päivämäärä eräpäivä yhteensä alv maksettava
		viitenumero tilinumero summa hinta määrä kiitos asiakas toimitus kpl veroton maksu`,
	"sv": `och att det som en är på för med inte av till har faktura fakturanummer fakturadatum förfallodatum
		belopp summa moms betala kund datum tack antal pris`,
	"da": `og at det som en er på for med ikke af til har faktura fakturanummer fakturadato forfaldsdato beløb
		moms betale kunde dato tak antal pris`,
	"no": `og i det som en er på for med ikke av til har faktura fakturanummer fakturadato forfallsdato beløp
		mva betale kunde dato takk antall pris sum kontonummer`,
	"tr": `ve bir bu için ile da de olarak fatura faturası tarih tarihi toplam tutar tutarı kdv nakit fiş fişi
		saat kredi kartı vergi dairesi numarası teşekkür ederiz adet ödeme ödenecek satış alıcı satıcı sayın genel ara`,
	"pt": `o a os as de do da dos das e em no na um uma para com por que não é ao fatura factura valor data
		total pagamento iva obrigado obrigada cliente vencimento nosso seu sua número quantidade preço
		descrição contribuinte
		troco dinheiro cupom talão`,
}

// langLetters are letters that point at a language; each occurrence
// counts one point for every language listed.
var langLetters = map[rune]string{
	'ß': "de", 'ä': "de", 'ö': "de", 'ü': "de",
	'é': "fr es it pt", 'è': "fr it", 'ê': "fr pt", 'ç': "fr pt", 'à': "fr it pt", 'ù': "fr it", 'û': "fr",
	'î': "fr", 'ô': "fr pt", 'œ': "fr", 'ë': "nl fr", 'ï': "nl fr",
	'ñ': "es", 'á': "es pt", 'í': "es pt", 'ó': "es pt pl", 'ú': "es pt", '¿': "es", '¡': "es",
	'ì': "it", 'ò': "it",
	'ą': "pl", 'ę': "pl", 'ł': "pl", 'ń': "pl", 'ś': "pl", 'ź': "pl", 'ż': "pl", 'ć': "pl",
	'ě': "cs", 'ř': "cs", 'ů': "cs", 'č': "cs", 'š': "cs", 'ž': "cs", 'ý': "cs",
	'ă': "ro", 'ș': "ro", 'ț': "ro", 'ş': "ro tr", 'ţ': "ro", 'ğ': "tr", 'ı': "tr",
	'ő': "hu", 'ű': "hu",
	'å': "sv da no", 'ø': "da no", 'æ': "da no",
	'ã': "pt", 'õ': "pt", 'â': "pt",
}

// langIndex maps a word or letter to the bit set of its languages. Built
// on first use (langIndexes).
type langIndex struct {
	words   map[string]uint32
	letters map[rune]uint32
}

var langIndexes = sync.OnceValue(buildLangIndex)

func buildLangIndex() *langIndex {
	x := &langIndex{words: map[string]uint32{}, letters: map[rune]uint32{}}
	bit := map[string]uint32{}
	for i, l := range Languages {
		bit[l] = 1 << i
	}
	for l, ws := range langWords {
		for _, w := range strings.Fields(ws) {
			x.words[w] |= bit[l]
		}
	}
	for r, ls := range langLetters {
		for _, l := range strings.Fields(ls) {
			x.letters[r] |= bit[l]
		}
	}
	return x
}

const (
	langScanBytes = 20 << 10 // DetectLanguage reads at most this much
	langWordScore = 2        // points for a listed word
	langMinScore  = 6        // fewer points than this: unsure
	langMinKana   = 3        // fewer kana than this: not Japanese
)

// DetectLanguage returns the ISO 639-1 code of the language text is
// written in, among Languages, or "" when the evidence is too thin or too
// close between two languages. It reads at most the first 20 KB.
func DetectLanguage(text string) string {
	if len(text) > langScanBytes {
		text = text[:langScanBytes] // a cut rune reads as U+FFFD: harmless
	}
	var score [32]int
	add := func(set uint32, pts int) {
		for i := 0; set != 0; i, set = i+1, set>>1 {
			if set&1 != 0 {
				score[i] += pts
			}
		}
	}
	var word []rune
	kana, cjk, latin := 0, 0, 0
	flush := func() {
		if len(word) > 0 && len(word) <= 24 {
			if set, ok := langIndexes().words[string(word)]; ok {
				add(set, langWordScore)
			}
		}
		word = word[:0]
	}
	for _, r := range text {
		if unicode.IsLetter(r) {
			switch {
			case IsCJK(r):
				cjk++
				if !unicode.Is(unicode.Han, r) {
					kana++
				}
			case r < 0x250:
				latin++
			}
			r = unicode.ToLower(r)
			word = append(word, r)
			if r >= 0x80 {
				if set, ok := langIndexes().letters[r]; ok {
					add(set, 1)
				}
			}
			continue
		}
		flush()
	}
	flush()
	// Japanese is told by its script: kana, with Chinese characters, as
	// much as Latin letters (invoice numbers and addresses are Latin).
	if kana >= langMinKana && cjk >= latin {
		return "ja"
	}
	best, second := -1, 0
	for i := range Languages {
		switch {
		case best < 0 || score[i] > score[best]:
			if best >= 0 {
				second = score[best]
			}
			best = i
		case score[i] > second:
			second = score[i]
		}
	}
	if best < 0 || score[best] < langMinScore || score[best]*4 < second*5 {
		return "" // too little evidence, or the runner-up is within 25 %
	}
	return Languages[best]
}
