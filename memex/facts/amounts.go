package facts

import (
	"strings"
)

// Amount is a sum of money found in a document.
type Amount struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`        // ISO 4217 code, "" when unknown
	Role     string  `json:"role,omitempty"`  // total, balance_due, subtotal, tax, paid, or ""
	Label    string  `json:"label,omitempty"` // the words before it, lower-cased
	Decimals int     `json:"-"`               // digits after the decimal mark as written
	Offset   int     `json:"-"`
}

// FindAmounts returns the sums of money in text: the numbers FindNumbers
// finds with a currency mark before or after them ("$2,500.00", "EUR
// 1,234.56", "1.234,56 €", "200 EUR", "-$50.00", "(€12.00)"), read in
// the language DetectLanguage finds, each with the words before it and
// the role they give it.
func FindAmounts(text string) []Amount {
	return markedAmounts(text, FindNumbers(text, DetectLanguage(text)))
}

// markedAmounts keeps the numbers of text that carry a currency mark.
func markedAmounts(text string, nums []Number) []Amount {
	var out []Amount
	for _, n := range nums {
		if n.Symbol == "" {
			continue
		}
		out = append(out, Amount{Value: n.Value, Currency: n.Currency, Decimals: n.Decimals, Offset: n.Start})
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
