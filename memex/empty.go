package memex

import (
	"context"
	"fmt"
	"strings"

	"nexusos/memex/query"
	"nexusos/vectordb"
)

// Empty explains an answer with no files: the constraints the question
// was understood to set, and for each how many files match when it alone
// is dropped, so the one that emptied the set shows.
type Empty struct {
	// Message says it for people: "no invoice is from Contoso and paid in
	// May 2026; without "paid" 3 files match".
	Message     string       `json:"message"`
	Constraints []Constraint `json:"constraints,omitempty"`
}

// Constraint is one condition of a question.
type Constraint struct {
	// Field is kind, status, party, from, number, time, amount or
	// content (the words that narrowed the filtered set).
	Field string `json:"field"`
	Label string `json:"label"`
	// Without is how many files match when this constraint alone is
	// dropped and the others kept.
	Without int `json:"without"`
	// Emptied is set when dropping this constraint alone brings files
	// back: it is (one of) what left the answer empty.
	Emptied bool `json:"emptied"`
}

// relax is a constraint and how to drop it from a copy of a question.
type relax struct {
	field, label string
	drop         func(u *query.Understood) (keepParties bool)
}

func relaxations(u *query.Understood, ps *partyScope) []relax {
	var out []relax
	if len(u.Kinds) > 0 {
		out = append(out, relax{"kind", "kind is " + strings.Join(u.Kinds, " or "), func(c *query.Understood) bool { c.Kinds = nil; return true }})
	}
	if len(u.NotKinds) > 0 {
		out = append(out, relax{"kind", "kind is not " + strings.Join(u.NotKinds, " or "), func(c *query.Understood) bool { c.NotKinds = nil; return true }})
	}
	if u.Overdue || len(u.Statuses) > 0 {
		lab := "status is " + strings.Join(u.Statuses, " or ")
		if u.Overdue {
			lab = "overdue (unpaid past its due date)"
		}
		out = append(out, relax{"status", lab, func(c *query.Understood) bool { c.Statuses, c.Overdue = nil, false; return true }})
	}
	if len(u.Parties) > 0 {
		lab := fmt.Sprintf("party %q", u.PartyRaw)
		if u.NotParties {
			lab = fmt.Sprintf("party not %q", u.PartyRaw)
		}
		if ps != nil && len(ps.names) > 0 {
			lab += " (" + strings.Join(ps.names, ", ") + ")"
		}
		out = append(out, relax{"party", lab, func(c *query.Understood) bool { c.Parties, c.PartyIDs = nil, nil; return false }})
	}
	if len(u.Addresses) > 0 {
		out = append(out, relax{"from", "sent from " + strings.Join(u.Addresses, " or "), func(c *query.Understood) bool { c.Addresses = nil; return true }})
	}
	if u.Number != "" {
		out = append(out, relax{"number", fmt.Sprintf("number is %q", u.Number), func(c *query.Understood) bool { c.Number = ""; return true }})
	}
	if t := u.Time; t != nil {
		out = append(out, relax{"time", fmt.Sprintf("%s %s (%s)", strings.ReplaceAll(string(t.Field), "_", " "), t.Describe(), strings.TrimSpace(t.Phrase)),
			func(c *query.Understood) bool { c.Time = nil; return true }})
	}
	if a := u.Amount; a != nil {
		out = append(out, relax{"amount", "total " + a.Describe(), func(c *query.Understood) bool { c.Amount = nil; return true }})
	}
	return out
}

// countFiles counts the files a filter selects.
func (m *Memex) countFiles(ctx context.Context, filter *vectordb.Filter) (int, error) {
	f := &vectordb.Filter{}
	if filter != nil {
		f.Must = append(f.Must, filter.Must...)
	}
	f.Must = append(f.Must, vectordb.Condition{Field: &vectordb.FieldCondition{Key: "first", Match: &vectordb.Match{Value: true}}})
	n := 0
	if err := m.scrollAll(ctx, vectordb.ScrollRequest{Limit: 100000, Filter: f}, func(vectordb.Record) { n++ }); err != nil {
		return 0, fmt.Errorf("count files: %w", err)
	}
	return n, nil
}

// explainEmpty says why an answer is empty: which constraints were tried
// and which one, dropped alone, brings files back. nw is the content
// narrowing, when that is what emptied a non-empty filtered set.
func (m *Memex) explainEmpty(ctx context.Context, u *query.Understood, paths []string, ps *partyScope, nw *Narrowing) *Empty {
	e := &Empty{Constraints: []Constraint{}}
	rs := relaxations(u, ps)
	if nw != nil && nw.Candidates > 0 {
		// The filters matched files; their content did not.
		for _, r := range rs {
			e.Constraints = append(e.Constraints, Constraint{Field: r.field, Label: r.label, Without: -1})
		}
		e.Constraints = append(e.Constraints, Constraint{Field: "content", Label: fmt.Sprintf("contains %q", nw.Text), Without: nw.Candidates, Emptied: true})
		e.Message = fmt.Sprintf("%s match the filters (%s), but none of them contains %q: the closest scored %.2f, under the threshold %.2f",
			files(nw.Candidates), labels(rs), nw.Text, nw.Closest, nw.Threshold)
		return e
	}
	var emptied []string
	for _, r := range rs {
		c := *u
		scope := ps
		if !r.drop(&c) {
			scope = nil
		}
		n := -1 // unknown: the count failed
		if k, err := m.countFiles(ctx, filterOf(&c, paths, scope)); err == nil {
			n = k
		}
		e.Constraints = append(e.Constraints, Constraint{Field: r.field, Label: r.label, Without: n, Emptied: n > 0})
		if n > 0 {
			emptied = append(emptied, fmt.Sprintf("without %s: %s", r.label, files(n)))
		}
	}
	switch {
	case len(rs) == 0:
		e.Message = "no file matches"
	case len(emptied) == 0:
		e.Message = fmt.Sprintf("no file matches %s, and dropping any one of them still leaves nothing", labels(rs))
	default:
		e.Message = fmt.Sprintf("no file matches all of %s; %s", labels(rs), strings.Join(emptied, "; "))
	}
	return e
}

func labels(rs []relax) string {
	var ls []string
	for _, r := range rs {
		ls = append(ls, r.label)
	}
	return strings.Join(ls, " + ")
}

func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
