package facts

// Numbers as documents write them: 1,234.56 (English), 1.234,56 (German,
// Dutch, Spanish, Italian, Portuguese), 1 234,56 (French, Polish; with a
// space, a no-break space U+00A0 or a narrow no-break space U+202F),
// 1'234.56 and 1’234.56 (Swiss), 1,23,456.00 (Indian), 1234, 1234,5,
// .50, and the signs -12.00, −12.00 (U+2212), (12.00), 12.00- and +12.
//
// Which mark is the decimal one:
//
//   - with both "." and ",", the last one; with a space or an apostrophe
//     grouping, the "." or "," after it;
//   - a mark written twice groups thousands (1.234.567, 1,234,567);
//   - a single mark followed by other than three digits is decimal
//     (12.5, 12,50, 1234,5), and so is one after more than three digits
//     or a leading zero (1234.567, 0,125);
//   - a single mark followed by exactly three digits after one to three
//     digits is ambiguous (1,234 / 1.234). It is read by language: in
//     English and unknown languages "," groups thousands and "." is
//     decimal; in languages writing a decimal comma (de, fr, nl, es, it,
//     pl, pt…) "." groups thousands and "," is decimal, so de "1,234" is
//     1.234. Next to a currency mark it always groups thousands ("1.200 €",
//     "$1,200"): the currencies read here have no third decimal.
//
// FindNumbers finds the numbers of a text that can be sums of money, with
// an adjacent currency mark (see currency.go). It skips what only looks
// like one: dates, times, phone numbers, IBANs, percentages, numbers glued
// to letters or joined to other numbers by - or / (INV2025, AB-12-345,
// 10kg, 3rd, 12/2025), version numbers (1.2.3) and numbers with leading
// zeros (0042). A plain space groups thousands only in the languages that
// write it so (fr, pl, pt, es…) or next to a currency mark; elsewhere
// "2 100,00" is two numbers (a quantity column and a price).

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"nexusos/internal/lazyregexp"
)

// Number is a number found in text.
type Number struct {
	Value float64
	// Start and End are the byte offsets of the whole token: sign,
	// parentheses and currency mark included.
	Start, End int
	Decimals   int    // digits after the decimal mark ("150,-" counts as 2)
	Currency   string // ISO 4217 code of an adjacent currency mark, "" if none or unresolved ("kr" without language)
	Symbol     string // the currency mark as written ("$", "EUR", "kr"), "" if none
}

// commaDecimalLangs write a decimal comma: "." groups thousands in an
// ambiguous "1.234".
var commaDecimalLangs = map[string]bool{"de": true, "fr": true, "nl": true, "es": true, "it": true, "pl": true, "pt": true,
	"sv": true, "da": true, "no": true, "nb": true, "nn": true, "fi": true, "cs": true, "sk": true, "hu": true, "ru": true,
	"tr": true, "id": true, "is": true, "ro": true, "hr": true, "sl": true}

// spaceGroupLangs group thousands with a plain space.
var spaceGroupLangs = map[string]bool{"fr": true, "pl": true, "pt": true, "es": true,
	"sv": true, "no": true, "nb": true, "nn": true, "fi": true, "cs": true, "sk": true, "hu": true, "ru": true}

// Separator kinds inside a number.
const (
	sepPoint = '.'
	sepComma = ','
	sepSpace = 's' // space, U+00A0, U+202F, U+2009
	sepQuote = 'q' // ' and ’
)

func sepKind(r rune) byte {
	switch r {
	case '.':
		return sepPoint
	case ',':
		return sepComma
	case ' ', '\u00a0', '\u202f', '\u2009':
		return sepSpace
	case '\'', '’':
		return sepQuote
	}
	return 0
}

// parseCore reads digits and separators (no sign, no currency). money
// makes an ambiguous single mark before three digits a thousands mark.
// spaced reports a plain-space thousands grouping.
func parseCore(core, lang string, money bool) (v float64, decimals int, spaced, ok bool) {
	var groups []string
	var seps []byte
	start := -1
	for i, r := range core {
		if r >= '0' && r <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		k := sepKind(r)
		if k == 0 {
			return 0, 0, false, false
		}
		if start < 0 {
			if i != 0 || (k != sepPoint && k != sepComma) {
				return 0, 0, false, false
			}
			groups = append(groups, "") // ".50"
		} else {
			groups = append(groups, core[start:i])
		}
		start = -1
		seps = append(seps, k)
		spaced = spaced || r == ' '
	}
	if start < 0 {
		return 0, 0, false, false // empty, or ends with a separator
	}
	groups = append(groups, core[start:])
	n := len(seps)
	intGroups, intSeps, frac := groups, seps, ""
	if n > 0 && (seps[n-1] == sepPoint || seps[n-1] == sepComma) {
		last := seps[n-1]
		other := byte(sepComma)
		if last == sepComma {
			other = sepPoint
		}
		decimal := false
		switch {
		case groups[0] == "":
			decimal = n == 1
		case countByte(seps[:n-1], other) > 0 || countByte(seps[:n-1], sepSpace) > 0 || countByte(seps[:n-1], sepQuote) > 0:
			decimal = true
		case countByte(seps, last) > 1:
			decimal = false
		case len(groups[n]) != 3, len(groups[0]) > 3, groups[0][0] == '0':
			decimal = true
		case money:
			decimal = false
		case commaDecimalLangs[lang]:
			decimal = last == sepComma
		default:
			decimal = last == sepPoint
		}
		if decimal {
			intGroups, intSeps, frac = groups[:n], seps[:n-1], groups[n]
		}
	}
	if len(intSeps) > 0 && !validGrouping(intGroups, intSeps) {
		return 0, 0, false, false
	}
	if len(intSeps) == 0 || intSeps[0] != sepSpace {
		spaced = false
	}
	digits := strings.Join(intGroups, "")
	if digits == "" {
		digits = "0"
	}
	if frac != "" {
		digits += "." + frac
	}
	v, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		return 0, 0, false, false
	}
	return v, len(frac), spaced, true
}

func countByte(bs []byte, b byte) int {
	n := 0
	for _, x := range bs {
		if x == b {
			n++
		}
	}
	return n
}

// validGrouping checks thousands groups: one kind of separator, a first
// group of one to three digits without a leading zero, then groups of
// three; or the Indian 1,23,45,678 (commas, groups of two, then three).
func validGrouping(groups []string, seps []byte) bool {
	for _, s := range seps {
		if s != seps[0] {
			return false
		}
	}
	g0 := groups[0]
	if len(g0) < 1 || len(g0) > 3 || g0[0] == '0' {
		return false
	}
	threes := true
	for _, g := range groups[1:] {
		threes = threes && len(g) == 3
	}
	if threes {
		return true
	}
	if seps[0] != sepComma || len(g0) > 2 || len(groups[len(groups)-1]) != 3 {
		return false
	}
	for _, g := range groups[1 : len(groups)-1] {
		if len(g) != 2 {
			return false
		}
	}
	return true
}

// isMinus reports a minus sign: -, − (U+2212) or – (U+2013).
func isMinus(r rune) bool { return r == '-' || r == '−' || r == '–' }

// ParseNumber reads s as one number (see the file comment for the
// formats), in the conventions of lang (ISO 639-1, "" for unknown). One
// currency mark before or after the number is allowed ("€ 1.234,56",
// "12 zł"). It reports false for anything else.
func ParseNumber(s string, lang string) (float64, bool) {
	neg, signed, money := false, false, false
	s = strings.TrimSpace(s)
	for changed := true; changed && s != ""; {
		changed = false
		switch r, size := utf8.DecodeRuneInString(s); {
		case r == '(' && strings.HasSuffix(s, ")"):
			if signed {
				return 0, false
			}
			neg, signed, s, changed = true, true, s[1:len(s)-1], true
		case isMinus(r) || r == '+':
			if signed {
				return 0, false
			}
			neg, signed, s, changed = r != '+', true, s[size:], true
		default:
			if r, size := utf8.DecodeLastRuneInString(s); isMinus(r) {
				if signed {
					return 0, false
				}
				neg, signed, s, changed = true, true, s[:len(s)-size], true
			} else if m, e := markerStartingAt(s, 0, roleBefore); m != nil && !money {
				money, s, changed = true, s[e:], true
			} else if m, st := markerEndingAt(s, len(s), roleAfter); m != nil && !money && st > 0 {
				money, s, changed = true, s[:st], true
			}
		}
		s = strings.TrimSpace(s)
	}
	if s == "" || !strings.ContainsAny(s[:1], "0123456789.,") {
		return 0, false
	}
	v, _, _, ok := parseCore(s, lang, money)
	if !ok {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// span is a byte range of text.
type span struct{ start, end int }

// Patterns of what is not a sum of money: phone numbers and IBANs. Each
// is anchored and tried only where it can start (see numberExclusions);
// when a pattern has a group, the group is the span.
var (
	// +49 30 1234567, +33 (0)6 12 34 56 78, +1-555-123-4567 (7 digits or more)
	rePhoneIntl = lazyregexp.New(`^\+[1-9]\d{0,2}(?:[ \-./]?\(?\d{1,5}\)?){2,7}`)
	// (555) 123-4567
	rePhoneParen = lazyregexp.New(`^\(\d{3}\)\s?\d{3}[\s.\-]\d{4}`)
	// 555-123-4567, 555.123.4567
	rePhoneUS = lazyregexp.New(`^\d{3}[.\-]\d{3}[.\-]\d{4}`)
	// national numbers with a trunk zero: 030 1234567, 06 12 34 56 78, 0800-123-456 (7 digits or more)
	rePhoneNational = lazyregexp.New(`^0\d{1,4}(?:[ /\-]\d{2,8}){1,5}`)
	// after a phone label, whatever the layout (6 digits or more)
	rePhoneLabelled = lazyregexp.New(`^\p{L}+\.?\s*(?:(?i:no|nr)\.?|(?i:number))?\s*[:.]?\s*(\+?[\d(][\d ()\-./]{5,}\d)`)
	// the year after a month name, read from the end of the name
	reYearAfterMonth = lazyregexp.New(`^\.?,?\s{0,3}((?:19|20|21)\d\d)`)
	// IBAN: DE89 3704 0044 0532 0130 00
	reIBAN = lazyregexp.New(`^[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?`)
)

// phoneLabels are the words that introduce a phone number, lower case.
var phoneLabels = map[string]bool{"tel": true, "tél": true, "phone": true, "telephone": true, "téléphone": true,
	"fax": true, "mobile": true, "mob": true, "cell": true, "handy": true, "telefon": true, "telefoon": true,
	"telefone": true, "teléfono": true, "telefono": true, "tfn": true, "mobil": true, "portable": true,
	"celular": true, "cellulare": true, "tel.": true}

// numberExclusions returns the spans of text where no number is money:
// dates, phone numbers and IBANs, sorted by start.
func numberExclusions(text, lang string) []span {
	var out []span
	for _, d := range FindDatesIn(text, DateOptions{Lang: lang}) {
		out = append(out, span{d.Start, d.End})
	}
	try := func(re *lazyregexp.Regexp, i, minDigits int) {
		loc := re.FindStringSubmatchIndex(text[i:min(len(text), i+96)])
		if loc == nil {
			return
		}
		s, e := loc[0], loc[1]
		if len(loc) > 2 && loc[2] >= 0 {
			s, e = loc[2], loc[3]
		}
		if countDigits(text[i+s:i+e]) >= minDigits && (i+e == len(text) || !isDigitByte(text[i+e])) {
			out = append(out, span{i + s, i + e})
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '+':
			try(rePhoneIntl, i, 7)
		case c == '(':
			try(rePhoneParen, i, 0)
		case isDigitByte(c):
			if i > 0 && (isDigitByte(text[i-1]) || letterBefore(text, i)) {
				continue
			}
			if c == '0' {
				try(rePhoneNational, i, 7)
			}
			try(rePhoneUS, i, 0)
		case c < 0x80 && !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'):
			// punctuation
		case !letterBefore(text, i) && letterAt(text, i):
			if c >= 'A' && c <= 'Z' && i+3 < len(text) && text[i+1] >= 'A' && text[i+1] <= 'Z' && isDigitByte(text[i+2]) && isDigitByte(text[i+3]) {
				try(reIBAN, i, 0)
				continue
			}
			e := i
			for e < len(text) && e-i <= 12 && letterAt(text, e) {
				_, size := utf8.DecodeRuneInString(text[e:])
				e += size
			}
			if phoneLabels[strings.ToLower(text[i:e])] {
				try(rePhoneLabelled, i, 6)
			} else if _, ok := MonthByName(text[i:e]); ok && e-i >= 3 {
				// "November 2025": the year is no amount (but "set 2000 €" is).
				if loc := reYearAfterMonth.FindStringSubmatchIndex(text[e:min(len(text), e+16)]); loc != nil {
					ye := e + loc[3]
					k := ye
					if k < len(text) && text[k] == ' ' {
						k++
					}
					if m, _ := markerStartingAt(text, k, roleAfter); m == nil && (ye == len(text) || !isDigitByte(text[ye])) {
						out = append(out, span{e + loc[2], ye})
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// overlapsSpan reports whether [s, e) overlaps one of spans (sorted by
// start).
func overlapsSpan(spans []span, s, e int) bool {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].start >= e })
	for j := i - 1; j >= 0; j-- {
		if spans[j].end > s {
			return true
		}
		if spans[j].start+64 < s { // spans are short: stop looking back
			break
		}
	}
	return false
}

// FindNumbers returns the numbers in text that can be sums of money, in
// text order and not overlapping, read in the conventions of lang (see
// the file comment).
func FindNumbers(text string, lang string) []Number {
	excl := numberExclusions(text, lang)
	var out []Number
	floor := 0
	for i := 0; i < len(text); {
		c := text[i]
		if !(c >= '0' && c <= '9' || c == '.' && i+1 < len(text) && isDigitByte(text[i+1]) && (i == 0 || !isDigitByte(text[i-1]))) {
			i++
			continue
		}
		e := scanNumberCore(text, i)
		next := e
		if k := strings.IndexByte(text[i:e], ' '); k >= 0 {
			next = i + k // on failure, go on with the next space-separated part
		}
		for end := e; end > i; {
			if n, ok := numberAt(text, i, end, lang, excl, floor); ok {
				out = append(out, n)
				floor, next = n.End, n.End
				break
			}
			k := strings.LastIndexByte(text[i:end], ' ')
			if k <= 0 {
				break
			}
			end = i + k
		}
		i = max(next, i+1)
	}
	return out
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// scanNumberCore returns the end of the digits and separators starting at
// i: a separator counts when a digit follows it; a plain space only when
// exactly three digits follow it, and at most maxSpaceGroups times (a
// column of numbers is not one number).
func scanNumberCore(text string, i int) int {
	const maxSpaceGroups = 5
	e, spaces := i, 0
	for e < len(text) {
		if isDigitByte(text[e]) {
			e++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[e:])
		if sepKind(r) == 0 || e+size >= len(text) || !isDigitByte(text[e+size]) {
			break
		}
		if r == ' ' {
			g := e + size
			if spaces == maxSpaceGroups || g+3 > len(text) || !isDigitByte(text[g+1]) || !isDigitByte(text[g+2]) ||
				g+3 < len(text) && isDigitByte(text[g+3]) {
				break
			}
			spaces++
		}
		e += size
	}
	return e
}

// runeBefore and runeAt decode the rune ending or starting at i, or 0.
func runeBefore(s string, i int) (rune, int) {
	if i <= 0 {
		return 0, 0
	}
	return utf8.DecodeLastRuneInString(s[:i])
}

func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return 0, 0
	}
	return utf8.DecodeRuneInString(s[i:])
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func isSpaceRune(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' }

// numberAt reads the number whose digits are text[s:e], with the signs,
// parentheses and currency mark around it; floor is the end of the
// previous number.
func numberAt(text string, s, e int, lang string, excl []span, floor int) (Number, bool) {
	if overlapsSpan(excl, s, e) {
		return Number{}, false
	}
	core := text[s:e]
	if len(core) > 1 && core[0] == '0' && isDigitByte(core[1]) {
		return Number{}, false // 0042: an identifier
	}
	if k := strings.IndexFunc(core, func(r rune) bool { return !(r >= '0' && r <= '9') }); k > 12 || k < 0 && len(core) > 12 {
		return Number{}, false // a long run of digits: an account or reference number
	}
	n := Number{Start: s, End: e}
	neg, signed := false, false
	var mark *currencyMarker
	// Left: [ ( ] [ sign ] [ mark [space] ] [ sign ] digits
	j := s
	takeSign := func() bool {
		r, size := runeBefore(text, j)
		if j-size < floor || !(isMinus(r) || r == '+') {
			return false
		}
		if p, _ := runeBefore(text, j-size); isWordRune(p) {
			return false
		}
		neg, signed, j = r != '+', true, j-size
		return true
	}
	takeSign()
	k := j
	if r, size := runeBefore(text, k); isSpaceRune(r) {
		k -= size
	}
	glued := false // a letter sign glued to the digits: "R100" is money only as "R100.00"
	for _, at := range []int{j, k} {
		if m, st := markerEndingAt(text, at, roleBefore); m != nil && st >= floor {
			mark, j = m, st
			n.Symbol = text[st:at]
			glued = at == s && !m.isCode && lastIsLetter(m.text)
			if !signed {
				takeSign()
			}
			break
		}
	}
	paren := false
	if r, _ := runeBefore(text, j); r == '(' && j-1 >= floor {
		paren = true
	}
	if !leftEdgeOK(text, j) {
		return Number{}, false
	}
	// Right: digits [,-] [ [space] mark ] [ - ] [ ) ]
	q := e
	zeroCents := false
	if q+1 < len(text) && (text[q] == ',' || text[q] == '.') {
		if r, size := runeAt(text, q+1); r == '-' || r == '–' || r == '—' {
			q += 1 + size
			if r2, size2 := runeAt(text, q); r2 == r {
				q += size2
			}
			zeroCents = true
		}
	}
	if mark == nil || !mark.isCode {
		k := q
		if r, size := runeAt(text, k); isSpaceRune(r) {
			k += size
		}
		for _, at := range []int{q, k} {
			if m, me := markerStartingAt(text, at, roleAfter); m != nil && (mark == nil || m.isCode) {
				mark, q = m, me
				n.Symbol = text[at:me]
				break
			}
		}
	}
	v, dec, spaced, ok := parseCore(core, lang, mark != nil)
	if !ok || spaced && mark == nil && !spaceGroupLangs[lang] {
		return Number{}, false
	}
	if zeroCents {
		dec = 2
	}
	if glued && dec == 0 {
		return Number{}, false
	}
	// A trailing minus or parentheses make money negative; around a bare
	// integer they are punctuation ("see (2)", "pages 3-").
	moneyLike := dec > 0 || mark != nil
	if r, size := runeAt(text, q); moneyLike && !signed && isMinus(r) {
		if r2, _ := runeAt(text, q+size); !isWordRune(r2) {
			neg, signed = true, true
			q += size
		}
	}
	if paren && moneyLike && q < len(text) && text[q] == ')' {
		neg = true
		j--
		q++
	}
	if !rightEdgeOK(text, q) {
		return Number{}, false
	}
	if neg {
		v = -v
	}
	n.Value, n.Decimals, n.Start, n.End = v, dec, j, q
	if mark != nil {
		n.Currency = markerCode(mark, lang)
		n.Value, n.Decimals = wholeUnits(n.Value, n.Decimals, n.Currency)
	}
	return n, true
}

// zeroDecimal are the currencies without a minor unit (ISO 4217 exponent
// 0): yen, won, dong, Chilean peso, króna, Paraguayan guaraní, Ugandan
// shilling.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true, "VND": true, "CLP": true, "ISK": true, "PYG": true, "UGX": true}

// wholeUnits reads "¥42.820" (a comma OCR took for a dot, or a dot that
// groups thousands) as 42,820: an amount in a currency without a minor
// unit has no three decimals. It returns the value and decimals to keep.
func wholeUnits(v float64, decimals int, currency string) (float64, int) {
	if zeroDecimal[currency] && decimals == 3 {
		return math.Round(v * 1000), 0
	}
	return v, decimals
}

// leftEdgeOK reports whether a number (with its sign and mark) may start
// at i: not glued to a word, an identifier ("AB-12", "#12", "No.12") or a
// time ("10:30").
func leftEdgeOK(text string, i int) bool {
	r, size := runeBefore(text, i)
	if r == 0 {
		return true
	}
	if isWordRune(r) {
		return false
	}
	p, _ := runeBefore(text, i-size)
	switch r {
	case '#', '№', '@', '+', '&', '=':
		return false
	case '-', '/', '.', ',', '\\', '−', '–':
		return !isWordRune(p)
	case ':':
		return !unicode.IsDigit(p)
	}
	return true
}

// rightEdgeOK reports whether a number may end at i: not glued to a word
// ("10kg", "3rd"), not a percentage, not joined to more digits ("12/2025",
// "12-345", "10:30").
func rightEdgeOK(text string, i int) bool {
	r, size := runeAt(text, i)
	if r == 0 {
		return true
	}
	if isWordRune(r) || r == '%' || r == '‰' {
		return false
	}
	nx, _ := runeAt(text, i+size)
	switch r {
	case '-', '/', '\\', '−', '–', '.', ',', ':':
		return !isWordRune(nx)
	case ' ', '\u00a0', '\u202f':
		return nx != '%'
	}
	return true
}
