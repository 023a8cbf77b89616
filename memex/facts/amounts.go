package facts

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Amount is a sum of money found in a document.
type Amount struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`        // ISO 4217 code, "" when unknown
	Role     string  `json:"role,omitempty"`  // total, balance_due, subtotal, tax, paid, or ""
	Label    string  `json:"label,omitempty"` // the words before it, lower-cased
	Offset   int     `json:"-"`
}

var currencySymbols = map[string]string{
	"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
	"¥": "JPY", "jpy": "JPY", "chf": "CHF", "cad": "CAD", "c$": "CAD", "aud": "AUD", "a$": "AUD",
	"sek": "SEK", "nok": "NOK", "dkk": "DKK", "inr": "INR", "₹": "INR", "euro": "EUR", "euros": "EUR",
	"dollars": "USD", "dollar": "USD", "pounds": "GBP",
}

// CurrencyCode maps a currency symbol, code or word to its ISO code.
func CurrencyCode(s string) (string, bool) {
	c, ok := currencySymbols[strings.ToLower(strings.TrimSpace(s))]
	return c, ok
}

const (
	curRe = `(?:US\$|C\$|A\$|\$|€|£|¥|₹|(?i:usd|eur|gbp|jpy|chf|cad|aud|sek|nok|dkk|inr)\b)`
	numRe = `\d{1,3}(?:[,.' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`
)

var (
	reAmountPre  = regexp.MustCompile(`(\(?-?)\s?(` + curRe + `)\s?(-?)(` + numRe + `)(\)?)`)
	reAmountPost = regexp.MustCompile(`(-?)(` + numRe + `)\s?(` + curRe + `|(?i:euros?|dollars?)\b)`)
)

// parseNumber reads a written amount. The last separator followed by one or
// two digits is the decimal mark; other separators group thousands.
func parseNumber(s string, european bool) (float64, bool) {
	s = strings.TrimSpace(s)
	last := strings.LastIndexAny(s, ".,")
	intPart, frac := s, ""
	if last >= 0 {
		tail := s[last+1:]
		if len(tail) <= 2 || (len(tail) == 3 && !european && s[last] == '.' && strings.Count(s, ".") == 1 && !strings.Contains(s, ",")) {
			intPart, frac = s[:last], tail
		}
	}
	intPart = strings.NewReplacer(",", "", ".", "", "'", "", " ", "").Replace(intPart)
	if intPart == "" {
		intPart = "0"
	}
	v, err := strconv.ParseFloat(intPart+"."+frac+"0", 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// FindAmounts returns the sums of money in text: a currency symbol or code
// before or after a number ("$2,500.00", "EUR 1,234.56", "1.234,56 €",
// "200 EUR"). Negative and parenthesised amounts are negative.
func FindAmounts(text string) []Amount {
	var out []Amount
	used := make([]bool, len(text)+1)
	for _, m := range reAmountPre.FindAllStringSubmatchIndex(text, -1) {
		cur, _ := CurrencyCode(text[m[4]:m[5]])
		v, ok := parseNumber(text[m[8]:m[9]], false)
		if !ok {
			continue
		}
		if strings.Contains(text[m[2]:m[3]], "-") || text[m[6]:m[7]] == "-" || (strings.HasPrefix(text[m[2]:m[3]], "(") && text[m[10]:m[11]] == ")") {
			v = -v
		}
		out = append(out, Amount{Value: v, Currency: cur, Offset: m[0]})
		for i := m[0]; i < m[1]; i++ {
			used[i] = true
		}
	}
	for _, m := range reAmountPost.FindAllStringSubmatchIndex(text, -1) {
		if used[m[4]] {
			continue
		}
		cur, _ := CurrencyCode(text[m[6]:m[7]])
		v, ok := parseNumber(text[m[4]:m[5]], cur != "USD")
		if !ok {
			continue
		}
		if text[m[2]:m[3]] == "-" {
			v = -v
		}
		out = append(out, Amount{Value: v, Currency: cur, Offset: m[0]})
	}
	for i := range out {
		out[i].Label = labelBefore(text, out[i].Offset)
		out[i].Role = amountRole(out[i].Label)
	}
	sortAmounts(out)
	return out
}

func sortAmounts(a []Amount) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Offset < a[j-1].Offset; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// labelBefore returns the lower-cased words on the same line before offset
// (at most 48 bytes), or the previous line when the amount starts its line.
func labelBefore(text string, off int) string {
	start := strings.LastIndexByte(text[:off], '\n') + 1
	lbl := strings.TrimSpace(text[start:off])
	if lbl == "" && start > 0 {
		prev := strings.LastIndexByte(text[:start-1], '\n') + 1
		lbl = strings.TrimSpace(text[prev : start-1])
	}
	if len(lbl) > 48 {
		lbl = lbl[len(lbl)-48:]
	}
	return strings.ToLower(strings.Trim(lbl, " \t:|*#-=."))
}

func amountRole(label string) string {
	l := " " + strings.Join(strings.FieldsFunc(label, func(r rune) bool {
		return !(r >= 'a' && r <= 'z')
	}), " ") + " "
	switch {
	case containsAny(l, " balance due ", " amount due ", " total due ", " balance ", " due now ", " amount outstanding ", " outstanding ", " please pay ", " amount payable ", " remaining "):
		return "balance_due"
	case containsAny(l, " subtotal ", " sub total ", " net amount ", " net "):
		return "subtotal"
	case containsAny(l, " tax ", " vat ", " gst ", " sales tax "):
		return "tax"
	case containsAny(l, " amount paid ", " paid ", " payment received ", " payment ", " payments "):
		return "paid"
	case containsAny(l, " grand total ", " total ", " invoice total ", " total amount ", " amount ", " total payable ", " credit total ", " total credit "):
		return "total"
	}
	return ""
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
