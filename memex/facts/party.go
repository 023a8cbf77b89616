package facts

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"nexusos/internal/lazyregexp"
	"nexusos/memex/layout"
)

// Who issued a document: the seller, never the buyer. Candidates come from
// a labelled seller ("Sold by", "Lieferant", "Fornitore"), the letterhead
// (the top lines of the first page outside any buyer block, the tallest
// and those with a legal form first), the holder of the VAT id or bank
// account in the footer, and the web or mail domain; blocks under a buyer
// label (bill to, ship to, Kunde, klant, client, cliente, nabywca) are
// excluded. Scores add up per name key; the best name wins.

// legalForms are the company-form suffixes, folded, by country.
var legalForms = []string{
	"inc", "incorporated", "llc", "l l c", "ltd", "limited", "plc", "corp", "corporation", "co", "company", "lp", "llp", "pllc", "pc",
	"gmbh", "gmbh co kg", "ag", "kg", "ohg", "ug", "e k", "ek", "e v", "ev", "gbr", "mbh", "kgaa", "se",
	"bv", "b v", "nv", "n v", "vof", "cv",
	"sa", "s a", "sas", "s a s", "sasu", "sarl", "s a r l", "s a rl", "eurl", "sca", "snc", "scop",
	"spa", "s p a", "srl", "s r l", "sapa", "snc", "sas", "ss",
	"sl", "s l", "slu", "s l u", "sa de cv", "s de rl", "sau", "s a u", "sc", "scp",
	"sp z o o", "sp zoo", "spolka z ograniczona odpowiedzialnoscia", "spolka akcyjna", "s a", "sp j", "sp k", "spzoo",
	"ltda", "eireli", "me", "epp", "lda", "unipessoal lda",
	"pvt ltd", "pvt limited", "private limited", "pvt", "pty ltd", "pty", "pte ltd", "pte", "sdn bhd", "bhd", "kk", "k k",
	"oy", "oyj", "ab", "publ", "as", "a s", "asa", "aps", "a s", "hf", "ehf",
	"sro", "s r o", "as", "kft", "zrt", "nyrt", "bt", "doo", "d o o", "ad", "ood", "ou", "uab", "sia",
	"z s p o", "zspo", "z s", "z u", "o p s", "v o s", "k s", "ltd sti", "sti",
	// Japanese, one character per word as Fold writes them
	"株 式 会 社", "有 限 会 社", "合 同 会 社", "合 資 会 社",
}

var legalFormSet = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range legalForms {
		m[f] = true
	}
	return m
}()

// shortForm are legal forms that are also everyday words ("co", "as",
// Portuguese "ou", Spanish "sa"): they count only written as forms, in
// capitals or with a dot.
var shortForm = map[string]bool{"co": true, "as": true, "se": true, "me": true, "ad": true, "pc": true, "sc": true, "cv": true, "ou": true, "ab": true,
	"ag": true, "sa": true, "oy": true, "kg": true, "ug": true, "ek": true, "ev": true, "sl": true, "lp": true, "lda": true, "spa": true, "doo": true, "sia": true}

// legalFormAt returns how many trailing folded words of f form a legal
// form ("acme gmbh co kg" → 3), or 0.
func legalFormAt(words []string) int {
	for n := min(6, len(words)-1); n >= 1; n-- {
		if legalFormSet[strings.Join(words[len(words)-n:], " ")] {
			w := strings.Join(words[len(words)-n:], " ")
			// Two-letter English words need capitals or a second word.
			if (w == "co" || w == "as" || w == "me" || w == "ad" || w == "se" || w == "pc" || w == "sc" || w == "ss" || w == "cv") && len(words) < 2 {
				return 0
			}
			return n
		}
	}
	return 0
}

// LegalFormPrefix returns how many of the leading words form a legal form
// ("B.V.", "S.à r.l.", "private limited", "GmbH & Co. KG"), 0 when none.
// Short forms ("AG", "SA", "Co.") count only written as forms (capitals
// or a dot), as in names; in caseless text (a question, lower-cased) only
// those that are also everyday words ("as", "me") are refused.
func LegalFormPrefix(words []string, caseless bool) int {
	for n := min(6, len(words)); n >= 1; n-- {
		f := fold(strings.Join(words[:n], " "))
		if !legalFormSet[f] {
			continue
		}
		w := words[n-1]
		written := strings.Contains(w, ".") || strings.ToUpper(w) == w
		if shortForm[f] && !written && (!caseless || everydayForm[f]) {
			continue
		}
		return n
	}
	return 0
}

// LegalForms returns the legal forms a name ends with, one spelling per
// form ("Acme Ltd." and "Acme Limited" → "ltd"), the last first: a name
// may stack them ("My Great Company, Inc." → inc, co). None: nil.
func LegalForms(name string) []string {
	var out []string
	f := strings.Fields(fold(name))
	for len(out) < 4 {
		n := legalFormAt(f)
		if n == 0 {
			break
		}
		out = append(out, FormKey(strings.Join(f[len(f)-n:], " ")))
		f = f[:len(f)-n]
	}
	return out
}

// FormKey spells a legal form one way: folded, without spaces, long
// forms shortened ("B.V." → "bv", "Incorporated" → "inc").
func FormKey(form string) string {
	k := strings.ReplaceAll(fold(form), " ", "")
	if s, ok := formSpelling[k]; ok {
		return s
	}
	return k
}

var formSpelling = map[string]string{"limited": "ltd", "incorporated": "inc", "corporation": "corp", "company": "co",
	"privatelimited": "pvtltd", "pvtlimited": "pvtltd", "pvt": "pvtltd", "spolkazograniczonaodpowiedzialnoscia": "spzoo"}

// everydayForm are short legal forms that are also everyday words.
var everydayForm = map[string]bool{"as": true, "me": true, "ad": true, "se": true, "ou": true, "pc": true, "sc": true, "cv": true}

// headingNouns start a party block's heading that names its role
// ("Informationen zum Verkäufer", "Details of the supplier"), folded.
var headingNouns = map[string]bool{"information": true, "informationen": true, "informations": true, "angaben": true, "details": true, "daten": true,
	"donnees": true, "coordonnees": true, "gegevens": true, "dati": true, "datos": true, "dane": true, "informacje": true, "informacoes": true, "info": true, "about": true}

// nameLabels are the labels a party block puts before the party's name
// ("Nazwa: Test Company Sp. z o.o.", "Raison sociale : Acme SARL"),
// folded.
var nameLabels = []string{"name", "company name", "company", "business name", "nazwa", "nazwa firmy", "firma", "firmenname", "unternehmen", "nom", "raison sociale",
	"naam", "bedrijfsnaam", "nome", "ragione sociale", "denominazione", "nombre", "razon social", "denominacion", "razao social", "nazev", "obchodni jmeno"}

// blockName returns a party block's cell without leading colons and
// without a name label ("Nazwa: Test Company" → "Test Company", named).
func blockName(cell string) (txt string, named bool) {
	txt = strings.TrimSpace(strings.TrimLeft(cell, ":： "))
	head, rest, ok := strings.Cut(txt, ":")
	if ok && strings.TrimSpace(rest) != "" && isNameLabel(head) {
		return strings.TrimSpace(rest), true
	}
	return txt, false
}

// isNameLabel reports a name label without its colon ("Firmenname",
// "Raison sociale").
func isNameLabel(s string) bool {
	if s = strings.TrimSpace(s); s == "" || len(s) > 24 {
		return false
	}
	f, _ := Fold(s)
	return slices.Contains(nameLabels, strings.TrimSpace(f))
}

// companyName returns the company name in a cell: the words up to and
// including a legal-form suffix ("Acme Widgets GmbH · Hauptstr. 5" →
// "Acme Widgets GmbH"), or "" when the cell has no legal form.
func companyName(text string) string {
	for _, part := range splitParts(text) {
		words := strings.Fields(part)
		// The first name with a legal form, its form as long as it goes
		// ("Acme GmbH & Co. KG"): a sentence may name the seller before
		// the buyer.
		for end := 2; end <= len(words); end++ {
			f := strings.Fields(fold(strings.Join(words[:end], " ")))
			if len(f) < 2 {
				continue
			}
			n := legalFormAt(f)
			if n == 0 {
				continue
			}
			for e2 := end + 1; e2 <= min(end+4, len(words)); e2++ {
				f2 := strings.Fields(fold(strings.Join(words[:e2], " ")))
				if n2 := legalFormAt(f2); n2 > 0 && len(f2)-n2 < len(f) {
					end, f, n = e2, f2, n2
				}
			}
			last := words[end-1]
			// Short ambiguous forms must be written as forms: "Co.",
			// "AS", "SE" in capitals or with a dot.
			lf := fold(last)
			if shortForm[lf] && !strings.ContainsAny(last, ".") && strings.ToUpper(last) != last {
				continue
			}
			// A form is the end of a name: "Art. 30 inc. c)" is no company.
			// A parenthesis after the form ends the name ("Cymbal Inc. (the
			// Licensor)").
			if end < len(words) && !strings.HasPrefix(words[end], "(") {
				if r := []rune(strings.Trim(words[end], "()[].,;:")); len(r) > 0 && unicode.IsLower(r[0]) && len(r) <= 3 {
					continue
				}
			}
			if (lf == "company" || lf == "limited" || lf == "corporation") && !isTitleWords(words[:end]) {
				continue
			}
			// n folded words make the form; find how many written words
			// they span ("S.a.r.L" is one word, four folded).
			formWords, acc := 0, 0
			for k := end - 1; k >= 0 && acc < n; k-- {
				acc += len(strings.Fields(fold(words[k])))
				formWords++
			}
			// Keep only the name-like words before the form: "Copyright
			// 2024 Acme Ltd" drops the head up to the last digit or
			// lower-case run.
			start := 0
			for k := end - 1 - formWords; k >= 0; k-- {
				if !isNameWord(words[k]) {
					start = k + 1
					break
				}
			}
			if start >= end-formWords && end == len(words) && end-formWords <= 3 && end-formWords >= 1 && !strings.ContainsAny(strings.Join(words[:end-formWords], ""), "0123456789") {
				start = 0 // a lower-case brand that is the whole cell: "real GmbH", "bol.com b.v."
			}
			if start >= end-formWords {
				continue
			}
			name := strings.Join(words[start:end], " ")
			name = strings.Trim(name, " ,;:·•|-–—")
			if PartyKey(name) == "" {
				continue
			}
			return name
		}
	}
	return ""
}

// jaForms are the Japanese company forms, written before or after the
// name ("株式会社ダミー", "サンプル株式会社"); jaAddressee marks the
// buyer: "御中" after a company, "様" after a person.
var (
	jaForms     = []string{"株式会社", "有限会社", "合同会社", "合資会社", "(株)", "（株）", "㈱", "(有)", "（有）", "㈲"}
	jaAddressee = []string{"御中", "様"}
)

// jaIssuer returns the first Japanese company name in the document that
// is not addressed as the buyer (followed by 御中 or 様), or "". A
// Japanese invoice names the buyer first, at the top left, with 御中, and
// its issuer at the right with seal and address; labels are rare.
func (v *docView) jaIssuer() (string, *Source) {
	for i, l := range v.lines {
		for _, name := range jaCompanies(l.Text()) {
			src := v.src(i, "", "company form", 0.6)
			return name, &src
		}
	}
	return "", nil
}

// jaCompanies returns the company names written with a Japanese company
// form in a line, in order, without those addressed as the buyer and
// without the spaces OCR puts between Japanese characters.
func jaCompanies(text string) []string {
	var out []string
	// A name runs from its form to either side up to a gap of two
	// spaces, a tab or punctuation.
	stop := func(r rune) bool { return r == '\t' || r == '、' || r == '。' || r == ':' || r == '：' || r == ',' }
	for at := 0; at < len(text); {
		k, form := -1, ""
		for _, f := range jaForms {
			if i := strings.Index(text[at:], f); i >= 0 && (k < 0 || at+i < k) {
				k, form = at+i, f
			}
		}
		if k < 0 {
			break
		}
		start := k
		for start > at {
			r, size := utf8.DecodeLastRuneInString(text[:start])
			if stop(r) || r == ' ' && start-size > 0 && text[start-size-1] == ' ' {
				break
			}
			start -= size
		}
		end := k + len(form)
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if stop(r) || r == ' ' && end+size < len(text) && text[end+size] == ' ' {
				break
			}
			end += size
		}
		at = end
		name := strings.Join(strings.Fields(joinCJK(text[start:end])), " ")
		if name == form || slices.ContainsFunc(jaAddressee, func(a string) bool { return strings.HasSuffix(name, a) }) || hasPrefixAny(strings.TrimSpace(text[end:]), jaAddressee...) {
			continue
		}
		out = append(out, name)
	}
	return out
}

func isTitleWords(ws []string) bool {
	for _, w := range ws {
		r := []rune(w)
		if len(r) > 0 && unicode.IsLower(r[0]) && !smallWord[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

var smallWord = map[string]bool{"and": true, "&": true, "of": true, "the": true, "und": true, "et": true, "en": true, "y": true, "e": true, "de": true, "di": true, "van": true, "der": true, "den": true, "la": true, "le": true, "du": true, "des": true, "von": true, "i": true, "z": true, "o": true, "a": true}

// isNameWord reports a word that can be part of a company name.
func isNameWord(w string) bool {
	if smallWord[strings.ToLower(w)] || w == "&" || w == "+" || w == "-" {
		return true
	}
	r := []rune(strings.Trim(w, "\"'“”‘’(),*_#"))
	if len(r) == 0 {
		return false
	}
	if unicode.IsUpper(r[0]) || unicode.IsDigit(r[0]) && len(r) <= 4 && !strings.ContainsAny(w, ".,:/") {
		return !strings.HasSuffix(w, ":")
	}
	if domainWord.MatchString(w) {
		return true // "bol.com b.v."
	}
	return strings.ContainsAny(w, ".") && len(r) <= 5 && !strings.ContainsAny(w, "0123456789") // "s.r.l.", "sp." forms
}

var domainWord = lazyregexp.New(`^[a-z0-9-]+\.(?:com|net|org|de|nl|fr|be|co|io|eu|es|it|pl|pt|ch|at|uk)$`)

var reSplitParts = lazyregexp.New(`\s[·•|–—]\s|\s-\s|,\s|;\s|\t`)

func splitParts(s string) []string {
	return reSplitParts.Split(s, -1)
}

// partyCand is a scored issuer candidate.
type partyCand struct {
	name  string
	score float64
	src   Source
}

var (
	reDomain = lazyregexp.New(`(?i)\b(www\.|https?://(?:www\.)?|[a-z0-9._%+-]+@)([a-z0-9-]+)\.(?:[a-z0-9-]+\.)*[a-z]{2,}\b`)
	// Mail and hosting domains name no company.
	genericDomains = map[string]bool{"gmail": true, "googlemail": true, "yahoo": true, "hotmail": true, "outlook": true, "live": true, "icloud": true,
		"aol": true, "gmx": true, "web": true, "mail": true, "orange": true, "free": true, "wanadoo": true, "proton": true, "protonmail": true,
		"example": true, "wp": true, "onet": true, "o2": true, "t-online": true, "libero": true, "uol": true, "bol": true, "terra": true, "paypal": true, "stripe": true}
)

// findIssuer scores issuer candidates over the document's lines.
func (v *docView) findIssuer(cs []cand, h Hints) (string, *Source) {
	if len(v.lines) == 0 {
		return "", nil
	}
	sec := v.sections()
	var cands []partyCand
	add := func(name string, score float64, src Source) {
		name = cleanName(name)
		if name == "" || PartyKey(name) == "" || len(name) > 80 {
			return
		}
		if hs := findLabels(name); isKindTitle(name) || len(hs) > 0 && hs[0].start == 0 && companyName(name) == "" {
			return
		}
		if placeholderName(name) || junkName(name) {
			return
		}
		cands = append(cands, partyCand{name: name, score: score, src: src})
	}
	// 1. A labelled seller.
	for _, c := range cs {
		if c.field != fSeller {
			continue
		}
		name := c.text
		if cn := companyName(name); cn != "" {
			name = cn
		} else if !isNameLine(firstPart(name)) {
			continue
		} else {
			name = firstPart(name)
		}
		w := 3.0
		if c.phrase == "from" || c.phrase == "company" || c.phrase == "account name" || c.phrase == "beneficiary" || c.phrase == "account holder" {
			w = 2
		}
		add(name, w, c.src)
	}
	// 2. The first name in a seller block ("Verkäufer" / "Name: Lieferant
	// GmbH"), and any company name in it.
	firstInBlock := map[int]bool{} // heading line → taken
	for i, l := range v.lines {
		for j, c := range l.Cells {
			if sec[[2]int{i, j}] != fSeller || v.isLabelCell(i, j) {
				continue
			}
			// "Informationen zum Verkäufer" heads the block; it names no
			// one ("Test Company" does, though it ends in a role).
			if w, _, _ := strings.Cut(fold(c.Text), " "); headingNouns[w] && v.partyRole(i, j) != "" {
				continue
			}
			txt, named := blockName(c.Text)
			if j > 0 && txt != "" {
				prev := strings.TrimSpace(l.Cells[j-1].Text)
				named = named || strings.HasSuffix(prev, ":") && isNameLabel(strings.TrimSuffix(prev, ":")) // "Firmenname: | Testverkäufer"
			}
			head := v.blockHead(i, j, sec)
			if named && !firstInBlock[head] && v.lines[head].Page == v.lines[0].Page && v.lineNo[head] <= 30 {
				// "Nazwa: Test Company Sp. z o.o.": a party block at the
				// head of the document names its party as surely as a
				// seller label does (a payee block in the footer names
				// an account).
				firstInBlock[head] = true
				add(txt, 3, v.src(i, "", "seller block", 0))
				continue
			}
			if isReturnAddress(txt) {
				add(firstPart(txt), 3, v.src(i, "", "return address", 0))
				continue
			}
			if cn := companyName(txt); cn != "" {
				add(cn, 2.5, v.src(i, "", "seller block", 0))
			}
			if !firstInBlock[head] && (isNameLine(txt) || companyName(txt) != "") {
				firstInBlock[head] = true
				add(firstPart(txt), 2, v.src(i, "", "seller block", 0))
			} else if n := leadingName(txt); !firstInBlock[head] && n != "" && reTrailingID.MatchString(strings.TrimPrefix(txt, n)) {
				// "Sylius 0001112222": a name and its registration or
				// phone number on one line.
				firstInBlock[head] = true
				add(n, 2, v.src(i, "", "seller block", 0))
			}
		}
	}
	// 3. A sentence naming its issuer: "Invoice from Contoso Inc.",
	// "Issued by Fabrikam GmbH", "Recebemos de Kron Ltda os produtos".
	for i, l := range v.lines {
		if i >= 40 {
			break
		}
		for _, c := range l.Cells {
			f, pos := Fold(c.Text)
			for _, p := range issuedByWords {
				k := strings.Index(" "+f+" ", " "+p+" ")
				if k < 0 {
					continue
				}
				rest := c.Text[pos[min(k+len(p)+1, len(f))]:]
				if cn := companyName(rest); cn != "" {
					add(cn, 2.5, v.src(i, "", "issued by", 0))
				} else if n := leadingName(rest); n != "" && len(p) > 4 {
					add(n, 1.5, v.src(i, "", "issued by", 0))
				}
				break
			}
		}
	}
	// A copyright notice names who made the document ("©2020 AnyCompany
	// Credit Union.", "Copyright © 2024 Acme Ltd").
	for i, l := range v.lines {
		for _, c := range l.Cells {
			m := reCopyright.FindStringSubmatchIndex(c.Text)
			if m == nil {
				continue
			}
			rest := strings.TrimSpace(c.Text[m[1]:])
			if cn := companyName(rest); cn != "" {
				add(cn, 2.5, v.src(i, "", "copyright", 0))
			} else if n := leadingName(rest); n != "" {
				add(n, 2, v.src(i, "", "copyright", 0))
			}
		}
	}
	// 4. Letterhead and legal lines.
	firstPage := v.lines[0].Page
	var hs []float64
	for _, l := range v.lines {
		if l.Page == firstPage {
			hs = append(hs, l.H)
		}
	}
	sort.Float64s(hs)
	medH := hs[len(hs)/2]
	seen := 0
	for i, l := range v.lines {
		// A message's attachments start their own pages, each with its
		// own letterhead.
		top := (l.Page == firstPage || h.Kind == KindEmail) && v.lineNo[i] <= 14
		for j, c := range l.Cells {
			if sec[[2]int{i, j}] != "" || v.isLabelCell(i, j) || j > 0 && strings.HasSuffix(strings.TrimSpace(l.Cells[j-1].Text), ":") || strings.HasPrefix(strings.TrimSpace(c.Text), ":") {
				continue
			}
			txt := strings.TrimSpace(strings.TrimLeft(c.Text, ":： "))
			if txt == "" || isGreeting(txt) || placeholderName(txt) {
				continue
			}
			src := v.src(i, "", "letterhead", 0)
			if cn := companyName(txt); cn != "" && (top || len(strings.Fields(txt)) <= 14 || strings.HasPrefix(txt, cn)) {
				if cn == txt {
					cn = v.nameAbove(i, c, sec) + cn
				}
				s := 2.0
				if top {
					s += 1.5 - 0.05*float64(v.lineNo[i])
				} else {
					src.How = "legal"
					s = 1.2
				}
				add(cn, s, src)
			}
			if top && seen < 6 && len(l.Cells) <= 2 && isNameLine(txt) {
				s := 1.2 - 0.1*float64(seen)
				if l.H > 1.25*medH && medH > 0 {
					s += 1
				}
				if l.H > 1.8*medH && medH > 0 {
					s += 0.5 // a logo line
				}
				add(txt, s, src)
			}
		}
		if top && len(l.Cells) > 0 {
			seen++
		}
	}
	// 5. The web or mail domain confirms a candidate or stands alone.
	domains := map[string]int{}
	var domainOrder []string // as first seen
	addDomain := func(d string, n int) {
		if domains[d] == 0 {
			domainOrder = append(domainOrder, d)
		}
		domains[d] += n
	}
	for _, m := range reDomain.FindAllStringSubmatch(v.text, 40) {
		d := strings.ToLower(m[2])
		mail := strings.HasSuffix(m[1], "@")
		if (!mail || !genericDomains[d]) && d != "example" && len(d) >= 3 {
			addDomain(d, 1)
		}
	}
	if h.From != "" {
		if m := reDomain.FindStringSubmatch(h.From); m != nil && !genericDomains[strings.ToLower(m[2])] {
			addDomain(strings.ToLower(m[2]), 2)
		}
	}
	// Sum scores per key.
	type agg struct {
		name   string
		score  float64
		src    Source
		best   float64
		halved bool // named by the buyer block
	}
	byKey := map[string]*agg{}
	var keys []string
	for _, c := range cands {
		k := PartyKey(c.name)
		a := byKey[k]
		if a == nil {
			a = &agg{name: c.name, src: c.src, best: c.score}
			byKey[k] = a
			keys = append(keys, k)
		}
		a.score += c.score
		if c.score > a.best {
			a.best, a.src = c.score, c.src
		}
		if len(c.name) > len(a.name) && companyName(c.name) != "" && companyName(a.name) == "" {
			a.name = c.name
		}
	}
	// Merge a short key into a longer one that starts with it
	// ("acme" into "acme widgets").
	for _, k := range keys {
		for _, k2 := range keys {
			if k != k2 && byKey[k] != nil && byKey[k2] != nil && strings.HasPrefix(k2, k+" ") {
				byKey[k2].score += byKey[k].score
				if companyName(byKey[k].name) != "" && companyName(byKey[k2].name) == "" {
					byKey[k2].name = byKey[k].name // "Free SAS" names "Free Service Abonné"
				}
				delete(byKey, k)
				break
			}
		}
	}
	for k, a := range byKey {
		squash := strings.ReplaceAll(k, " ", "")
		for d, n := range domains {
			if strings.Contains(squash, d) || len(squash) >= 4 && 5*len(squash) >= 3*len(d) && strings.Contains(d, squash) {
				a.score += 1.5 + 0.2*float64(min(n, 3))
			}
		}
	}
	// The seller, never the buyer: a name the buyer block gives at the
	// head of the document counts half wherever else it is printed (the
	// account holder of a direct debit).
	for i, l := range v.lines {
		if l.Page != firstPage || v.lineNo[i] > 30 {
			break
		}
		for j, c := range l.Cells {
			if sec[[2]int{i, j}] != fBuyer || v.isLabelCell(i, j) || v.partyRole(i, j) != "" {
				continue
			}
			txt, _ := blockName(c.Text)
			if !isNameLine(txt) && companyName(txt) == "" {
				continue
			}
			if a := byKey[PartyKey(cleanName(txt))]; a != nil && !a.halved {
				a.score, a.halved = a.score/2, true
			}
		}
	}
	var best *agg
	for _, k := range keys {
		a := byKey[k]
		if a == nil {
			continue
		}
		if best == nil || a.score > best.score {
			best = a
		}
	}
	if best != nil {
		s := best.src
		s.Confidence = min(0.95, 0.3+0.15*best.score)
		return best.name, &s
	}
	if h.From != "" {
		return senderName(h.From), &Source{How: "sender", Confidence: 0.5}
	}
	// Nothing scored: the first name-like line of the first page outside
	// a buyer block (a shop's name on a till receipt under a logo).
	for i, l := range v.lines {
		if l.Page != firstPage || v.lineNo[i] > 30 {
			break
		}
		if len(l.Cells) > 3 {
			continue // a table's header row ("Artikel | Omschrijving | Prijs | …")
		}
		for j, c := range l.Cells {
			if sec[[2]int{i, j}] == "" && !v.isLabelCell(i, j) && isNameLine(c.Text) && len(strings.TrimSpace(c.Text)) >= 4 && !placeholderName(c.Text) {
				s := v.src(i, "", "first name line", 0.3)
				return cleanName(c.Text), &s
			}
		}
	}
	// The domain named most often, the first of equals.
	top := ""
	for _, d := range domainOrder {
		if top == "" || domains[d] > domains[top] {
			top = d
		}
	}
	if top != "" {
		return strings.ToUpper(top[:1]) + top[1:], &Source{How: "domain", Confidence: 0.3}
	}
	return "", nil
}

// reTrailingID is what may follow a name on its line: one number of six
// digits or more (a registration or phone number).
var reTrailingID = lazyregexp.New(`^\s*\+?\d[\d \-/]{5,}$`)

// junkName reports a "name" OCR or a price line made: a currency ("EUR",
// "USD"), or one letter repeated ("EEE", "IIII").
func junkName(name string) bool {
	k := strings.ReplaceAll(PartyKey(name), " ", "")
	if c, ok := CurrencyCode(k); ok && c == strings.ToUpper(k) {
		return true
	}
	return len(k) >= 2 && strings.Count(k, k[:1]) == len(k)
}

// placeholderName reports a template's placeholder ("Your Company Logo")
// or a screen's "Download" button: no name. ("Print" is a button too, but
// also many a print shop's name.)
func placeholderName(name string) bool {
	ws := strings.Fields(fold(name))
	return len(ws) <= 4 && slices.ContainsFunc(ws, func(w string) bool { return w == "logo" || w == "download" })
}

// nameAbove returns the name-like cell right above c that continues its
// company name ("KRON INSTRUMENTOS" over "ELETRICOS LTDA"), with a
// trailing space, or "".
func (v *docView) nameAbove(i int, c layout.Cell, sec map[[2]int]string) string {
	if i == 0 || v.lines[i-1].Page != v.lines[i].Page || v.lines[i].Y-v.lines[i-1].Y > 1.6*max(v.lines[i].H, 1) {
		return ""
	}
	for jj, a := range v.lines[i-1].Cells {
		if overlaps(a, c) && sec[[2]int{i - 1, jj}] == "" && !v.isLabelCell(i-1, jj) && isNameLine(a.Text) && companyName(a.Text) == "" &&
			(strings.ToUpper(a.Text) == a.Text) == (strings.ToUpper(c.Text) == c.Text) {
			return strings.TrimSpace(a.Text) + " "
		}
	}
	return ""
}

// leadingName returns the run of name words that starts s ("Vinicius e
// Rebeca OS PRODUTOS" → "Vinicius e Rebeca"), one to five words, or "".
func leadingName(s string) string {
	var out []string
	for _, w := range strings.Fields(s) {
		if !isNameWord(w) || articleWord[strings.ToLower(w)] && strings.ToUpper(w) == w && len(out) > 0 {
			break
		}
		out = append(out, w)
	}
	for len(out) > 0 && smallWord[strings.ToLower(out[len(out)-1])] {
		out = out[:len(out)-1]
	}
	if len(out) == 0 || len(out) > 5 {
		return ""
	}
	return strings.Trim(strings.Join(out, " "), ",.;:")
}

// articleWord are articles that end a name written in capitals.
var articleWord = map[string]bool{"os": true, "as": true, "the": true, "die": true, "der": true, "les": true, "los": true, "las": true, "gli": true, "het": true, "de": true, "o": true, "a": true}

// issuedByWords introduce the issuer's name in a sentence, folded.
var issuedByWords = []string{"recebemos de", "received from", "invoice from", "issued by", "sold by", "billed by", "emitido por", "emitida por", "emessa da", "emise par",
	"ausgestellt von", "rechnung von", "wystawiona przez", "uitgegeven door", "factuur van", "facture de", "from", "by", "von", "par", "door",
	// A contract's first party ("by and between Cymbal Inc. and …").
	"by and between", "between", "zwischen", "entre", "tussen", "pomiedzy"}

// firstPart returns the name at the start of a line of parts ("Acme
// GmbH · Hauptstr. 5 · 12345 Berlin"). Two short parts of words only,
// joined by a dash, are one name ("DEMO - Sliced Invoices").
func firstPart(s string) string {
	ps := splitParts(s)
	if len(ps) == 0 {
		return ""
	}
	if a, b, ok := strings.Cut(s, " - "); ok && len(ps) == 2 && len(strings.Fields(s)) <= 6 && !strings.ContainsAny(s, "0123456789@") &&
		strings.TrimSpace(a) == strings.TrimSpace(ps[0]) && strings.TrimSpace(b) == strings.TrimSpace(ps[1]) {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(ps[0])
}

func isGreeting(t string) bool {
	f := fold(t)
	for _, p := range []string{"dear", "hello", "hi", "hey", "hallo", "guten tag", "sehr geehrte", "liebe", "lieber", "bonjour", "madame", "monsieur", "beste", "geachte", "beste klant",
		"estimad", "hola", "gentile", "buongiorno", "szanown", "dzien dobry", "caro", "cara", "prezad", "ola", "best regards", "kind regards", "regards", "cheers",
		"mit freundlichen grussen", "viele grusse", "cordialement", "met vriendelijke groet", "saludos", "cordiali saluti", "pozdrawiam", "atenciosamente"} {
		if f == p || strings.HasPrefix(f, p+" ") || strings.HasPrefix(f, p) && len(p) >= 6 {
			return true
		}
	}
	return false
}

// isKindTitle reports a cell that is just a document title ("INVOICE",
// "Rechnung Nr.").
// otherTitles are titles of documents that travel with an invoice but are
// no kind of their own here ("Packing List", "Lieferschein"): never a
// name.
var otherTitles = []string{"packing list", "packing slip", "delivery note", "delivery slip", "shipping list", "lieferschein", "bon de livraison",
	"pakbon", "albaran", "albaran de entrega", "documento di trasporto", "bolla di consegna", "guia de remessa", "dowod dostawy", "specyfikacja",
	// shipping papers
	"shipping instruction", "shipping instructions", "bill of lading", "waybill", "air waybill", "certificate of origin",
	// expense reports: what an employee spent, claimed back
	"expense report", "expense claim", "note de frais", "notes de frais", "spesenabrechnung", "reisekostenabrechnung", "nota spese", "informe de gastos",
	"onkostennota", "declaratie", "relatorio de despesas",
	// payment reminders and dunning letters: about an invoice, not one
	"payment reminder", "reminder", "dunning letter", "zahlungserinnerung", "mahnung", "rappel de paiement", "lettre de relance", "relance",
	"betalingsherinnering", "herinnering", "aanmaning", "sollecito di pagamento", "sollecito", "recordatorio de pago", "aviso de cobro",
	"lembrete de pagamento", "przypomnienie o platnosci", "wezwanie do zaplaty", "upominka", "maksumuistutus",
	// requests for a quotation: the buyer asks, nothing is priced
	"request for quotation", "request for quote", "request for proposal", "angebotsanfrage", "preisanfrage", "demande de devis",
	"demande de prix", "offerteaanvraag", "richiesta di offerta", "solicitud de cotizacion", "solicitud de presupuesto", "zapytanie ofertowe"}

// isOtherTitle reports one of otherTitles, with a short qualifier
// ("Nota de crédito electrónica", "Packing list 12").
func isOtherTitle(s string) bool {
	f := fold(s)
	return slices.ContainsFunc(otherTitles, func(t string) bool { return titledBy(f, t) })
}

// titledBy reports a folded cell that is title t, alone or with a short
// qualifier.
func titledBy(f, t string) bool {
	return f == t || strings.HasPrefix(f, t+" ") && len(f) <= len(t)+14
}

func isKindTitle(s string) bool {
	f := fold(s)
	if slices.ContainsFunc(otherTitles, func(t string) bool { return titledBy(f, t) }) {
		return true
	}
	if k, ok := titleKind(s); ok && k == KindStatement && !strings.ContainsAny(f, "0123456789") {
		return true // "Bank Statement"
	}
	for _, ts := range kindTitles {
		for _, t := range ts {
			if titledBy(f, t) {
				return true
			}
			// "My Invoice", "Sales Receipt": a short phrase ending in a
			// title names the document, not its issuer.
			if len(t) >= 5 && strings.HasSuffix(f, " "+t) && strings.Count(f, " ") == 1 && companyName(s) == "" {
				return true
			}
		}
	}
	return false
}

// sections finds the party blocks: a seller or buyer label ("Verkäufer",
// "Bill To:", "Kunde") heads the cells below it, from its left edge to the
// next party heading on its line, until a vertical gap, another party
// heading or eight lines. It returns the role of each cell in a block.
func (v *docView) sections() map[[2]int]string {
	out := map[[2]int]string{}
	pitch := v.medianPitch()
	for i, l := range v.lines {
		for j, c := range l.Cells {
			role := v.partyRole(i, j)
			if role == "" {
				continue
			}
			out[[2]int{i, j}] = role
			h := max(l.H, 1)
			x0, x1 := c.X0-h, math.Inf(1)
			for jj := j + 1; jj < len(l.Cells); jj++ {
				if v.isPartyHeading(i, jj) {
					x1 = l.Cells[jj].X0 - h/2
					break
				}
				out[[2]int{i, jj}] = role // "Bill to: | Acme Ltd"
			}
			// Side-by-side blocks ("Information about the buyer | …
			// seller") run on together: a row with only the neighbour's
			// field still continues this block.
			rowX0 := x0
			for jj := range l.Cells {
				if v.isPartyHeading(i, jj) {
					rowX0 = min(rowX0, l.Cells[jj].X0-h)
				}
			}
			lastY := l.Y
			for ii := i + 1; ii < len(v.lines) && ii <= i+8; ii++ {
				nl := v.lines[ii]
				// Lines of a block follow at the page's usual pitch (forms
				// set widely keep theirs).
				gap := max(2.6*h, 1.5*pitch)
				if lastY == l.Y {
					gap = max(3.4*h, 1.8*pitch) // a heading may stand apart from its block
				}
				if nl.Page != l.Page || nl.Y-lastY > gap {
					break
				}
				any, stop := false, false
				for jj, nc := range nl.Cells {
					if nc.X1 >= rowX0 {
						any = true
					}
					if nc.X1 < x0 || nc.X0 >= x1 {
						continue
					}
					if v.isPartyHeading(ii, jj) {
						stop = true
						break
					}
					out[[2]int{ii, jj}] = role
					any = true
				}
				if stop {
					break
				}
				if any {
					lastY = nl.Y
				}
			}
		}
	}
	v.addressBlocks(out)
	return out
}

// medianPitch is the median distance between consecutive lines of a page
// (0 for fewer than two lines).
func (v *docView) medianPitch() float64 {
	var gaps []float64
	for i := 1; i < len(v.lines); i++ {
		if d := v.lines[i].Y - v.lines[i-1].Y; v.lines[i].Page == v.lines[i-1].Page && d > 0 {
			gaps = append(gaps, d)
		}
	}
	if len(gaps) == 0 {
		return 0
	}
	sort.Float64s(gaps)
	return gaps[len(gaps)/2]
}

// blockHead returns the line of the heading of the block cell (i, j)
// belongs to: the nearest line above with a party heading.
func (v *docView) blockHead(i, j int, sec map[[2]int]string) int {
	for ii := i; ii >= 0 && ii >= i-9; ii-- {
		for jj := range v.lines[ii].Cells {
			if v.isPartyHeading(ii, jj) && sec[[2]int{ii, jj}] != "" {
				return ii
			}
		}
	}
	return i
}

// Salutations open a recipient's address: "Herr", "Mrs", "Dhr.".
var salutations = map[string]bool{"herr": true, "herrn": true, "frau": true, "mr": true, "mrs": true, "ms": true, "miss": true, "m": true, "mme": true, "mlle": true,
	"dhr": true, "mevr": true, "sr": true, "sra": true, "srta": true, "sig": true, "sig ra": true, "pan": true, "pani": true, "attn": true, "z hd": true, "c o": true}

// reCopyright is a copyright mark and its year(s), before the holder.
var reCopyright = lazyregexp.New(`(?i)(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)`)

// reBIC is a bank's BIC (SWIFT code): "DNBANOKK", "SEXDABCD123".
var reBIC = lazyregexp.New(`^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$`)

// rePostcode is a postcode standing as a word of its own ("12345",
// "D-12345", "SW1A 1AA"), not the digits of an article code
// ("FUR-CH-4840").
var rePostcode = lazyregexp.New(`(?:^|[\s,·•|(])(?:[A-Z]{1,2}-)?\d{4,5}(?:$|[\s,·•|)])|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b`)

// addressBlocks marks recipient address blocks that carry no label: the
// lines under a return-address line ("Kraxi GmbH · Flugzeugallee 17 ·
// 12345 Papierfeld", printed above the window of an envelope), and the
// lines around a salutation ("Herr Jochen Stärk"). The return address
// itself is the sender: it is marked as a seller block.
func (v *docView) addressBlocks(out map[[2]int]string) {
	mark := func(i int, c layout.Cell, from, to int, role string) {
		h := max(v.lines[i].H, 1)
		for ii := from; ii <= to && ii < len(v.lines); ii++ {
			if ii < 0 || v.lines[ii].Page != v.lines[i].Page {
				continue
			}
			for jj, nc := range v.lines[ii].Cells {
				if nc.X0 >= c.X0-2*h && nc.X0 <= c.X0+6*h && out[[2]int{ii, jj}] == "" {
					out[[2]int{ii, jj}] = role
				}
			}
		}
	}
	for i, l := range v.lines {
		if l.Page != v.lines[0].Page {
			break
		}
		for j, c := range l.Cells {
			if out[[2]int{i, j}] != "" {
				continue
			}
			t := strings.TrimSpace(c.Text)
			if isReturnAddress(t) {
				out[[2]int{i, j}] = fSeller
				// The recipient block follows within a few lines.
				mark(i, c, i+1, i+6, fBuyer)
				continue
			}
			first := strings.Fields(fold(t))
			if len(first) >= 2 && (salutations[first[0]] || salutations[first[0]+" "+first[1]]) {
				// The company above "Herr X" belongs to the block too.
				mark(i, c, i-1, i+4, fBuyer)
			}
		}
	}
}

// isReturnAddress reports a one-line sender address: parts separated by
// "·", "•", "|", " - " or ",", one of them a postcode and place.
// reUSCityState is the state and ZIP code that follow a US city.
var reUSCityState = lazyregexp.New(`^[A-Z]{2}\s+\d{5}(?:-\d{4})?$`)

func isReturnAddress(t string) bool {
	if len(t) > 140 || reCopyright.MatchString(t) {
		return false // a footer's copyright line, not an address
	}
	parts := reSplitParts.Split(t, -1)
	if len(parts) < 3 {
		return false
	}
	if !rePostcode.MatchString(t) {
		return false
	}
	if reUSCityState.MatchString(strings.TrimSpace(parts[1])) {
		return false // "Chicago, IL 60608, USA": a city first, no sender
	}
	first := strings.TrimSpace(parts[0])
	if countryNames[fold(first)] {
		return false // "Albania, Tirane, Durres 2001": a place, no sender
	}
	return isNameLine(first) || companyName(first) != "" || domainWord.MatchString(strings.ToLower(first))
}

// countryNames are countries as addresses print them, folded, in English
// and in their own languages.
var countryNames = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Split(`albania|andorra|argentina|australia|austria|osterreich|belgium|belgique|belgie|brazil|brasil|bulgaria|canada|chile|china|colombia|croatia|hrvatska|cyprus|czech republic|czechia|ceska republika|denmark|danmark|estonia|finland|suomi|france|germany|deutschland|greece|hungary|magyarorszag|iceland|india|indonesia|ireland|israel|italy|italia|japan|latvia|liechtenstein|lithuania|luxembourg|malta|mexico|netherlands|nederland|the netherlands|new zealand|norway|norge|poland|polska|portugal|romania|russia|serbia|singapore|slovakia|slovensko|slovenia|south africa|spain|espana|sweden|sverige|switzerland|schweiz|suisse|svizzera|turkey|turkiye|ukraine|united kingdom|uk|great britain|england|scotland|wales|united states|usa|us|u s a|united states of america`, "|") {
		m[c] = true
	}
	return m
}()

// isPartyHeading reports a seller or buyer label at the start of a cell.
func (v *docView) isPartyHeading(i, j int) bool { return v.partyRole(i, j) != "" }

// partyRole returns fSeller or fBuyer for a cell that heads a party
// block — a party label at its start ("Bill to:", "Verkäufer") or a short
// heading ending in one ("Informationen zum Käufer", "Dati del
// cedente") — and "" otherwise.
func (v *docView) partyRole(i, j int) string {
	if r, ok := v.roles[[2]int{i, j}]; ok {
		return r
	}
	if v.roles == nil {
		v.roles = map[[2]int]string{}
	}
	r := v.findPartyRole(i, j)
	v.roles[[2]int{i, j}] = r
	return r
}

func (v *docView) findPartyRole(i, j int) string {
	c := v.lines[i].Cells[j]
	hs := v.hits[i][j]
	if len(hs) > 0 && hs[0].start == 0 && (hs[0].field == fBuyer || hs[0].field == fSeller) {
		ph := hs[0].phrase
		// Short words are party labels only with a colon.
		if (ph == "to" || ph == "for" || ph == "an" || ph == "aan" || ph == "from" || ph == "company") && !followedByColon(c.Text, hs[0].end) {
			return ""
		}
		return hs[0].field
	}
	f := fold(c.Text)
	if n := len(strings.Fields(f)); n < 2 || n > 6 || strings.ContainsAny(f, "0123456789") {
		return ""
	}
	if len(v.lines[i].Cells) > 2 {
		return "" // a column header ("TIPO DO EMITENTE | TIPO DO AMBIENTE"), not a block heading
	}
	for _, e := range lexicon() {
		if (e.field == fSeller || e.field == fBuyer) && len(e.phrase) >= 5 && strings.HasSuffix(f, " "+e.phrase) {
			return e.field
		}
	}
	return ""
}

// isLabelCell reports a cell that is a label: it starts with a lexicon
// label, ends with a colon, or its value follows in the next cell after a
// colon ("Währung | : EUR").
func (v *docView) isLabelCell(i, j int) bool {
	hs := v.hits[i][j]
	if len(hs) > 0 && hs[0].start == 0 {
		return true
	}
	t := strings.TrimSpace(v.lines[i].Cells[j].Text)
	if strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") {
		return true
	}
	if j+1 < len(v.lines[i].Cells) && strings.HasPrefix(strings.TrimSpace(v.lines[i].Cells[j+1].Text), ":") {
		return true
	}
	return false
}

// isNameLine reports a short line that looks like a name: title-case
// words, no digits, not a document title, date or amount.
func isNameLine(l string) bool {
	l = unwrapParens(strings.Trim(l, "#*= "))
	if l == "" || len(l) > 60 || strings.ContainsAny(l, ":@$€£0123456789/\\") || reBIC.MatchString(l) {
		return false
	}
	if isKindTitle(l) {
		return false
	}
	words := strings.Fields(l)
	if len(words) > 6 {
		return false
	}
	letters, lower := 0, 0
	for k, w := range words {
		r := []rune(w)
		if !unicode.IsUpper(r[0]) && !smallWord[strings.ToLower(w)] && !legalFormSet[fold(w)] && w != "&" {
			// One lower-case word in a short name: "Azienda di esempio".
			lower++
			if k == 0 || lower > 1 || len(words) > 4 {
				return false
			}
		}
		for _, c := range r {
			if unicode.IsLetter(c) {
				letters++
			}
		}
	}
	for _, w := range words {
		if notNameWord[fold(w)] {
			return false
		}
	}
	if len(words) == 1 && headerWord[fold(words[0])] {
		return false
	}
	return letters >= 3 && !slices.Contains([]string{"page", "seite", "description", "total", "qty"}, strings.ToLower(words[0]))
}

// headerWord are the one-word headings of a table's columns and sums
// ("DESCUENTOS", "Betrag"): no name.
var headerWord = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`discount discounts descuento descuentos desconto descontos rabatt rabatte remise remises sconto sconti korting rabat
		amount amounts importe importes betrag montant bedrag importo valor kwota price precio preis prix prezzo prijs cena preco
		quantity cantidad menge quantite quantita aantal ilosc quantidade subtotal tax taxes vat iva igv mwst ust tva btw
		item items unit unidad einheit unite unita eenheid date fecha datum data
		status state product products produit produits produkt service services hours rate
		none aucun aucune keine kein ninguno ninguna nessuno nessuna geen brak nenhum nenhuma
		article articles designation void voided valid invalid`) {
		m[w] = true
	}
	return m
}()

// notNameWord are words a shop's name does not carry but the lines of a
// receipt near it often do: thanks and welcomes ("Gracias por su
// visita", "Vielen Dank"), the days of the week of its date line, and the
// buttons of an app's screen that a screenshot of a receipt shows.
var notNameWord = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`thank thanks thankyou danke dank merci gracias grazie obrigado obrigada bedankt dziekujemy dekujeme
		welcome willkommen bienvenue bienvenido bienvenida benvenuto benvenuti bem vindo welkom witamy visita visit besuch visite bezoek
		monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch donnerstag freitag samstag sonntag
		lundi mardi mercredi jeudi vendredi samedi dimanche lunes martes miercoles jueves viernes sabado domingo
		lunedi martedi mercoledi giovedi venerdi sabato domenica maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
		help back menu login logout settings cancel`) {
		m[w] = true
	}
	return m
}()
