// Package query turns a MemexFS question in plain English into structure:
// a time range (and which date it applies to), payment status, document
// kinds, counterparties and amount bounds, plus the words left over for
// semantic search. Parse is pure and safe for concurrent use.
package query

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"nexusos/memex/facts"
)

// DateField says which document date a time range constrains.
type DateField string

const (
	IssueDate DateField = "issue_date"
	DueDate   DateField = "due_date"
	PaidDate  DateField = "paid_date"
)

// Range is a half-open interval of days [From, To).
type Range struct {
	From, To time.Time
	Field    DateField
	Phrase   string // the words it came from
}

// AmountBound constrains the total amount.
type AmountBound struct {
	Min, Max *float64 // inclusive bounds, nil = open
	Currency string
	Phrase   string
}

// Understood is what Parse read from a question.
type Understood struct {
	Text     string       `json:"text"`               // the question as asked
	Rest     string       `json:"rest"`               // words not consumed by a filter
	Kinds    []string     `json:"kinds,omitempty"`    // any of
	Statuses []string     `json:"statuses,omitempty"` // any of
	Parties  []string     `json:"parties,omitempty"`  // party keys, any of
	PartyRaw string       `json:"party_phrase,omitempty"`
	Time     *Range       `json:"time,omitempty"`
	Amount   *AmountBound `json:"amount,omitempty"`
	// Spent is a question about money paid out ("what did we pay X for"):
	// paid invoices, receipts and payment confirmations.
	Spent bool `json:"spent,omitempty"`
	// Overdue asks for unpaid documents whose due date is before Now.
	Overdue bool      `json:"overdue,omitempty"`
	Now     time.Time `json:"now"`
}

// HasFilter reports whether anything structured was understood.
func (u *Understood) HasFilter() bool {
	return len(u.Kinds)+len(u.Statuses)+len(u.Parties) > 0 || u.Time != nil || u.Amount != nil || u.Overdue
}

// IsSetQuestion reports whether the question is fully answered by its
// filter: nothing meaningful remains for semantic ranking.
func (u *Understood) IsSetQuestion() bool {
	return u.HasFilter() && len(contentWords(u.Rest)) == 0
}

var stop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the all any every of from to by for in on at with and or me my our we us i you your show
		find list get give what which who whom that this these those did do does have has had is are was were be been pay paid
		payed send sent issued dated about please all everything documents document files file items stuff there any ones
		still yet not due how much many where when s
		received receive got sent issued billed charged made owes ones yet been
		ltd inc llc corp gmbh plc limited corporation co`) { // legal forms trail party names
		stop[w] = true
	}
}

func contentWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if !stop[w] {
			out = append(out, w)
		}
	}
	return out
}

// kindSynonyms maps words (singular and plural) to kinds.
var kindSynonyms = map[string]string{
	"invoice": facts.KindInvoice, "invoices": facts.KindInvoice, "bill": facts.KindInvoice, "bills": facts.KindInvoice,
	"receipt": facts.KindReceipt, "receipts": facts.KindReceipt,
	"quote": facts.KindQuote, "quotes": facts.KindQuote, "quotation": facts.KindQuote, "quotations": facts.KindQuote,
	"estimate": facts.KindQuote, "estimates": facts.KindQuote,
	"purchase order": facts.KindPurchaseOrder, "purchase orders": facts.KindPurchaseOrder, "po": facts.KindPurchaseOrder, "pos": facts.KindPurchaseOrder,
	"credit note": facts.KindCreditNote, "credit notes": facts.KindCreditNote, "credit memo": facts.KindCreditNote, "credit memos": facts.KindCreditNote,
	"payment confirmation": facts.KindPayment, "payment confirmations": facts.KindPayment, "remittance": facts.KindPayment, "remittances": facts.KindPayment,
	"contract": facts.KindContract, "contracts": facts.KindContract, "agreement": facts.KindContract, "agreements": facts.KindContract,
	"note": facts.KindNote, "notes": facts.KindNote,
	"email": facts.KindEmail, "emails": facts.KindEmail, "e-mail": facts.KindEmail, "e-mails": facts.KindEmail, "mail": facts.KindEmail, "messages": facts.KindEmail,
}

// Parse reads a question relative to now. parties lists the known party
// keys (as stored); names in the question are matched against them
// fuzzily. now is the reference day for relative times.
func Parse(text string, now time.Time, parties []string) *Understood {
	u := &Understood{Text: text, Now: now}
	s := " " + strings.ToLower(text) + " "
	s = strings.NewReplacer("’", "'", ", ", " , ", "?", " ", "!", " ", ";", " ").Replace(s)
	s = u.takeAmount(s)
	s = u.takeTime(s, now)
	s = u.takeStatus(s)
	s = u.takeKinds(s)
	s = u.takeParties(s, parties)
	u.Rest = strings.Join(strings.Fields(strings.ReplaceAll(s, " , ", " ")), " ")
	if len(contentWords(u.Rest)) == 0 {
		u.Rest = ""
	}
	if len(u.Kinds) > 0 && (u.Statuses != nil || u.Overdue) && !u.Spent {
		// Payment status is read for invoices only: "open quotes" asks for
		// quotes, not for a status quotes do not have.
		hasInvoice := false
		for _, k := range u.Kinds {
			hasInvoice = hasInvoice || k == facts.KindInvoice
		}
		if !hasInvoice {
			u.Statuses, u.Overdue = nil, false
		}
	}
	if len(u.Kinds) == 0 {
		// Money words imply money documents.
		switch {
		case u.Spent:
			u.Kinds = []string{facts.KindInvoice, facts.KindReceipt, facts.KindPayment}
		case u.Statuses != nil || u.Overdue:
			u.Kinds = []string{facts.KindInvoice}
		}
	}
	return u
}

func cut(s string, loc []int) string { return s[:loc[0]] + " " + s[loc[1]:] }

var (
	reStatusOverdue = regexp.MustCompile(`\b(overdue|past due|late|delinquent)\b`)
	reStatusUnpaid  = regexp.MustCompile(`\b((?:haven't|have not|hasn't|has not|weren't|were not|wasn't|was not|isn't|is not|aren't|are not|not)\s+(?:yet\s+)?(?:been\s+)?paid(?:\s+yet)?|yet to be paid|awaiting payment|unpaid|outstanding|open|unsettled|pending|owed|owe|still due|due)\b`)
	reStatusPaid    = regexp.MustCompile(`\b(paid|settled|already paid|fully paid|cleared)\b`)
	rePayVerb       = regexp.MustCompile(`\b(did|we|i)\s+$`)
	reSpent         = regexp.MustCompile(`\b(did we pay|have we paid|we paid|did i pay|did we spend|we spent|have we spent|payments? to)\b`)
)

func (u *Understood) takeStatus(s string) string {
	if loc := reStatusOverdue.FindStringIndex(s); loc != nil {
		u.Overdue = true
		return cut(s, loc)
	}
	if loc := reStatusUnpaid.FindStringIndex(s); loc != nil {
		u.Statuses = []string{facts.StatusUnpaid, facts.StatusOverdue}
		return cut(s, loc)
	}
	// "paid" as a status only when it is not the verb of "what did we pay".
	if loc := reStatusPaid.FindStringIndex(s); loc != nil && !rePayVerb.MatchString(s[:loc[0]]) {
		u.Statuses = []string{facts.StatusPaid}
		return cut(s, loc)
	}
	if reSpent.MatchString(s) {
		u.Spent = true
		u.Statuses = []string{facts.StatusPaid}
		if u.Time != nil && u.Time.Field == IssueDate {
			u.Time.Field = PaidDate
		}
	}
	return s
}

// kindPatterns are the kind synonyms as word-bounded patterns, longest
// first, so "purchase orders" is taken before "orders".
var kindPatterns = func() []kindPattern {
	keys := make([]string, 0, len(kindSynonyms))
	for k := range kindSynonyms {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(keys[i]) != len(keys[j]) {
			return len(keys[i]) > len(keys[j])
		}
		return keys[i] < keys[j]
	})
	out := make([]kindPattern, len(keys))
	for i, k := range keys {
		out[i] = kindPattern{regexp.MustCompile(`\b` + regexp.QuoteMeta(k) + `\b`), kindSynonyms[k]}
	}
	return out
}()

type kindPattern struct {
	re   *regexp.Regexp
	kind string
}

func (u *Understood) takeKinds(s string) string {
	seen := map[string]bool{}
	for _, kp := range kindPatterns {
		re, k := kp.re, kp.kind
		for {
			loc := re.FindStringIndex(s)
			if loc == nil {
				break
			}
			if !seen[k] {
				seen[k] = true
				u.Kinds = append(u.Kinds, k)
			}
			s = cut(s, loc)
		}
	}
	return s
}

// takeParties finds known parties named in s. A known party matches when
// every word of a run of words in s equals, or is within one edit of, the
// party key's leading words.
func (u *Understood) takeParties(s string, parties []string) string {
	words := strings.Fields(s)
	used := make([]bool, len(words))
	for i := range words {
		if used[i] || stop[words[i]] || len(words[i]) < 3 {
			continue
		}
		best := 0
		var matched []string
		for _, p := range parties {
			pw := strings.Fields(p)
			n := 0
			for n < len(pw) && i+n < len(words) && wordMatch(strings.TrimSuffix(words[i+n], "'s"), pw[n]) {
				n++
			}
			if n == 0 {
				continue
			}
			switch {
			case n > best:
				best, matched = n, []string{p}
			case n == best:
				matched = append(matched, p)
			}
		}
		if best > 0 {
			for j := i; j < i+best; j++ {
				used[j] = true
			}
			u.PartyRaw = strings.Join(words[i:i+best], " ")
			u.Parties = append(u.Parties, matched...)
		}
	}
	var rest []string
	for i, w := range words {
		if !used[i] {
			rest = append(rest, w)
		}
	}
	return " " + strings.Join(rest, " ") + " "
}

func wordMatch(q, p string) bool {
	if q == p {
		return true
	}
	if len(q) < 5 || len(p) < 5 {
		return false
	}
	return editDistanceAtMost1(q, p)
}

func editDistanceAtMost1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:] || (i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:])
	}
	return a[i:] == b[i+1:]
}

var (
	reMore         = regexp.MustCompile(`\b(?:more than|over|above|greater than|exceeding|at least|bigger than|larger than|>=?)\s*`)
	reLess         = regexp.MustCompile(`\b(?:less than|under|below|at most|smaller than|cheaper than|up to|<=?)\s*`)
	reMoney        = regexp.MustCompile(`^(?:(us\$|\$|€|£|usd|eur|gbp|chf|cad|aud)\s?)?(\d[\d,]*(?:\.\d+)?)\s*(k\b)?\s*(usd|eur|gbp|chf|cad|aud|euros?|dollars?|pounds?)?`)
	reBetweenMoney = regexp.MustCompile(`\bbetween\s+(\S+(?:\s(?:usd|eur|gbp))?)\s+and\s+(\S+(?:\s(?:usd|eur|gbp|euros?|dollars?))?)`)
)

func parseMoney(s string) (float64, string, int, bool) {
	m := reMoney.FindStringSubmatchIndex(s)
	if m == nil || m[4] < 0 {
		return 0, "", 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s[m[4]:m[5]], ",", ""), 64)
	if err != nil {
		return 0, "", 0, false
	}
	if m[6] >= 0 {
		v *= 1000
	}
	cur := ""
	if m[2] >= 0 {
		cur, _ = facts.CurrencyCode(s[m[2]:m[3]])
	}
	if m[8] >= 0 {
		cur, _ = facts.CurrencyCode(s[m[8]:m[9]])
	}
	// A bare number is money only with a currency or a comparison word.
	return v, cur, m[1], true
}

func (u *Understood) takeAmount(s string) string {
	if m := reBetweenMoney.FindStringSubmatchIndex(s); m != nil {
		a, c1, _, ok1 := parseMoney(s[m[2]:m[3]])
		b, c2, _, ok2 := parseMoney(s[m[4]:m[5]])
		if ok1 && ok2 && (c1 != "" || c2 != "") {
			if c1 == "" {
				c1 = c2
			}
			u.Amount = &AmountBound{Min: &a, Max: &b, Currency: c1, Phrase: strings.TrimSpace(s[m[0]:m[1]])}
			return cut(s, []int{m[0], m[1]})
		}
	}
	for _, re := range []*regexp.Regexp{reMore, reLess} {
		loc := re.FindStringIndex(s)
		if loc == nil {
			continue
		}
		v, cur, n, ok := parseMoney(s[loc[1]:])
		if !ok {
			continue
		}
		b := &AmountBound{Currency: cur, Phrase: strings.TrimSpace(s[loc[0] : loc[1]+n])}
		if re == reMore {
			b.Min = &v
		} else {
			b.Max = &v
		}
		u.Amount = b
		return cut(s, []int{loc[0], loc[1] + n})
	}
	return s
}

// --- time ---

const monthAlt = `jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?`

var (
	reBetweenMonths = regexp.MustCompile(`\b(?:between|from)\s+(` + monthAlt + `)(?:\s+(\d{4}))?\s+(?:and|to|until|through|-)\s+(` + monthAlt + `)(?:\s+(\d{4}))?\b`)
	reSince         = regexp.MustCompile(`\b(since|after|before|until)\s+(` + monthAlt + `)(?:\s+(\d{4}))?\b`)
	reSinceDate     = regexp.MustCompile(`\b(since|after|before|until)\s+(\d{4}-\d{2}-\d{2})\b`)
	reQuarter       = regexp.MustCompile(`\b(?:in\s+|during\s+)?q([1-4])(?:\s+(?:of\s+)?(\d{4}))?\b`)
	reMonthYear     = regexp.MustCompile(`\b(?:in\s+|during\s+|for\s+)?(` + monthAlt + `)(?:\s+(\d{4}))?\b`)
	reYear          = regexp.MustCompile(`\b(?:in\s+|during\s+|for\s+)?((?:19|20)\d{2})\b`)
	reRelative      = regexp.MustCompile(`\b(last|this|previous|past|current|next)\s+(quarter|month|year|week)\b`)
	reLastNDays     = regexp.MustCompile(`\b(?:in\s+)?(?:the\s+)?(?:last|past)\s+(\d{1,3})\s+(days|weeks|months)\b`)
	reDateWord      = regexp.MustCompile(`\b(due|paid|issued|sent|dated|received)\s+$`)
	reOlderThan     = regexp.MustCompile(`\b(older|more)\s+than\s+(\d{1,3})\s+(days|weeks|months)(?:\s+old)?\b`)
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func quarterStart(t time.Time) time.Time {
	return day(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1)
}

// mostRecentMonth returns the start of the latest month m not after now.
func mostRecentMonth(m time.Month, now time.Time) time.Time {
	y := now.Year()
	if m > now.Month() {
		y--
	}
	return day(y, m, 1)
}

func (u *Understood) setTime(from, to time.Time, phrase, before string) {
	if !to.After(from) || from.Year() < 1900 || from.Year() > 2200 {
		return // not a usable range (e.g. "since May 9029")
	}
	f := IssueDate
	if m := reDateWord.FindStringSubmatch(before); m != nil {
		switch m[1] {
		case "due":
			f = DueDate
		case "paid":
			f = PaidDate
		}
	}
	u.Time = &Range{From: from, To: to, Field: f, Phrase: strings.TrimSpace(phrase)}
}

func (u *Understood) takeTime(s string, now time.Time) string {
	now = day(now.Year(), now.Month(), now.Day())
	if m := reBetweenMonths.FindStringSubmatchIndex(s); m != nil {
		m1, _ := facts.MonthByName(s[m[2]:m[3]])
		m2, _ := facts.MonthByName(s[m[6]:m[7]])
		from := mostRecentMonth(m1, now)
		if m[4] >= 0 {
			y, _ := strconv.Atoi(s[m[4]:m[5]])
			from = day(y, m1, 1)
		}
		to := day(from.Year(), m2, 1)
		if m[8] >= 0 {
			y, _ := strconv.Atoi(s[m[8]:m[9]])
			to = day(y, m2, 1)
		} else if m2 < m1 {
			to = day(from.Year()+1, m2, 1)
		}
		u.setTime(from, to.AddDate(0, 1, 0), s[m[0]:m[1]], s[:m[0]])
		return cut(s, []int{m[0], m[1]})
	}
	if m := reSinceDate.FindStringSubmatchIndex(s); m != nil {
		d, err := time.Parse("2006-01-02", s[m[4]:m[5]])
		if err == nil {
			u.openRange(s[m[2]:m[3]], d, now, s[m[0]:m[1]], s[:m[0]])
			return cut(s, []int{m[0], m[1]})
		}
	}
	if m := reSince.FindStringSubmatchIndex(s); m != nil {
		mo, _ := facts.MonthByName(s[m[4]:m[5]])
		start := mostRecentMonth(mo, now)
		if m[6] >= 0 {
			y, _ := strconv.Atoi(s[m[6]:m[7]])
			start = day(y, mo, 1)
		}
		word := s[m[2]:m[3]]
		if word == "after" {
			start = start.AddDate(0, 1, 0)
		}
		u.openRange(word, start, now, s[m[0]:m[1]], s[:m[0]])
		return cut(s, []int{m[0], m[1]})
	}
	if m := reOlderThan.FindStringSubmatchIndex(s); m != nil {
		n, _ := strconv.Atoi(s[m[4]:m[5]])
		to := now
		switch s[m[6]:m[7]] {
		case "days":
			to = now.AddDate(0, 0, -n)
		case "weeks":
			to = now.AddDate(0, 0, -7*n)
		case "months":
			to = now.AddDate(0, -n, 0)
		}
		u.setTime(day(1900, 1, 1), to, s[m[0]:m[1]], s[:m[0]])
		return cut(s, []int{m[0], m[1]})
	}
	if m := reLastNDays.FindStringSubmatchIndex(s); m != nil {
		n, _ := strconv.Atoi(s[m[2]:m[3]])
		from := now
		switch s[m[4]:m[5]] {
		case "days":
			from = now.AddDate(0, 0, -n)
		case "weeks":
			from = now.AddDate(0, 0, -7*n)
		case "months":
			from = now.AddDate(0, -n, 0)
		}
		u.setTime(from, now.AddDate(0, 0, 1), s[m[0]:m[1]], s[:m[0]])
		return cut(s, []int{m[0], m[1]})
	}
	if m := reRelative.FindStringSubmatchIndex(s); m != nil {
		which, unit := s[m[2]:m[3]], s[m[4]:m[5]]
		off := 0
		switch which {
		case "last", "previous", "past":
			off = -1
		case "next":
			off = 1
		}
		var from, to time.Time
		switch unit {
		case "quarter":
			from = quarterStart(now).AddDate(0, 3*off, 0)
			to = from.AddDate(0, 3, 0)
		case "month":
			from = day(now.Year(), now.Month(), 1).AddDate(0, off, 0)
			to = from.AddDate(0, 1, 0)
		case "year":
			from = day(now.Year()+off, 1, 1)
			to = from.AddDate(1, 0, 0)
		case "week":
			wd := (int(now.Weekday()) + 6) % 7 // Monday = 0
			from = now.AddDate(0, 0, -wd+7*off)
			to = from.AddDate(0, 0, 7)
		}
		u.setTime(from, to, s[m[0]:m[1]], s[:m[0]])
		return cut(s, []int{m[0], m[1]})
	}
	if m := reQuarter.FindStringSubmatchIndex(s); m != nil {
		q, _ := strconv.Atoi(s[m[2]:m[3]])
		y := now.Year()
		if m[4] >= 0 {
			y, _ = strconv.Atoi(s[m[4]:m[5]])
		} else if day(y, time.Month(3*q-2), 1).After(now) {
			y--
		}
		from := day(y, time.Month(3*q-2), 1)
		u.setTime(from, from.AddDate(0, 3, 0), s[m[0]:m[1]], s[:m[0]])
		return cut(s, []int{m[0], m[1]})
	}
	for _, m := range reMonthYear.FindAllStringSubmatchIndex(s, -1) {
		word := s[m[2]:m[3]]
		if word == "may" && m[4] < 0 && !strings.HasSuffix(strings.TrimSpace(s[:m[2]]), "in") {
			continue // the verb "may"
		}
		if word == "mar" || word == "jan" || word == "jun" || word == "jul" || word == "dec" || word == "oct" || word == "sep" || word == "nov" || word == "aug" || word == "apr" || word == "feb" {
			if m[4] < 0 && !strings.HasSuffix(strings.TrimSpace(s[:m[2]]), "in") {
				continue
			}
		}
		mo, _ := facts.MonthByName(word)
		from := mostRecentMonth(mo, now)
		if m[4] >= 0 {
			y, _ := strconv.Atoi(s[m[4]:m[5]])
			from = day(y, mo, 1)
		}
		u.setTime(from, from.AddDate(0, 1, 0), s[m[0]:m[1]], s[:m[0]])
		return cut(s, []int{m[0], m[1]})
	}
	if m := reYear.FindStringSubmatchIndex(s); m != nil {
		y, _ := strconv.Atoi(s[m[2]:m[3]])
		u.setTime(day(y, 1, 1), day(y+1, 1, 1), s[m[0]:m[1]], s[:m[0]])
		return cut(s, []int{m[0], m[1]})
	}
	return s
}

func (u *Understood) openRange(word string, d, now time.Time, phrase, before string) {
	switch word {
	case "since", "after":
		u.setTime(d, now.AddDate(100, 0, 0), phrase, before)
	case "before", "until":
		u.setTime(day(1900, 1, 1), d, phrase, before)
	}
}

// String describes what was understood, for people.
func (u *Understood) String() string {
	var parts []string
	if len(u.Kinds) > 0 {
		parts = append(parts, "kind: "+strings.Join(u.Kinds, "|"))
	}
	if u.Overdue {
		parts = append(parts, "status: overdue")
	} else if len(u.Statuses) > 0 {
		parts = append(parts, "status: "+strings.Join(u.Statuses, "|"))
	}
	if len(u.Parties) > 0 {
		parts = append(parts, "party: "+strings.Join(u.Parties, "|"))
	}
	if u.Time != nil {
		parts = append(parts, fmt.Sprintf("%s: %s..%s", u.Time.Field, u.Time.From.Format("2006-01-02"), u.Time.To.AddDate(0, 0, -1).Format("2006-01-02")))
	}
	if a := u.Amount; a != nil {
		s := "total"
		if a.Min != nil {
			s += fmt.Sprintf(" >= %g", *a.Min)
		}
		if a.Max != nil {
			s += fmt.Sprintf(" <= %g", *a.Max)
		}
		if a.Currency != "" {
			s += " " + a.Currency
		}
		parts = append(parts, s)
	}
	if u.Rest != "" {
		parts = append(parts, fmt.Sprintf("text: %q", u.Rest))
	}
	return strings.Join(parts, "; ")
}
