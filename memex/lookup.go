package memex

import (
	"math"
	"net/mail"
	"sort"
	"strings"
	"time"

	"nexusos/memex/extract"
	"nexusos/memex/query"
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
