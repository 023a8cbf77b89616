// Package facts extracts business facts from document text: what kind of
// document it is, its dates (issued, due, paid), amounts and which one is
// the total or the balance due, the counterparty, the invoice number and
// the payment status.
//
// The extraction is rule-based and deterministic: it reads labels
// ("Due date:", "Balance due", "Bill to") the way a person scans an
// invoice. Functions are pure and safe for concurrent use.
package facts

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Document kinds.
const (
	KindInvoice       = "invoice"
	KindReceipt       = "receipt"
	KindQuote         = "quote"
	KindPurchaseOrder = "purchase_order"
	KindCreditNote    = "credit_note"
	KindPayment       = "payment_confirmation"
	KindContract      = "contract"
	KindNote          = "note"
	KindEmail         = "email"
	KindOther         = "other"
)

// Kinds lists every document kind.
var Kinds = []string{KindInvoice, KindReceipt, KindQuote, KindPurchaseOrder, KindCreditNote, KindPayment, KindContract, KindNote, KindEmail, KindOther}

// Payment statuses.
const (
	StatusPaid    = "paid"
	StatusUnpaid  = "unpaid"
	StatusOverdue = "overdue"
)

// Hints carry what the file format already told us.
type Hints struct {
	Title string    // e.g. a Markdown front-matter title or HTML <title>
	From  string    // e-mail sender ("Name <addr>")
	Date  time.Time // e-mail Date header
	Kind  string    // KindNote for Markdown notes, KindEmail for messages
}

// Facts is what Extract found. Zero fields were not found.
type Facts struct {
	Kind          string   `json:"kind"`
	Title         string   `json:"title,omitempty"`
	IssueDate     Date     `json:"-"`
	DueDate       Date     `json:"-"`
	PaidDate      Date     `json:"-"`
	Dates         []Date   `json:"-"`
	Amounts       []Amount `json:"amounts,omitempty"`
	Total         *Amount  `json:"total,omitempty"`
	BalanceDue    *Amount  `json:"balance_due,omitempty"`
	Currency      string   `json:"currency,omitempty"`
	Party         string   `json:"party,omitempty"`
	PartyKey      string   `json:"party_key,omitempty"`
	InvoiceNumber string   `json:"invoice_number,omitempty"`
	Status        string   `json:"status,omitempty"`
}

// IsFinancial reports whether kind is a money document (status and
// amounts make sense for it).
func IsFinancial(kind string) bool {
	switch kind {
	case KindInvoice, KindReceipt, KindQuote, KindPurchaseOrder, KindCreditNote, KindPayment:
		return true
	}
	return false
}

// Extract reads the facts of a document's text.
func Extract(text string, h Hints) Facts {
	var f Facts
	f.Amounts = FindAmounts(text)
	f.Kind = detectKind(text, h, len(f.Amounts) > 0)
	f.Title = h.Title
	if f.Title == "" {
		f.Title = firstLine(text)
	}
	dates := FindDates(text)
	for _, d := range dates {
		f.Dates = append(f.Dates, d.Date)
	}
	assignDates(&f, text, dates, h)
	if IsFinancial(f.Kind) {
		pickTotals(&f)
		f.Party = findParty(text, h)
		f.InvoiceNumber = findInvoiceNumber(text)
		f.Status = detectStatus(text, &f)
	} else if h.From != "" {
		f.Party = senderName(h.From)
	}
	f.PartyKey = PartyKey(f.Party)
	return f
}

func firstLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(strings.TrimLeft(l, "#*=- \t"))
		if l != "" {
			if len(l) > 120 {
				l = l[:120]
			}
			return l
		}
	}
	return ""
}

// kindWords maps phrases to kinds, most specific first.
var kindWords = []struct{ phrase, kind string }{
	{"credit note", KindCreditNote}, {"credit memo", KindCreditNote},
	{"purchase order", KindPurchaseOrder},
	{"payment confirmation", KindPayment}, {"remittance advice", KindPayment}, {"payment receipt", KindReceipt},
	{"confirmation of payment", KindPayment}, {"payment received", KindPayment},
	{"quotation", KindQuote}, {"estimate", KindQuote}, {"quote", KindQuote}, {"proposal", KindQuote},
	{"sales receipt", KindReceipt}, {"receipt", KindReceipt},
	{"tax invoice", KindInvoice}, {"invoice", KindInvoice}, {"bill", KindInvoice},
	{"service agreement", KindContract}, {"agreement", KindContract}, {"contract", KindContract},
}

func hasPhrase(s, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], phrase)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isLetter(s[j-1])
		after := j+len(phrase) >= len(s) || !isLetter(s[j+len(phrase)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func detectKind(text string, h Hints, hasAmounts bool) string {
	lower := strings.ToLower(text)
	// The heading decides: the first lines of a document name it.
	head := strings.ToLower(h.Title) + "\n" + headLines(lower, 4)
	kind := ""
	for _, kw := range kindWords {
		if hasPhrase(head, kw.phrase) {
			kind = kw.kind
			break
		}
	}
	if kind == "" && h.Kind == "" {
		best, n := "", 0
		for _, kw := range kindWords {
			if kw.phrase == "bill" || kw.phrase == "proposal" {
				continue
			}
			if c := strings.Count(lower, kw.phrase); c > n {
				best, n = kw.kind, c
			}
		}
		kind = best
	}
	if IsFinancial(kind) && !hasAmounts {
		kind = ""
	}
	if kind == KindContract && h.Kind == KindNote {
		kind = ""
	}
	switch {
	case kind != "" && (h.Kind != KindNote || headNamesKind(head, kind)):
		return kind
	case h.Kind != "":
		return h.Kind
	}
	return KindOther
}

// headNamesKind reports whether the heading lines name kind.
func headNamesKind(head, kind string) bool {
	for _, kw := range kindWords {
		if kw.kind == kind && hasPhrase(head, kw.phrase) {
			return true
		}
	}
	return false
}

func headLines(s string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, l)
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, "\n")
}

var (
	dueLabels   = []string{"due date", "payment due", "due by", "due on", "pay by", "remit by", "payable by", "due", "expires", "valid until"}
	paidLabels  = []string{"paid on", "payment date", "date paid", "date of payment", "received on", "paid", "payment received"}
	issueLabels = []string{"invoice date", "date of issue", "issue date", "issued", "date", "dated", "order date", "receipt date", "quote date"}
)

func assignDates(f *Facts, text string, dates []DateMatch, h Hints) {
	for _, d := range dates {
		lbl := labelBefore(text, d.Start)
		switch {
		case f.DueDate.IsZero() && hasAnyPhrase(lbl, dueLabels) && !strings.Contains(lbl, "paid"):
			f.DueDate = d.Date
		case f.PaidDate.IsZero() && hasAnyPhrase(lbl, paidLabels):
			f.PaidDate = d.Date
		case f.IssueDate.IsZero() && hasAnyPhrase(lbl, issueLabels):
			f.IssueDate = d.Date
		}
	}
	if f.IssueDate.IsZero() {
		for _, d := range dates {
			if d.Date != f.DueDate && d.Date != f.PaidDate {
				f.IssueDate = d.Date
				break
			}
		}
	}
	if f.IssueDate.IsZero() && !h.Date.IsZero() {
		f.IssueDate = DateOf(h.Date)
	}
}

func hasAnyPhrase(s string, phrases []string) bool {
	for _, p := range phrases {
		if hasPhrase(s, p) {
			return true
		}
	}
	return false
}

func pickTotals(f *Facts) {
	counts := map[string]int{}
	for i := range f.Amounts {
		a := &f.Amounts[i]
		if a.Currency != "" {
			counts[a.Currency]++
		}
		switch a.Role {
		case "total":
			f.Total = a // the last total wins: grand totals come last
		case "balance_due":
			f.BalanceDue = a
		}
	}
	if f.Total == nil {
		var best *Amount
		for i := range f.Amounts {
			a := &f.Amounts[i]
			if a.Role == "tax" || a.Role == "subtotal" {
				continue
			}
			if best == nil || abs(a.Value) > abs(best.Value) {
				best = a
			}
		}
		if best == nil && f.BalanceDue != nil {
			best = f.BalanceDue
		}
		f.Total = best
	}
	if f.Total != nil && f.Total.Currency != "" {
		f.Currency = f.Total.Currency
	} else {
		n := 0
		for c, k := range counts {
			if k > n {
				f.Currency, n = c, k
			}
		}
	}
	for _, a := range []*Amount{f.Total, f.BalanceDue} {
		if a != nil && a.Currency == "" {
			a.Currency = f.Currency
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

var (
	reStatusLine = regexp.MustCompile(`(?im)^\W*(?:payment\s+)?status\W*[:\-]\s*\W*([a-z ]+)`)
	paidPhrases  = []string{"paid in full", "payment received", "thank you for your payment", "payment has been received",
		"we have received your payment", "received with thanks", "fully paid", "this invoice has been paid", "settled in full", "marked as paid"}
	overduePhrases = []string{"overdue", "past due", "final notice", "final reminder", "seriously late", "payment reminder", "now late"}
	unpaidPhrases  = []string{"please remit", "please pay", "payment due", "amount due", "balance due", "awaiting payment", "unpaid",
		"outstanding", "due date", "payable within", "payment terms", "net 30", "net 15", "pay by", "due upon receipt", "due on receipt"}
)

func detectStatus(text string, f *Facts) string {
	lower := strings.ToLower(text)
	if m := reStatusLine.FindStringSubmatch(lower); m != nil {
		s := strings.TrimSpace(m[1])
		switch {
		case strings.HasPrefix(s, "paid"), strings.HasPrefix(s, "settled"), strings.HasPrefix(s, "closed"), strings.HasPrefix(s, "complete"):
			return StatusPaid
		case strings.HasPrefix(s, "overdue"), strings.HasPrefix(s, "past due"), strings.HasPrefix(s, "late"):
			return StatusOverdue
		case strings.HasPrefix(s, "unpaid"), strings.HasPrefix(s, "open"), strings.HasPrefix(s, "outstanding"), strings.HasPrefix(s, "due"), strings.HasPrefix(s, "pending"), strings.HasPrefix(s, "awaiting"), strings.HasPrefix(s, "sent"):
			return StatusUnpaid
		}
	}
	switch f.Kind {
	case KindReceipt, KindPayment:
		return StatusPaid
	case KindInvoice:
	default:
		return ""
	}
	if f.BalanceDue != nil && f.BalanceDue.Value == 0 {
		return StatusPaid
	}
	if hasAnyPhrase(lower, paidPhrases) || stampedPaid(text) || !f.PaidDate.IsZero() && f.BalanceDue == nil {
		return StatusPaid
	}
	if hasAnyPhrase(lower, overduePhrases) {
		return StatusOverdue
	}
	if hasAnyPhrase(lower, unpaidPhrases) || f.BalanceDue != nil && f.BalanceDue.Value > 0 || !f.DueDate.IsZero() {
		return StatusUnpaid
	}
	return StatusUnpaid
}

// stampedPaid reports a "PAID" stamp: the upper-case word alone on a line
// or in brackets.
func stampedPaid(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		t := strings.Trim(strings.TrimSpace(l), "*[]()#=-_ ")
		if t == "PAID" || t == "PAID IN FULL" {
			return true
		}
	}
	return false
}

var reInvoiceNo = regexp.MustCompile(`(?i)\b(?:invoice|inv|bill|receipt|credit note|quote|estimate|order|po|p\.o\.)\s*(?:no\.?|number|num|#|id)?\s*[:#]?\s*#?\s*([A-Z0-9][A-Z0-9\-/_.]*\d[A-Z0-9\-/_]*)`)

func findInvoiceNumber(text string) string {
	for _, m := range reInvoiceNo.FindAllStringSubmatch(text, 8) {
		n := strings.TrimRight(m[1], ".-/")
		if len(n) >= 3 && len(n) <= 40 {
			if _, ok := ParseDate(n); ok {
				continue
			}
			return n
		}
	}
	return ""
}

var (
	legalSuffixes = map[string]bool{"ltd": true, "limited": true, "inc": true, "incorporated": true, "llc": true, "llp": true, "gmbh": true,
		"corp": true, "corporation": true, "co": true, "company": true, "plc": true, "sa": true, "ag": true, "bv": true, "nv": true,
		"sarl": true, "srl": true, "pty": true, "oy": true, "ab": true, "as": true, "kg": true, "lp": true, "the": true, "and": true, "&": true}
	partyLabels = []string{"from", "vendor", "supplier", "seller", "bill from", "billed by", "issued by", "payee", "remit to", "pay to", "merchant", "sold by", "company", "provider"}
	buyerLabels = []string{"bill to", "billed to", "invoice to", "customer", "client", "ship to", "sold to", "deliver to", "to", "attention", "attn", "recipient", "buyer"}
	reLabelLine = regexp.MustCompile(`^\s*[*#|]*\s*([A-Za-z][A-Za-z .]{0,20}?)\s*[*|]*\s*:\s*(.*)$`)
)

// PartyKey normalises a party name for matching: lower case, punctuation
// and legal-form words (Ltd, Inc, GmbH, ...) removed. "Northwind Traders
// Ltd." becomes "northwind traders".
func PartyKey(name string) string {
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&'
	}) {
		if !legalSuffixes[w] {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// SameParty reports whether two party keys name the same party: equal, or
// one's words are a leading part of the other's ("northwind" and
// "northwind traders").
func SameParty(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasPrefix(b, a+" ")
}

func senderName(from string) string {
	from = strings.TrimSpace(from)
	if i := strings.IndexByte(from, '<'); i > 0 {
		return strings.Trim(strings.TrimSpace(from[:i]), `"'`)
	}
	if i := strings.IndexByte(from, '@'); i > 0 {
		dom := from[i+1:]
		if j := strings.IndexByte(dom, '.'); j > 0 {
			dom = dom[:j]
		}
		return dom
	}
	return from
}

func looksLikeCompany(line string) bool {
	words := strings.FieldsFunc(strings.ToLower(line), func(r rune) bool { return !unicode.IsLetter(r) && r != '&' })
	for _, w := range words {
		if legalSuffixes[w] && w != "the" && w != "and" && w != "&" && w != "as" && w != "co" && w != "company" {
			return true
		}
	}
	return false
}

// findParty returns the issuer of a money document: a labelled vendor, an
// e-mail sender, or the company-looking line at the top outside the
// bill-to block.
func findParty(text string, h Hints) string {
	lines := strings.Split(text, "\n")
	inBuyer, buyerLines := false, 0
	var company, top string
	companyAt, topAt := -1, -1
	nonEmpty := 0
	for i, raw := range lines {
		l := strings.TrimSpace(raw)
		if l == "" {
			if buyerLines > 0 {
				inBuyer = false // the block ends at the first blank line after its content
			}
			continue
		}
		nonEmpty++
		if inBuyer {
			buyerLines++
		}
		if m := reLabelLine.FindStringSubmatch(l); m != nil {
			lbl := strings.ToLower(strings.TrimSpace(m[1]))
			val := strings.TrimSpace(strings.Trim(m[2], "*| "))
			if val == "" && i+1 < len(lines) {
				val = strings.TrimSpace(lines[i+1])
			}
			switch {
			case slices.Contains(partyLabels, lbl):
				if name := cleanName(val); name != "" {
					return name
				}
			case slices.Contains(buyerLabels, lbl):
				inBuyer, buyerLines = true, 0
				if val != "" && val != strings.TrimSpace(lines[min(i+1, len(lines)-1)]) {
					buyerLines = 1 // "Customer: Acme Ltd" names the buyer on its own line
					inBuyer = false
				}
				continue
			}
		}
		low := strings.ToLower(l)
		if slices.Contains(buyerLabels, strings.Trim(low, ": *#")) {
			inBuyer, buyerLines = true, 0
			continue
		}
		if inBuyer || i > 40 || isBuyerGreeting(low) {
			continue
		}
		if company == "" && looksLikeCompany(l) && len(l) < 80 {
			company, companyAt = cleanName(l), i
		}
		if top == "" && nonEmpty <= 3 && isNameLine(l) {
			top, topAt = cleanName(l), i
		}
	}
	switch {
	case top != "" && (company == "" || topAt < companyAt):
		return top
	case company != "":
		return company
	case h.From != "":
		return senderName(h.From)
	}
	return top
}

// isBuyerGreeting reports a salutation line ("Dear Acme Ltd,"): it names
// the recipient, not the issuer.
func isBuyerGreeting(low string) bool {
	return strings.HasPrefix(low, "dear ") || strings.HasPrefix(low, "hello ") || strings.HasPrefix(low, "hi ") || strings.HasPrefix(low, "attn")
}

// isNameLine reports a short title-case line that is not a document kind,
// a date or an amount.
func isNameLine(l string) bool {
	l = strings.Trim(l, "#*= ")
	if l == "" || len(l) > 60 || strings.ContainsAny(l, ":@$€£0123456789") {
		return false
	}
	lower := strings.ToLower(l)
	for _, kw := range kindWords {
		if hasPhrase(lower, kw.phrase) {
			return false
		}
	}
	words := strings.Fields(l)
	if len(words) > 6 {
		return false
	}
	for _, w := range words {
		r := []rune(w)
		if !unicode.IsUpper(r[0]) && !legalSuffixes[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

func cleanName(s string) string {
	s = strings.TrimSpace(strings.Trim(s, "*#|_ \t"))
	// "Invoice from Contoso Inc." / "Payment to Northwind": the name follows
	// the preposition.
	low := strings.ToLower(s)
	for _, p := range []string{" from ", " by ", " to ", " with "} {
		if i := strings.LastIndex(low, p); i >= 0 && i+len(p) < len(s) {
			head := low[:i]
			if strings.Contains(head, "invoice") || strings.Contains(head, "bill") || strings.Contains(head, "receipt") ||
				strings.Contains(head, "statement") || strings.Contains(head, "quote") || strings.Contains(head, "payment") ||
				strings.Contains(head, "order") || strings.Contains(head, "business") || strings.Contains(head, "issued") {
				s = strings.TrimSpace(s[i+len(p):])
				break
			}
		}
	}
	if i := strings.IndexAny(s, "<|,;("); i > 0 {
		s = s[:i]
	}
	for _, sep := range []string{" - ", " — ", " – ", "  "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	s = strings.TrimSpace(s)
	if len(s) > 80 || PartyKey(s) == "" {
		return ""
	}
	return s
}
