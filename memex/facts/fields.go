package facts

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"nexusos/internal/lazyregexp"
	"nexusos/memex/layout"
)

// Field extraction works on the document's geometry: each label found by
// the lexicon looks for its value inline ("Invoice No: 42"), in the cells
// to its right on the same line, or below it in the same column (header
// rows with their values on the next line). Each value is parsed by the
// field's reader (a date, an amount, a number, a name); the first that
// parses is a candidate, with its provenance.

// Source says where a fact came from.
type Source struct {
	Page       int     `json:"page"`            // 1-based
	Line       int     `json:"line"`            // 1-based, within the page
	Label      string  `json:"label,omitempty"` // the label as written
	How        string  `json:"how"`             // inline, right, below, terms, heading, letterhead, legal, domain, sender, largest, first
	Confidence float64 `json:"confidence"`
}

// cand is one candidate value for a field.
type cand struct {
	field  string
	phrase string // folded label
	text   string // the raw value text
	src    Source
	date   Date
	amt    Amount
	order  int  // document order of the label
	exact  bool // text is the number as it stands (a date-shaped number behind a number sign)
}

// docView is a document prepared for field extraction.
type docView struct {
	lines     []layout.Line
	lineNo    []int // 1-based line number within its page
	hits      [][][]labelHit
	lang      string
	dateOpts  DateOptions
	text      string
	titleAt   [2]int            // line and cell of the title that named the kind; {-1,-1} if none
	titleText string            // that cell's text as headingKind read it (repaired: "FACTURE 2026F02-001")
	nums      []Number          // every number of the text, found once
	roles     map[[2]int]string // party role of each cell asked about (partyRole)

	folded     string // fold(text), made on first use (foldedText)
	foldedDone bool
	docCur     string // DocCurrency(text, lang), made on first use (docCurrency)
	docCurDone bool
}

// foldedText is the whole text folded, made once for the several rules
// that look for words in it.
func (v *docView) foldedText() string {
	if !v.foldedDone {
		v.folded, v.foldedDone = fold(v.text), true
	}
	return v.folded
}

// docCurrency is DocCurrency of the text, made once for the date order and
// the money.
func (v *docView) docCurrency() string {
	if !v.docCurDone {
		v.docCur, v.docCurDone = DocCurrency(v.text, v.lang), true
	}
	return v.docCur
}

// dayFirstCurrency reports a document whose language does not decide the
// order of its numeric dates (English) and that is priced in the currency
// of an English-writing country that puts the day first (pounds, rupees,
// ringgit, Australian dollars…): its "02/01/2018" is the 2nd of January.
// The euro says nothing: software set to US English prints month-first
// dates on euro invoices.
func (v *docView) dayFirstCurrency() bool {
	// Most documents name none of these currencies: skip the full scan.
	if !slices.ContainsFunc(dayFirstHints, func(h string) bool { return strings.Contains(v.text, h) }) {
		return false
	}
	c := v.docCurrency()
	if c == "" {
		c = v.countryCurrency(2)
	}
	return dayFirstCurrencies[c]
}

// euroCountryFirst reports an English euro document whose addresses are in
// a euro country ("75001 Paris", "Deutschland") and none in the United
// States: every euro country writes the day first, and an American
// seller's software writes the month first even to a Belgian buyer.
func (v *docView) euroCountryFirst() bool {
	if v.docCurrency() != "EUR" {
		return false
	}
	f := v.foldedText()
	if hasPhrase(f, "united states") || hasPhrase(f, "usa") || reUSAddress.MatchString(v.text) {
		return false
	}
	for _, c := range euroCountries {
		if hasPhrase(f, c) {
			return true
		}
	}
	return false
}

// euroCountries are the euro countries as addresses print them, folded.
var euroCountries = []string{"france", "germany", "deutschland", "austria", "osterreich", "belgium", "belgique", "belgie", "netherlands", "nederland", "the netherlands",
	"spain", "espana", "italy", "italia", "portugal", "ireland", "finland", "suomi", "greece", "luxembourg", "slovakia", "slovenia", "estonia", "latvia", "lithuania", "croatia", "malta", "cyprus",
	"paris", "lyon", "marseille", "berlin", "munchen", "hamburg", "wien", "bruxelles", "brussel", "amsterdam", "rotterdam", "madrid", "barcelona", "roma", "milano", "lisboa", "dublin", "helsinki"}

// dayFirstHints are the marks and places without which no document is
// priced in one of dayFirstCurrencies.
var dayFirstHints = []string{"£", "₹", "GBP", "INR", "AUD", "NZD", "MYR", "SGD", "ZAR", "HKD", "IDR", "PKR", "NGN", "KES",
	"A$", "AU$", "NZ$", "S$", "HK$", "Rs", "RM", "Rp", "R ", "Sdn", "SDN", "GST", "Malaysia", "MALAYSIA", "India", "INDIA", "gst", "igst", "IGST"}

var dayFirstCurrencies = map[string]bool{"GBP": true, "INR": true, "AUD": true, "NZD": true, "MYR": true, "SGD": true, "ZAR": true, "HKD": true, "IDR": true, "PKR": true, "NGN": true, "KES": true}

func newDocView(lines []layout.Line, text, lang string) *docView {
	v := &docView{lines: lines, lang: lang, text: text, titleAt: [2]int{-1, -1}}
	v.dateOpts = DateOptions{Lang: lang, DayFirst: DateOrder(text, lang)}
	if v.dateOpts.DayFirst == 0 && (v.dayFirstCurrency() || v.euroCountryFirst()) {
		v.dateOpts.DayFirst = 1
	}
	page, n := -1, 0
	for _, l := range lines {
		if l.Page != page {
			page, n = l.Page, 0
		}
		n++
		v.lineNo = append(v.lineNo, n)
		hl := make([][]labelHit, len(l.Cells))
		for j, c := range l.Cells {
			hl[j] = findLabels(c.Text)
		}
		v.hits = append(v.hits, hl)
	}
	return v
}

func (v *docView) src(i int, label, how string, conf float64) Source {
	return Source{Page: v.lines[i].Page + 1, Line: v.lineNo[i], Label: label, How: how, Confidence: conf}
}

// valueSlots returns the places where the value of hit k of cell (i, j)
// may be, in order of preference: inline text, cells to the right up to
// the next label, and cells below in the same column.
type slot struct {
	text string
	how  string
	line int
	cell layout.Cell
	all  []string // for "right": every cell up to the next label
}

func (v *docView) slots(i, j, k int) []slot {
	l := v.lines[i]
	c := l.Cells[j]
	hs := v.hits[i][j]
	h := hs[k]
	end := len(c.Text)
	if k+1 < len(hs) {
		end = hs[k+1].start
	}
	var out []slot
	inline := strings.TrimSpace(strings.TrimLeft(c.Text[h.end:end], " :：.–—)]*°º\t"))
	if inline != "" {
		out = append(out, slot{text: inline, how: "inline", line: i})
	}
	if k+1 < len(hs) {
		return out // the next label follows on this cell: its value is not ours
	}
	headerRow := v.labelCells(i) >= 2
	var right []string
	for jj := j + 1; jj < len(l.Cells); jj++ {
		if v.isLabelCell(i, jj) {
			break
		}
		right = append(right, strings.TrimSpace(strings.TrimLeft(l.Cells[jj].Text, ":： ")))
	}
	if len(right) > 0 && !headerRow {
		out = append(out, slot{text: right[0], how: "right", line: i, all: right})
	}
	// Below: the next lines of the page, the first cell overlapping the
	// label's column. Under a header row of labels, a label owns the band
	// from its left edge to the next label ("Numero: | Data:" over
	// "FPR 16/20 | 2020-09-30", values set off to the right).
	band0, band1 := c.X0, c.X1
	if headerRow {
		band0, band1 = c.X0-max(l.H, 1), math.Inf(1)
		for jj := j + 1; jj < len(l.Cells); jj++ {
			if v.isLabelCell(i, jj) {
				band1 = l.Cells[jj].X0 - 0.5*max(l.H, 1)
				break
			}
		}
	}
	for ii := i + 1; ii < len(v.lines) && ii <= i+3; ii++ {
		nl := v.lines[ii]
		if nl.Page != l.Page || nl.Y-l.Y > 4*max(l.H, 1) && l.H > 1 {
			break
		}
		for jj, nc := range nl.Cells {
			in := overlaps(c, nc) || headerRow && nc.X0 >= band0 && nc.X0 < band1
			if in {
				if len(v.hits[ii][jj]) > 0 && v.hits[ii][jj][0].start == 0 {
					goto done // another label below: a label column
				}
				text := nc.Text
				// "Total" over "GBP | 180.00": a currency in the label's
				// column, its amount in the next cell.
				if _, ok := CurrencyCodeIn(text, v.lang); ok && jj+1 < len(nl.Cells) && !v.isLabelCell(ii, jj+1) {
					text += " " + nl.Cells[jj+1].Text
				}
				out = append(out, slot{text: text, how: "below", line: ii, cell: nc})
				goto done
			}
		}
	}
done:
	if len(right) > 0 && headerRow {
		out = append(out, slot{text: right[0], how: "right", line: i, all: right})
	}
	return out
}

// labelCells counts the cells of line i that are labels with no value of
// their own (a header row: "Numero: | Data:").
func (v *docView) labelCells(i int) int {
	n := 0
	for j, c := range v.lines[i].Cells {
		hs := v.hits[i][j]
		t := strings.TrimSpace(c.Text)
		switch {
		case len(hs) > 0 && hs[0].start == 0 && strings.TrimSpace(strings.Trim(c.Text[hs[len(hs)-1].end:], " :.")) == "":
			n++
		case strings.HasSuffix(t, ":") && !strings.ContainsAny(t, "0123456789"):
			n++
		}
	}
	return n
}

// overlaps reports whether two cells share horizontal extent, or one's
// centre lies within the other (right-aligned numbers under a header).
func overlaps(a, b layout.Cell) bool {
	if min(a.X1, b.X1)-max(a.X0, b.X0) > 0 {
		return true
	}
	ca, cb := (a.X0+a.X1)/2, (b.X0+b.X1)/2
	return ca >= b.X0 && ca <= b.X1 || cb >= a.X0 && cb <= a.X1
}

// candidates collects every labelled value in the document.
func (v *docView) candidates() []cand {
	var out []cand
	order := 0
	for i, l := range v.lines {
		for j := range l.Cells {
			for k, h := range v.hits[i][j] {
				order++
				label := strings.TrimSpace(l.Cells[j].Text[h.start:h.end])
				var weak *cand // a bare integer amount: kept only if no slot has cents
				for _, s := range v.slots(i, j, k) {
					c, ok := v.read(h, s)
					if !ok {
						if s.how == "inline" && h.field != fSeller && h.field != fBuyer && !isAmountField(h.field) && wordsOnly(s.text) && genericLabel(h.phrase) {
							break // "Numéro de ligne": the label is part of a longer one
						}
						continue
					}
					c.field, c.phrase, c.order = qualify(h, l.Cells[j].Text), h.phrase, order
					c.src = v.src(s.line, label, s.how, 0)
					if isAmountField(h.field) && c.amt.Decimals == 0 && c.amt.Currency == "" {
						if weak == nil {
							weak = &c
						}
						continue
					}
					weak = nil
					out = append(out, c)
					break
				}
				if weak != nil {
					out = append(out, *weak)
				}
			}
			// A cell that is an invoice number naming itself
			// ("INV-26-A0001" alone in a corner, no label).
			if t := strings.TrimSpace(l.Cells[j].Text); len(v.hits[i][j]) == 0 && reSelfInvoiceNo.MatchString(t) {
				order++
				out = append(out, cand{field: fInvoiceNo, phrase: "invoice no", text: t, order: order, src: v.src(i, "", "self", 0)})
			}
		}
	}
	return out
}

// reSelfInvoiceNo is an invoice number that says what it is: "INV-2024-0042",
// "INV/26/A0001", "INV0007" (upper case, at least one digit).
var reSelfInvoiceNo = lazyregexp.New(`^INV[-/#_.]?[A-Z0-9]*\d[A-Z0-9/_.-]*$`)

// genericLabel reports a one-word label that starts many longer ones
// ("Numéro de ligne", "Date of birth").
func genericLabel(phrase string) bool {
	return !strings.Contains(phrase, " ") && len(phrase) <= 7
}

// wordsOnly reports text of letters and spaces only (no digit, no mark).
func wordsOnly(t string) bool {
	f := fold(t)
	if f == "" {
		return false
	}
	for i := 0; i < len(f); i++ {
		if f[i] >= '0' && f[i] <= '9' {
			return false
		}
	}
	return !strings.ContainsAny(t, "$€£¥₹")
}

func isAmountField(f string) bool {
	switch f {
	case fGrandTotal, fTotal, fToPay, fSubtotal, fTax, fPaid, fBalance, fOtherAmount:
		return true
	}
	return false
}

// qualify reads the words right after a total label: "Total (without
// VAT)" is the subtotal, "Summe inkl. MwSt." the gross total.
func qualify(h labelHit, cell string) string {
	switch h.field {
	case fTotal, fGrandTotal, fToPay:
	default:
		return h.field
	}
	rest := strings.Fields(fold(cell[h.end:]))
	if len(rest) > 4 {
		rest = rest[:4]
	}
	for _, w := range rest {
		switch w {
		case "without", "excl", "excluding", "ex", "net", "netto", "ohne", "exkl", "zzgl", "ht", "hors", "zonder", "sin", "senza", "bez", "sem", "before":
			return fSubtotal
		case "with", "incl", "including", "inc", "brutto", "inkl", "ttc", "inclusief", "met", "con", "iva", "com", "gross":
			if h.field == fTotal {
				return fGrandTotal
			}
			return h.field
		}
	}
	return h.field
}

// read parses a slot's text as the value of the label's field.
func (v *docView) read(h labelHit, s slot) (cand, bool) {
	c := cand{text: s.text}
	switch h.field {
	case fIssueDate, fDueDate, fPaidDate, fOtherDate:
		text := s.text
		ms := FindDatesIn(text, v.dateOpts)
		if (len(ms) == 0 || ms[0].Start > 12) && s.how == "inline" {
			// "Data wystawienia, z zastrzeżeniem art. 106na ust. 1
			// ustawy: 2023-11-30": a qualified label ends at its colon.
			if k := strings.LastIndex(text, ": "); k >= 0 {
				text = text[k+2:]
				ms = FindDatesIn(text, v.dateOpts)
			}
		}
		if len(ms) == 0 || ms[0].Start > 12 {
			// A value OCR damaged ("0404/2017", "i979").
			if d, ok := RepairedDate(text, v.dateOpts); ok {
				c.date = d
				return c, true
			}
			return c, false
		}
		c.date = ms[0].Date
		return c, true
	case fGrandTotal, fTotal, fToPay, fSubtotal, fTax, fPaid, fBalance, fOtherAmount:
		texts := []string{s.text}
		if s.how == "right" {
			texts = s.all
		}
		// The value is the last money amount on the right (amount
		// columns are rightmost): "Total  2  100.00  120.00" → 120.00.
		found := false
		for _, t := range texts {
			if a, ok := v.money(t); ok {
				c.amt, found = a, true
			}
		}
		if s.how == "below" && found && (c.amt.Decimals == 0 && !strings.ContainsAny(s.text, "$€£¥₹") || v.moneyColumn(s.line, s.cell)) {
			return c, false // a column of line amounts under a header, not one total
		}
		return c, found
	case fInvoiceNo, fOtherNo:
		c.phrase = h.phrase
		return c, invoiceNumberOf(&c) != ""
	case fSeller, fBuyer:
		return c, strings.TrimSpace(s.text) != ""
	case fTerms:
		return c, true
	}
	return c, false
}

// moneyColumn reports whether the line after line i has money in the
// column of cell c: the header's values are a column of line items.
func (v *docView) moneyColumn(i int, c layout.Cell) bool {
	for ii := i + 1; ii < len(v.lines) && ii <= i+3; ii++ {
		if v.lines[ii].Page != v.lines[i].Page {
			return false
		}
		for jj, nc := range v.lines[ii].Cells {
			if !overlaps(c, nc) || jj > 0 && v.isLabelCell(ii, jj-1) {
				continue // a labelled value of its own ("Acompte : 10,00")
			}
			if utf8.RuneCountInString(strings.TrimSpace(nc.Text)) > 24 {
				continue // a sentence that reaches into the column, no amount cell
			}
			if _, ok := v.money(nc.Text); ok {
				return true
			}
		}
	}
	return false
}

// money reads the amount in a cell: a number with two decimals or a
// currency mark; a percentage or a bare count is not money.
func (v *docView) money(t string) (Amount, bool) {
	ns := FindNumbers(t, v.lang)
	for k := len(ns) - 1; k >= 0; k-- {
		n := ns[k]
		rest := strings.TrimSpace(t[n.End:])
		if strings.HasPrefix(rest, "%") {
			continue
		}
		if n.Decimals == 0 && n.Currency == "" && len(ns) > 1 {
			continue
		}
		return Amount{Value: n.Value, Currency: n.Currency, Decimals: n.Decimals}, true
	}
	return Amount{}, false
}

var reNumberToken = lazyregexp.New(`^[#:№°º\s]*([A-Za-z0-9][A-Za-z0-9\-/_.]*)`)

// numberFiller are words between a label and its number ("Rechnung für
// X", "Invoice No. 5", "Facture n° 12").
var numberFiller = map[string]bool{"no": true, "nr": true, "n": true, "number": true, "num": true, "nummer": true, "numero": true, "fur": true, "for": true,
	"pour": true, "voor": true, "per": true, "de": true, "du": true, "id": true, "ref": true, "o": true, "nro": true}

// numberToken returns the document number at the start of s: a token of
// letters, digits and - / _ . with at least one digit, not a date and not
// an amount ("49,99").
func numberToken(s string) string {
	s = strings.TrimSpace(s)
	for {
		fs := strings.Fields(s)
		if len(fs) < 2 {
			break
		}
		w := fold(fs[0])
		paren := strings.HasPrefix(fs[0], "(") && strings.HasSuffix(fs[0], ")")
		// "č." is the Czech and Slovak number sign ("doklad č. 12").
		czech := strings.TrimSuffix(strings.ToLower(fs[0]), ".") == "č"
		if !numberFiller[w] && w != "" && !paren && !czech {
			break
		}
		s = strings.TrimSpace(s[len(fs[0]):])
	}
	m := reNumberToken.FindStringSubmatchIndex(s)
	if m == nil {
		return ""
	}
	tok := strings.TrimRight(s[m[2]:m[3]], ".-/_")
	// "FPR 16/20", "F 1234K20/1234/12": a short upper-case series code
	// before the number.
	if !strings.ContainsAny(tok, "0123456789") && len(tok) <= 4 && strings.ToUpper(tok) == tok {
		if m2 := reNumberToken.FindStringSubmatchIndex(s[m[3]:]); m2 != nil && m2[2] > 0 && s[m[3]] == ' ' {
			next := strings.TrimRight(s[m[3]+m2[2]:m[3]+m2[3]], ".-/_")
			if strings.ContainsAny(next, "0123456789") {
				tok, m[3] = tok+" "+next, m[3]+m2[3]
			}
		}
	}
	if len(tok) < 1 || len(tok) > 40 || !strings.ContainsAny(tok, "0123456789") {
		return ""
	}
	rest := s[m[3]:]
	if len(rest) >= 3 && (rest[0] == ',' || rest[0] == '.') && isDigitByte(rest[1]) && isDigitByte(rest[2]) && (len(rest) == 3 || !isDigitByte(rest[3])) {
		return "" // 49,99 is money
	}
	if _, ok := ParseDate(tok); ok {
		return ""
	}
	if len(tok) == 1 && !(tok[0] >= '0' && tok[0] <= '9') {
		return ""
	}
	return tok
}

// --- picking fields ---

func labelWeight(phrase string) float64 {
	switch {
	case phrase == "title":
		return 0.85 // "Rechnung Nr. 5 vom 3.4.2025": below "invoice date", above "date"
	case strings.Contains(phrase, " "):
		return 1
	case len(phrase) >= 8:
		return 0.95 // rechnungsnummer, factuurdatum
	}
	return 0.7
}

func bestDate(cs []cand, field string) (Date, *Source) {
	var best *cand
	for i := range cs {
		c := &cs[i]
		if c.field != field || c.date.IsZero() {
			continue
		}
		if best == nil || labelWeight(c.phrase) > labelWeight(best.phrase) {
			best = c
		}
	}
	if best == nil {
		return Date{}, nil
	}
	s := best.src
	s.Confidence = 0.6 + 0.3*labelWeight(best.phrase)
	return best.date, &s
}

// invoiceLabelSpecific reports labels that name the document's own number
// ("invoice no", "rechnungsnummer") rather than any number ("no").
func invoiceLabelSpecific(phrase string) bool {
	for _, w := range []string{"title", "invoice", "inv", "rechnung", "factur", "factuur", "fattura", "faktur", "fatura", "receipt", "credit", "bill", "beleg", "nota", "avoir", "gutschrift", "quote", "estimate", "devis", "angebot", "statement"} {
		if strings.Contains(phrase, w) {
			return true
		}
	}
	return false
}

func bestNumber(cs []cand) (string, *Source) {
	var best *cand
	score := func(c *cand) float64 {
		s := 0.5
		if invoiceLabelSpecific(c.phrase) {
			s = 1
		}
		if c.src.How == "below" {
			s -= 0.05
		}
		return s - float64(c.order)*1e-4
	}
	for i := range cs {
		c := &cs[i]
		if c.field != fInvoiceNo {
			continue
		}
		n := invoiceNumberOf(c)
		if n == "" || looksLikePhoneOrID(n) {
			continue
		}
		if best == nil || score(c) > score(best) {
			best = c
		}
	}
	if best == nil {
		// No number label: the document's own bare "Reference" in its
		// heading lines ("INVOICE | Ref.: INV-TAX-001"); "Your reference"
		// and the like are the buyer's.
		for i := range cs {
			c := &cs[i]
			if c.field != fOtherNo || !ownReference[c.phrase] || c.src.Line > 15 {
				continue
			}
			if n := numberToken(c.text); n != "" && strings.ContainsAny(n, "0123456789") && !looksLikePhoneOrID(n) {
				s := c.src
				s.Confidence = 0.55
				return n, &s
			}
		}
		return "", nil
	}
	s := best.src
	s.Confidence = 0.5 + 0.4*score(best)
	return invoiceNumberOf(best), &s
}

// ownReference are the bare reference labels, in the languages read, and
// a heading's serial number ("INVOICE | Serial No. AA.00001").
var ownReference = map[string]bool{"serial no": true, "serial number": true, "reference": true, "ref": true, "referenz": true, "referentie": true, "referencia": true, "riferimento": true, "referencja": true}

// reSlashNumber is a number written like a date ("2/11/2023": the second
// invoice of November 2023, as Polish invoices number them).
var reSlashNumber = lazyregexp.New(`^\s*(?:[A-Z]{1,4}[ /-]?)?(\d{1,6}/\d{1,2}/\d{2,4})\s*$`)

// invoiceNumberOf is the number a candidate holds: numberToken's, or,
// under a label that names an invoice number, a value that reads like a
// date.
func invoiceNumberOf(c *cand) string {
	if c.exact {
		return c.text
	}
	if reVersion.MatchString(c.text) {
		return ""
	}
	if n := numberToken(c.text); n != "" {
		return n
	}
	if invoiceLabelSpecific(c.phrase) {
		if m := reSlashNumber.FindStringSubmatch(c.text); m != nil {
			return strings.TrimSpace(m[0])
		}
	}
	return ""
}

func looksLikePhoneOrID(n string) bool {
	digits := 0
	for _, r := range n {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return digits > 20
}

// amountsOf returns the candidates of a field.
func amountsOf(cs []cand, field string) []*cand {
	var out []*cand
	for i := range cs {
		if cs[i].field == field {
			out = append(out, &cs[i])
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 0.011+1e-6*math.Abs(a) }

// pickTotal chooses the total from labelled amounts: subtotal + tax
// confirming a candidate first; then a gross total (incl. tax); then a
// plain "Total"; then what is asked to pay ("amount due", "Zahlbetrag"),
// which deposits may have reduced; then a balance due; then subtotal plus
// tax; with no label, the largest amount with cents.
func pickTotal(cs []cand, all []Amount) (*Amount, *Source) {
	grand := amountsOf(cs, fGrandTotal)
	plain := amountsOf(cs, fTotal)
	toPay := amountsOf(cs, fToPay)
	subs := amountsOf(cs, fSubtotal)
	taxes := amountsOf(cs, fTax)
	// A balance due is what is owed when nothing is labelled a total.
	var balance []*cand
	for _, c := range amountsOf(cs, fBalance) {
		if c.amt.Value > 0 {
			balance = append(balance, c)
		}
	}
	// On a receipt that states only what was charged, that is the total.
	var charged []*cand
	for _, c := range amountsOf(cs, fPaid) {
		if strings.Contains(c.phrase, "charged") && c.amt.Value > 0 {
			charged = append(charged, c)
		}
	}
	tiers := [][]*cand{grand, plain, toPay, balance, charged}
	for _, s := range subs {
		for _, t := range taxes {
			sum := s.amt.Value + t.amt.Value
			for _, tier := range tiers {
				for _, g := range tier {
					if near(g.amt.Value, sum) && sum != 0 {
						a := g.amt
						src := g.src
						src.Confidence = 0.97
						return &a, &src
					}
				}
			}
		}
	}
	// A plain "Total" or "Sum" that is the net amount: the amount to pay
	// is it plus the tax ("Sum €90,00 · Tax €21,60 · Total to pay
	// €111,60").
	for _, p := range plain {
		for _, t := range taxes {
			sum := p.amt.Value + t.amt.Value
			for _, tier := range [][]*cand{grand, toPay} {
				for _, g := range tier {
					if t.amt.Value > 0 && near(g.amt.Value, sum) {
						a, src := g.amt, g.src
						src.Confidence = 0.9
						return &a, &src
					}
				}
			}
		}
	}
	adj := adjustments(cs)
	for k, tier := range tiers {
		var best *cand
		for _, c := range tier {
			if best == nil || math.Abs(c.amt.Value) > math.Abs(best.amt.Value) {
				best = c
			}
		}
		// Several amounts under total labels ("Amount" over the lines,
		// "Total:" under them): the one the subtotal and the discount,
		// shipping and tax lines add up to is the total.
		if best != nil && len(subs) > 0 && len(adj) > 0 {
			for _, c := range tier {
				if c != best && !near(c.amt.Value, best.amt.Value) && addsUp(subs, adj, c.amt.Value) && !addsUp(subs, adj, best.amt.Value) {
					best = c
					break
				}
			}
		}
		if best != nil {
			a := best.amt
			src := best.src
			src.Confidence = []float64{0.85, 0.75, 0.7, 0.65, 0.6}[k]
			if k == 3 {
				// What is still owed after an amount paid: the total is
				// both.
				for _, p := range amountsOf(cs, fPaid) {
					// Money, not the days of "payment is due within 15 days".
					if p.amt.Value > 0 && (p.amt.Currency != "" || p.amt.Decimals == 2) {
						a.Value = math.Round((a.Value+p.amt.Value)*100) / 100
						src.How = "balance+paid"
						break
					}
				}
			}
			return &a, &src
		}
	}
	// Only the parts: subtotal plus tax.
	if len(subs) > 0 && len(taxes) > 0 {
		s, t := subs[len(subs)-1], taxes[len(taxes)-1]
		a := Amount{Value: math.Round((s.amt.Value+t.amt.Value)*100) / 100, Currency: s.amt.Currency, Decimals: 2}
		src := s.src
		src.How, src.Confidence = "subtotal+tax", 0.6
		return &a, &src
	}
	// No label: the largest amount with cents or a currency mark.
	var best *Amount
	for i := range all {
		a := &all[i]
		if a.Decimals == 0 && a.Currency == "" {
			continue
		}
		if best == nil || math.Abs(a.Value) > math.Abs(best.Value) {
			best = a
		}
	}
	if best == nil {
		return nil, nil
	}
	b := *best
	return &b, &Source{How: "largest", Confidence: 0.4}
}

// takenOffWords and addedWords label the lines between a subtotal and a
// total: what is taken off and what is added.
var (
	takenOffWords = append([]string{"remise", "credit", "abschlag"}, discountWords...)
	addedWords    = []string{"shipping", "delivery", "freight", "fee", "handling", "versand", "zuschlag", "frais", "livraison", "verzendkosten", "envio", "portes", "spedizione", "trasporto", "wysylka", "frete", "rounding"}
)

// adjustments are the labelled amounts that sit between a subtotal and a
// total, signed: discounts negative, tax, shipping and fees positive.
func adjustments(cs []cand) []float64 {
	var out []float64
	for _, c := range cs {
		if c.amt.Value == 0 || len(out) >= 8 {
			continue
		}
		switch {
		case c.field == fTax:
			out = append(out, c.amt.Value)
		case c.field == fOtherAmount && containsAnyWord(c.phrase, takenOffWords...):
			out = append(out, -math.Abs(c.amt.Value))
		case c.field == fOtherAmount && containsAnyWord(c.phrase, addedWords...):
			out = append(out, c.amt.Value)
		}
	}
	return out
}

// addsUp reports whether v is a subtotal plus some of the adjustments
// (at least one), to the cent.
func addsUp(subs []*cand, adj []float64, v float64) bool {
	for _, s := range subs {
		for m := 1; m < 1<<len(adj); m++ {
			sum := s.amt.Value
			for i, a := range adj {
				if m&(1<<i) != 0 {
					sum += a
				}
			}
			if near(sum, v) {
				return true
			}
		}
	}
	return false
}

// reNumberSign is a number sign that opens a cell: "č. 1989", "No. 42",
// "Nr: 7", "N° 12", "# 5".
var reNumberSign = lazyregexp.New(`(?i)^\s*(?:č\.|c\x{030C}?\.|no\.?|nr\.?|n[°º]\.?|#|number|nummer|numéro|numero|número|numer)\s*:?\s*`)

// reVersion is a form's version after its title ("DANFSe v2.0"), no number.
var reVersion = lazyregexp.New(`(?i)^\s*(?:v\d+(?:\.\d+)+|version\s*\d+(?:\.\d+)*)\b`)

// titleTaxWords qualify a title as a tax document ("Faktura VAT",
// "Factura IVA", "Facture TVA", "Tax Invoice GST"), folded.
var titleTaxWords = map[string]bool{"vat": true, "tva": true, "iva": true, "gst": true, "mwst": true, "btw": true, "dph": true, "afa": true, "moms": true}

// titleCands reads the title cell: "Handelsrechnung Nr. 471102 vom
// 05.06.2018" dates the document.
func (v *docView) titleCands() []cand {
	i, j := v.titleAt[0], v.titleAt[1]
	if i < 0 {
		return nil
	}
	t := v.lines[i].Cells[j].Text
	if v.titleText != "" {
		t = v.titleText
	}
	var out []cand
	if ms := FindDatesIn(t, v.dateOpts); len(ms) > 0 {
		out = append(out, cand{field: fIssueDate, phrase: "title", text: t, date: ms[0].Date, src: v.src(i, "", "title", 0)})
	}
	// "CREDIT NOTE CN-12", "Invoice 7731": the number after the title.
	f, pos := Fold(t)
	// Titles in kind order, so a cell two titles begin is read the same way
	// every time.
	titles := make([][]string, 0, len(kindOrder)+1)
	for _, k := range kindOrder {
		titles = append(titles, kindTitles[k])
	}
	if w, _, ok := strings.Cut(f, " "); ok {
		if _, isTitle := titleKind(w); isTitle {
			titles = append(titles, []string{w}) // a compound ("Mietrechnung")
		}
	}
	for _, ts := range titles {
		for _, tt := range ts {
			if strings.HasPrefix(f, tt+" ") {
				rest := t[pos[len(tt)]:]
				// "Faktura VAT 2015/1", "Factura IVA 7": a tax word
				// qualifies the title; the number follows it.
				if fr, fpos := Fold(rest); fr != "" {
					w, _, _ := strings.Cut(fr, " ")
					if titleTaxWords[w] && len(w) < len(fr) {
						rest = rest[fpos[len(w)]:]
					}
				}
				// "Rechnung des Versicherers Nr. 00.123.456.7-2018-1": the
				// number follows a number sign after a few words.
				fr, fpos := Fold(rest)
				marked := false
				for _, mark := range []string{" no ", " nr ", " number ", " nummer ", " numero "} {
					if k := strings.Index(" "+fr+" ", mark); k >= 0 && k+len(mark)-1 <= len(fr) {
						rest, marked = rest[fpos[min(k+len(mark)-1, len(fr))]:], true
						break
					}
				}
				// One digit is a number only behind a number sign
				// ("Receipt for charge #1").
				// Behind a number sign a date-shaped token is the number
				// ("Invoice #2015-11-04").
				if marked && numberToken(rest) == "" {
					if m := reNumberToken.FindStringSubmatch(strings.TrimSpace(rest)); m != nil {
						if _, isDate := ParseDate(m[1]); isDate {
							out = append(out, cand{field: fInvoiceNo, phrase: "title", text: m[1], exact: true, src: v.src(i, "", "title", 0)})
							return out
						}
					}
				}
				if n := numberToken(rest); n != "" && (len(n) >= 2 || marked) && !reVersion.MatchString(rest) {
					out = append(out, cand{field: fInvoiceNo, phrase: "title", text: rest, src: v.src(i, "", "title", 0)})
					return out
				}
			}
		}
	}
	// "Faktura | č. 198900000001": a bare title, its number in the next cell
	// behind a number sign.
	if _, ok := titleKind(t); ok && j+1 < len(v.lines[i].Cells) {
		next := v.lines[i].Cells[j+1].Text
		if m := reNumberSign.FindStringIndex(next); m != nil {
			if n := numberToken(next[m[1]:]); n != "" && len(n) >= 2 {
				out = append(out, cand{field: fInvoiceNo, phrase: "title", text: next[m[1]:], src: v.src(i, "", "title", 0)})
			}
		}
	}
	return out
}

// numberBelowTitle reads "Tax Invoice" over "SGC-DCS-28": a title in the
// heading lines (a bare title, or one behind up to two qualifying words:
// "Service invoice", "Electronic credit note"), its number alone in the
// cell right below it, written as a code (letters or separators with its
// digits), not a date.
func (v *docView) numberBelowTitle() []cand {
	for i, l := range v.lines[:max(0, min(len(v.lines)-1, headingLineCount))] {
		for _, c := range l.Cells {
			if !isTitleCell(c.Text) {
				continue
			}
			next := v.lines[i+1]
			if next.Page != l.Page {
				continue
			}
			for _, b := range next.Cells {
				tok := strings.TrimSpace(b.Text)
				if math.Abs(b.X0-c.X0) > 2*v.medianH() || strings.ContainsAny(tok, " \t") || len(tok) < 4 {
					continue
				}
				_, isDate := ParseDate(tok)
				code := strings.IndexFunc(tok, func(r rune) bool { return unicode.IsLetter(r) || r == '-' || r == '/' }) >= 0
				if !isDate && code && strings.ContainsAny(tok, "0123456789") && numberToken(tok) == tok {
					return []cand{{field: fInvoiceNo, phrase: "title", text: tok, src: v.src(i+1, "", "below title", 0)}}
				}
			}
		}
	}
	return nil
}

// headingLineCount is how many lines from the top numberBelowTitle reads.
const headingLineCount = 15

// isTitleCell reports a cell that is a document title, alone or behind up
// to two qualifying words.
func isTitleCell(text string) bool {
	if _, ok := titleKind(text); ok {
		return true
	}
	f := fold(text)
	ws := strings.Fields(f)
	for n := 1; n <= 2 && n < len(ws); n++ {
		if _, ok := titleKind(strings.Join(ws[n:], " ")); ok {
			return true
		}
	}
	return false
}

var dueWords = []string{"zahlbar", "payable", "pay", "paid", "due", "payment", "payer", "regler", "reglement", "paiement", "betalen", "betaling", "pagar", "pago", "pagare", "pagamento",
	"zaplaty", "platnosci", "fallig", "faellig", "zahlung", "uberweisen", "uberweise", "uberweist", "remit", "settle", "uhradte", "splatne",
	"transfer", "transfiera", "transferir", "virement", "virer", "verser", "overmaken", "bonifico", "przelew", "wire"}
var dueBefore = []string{"due on", "payable on", "fallig am", "a payer le", "exigible le", "vence el", "scade il", "platne dnia", "te betalen op", "bis", "bis zum", "by", "until", "before", "no later than", "avant le", "avant", "au plus tard le", "voor", "uiterlijk", "entro il", "entro", "hasta el", "antes del", "antes de", "ate", "do dnia", "do", "on or before"}

// dueFromTerms reads a due date from wording: "Zahlbar innerhalb 30 Tagen
// netto bis 04.07.2018", "please pay by 3 May 2025", "à régler avant le
// 2 juillet". A discount deadline (Skonto, discount, escompte) is not the
// due date.
func (v *docView) dueFromTerms(dates []DateMatch) (Date, Source, bool) {
	for _, d := range dates {
		lineStart := strings.LastIndexByte(v.text[:d.Start], '\n') + 1
		prefix := fold(v.text[max(lineStart, d.Start-90):d.Start])
		if prefix == "" || containsAnyWord(prefix, discountWords...) {
			continue
		}
		before := false
		for _, b := range dueBefore {
			if strings.HasSuffix(prefix, " "+b) || prefix == b {
				before = true
				break
			}
		}
		if before && containsAnyWord(prefix, dueWords...) {
			return d.Date, Source{How: "terms", Confidence: 0.8}, true
		}
	}
	return Date{}, Source{}, false
}

func containsAnyWord(folded string, words ...string) bool {
	for _, w := range words {
		if hasPhrase(folded, w) {
			return true
		}
	}
	return false
}

// discountClause says whether the terms between start and end sit in a
// clause that grants a discount for early payment ("innerhalb von 14 Tagen
// 2% Skonto", "2/10 net 30" keeps its net part): such days are not the due
// date. A clause ends at a comma, semicolon, full stop or line break.
func discountClause(text string, start, end int) bool {
	from := strings.LastIndexAny(text[:start], ",;\n") + 1
	to := len(text)
	if k := strings.IndexAny(text[end:], ",;\n"); k >= 0 {
		to = end + k
	}
	if k := strings.Index(text[end:to], ". "); k >= 0 {
		to = end + k
	}
	clause := fold(text[from:to])
	return strings.Contains(clause, "%") || containsAnyWord(clause, discountWords...)
}

var discountWords = []string{"skonto", "discount", "escompte", "korting", "sconto", "descuento", "desconto", "rabat", "rabatt"}

// immediateTerms say the invoice is due on its issue date.
var immediateTerms = []string{"sofort fallig", "sofort zahlbar", "zahlbar sofort", "sofort ohne abzug", "due upon receipt", "due on receipt", "payable on receipt", "payable upon receipt",
	"payable immediately", "due immediately", "a reception de facture", "a reception", "payable a reception", "comptant", "direct opeisbaar", "per direct", "onmiddellijk",
	"a la vista", "al contado", "a vista", "immediato", "natychmiast", "platne od reki"}

// dueImmediately reports immediate terms in the folded text f.
func dueImmediately(f string) bool {
	for _, p := range immediateTerms {
		if hasPhrase(f, p) {
			return true
		}
	}
	return false
}

// --- terms ---

var reTermsNet = lazyregexp.New(`(?i)\bnet\s*(\d{1,3})\b|\b(\d{1,3})\s*(?:days?|tage[n]?|jours|dagen|d[ií]as|giorni|dni|dias)\s*(?:net|netto|nach|after|from|after\s+invoice|fin\s+de\s+mois|date\s+de\s+facture|na\s+factuurdatum|fecha\s+factura|data\s+fattura|od\s+daty)?`)

// termsDays reads payment terms as a number of days after issue: "Net 30",
// "payable within 14 days", "zahlbar innerhalb von 14 Tagen", "à 30
// jours", "binnen 14 dagen". ok is false when the text states no terms.
func termsDays(text string) (int, bool) {
	low := strings.ToLower(text)
	for _, kw := range []string{"net ", "within", "innerhalb", "binnen", "zahlbar", "payable", "jours", "dagen", "días", "dias", "giorni", "dni", "terms", "zahlungsziel", "échéance", "echeance"} {
		if !strings.Contains(low, kw) {
			continue
		}
		for _, m := range reTermsNet.FindAllStringSubmatchIndex(text, -1) {
			d := ""
			if m[2] >= 0 {
				d = text[m[2]:m[3]]
			} else {
				d = text[m[4]:m[5]]
			}
			if discountClause(text, m[0], m[1]) {
				continue
			}
			n, err := strconv.Atoi(d)
			if err == nil && n >= 7 && n <= 120 {
				return n, true
			}
		}
		break
	}
	return 0, false
}
