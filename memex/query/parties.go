package query

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"nexusos/memex/facts"
)

// Parties: a question names a party by any distinctive contiguous run of
// its words: "Northwind", "Acme" for "Nordic Acme AS", "Smith and Jones"
// for "Smith & Jones", "John Public" for "John Q. Public". Initials and
// "and"/"&" are ignored on both sides.

// partyTokens splits a name into the words used for matching.
func partyTokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		w = strings.TrimSuffix(strings.Trim(w, "'"), "'s")
		if strings.IndexFunc(w, facts.IsCJK) >= 0 {
			// Japanese writes a name and its company form as one word
			// ("サンプル株式会社"): read it as party keys are made.
			out = append(out, strings.Fields(facts.PartyKey(w))...)
			continue
		}
		if len([]rune(w)) < 2 || w == "and" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// notDistinct are words that alone do not name a party.
var notDistinct = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`company group services service solutions international systems global consulting partners
		associates holdings trading traders enterprises industries products supplies supply store shop office
		new old north south east west first last latest largest biggest smallest oldest newest top most recent
		late open pending overdue outstanding unpaid paid due settled total sum amount money owed owe owing unsettled
		delinquent cleared fully already past awaiting payment payments yet not been sent received
		mr mrs ms dr the email mail list lists user users team support info admin news`) {
		notDistinct[w] = true
	}
	for w := range kindSynonyms {
		notDistinct[w] = true
	}
}

// isInitial reports a one-letter word, with or without its dot ("q.").
func isInitial(f string) bool {
	f = strings.TrimSuffix(f, ".")
	return len(f) == 1 && f[0] >= 'a' && f[0] <= 'z' && f != "a" && f != "i"
}

// nameLike reports a word that may be part of a name.
func nameLike(w string) bool {
	if stop[w] || notDistinct[w] || len(w) < 2 || strings.Contains(w, "'") {
		return false
	}
	return strings.IndexFunc(w, unicode.IsLetter) >= 0
}

// initialsBefore returns the initials at the end of fields ("j c" → "jc").
func initialsBefore(fields []string) string {
	var out []byte
	for k := len(fields) - 1; k >= 0 && isInitial(fields[k]); k-- {
		out = append([]byte{fields[k][0]}, out...)
	}
	return string(out)
}

// keyInitials returns the initials before word in a party key.
func keyInitials(key, word string) string {
	f := strings.Fields(key)
	for k, w := range f {
		if wordMatch(word, w) {
			return initialsBefore(f[:k])
		}
	}
	return ""
}

type partyCand struct {
	key  string
	n    int  // question words matched
	full bool // every word of the key matched
}

// takeParties finds known parties named in s. ctx says the question is
// about documents (a kind, status, date, amount …), which lets a single
// word from the middle of a name ("Acme") name its party.
func (u *Understood) takeParties(s string, parties []string, ctx bool) string {
	fields := strings.Fields(s)
	type tok struct {
		w     string
		field int
	}
	var toks []tok
	for i, f := range fields {
		if strings.Trim(f, ",.") == "&" {
			continue
		}
		for _, w := range partyTokens(f) {
			toks = append(toks, tok{w, i})
		}
	}
	pt := make([][]string, len(parties))
	for i, p := range parties {
		pt[i] = partyTokens(p)
	}
	used := make([]bool, len(fields))
	var raws []string
	for i := 0; i < len(toks); i++ {
		q := toks[i].w
		if used[toks[i].field] || len(q) < 2 {
			continue
		}
		if stop[q] {
			// A question word starts a party's name only when the whole
			// name follows ("My Company s.r.o."): then it is the name.
			whole := false
			for _, pw := range pt {
				whole = whole || len(pw) >= 2 && len(pw) <= len(toks)-i && slices.EqualFunc(pw, toks[i:i+len(pw)], func(p string, t tok) bool { return wordMatch(t.w, p) })
			}
			if !whole {
				continue
			}
		}
		best := 0
		var cands []partyCand
		for pi, pw := range pt {
			bestHere, full := 0, false
			for j := range pw {
				n := 0
				for n < len(pw)-j && i+n < len(toks) && wordMatch(toks[i+n].w, pw[j+n]) {
					n++
				}
				if n == 0 {
					continue
				}
				// One word names a party when it is the name's first word
				// or, in a question about documents, a distinctive word
				// from its middle.
				if n == 1 && (notDistinct[q] || len(q) < 3) && !(j == 0 && len(pw) == 1) {
					continue
				}
				if n == 1 && j > 0 && !ctx {
					continue
				}
				// A name the question goes on (or starts) differently is
				// another party: "Tim Peters" is not "Tim Chapman".
				if j+n < len(pw) && i+n < len(toks) && nameLike(toks[i+n].w) {
					continue
				}
				if j > 0 && i > 0 && nameLike(toks[i-1].w) && !used[toks[i-1].field] && !wordMatch(toks[i-1].w, pw[j-1]) {
					continue
				}
				if j == 0 && i > 0 && nameLike(toks[i-1].w) && !used[toks[i-1].field] && toks[i-1].field != toks[i].field {
					continue
				}
				if n > bestHere || n == bestHere && j == 0 && n == len(pw) {
					bestHere, full = n, j == 0 && n == len(pw)
				}
			}
			if bestHere == 0 {
				continue
			}
			cands = append(cands, partyCand{parties[pi], bestHere, full})
			best = max(best, bestHere)
		}
		if best == 0 {
			continue
		}
		// Initials in the question choose among people of one surname:
		// "J C Lawrence" is not "Phil R Lawrence".
		if qi := initialsBefore(fields[:toks[i].field]); qi != "" {
			var same []partyCand
			for _, c := range cands {
				if c.n == best && keyInitials(c.key, toks[i].w) == qi {
					same = append(same, c)
				}
			}
			if len(same) > 0 {
				cands = same
			}
		}
		// Keep every party matched by the longest run, and every stored
		// variant wholly named inside it ("northwind" for "Northwind
		// Traders") unless the variant starts several longer names: then
		// it is a family name ("Contoso" of Contoso Bank, Contoso Inn and
		// Contoso Suites) and says nothing of which one.
		for _, c := range cands {
			switch {
			case c.n == best:
				u.Parties = append(u.Parties, c.key)
			case c.full && longerNames(pt, partyTokens(c.key)) <= 1:
				u.Parties = append(u.Parties, c.key)
				u.partyVariants = append(u.partyVariants, c.key)
			}
		}
		first, last := toks[i].field, toks[i+best-1].field
		// Initials next to the name belong to it ("R. A. Hettinga").
		for first > 0 && !used[first-1] && isInitial(fields[first-1]) {
			first--
		}
		for last+1 < len(fields) && isInitial(fields[last+1]) {
			last++
		}
		// So do the legal forms after it ("Bluem BV", "Amazon EU S.à
		// r.l."), as the user wrote them; a name may stack them
		// ("Company, Inc.", "Co. Ltd."), as facts.LegalForms reads a
		// stored name. The name's last word may start one ("Oravel Stays
		// Private" is a stored name, and "Private Limited" a form).
		at := last + 1
		if last > first && facts.LegalFormPrefix(fields[last:], true) >= 2 {
			at = last
		}
		for {
			n := facts.LegalFormPrefix(fields[at:], true)
			if n == 0 || slices.Contains(used[at:at+n], true) {
				break
			}
			u.PartyForms = append(u.PartyForms, facts.FormKey(strings.Join(fields[at:at+n], " ")))
			at += n
		}
		last = max(last, at-1)
		for f := first; f <= last; f++ {
			used[f] = true
		}
		raws = append(raws, strings.Join(fields[first:last+1], " "))
		i += best - 1
	}
	u.PartyRaw = strings.Join(raws, ", ")
	var rest []string
	for i, w := range fields {
		if !used[i] {
			rest = append(rest, w)
		}
	}
	return " " + strings.Join(rest, " ") + " "
}

// longerNames counts the names (as tokens) that start with the words of
// head and go on.
func longerNames(names [][]string, head []string) int {
	n := 0
	for _, w := range names {
		if len(w) > len(head) && slices.Equal(w[:len(head)], head) {
			n++
		}
	}
	return n
}

// String describes what was understood, for people.
func (u *Understood) String() string {
	var parts []string
	if len(u.Kinds) > 0 {
		parts = append(parts, "kind: "+strings.Join(u.Kinds, "|"))
	}
	if len(u.NotKinds) > 0 {
		parts = append(parts, "kind not: "+strings.Join(u.NotKinds, "|"))
	}
	if u.Overdue {
		parts = append(parts, "status: overdue")
	} else if len(u.Statuses) > 0 {
		parts = append(parts, "status: "+strings.Join(u.Statuses, "|"))
	}
	if len(u.Parties) > 0 {
		p := "party: " + strings.Join(u.Parties, "|")
		if u.NotParties {
			p = "party not: " + strings.Join(u.Parties, "|")
		}
		if len(u.PartyForms) > 0 {
			p += " (" + strings.Join(u.PartyForms, "|") + ")"
		}
		parts = append(parts, p)
	}
	if len(u.Addresses) > 0 {
		parts = append(parts, "from: "+strings.Join(u.Addresses, "|"))
	}
	if u.Number != "" {
		parts = append(parts, "number: "+u.Number)
	}
	if t := u.Time; t != nil {
		parts = append(parts, fmt.Sprintf("%s: %s", t.Field, t.Describe()))
	}
	if a := u.Amount; a != nil {
		parts = append(parts, "total "+a.Describe())
	}
	if o := u.Order; o != nil {
		parts = append(parts, "order: "+o.Describe())
	}
	if u.Aggregate != "" {
		parts = append(parts, "aggregate: "+u.Aggregate)
	}
	if u.Rest != "" {
		parts = append(parts, fmt.Sprintf("text: %q", u.Rest))
	}
	return strings.Join(parts, "; ")
}

// Describe writes the range for people: "2025-11-28..2026-01-05",
// "since 2026-05-01", "before 2026-03-01".
func (r *Range) Describe() string {
	last := r.To.AddDate(0, 0, -1).Format("2006-01-02")
	switch {
	case !r.From.After(farPast):
		return "until " + last
	case !r.To.Before(farFuture.AddDate(-1, 0, 0)):
		return "since " + r.From.Format("2006-01-02")
	case r.To.Sub(r.From) <= 24*time.Hour:
		return r.From.Format("2006-01-02")
	}
	return r.From.Format("2006-01-02") + ".." + last
}

// Describe writes the bounds for people: ">= 1000 <= 5000 EUR".
func (a *AmountBound) Describe() string {
	var s []string
	switch {
	case a.Min != nil && a.Max != nil && *a.Min == *a.Max:
		s = append(s, fmt.Sprintf("= %g", *a.Min))
	default:
		gt, lt := ">=", "<="
		if a.Strict {
			gt, lt = ">", "<"
		}
		if a.Min != nil {
			s = append(s, fmt.Sprintf("%s %g", gt, *a.Min))
		}
		if a.Max != nil {
			s = append(s, fmt.Sprintf("%s %g", lt, *a.Max))
		}
	}
	if a.Currency != "" {
		s = append(s, a.Currency)
	}
	return strings.Join(s, " ")
}

// Describe writes the order for people: "total, largest first, 3".
func (o *Order) Describe() string {
	s := o.By
	switch {
	case o.By == ByTotal && o.Desc:
		s += ", largest first"
	case o.By == ByTotal:
		s += ", smallest first"
	case o.Desc:
		s += ", newest first"
	default:
		s += ", oldest first"
	}
	if o.Limit > 0 {
		s += fmt.Sprintf(", %d", o.Limit)
	}
	return s
}
