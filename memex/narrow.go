package memex

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"

	"nexusos/memex/facts"
	"nexusos/memex/query"
	"nexusos/memex/sparse"
	"nexusos/vectordb"
)

// Narrowing a set by content: a question with filters and words left over
// ("invoices that include printer toner", "unpaid invoices for cloud
// hosting", "emails about the office move") is answered by the filtered
// set, narrowed to the files whose text matches the leftover words. Each
// line of a file (a line item, a sentence; lines naming the file's own
// party are skipped) is scored against them by its words and by meaning
// (dense embeddings, so "web hosting" finds "Cloud hosting"), and a file
// is kept when its best line scores high enough (see the constants).

// Narrowing says how leftover words narrowed a filtered set.
type Narrowing struct {
	// Text is the leftover words the files were matched against.
	Text string `json:"text"`
	// Candidates is how many files the filters matched; Kept how many of
	// them matched Text.
	Candidates int `json:"candidates"`
	Kept       int `json:"kept"`
	// Threshold is the score a file needed: NarrowThreshold, or
	// NarrowRelative times the best file's score when that is higher.
	Threshold float64 `json:"threshold"`
	Best      float64 `json:"best"`
	// Closest is the best score of a file that was not kept (0 when every
	// candidate was), to show how near the cut was.
	Closest float64 `json:"closest,omitempty"`
	// Method describes the scoring, for people.
	Method string `json:"method"`
}

// Scoring of a line against the leftover words: its word score (the
// share of the leftover terms it contains, each weighted by its BM25 idf
// over the filtered set, a missing term counted by its nearest word's
// embedding cosine) and its meaning score (the cosine of the line's and
// the words' embeddings, rescaled so that DenseFloor → 0 and 1 → 1),
// combined as a noisy OR (see combine). A line with every word scores 1;
// one with only some needs a meaning of at least MeaningGate to count.
// A file is kept when its best line
// scores at least NarrowThreshold and at least NarrowRelative times the
// best file's score (so half a name, "services" of "cleaning services",
// does not keep "Consulting services" when whole matches exist). The
// constants were calibrated on the generated corpus's line items
// (TestContentNarrowing logs the F1 of each threshold setting; 0.35/0.6
// scored best, 0.926 mean F1 over 33 questions including 8 whose content
// the corpus lacks) and checked by hand on the SpamAssassin mail corpus,
// where longer text makes partial matches likelier.
const (
	NarrowThreshold = 0.35
	NarrowRelative  = 0.6
	DenseFloor      = 0.45
	// WordFloor is the cosine below which a word is not near another;
	// above it, nearness is rescaled so that WordFloor → 0 and 1 → 1.
	WordFloor = 0.0
	// MeaningGate is the cosine a line without every word needs to
	// count at all: some of the words in a line about something else
	// ("a suburban office park" for "office move") are no match.
	MeaningGate = 0.5
)

// fillerWords are the glue of a content phrase: "invoices that include",
// "documents related to", "mentioning".
var fillerWords = setOf(`include includes including included contain contains containing contained mention mentions mentioning
	mentioned regarding concerning cover covers covering covered related relating relate involving involve involves re
	item items line lines listing listed list show find get give please thing things something anything everything one ones
	some only just also like kind kinds type types sort sorts stuff charge charged spent spend buy bought purchase purchased
	cost costs costing pay paying paid payment payments whose where which who what when`)

// contentOf returns the leftover words of a question that narrow its
// filtered set, lower case; nil when there are none.
func contentOf(u *query.Understood) []string {
	var out []string
	for _, w := range query.ContentWords(u.Rest) {
		if !fillerWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// scrollSet returns the files (first chunks) a filter selects.
func (m *Memex) scrollSet(ctx context.Context, filter *vectordb.Filter, why []string) ([]Result, error) {
	f := &vectordb.Filter{}
	if filter != nil {
		f.Must = append(f.Must, filter.Must...)
		f.Should, f.MustNot = filter.Should, filter.MustNot
	}
	f.Must = append(f.Must, vectordb.Condition{Field: &vectordb.FieldCondition{Key: "first", Match: &vectordb.Match{Value: true}}})
	var out []Result
	err := m.scrollAll(ctx, vectordb.ScrollRequest{Limit: 100000, Filter: f, WithPayload: vectordb.PayloadSelector{All: true}}, func(r vectordb.Record) {
		out = append(out, resultOf(r.Payload, 1, append([]string(nil), why...), ""))
	})
	if err != nil {
		return nil, fmt.Errorf("memex query: read the filtered set: %w", err)
	}
	return out, nil
}

// scrollAll calls fn with every point req selects, page by page (req's
// Offset is where it starts).
func (m *Memex) scrollAll(ctx context.Context, req vectordb.ScrollRequest, fn func(vectordb.Record)) error {
	for {
		page, err := m.db.Scroll(ctx, m.answering(ctx).coll, req)
		if err != nil {
			return err
		}
		for _, r := range page.Points {
			fn(r)
		}
		if page.NextPageOffset == nil {
			return nil
		}
		req.Offset = page.NextPageOffset
	}
}

// withPaths is filter narrowed to the files at paths ("" only when none:
// an empty set).
func withPaths(filter *vectordb.Filter, paths map[string]bool) *vectordb.Filter {
	vals := make([]any, 0, len(paths))
	for p := range paths {
		vals = append(vals, p)
	}
	if len(vals) == 0 {
		vals = append(vals, "") // nothing matched: an empty scan
	}
	f := &vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "path", Match: &vectordb.Match{Any: vals}}}}}
	if filter != nil {
		f.Must = append(f.Must, filter.Must...)
	}
	return f
}

// narrowedSet answers a question with filters and leftover content words:
// the filtered set, narrowed by content when there is any.
func (m *Memex) narrowedSet(ctx context.Context, ans *Answer, filter *vectordb.Filter, why, content []string, opts QueryOptions, ps *partyScope) error {
	u := ans.Understood
	ans.Set = true
	rs, err := m.scrollSet(ctx, filter, why)
	if err != nil {
		return err
	}
	rs = sameForm(rs, u.PartyForms)
	if len(content) > 0 && len(rs) > 0 {
		rs, ans.Narrowed, err = m.narrow(ctx, rs, filter, content, namesParty(u.Rest))
		if err != nil {
			return err
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Score != rs[j].Score && ans.Narrowed != nil {
			return rs[i].Score > rs[j].Score
		}
		di, dj := dateOf(rs[i].Facts, ""), dateOf(rs[j].Facts, "")
		if di != dj {
			return di < dj
		}
		return rs[i].Path < rs[j].Path
	})
	if rs == nil {
		rs = []Result{}
	}
	ans.Results = rs
	finish(ans, u, opts.Limit)
	if len(ans.Results) == 0 {
		ans.Empty = m.explainEmpty(ctx, u, opts.Paths, ps, ans.Narrowed)
	}
	return nil
}

// lineHit is the best line of a file for the leftover words.
type lineHit struct {
	score   float64
	line    string
	matched []string
	lex     float64 // weighted share of the terms the line contains
	soft    float64 // the same, counting near words by their cosine
	dense   float64 // cosine of the embeddings
}

// combine is a line's score from its word and meaning scores. A line
// with every word scores 1; otherwise its soft word score (near words
// counted by their cosine) is squared, so half the words ("move" of
// "office move") count for a quarter, and combined with the line's
// meaning as a noisy OR.
func combine(h lineHit) float64 {
	if h.lex >= 0.999 {
		return 1
	}
	if h.dense < MeaningGate {
		return 0
	}
	d := max(0, (h.dense-DenseFloor)/(1-DenseFloor))
	return 1 - (1-h.soft*h.soft)*(1-d)
}

// cutOf is the score a file needs, given the best file's score.
func cutOf(best, threshold, relative float64) float64 {
	return max(threshold, relative*best)
}

// narrowScanLimit is the most files narrow reads line by line; a larger
// filtered set is first cut to the chunks the engine's sparse (BM25) and
// dense searches rank highest for the words (narrowDepth each).
var (
	narrowScanLimit = 5000
	narrowDepth     = 2000
)

// namesParty reports leftover words that name a party no file is known
// by ("from Sparksuite Inc."): a name is matched by its words, never by
// meaning ("Google" is not "Amazon Web Services").
func namesParty(rest string) bool {
	f := strings.Fields(rest)
	return len(f) >= 2 && len(f) <= 6 && (f[0] == "from" || f[0] == "by")
}

// narrow keeps the files of rs whose text matches content; name says
// content is a name, matched by its words alone.
func (m *Memex) narrow(ctx context.Context, rs []Result, filter *vectordb.Filter, content []string, name bool) ([]Result, *Narrowing, error) {
	text := strings.Join(content, " ")
	scan := filter
	if len(rs) > narrowScanLimit {
		f, err := m.preselect(ctx, filter, text)
		if err != nil {
			return nil, nil, err
		}
		scan = f
	}
	best, err := m.narrowScores(ctx, scan, text, name)
	if err != nil {
		return nil, nil, err
	}
	n := &Narrowing{Text: text, Candidates: len(rs)}
	for _, r := range rs {
		n.Best = max(n.Best, round2(best[r.Path].score))
	}
	n.Threshold = round2(cutOf(n.Best, NarrowThreshold, NarrowRelative))
	by := "and by meaning (embedding cosine)"
	if name {
		by = "not by meaning: they name a party"
	}
	n.Method = fmt.Sprintf("each line (line item, sentence) scored by the words it shares with %q, weighted by their rarity in the set (BM25 idf), %s; kept at %.2f or more (%.2f, or %.0f%% of the best file's %.2f)",
		text, by, n.Threshold, NarrowThreshold, NarrowRelative*100, n.Best)
	kept := rs[:0]
	for _, r := range rs {
		h := best[r.Path]
		if h.score < n.Threshold {
			n.Closest = max(n.Closest, round2(h.score))
			continue
		}
		r.Score = round2(h.score)
		w := fmt.Sprintf("contains %q (score %.2f", cutRunes(h.line, 80), h.score)
		if len(h.matched) > 0 {
			w += "; words: " + strings.Join(h.matched, ", ")
		}
		w += fmt.Sprintf("; meaning %.2f)", h.dense)
		r.Why = append(r.Why, w)
		r.Snippet = cutRunes(h.line, 240)
		kept = append(kept, r)
	}
	n.Kept = len(kept)
	return kept, n, nil
}

// narrowScores scores the files a filter selects against text: each
// file's best line.
func (m *Memex) narrowScores(ctx context.Context, filter *vectordb.Filter, text string, name bool) (map[string]lineHit, error) {
	terms := uniqueTerms(text)
	emb := m.answering(ctx).emb
	qv := emb.Embed(text)
	lines := map[string][]string{}
	err := m.scrollAll(ctx, vectordb.ScrollRequest{Limit: 10000, Filter: filter,
		WithPayload: vectordb.PayloadSelector{Include: []string{"path", "text", "heading", "party"}}}, func(p vectordb.Record) {
		path, _ := p.Payload["path"].(string)
		txt, _ := p.Payload["text"].(string)
		if h, _ := p.Payload["heading"].(string); h != "" {
			txt = h + "\n" + txt
		}
		party, _ := p.Payload["party"].(string)
		pk := facts.PartyKey(party)
		for _, line := range strings.Split(txt, "\n") {
			for _, part := range splitSentences(line) {
				// The party's own name is no content ("parcel
				// shipping" is not "Wingtip Logistics"): its words are
				// left out of the line, and the rest of the line
				// (another name printed beside it) still counts.
				if pk != "" && strings.Contains(" "+facts.PartyKey(part)+" ", " "+pk+" ") {
					part = withoutWords(part, pk)
				}
				if w := wordsOnly(part); w != "" {
					lines[path] = append(lines[path], w)
				}
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("memex query: read the filtered set's text: %w", err)
	}
	// Term weights: BM25's idf over the set's files, so a word most files
	// share ("services") counts for little and a missing one for much.
	df := map[string]int{}
	for _, ls := range lines {
		seen := map[string]bool{}
		for _, l := range ls {
			for _, t := range sparse.Terms(l) {
				if containsStr(terms, t) && !seen[t] {
					seen[t] = true
					df[t]++
				}
			}
		}
	}
	n := float64(len(lines))
	weight := map[string]float64{}
	var total float64
	for _, t := range terms {
		weight[t] = math.Log(1 + (n-float64(df[t])+0.5)/(float64(df[t])+0.5))
		total += weight[t]
	}
	vec := &wordVecs{emb: emb, v: map[string][]float32{}}
	best := map[string]lineHit{}
	for path, ls := range lines {
		var b lineHit
		for _, l := range ls {
			h := lineHit{line: l}
			if total > 0 {
				have := map[string]bool{}
				for _, t := range sparse.Terms(l) {
					have[t] = true
				}
				var w, soft float64
				for _, t := range terms {
					if have[t] {
						h.matched = append(h.matched, t)
						w += weight[t]
						soft += weight[t]
						continue
					}
					// A word of the same meaning counts as far as it is
					// near: "web" for "cloud", "computer" for "laptop".
					best := 0.0
					for word := range have {
						best = max(best, (vec.sim(t, word)-WordFloor)/(1-WordFloor))
					}
					soft += weight[t] * best
				}
				h.lex = round2(w / total)
				h.soft = round2(soft / total)
			}
			if nonZero(qv) && !name { // a name is matched by its words alone
				lv := emb.Embed(l)
				var dot float64
				for i := range lv {
					dot += float64(lv[i]) * float64(qv[i])
				}
				h.dense = round2(dot)
			}
			if name {
				h.score = h.lex
			} else {
				h.score = combine(h)
			}
			if h.score > b.score || b.line == "" {
				b = h
			}
		}
		best[path] = b
	}
	return best, nil
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func uniqueTerms(s string) []string {
	var out []string
	for _, t := range sparse.Terms(s) {
		if !containsStr(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// splitSentences splits a long line at sentence ends.
func splitSentences(line string) []string {
	if len(line) <= 160 {
		return []string{line}
	}
	var out []string
	start := 0
	for i := 0; i+1 < len(line); i++ {
		if (line[i] == '.' || line[i] == '!' || line[i] == '?') && line[i+1] == ' ' {
			out = append(out, line[start:i+1])
			start = i + 2
		}
	}
	return append(out, line[start:])
}

// withoutWords drops from s the words whose party key is one of key's
// words, and legal forms ("Acme Corp." of key "acme").
func withoutWords(s, key string) string {
	drop := map[string]bool{}
	for _, w := range strings.Fields(key) {
		drop[w] = true
	}
	var out []string
	for _, w := range strings.Fields(s) {
		k := facts.PartyKey(w)
		if k == "" && strings.IndexFunc(w, unicode.IsLetter) >= 0 || drop[k] {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// wordsOnly drops amounts, numbers and symbols from a line, so "Printer
// toner  $1,234.00" is embedded as "Printer toner".
func wordsOnly(s string) string {
	var out []string
	for _, w := range strings.Fields(s) {
		if strings.IndexFunc(w, unicode.IsDigit) >= 0 || strings.IndexFunc(w, unicode.IsLetter) < 0 {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// wordVecs caches single words' embeddings.
type wordVecs struct {
	emb interface{ Embed(string) []float32 }
	v   map[string][]float32
}

func (w *wordVecs) get(word string) []float32 {
	v, ok := w.v[word]
	if !ok {
		v = w.emb.Embed(word)
		w.v[word] = v
	}
	return v
}

// sim is the cosine of two words' embeddings (0 when either is unknown).
func (w *wordVecs) sim(a, b string) float64 {
	va, vb := w.get(a), w.get(b)
	var dot float64
	for i := range va {
		dot += float64(va[i]) * float64(vb[i])
	}
	return dot
}

// preselect narrows a large filtered set to the files of the chunks the
// engine ranks highest for text, by BM25 and by the dense vector.
func (m *Memex) preselect(ctx context.Context, filter *vectordb.Filter, text string) (*vectordb.Filter, error) {
	paths := map[string]bool{}
	v := m.answering(ctx)
	search := func(using string, in vectordb.VectorInput) error {
		pts, err := m.db.Query(ctx, v.coll, vectordb.QueryRequest{Query: &vectordb.Query{Nearest: &in}, Using: using, Filter: filter,
			Limit: narrowDepth, WithPayload: vectordb.PayloadSelector{Include: []string{"path"}}})
		if err != nil {
			return fmt.Errorf("memex query: preselect %s: %w", using, err)
		}
		for _, p := range pts {
			if s, _ := p.Payload["path"].(string); s != "" {
				paths[s] = true
			}
		}
		return nil
	}
	if sp := sparse.Query(text); len(sp.Indices) > 0 {
		if err := search(SparseVector, vectordb.VectorInput{Sparse: &sp}); err != nil {
			return nil, err
		}
	}
	if dv := v.emb.Embed(text); nonZero(dv) {
		if err := search(DenseVector, vectordb.VectorInput{Dense: dv}); err != nil {
			return nil, err
		}
	}
	return withPaths(filter, paths), nil
}
