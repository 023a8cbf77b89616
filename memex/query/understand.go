// Package query turns a MemexFS question in plain English into structure:
// a time range (and which date it applies to), payment status, document
// kinds, counterparties, sender addresses, an invoice or order number,
// amount bounds, an order ("the largest", "the 3 latest") and an
// aggregate ("how much"), plus the words left over for semantic search.
// Status and kind words become filters only when the question is about
// money documents (or mail); inside a topic question they stay search
// words. Parse is pure and safe for concurrent use.
package query

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"nexusos/internal/lazyregexp"
	"nexusos/memex/facts"
)

// DateField says which document date a time range constrains.
type DateField string

const (
	IssueDate DateField = "issue_date"
	DueDate   DateField = "due_date"
	PaidDate  DateField = "paid_date"
	// SentDate is an e-mail's sent date (its Date header); documents
	// without one are matched by their issue date.
	SentDate DateField = "sent_date"
)

// Range is a half-open interval of days [From, To).
type Range struct {
	From, To time.Time
	Field    DateField
	Phrase   string // the words it came from
}

// AmountBound constrains the total amount.
type AmountBound struct {
	Min, Max *float64 // bounds, nil = open; inclusive unless Strict
	// Strict makes the bounds exclusive: "over 500" and "under 500" leave
	// out 500 itself; "at least" and "at most" keep it.
	Strict   bool
	Currency string
	Phrase   string
}

// Order sorts the answer and keeps its first Limit files.
type Order struct {
	By     string `json:"by"` // "total" or "date"
	Desc   bool   `json:"desc"`
	Limit  int    `json:"limit,omitempty"` // 0: the query's own limit
	Phrase string `json:"phrase"`
}

// Order keys.
const (
	ByTotal = "total"
	ByDate  = "date"
)

// Aggregates.
const AggSum = "sum"

// Understood is what Parse read from a question.
type Understood struct {
	Text     string   `json:"text"`                // the question as asked
	Rest     string   `json:"rest"`                // words not consumed by a filter
	Kinds    []string `json:"kinds,omitempty"`     // any of
	NotKinds []string `json:"not_kinds,omitempty"` // none of ("except receipts")
	Statuses []string `json:"statuses,omitempty"`  // any of
	Parties  []string `json:"parties,omitempty"`   // party keys, any of
	PartyRaw string   `json:"party_phrase,omitempty"`
	// NotParties turns the party filter around: files of any party but
	// the named ones ("not from Acme", "except Globex").
	NotParties bool `json:"not_parties,omitempty"`
	// PartyForms are the legal forms written after the named parties
	// ("Acme GmbH" → "gmbh"), one spelling per form (facts.FormKey): a
	// file whose party has another form is another company.
	PartyForms []string `json:"party_forms,omitempty"`
	// PartyIDs are the canonical parties the named ones belong to; Parse
	// leaves it empty and the engine fills it from its party registry.
	PartyIDs []string     `json:"party_ids,omitempty"`
	Time     *Range       `json:"time,omitempty"`
	Amount   *AmountBound `json:"amount,omitempty"`
	// Addresses are e-mail addresses named in the question (senders).
	Addresses []string `json:"addresses,omitempty"`
	// Number is an invoice or order number to look up, as written;
	// NumberKey(Number) is compared with the stored number's key.
	Number string `json:"number,omitempty"`
	// NumberKind is the kind the number's label names ("invoice 123":
	// invoice; "order 7": purchase_order), "" for none: when documents
	// of several kinds carry the number, those of this kind answer.
	NumberKind string `json:"number_kind,omitempty"`
	Order      *Order `json:"order,omitempty"`
	// Aggregate asks for a figure over the matching files ("how much",
	// "total owed"): AggSum adds their totals.
	Aggregate       string `json:"aggregate,omitempty"`
	AggregatePhrase string `json:"aggregate_phrase,omitempty"`
	// Spent is a question about money paid out ("what did we pay X for"):
	// paid invoices, receipts and payment confirmations.
	Spent bool `json:"spent,omitempty"`
	// Overdue asks for unpaid documents whose due date is before Now.
	Overdue bool      `json:"overdue,omitempty"`
	Now     time.Time `json:"now"`

	dateWord  string // the word that chose Time.Field ("due", "sent")
	notYetDue bool
	isNumber  func(key string) bool // Known.IsNumber
	// partyVariants are parties kept only because their whole (shorter)
	// name is inside the named one ("northwind" in "Northwind Traders").
	partyVariants []string
}

// HasFilter reports whether anything structured was understood.
func (u *Understood) HasFilter() bool {
	return len(u.Kinds)+len(u.NotKinds)+len(u.Statuses)+len(u.Parties)+len(u.Addresses) > 0 || u.Time != nil || u.Amount != nil || u.Overdue ||
		u.Number != "" || u.Order != nil || u.Aggregate != ""
}

// IsSetQuestion reports whether the question is fully answered by its
// filter: nothing meaningful remains for semantic ranking.
func (u *Understood) IsSetQuestion() bool {
	return u.HasFilter() && len(contentWords(u.Rest)) == 0
}

// NumberKey normalises an invoice or order number for comparison: lower
// case letters and digits only ("INV 2025-0042" → "inv20250042").
func NumberKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var stop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the all any every of from to by for in on at with and or me my our we us i you your show
		find list get give what which who whom that this these those did do does have has had is are was were be been pay paid
		payed send sent issued dated about please all everything documents document files file items stuff there any ones
		still yet not due how much many where when s whats anything something things thing
		received receive got sent issued billed charged made owes ones yet been coming upcoming ever
		ltd inc llc corp gmbh plc limited corporation co`) { // legal forms trail party names
		stop[w] = true
	}
}

// ContentWords returns the words of s that are not question glue ("show
// me all the", "which", "did we"), lower case.
func ContentWords(s string) []string { return contentWords(s) }

func contentWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if !stop[w] && len(w) > 1 {
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
	"statement": facts.KindStatement, "statements": facts.KindStatement,
	"email": facts.KindEmail, "emails": facts.KindEmail, "e-mail": facts.KindEmail, "e-mails": facts.KindEmail, "mail": facts.KindEmail,
	"mails": facts.KindEmail, "messages": facts.KindEmail, "message": facts.KindEmail,
}

// weakKind words name a kind only when the question is about documents
// of that kind (it has another filter, or nothing else to search for):
// "bills from Contoso", but "how to bill a client"; "open estimates", but
// "estimate the project's cost".
var weakKind = map[string]bool{
	"bill": true, "bills": true, "estimate": true, "estimates": true, "note": true, "notes": true,
	"contract": true, "contracts": true, "agreement": true, "agreements": true, "mail": true, "mails": true,
	"message": true, "messages": true, "statement": true, "statements": true, "email": true, "emails": true, "e-mail": true, "e-mails": true,
}

// Parse reads a question relative to now. parties lists the known party
// keys (as stored); names in the question are matched against them by
// any distinctive run of their words. now is the reference day for
// relative times.
func Parse(text string, now time.Time, parties []string) *Understood {
	return ParseKnown(text, now, Known{Parties: parties})
}

// Known is what the index knows that helps read a question.
type Known struct {
	// Parties are the known party keys (as stored).
	Parties []string
	// IsNumber, when set, reports whether a stored document has this
	// invoice or order number (NumberKey): "invoice 2015-11-04" is that
	// number when one is stored, else a day.
	IsNumber func(key string) bool
}

// ParseKnown is Parse with what the index knows.
func ParseKnown(text string, now time.Time, k Known) *Understood {
	parties := k.Parties
	u := &Understood{Text: text, Now: now, isNumber: k.IsNumber}
	s := " " + strings.ToLower(text) + " "
	s = strings.NewReplacer("’", "'", ", ", " , ", "?", " ", "!", " ", ";", " ", "(", " ", ")", " ", `"`, " ").Replace(s)
	s = u.takeAddresses(s)
	s = spellDayRange(s)
	s = u.takeNumber(s, now)
	money := reMoneyWord.MatchString(s)
	s = u.takeAmount(s, money || reMoneyKind.MatchString(s))
	s = u.takeCurrency(s)
	s = u.takeTime(s, now)
	order := u.findOrder(s)

	// Kinds and statuses: strong words are filters; weak ones wait for
	// the rest of the question.
	var weak []kindMatch
	s, weak = u.takeKinds(s)
	st := findStatus(s)
	hasWeakKind := len(weak) > 0
	partyCtx := len(u.Kinds) > 0 || hasWeakKind || st != nil || u.Amount != nil || u.Number != "" || u.Time != nil || order != nil
	// "invoices not from Acme", "everything except Globex": the parties
	// named after the negation are left out, unless a party is named
	// before it ("from Acme except Globex": Acme's files exclude Globex's).
	if neg := reNotParty.FindStringIndex(s); neg == nil {
		s = u.takeParties(s, parties, partyCtx)
	} else {
		pre := u.takeParties(s[:neg[0]], parties, partyCtx)
		var other Understood
		post := other.takeParties(" from "+s[neg[1]:], parties, true)
		switch {
		case len(other.Parties) == 0:
			s = pre + s[neg[0]:] // no party after it: the words stay
		case len(u.Parties) > 0:
			s = pre + post
		default:
			u.Parties, u.PartyRaw, u.PartyForms, u.partyVariants = other.Parties, other.PartyRaw, other.PartyForms, other.partyVariants
			u.NotParties = true
			s = pre + post
		}
	}

	strongKind := false
	for _, k := range u.Kinds {
		strongKind = strongKind || facts.IsFinancial(k)
	}
	money = money || strongKind || u.Amount != nil || u.Number != ""
	structured := u.Time != nil || len(u.Parties) > 0 || len(u.Addresses) > 0 || u.Amount != nil || u.Number != "" ||
		(st != nil && st.strong) || order != nil || len(u.Kinds) > 0
	if hasWeakKind {
		// Accept weak kinds when the question has another filter, or
		// nothing but them (and a status) to search for.
		probe := s
		for _, w := range weak {
			probe = strings.Replace(probe, " "+w.word+" ", " ", 1)
		}
		if st != nil {
			probe = cut(probe, st.re.FindStringIndex(probe))
		}
		if structured || len(contentWords(probe)) == 0 {
			for _, w := range weak {
				s = strings.Replace(s, " "+w.word+" ", "  ", 1)
				u.addKind(w.kind)
				money = money || facts.IsFinancial(w.kind)
			}
		}
	}
	if st != nil && st.re == reStatusUnpaidWeak && u.dateWord == "due" && u.Time != nil && u.Time.To.Before(now.AddDate(0, -3, 0)) {
		// "invoices due in March 2011": a due date long past names the
		// date, not an open balance (paid ones were due then too);
		// "invoices due last month" still asks what is open.
		s, st = cut(s, st.re.FindStringIndex(s)), nil
	}
	if st != nil {
		if loc := st.re.FindStringIndex(s); loc != nil {
			probe := cut(s, loc)
			onlyOther := len(u.Kinds) > 0
			for _, k := range u.Kinds {
				onlyOther = onlyOther && !facts.IsFinancial(k)
			}
			ok := money || (st.strong && len(u.Parties) > 0) || len(contentWords(probe)) == 0
			if ok && !onlyOther {
				s = probe
				st.apply(u)
				money = true
			}
		}
	}
	if loc := reSpent.FindStringIndex(s); loc != nil {
		u.Spent = true
		u.Statuses = []string{facts.StatusPaid}
		money = true
		s = cut(s, loc)
	}
	charged := false
	if loc := reCharged.FindStringIndex(s); loc != nil && !u.Spent {
		// "what did Acme charge us": what it invoiced, paid or not.
		charged, money = true, true
		s = cut(s, loc)
	}
	if u.Spent && u.Time != nil && u.Time.Field == IssueDate && u.dateWord == "" {
		u.Time.Field = PaidDate
	}
	if u.notYetDue {
		u.Statuses, u.Overdue = []string{facts.StatusUnpaid, facts.StatusOverdue}, false
		money = true
	}
	if u.Time != nil && !money && (u.Time.Field == DueDate || u.Time.Field == PaidDate) {
		u.Time.Field = IssueDate // "the project due next month": no money documents
	}
	onlyMail := len(u.Kinds) > 0
	for _, k := range u.Kinds {
		onlyMail = onlyMail && k == facts.KindEmail
	}
	if onlyMail && len(u.partyVariants) > 0 {
		// A sender's shorter display names ("Chris" for "Chris Garrigues")
		// are found by the sender's address; as names they would catch
		// every other Chris.
		var keep []string
		for _, p := range u.Parties {
			if !slices.Contains(u.partyVariants, p) {
				keep = append(keep, p)
			}
		}
		u.Parties = keep
	}
	if u.Time != nil {
		switch {
		case u.Time.Field == IssueDate && u.dateWord == "" && onlyMail:
			u.Time.Field = SentDate // "emails from July 2001"
		case u.Time.Field == SentDate && len(u.Kinds) > 0 && !onlyMail:
			u.Time.Field = IssueDate // "invoices we received in October"
		}
	}
	if order != nil && (len(u.Kinds) > 0 || len(u.Parties) > 0 || len(u.Addresses) > 0 || money || u.Time != nil) {
		u.Order = order
		s = strings.Replace(s, order.Phrase, " ", 1)
		if order.By == ByTotal {
			money = true
		}
	}
	if loc := reAggregate.FindStringIndex(s); loc != nil && money {
		u.Aggregate, u.AggregatePhrase = AggSum, strings.TrimSpace(s[loc[0]:loc[1]])
		s = cut(s, loc)
	}

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
	if u.Number != "" && !u.Spent {
		// A number names one document: its kind word is only a label
		// ("find invoice AB-12-345" finds it however it was classified).
		u.Kinds = nil
	}
	if len(u.Kinds) == 0 && u.Number == "" {
		// Money words imply money documents.
		switch {
		case u.Spent:
			u.Kinds = []string{facts.KindInvoice, facts.KindReceipt, facts.KindPayment}
		case u.Statuses != nil || u.Overdue:
			u.Kinds = []string{facts.KindInvoice}
		case charged:
			u.Kinds = []string{facts.KindInvoice, facts.KindReceipt}
		}
	}
	return u
}

func (u *Understood) addKind(k string) {
	for _, x := range u.Kinds {
		if x == k {
			return
		}
	}
	u.Kinds = append(u.Kinds, k)
}

func cut(s string, loc []int) string {
	if loc == nil {
		return s
	}
	return s[:loc[0]] + " " + s[loc[1]:]
}

// leaveOut are the words that leave out what follows them ("except
// receipts", "other than Acme").
const leaveOut = `except|excluding|other than|apart from|but not`

var (
	reStatusOverdue    = lazyregexp.New(`\b(overdue|past due|delinquent)\b`)
	reStatusLate       = lazyregexp.New(`\b(late)\b`)
	reStatusUnpaid     = lazyregexp.New(`\b((?:haven't|have not|hasn't|has not|weren't|were not|wasn't|was not|isn't|is not|aren't|are not|not)\s+(?:yet\s+)?(?:been\s+)?paid(?:\s+yet)?|yet to be paid|awaiting payment|unpaid|outstanding|unsettled|owed|owe|owing|(?:need|have|got) to pay|must pay|(?:left|still) to pay)\b`)
	reStatusUnpaidWeak = lazyregexp.New(`\b(open|pending|still due|due)\b`)
	// "invoices except the paid ones", "all but the unpaid ones".
	reStatusExceptPaid   = lazyregexp.New(`\b(?:` + leaveOut + `|all but)\s+(?:the\s+)?(?:already\s+|fully\s+)?(?:paid|settled)(?:\s+ones)?\b`)
	reStatusExceptUnpaid = lazyregexp.New(`\b(?:` + leaveOut + `|all but)\s+(?:the\s+)?(?:unpaid|open|outstanding|overdue)(?:\s+ones)?\b`)
	reStatusPaid         = lazyregexp.New(`\b(already paid|fully paid|paid|settled)\b`)
	reStatusPaidWeak     = lazyregexp.New(`\b(cleared)\b`)
	rePayVerb            = lazyregexp.New(`\b(did|we|i|have|has)\s+$`)
	reNotBefore          = lazyregexp.New(`\b(?:` + leaveOut + `|not)(?:\s+(?:the|any))?\s*$`)
	reNotParty           = lazyregexp.New(`\b(?:not from|except (?:from|for)|but not from|` + leaveOut + `)\s+`)
	reCharged            = lazyregexp.New(`\b(?:charge|charged|bill|billed|invoice|invoiced)\s+(?:us|me)\b`)
	reSpent              = lazyregexp.New(`\b(did we pay|have we paid|we paid|did i pay|did we spend|we spent|have we spent|payments? to|(?:spent|spend|spending) (?:on|with|at))\b`)
	reMoneyWord          = lazyregexp.New(`\b(pay|paid|payment|payments|owe|owed|owes|owing|spent|spend|charged|billed|invoiced|cost|costs|refund|refunds|expenses?)\b|[$€£]`)
	reMoneyKind          = lazyregexp.New(`\b(invoices?|bills?|receipts?|quotes?|quotations?|estimates?|purchase orders?|credit notes?|remittances?)\b`)
	reAggregate          = lazyregexp.New(`\b(how much|in total|total(?:\s+(?:amount|value|spend|spending|of))?|sum(?:\s+of)?|altogether)\b`)
	reNumberCandidate    = lazyregexp.New(`(?:^|\s)#?([a-z0-9]+(?:[-/_.][a-z0-9]+)*)`)
	reNumberLabel        = lazyregexp.New(`\b(?:(?:invoice|inv|bill|receipt|order|po|quote|estimate|credit note|reference|ref)s?\b|p\.o\.)\s*(?:no\.?|number|num|nr\.?|#)?\s*[:#]?\s*#?\s*([a-z0-9]+(?:[-/_.][a-z0-9]+)*)`)
	reNumberSpaced       = lazyregexp.New(`\b(?:invoice|inv|bill|receipt|order|po|quote|estimate|reference|ref)s?\b\s*(?:no\.?|number|num|nr\.?|#)?\s*[:#]?\s*#?\s*([a-z]{1,4}(?:\s+\d+(?:[-/_.]\d+)*){1,3}|\d+(?:\s+\d+){1,3})\b`)
	reNumberMarked       = lazyregexp.New(`\b(?:no\.?|number|num|nr\.?)\s*[:#]?\s*$|#\s*$`)
	reNumberPrefix       = lazyregexp.New(`^(?:inv|po|so|ord|rcpt|ref|bill|cn|qt|quo)[-/_.]?\d{3,}`)
	reAddress            = lazyregexp.New(`[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}`)
	reNotNumberPatterns  = lazyregexp.New(`^(?:\d{1,4}(?:st|nd|rd|th|k|m|d|w|y|h)|q[1-4]|h[12]|(?:19|20)\d{2}q[1-4]|\d+(?:usd|eur|gbp|chf|cad|aud|kr|nok|sek|dkk))$`)
)

// statusMatch is a status phrase found in a question.
type statusMatch struct {
	re     *lazyregexp.Regexp
	status string // overdue, unpaid or paid
	strong bool
}

func findStatus(s string) *statusMatch {
	for _, c := range []statusMatch{
		{reStatusExceptPaid, facts.StatusUnpaid, true},
		{reStatusExceptUnpaid, facts.StatusPaid, true},
		{reStatusOverdue, facts.StatusOverdue, true},
		{reStatusUnpaid, facts.StatusUnpaid, true},
		{reStatusPaid, facts.StatusPaid, true},
		{reStatusLate, facts.StatusOverdue, false},
		{reStatusUnpaidWeak, facts.StatusUnpaid, false},
		{reStatusPaidWeak, facts.StatusPaid, false},
	} {
		loc := c.re.FindStringIndex(s)
		if loc == nil {
			continue
		}
		if c.status == facts.StatusPaid && rePayVerb.MatchString(s[:loc[0]]) {
			continue // "what did we pay": the verb, not a status
		}
		c := c
		return &c
	}
	return nil
}

func (st *statusMatch) apply(u *Understood) {
	switch st.status {
	case facts.StatusOverdue:
		u.Overdue = true
	case facts.StatusUnpaid:
		u.Statuses = []string{facts.StatusUnpaid, facts.StatusOverdue}
	case facts.StatusPaid:
		u.Statuses = []string{facts.StatusPaid}
	}
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
		out[i] = kindPattern{lazyregexp.New(`(?:^|\s)` + regexp.QuoteMeta(k) + `(?:'s)?(?:\s|$)`), kindSynonyms[k], k}
	}
	return out
}()

type kindPattern struct {
	re   *lazyregexp.Regexp
	kind string
	word string
}

type kindMatch struct{ word, kind string }

// takeKinds takes the strong kind words of s and returns the weak ones
// found (left in s for Parse to decide).
func (u *Understood) takeKinds(s string) (string, []kindMatch) {
	var weak []kindMatch
	for _, kp := range kindPatterns {
		if weakKind[kp.word] {
			if kp.re.MatchString(s) {
				weak = append(weak, kindMatch{kp.word, kp.kind})
			}
			continue
		}
		for {
			loc := kp.re.FindStringIndex(s)
			if loc == nil {
				break
			}
			if n := reNotBefore.FindStringIndex(s[:loc[0]]); n != nil {
				// "everything except receipts": a kind left out.
				if !slices.Contains(u.NotKinds, kp.kind) {
					u.NotKinds = append(u.NotKinds, kp.kind)
				}
				loc[0] = n[0]
			} else {
				u.addKind(kp.kind)
			}
			s = s[:loc[0]] + "  " + s[loc[1]:]
		}
	}
	return s, weak
}

// takeAddresses takes e-mail addresses (senders).
func (u *Understood) takeAddresses(s string) string {
	for _, loc := range reAddress.FindAllStringIndex(s, -1) {
		u.Addresses = append(u.Addresses, s[loc[0]:loc[1]])
	}
	return reAddress.ReplaceAllString(s, " ")
}

// numberLabelKind is the kind a number's label names: "invoice no.",
// "bill #" → invoice; "" when the label names none ("ref", "number").
func numberLabelKind(label string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(label), " ")
	switch strings.TrimSuffix(w, "s") {
	case "invoice", "inv", "bill":
		return facts.KindInvoice
	case "receipt":
		return facts.KindReceipt
	case "quote", "estimate":
		return facts.KindQuote
	case "credit":
		return facts.KindCreditNote
	case "order", "po", "p.o.":
		return facts.KindPurchaseOrder
	}
	return ""
}

// takeNumber takes an invoice or order number: a token after a document
// word ("invoice AB-12-345", "order #1234") or one that looks like a
// document number wherever it is ("INV-2025-0042", "ab-12-345"). Dates,
// years, quarters and amounts are not numbers.
func (u *Understood) takeNumber(s string, now time.Time) string {
	isNumber := func(tok string, labelled bool) bool {
		digits, letters := 0, 0
		for _, r := range tok {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r >= 'a' && r <= 'z':
				letters++
			}
		}
		if digits == 0 || reNotNumberPatterns.MatchString(tok) {
			return false
		}
		if _, ok := parseDate(tok, now); ok {
			return false
		}
		if labelled {
			return letters > 0 || digits >= 3
		}
		sep := strings.ContainsAny(tok, "-/_")
		return letters > 0 && digits >= 2 && (sep || reNumberPrefix.MatchString(tok))
	}
	for _, m := range reNumberLabel.FindAllStringSubmatchIndex(s, -1) {
		tok := strings.TrimRight(s[m[2]:m[3]], ".")
		marked := reNumberMarked.MatchString(s[m[0]:m[2]])
		// A stored number wins over a date or a year it looks like
		// ("invoice 2015-11-04", "invoice 2/11/2023"), after a singular
		// label.
		if u.isNumber != nil && !strings.HasSuffix(strings.TrimSpace(s[m[0]:m[2]]), "s") && u.isNumber(NumberKey(tok)) {
			u.Number, u.NumberKind = tok, numberLabelKind(s[m[0]:m[2]])
			return cut(s, []int{m[0], m[2] + len(tok)})
		}
		// Four digits after a label are a year ("invoices 2025") unless
		// marked as a number, or after a singular label and no year a
		// document of now would carry ("invoice 1727", "invoice 0000").
		four := reY.MatchString(tok)
		year := four
		if four && !strings.HasSuffix(strings.TrimSpace(s[m[0]:m[2]]), "s") {
			y, _ := strconv.Atoi(tok)
			year = y >= 1970 && y <= now.Year()+1
		}
		if four && !year || isNumber(tok, true) && (marked || !year) {
			u.Number, u.NumberKind = tok, numberLabelKind(s[m[0]:m[2]])
			return cut(s, []int{m[0], m[2] + len(tok)}) // with its label
		}
	}
	// A number written with spaces ("invoice NW 1", "order no. 12 345"):
	// its letters in capitals in the question, or after "no."/"#".
	for _, m := range reNumberSpaced.FindAllStringSubmatchIndex(s, -1) {
		tok := s[m[2]:m[3]]
		letters := ""
		if f := strings.Fields(tok); len(f) > 0 && !strings.ContainsAny(f[0], "0123456789") {
			letters = f[0] // the series code: "fpr" of "fpr 16/20"
		}
		marked := reNumberMarked.MatchString(s[m[0]:m[2]])
		if marked || letters != "" && strings.Contains(u.Text, strings.ToUpper(letters)+" ") {
			u.Number = strings.ToUpper(strings.Join(strings.Fields(tok), " "))
			return cut(s, []int{m[0], m[3]}) // with its label: "order no."
		}
	}
	for _, m := range reNumberCandidate.FindAllStringSubmatchIndex(s, -1) {
		tok := strings.TrimRight(s[m[2]:m[3]], ".")
		if isNumber(tok, s[m[0]:m[2]] != "" && strings.Contains(s[m[0]:m[2]], "#")) {
			u.Number = tok
			return cut(s, []int{m[2], m[2] + len(tok)})
		}
	}
	return s
}

var (
	reTopN  = lazyregexp.New(`\b(?:the\s+)?(top|first|last|latest|newest|most recent|oldest|earliest|biggest|largest|highest|smallest|lowest|cheapest|most expensive)\s+(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|twelve)\b`)
	reSuper = lazyregexp.New(`\b(?:the\s+)?(largest|biggest|highest|most expensive|priciest|costliest|smallest|lowest|cheapest|least expensive|latest|most recent|newest|last|oldest|earliest|first)\b`)
	// reOrderKind: "first" and "last" order only right before a kind word
	// ("the last invoice"), not in "first aid" or "last will".
	reOrderKind = lazyregexp.New(`^\s*(?:\d{1,3}\s+)?(?:[a-z]+\s+){0,2}?(invoices?|bills?|receipts?|quotes?|estimates?|orders?|emails?|e-mails?|mails?|messages?|notes?|contracts?|payments?|credit notes?|documents?|files?|ones?|one)\b`)
)

// findOrder finds a superlative or "top N"; Parse keeps it only for
// questions about documents.
func (u *Understood) findOrder(s string) *Order {
	o := &Order{}
	var word string
	if m := reTopN.FindStringSubmatchIndex(s); m != nil {
		word = s[m[2]:m[3]]
		n, err := strconv.Atoi(s[m[4]:m[5]])
		if err != nil {
			n = numberWords[s[m[4]:m[5]]]
		}
		o.Limit, o.Phrase = n, s[m[0]:m[1]]
	} else if m := reSuper.FindStringSubmatchIndex(s); m != nil {
		word = s[m[2]:m[3]]
		o.Phrase = s[m[0]:m[1]]
		km := reOrderKind.FindStringSubmatch(s[m[1]:])
		if (word == "first" || word == "last") && km == nil {
			return nil
		}
		o.Limit = 1
		if km != nil && (strings.HasSuffix(km[1], "s") && km[1] != "ones") {
			o.Limit = 0 // plural: "the latest invoices"
		}
	} else {
		return nil
	}
	switch word {
	case "top", "biggest", "largest", "highest", "most expensive", "priciest", "costliest":
		o.By, o.Desc = ByTotal, true
	case "smallest", "lowest", "cheapest", "least expensive":
		o.By = ByTotal
	case "last", "latest", "newest", "most recent":
		o.By, o.Desc = ByDate, true
	default: // first, oldest, earliest
		o.By = ByDate
	}
	return o
}
func wordMatch(q, p string) bool {
	if q == p {
		return true
	}
	if len(q) < 5 || len(p) < 5 {
		return false
	}
	return facts.OneEdit(q, p)
}
