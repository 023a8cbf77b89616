package memex

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"unicode"

	bolt "go.etcd.io/bbolt"

	"nexusos/memex/facts"
	"nexusos/memex/query"
	"nexusos/vectordb"
)

// The party registry resolves the names a counterparty is written under
// ("Northwind Traders Ltd.", "Northwind Traders", "NORTHWIND TRADERS
// LIMITED", "billing@northwind.example") into one canonical party with an
// id, stored in each file's payload as party_id; a question that names any
// variant finds every variant's files.
//
// Merging is conservative. A name joins a party only by one of these rules
// (the rule is recorded with the alias, so every merge is explainable):
//
//   - same address: an e-mail from an address already known belongs to that
//     address's party, whatever display name it carries;
//   - punctuation: the names differ only in case, punctuation or spacing;
//   - legal form: they differ by legal-form words (Ltd, Inc., GmbH, AS, …);
//   - connectors: by "&" / "and" / "+" / "the";
//   - abbreviation: by standard abbreviations (Intl = International,
//     Co = Company, Svcs = Services, Mfg = Manufacturing, …);
//   - surname first: a person's name written "Surname, Given" ("Public,
//     John Q." = "John Q. Public");
//   - middle initials: people's names with and without initials ("John Q.
//     Public" = "John Public"); at least two full words must remain;
//   - initials: an initialism written in capitals ("IBM", "I.B.M.") for a
//     name of two or more words whose initials it spells, when exactly one
//     party fits;
//   - dropped generic words: one name is the other without trailing generic
//     words ("Northwind" = "Northwind Traders", "Contoso" = "Contoso Billing"),
//     when the shared part is distinctive and exactly one party fits;
//   - e-mail domain: a message without a display name is named after its
//     address's domain ("contoso" for ap@contoso.com), and joins a party of
//     that name (never for webmail domains such as gmail.com).
//
// Names that merely share a word are different parties: "Acme Ltd" and
// "Acme Widgets GmbH" stay apart ("widgets" is not a generic word), and a
// one-word display name ("Chris") joins a party from another address only
// when that party has no address of its own. Removing a party's last file
// removes the party; removing the file that carried an alias removes the
// alias (a merge it made stays).

// Party is one canonical counterparty.
type Party struct {
	ID string `json:"id"`
	// Name is the display name: the alias with the most files (the
	// longest on a tie).
	Name      string         `json:"name"`
	Files     int            `json:"files"`
	Aliases   []PartyAlias   `json:"aliases"`
	Addresses []PartyAddress `json:"addresses,omitempty"`
}

// PartyAlias is one written form of a party's name.
type PartyAlias struct {
	Name  string `json:"name"` // as written in the documents
	Key   string `json:"key"`  // the normalised key questions match
	Files int    `json:"files"`
	// Rule is why the name belongs to the party ("first seen", "legal
	// form", "same address", …) and Via the alias or address it was
	// matched with.
	Rule string `json:"rule"`
	Via  string `json:"via,omitempty"`
	// FromDomain marks a name that is only an e-mail address's domain
	// (a message without a display name); it is the display name only
	// when the party has no other.
	FromDomain bool `json:"from_domain,omitempty"`
}

// PartyAddress is an e-mail address a party sends from.
type PartyAddress struct {
	Address string `json:"address"`
	Files   int    `json:"files"`
	Rule    string `json:"rule"`
	Via     string `json:"via,omitempty"`
}

// Merge rules, as recorded in PartyAlias.Rule and PartyAddress.Rule.
const (
	RuleFirst        = "first seen"
	RuleSameName     = "same name"
	RuleSameAddress  = "same address"
	RulePunctuation  = "punctuation"
	RuleLegalForm    = "legal form"
	RuleConnectors   = "& / and"
	RuleAbbreviation = "abbreviation"
	RuleInitials     = "middle initials"
	RuleNameOrder    = "surname first"
	RuleInitialism   = "initials"
	RuleDropped      = "dropped generic words"
	RuleDomain       = "e-mail domain"
	RuleSender       = "sender of"
)

var bucketParties = []byte("parties")

// registry holds the parties; guarded by Memex.mu.
type registry struct {
	parties map[string]*Party
	byAddr  map[string]string   // address → party id
	byKey   map[string][]string // search key → party ids (derived)
	forms   map[string]nameForms
	// cand maps index keys of alias names (see aliasKeys) to the parties
	// that have them, so match only compares names a rule could join.
	cand map[string][]string
}

func newRegistry() *registry {
	return &registry{parties: map[string]*Party{}, byAddr: map[string]string{}, byKey: map[string][]string{}, forms: map[string]nameForms{}, cand: map[string][]string{}}
}

// formsOf is formsOf, cached.
func (g *registry) formsOf(name string) nameForms {
	f, ok := g.forms[name]
	if !ok {
		f = formsOf(name)
		g.forms[name] = f
	}
	return f
}

// legalForms are legal-form words dropped before names are compared.
var legalForms = setOf(`ltd limited inc incorporated llc llp gmbh corp corporation plc sa ag bv nv sarl srl pty oy ab as kg lp
	spa sas sl ltda lda pvt oyj aps asa bhd sdn pte mbh kgaa se co company cie`)

// connectors are words dropped as "&"/"and".
var connectors = setOf(`and & + the und et og och y e`)

// abbreviations expand standard short forms.
var abbreviations = map[string]string{
	"intl": "international", "int'l": "international", "svcs": "services", "svc": "service", "srvcs": "services",
	"mfg": "manufacturing", "assoc": "associates", "assocs": "associates", "bros": "brothers", "natl": "national",
	"grp": "group", "mgmt": "management", "dept": "department", "ctr": "center", "centre": "center", "univ": "university",
	"tech": "technologies", "techs": "technologies", "technology": "technologies", "sys": "systems", "sol": "solutions", "solns": "solutions",
	"dist": "distribution", "distrib": "distribution", "eng": "engineering", "engg": "engineering", "ent": "enterprises",
	"hldgs": "holdings", "hldg": "holdings", "ind": "industries", "inds": "industries", "labs": "laboratories", "lab": "laboratories",
	"mktg": "marketing", "prod": "products", "prods": "products", "supp": "supplies", "transp": "transport", "trans": "transport",
	"st": "saint", "mt": "mount", "ft": "fort",
}

// genericWords may be dropped from the end of a name ("Northwind
// Traders" = "Northwind").
var genericWords = setOf(`traders trading services service solutions international global group holdings company systems
	consulting partners associates enterprises industries worldwide limited billing accounts accounting sales support team
	invoicing payments finance office europe usa uk us america americas emea nordic online digital`)

// webmail domains name no organisation.
var webmail = setOf(`gmail googlemail yahoo hotmail outlook live msn aol icloud me mac gmx web mail protonmail proton yandex
	comcast earthlink verizon att sbc btinternet zoho fastmail hushmail lycos excite netscape juno compuserve prodigy usa`)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// nameForms are a name's normalisations, each applying one more rule.
type nameForms struct {
	raw   string
	steps [5][]string // punctuation, legal form, connectors, abbreviation, middle initials
	keys  [5]string   // steps joined by spaces
	upper bool        // written in capitals (an initialism may be)
	// reversed: the name was written surname first ("Smith, John") and
	// the forms are of "John Smith".
	reversed bool
}

var stepRules = [5]string{RulePunctuation, RuleLegalForm, RuleConnectors, RuleAbbreviation, RuleInitials}

func formsOf(name string) nameForms {
	f := nameForms{raw: name}
	if given, ok := surnameFirst(name); ok {
		name, f.reversed = given, true
	}
	letters, uppers := 0, 0
	for _, r := range name {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				uppers++
			}
		}
	}
	f.upper = letters > 0 && uppers == letters
	var toks []string
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&' && r != '+' && r != '\''
	}) {
		w = strings.Trim(w, "'")
		if w != "" {
			toks = append(toks, w)
		}
	}
	// "I.B.M." is one word.
	if len(toks) > 1 {
		allSingle := true
		for _, t := range toks {
			allSingle = allSingle && len([]rune(t)) == 1 && unicode.IsLetter([]rune(t)[0])
		}
		if allSingle {
			toks = []string{strings.Join(toks, "")}
		}
	}
	f.steps[0] = toks
	keep := func(in []string, drop func(string) bool) []string {
		var out []string
		for _, w := range in {
			if !drop(w) {
				out = append(out, w)
			}
		}
		if len(out) == 0 {
			return in
		}
		return out
	}
	f.steps[1] = keep(toks, func(w string) bool { return legalForms[w] })
	f.steps[2] = keep(f.steps[1], func(w string) bool { return connectors[w] })
	var ab []string
	for _, w := range f.steps[2] {
		if x, ok := abbreviations[w]; ok {
			w = x
		}
		ab = append(ab, w)
	}
	f.steps[3] = ab
	full := 0
	for _, w := range ab {
		if len([]rune(w)) > 1 {
			full++
		}
	}
	if full >= 2 {
		f.steps[4] = keep(ab, func(w string) bool { return len([]rune(w)) == 1 })
	} else {
		f.steps[4] = ab
	}
	for i := range f.steps {
		f.keys[i] = strings.Join(f.steps[i], " ")
	}
	return f
}

// surnameFirst turns a person's name written surname first ("Smith,
// John", "Doe, Jane Q.", "van Dijk, Anna") into the usual order. It
// applies only to one comma with one or two name words before it and one
// to three after it, all letters (an initial may end in a dot), none of
// them a legal form: "Acme, Inc." and "Paris, 12 rue X" stay as written.
func surnameFirst(name string) (string, bool) {
	before, after, ok := strings.Cut(name, ",")
	if !ok || strings.Contains(after, ",") {
		return "", false
	}
	sur, given := strings.Fields(before), strings.Fields(after)
	if len(sur) == 0 || len(sur) > 2 || len(given) == 0 || len(given) > 3 {
		return "", false
	}
	for _, w := range append(append([]string(nil), sur...), given...) {
		bare := strings.TrimSuffix(w, ".")
		if bare == "" || legalForms[strings.ToLower(bare)] {
			return "", false
		}
		for _, r := range bare {
			if !unicode.IsLetter(r) && r != '-' && r != '\'' {
				return "", false
			}
		}
	}
	return strings.Join(given, " ") + " " + strings.Join(sur, " "), true
}

// canon is the fully normalised key of a name.
func (f nameForms) canon() string { return f.keys[4] }

// sameName reports whether two names are equal after normalisation, and
// the rules that made them so.
func sameName(a, b nameForms) (bool, string) {
	if a.raw == b.raw {
		return true, RuleSameName
	}
	for i := range a.steps {
		if a.keys[i] != b.keys[i] {
			continue
		}
		var rules []string
		for j := 1; j <= i; j++ {
			if !slicesEqual(a.steps[j-1], a.steps[j]) || !slicesEqual(b.steps[j-1], b.steps[j]) {
				rules = append(rules, stepRules[j])
			}
		}
		if a.reversed != b.reversed {
			rules = append([]string{RuleNameOrder}, rules...)
		}
		if len(rules) == 0 {
			rules = []string{RulePunctuation}
		}
		return true, strings.Join(rules, ", ")
	}
	return false, ""
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// initialism reports whether short spells the initials of long.
func initialism(short, long nameForms) bool {
	if !short.upper || len(short.steps[2]) != 1 {
		return false
	}
	s := short.steps[2][0]
	if n := len(s); n < 2 || n > 6 {
		return false
	}
	var words []string
	for _, w := range long.steps[2] {
		if w != "of" && w != "for" {
			words = append(words, w)
		}
	}
	if len(words) < 2 || len(words) != len([]rune(s)) {
		return false
	}
	for i, w := range words {
		if []rune(w)[0] != []rune(s)[i] {
			return false
		}
	}
	return true
}

// droppedGeneric reports whether one name is the other without trailing
// generic words, the shared part keeping a distinctive word.
func droppedGeneric(a, b nameForms) bool {
	x, y := a.steps[4], b.steps[4]
	if len(x) > len(y) {
		x, y = y, x
	}
	if len(x) == len(y) || !slicesEqual(x, y[:len(x)]) {
		return false
	}
	distinct := false
	for _, w := range x {
		distinct = distinct || (!genericWords[w] && len([]rune(w)) >= 3)
	}
	if !distinct {
		return false
	}
	for _, w := range y[len(x):] {
		if !genericWords[w] {
			return false
		}
	}
	return true
}

// partyInput is what a file says about its counterparty.
type partyInput struct {
	name string // as extracted
	addr string // sender address, lower case
	// fromDomain is set when the name is only the address's domain (the
	// message had no display name).
	fromDomain bool
}

func partyInputOf(name, from, addr string) partyInput {
	in := partyInput{name: strings.Join(strings.Fields(name), " "), addr: addr}
	if addr == "" {
		return in
	}
	label := domainOf(addr)
	if k := strings.IndexByte(label, '.'); k > 0 {
		label = label[:k]
	}
	if !strings.EqualFold(in.name, label) && in.name != "" {
		return in // a name from the document, or a display name
	}
	// The name is only the address's domain; an old-style comment
	// ("tim@example.org (Tim Peters)") may still name the sender.
	if a, err := mail.ParseAddress(from); err == nil && a.Name != "" && !strings.Contains(a.Name, "=?") {
		in.name = strings.Join(strings.Fields(a.Name), " ")
		return in
	}
	in.fromDomain = true
	return in
}

func (in partyInput) webmail() bool {
	if in.addr == "" {
		return false
	}
	dom := in.addr[strings.LastIndexByte(in.addr, '@')+1:]
	first := dom
	if i := strings.IndexByte(dom, '.'); i > 0 {
		first = dom[:i]
	}
	return webmail[first]
}

// resolve returns the party of a file, adding the name and address to
// the registry (with no files yet: count adds them) when they are new.
func (g *registry) resolve(in partyInput) string {
	if in.name == "" && in.addr == "" {
		return ""
	}
	if in.fromDomain && in.webmail() {
		// "jo1234@gmail.com": the address is the only name.
		in.name = in.addr
	}
	if in.name == "" {
		in.name = in.addr
	}
	nf := g.formsOf(in.name)
	if in.addr != "" {
		if id, ok := g.byAddr[in.addr]; ok {
			p := g.parties[id]
			g.addAlias(p, in, RuleSameAddress, in.addr)
			return id
		}
	}
	p, rule, via := g.match(nf, in)
	addrRule, addrVia := rule, via
	if p == nil {
		p = g.newParty(nf.canon() + "|" + in.addr)
		rule, via = RuleFirst, ""
		addrRule, addrVia = RuleSender, in.name
	}
	g.addAlias(p, in, rule, via)
	if in.addr != "" {
		g.byAddr[in.addr] = p.ID
		p.Addresses = append(p.Addresses, PartyAddress{Address: in.addr, Rule: addrRule, Via: addrVia})
	}
	return p.ID
}

// match finds the party a name joins, by the first rule that applies.
func (g *registry) match(nf nameForms, in partyInput) (*Party, string, string) {
	var ids []string
	for _, k := range probeKeys(nf) {
		for _, id := range g.cand[k] {
			if g.parties[id] != nil && !containsStr(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	// A one-word person name in a message ("Chris") joins only a party
	// without addresses, or one at the same domain.
	mayJoin := func(p *Party) bool {
		if in.addr == "" || len(nf.steps[4]) >= 2 || len(p.Addresses) == 0 {
			return true
		}
		dom := domainOf(in.addr)
		for _, a := range p.Addresses {
			if domainOf(a.Address) == dom {
				return true
			}
		}
		return false
	}
	if in.fromDomain && in.webmail() {
		return nil, "", ""
	}
	// Exact after normalisation.
	for _, id := range ids {
		p := g.parties[id]
		if !mayJoin(p) {
			continue
		}
		for _, a := range p.Aliases {
			if ok, why := sameName(nf, g.formsOf(a.Name)); ok {
				if in.fromDomain {
					why = RuleDomain
				}
				return p, why, a.Name
			}
		}
	}
	// Initialisms and dropped generic words: only when one party fits.
	type hit struct {
		p         *Party
		rule, via string
	}
	var hits []hit
	for _, id := range ids {
		p := g.parties[id]
		if !mayJoin(p) {
			continue
		}
		for _, a := range p.Aliases {
			af := g.formsOf(a.Name)
			switch {
			case initialism(nf, af) || initialism(af, nf):
				hits = append(hits, hit{p, RuleInitialism, a.Name})
			case droppedGeneric(nf, af):
				hits = append(hits, hit{p, RuleDropped, a.Name})
			default:
				continue
			}
			break
		}
	}
	if len(hits) == 1 {
		h := hits[0]
		if in.fromDomain && h.rule == RuleDropped {
			h.rule = RuleDomain + ", " + RuleDropped
		}
		return h.p, h.rule, h.via
	}
	return nil, "", ""
}

func domainOf(addr string) string { return addr[strings.LastIndexByte(addr, '@')+1:] }

func (g *registry) newParty(seed string) *Party {
	h := sha256.Sum256([]byte(seed))
	id := "p" + hex.EncodeToString(h[:5])
	for n := 2; g.parties[id] != nil; n++ {
		id = fmt.Sprintf("p%s-%d", hex.EncodeToString(h[:5]), n)
	}
	p := &Party{ID: id}
	g.parties[id] = p
	return p
}

func (g *registry) addAlias(p *Party, in partyInput, rule, via string) {
	for _, a := range p.Aliases {
		if a.Name == in.name {
			return
		}
	}
	if len(p.Aliases) == 0 {
		rule, via = RuleFirst, ""
	}
	p.Aliases = append(p.Aliases, PartyAlias{Name: in.name, Key: facts.PartyKey(in.name), Rule: rule, Via: via, FromDomain: in.fromDomain})
	g.indexAlias(p.ID, in.name)
}

// indexAlias adds an alias name's index keys.
func (g *registry) indexAlias(id, name string) {
	for _, k := range aliasKeys(g.formsOf(name)) {
		if !containsStr(g.cand[k], id) {
			g.cand[k] = append(g.cand[k], id)
		}
	}
}

// aliasKeys are the index keys of a stored name: its normalised form, its
// first word, its initials (two words or more) and its one word.
func aliasKeys(f nameForms) []string {
	if len(f.steps[4]) == 0 {
		return nil
	}
	ks := []string{"c:" + f.keys[4], "f:" + f.steps[4][0]}
	if in := initialsOf(f); in != "" {
		ks = append(ks, "i:"+in)
	}
	if len(f.steps[2]) == 1 {
		ks = append(ks, "t:"+f.steps[2][0])
	}
	return ks
}

// probeKeys are the index keys a new name may share with a name it joins.
func probeKeys(f nameForms) []string {
	if len(f.steps[4]) == 0 {
		return nil
	}
	ks := []string{"c:" + f.keys[4], "f:" + f.steps[4][0]}
	if len(f.steps[2]) == 1 {
		ks = append(ks, "i:"+f.steps[2][0])
	}
	if in := initialsOf(f); in != "" {
		ks = append(ks, "t:"+in)
	}
	return ks
}

// initialsOf returns the initials of a name of two words or more.
func initialsOf(f nameForms) string {
	var b strings.Builder
	n := 0
	for _, w := range f.steps[2] {
		if w != "of" && w != "for" {
			b.WriteRune([]rune(w)[0])
			n++
		}
	}
	if n < 2 {
		return ""
	}
	return b.String()
}

// count adds delta files to a party's alias and address; parties, aliases
// and addresses left without files are dropped.
func (g *registry) count(id string, in partyInput, delta int) {
	p := g.parties[id]
	if p == nil {
		return
	}
	if in.fromDomain && in.webmail() || in.name == "" {
		in.name = in.addr
	}
	p.Files += delta
	for i := range p.Aliases {
		if p.Aliases[i].Name == in.name {
			p.Aliases[i].Files += delta
		}
	}
	for i := range p.Addresses {
		if p.Addresses[i].Address == in.addr {
			p.Addresses[i].Files += delta
		}
	}
}

// prune drops what has no files and recomputes the derived indexes and
// display names.
func (g *registry) prune() {
	for id, p := range g.parties {
		if p.Files <= 0 {
			delete(g.parties, id)
			continue
		}
		as := p.Aliases[:0]
		for _, a := range p.Aliases {
			if a.Files > 0 {
				as = append(as, a)
			}
		}
		p.Aliases = as
		ad := p.Addresses[:0]
		for _, a := range p.Addresses {
			if a.Files > 0 {
				ad = append(ad, a)
			}
		}
		p.Addresses = ad
	}
	g.reindex()
}

// reindex rebuilds the address and search-key maps and display names.
func (g *registry) reindex() {
	g.byAddr = map[string]string{}
	g.byKey = map[string][]string{}
	g.cand = map[string][]string{}
	ids := make([]string, 0, len(g.parties))
	for id := range g.parties {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := g.parties[id]
		best := -1
		for i, a := range p.Aliases {
			if best < 0 || betterName(a, p.Aliases[best]) {
				best = i
			}
			g.indexAlias(id, a.Name)
			for _, k := range []string{a.Key, g.formsOf(a.Name).canon()} {
				if k != "" && !containsStr(g.byKey[k], id) {
					g.byKey[k] = append(g.byKey[k], id)
				}
			}
		}
		if best >= 0 {
			p.Name = p.Aliases[best].Name
		}
		for _, a := range p.Addresses {
			g.byAddr[a.Address] = id
		}
	}
}

// betterName reports whether a makes a better display name than b: a
// written name over an address's domain, then more files, then longer.
func betterName(a, b PartyAlias) bool {
	if a.FromDomain != b.FromDomain {
		return !a.FromDomain
	}
	if a.Files != b.Files {
		return a.Files > b.Files
	}
	return len(a.Name) > len(b.Name)
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// searchKeys are the keys a question's party names are matched against.
func (g *registry) searchKeys() []string {
	out := make([]string, 0, len(g.byKey))
	for k, ids := range g.byKey {
		for _, id := range ids {
			if p := g.parties[id]; p != nil && p.Files > 0 {
				out = append(out, k)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// idsFor maps matched search keys to party ids.
func (g *registry) idsFor(keys []string) []string {
	var out []string
	for _, k := range keys {
		for _, id := range g.byKey[k] {
			if !containsStr(out, id) {
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

// list returns copies of the parties, most files first.
func (g *registry) list() []Party {
	out := make([]Party, 0, len(g.parties))
	for _, p := range g.parties {
		if p.Files <= 0 {
			continue
		}
		c := *p
		c.Aliases = append([]PartyAlias(nil), p.Aliases...)
		c.Addresses = append([]PartyAddress(nil), p.Addresses...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Files != out[j].Files {
			return out[i].Files > out[j].Files
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// save writes the registry into the state store.
func (g *registry) save(tx *bolt.Tx) error {
	if tx.Bucket(bucketParties) != nil {
		if err := tx.DeleteBucket(bucketParties); err != nil {
			return err
		}
	}
	bk, err := tx.CreateBucket(bucketParties)
	if err != nil {
		return err
	}
	for id, p := range g.parties {
		if p.Files <= 0 {
			continue
		}
		v, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if err := bk.Put([]byte(id), v); err != nil {
			return err
		}
	}
	return nil
}

// load reads the registry; counts are recomputed from the file records.
func (g *registry) load(tx *bolt.Tx) (bool, error) {
	bk := tx.Bucket(bucketParties)
	if bk == nil {
		return false, nil
	}
	err := bk.ForEach(func(k, v []byte) error {
		var p Party
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("party %s: %w", k, err)
		}
		p.Files = 0
		for i := range p.Aliases {
			p.Aliases[i].Files = 0
		}
		for i := range p.Addresses {
			p.Addresses[i].Files = 0
		}
		g.parties[p.ID] = &p
		return nil
	})
	if err != nil {
		return false, err
	}
	g.reindex()
	return true, nil
}

// recordParty is the party input of a file record.
func recordParty(r *FileRecord) partyInput {
	from, _ := r.Facts["from"].(string)
	addr, _ := r.Facts["from_addr"].(string)
	return partyInputOf(r.Party, from, addr)
}

// Parties lists the canonical parties with their aliases, addresses,
// file counts and the rule that merged each alias.
func (m *Memex) Parties() []Party {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.reg.list()
}

// PartyKeys returns the keys questions match party names against.
func (m *Memex) PartyKeys() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.reg.searchKeys()
}

// resolveParty finds (or creates) the party of a file being indexed.
func (m *Memex) resolveParty(in partyInput) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.reg.resolve(in)
	return id
}

// loadParties reads the registry at Open and recounts it from the file
// records (recs, all of them, read once by Open); records indexed before
// the registry existed are resolved now, in place (their points keep
// matching by party_key).
func (m *Memex) loadParties(recs []*FileRecord) error {
	sort.Slice(recs, func(i, j int) bool { return recs[i].Path < recs[j].Path })
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.state.View(func(tx *bolt.Tx) error {
		_, err := m.reg.load(tx)
		return err
	}); err != nil {
		return fmt.Errorf("read party registry: %w", err)
	}
	var changed []*FileRecord
	for _, r := range recs {
		in := recordParty(r)
		if in.name == "" && in.addr == "" {
			continue
		}
		if r.PartyID == "" || m.reg.parties[r.PartyID] == nil {
			r.PartyID = m.reg.resolve(in)
			changed = append(changed, r)
		}
		m.reg.count(r.PartyID, in, 1)
	}
	m.reg.prune()
	return m.writeRecords(changed)
}

// partyScope is what a question's party names resolve to.
type partyScope struct {
	ids   []string // canonical parties
	keys  []string // their aliases' keys (for points indexed before party_id)
	addrs []string // their addresses
	names []string // their display names
}

// partyScopeOf resolves the parties a question names (u.Parties, keys
// matched by query.Parse) to canonical parties, and records their ids in
// u.PartyIDs.
func (m *Memex) partyScopeOf(u *query.Understood) *partyScope {
	ps := &partyScope{}
	if len(u.Parties) == 0 {
		return ps
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	ps.ids = m.reg.idsFor(u.Parties)
	for _, id := range ps.ids {
		p := m.reg.parties[id]
		ps.names = append(ps.names, p.Name)
		for _, a := range p.Aliases {
			if a.Key != "" && !containsStr(ps.keys, a.Key) {
				ps.keys = append(ps.keys, a.Key)
			}
		}
		for _, a := range p.Addresses {
			ps.addrs = append(ps.addrs, a.Address)
		}
	}
	u.PartyIDs = ps.ids
	return ps
}

// conditions are the alternatives a file matches the question's parties
// and sender addresses by.
func (ps *partyScope) conditions(u *query.Understood) []vectordb.Condition {
	field := func(key string, vals []string) vectordb.Condition {
		a := make([]any, len(vals))
		for i, v := range vals {
			a[i] = v
		}
		return vectordb.Condition{Field: &vectordb.FieldCondition{Key: key, Match: &vectordb.Match{Any: a}}}
	}
	var sh []vectordb.Condition
	addrs := append([]string(nil), u.Addresses...)
	switch {
	case ps != nil && len(ps.ids) > 0:
		sh = append(sh, field("party_id", ps.ids))
		// Points indexed before the registry carry no party_id: they
		// match by their name's key.
		key := "party_id"
		sh = append(sh, vectordb.Condition{Filter: &vectordb.Filter{Must: []vectordb.Condition{{IsEmpty: &key}, field("party_key", ps.keys)}}})
		addrs = append(addrs, ps.addrs...)
	case len(u.Parties) > 0:
		sh = append(sh, field("party_key", u.Parties))
	}
	if len(addrs) > 0 {
		sh = append(sh, field("from_addr", addrs))
	}
	return sh
}

// describe names the canonical parties in the reasons of an answer:
// `party matches "acme" (Nordic Acme AS)`.
func (ps *partyScope) describe(why []string, u *query.Understood) []string {
	if ps == nil || len(ps.names) == 0 {
		return why
	}
	plain := fmt.Sprintf("party matches %q", u.PartyRaw)
	for i, w := range why {
		if w == plain {
			why[i] = fmt.Sprintf("%s (%s)", plain, strings.Join(ps.names, ", "))
		}
	}
	return why
}
