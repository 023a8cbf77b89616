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
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"nexusos/internal/lazyregexp"
	"nexusos/memex/layout"
)

// Version names the extraction rules. MemexFS reads a file again when
// the rules that indexed it had another version; change it with any rule
// change that alters facts.
const Version = "2026-12-08b"

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
	KindStatement     = "statement"
	KindOther         = "other"
)

// Kinds lists every document kind.
var Kinds = []string{KindInvoice, KindReceipt, KindQuote, KindPurchaseOrder, KindCreditNote, KindPayment, KindContract, KindNote, KindEmail, KindStatement, KindOther}

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
	// Lines is the document's geometry (package layout); when nil it is
	// built from the text.
	Lines []layout.Line
}

// Facts is what Extract found. Zero fields were not found.
type Facts struct {
	Kind          string   `json:"kind"`
	Title         string   `json:"title,omitempty"`
	Language      string   `json:"language,omitempty"`
	IssueDate     Date     `json:"-"`
	DueDate       Date     `json:"-"`
	PaidDate      Date     `json:"-"`
	Dates         []Date   `json:"-"`
	Amounts       []Amount `json:"amounts,omitempty"`
	Total         *Amount  `json:"total,omitempty"`
	Subtotal      *Amount  `json:"subtotal,omitempty"`
	Tax           *Amount  `json:"tax,omitempty"`
	AmountPaid    *Amount  `json:"amount_paid,omitempty"`
	BalanceDue    *Amount  `json:"balance_due,omitempty"`
	Currency      string   `json:"currency,omitempty"`
	Party         string   `json:"party,omitempty"`
	PartyKey      string   `json:"party_key,omitempty"`
	InvoiceNumber string   `json:"invoice_number,omitempty"`
	Status        string   `json:"status,omitempty"`
	// DateAmbiguous is set when a numeric date could be read day-first or
	// month-first and nothing in the document decided it.
	DateAmbiguous bool `json:"date_ambiguous,omitempty"`
	// Sources says where each field came from (page, line, label) and
	// how sure the reading is, keyed by field name (kind, issuer,
	// issue_date, due_date, paid_date, total, currency, invoice_number,
	// status).
	Sources map[string]Source `json:"sources,omitempty"`
}

// IsFinancial reports whether kind is a money document (status and
// amounts make sense for it).
func IsFinancial(kind string) bool {
	switch kind {
	case KindInvoice, KindReceipt, KindQuote, KindPurchaseOrder, KindCreditNote, KindPayment, KindStatement:
		return true
	}
	return false
}

// Extract reads the facts of a document: its geometry (h.Lines, or the
// text's lines) goes through the label lexicon to labelled values, which
// become fields with their provenance.
func Extract(text string, h Hints) Facts {
	var f Facts
	f.Sources = map[string]Source{}
	lines := h.Lines
	if lines == nil {
		lines = layout.FromText(text)
	}
	text, lines = narrowText(text, lines)
	f.Language = DetectLanguage(text)
	v := newDocView(lines, text, f.Language)
	v.nums = FindNumbers(text, f.Language)
	f.Amounts = markedAmounts(text, v.nums)
	cs := v.candidates()
	kind, ksrc := v.detectKind(cs, h)
	cs = append(cs, v.titleCands()...)
	cs = append(cs, v.numberBelowTitle()...)
	f.Kind = kind
	if ksrc != nil {
		f.Sources["kind"] = *ksrc
	}
	f.Title = h.Title
	if f.Title == "" {
		f.Title = firstLine(text)
	}
	dates := FindDatesIn(text, v.dateOpts)
	for _, d := range dates {
		f.Dates = append(f.Dates, d.Date)
	}
	v.assignDates(&f, cs, dates, h)
	if f.Kind == KindOther || f.Kind == KindContract || f.Kind == KindEmail {
		// Letters, contracts and messages may state money and numbers
		// too: keep what a label states, never a guess.
		if f.Kind != KindEmail {
			if p, src := v.findIssuer(cs, Hints{}); p != "" && src.Confidence >= 0.45 {
				f.Party = p
				f.Sources["issuer"] = *src
			}
		}
		v.assignMoney(&f, cs)
		if f.Sources["total"].How == "largest" || f.Total == nil {
			f.Total = nil
			f.Currency = ""
			delete(f.Sources, "total")
			delete(f.Sources, "currency")
		}
		if n, src := bestNumber(cs); n != "" && src.Confidence >= 0.85 {
			f.InvoiceNumber = n
			f.Sources["invoice_number"] = *src
		}
	}
	if IsFinancial(f.Kind) {
		v.assignMoney(&f, cs)
		p, src := v.findIssuer(cs, h)
		if p == "" && f.Language == "ja" {
			p, src = v.jaIssuer()
		}
		if p != "" {
			f.Party = p
			f.Sources["issuer"] = *src
		}
		if n, src := bestNumber(cs); n != "" {
			f.InvoiceNumber = n
			f.Sources["invoice_number"] = *src
		}
		if f.DueDate.IsZero() {
			if d, src, ok := v.dueFromTerms(dates); ok {
				f.DueDate = d
				f.Sources["due_date"] = src
			}
		}
		if f.DueDate.IsZero() && !f.IssueDate.IsZero() && dueImmediately(v.foldedText()) {
			f.DueDate = f.IssueDate
			f.Sources["due_date"] = Source{How: "terms", Confidence: 0.7}
		}
		if f.DueDate.IsZero() && !f.IssueDate.IsZero() {
			if n, ok := termsDays(text); ok {
				f.DueDate = DateOf(f.IssueDate.Time().AddDate(0, 0, n))
				f.Sources["due_date"] = Source{How: "terms", Confidence: 0.7}
			}
		}
		// An invoice whose total is negative gives money back: a credit
		// note, whatever its title.
		if f.Kind == KindInvoice && f.Total != nil && f.Total.Value < 0 {
			f.Kind = KindCreditNote
			f.Sources["kind"] = Source{How: "negative total", Confidence: 0.7}
		}
		st, src := v.detectStatus(text, &f)
		f.Status = st
		if src != nil {
			f.Sources["status"] = *src
		}
	} else if h.From != "" {
		f.Party = senderName(h.From)
		f.Sources["issuer"] = Source{How: "sender", Confidence: 0.8}
	}
	f.PartyKey = PartyKey(f.Party)
	if h.Title == "" && IsFinancial(f.Kind) {
		f.Title = v.moneyTitle(&f)
	}
	if len(f.Sources) == 0 {
		f.Sources = nil
	}
	return f
}

// narrowText writes the full-width forms of ASCII that Japanese and
// Chinese documents type ("２０２５", "：") and the ideographic space as
// ASCII, in the text and in a copy of the lines, so that numbers, dates
// and labels read as they do elsewhere.
func narrowText(text string, lines []layout.Line) (string, []layout.Line) {
	wide := func(r rune) bool { return r >= 0xff01 && r <= 0xff5e || r == 0x3000 }
	if strings.IndexFunc(text, wide) < 0 {
		return text, lines
	}
	narrow := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r == 0x3000:
				return ' '
			case wide(r):
				return r - 0xfee0
			}
			return r
		}, s)
	}
	out := make([]layout.Line, len(lines))
	for i, l := range lines {
		out[i] = l
		out[i].Cells = slices.Clone(l.Cells)
		for j := range out[i].Cells {
			out[i].Cells[j].Text = narrow(out[i].Cells[j].Text)
		}
	}
	return narrow(text), out
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

// moneyTitle names a money document for people: its title line
// ("Handelsrechnung Nr. 471102 vom 05.06.2018"), or what it is, its number
// and its issuer ("Receipt — HORNBACH Baumarkt AG") when the title is an
// image or missing.
func (v *docView) moneyTitle(f *Facts) string {
	if i := v.titleAt[0]; i >= 0 {
		if t := strings.TrimSpace(v.lines[i].Cells[v.titleAt[1]].Text); len(t) >= 4 {
			return t
		}
	}
	name := strings.ToUpper(f.Kind[:1]) + strings.ReplaceAll(f.Kind[1:], "_", " ")
	if f.InvoiceNumber != "" {
		name += " " + f.InvoiceNumber
	}
	if f.Party != "" {
		name += " — " + f.Party
	}
	return name
}

// titleKind returns the kind a heading cell names: the cell is a title
// ("INVOICE", "Rechnung", "Facture N° 12", "Credit note CN-12"), not a
// sentence that mentions one.
func titleKind(cell string) (string, bool) {
	f := fold(cell)
	if f == "" || len(f) > 60 || isOtherTitle(cell) {
		return "", false // "Bill of lading" is no bill
	}
	// A logo read as one digit or sign before the title ("4 RBS
	// Statement").
	if ws := strings.Fields(f); len(ws) >= 3 && len(ws[0]) == 1 && !isLetter(ws[0][0]) {
		f = strings.Join(ws[1:], " ")
	}
	// German and Dutch compounds name their kind in their last part
	// ("Mietrechnung", "Schlussrechnung", "Eindfactuur"): the compound is
	// read as that title.
	if w, rest, _ := strings.Cut(f, " "); len(w) > 8 {
		for _, c := range compoundTitles {
			if strings.HasSuffix(w, c.suffix) && len(w) > len(c.suffix)+2 && !strings.HasSuffix(w, "be"+c.suffix) {
				if k, ok := titleKind(strings.TrimSpace(c.suffix + " " + rest)); ok && k == c.kind {
					return k, true
				}
			}
		}
	}
	// "Bank Statement", "Credit Card Statement", "Monthly Statement".
	// Not "See our Privacy Statement": a sentence, and no account's.
	if ws := strings.Fields(f); len(ws) >= 2 && len(ws) <= 4 && ws[len(ws)-1] == "statement" && !strings.ContainsAny(f, "0123456789") &&
		!containsAnyWord(f, notStatements...) && !slices.Contains([]string{"see", "check", "read", "view", "our", "your", "the", "this"}, ws[0]) {
		return KindStatement, true
	}
	// The longest title wins ("Documento auxiliar da nota fiscal de
	// consumidor" is a receipt, "... da nota fiscal" an invoice); kinds
	// are tried in kindOrder for titles of one length.
	kind, long := "", 0
	for _, k := range kindOrder {
		for _, t := range kindTitles[k] {
			if len(t) <= long {
				continue
			}
			if f == t {
				kind, long = k, len(t)
				continue
			}
			if !strings.HasPrefix(f, t+" ") {
				continue
			}
			rest := strings.Fields(f[len(t):])
			// A title followed by a number, a label or a short qualifier.
			if len(rest) <= 12 && strings.ContainsAny(cell, "0123456789#") || len(rest) <= 4 && (len(findLabels(cell)) > 0 || len(rest) <= 2) {
				kind, long = k, len(t)
			}
		}
	}
	// No listed title: "Sales Invoice", "Repair Estimate", "Phone Bill",
	// one or two words before an English kind word, name that kind; not an
	// action on one ("View invoice") or a reminder of one ("Overdue
	// invoice").
	if ws := strings.Fields(f); kind == "" && len(ws) >= 2 && len(ws) <= 3 && !strings.ContainsAny(f, "0123456789") {
		if k, ok := kindHeads[ws[len(ws)-1]]; ok {
			plain := true
			for _, w := range ws[:len(ws)-1] {
				if len(w) < 3 || !isLetterWord(w) || notKindModifier(w) {
					plain = false
					break
				}
			}
			if plain {
				return k, true
			}
		}
	}
	return kind, kind != ""
}

// headingKind is titleKind for a heading cell as scanners and designers
// leave it: letter-spaced ("I N V O I C E"), glued to the number beside it
// by OCR ("2026F02-001FACTURE"), or with one letter misread or lost
// ("IN VO C E"). It returns the kind and the cell's text as read
// (repaired: "FACTURE 2026F02-001").
func headingKind(cell string) (string, string, bool) {
	if k, ok := titleKind(cell); ok {
		return k, cell, true
	}
	t := repairTitle(cell)
	if t == "" {
		return "", "", false
	}
	k, ok := titleKind(t)
	return k, t, ok
}

// repairTitle undoes what scanning and letter-spacing do to a one-word
// title, or returns "" when the cell is no such title. Only one-word
// titles of five letters or more are repaired: short words are too easily
// made by chance.
func repairTitle(cell string) string {
	ws := strings.Fields(cell)
	if len(ws) == 0 || len(ws) > 12 {
		return ""
	}
	// Letter-spaced: every piece one to three letters ("IN VO C E").
	spaced := len(ws) >= 3
	for _, w := range ws {
		if len(w) > 3 || !isLetterWord(w) {
			spaced = false
			break
		}
	}
	// Broken by uneven letter spacing ("Q UOTATIO N"): capitals in two to
	// five pieces that join into a title exactly.
	broken := !spaced && len(ws) >= 2 && len(ws) <= 5
	for _, w := range ws {
		if !isLetterWord(w) || strings.ToUpper(w) != w {
			broken = false
			break
		}
	}
	word, rest := "", ""
	switch {
	case spaced, broken:
		word = strings.Join(ws, "")
	case len(ws) == 1:
		// Glued: a number and a capitalised title in one token.
		w := ws[0]
		i := strings.LastIndexFunc(w, func(r rune) bool { return !unicode.IsUpper(r) })
		j := strings.IndexFunc(w, func(r rune) bool { return !unicode.IsUpper(r) })
		switch {
		case i >= 0 && i+1 < len(w) && strings.ContainsAny(w[:i+1], "0123456789"):
			word, rest = w[i+1:], strings.Trim(w[:i+1], "-#:")
		case j > 0 && strings.ContainsAny(w[j:], "0123456789"):
			word, rest = w[:j], strings.Trim(w[j:], "-#:")
		default:
			return ""
		}
	default:
		return ""
	}
	f := fold(word)
	if len(f) < 5 || strings.Contains(f, " ") {
		return ""
	}
	for _, k := range kindOrder {
		for _, t := range kindTitles[k] {
			if len(t) < 5 || strings.Contains(t, " ") {
				continue
			}
			if f == t || spaced && OneEdit(f, t) {
				return strings.TrimSpace(t + " " + rest)
			}
		}
	}
	return ""
}

// isLetterWord reports a word of letters only.
func isLetterWord(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return w != ""
}

// OneEdit reports whether a and b differ by at most one letter inserted,
// dropped or replaced, or two neighbours swapped ("invoce", "invocie" for
// "invoice").
func OneEdit(a, b string) bool {
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
	if i == len(a) {
		return true
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:] || i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i:] == b[i+1:]
}

// kindHeads are the English kind words a heading may qualify ("Sales
// Invoice", "Donation Receipt", "Price Quote").
var kindHeads = map[string]string{"invoice": KindInvoice, "bill": KindInvoice, "receipt": KindReceipt, "quote": KindQuote, "quotation": KindQuote, "estimate": KindQuote}

// notKindModifier reports a word before a kind word that makes no title
// of it: an action, a pointer, a reminder about one.
func notKindModifier(w string) bool {
	switch w {
	case "see", "view", "download", "pay", "print", "send", "open", "cancel", "create", "edit", "delete", "add", "new", "generate",
		"email", "upload", "submit", "your", "our", "the", "this", "that", "per", "for", "with", "from", "and", "each", "any", "next",
		"previous", "last", "unpaid", "overdue", "outstanding", "regarding", "about", "attached", "enclosed", "not", "copy", "show",
		"get", "request", "approve", "reject":
		return true
	}
	return false
}

// compoundTitles are the last parts of compound titles, longest first
// ("Berechnung", a calculation, is not a "Rechnung").
var compoundTitles = []struct{ suffix, kind string }{
	{"creditfactuur", KindCreditNote}, {"gutschrift", KindCreditNote}, {"rechnung", KindInvoice}, {"factuur", KindInvoice}, {"quittung", KindReceipt},
}

// detectKind decides what the document is: the title in its heading
// lines; else a title line anywhere; else the hint (note, e-mail); else
// its structure (an invoice number and a total make an invoice). An
// e-mail is an invoice only when it carries one (a title line and a
// labelled total), not when it mentions one.
func (v *docView) detectKind(cs []cand, h Hints) (string, *Source) {
	hasMoney := false
	hasTotal, hasNumber := false, false
	for _, c := range cs {
		switch c.field {
		case fGrandTotal, fTotal, fToPay, fBalance, fSubtotal, fPaid:
			hasMoney, hasTotal = true, true
		case fInvoiceNo:
			if numberToken(c.text) != "" && !receiptLabel(c.phrase) && !bareNumberLabel[c.phrase] {
				hasNumber = true
			}
		}
	}
	if !hasMoney {
		for _, n := range v.nums {
			if n.Currency != "" || n.Decimals == 2 {
				hasMoney = true
				break
			}
		}
	}
	found, at := "", -1
	if t := h.Title; t != "" && h.Kind == "" {
		if k, ok := titleKind(t); ok {
			found, at = k, 0
			// The page prints the title too: its cell may carry the number
			// ("Faktura | č. 1989").
			for i, l := range v.lines {
				if l.Page != v.lines[0].Page || v.lineNo[i] > 20 {
					break
				}
				if j := slices.IndexFunc(l.Cells, func(c layout.Cell) bool { kk, ok := titleKind(c.Text); return ok && kk == k }); j >= 0 {
					v.titleAt = [2]int{i, j}
					break
				}
			}
		}
	}
	// Heading: the first lines of the first page, and its tall lines; the
	// tallest title wins ("Handelsrechnung Nr. 5" over a "Bestellung"
	// label).
	otherAt, otherH := -1, 0.0
	if found == "" {
		bestH := -1.0
		medH := v.medianH()
		for i, l := range v.lines {
			// A message's attachments start their own pages: each has
			// its heading.
			if l.Page != v.lines[0].Page && h.Kind != KindEmail {
				break
			}
			// Past the first 20 lines only a tall line may title the
			// document, and only when the first lines named no kind: a
			// section heading ("Zamówienie", the order an invoice
			// refers to) does not retitle it.
			if v.lineNo[i] > 20 && (found != "" || !(l.H > 1 && l.H >= 1.4*medH && l.Page == v.lines[0].Page)) {
				continue
			}
			for j, c := range l.Cells {
				if j+1 < len(l.Cells) && strings.HasPrefix(strings.TrimSpace(l.Cells[j+1].Text), ":") || strings.HasSuffix(strings.TrimSpace(c.Text), ":") {
					continue // a label, not a title
				}
				if k, t, ok := headingKind(c.Text); ok && l.H > bestH {
					found, at, bestH = k, i, l.H
					v.titleAt, v.titleText = [2]int{i, j}, t
					break
				}
				if otherAt < 0 && h.Kind == "" && isOtherTitle(c.Text) {
					otherAt, otherH = i, l.H
				}
			}
		}
		// The document's own title comes first: a shipping instruction
		// that names the "Commercial Invoice No." below it is no invoice.
		if found != "" && otherAt >= 0 && otherAt < at && otherH >= bestH {
			found = ""
		}
	}
	// A heading that names a document of no money kind ("Packing list",
	// "Note de frais") and none that names one: its totals make it no
	// invoice or receipt.
	if found == "" && otherAt >= 0 {
		src := v.src(otherAt, "", "heading", 0.8)
		return KindOther, &src
	}
	how := "heading"
	if found == "" && h.Kind == "" {
		for i, l := range v.lines {
			for j, c := range l.Cells {
				if v.isLabelCell(i, j) {
					continue
				}
				if k, ok := titleKind(c.Text); ok && fold(c.Text) == firstTitle(k, c.Text) {
					found, at, how = k, i, "title"
					break
				}
			}
			if found != "" {
				break
			}
		}
	}
	if found == KindContract && h.Kind == KindNote {
		found = ""
	}
	// A money title with no money is a mention, unless the document
	// numbers itself under it (a blank invoice form: "Factura",
	// "Nr. facturii: 54").
	if found != "" && IsFinancial(found) && !hasMoney && !hasNumber {
		found = ""
	}
	if found != "" && (h.Kind == KindEmail || h.Kind == KindNote) && IsFinancial(found) && !hasTotal {
		found = ""
	}
	if found != "" {
		if at < 0 {
			at = 0
		}
		var src Source
		if len(v.lines) > 0 {
			src = v.src(min(at, len(v.lines)-1), "", how, 0.9)
		}
		return found, &src
	}
	if h.Kind != "" {
		return h.Kind, &Source{How: "format", Confidence: 0.9}
	}
	till := v.tillWords()
	if (hasTotal && (till >= 2 || till >= 1 && v.tillTime()) || hasMoney && (till >= 3 || till >= 1 && v.tillTime())) && !hasNumber {
		return KindReceipt, &Source{How: "structure", Confidence: 0.7}
	}
	if hasTotal && hasNumber {
		return KindInvoice, &Source{How: "structure", Confidence: 0.6}
	}
	// A total stamped with the time of day and no invoice number or
	// invoice word: a till's receipt that prints none of the till words.
	if hasTotal && !hasNumber && v.tillTime() && v.mentionsKind(KindInvoice) == 0 {
		return KindReceipt, &Source{How: "structure", Confidence: 0.5}
	}
	// A total and a body that speaks of the statement more than once ("your
	// current statement", "the statement period"): an account statement
	// printed as a letter.
	if hasTotal && v.mentionsKind(KindStatement)-v.mentionsPhrase(notStatements...) >= 2 {
		return KindStatement, &Source{How: "words", Confidence: 0.5}
	}
	// Money with a labelled total, a document date and parties, or an
	// invoice word in the body: an invoice whose title was an image.
	hasDate, hasParty := false, false
	for _, c := range cs {
		switch c.field {
		case fIssueDate, fDueDate:
			hasDate = hasDate || !c.date.IsZero()
		case fSeller, fBuyer:
			hasParty = true
		}
	}
	if hasTotal && hasDate && (hasParty || v.mentionsKind(KindInvoice) >= 2) {
		return KindInvoice, &Source{How: "structure", Confidence: 0.5}
	}
	lower := strings.ToLower(v.text)
	for _, kw := range []struct{ phrase, kind string }{{"agreement", KindContract}, {"contract", KindContract}} {
		if strings.Count(lower, kw.phrase) >= 2 {
			return kw.kind, &Source{How: "words", Confidence: 0.4}
		}
	}
	// A short page with a total and none of an invoice's parts (a number,
	// a due date, a buyer, payment terms, the word): a sales slip whose till words
	// OCR lost or that prints none ("SUBTOTAL · DISCOUNT · TOTAL").
	if hasTotal && !hasNumber && v.shortSlip(cs) && v.mentionsKind(KindInvoice) == 0 {
		return KindReceipt, &Source{How: "structure", Confidence: 0.4}
	}
	return KindOther, nil
}

// shortSlip reports one short page (at most 45 lines) with no due date,
// no buyer and no payment terms among the candidates.
func (v *docView) shortSlip(cs []cand) bool {
	if len(v.lines) == 0 || len(v.lines) > 45 || v.lines[len(v.lines)-1].Page != v.lines[0].Page {
		return false
	}
	for _, c := range cs {
		switch c.field {
		case fDueDate, fBuyer, fTerms:
			return false
		}
	}
	return true
}

// tillWords are what a till receipt prints about the payment tendered and
// the shop, in the languages read.
var tillWords = []string{"gegeben", "ruckgeld", "bar", "ec karte", "girocard", "kartenzahlung", "zahlung erfolgt", "kundenbeleg", "kassenbon", "kasse", "bon nr",
	"vielen dank fur ihren einkauf", "change", "cash", "tendered", "card tendered", "thank you for shopping", "cashier", "visa", "mastercard", "debit",
	"caisse", "rendu", "especes", "carte bancaire", "wisselgeld", "contant", "pinnen", "pin", "kassa", "cambio", "efectivo", "cajero",
	"resto", "contanti", "cassa", "reszta", "gotowka", "kasjer", "troco", "dinheiro", "caixa", "tse", "beleg", "terminal id",
	"payback", "einkauf", "filiale", "kassierer", "bediener", "bonnr", "bon nr", "wechselgeld", "ec cash", "zuruck", "treuepunkte", "kundenkarte",
	"change due", "store", "items", "thank you for your purchase", "merci de votre visite", "ticket de caisse", "gracias por su compra", "grazie", "scontrino",
	"paragon", "dziekujemy", "obrigado", "cupom", "tip", "server", "table", "guests",
	"thank you for your visit", "gracias por su visita", "danke fur ihren besuch", "grazie per la visita", "bedankt voor uw bezoek", "obrigado pela visita",
	"mesa", "propina", "tavolo", "coperto", "tisch", "pourboire"}

// bareNumberLabel are number labels that name no document ("Nr.", "No",
// "Number"): on a till receipt they number the card, the terminal or the
// approval, so they do not make the document an invoice.
var bareNumberLabel = map[string]bool{"nr": true, "no": true, "number": true, "nummer": true, "numero": true, "numer": true}

// reTillTime is a time of day as tills print it beside the date
// ("14:57:42 Uhr", "14:57").
var reTillTime = lazyregexp.New(`\b(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?\b`)

// tillTime reports a time of day on a line that also holds a date, or a
// line of its own next to one: tills stamp both.
func (v *docView) tillTime() bool {
	for i, l := range v.lines {
		if !reTillTime.MatchString(l.Text()) {
			continue
		}
		for ii := max(0, i-1); ii <= min(len(v.lines)-1, i+1); ii++ {
			if len(FindDatesIn(v.lines[ii].Text(), v.dateOpts)) > 0 {
				return true
			}
		}
	}
	return false
}

// conditionWords make a sentence about payment a condition or a
// negation, not a record of one.
var conditionWords = []string{"if", "unless", "late", "after", "not", "once", "when", "wenn", "falls", "nach", "nicht", "si", "als", "indien", "niet", "pas"}

// notStatements are statements that are no account statement.
var notStatements = []string{"privacy statement", "mission statement", "vision statement", "statement of work", "statement of purpose", "accessibility statement"}

// mentionsKind counts the body's mentions of kind k's titles.
func (v *docView) mentionsKind(k string) int {
	return v.mentionsPhrase(kindTitles[k]...)
}

// mentionsPhrase counts the body's whole-word mentions of the folded
// phrases. Mentions that end at the same place are one ("account
// statement" and "statement").
func (v *docView) mentionsPhrase(phrases ...string) int {
	f := v.foldedText()
	ends := map[int]bool{}
	for _, t := range phrases {
		for i := 0; i < len(f); {
			j := strings.Index(f[i:], t)
			if j < 0 {
				break
			}
			j += i
			if (j == 0 || f[j-1] == ' ') && (j+len(t) == len(f) || f[j+len(t)] == ' ') {
				ends[j+len(t)] = true
			}
			i = j + len(t)
		}
	}
	return len(ends)
}

// receiptLabel reports a number label that till receipts print.
func receiptLabel(phrase string) bool {
	for _, w := range []string{"bon", "beleg", "receipt", "ticket", "kassenbon", "belegnr"} {
		if strings.HasPrefix(phrase, w) {
			return true
		}
	}
	return false
}

// tillWords counts the distinct till words in the document.
func (v *docView) tillWords() int {
	f := v.foldedText()
	n := 0
	for _, w := range tillWords {
		if hasPhrase(f, w) {
			n++
		}
	}
	return n
}

// firstTitle returns the title of kind k that a cell is exactly, or "".
func firstTitle(k, cell string) string {
	f := fold(cell)
	for _, t := range kindTitles[k] {
		if f == t {
			return t
		}
	}
	return ""
}

func (v *docView) medianH() float64 {
	var hs []float64
	for _, l := range v.lines {
		if l.Page == v.lines[0].Page {
			hs = append(hs, l.H)
		}
	}
	if len(hs) == 0 {
		return 0
	}
	slices.Sort(hs)
	return hs[len(hs)/2]
}

// assignDates picks the issue, due and paid dates from labelled values;
// the issue date falls back to the first date that no label claimed, then
// to the e-mail's Date header.
func (v *docView) assignDates(f *Facts, cs []cand, dates []DateMatch, h Hints) {
	set := func(field string, d *Date) {
		if x, src := bestDate(cs, field); src != nil {
			*d = x
			f.Sources[field] = *src
		}
	}
	set(fIssueDate, &f.IssueDate)
	set(fDueDate, &f.DueDate)
	set(fPaidDate, &f.PaidDate)
	if f.DueDate.IsZero() {
		// "Payment term: 01/06/2025": terms that are a date are the due
		// date.
		for _, c := range cs {
			if c.field != fTerms {
				continue
			}
			ms := FindDatesIn(c.text, v.dateOpts)
			if len(ms) == 1 && len(strings.TrimSpace(c.text)) <= ms[0].End-ms[0].Start+2 {
				f.DueDate = ms[0].Date
				src := c.src
				src.How, src.Confidence = "terms date", 0.7
				f.Sources[fDueDate] = src
				break
			}
		}
	}
	if f.IssueDate.IsZero() && !f.PaidDate.IsZero() && (f.Kind == KindReceipt || f.Kind == KindPayment) {
		// A receipt dated only by its payment ("Date paid").
		f.IssueDate = f.PaidDate
		f.Sources[fIssueDate] = Source{How: "paid date", Confidence: 0.7}
	}
	if f.Kind == KindStatement && (f.IssueDate.IsZero() || fold(f.Sources[fIssueDate].Label) == "date") {
		// A statement is dated by the end of its period ("Statement
		// Period: 10/06/2021 to 11/06/2021"), not by the first row of
		// its "Date" column.
		for i, l := range v.lines {
			for _, c := range l.Cells {
				if ft := fold(c.Text); !strings.Contains(ft, "period") && !strings.Contains(ft, "zeitraum") {
					continue
				}
				if ms := FindDatesIn(c.Text, v.dateOpts); len(ms) == 2 {
					f.IssueDate = ms[1].Date
					f.Sources[fIssueDate] = v.src(i, "", "period end", 0.7)
				}
			}
		}
	}
	if f.IssueDate.IsZero() {
		// A date in the heading, set larger than the text ("Rechnung Nr.
		// 471102 vom 05.03.2020"), before the first date of the page
		// (which may date a stylesheet or a print run).
		medH := v.medianH()
		for i, l := range v.lines {
			if v.lineNo[i] > 12 || l.Page != v.lines[0].Page {
				break
			}
			if l.H <= 1 || l.H < 1.3*medH {
				continue
			}
			if ms := FindDatesIn(l.Text(), v.dateOpts); len(ms) > 0 {
				f.IssueDate = ms[0].Date
				f.Sources[fIssueDate] = v.src(i, "", "heading date", 0.5)
				break
			}
		}
	}
	if f.IssueDate.IsZero() {
		claimed := map[Date]bool{f.DueDate: true, f.PaidDate: true}
		for _, c := range cs {
			if !c.date.IsZero() {
				claimed[c.date] = true
			}
		}
		for _, d := range dates {
			if !claimed[d.Date] {
				f.IssueDate = d.Date
				f.Sources[fIssueDate] = Source{How: "first", Confidence: 0.4}
				break
			}
		}
	}
	if f.IssueDate.IsZero() && len(dates) == 0 {
		// No date could be read anywhere: the first one OCR damaged
		// ("December 31, i979", "07.10.202019:53").
		for i, l := range v.lines {
			if i >= 60 {
				break
			}
			if t := l.Text(); strings.ContainsAny(t, "0123456789") {
				if ms := FindDatesIn(repairDigits(t), v.dateOpts); len(ms) > 0 && plausibleYear(ms[0].Date) {
					f.IssueDate = ms[0].Date
					f.Sources[fIssueDate] = v.src(i, "", "repaired", 0.3)
					break
				}
			}
		}
	}
	if f.IssueDate.IsZero() && !h.Date.IsZero() {
		f.IssueDate = DateOf(h.Date)
		f.Sources[fIssueDate] = Source{How: "header", Confidence: 0.6}
	}
	for _, d := range dates {
		if d.Ambiguous && (d.Date == f.IssueDate || d.Date == f.DueDate) {
			f.DateAmbiguous = true
		}
	}
}

// changeWords label the change handed back on a till receipt.
var changeWords = []string{"change", "ruckgeld", "wechselgeld", "vuelto", "cambio", "rendu", "monnaie rendue", "reszta", "troco", "wisselgeld", "resto", "para ustu"}

// tenderedLessChange returns the cash given less the change when both are
// labelled and that differs from total in exactly one digit, as an OCR
// misreading does; otherwise false.
func tenderedLessChange(cs []cand, total float64) (float64, bool) {
	var given, change float64
	for _, c := range cs {
		switch {
		case c.field == fPaid && c.amt.Decimals == 2 && c.amt.Value > 0 && given == 0:
			given = c.amt.Value
		case c.field == fOtherAmount && c.amt.Decimals == 2 && c.amt.Value > 0 && change == 0 && slices.Contains(changeWords, c.phrase):
			change = c.amt.Value
		}
	}
	if given == 0 || change == 0 || change >= given {
		return 0, false
	}
	v := math.Round((given-change)*100) / 100
	a, b := strconv.FormatFloat(v, 'f', 2, 64), strconv.FormatFloat(total, 'f', 2, 64)
	if len(a) != len(b) || a == b {
		return 0, false
	}
	diff := 0
	for i := range a {
		if a[i] != b[i] {
			diff++
		}
	}
	return v, diff == 1
}

// assignMoney picks total, subtotal, tax, amount paid and balance due, and
// the document's currency.
func (v *docView) assignMoney(f *Facts, cs []cand) {
	amts := make([]Amount, 0, 8)
	for _, n := range v.nums {
		amts = append(amts, Amount{Value: n.Value, Currency: n.Currency, Decimals: n.Decimals, Offset: n.Start})
	}
	if a, src := pickTotal(cs, amts); a != nil {
		if v, ok := tenderedLessChange(cs, a.Value); ok {
			// OCR misread one digit of the total ("SUMME 2,31 · Bar
			// 10,01 · Rückgeld 0,70"): cash given less change is it.
			a.Value = v
			src.How, src.Confidence = "tendered-change", 0.8
		}
		f.Total = a
		f.Sources["total"] = *src
	}
	if f.Kind == KindStatement {
		// A statement's amount is its closing balance: the last balance
		// it states (deposits and withdrawals are totals of its lines).
		for i := len(cs) - 1; i >= 0; i-- {
			if c := cs[i]; c.field == fBalance && (c.amt.Value != 0 || c.amt.Decimals > 0) {
				a, src := c.amt, c.src
				src.Confidence = 0.7
				f.Total = &a
				f.Sources["total"] = src
				break
			}
		}
	}
	last := func(field string) *Amount {
		var out *Amount
		for _, c := range cs {
			if c.field == field {
				a := c.amt
				out = &a
			}
		}
		return out
	}
	f.Subtotal, f.Tax, f.AmountPaid, f.BalanceDue = last(fSubtotal), last(fTax), last(fPaid), last(fBalance)
	if f.BalanceDue == nil && f.Total != nil {
		// "Amount due 0.00" / "Te betalen € 0,00" below a total is a
		// balance: what is left to pay.
		if p := last(fToPay); p != nil && p.Value != f.Total.Value {
			f.BalanceDue = p
		}
	}
	if f.Total == nil && f.BalanceDue != nil {
		f.Total = f.BalanceDue
	}
	cur := ""
	if f.Total != nil {
		cur = f.Total.Currency
		// A bare "$" reads as USD (and "¥" as JPY) on its own; the
		// document may say which dollar it is ("Currency: Singapore
		// Dollar (SGD)").
		if fam := currencyFamily(cur); fam == "$" || fam == "¥" {
			if dc := v.docCurrency(); dc != cur && currencyFamily(dc) == fam {
				cur = dc
				for _, a := range []*Amount{f.Total, f.Subtotal, f.Tax, f.AmountPaid, f.BalanceDue} {
					if a != nil && currencyFamily(a.Currency) == fam {
						a.Currency = dc
					}
				}
			}
		}
	}
	how, conf := "document", 0.8
	if cur == "" {
		cur = v.docCurrency()
		// A mark no amount carries ("E.&.O.€." read off a Malaysian
		// receipt) yields to a country named three times.
		if c := v.countryCurrency(3); cur != "" && c != "" && c != cur && !v.amountMarked() {
			cur, how = c, "country"
		}
	}
	if cur == "" {
		cur, how = v.countryCurrency(2), "country"
	}
	if cur == "" {
		how = "document"
	}
	if cur == "" {
		cur, how, conf = currencyOfIDs(v.text), "bank or tax id", 0.65
	}
	if cur == "" && reUSAddress.MatchString(v.text) {
		cur, how, conf = "USD", "US address", 0.55
	}
	if cur == "" && f.Total != nil {
		cur, how, conf = langCurrency[v.lang], "language", 0.5
	}
	f.Currency = cur
	for _, a := range []*Amount{f.Total, f.Subtotal, f.Tax, f.AmountPaid, f.BalanceDue} {
		if a != nil && a.Currency == "" {
			a.Currency = cur
			a.Value, a.Decimals = wholeUnits(a.Value, a.Decimals, cur)
		}
	}
	if cur != "" {
		f.Sources["currency"] = Source{How: how, Confidence: conf}
	}
}

// Currency without a mark. A document that prints no currency (a till
// receipt, an invoice image) is read in the currency of the country it
// names by its tax marks or places, else of the country its IBAN or VAT id
// belongs to, else in dollars when it prints a US address ("Denver, CO
// 80202"), and failing that in the currency of the language it is
// written in, where one currency dominates (Dutch, Italian: the euro;
// English, Portuguese and Spanish have none: too many countries).
var (
	reIBANCountry = lazyregexp.New(`\b([A-Z]{2})\d{2}[ ]?(?:[A-Z0-9]{4}[ ]?){2,7}[A-Z0-9]{1,4}\b`)
	reVATID       = lazyregexp.New(`\b(DE|AT|FR|NL|IT|BE|LU|PT|IE|FI|GB|PL|CZ|SE|DK|CHE)[- ]?U?(\d[\d. ]{7,13}\d)(?:B\d{2})?\b`)
	// idCurrency is the currency of an IBAN's or VAT id's country.
	idCurrency = map[string]string{
		"AT": "EUR", "BE": "EUR", "CY": "EUR", "DE": "EUR", "EE": "EUR", "ES": "EUR", "FI": "EUR", "FR": "EUR", "GR": "EUR", "HR": "EUR",
		"IE": "EUR", "IT": "EUR", "LT": "EUR", "LU": "EUR", "LV": "EUR", "MT": "EUR", "NL": "EUR", "PT": "EUR", "SI": "EUR", "SK": "EUR",
		"CH": "CHF", "LI": "CHF", "CHE": "CHF", "GB": "GBP", "PL": "PLN", "CZ": "CZK", "SE": "SEK", "DK": "DKK", "NO": "NOK",
		"HU": "HUF", "RO": "RON", "BG": "BGN",
	}
	langCurrency = map[string]string{"de": "EUR", "fr": "EUR", "nl": "EUR", "it": "EUR", "pl": "PLN", "cs": "CZK", "ro": "RON", "hu": "HUF", "fi": "EUR", "sv": "SEK", "da": "DKK", "no": "NOK", "tr": "TRY"}
)

// currencyOfIDs returns the currency of the country of the first IBAN,
// or else VAT id, the text prints, or "".
func currencyOfIDs(text string) string {
	for _, re := range []*lazyregexp.Regexp{reIBANCountry, reVATID} {
		for _, m := range re.FindAllStringSubmatch(text, 4) {
			if c := idCurrency[m[1]]; c != "" {
				return c
			}
		}
	}
	return ""
}

var (
	reStatusLine = lazyregexp.New(`(?im)^\W*(payment\s+)?(?:status|zahlungsstatus|statut|estado|stato|betaalstatus)\W*[:\-]\s*\W*(\pL[\pL ]*)`)
	// paidPhrases say this document has been paid (not that it should be:
	// "paid by 3 Dec" is a deadline).
	paidPhrases = []string{"paid in full", "payment received", "thank you for your payment", "payment has been received", "we have received your payment",
		"received with thanks", "fully paid", "this invoice has been paid", "settled in full", "marked as paid", "has been paid", "was paid",
		"paid by credit card", "paid by card", "paid by cash", "paid with", "paid via", "paid by paypal", "paid by visa", "paid by mastercard", "paid by direct debit",
		"charged to your", "has been charged", "was charged", "payment successful", "payment complete", "amount received",
		"betrag dankend erhalten", "bereits bezahlt", "bezahlt per", "bezahlt mit", "betrag erhalten", "zahlung erhalten", "rechnung ist bezahlt",
		"deja regle", "deja paye", "payee par", "paye par carte", "reglee par", "paiement recu", "prepaid", "pre paid", "vooruitbetaald", "bereits beglichen", "betaald via",
		"reeds betaald", "is betaald", "betaald met", "voldaan",
		"pagado con", "ya pagado", "pagada", "cobrado",
		"gia pagato", "pagata", "pagato con", "pagamento ricevuto",
		"zaplacono", "oplacono", "zaplacono karta", "zaplacono gotowka",
		"pago com", "pago recebido", "fatura paga",
		"wurde abgebucht", "wurde eingezogen", "haben wir abgebucht", "wurde belastet", "has been debited", "was debited", "a ete preleve", "a ete debite",
		"is afgeschreven", "werd afgeschreven", "ha sido cargado", "e stato addebitato", "zostal pobrany", "foi debitado", "payment method credit card",
		// no payment asked: the amount is taken from a card or account
		"keine aufforderung zur zahlung", "keine zahlungsaufforderung", "bitte nicht uberweisen", "not a request for payment", "no payment is required", "no action is required",
		"will be charged to your", "will be debited from your", "ce n est pas une demande de paiement", "ne pas payer", "geen betalingsverzoek", "niet overmaken"}
	overdueTitles = []string{"overdue notice", "past due notice", "final notice", "final reminder", "payment reminder", "reminder", "zahlungserinnerung", "mahnung",
		"rappel", "relance", "herinnering", "aanmaning", "recordatorio de pago", "sollecito", "wezwanie do zaplaty", "aviso de cobranca"}
	stampWords = map[string]string{"paid": StatusPaid, "paid in full": StatusPaid, "bezahlt": StatusPaid, "paye": StatusPaid, "payee": StatusPaid, "acquitte": StatusPaid,
		"betaald": StatusPaid, "pagado": StatusPaid, "pagada": StatusPaid, "pagato": StatusPaid, "pagata": StatusPaid, "zaplacono": StatusPaid, "oplacono": StatusPaid,
		"pago": StatusPaid, "paga": StatusPaid, "overdue": StatusOverdue, "past due": StatusOverdue, "uberfallig": StatusOverdue, "en retard": StatusOverdue}
)

// statusHeads head a column of statuses.
var statusHeads = []string{"status", "state", "payment status", "invoice status", "zahlungsstatus", "statut", "etat", "estado", "stato", "betaalstatus"}

// statusValue reads a status word: what a status line or column says.
func statusValue(s string) (string, bool) {
	switch {
	case hasPrefixAny(s, "paid", "settled", "closed", "complete", "bezahlt", "paye", "betaald", "pagad", "pagat", "zaplac", "pago", "pag"):
		return StatusPaid, true
	case hasPrefixAny(s, "overdue", "past due", "late", "uberfallig", "en retard", "vencid", "scadut"):
		return StatusOverdue, true
	case hasPrefixAny(s, "unpaid", "open", "outstanding", "due", "pending", "awaiting", "sent", "offen", "unbezahlt", "impaye", "en attente", "openstaand", "pendiente", "non pagat", "niezaplac", "em aberto", "pendente"):
		return StatusUnpaid, true
	}
	return "", false
}

// detectStatus follows evidence: a status line or stamp; a receipt or
// payment confirmation; amount paid covering the total or a zero balance;
// wording that says it was paid. Overdue only from the document's own
// status, stamp or reminder title (query time adds "unpaid and due before
// now"); late-fee boilerplate changes nothing.
func (v *docView) detectStatus(text string, f *Facts) (string, *Source) {
	src := func(how string, c float64) *Source { return &Source{How: how, Confidence: c} }
	folded := v.foldedText()
	// A status line, or a status cell ("Web: … | Status: Paid!").
	m := reStatusLine.FindStringSubmatch(text)
	for i := 0; m == nil && i < len(v.lines); i++ {
		for _, c := range v.lines[i].Cells {
			if m = reStatusLine.FindStringSubmatch(c.Text); m != nil {
				break
			}
		}
	}
	if m != nil {
		if st, ok := statusValue(fold(m[2])); ok {
			return st, src("status line", 0.9)
		}
		// A payment's own status: "Payment Status: Received", a card
		// payment "Approved" or "Succeeded".
		if m[1] != "" && hasPrefixAny(fold(m[2]), "received", "succeeded", "successful", "approved", "captured") {
			return StatusPaid, src("status line", 0.85)
		}
	}
	// A status column: "STATUS" or "STATE" heading a cell whose value is
	// below it ("State | Paid" in an app's invoice view).
	for i, l := range v.lines {
		for _, c := range l.Cells {
			if !slices.Contains(statusHeads, strings.Trim(fold(c.Text), ": ")) {
				continue
			}
			for ii := i + 1; ii < len(v.lines) && ii <= i+2; ii++ {
				for _, nc := range v.lines[ii].Cells {
					if !overlaps(c, nc) {
						continue
					}
					// A check mark read as a letter may come first ("Y Paid").
					ws := strings.Fields(fold(nc.Text))
					for k := 0; k < len(ws) && k < 2; k++ {
						if st, ok := statusValue(strings.Join(ws[k:], " ")); ok {
							return st, src("status column", 0.85)
						}
					}
				}
			}
		}
	}
	switch f.Kind {
	case KindReceipt, KindPayment:
		return StatusPaid, src("kind", 0.85)
	case KindInvoice, KindStatement:
	default:
		return "", nil
	}
	// A stamp: a status word by itself, in capitals or set large
	// ("PAID", a slanted "Paid" three lines high).
	medH := v.medianH()
	for _, l := range v.lines {
		for _, c := range l.Cells {
			t := strings.Trim(strings.TrimSpace(c.Text), "*[]()#=-_!. ")
			big := len(l.Cells) == 1 && l.H > 1 && l.H >= 2.5*medH
			if st, ok := stampWords[fold(t)]; ok && t != "" && (strings.ToUpper(t) == t || big) {
				return st, src("stamp", 0.9)
			}
		}
	}
	// A dated statement of the payment (not a condition: "if the bill is
	// paid after 20/08/2022") ("18/08/2022: The bill is paid.",
	// "Payment received on 3 May 2024") outweighs the template's "Amount
	// due" line.
	for _, l := range v.lines {
		t := l.Text()
		ft := fold(t)
		if !hasPhrase(ft, "is paid") && !slices.ContainsFunc(paidPhrases, func(p string) bool { return hasPhrase(ft, p) }) ||
			containsAnyWord(ft, conditionWords...) {
			continue
		}
		if len(FindDatesIn(t, v.dateOpts)) > 0 {
			return StatusPaid, src("dated payment", 0.85)
		}
	}
	if f.AmountPaid != nil && f.Total != nil && f.Total.Value > 0 {
		if f.AmountPaid.Value >= f.Total.Value-0.005 {
			return StatusPaid, src("amount paid", 0.9)
		}
		if f.BalanceDue == nil || f.BalanceDue.Value != 0 {
			// "Montant déjà payé : 0,00": the amount paid is the evidence,
			// not the words of its label.
			return StatusUnpaid, src("amount paid", 0.8)
		}
	}
	if f.BalanceDue != nil {
		if f.BalanceDue.Value == 0 && (f.Total == nil || f.Total.Value != 0) {
			return StatusPaid, src("balance", 0.85)
		}
		if f.BalanceDue.Value > 0 {
			return StatusUnpaid, src("balance", 0.8)
		}
	}
	for _, p := range paidPhrases {
		if hasPhrase(folded, p) {
			return StatusPaid, src("wording", 0.75)
		}
	}
	if v.paidAtSale() {
		return StatusPaid, src("payment method", 0.7)
	}
	if f.Total != nil && v.paymentRecorded(f.Total.Value) {
		return StatusPaid, src("payment line", 0.7)
	}
	if !f.PaidDate.IsZero() && !weakPaidLabel(f.Sources[fPaidDate].Label) {
		return StatusPaid, src("paid date", 0.7)
	}
	head := fold(headLines(text, 4))
	for _, t := range overdueTitles {
		if hasPhrase(head, t) {
			return StatusOverdue, src("heading", 0.8)
		}
	}
	if hasPhrase(folded, "this invoice is now past due") || hasPhrase(folded, "this invoice is overdue") || hasPhrase(folded, "this invoice is past due") {
		return StatusOverdue, src("wording", 0.7)
	}
	return StatusUnpaid, src("default", 0.6)
}

// saleMethods are payment methods that settle at the moment of sale.
var saleMethods = []string{"card", "credit card", "debit card", "visa", "mastercard", "amex", "american express", "paypal", "apple pay", "google pay", "cash",
	"karte", "kreditkarte", "ec karte", "ec", "girocard", "bar", "barzahlung", "carte", "carte bancaire", "cb", "especes", "pin", "pinbetaling", "contant",
	"tarjeta", "efectivo", "carta", "carta di credito", "contanti", "karta", "gotowka", "cartao", "dinheiro"}

// paidAtSale reports a payment method that settles at the sale ("Zahlungsweise:
// EC-/Kreditkarte", "Payment method: Visa"), not a transfer or debit to come.
func (v *docView) paidAtSale() bool {
	for i, l := range v.lines {
		for j := range l.Cells {
			for k, h := range v.hits[i][j] {
				if h.field != fTerms || !strings.Contains(h.phrase, "method") && !strings.Contains(h.phrase, "zahlungsweise") && !strings.Contains(h.phrase, "zahlungsart") &&
					!strings.Contains(h.phrase, "mode de") && !strings.Contains(h.phrase, "forma de") && !strings.Contains(h.phrase, "metodo") && !strings.Contains(h.phrase, "modalita") && !strings.Contains(h.phrase, "sposob") && !strings.Contains(h.phrase, "meio") {
					continue
				}
				for _, sl := range v.slots(i, j, k) {
					val := fold(sl.text)
					if containsAnyWord(val, "transfer", "uberweisung", "lastschrift", "virement", "prelevement", "overschrijving", "incasso", "transferencia", "bonifico", "przelew", "boleto", "invoice", "rechnung") {
						return false
					}
					return containsAnyWord(val, saleMethods...)
				}
			}
		}
	}
	return false
}

// currencyCountries names countries by what their tax documents print,
// for documents that print no currency mark (or a bare "$", which there is
// not a US dollar).
var currencyCountries = []struct {
	code  string
	marks []string
}{
	{"ARS", []string{"cuit", "afip", "iva responsable inscripto", "ingresos brutos", "argentina", "buenos aires"}},
	{"MXN", []string{"cfdi", "mexico", "registro federal de contribuyentes", "regimen fiscal"}},
	{"CLP", []string{"rut", "chile", "santiago"}},
	{"COP", []string{"nit", "colombia", "bogota"}},
	{"BRL", []string{"cnpj", "cpf", "brasil"}},
	{"INR", []string{"gstin", "cgst", "sgst", "igst", "hsn", "india", "pan no"}},
	{"RON", []string{"romania", "cif", "cod fiscal", "bon fiscal", "chitanta", "nr reg com", "judet"}},
	{"CHF", []string{"schweiz", "suisse", "svizzera", "switzerland", "mwst nr"}},
	{"MYR", []string{"sdn bhd", "malaysia", "kuala lumpur", "selangor", "johor", "jalan", "gst id"}},
	{"PEN", []string{"ruc", "sunat", "peru", "lima", "soles"}},
}

// reUSAddress is a US city, state and ZIP code ("Denver, CO 80202").
var reUSAddress = lazyregexp.New(`\b[A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)*,\s*(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)\s+\d{5}(?:-\d{4})?\b`)

// countryCurrency returns the currency of the country the document names
// by at least min of its tax marks or places, or "".
func (v *docView) countryCurrency(min int) string {
	f := v.foldedText()
	for _, c := range currencyCountries {
		n := 0
		for _, m := range c.marks {
			if hasPhrase(f, m) {
				n++
			}
		}
		if n >= min {
			return c.code
		}
	}
	return ""
}

// amountMarked reports an amount of the text written with a currency mark.
func (v *docView) amountMarked() bool {
	return slices.ContainsFunc(v.nums, func(n Number) bool { return n.Symbol != "" })
}

// paymentRecorded reports a line that records a payment of the total: a
// payment method, a date and the total's amount on one line ("iDEAL op
// 21 april 2015   € 717,97", "Visa 12/03/2025 120.00").
func (v *docView) paymentRecorded(total float64) bool {
	if total <= 0 {
		return false
	}
	for _, l := range v.lines {
		t := l.Text()
		f := fold(t)
		if !containsAnyWord(f, "ideal", "paypal", "visa", "mastercard", "amex", "klarna", "sofort", "giropay", "bancontact", "creditcard", "credit card", "kreditkarte", "carte bancaire", "tarjeta", "apple pay", "google pay") {
			continue
		}
		if len(FindDatesIn(t, v.dateOpts)) == 0 {
			continue
		}
		for _, n := range FindNumbers(t, v.lang) {
			if near(math.Abs(n.Value), total) {
				return true
			}
		}
	}
	return false
}

// weakPaidLabel reports a label that may name a planned payment date
// ("Payment date") rather than the day it was paid.
func weakPaidLabel(label string) bool {
	switch fold(label) {
	case "payment date", "zahlungsdatum", "date de paiement", "fecha de pago", "data pagamento", "data di pagamento", "data de pagamento", "date of payment":
		return true
	}
	return false
}

func hasPrefixAny(s string, ps ...string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
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

var legalSuffixes = map[string]bool{"ltd": true, "limited": true, "inc": true, "incorporated": true, "llc": true, "llp": true, "gmbh": true,
	"corp": true, "corporation": true, "co": true, "company": true, "plc": true, "sa": true, "ag": true, "bv": true, "nv": true,
	"sarl": true, "srl": true, "pty": true, "oy": true, "ab": true, "as": true, "kg": true, "lp": true, "the": true, "and": true, "&": true,
	"spa": true, "sas": true, "sl": true, "ltda": true, "lda": true, "pvt": true, "oyj": true, "aps": true, "asa": true, "bhd": true, "sdn": true, "pte": true, "mbh": true, "kgaa": true, "se": true,
	"sro": true, "kft": true, "zrt": true, "nyrt": true, "bt": true, "zspo": true, "zs": true, "ops": true, "vos": true, "doo": true, "uab": true, "sia": true, "kk": true, "sti": true}

// PartyKey normalises a party name for matching: lower case, accents,
// punctuation and legal-form words (Ltd, Inc, GmbH, ...) removed.
// "Northwind Traders Ltd." becomes "northwind traders", "Bilist Yazılım
// A.Ş." (and its scan, "Bilist Yazilim A.S.") "bilist yazilim"; Japanese
// company forms, the spaces between Japanese characters and kana voicing
// marks go too, so "サンプル 株式会社" is "サンフル".
func PartyKey(name string) string {
	var words []string
	if strings.IndexFunc(name, IsCJK) >= 0 {
		name = joinCJK(name)
		for _, f := range jaForms {
			name = strings.ReplaceAll(name, f, " ")
		}
	}
	ws := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&'
	})
	for i, w := range ws {
		ws[i] = foldLetters(w)
	}
	ws = joinInitials(ws)
	for i, w := range ws {
		if legalSuffixes[w] || w == "private" && i+1 < len(ws) && (ws[i+1] == "limited" || ws[i+1] == "ltd") {
			continue
		}
		words = append(words, w)
	}
	// Kana keep no voicing marks: OCR confuses ブ and プ (or フ), and a
	// question may be typed either way.
	for i, w := range words {
		if strings.IndexFunc(w, isKana) >= 0 {
			words[i] = strings.Map(func(r rune) rune {
				if r == '\u3099' || r == '\u309a' {
					return -1
				}
				return r
			}, norm.NFD.String(w))
		}
	}
	return strings.Join(words, " ")
}

// joinCJK removes the spaces between two Chinese or Japanese characters:
// those languages write none, OCR puts some in ("サン ブル 株 式 会 社").
func joinCJK(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == ' ' || r == '\t' {
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			next, _ := utf8.DecodeRuneInString(s[j:])
			if !IsCJK(prev) || !IsCJK(next) {
				sb.WriteString(s[i:j])
			}
			i = j
			continue
		}
		sb.WriteString(s[i : i+size])
		i += size
	}
	return sb.String()
}

// isKana reports a Hiragana or Katakana character.
func isKana(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana) }

// joinInitials joins runs of one-letter words: a dotted legal form
// ("S.R.L.", "A.Ş.", "B.V.") is the same word as its undotted spelling.
func joinInitials(ws []string) []string {
	out := ws[:0:0]
	for i := 0; i < len(ws); {
		j := i
		for j < len(ws) && utf8.RuneCountInString(ws[j]) == 1 && ws[j] != "&" {
			j++
		}
		if j-i >= 2 {
			out = append(out, strings.Join(ws[i:j], ""))
			i = j
			continue
		}
		out = append(out, ws[i])
		i++
	}
	return out
}

// foldLetters takes the accents off the letters of a lower-case word.
func foldLetters(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= 128 {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	var sb strings.Builder
	for _, r := range w {
		if f, ok := foldRune(r); ok {
			sb.WriteString(f)
		} else {
			sb.WriteRune(r)
		}
	}
	return sb.String()
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

// nameTail reports the rest of a name after " - " ("DEMO - Sliced
// Invoices"): up to three capitalised words, no digits, not a title or
// a label ("Acme - Invoice", "Acme - Rechnung 12" are cut).
func nameTail(s string) bool {
	s = strings.TrimSpace(s)
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 3 || strings.ContainsAny(s, "0123456789#:@/-") || isKindTitle(s) || len(findLabels(s)) > 0 {
		return false
	}
	for _, w := range words {
		if r := []rune(w); !unicode.IsUpper(r[0]) {
			return false
		}
	}
	return true
}

// unwrapParens drops brackets around the whole of s: "(Contoso)", a logo
// read by OCR.
func unwrapParens(s string) string {
	if len(s) > 2 && (s[0] == '(' && s[len(s)-1] == ')' || s[0] == '[' && s[len(s)-1] == ']') && !strings.ContainsAny(s[1:len(s)-1], "()[]") {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

func cleanName(s string) string {
	s = strings.TrimSpace(strings.Trim(s, "*#|_ \t"))
	s = unwrapParens(s)
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
		if i := strings.Index(s, sep); i > 0 && !(sep == " - " && nameTail(s[i+len(sep):])) {
			s = s[:i]
		}
	}
	s = strings.TrimSpace(s)
	if len(s) > 80 || PartyKey(s) == "" {
		return ""
	}
	return s
}
