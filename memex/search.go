package memex

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"nexusos/memex/query"
	"nexusos/memex/sparse"
	"nexusos/vectordb"
)

// QueryOptions tune Query.
type QueryOptions struct {
	Limit int       // files to return (default 10; set questions return the whole set)
	Now   time.Time // reference day for relative dates (default today)
	// Paths, when set, restricts results to files under these folders
	// (used for apps whose manifest grants only some folders).
	Paths []string
}

// Result is one file that answers a question.
type Result struct {
	Path    string   `json:"path"`
	Rel     string   `json:"rel"`
	Score   float64  `json:"score"`
	Kind    string   `json:"kind"`
	Title   string   `json:"title"`
	Snippet string   `json:"snippet"`
	Why     []string `json:"why"`
	Facts   Payload  `json:"facts,omitempty"`
}

// Answer is the response to a question.
type Answer struct {
	Query      string            `json:"query"`
	Understood *query.Understood `json:"understood"`
	// Set is true when the question was answered as a complete set by its
	// filter alone.
	Set     bool     `json:"set"`
	Results []Result `json:"results"`
	// Total answers an aggregate question ("how much did we pay X in
	// 2025"): the sum over the files in Results.
	Total *Aggregate `json:"total,omitempty"`
	// Narrowed says how the words left after the filters ("that include
	// printer toner") narrowed the filtered set (see narrow.go).
	Narrowed *Narrowing `json:"narrowed,omitempty"`
	// Empty explains an empty answer: the constraints tried, and which
	// one emptied the set.
	Empty *Empty `json:"empty,omitempty"`
	// Embedder names the embedder the question was answered with (the
	// one whose collection answered, Memex.AnsweredBy: during a re-embed
	// the previous, complete one); set questions answered from the
	// catalog alone use no vectors but name it too.
	Embedder string `json:"embedder,omitempty"`
}

// Aggregate is a figure computed over an answer's files.
type Aggregate struct {
	// Sums holds the sum per currency ("" when a file names none).
	Sums map[string]float64 `json:"sums"`
	// Files is how many files were added up; Skipped were left out (no
	// amount, or a payment confirmation of an invoice already counted).
	Files   int `json:"files"`
	Skipped int `json:"skipped,omitempty"`
}

// String writes the sums for people: "1234.50 USD + 99.00 EUR".
func (a *Aggregate) String() string {
	if len(a.Sums) == 0 {
		return "0"
	}
	curs := make([]string, 0, len(a.Sums))
	for c := range a.Sums {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	parts := make([]string, len(curs))
	for i, c := range curs {
		parts[i] = strings.TrimSpace(fmt.Sprintf("%.2f %s", a.Sums[c], c))
	}
	return strings.Join(parts, " + ")
}

// Filter builds the payload filter for what was understood.
func Filter(u *query.Understood, paths []string) *vectordb.Filter {
	return filterOf(u, paths, nil)
}

// filterOf builds the payload filter; ps, when not nil, is the named
// parties' scope in the party registry (their canonical ids, and the
// names and addresses of files indexed before the registry).
func filterOf(u *query.Understood, paths []string, ps *partyScope) *vectordb.Filter {
	f := &vectordb.Filter{}
	must := func(c vectordb.Condition) { f.Must = append(f.Must, c) }
	field := func(key string, m *vectordb.Match) vectordb.Condition {
		return vectordb.Condition{Field: &vectordb.FieldCondition{Key: key, Match: m}}
	}
	anyOf := func(vals []string) *vectordb.Match {
		a := make([]any, len(vals))
		for i, v := range vals {
			a[i] = v
		}
		return &vectordb.Match{Any: a}
	}
	if len(u.Kinds) > 0 {
		must(field("kind", anyOf(u.Kinds)))
	}
	if len(u.NotKinds) > 0 {
		f.MustNot = append(f.MustNot, field("kind", anyOf(u.NotKinds)))
	}
	if len(u.Statuses) > 0 {
		must(field("status", anyOf(u.Statuses)))
	}
	if u.Overdue {
		now := u.Now
		must(vectordb.Condition{Filter: &vectordb.Filter{Should: []vectordb.Condition{
			field("status", &vectordb.Match{Value: "overdue"}),
			{Filter: &vectordb.Filter{Must: []vectordb.Condition{
				field("status", &vectordb.Match{Value: "unpaid"}),
				{Field: &vectordb.FieldCondition{Key: "due_date", DatetimeRange: &vectordb.DatetimeRange{Lt: &now}}},
			}}},
		}}})
	}
	switch {
	case u.NotParties && len(u.Parties) > 0:
		// Any party but the named ones: none of their conditions holds.
		f.MustNot = append(f.MustNot, ps.conditions(u)...)
	case len(u.Parties) > 0 || len(u.Addresses) > 0:
		sh := ps.conditions(u)
		if len(sh) == 1 {
			must(sh[0])
		} else {
			must(vectordb.Condition{Filter: &vectordb.Filter{Should: sh}})
		}
	}
	if u.Number != "" {
		// The number as stored (any case), or its normalised key.
		must(vectordb.Condition{Filter: &vectordb.Filter{Should: []vectordb.Condition{
			field("invoice_key", &vectordb.Match{Value: query.NumberKey(u.Number)}),
			field("invoice_number", anyOf([]string{u.Number, strings.ToUpper(u.Number)})),
		}}})
	}
	if t := u.Time; t != nil {
		from, to := t.From, t.To
		in := func(key string) vectordb.Condition {
			return vectordb.Condition{Field: &vectordb.FieldCondition{Key: key, DatetimeRange: &vectordb.DatetimeRange{Gte: &from, Lt: &to}}}
		}
		switch t.Field {
		case query.PaidDate:
			// Paid in the period: the payment date, or for documents that
			// only say they are paid, the issue date.
			key := "paid_date"
			must(vectordb.Condition{Filter: &vectordb.Filter{Should: []vectordb.Condition{
				in("paid_date"),
				{Filter: &vectordb.Filter{Must: []vectordb.Condition{{IsEmpty: &key}, in("issue_date")}}},
			}}})
		case query.SentDate:
			// Sent in the period: an e-mail's Date header, or for other
			// documents (and mail indexed before sent_date was stored)
			// the issue date.
			key := "sent_date"
			must(vectordb.Condition{Filter: &vectordb.Filter{Should: []vectordb.Condition{
				in("sent_date"),
				{Filter: &vectordb.Filter{Must: []vectordb.Condition{{IsEmpty: &key}, in("issue_date")}}},
			}}})
		default:
			must(in(string(t.Field)))
		}
	}
	if a := u.Amount; a != nil {
		if a.Min != nil || a.Max != nil {
			rng := &vectordb.Range{Gte: a.Min, Lte: a.Max}
			if a.Strict {
				rng = &vectordb.Range{Gt: a.Min, Lt: a.Max}
			}
			must(vectordb.Condition{Field: &vectordb.FieldCondition{Key: "total", Range: rng}})
		}
		if a.Currency != "" {
			must(field("currency", &vectordb.Match{Value: a.Currency}))
		}
	}
	if len(paths) > 0 {
		var sh []vectordb.Condition
		for _, p := range paths {
			sh = append(sh, field("root", &vectordb.Match{Value: p}))
		}
		must(vectordb.Condition{Filter: &vectordb.Filter{Should: sh}})
	}
	if len(f.Must) == 0 && len(f.MustNot) == 0 {
		return nil
	}
	// The engine stops at the first failing condition: test the selective
	// ones (party, dates, amount) before the broad ones (status, kind).
	sort.SliceStable(f.Must, func(i, j int) bool { return condRank(f.Must[i]) < condRank(f.Must[j]) })
	return f
}

// condRank orders filter conditions from usually most to least selective.
func condRank(c vectordb.Condition) int {
	key := ""
	switch {
	case c.Field != nil:
		key = c.Field.Key
	case c.Filter != nil && len(c.Filter.Should) > 0 && c.Filter.Should[0].Field != nil:
		key = c.Filter.Should[0].Field.Key
	}
	switch key {
	case "party_id", "party_key", "invoice_key", "from_addr":
		return 0
	case "issue_date", "due_date", "paid_date", "sent_date":
		return 1
	case "total":
		return 2
	case "status":
		return 3
	case "kind":
		return 4
	}
	return 5
}

// Query answers a question. A pure set question ("unpaid invoices from
// Northwind last quarter") returns exactly the files its filter selects;
// otherwise the remaining words rank chunks by dense, word-by-word and
// sparse similarity (rank.go) under the filter, and each file appears once
// with its best chunk as snippet; a question without filters whose best
// match falls below the relevance cutoff gets no files, and Answer.Empty
// says "no good match". An order in the question ("the 3 largest", "the
// latest") sorts the answer and keeps that many files; an aggregate ("how much",
// "total owed") adds Answer.Total. The engine alone decides which kind of
// question it is.
func (m *Memex) Query(ctx context.Context, text string, opts QueryOptions) (*Answer, error) {
	if opts.Limit <= 0 {
		opts.Limit = 10
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	// One view (embedder and collection) answers the whole question,
	// even when a finished re-embed switches meanwhile.
	ctx, v := m.withView(ctx)
	u := query.ParseKnown(text, opts.Now, query.Known{Parties: m.PartyKeys(), IsNumber: func(k string) bool { return m.cat.has("invoice_key", k) }})
	ans := &Answer{Query: text, Understood: u, Results: []Result{}, Embedder: v.emb.Name()}
	ps := m.partyScopeOf(u)
	filter := filterOf(u, opts.Paths, ps)
	why := ps.describe(describe(u), u)
	if content := contentOf(u); !u.IsSetQuestion() && u.HasFilter() && filter != nil {
		// Filters and words left over: the filtered set, narrowed by its
		// content ("invoices that include printer toner").
		if err := m.narrowedSet(ctx, ans, filter, why, content, opts, ps); err != nil {
			return nil, err
		}
		return ans, nil
	}
	if u.IsSetQuestion() {
		ans.Set = true
		f := filter
		if f == nil {
			f = &vectordb.Filter{}
		}
		f.Must = append(f.Must, vectordb.Condition{Field: &vectordb.FieldCondition{Key: "first", Match: &vectordb.Match{Value: true}}})
		// The file catalog answers with the store's own filter semantics
		// (see catalog.go); TestCatalogMatchesStore holds them equal.
		// Rows come in the answer's order, by date and path.
		rows := m.cat.match(f)
		ans.Results = make([]Result, 0, len(rows))
		why = why[:len(why):len(why)] // shared: an append copies
		for _, r := range rows {
			if formKept(r.forms, u.PartyForms) {
				ans.Results = append(ans.Results, r.res)
				ans.Results[len(ans.Results)-1].Why = why
			}
		}
		ans.Results = preferKind(ans.Results, u.NumberKind)
		if len(rows) == 0 && u.Number != "" {
			rs, err := m.numberInText(ctx, u, opts.Paths, ps, why)
			if err != nil {
				return nil, err
			}
			ans.Results = rs
		}
		finish(ans, u, opts.Limit)
		if len(ans.Results) == 0 {
			ans.Empty = m.explainEmpty(ctx, u, opts.Paths, ps, nil)
		}
		return ans, nil
	}
	rest := u.Rest
	if strings.TrimSpace(rest) == "" {
		rest = text
	}
	const depth = 100
	ranked, err := m.rankChunks(ctx, rest, filter, depth)
	if err != nil {
		return nil, err
	}
	rel := relevanceOf(v.emb)
	rel.cut = rel.cut && !u.HasFilter()
	ranked, ans.Empty = relevant(ranked, rel)
	terms := sparse.Terms(rest)
	seen := map[string]bool{}
	for _, rc := range ranked {
		p := rc.Point
		path, _ := p.Payload["path"].(string)
		if seen[path] {
			continue
		}
		seen[path] = true
		txt, _ := p.Payload["text"].(string)
		w := append([]string(nil), why...)
		if matched := matchedTerms(txt, terms); len(matched) > 0 {
			w = append(w, "mentions: "+strings.Join(matched, ", "))
		} else {
			w = append(w, "similar in meaning to: "+rest)
		}
		ans.Results = append(ans.Results, resultOf(p.Payload, rc.Score, w, snippetAround(txt, terms)))
		if len(ans.Results) == opts.Limit && u.Order == nil && u.Aggregate == "" {
			break
		}
	}
	finish(ans, u, opts.Limit)
	return ans, nil
}

func describe(u *query.Understood) []string {
	var w []string
	if len(u.Kinds) > 0 {
		w = append(w, "kind is "+strings.Join(u.Kinds, " or "))
	}
	if u.Overdue {
		w = append(w, "overdue (unpaid past its due date)")
	} else if len(u.Statuses) > 0 {
		w = append(w, "status is "+strings.Join(u.Statuses, " or "))
	}
	switch {
	case len(u.Parties) > 0 && u.NotParties:
		w = append(w, fmt.Sprintf("party is not %q", u.PartyRaw))
	case len(u.Parties) > 0:
		w = append(w, fmt.Sprintf("party matches %q", u.PartyRaw))
	}
	if t := u.Time; t != nil {
		w = append(w, fmt.Sprintf("%s in %s (%s to %s)", strings.ReplaceAll(string(t.Field), "_", " "), t.Phrase,
			t.From.Format("2006-01-02"), t.To.AddDate(0, 0, -1).Format("2006-01-02")))
	}
	if a := u.Amount; a != nil {
		w = append(w, "total "+a.Phrase)
	}
	if len(u.Addresses) > 0 {
		w = append(w, "sent from "+strings.Join(u.Addresses, " or "))
	}
	if u.Number != "" {
		w = append(w, fmt.Sprintf("number is %q", u.Number))
	}
	return w
}

func resultOf(pl Payload, score float64, why []string, snippet string) Result {
	str := func(k string) string { s, _ := pl[k].(string); return s }
	if snippet == "" {
		snippet = str("text")
		if len(snippet) > 240 {
			snippet = cutRunes(snippet, 240) + "…"
		}
	}
	fs := Payload{}
	for _, k := range []string{"kind", "party", "status", "issue_date", "due_date", "paid_date", "sent_date", "total", "balance_due", "currency", "invoice_number", "tags", "from", "from_addr", "subject"} {
		if v, ok := pl[k]; ok {
			fs[k] = v
		}
	}
	return Result{Path: str("path"), Rel: str("rel"), Score: score, Kind: str("kind"), Title: str("title"), Snippet: snippet, Why: why, Facts: fs}
}

func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func matchedTerms(text string, terms []string) []string {
	have := map[string]bool{}
	for _, t := range sparse.Terms(text) {
		have[t] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range terms {
		if have[t] && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// snippetAround returns about 240 bytes of text around the first term.
func snippetAround(text string, terms []string) string {
	lower := strings.ToLower(text)
	pos := -1
	for _, t := range terms {
		if i := strings.Index(lower, t); i >= 0 && (pos < 0 || i < pos) {
			pos = i
		}
	}
	if pos < 0 || len(text) <= 240 {
		return cutRunes(text, 240)
	}
	start := max(0, pos-80)
	for start > 0 && text[start]&0xC0 == 0x80 {
		start--
	}
	s := cutRunes(text[start:], 240)
	if start > 0 {
		s = "…" + s
	}
	return s + "…"
}
