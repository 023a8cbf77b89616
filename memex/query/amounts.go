package query

import (
	"strconv"
	"strings"

	"nexusos/internal/lazyregexp"
	"nexusos/memex/facts"
)

var (
	reMore   = lazyregexp.New(`(?:\b(?:more than|over|above|greater than|exceeding|bigger than|larger than)|>=?|\b(at least|no less than|not less than|minimum(?: of)?))\s*`)
	reLess   = lazyregexp.New(`(?:\b(?:less than|under|below|smaller than|cheaper than)|<=?|\b(at most|up to|no more than|not more than|maximum(?: of)?))\s*`)
	reApprox = lazyregexp.New(`\b(?:around|about|approximately|approx\.?|roughly|circa|~)\s*`)
	reExact  = lazyregexp.New(`\b(?:exactly|precisely)\s*`)
	// reMoney: any ISO 4217 code or sign before or after the number
	// (checked with facts.CurrencyCode).
	reMoney        = lazyregexp.New(`^(?:(us\$|r\$|\$|€|£|¥|₹|[a-z]{3})\s?)?(\d[\d,]*(?:\.\d+)?)\s*(k\b)?\s*([a-z]{3}\b|euros?\b|dollars?\b|pounds?\b|zł|kr\b|€|£|\$)?`)
	reBetweenMoney = lazyregexp.New(`\b(?:between|from)\s+(\S+(?:\s(?:usd|eur|gbp|euros?|dollars?)\b)?)\s+(?:and|to|-)\s+(\S+(?:\s(?:usd|eur|gbp|euros?|dollars?)\b)?)`)
	reTimeUnit     = lazyregexp.New(`^\s*(?:days?|weeks?|months?|years?|hours?|minutes?|emails?|mails?|messages?|files?|documents?|invoices?|times?|people|%)\b`)
	reYearNumber   = lazyregexp.New(`^(?:19|20)\d{2}$`)
)

// money is an amount read from a question.
type money struct {
	v      float64
	cur    string
	n      int  // bytes read
	marked bool // has a currency or a "k"
	year   bool // a bare year-like number (2025)
}

func parseMoney(s string) (money, bool) {
	m := reMoney.FindStringSubmatchIndex(s)
	if m == nil || m[4] < 0 {
		return money{}, false
	}
	num := s[m[4]:m[5]]
	v, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
	if err != nil {
		return money{}, false
	}
	r := money{v: v, n: m[5]}
	if m[2] >= 0 {
		c, ok := facts.CurrencyCode(s[m[2]:m[3]])
		if !ok {
			return money{}, false // "over for 500": no amount right after the word
		}
		r.cur, r.marked = c, true
	}
	if m[6] >= 0 {
		r.v *= 1000
		r.marked = true
		r.n = m[7]
	}
	if m[8] >= 0 {
		if c, ok := facts.CurrencyCode(s[m[8]:m[9]]); ok {
			r.cur, r.marked, r.n = c, true, m[9]
		}
	}
	r.year = !r.marked && reYearNumber.MatchString(num)
	if !r.marked && reTimeUnit.MatchString(s[r.n:]) {
		return money{}, false // "over 30 days", "more than 5 emails"
	}
	if !r.marked && (strings.HasPrefix(s[r.n:], "-") || strings.HasPrefix(s[r.n:], "/") || strings.HasPrefix(s[r.n:], ".")) {
		return money{}, false // a date or a number, not an amount
	}
	return r, true
}

// takeAmount reads amount bounds: "over 2000 EUR", "under $500", "between
// 1k and 5k", "around $1,200" (±10%), "exactly 500". Bare numbers count
// as money after a comparison word; after "between", "around" and
// "exactly" only with a currency, a "k" or a money word in the question
// (moneyCtx), and never when they look like years.
func (u *Understood) takeAmount(s string, moneyCtx bool) string {
	if m := reBetweenMoney.FindStringSubmatchIndex(s); m != nil {
		a, ok1 := parseMoney(s[m[2]:m[3]])
		b, ok2 := parseMoney(s[m[4]:m[5]])
		if ok1 && ok2 && (a.marked || b.marked || moneyCtx && !a.year && !b.year) && a.v <= b.v {
			cur := a.cur
			if cur == "" {
				cur = b.cur
			}
			u.Amount = &AmountBound{Min: &a.v, Max: &b.v, Currency: cur, Phrase: strings.TrimSpace(s[m[0]:m[1]])}
			return cut(s, []int{m[0], m[1]})
		}
	}
	for _, re := range []*lazyregexp.Regexp{reApprox, reExact, reMore, reLess} {
		for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
			v, ok := parseMoney(s[loc[1]:])
			if !ok {
				continue
			}
			if (re == reApprox || re == reExact) && !v.marked && (!moneyCtx || v.year) {
				continue
			}
			b := &AmountBound{Currency: v.cur, Phrase: strings.TrimSpace(s[loc[0] : loc[1]+v.n])}
			switch re {
			case reApprox:
				lo, hi := v.v*0.9, v.v*1.1
				b.Min, b.Max = &lo, &hi
			case reExact:
				x := v.v
				b.Min, b.Max = &x, &x
			case reMore:
				b.Min = &v.v
			default:
				b.Max = &v.v
			}
			// "over", "under", ">" leave the bound out; "at least", "up
			// to", ">=" keep it.
			if re == reMore || re == reLess {
				b.Strict = loc[2] < 0 && !strings.HasSuffix(strings.TrimSpace(s[loc[0]:loc[1]]), "=")
			}
			u.Amount = b
			return cut(s, []int{loc[0], loc[1] + v.n})
		}
	}
	// "the invoice for 1,234.56": an amount written with its cents after
	// "for" or "of" in a question about money documents is the total.
	if moneyCtx {
		for _, loc := range reForAmount.FindAllStringSubmatchIndex(s, -1) {
			if v, ok := parseMoney(s[loc[2]:]); ok && !v.year && reCents.MatchString(s[loc[2]:loc[2]+v.n]) {
				x := v.v
				u.Amount = &AmountBound{Min: &x, Max: &x, Currency: v.cur, Phrase: strings.TrimSpace(s[loc[0] : loc[2]+v.n])}
				return cut(s, []int{loc[0], loc[2] + v.n})
			}
		}
	}
	return s
}

var (
	reForAmount = lazyregexp.New(`\b(?:for|of|totalling|totaling|amounting to)\s+(\S)`)
	reCents     = lazyregexp.New(`\d[.,]\d\d(?:\D|$)`)
	// reInCurrency names the currency of the totals asked for: "invoices
	// in EUR", "in dollars".
	reInCurrency = lazyregexp.New(`\b(?:paid |billed |priced )?in\s+(us dollars|dollars?|euros?|pounds(?: sterling)?|swiss francs?|yen|[a-z]{3})\b`)
)

// wordCodes are currency codes that are English words too: "in try" is
// no currency.
var wordCodes = map[string]bool{"try": true, "rub": true, "sar": true, "php": true, "all": true, "top": true, "cup": true}

// currencyWords are the currencies reInCurrency names in words; a code
// ("in EUR") is read by facts.CurrencyCode.
var currencyWords = map[string]string{"us dollars": "USD", "dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR",
	"pounds": "GBP", "pounds sterling": "GBP", "swiss franc": "CHF", "swiss francs": "CHF", "yen": "JPY"}

// takeCurrency reads the currency the totals are in ("invoices in EUR",
// "over 500 in dollars"), beside or without amount bounds.
func (u *Understood) takeCurrency(s string) string {
	for _, m := range reInCurrency.FindAllStringSubmatchIndex(s, -1) {
		word := s[m[2]:m[3]]
		if wordCodes[word] {
			continue
		}
		code, ok := currencyWords[word]
		if !ok {
			if code, ok = facts.CurrencyCode(word); !ok {
				continue
			}
		}
		if u.Amount == nil {
			u.Amount = &AmountBound{Phrase: strings.TrimSpace(s[m[0]:m[1]])}
		} else if u.Amount.Currency != "" && u.Amount.Currency != code {
			continue
		}
		u.Amount.Currency = code
		return cut(s, m[:2])
	}
	return s
}
