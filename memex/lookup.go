package memex

import (
	"context"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"

	"nexusos/memex/extract"
	"nexusos/memex/facts"
	"nexusos/memex/query"
	"nexusos/vectordb"
)

// dateOf is a result's date for ordering: the named date field, else an
// e-mail's sent date, else its issue date (RFC 3339 strings sort by time).
func dateOf(fs Payload, field string) string {
	for _, k := range []string{field, "sent_date", "issue_date"} {
		if s, _ := fs[k].(string); k != "" && s != "" {
			return s
		}
	}
	return ""
}

func totalOf(fs Payload) (float64, bool) {
	v, ok := fs["total"].(float64)
	return v, ok
}

// finish applies what the question asked of the whole answer: its order
// and how many ("the 3 largest"), and its aggregate ("how much").
func finish(ans *Answer, u *query.Understood, limit int) {
	if o := u.Order; o != nil {
		field := ""
		if u.Time != nil {
			field = string(u.Time.Field)
		}
		rs := ans.Results
		if o.By == query.ByTotal {
			// Files without an amount cannot be the largest or smallest.
			kept := rs[:0]
			for _, r := range rs {
				if _, ok := totalOf(r.Facts); ok {
					kept = append(kept, r)
				}
			}
			rs = kept
		}
		sort.SliceStable(rs, func(i, j int) bool {
			if o.By == query.ByTotal {
				a, _ := totalOf(rs[i].Facts)
				b, _ := totalOf(rs[j].Facts)
				if o.Desc {
					return a > b
				}
				return a < b
			}
			a, b := dateOf(rs[i].Facts, field), dateOf(rs[j].Facts, field)
			if a == "" || b == "" {
				return a != "" // undated files last
			}
			if o.Desc {
				return a > b
			}
			return a < b
		})
		n := o.Limit
		if n <= 0 {
			n = limit
		}
		if n > 0 && len(rs) > n {
			rs = rs[:n]
		}
		why := "ordered by " + o.Describe() + " (" + strings.TrimSpace(o.Phrase) + ")"
		for i := range rs {
			rs[i].Why = append(rs[i].Why, why)
		}
		ans.Results = rs
	}
	if u.Aggregate == query.AggSum {
		ans.Total = sumOf(ans.Results, u)
	}
}

// sumOf adds up the files' amounts per currency: the balance due when
// the question is about money owed, else the total. A payment
// confirmation of the same party and amount as a counted invoice or
// receipt is the same money and is not counted twice.
func sumOf(rs []Result, u *query.Understood) *Aggregate {
	owed := false
	for _, s := range u.Statuses {
		owed = owed || s == "unpaid"
	}
	a := &Aggregate{Sums: map[string]float64{}}
	type key struct {
		party string
		cents int64
	}
	counted := map[key]bool{}
	var confirmations []Result
	add := func(r Result) bool {
		v, ok := totalOf(r.Facts)
		if owed {
			if b, ok2 := r.Facts["balance_due"].(float64); ok2 {
				v, ok = b, true
			}
		}
		if !ok {
			return false
		}
		cur, _ := r.Facts["currency"].(string)
		party, _ := r.Facts["party"].(string)
		k := key{strings.ToLower(party), int64(math.Round(v * 100))}
		if r.Kind == "payment_confirmation" && counted[k] {
			return false
		}
		counted[k] = true
		a.Sums[cur] += v
		a.Files++
		return true
	}
	for _, r := range rs {
		if r.Kind == "payment_confirmation" {
			confirmations = append(confirmations, r)
			continue
		}
		if !add(r) {
			a.Skipped++
		}
	}
	for _, r := range confirmations {
		if !add(r) {
			a.Skipped++
		}
	}
	for c, v := range a.Sums {
		a.Sums[c] = math.Round(v*100) / 100
	}
	return a
}

// lookupFields are the payload fields that questions look documents up
// by, beyond their facts: an e-mail's sent date (the day of its Date
// header, in the sender's time zone) and sender address, and the
// normalised invoice number.
func lookupFields(doc *extract.Doc, invoiceNumber string) Payload {
	p := Payload{}
	if doc.Format == "email" && !doc.Date.IsZero() {
		d := doc.Date
		p["sent_date"] = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	}
	if a := senderAddress(doc.From); a != "" {
		p["from_addr"] = a
	}
	if k := query.NumberKey(invoiceNumber); k != "" {
		p["invoice_key"] = k
	}
	return p
}

// senderAddress is the lower-case address of a From header value.
func senderAddress(from string) string {
	from = strings.TrimSpace(from)
	if from == "" {
		return ""
	}
	if a, err := mail.ParseAddress(from); err == nil {
		return strings.ToLower(a.Address)
	}
	if i, j := strings.LastIndexByte(from, '<'), strings.LastIndexByte(from, '>'); i >= 0 && j > i {
		from = from[i+1 : j]
	}
	if strings.Count(from, "@") == 1 && !strings.ContainsAny(from, " \t") {
		return strings.ToLower(from)
	}
	return ""
}

// numberInText answers a number lookup that no stored number matched:
// the files, under the question's other filters, whose text carries the
// number as written, as one word or a run of up to three ("US-001",
// "F 1234K20/1234/12"). Extraction may have missed a document's number or
// kept another of its numbers; the text still has it.
func (m *Memex) numberInText(ctx context.Context, u *query.Understood, paths []string, ps *partyScope, why []string) ([]Result, error) {
	key := query.NumberKey(u.Number)
	if len(key) < 3 {
		return nil, nil
	}
	rest := *u
	rest.Number = ""
	filter := filterOf(&rest, paths, ps)
	scan := filter
	if m.cat.len() > narrowScanLimit {
		f, err := m.preselect(ctx, filter, u.Number)
		if err != nil {
			return nil, err
		}
		scan = f
	}
	found := map[string]bool{}
	err := m.scrollAll(ctx, vectordb.ScrollRequest{Limit: 10000, Filter: scan, WithPayload: vectordb.PayloadSelector{Include: []string{"path", "text"}}},
		func(p vectordb.Record) {
			path, _ := p.Payload["path"].(string)
			if txt, _ := p.Payload["text"].(string); !found[path] && hasNumber(txt, key) {
				found[path] = true
			}
		})
	if err != nil {
		return nil, fmt.Errorf("memex query: look for number %q in the text: %w", u.Number, err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	why = append(why[:len(why):len(why)], fmt.Sprintf("no stored number is %q; the text has it", u.Number))
	return m.scrollSet(ctx, withPaths(filter, found), why)
}

// hasNumber reports whether text has a word, or a run of up to three
// words, whose number key is key.
func hasNumber(text, key string) bool {
	if !strings.Contains(query.NumberKey(text), key) {
		return false // fast path: not even as a substring
	}
	for _, line := range strings.Split(text, "\n") {
		ws := strings.Fields(line)
		for i := range ws {
			k := ""
			for j := i; j < len(ws) && j < i+3; j++ {
				k += query.NumberKey(ws[j])
				if k == key {
					return true
				}
				if len(k) >= len(key) || !strings.HasPrefix(key, k) {
					break
				}
			}
		}
	}
	return false
}

// preferKind keeps the results of kind k when some are: "invoice 123"
// answers with invoice 123, not also with credit note 123; with none of
// that kind, the others stay (the user may misname the document).
func preferKind(rs []Result, k string) []Result {
	if k == "" || !slices.ContainsFunc(rs, func(r Result) bool { return r.Kind == k }) {
		return rs
	}
	return slices.DeleteFunc(rs, func(r Result) bool { return r.Kind != k })
}

// sameForm drops the files whose party has a legal form other than the
// ones the question wrote ("Acme GmbH" is not "Acme Ltd."); files whose
// party name has no form stay.
func sameForm(rs []Result, forms []string) []Result {
	if len(forms) == 0 {
		return rs
	}
	kept := rs[:0]
	for _, r := range rs {
		party, _ := r.Facts["party"].(string)
		if formKept(facts.LegalForms(party), forms) {
			kept = append(kept, r)
		}
	}
	return kept
}

// formKept reports whether a party whose name has the legal forms fs
// stays under a question that wrote forms: a name or a question may
// stack forms ("Company, Inc."), and one in common is enough.
func formKept(fs, forms []string) bool {
	if len(fs) == 0 || len(forms) == 0 {
		return true
	}
	for _, f := range fs {
		if slices.Contains(forms, f) {
			return true
		}
	}
	return false
}
