package facts

// Currencies: the symbols, codes and words that mark a sum of money, and
// the document's currency.
//
// The data are two tables, isoCurrencies (the codes) and currencySigns
// (symbols and words), merged into currencyTabs().markers: each row is a mark as
// written and the ISO 4217 code it stands for. Some marks need care:
//
//   - "$" alone is USD, but in a document that also writes C$, A$, NZ$,
//     S$, HK$, MX$ or R$ (or a code of those) the bare "$" is read as
//     that dollar by DocCurrency. FindNumbers reports "$" as USD.
//   - "¥" alone and "円" are JPY; 元, RMB and CN¥ are CNY (and turn a bare ¥ in the
//     same document into CNY in DocCurrency).
//   - "kr" (and "kr.") is the Swedish, Norwegian or Danish crown:
//     CurrencyCodeIn resolves it from the language (sv → SEK, da → DKK,
//     no/nb/nn → NOK, is → ISK); without one of those it has no code
//     (FindNumbers still reports the number as money, Symbol "kr").
//   - "R" is the South African rand only before a number ("R 100"), never
//     after one; Rs (INR), RM (MYR) and Rp (IDR) likewise. Glued to the
//     digits, a letter sign needs decimals: "R150.00" is money, "R100" a
//     part number.
//   - Letter marks (kr, zł, Kč, Ft, Fr., RM, Rp, Rs…) are case-sensitive in
//     text; the ISO codes that the first version accepted in any case
//     (usd, eur, gbp, jpy, chf, cad, aud, sek, nok, dkk, inr) still are,
//     the other codes must be upper case next to a number.

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"nexusos/internal/lazyregexp"
)

// currencyMarker is one way of writing a currency.
type currencyMarker struct {
	text   string // as written
	code   string // ISO 4217 code; "" for kr, resolved by language
	fold   bool   // matches in any letter case
	isCode bool   // an ISO code (codes beat symbols in DocCurrency)
	before bool   // may stand before the number
	after  bool   // may stand after the number
	family string // "$", "¥" or "kr": marks that share a bare symbol
	bare   bool   // the bare symbol of its family ($, ¥, kr)
	free   bool   // counted anywhere in DocCurrency, not only next to a number
}

// isoCurrencies are the ISO 4217 codes read next to numbers and, upper
// case, anywhere in a document. The first eleven are matched in any case.
var isoCurrencies = []struct {
	code     string
	anyCase  bool
	family   string
	wordLike bool // an English word too (TRY, RUB, SAR, PHP): counted only next to a number
}{
	{"USD", true, "$", false}, {"EUR", true, "", false}, {"GBP", true, "", false}, {"JPY", true, "¥", false},
	{"CHF", true, "", false}, {"CAD", true, "$", false}, {"AUD", true, "$", false}, {"SEK", true, "kr", false},
	{"NOK", true, "kr", false}, {"DKK", true, "kr", false}, {"INR", true, "", false},
	{"NZD", false, "$", false}, {"PLN", false, "", false}, {"CZK", false, "", false}, {"HUF", false, "", false},
	{"BRL", false, "$", false}, {"MXN", false, "$", false}, {"CNY", false, "¥", false}, {"KRW", false, "", false},
	{"RUB", false, "", true}, {"TRY", false, "", true}, {"ZAR", false, "", false}, {"SGD", false, "$", false},
	{"HKD", false, "$", false}, {"AED", false, "", false}, {"SAR", false, "", true}, {"MYR", false, "", false},
	{"IDR", false, "", false}, {"THB", false, "", false}, {"ISK", false, "kr", false},
	{"COP", false, "$", false}, {"CLP", false, "$", false}, {"ARS", false, "$", false}, {"TWD", false, "$", false},
	{"PEN", false, "", false}, {"VES", false, "", false}, {"BDT", false, "", false}, {"PHP", false, "", true},
	{"NGN", false, "", false}, {"UAH", false, "", false}, {"ILS", false, "", false}, {"VND", false, "", false},
	{"EGP", false, "", false}, {"KES", false, "", false}, {"PKR", false, "", false},
}

// currencySigns are the symbols and words; b/a say whether the mark may
// stand before or after the number.
var currencySigns = []struct {
	text, code string
	b, a, fold bool
	family     string
}{
	{"$", "USD", true, true, false, "$"}, {"US$", "USD", true, true, false, "$"}, {"U$S", "USD", true, false, false, "$"},
	{"C$", "CAD", true, true, false, "$"}, {"CA$", "CAD", true, true, false, "$"},
	{"A$", "AUD", true, true, false, "$"}, {"AU$", "AUD", true, true, false, "$"},
	{"NZ$", "NZD", true, true, false, "$"}, {"S$", "SGD", true, true, false, "$"},
	{"HK$", "HKD", true, true, false, "$"}, {"MX$", "MXN", true, true, false, "$"},
	{"R$", "BRL", true, true, false, "$"},
	{"€", "EUR", true, true, false, ""}, {"£", "GBP", true, true, false, ""},
	{"¥", "JPY", true, true, false, "¥"}, {"JP¥", "JPY", true, true, false, "¥"},
	{"CN¥", "CNY", true, true, false, "¥"}, {"元", "CNY", true, true, false, "¥"}, {"円", "JPY", false, true, false, ""}, {"RMB", "CNY", true, true, false, "¥"},
	{"Fr.", "CHF", true, true, false, ""}, {"SFr.", "CHF", true, true, false, ""}, {"sFr.", "CHF", true, true, false, ""},
	{"kr", "", true, true, false, "kr"}, {"kr.", "", true, true, false, "kr"}, {"Kr.", "", true, false, false, "kr"},
	{"zł", "PLN", true, true, false, ""}, {"Kč", "CZK", true, true, false, ""}, {"Ft", "HUF", false, true, false, ""},
	// Kč as ASCII text and as OCR reads its háček ("Kc", "Ké", "K¢")
	{"Kc", "CZK", false, true, false, ""}, {"Ké", "CZK", true, true, false, ""}, {"K¢", "CZK", true, true, false, ""},
	{"₹", "INR", true, true, false, ""}, {"Rs.", "INR", true, false, false, ""}, {"Rs", "INR", true, false, false, ""},
	{"₩", "KRW", true, true, false, ""}, {"₽", "RUB", true, true, false, ""}, {"₺", "TRY", true, true, false, ""}, {"TL", "TRY", false, true, false, ""},
	{"R", "ZAR", true, false, false, ""}, {"RM", "MYR", true, false, false, ""}, {"Rp", "IDR", true, false, false, ""},
	{"Rp.", "IDR", true, false, false, ""}, {"฿", "THB", true, true, false, ""},
	{"NT$", "TWD", true, true, false, "$"}, {"₱", "PHP", true, true, false, ""}, {"৳", "BDT", true, true, false, ""},
	{"₦", "NGN", true, true, false, ""}, {"₴", "UAH", true, true, false, ""}, {"₪", "ILS", true, true, false, ""},
	{"₫", "VND", true, true, false, ""},
	// Peru's sol, before the number ("S/ 236.00", "S/. 236.00")
	{"S/", "PEN", true, false, false, ""}, {"S/.", "PEN", true, false, false, ""}, {"soles", "PEN", false, true, true, ""},
	// Japanese character sets put ¥ where ASCII has the backslash, and
	// fonts and OCR show it as one ("\\42,820"): the yen in a Japanese
	// document (markerCode), nothing elsewhere.
	{"\\", "", true, false, false, ""},
	{"euro", "EUR", false, true, true, ""}, {"euros", "EUR", false, true, true, ""},
	{"dollar", "USD", false, true, true, "$"}, {"dollars", "USD", false, true, true, "$"},
	{"pounds", "GBP", false, true, true, ""},
}

// krByLang resolves the bare crown sign "kr" from the document language
// (or country-level language code given by the caller).
var krByLang = map[string]string{"sv": "SEK", "da": "DKK", "no": "NOK", "nb": "NOK", "nn": "NOK", "is": "ISK"}

// currencyTables hold every mark, longest text first, so that "US$" wins
// over "$" and "Rs." over "Rs" and "R"; lookup maps a lower-cased text to
// its mark; byFirst and byLast index the marks by the first and last byte
// of their text (both cases for case-free marks). They are built on first
// use (currencyTabs), not at every start of the binary.
type currencyTables struct {
	markers         []currencyMarker
	lookup          map[string]*currencyMarker
	byFirst, byLast [256][]int
}

var currencyTabs = sync.OnceValue(buildCurrencyTables)

func buildCurrencyTables() *currencyTables {
	t := &currencyTables{lookup: map[string]*currencyMarker{}}
	for _, c := range isoCurrencies {
		t.markers = append(t.markers, currencyMarker{text: c.code, code: c.code, fold: c.anyCase,
			isCode: true, before: true, after: true, family: c.family, free: !c.wordLike})
	}
	for _, s := range currencySigns {
		bare := s.text == "$" || s.text == "¥" || strings.EqualFold(strings.TrimSuffix(s.text, "."), "kr")
		free := unmistakable(s.text)
		t.markers = append(t.markers, currencyMarker{text: s.text, code: s.code, fold: s.fold,
			before: s.b, after: s.a, family: s.family, bare: bare, free: free})
	}
	sort.SliceStable(t.markers, func(i, j int) bool {
		return len(t.markers[i].text) > len(t.markers[j].text)
	})
	for i, m := range t.markers {
		for _, w := range []string{m.text, strings.ToLower(m.text), strings.ToUpper(m.text)} {
			if f := w[0]; !slices.Contains(t.byFirst[f], i) && (w == m.text || m.fold) {
				t.byFirst[f] = append(t.byFirst[f], i)
			}
			if l := w[len(w)-1]; !slices.Contains(t.byLast[l], i) && (w == m.text || m.fold) {
				t.byLast[l] = append(t.byLast[l], i)
			}
		}
	}
	for i := range t.markers {
		k := strings.ToLower(t.markers[i].text)
		if _, dup := t.lookup[k]; !dup {
			t.lookup[k] = &t.markers[i]
		}
	}
	return t
}

// CurrencyCode maps a currency symbol, code or word to its ISO 4217
// code, in any letter case: "$" → USD, "€" → EUR, "zł" → PLN, "R$" →
// BRL. The crown sign "kr" has no code without a language (see
// CurrencyCodeIn) and reports false.
func CurrencyCode(s string) (string, bool) { return CurrencyCodeIn(s, "") }

// CurrencyCodeIn is CurrencyCode knowing the document language, which
// resolves "kr": sv → SEK, da → DKK, no/nb/nn → NOK, is → ISK.
func CurrencyCodeIn(s, lang string) (string, bool) {
	m, ok := currencyTabs().lookup[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return "", false
	}
	c := markerCode(m, lang)
	return c, c != ""
}

// cjkMarks are the currency marks written as a Chinese character: letters
// to Unicode, but no word of their own.
const cjkMarks = "元円"

// unmistakable reports a mark that names its currency wherever it stands
// in a text: one without letters, or a Chinese character of cjkMarks; not
// the backslash, which is the yen only in Japanese text and next to a
// number (markerCode).
func unmistakable(mark string) bool {
	return mark != "\\" && (strings.IndexFunc(mark, unicode.IsLetter) < 0 || strings.Contains(cjkMarks, mark))
}

func markerCode(m *currencyMarker, lang string) string {
	switch {
	case m.family == "kr" && m.code == "":
		return krByLang[lang]
	case m.text == "\\" && lang == "ja":
		return "JPY"
	}
	return m.code
}

// letterAt reports whether the rune at byte offset i of s is a letter.
func letterAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// letterBefore reports whether the rune ending at byte offset i of s is a
// letter.
func letterBefore(s string, i int) bool {
	if i <= 0 || i > len(s) {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r)
}

// markerMatches reports whether m is written at s[i:i+len(m.text)].
func markerMatches(s string, i int, m *currencyMarker) bool {
	if i < 0 || i+len(m.text) > len(s) {
		return false
	}
	t := s[i : i+len(m.text)]
	if t == m.text {
		return true
	}
	return m.fold && strings.EqualFold(t, m.text)
}

// firstIsLetter and lastIsLetter report whether a mark's first or last
// rune is a letter (it then needs a non-letter next to it in text).
func firstIsLetter(t string) bool { return letterAt(t, 0) }
func lastIsLetter(t string) bool  { return letterBefore(t, len(t)) }

// Roles of a mark next to a number.
const (
	roleAny    = 0
	roleBefore = 1 // the mark precedes the number
	roleAfter  = 2 // the mark follows the number
)

func (m *currencyMarker) allows(role int) bool {
	return role == roleAny || role == roleBefore && m.before || role == roleAfter && m.after
}

// markerEndingAt returns the longest mark for role that ends at byte
// offset end of s and is not glued to a letter on its left, with its start.
func markerEndingAt(s string, end, role int) (*currencyMarker, int) {
	if end <= 0 || end > len(s) {
		return nil, 0
	}
	for _, i := range currencyTabs().byLast[s[end-1]] {
		m := &currencyTabs().markers[i]
		st := end - len(m.text)
		if !m.allows(role) || !markerMatches(s, st, m) {
			continue
		}
		if firstIsLetter(m.text) && letterBefore(s, st) {
			continue
		}
		return m, st
	}
	return nil, 0
}

// markerStartingAt returns the longest mark for role that starts at byte
// offset start of s and is not glued to a letter on its right, with its
// end.
func markerStartingAt(s string, start, role int) (*currencyMarker, int) {
	if start < 0 || start >= len(s) {
		return nil, 0
	}
	for _, i := range currencyTabs().byFirst[s[start]] {
		m := &currencyTabs().markers[i]
		if !m.allows(role) || !markerMatches(s, start, m) {
			continue
		}
		e := start + len(m.text)
		if lastIsLetter(m.text) && letterAt(s, e) {
			continue
		}
		return m, e
	}
	return nil, 0
}

// DocCurrency returns the ISO 4217 code of the currency text is written
// in, or "" when it names none. ISO codes count anywhere (upper case, as
// whole words; TRY, RUB and SAR only next to a number); symbols without
// letters ($ € £ ¥ ₹…) count anywhere, letter symbols (kr, zł, Kč, Ft,
// R…) only next to a number. The most frequent code wins, and any code
// beats every symbol; among symbols, a bare "$" or "¥" counts for the
// most frequent specific dollar or yuan/yen of the document (C$, A$,
// CN¥…), else for USD or JPY. lang resolves "kr" (see CurrencyCodeIn).
func DocCurrency(text, lang string) string {
	codes := map[string]int{}
	signs := map[string]int{}
	bare := map[string]int{} // family → count of the bare symbol
	first := map[string]int{}
	note := func(m map[string]int, c string, at int) {
		m[c]++
		if _, ok := first[c]; !ok {
			first[c] = at
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r >= 'A' && r <= 'Z':
			if letterBefore(text, i) {
				break
			}
			if m, e := markerStartingAt(text, i, roleAny); m != nil && m.isCode && m.free && text[i:e] == m.text {
				note(codes, m.code, i)
				i = e
				continue
			}
		case r == '$' || r >= 0x80 && (!unicode.IsLetter(r) || strings.ContainsRune(cjkMarks, r)):
			if m, e := markerStartingAt(text, i, roleAny); m != nil && m.free && !m.isCode {
				if m.bare {
					note(bare, m.family, i)
				} else {
					note(signs, m.code, i)
				}
				i = e
				continue
			}
		}
		i += size
	}
	// Letter marks, lower-case codes and word-like codes count when a
	// number carries them.
	for _, n := range FindNumbers(text, lang) {
		m := currencyTabs().lookup[strings.ToLower(n.Symbol)]
		if m == nil || m.free && (!m.isCode || n.Symbol == m.text) {
			continue // none, or counted above
		}
		switch {
		case m.isCode:
			note(codes, m.code, n.Start)
		case m.bare && m.family != "kr":
			note(bare, m.family, n.Start)
		default:
			if c := markerCode(m, lang); c != "" {
				note(signs, c, n.Start)
			}
		}
	}
	// A unit in brackets heads a column of amounts ("Amt(RM)", "Price
	// (EUR)", "Betrag (€)"): it counts twice, for the column.
	for _, m := range reBracketUnit.FindAllStringSubmatchIndex(text, -1) {
		u := text[m[2]:m[3]]
		mk := currencyTabs().lookup[strings.ToLower(u)]
		if mk == nil || !mk.fold && mk.text != u {
			continue
		}
		c := markerCode(mk, lang)
		switch {
		case c == "":
		case mk.isCode:
			note(codes, c, m[0])
			codes[c]++
		default:
			note(signs, c, m[0])
			signs[c]++
		}
	}
	if c := topCount(codes, first); c != "" {
		return c
	}
	for fam, k := range bare {
		best, bn := "", 0
		for c, cn := range signs {
			if currencyFamily(c) == fam && (cn > bn || cn == bn && first[c] < first[best]) {
				best, bn = c, cn
			}
		}
		if best == "" {
			switch fam {
			case "$":
				best = "USD"
			case "¥":
				best = "JPY"
			}
		}
		if best != "" {
			if _, ok := first[best]; !ok {
				// After every mark that names its currency, in the
				// order the bare marks first appear (a "$" and an OCR
				// "¥" once each: the map's order must not decide).
				first[best] = len(text) + first[fam]
			}
			signs[best] += k
		}
	}
	return topCount(signs, first)
}

// reBracketUnit is a currency mark alone in brackets.
var reBracketUnit = lazyregexp.New(`\(\s*([^()\s\d]{1,4})\s*\)`)

// currencyFamily returns the bare-symbol family of an ISO code.
func currencyFamily(code string) string {
	for _, c := range isoCurrencies {
		if c.code == code {
			return c.family
		}
	}
	return ""
}

// topCount returns the key with the highest count, the earliest first
// seen on ties.
func topCount(counts map[string]int, first map[string]int) string {
	best, n := "", 0
	for c, k := range counts {
		if k > n || k == n && (first[c] < first[best] || first[c] == first[best] && c < best) {
			best, n = c, k
		}
	}
	return best
}
