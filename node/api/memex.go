package api

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"nexusos/access"
	"nexusos/memex"
	"nexusos/memex/graph"
	"nexusos/memex/query"
	"nexusos/node/runtime"
)

// Chip is one thing a question was understood to ask for, for display as
// a removable filter.
type Chip struct {
	Field  string `json:"field"`            // kind, status, party, from, number, time, amount, order, aggregate, overdue, spent, content
	Value  string `json:"value"`            // machine value (a kind, a party key, "2026-07-01..2026-10-01")
	Label  string `json:"label"`            // human text
	Phrase string `json:"phrase,omitempty"` // the words it came from, when known
}

// QueryAnswer is GET /v1/memex/query's answer: memex.Answer plus the
// understood filters as chips and the apps that handle the result set.
type QueryAnswer struct {
	*memex.Answer
	Chips []Chip `json:"chips"`
	// Apps are sealed apps whose manifest declares they handle this
	// question's kinds (run one with POST /v1/apps/{name}/run).
	Apps []string `json:"apps"`
}

func chipsOf(u *query.Understood) []Chip {
	out := []Chip{}
	if u == nil {
		return out
	}
	for _, k := range u.Kinds {
		out = append(out, Chip{Field: "kind", Value: k, Label: strings.ReplaceAll(k, "_", " "), Phrase: phraseOf(u.Text, k)})
	}
	for _, k := range u.NotKinds {
		out = append(out, Chip{Field: "kind", Value: k, Label: "not " + strings.ReplaceAll(k, "_", " "), Phrase: phraseOf(u.Text, k)})
	}
	// One word can stand for several statuses ("unpaid" asks for unpaid
	// and overdue): a status not named itself shares its sibling's words.
	shared := ""
	for _, st := range u.Statuses {
		if p := phraseOf(u.Text, st); p != "" && shared == "" {
			shared = p
		}
	}
	for _, st := range u.Statuses {
		p := phraseOf(u.Text, st)
		if p == "" {
			p = shared
		}
		out = append(out, Chip{Field: "status", Value: st, Label: st, Phrase: p})
	}
	if u.Overdue {
		out = append(out, Chip{Field: "overdue", Value: "true", Label: "overdue"})
	}
	forms := ""
	if len(u.PartyForms) > 0 {
		forms = " (" + strings.Join(u.PartyForms, ", ") + ")" // "acme (gmbh)": another form is another company
	}
	for _, p := range u.Parties {
		c := Chip{Field: "party", Value: p, Label: p + forms, Phrase: textPhrase(u.Text, u.PartyRaw)}
		if u.NotParties {
			c.Label = "not " + c.Label // shown as "party not acme"
		}
		out = append(out, c)
	}
	for _, a := range u.Addresses {
		out = append(out, Chip{Field: "from", Value: a, Label: "from " + a, Phrase: textPhrase(u.Text, a)})
	}
	if u.Number != "" {
		out = append(out, Chip{Field: "number", Value: query.NumberKey(u.Number), Label: "number " + u.Number, Phrase: textPhrase(u.Text, u.Number)})
	}
	if t := u.Time; t != nil {
		field := strings.TrimSuffix(string(t.Field), "_date")
		out = append(out, Chip{Field: "time", Value: t.From.Format(time.DateOnly) + ".." + t.To.Format(time.DateOnly),
			Label: field + " " + strings.ReplaceAll(t.Describe(), "..", " – "), Phrase: textPhrase(u.Text, t.Phrase)})
	}
	if a := u.Amount; a != nil {
		var parts []string
		if a.Min != nil {
			parts = append(parts, fmt.Sprintf("≥ %.2f", *a.Min))
		}
		if a.Max != nil {
			parts = append(parts, fmt.Sprintf("≤ %.2f", *a.Max))
		}
		lab := "total " + strings.Join(parts, " and ")
		if a.Min != nil && a.Max != nil && *a.Min == *a.Max {
			lab = fmt.Sprintf("total = %.2f", *a.Min)
		}
		switch {
		case len(parts) == 0:
			lab = "currency " + a.Currency // "invoices in EUR"
		case a.Currency != "":
			lab += " " + a.Currency
		}
		val := strings.Join(parts, ",")
		if val == "" {
			val = a.Currency
		}
		out = append(out, Chip{Field: "amount", Value: val, Label: lab, Phrase: textPhrase(u.Text, a.Phrase)})
	}
	if o := u.Order; o != nil {
		v := o.By + ":asc"
		if o.Desc {
			v = o.By + ":desc"
		}
		if o.Limit > 0 {
			v += ":" + strconv.Itoa(o.Limit)
		}
		out = append(out, Chip{Field: "order", Value: v, Label: o.Describe(), Phrase: textPhrase(u.Text, o.Phrase)})
	}
	if u.Aggregate != "" {
		out = append(out, Chip{Field: "aggregate", Value: u.Aggregate, Label: "sum of the totals", Phrase: textPhrase(u.Text, u.AggregatePhrase)})
	}
	if u.Spent {
		out = append(out, Chip{Field: "spent", Value: "true", Label: "money paid out"})
	}
	return out
}

// textPhrase finds phrase (as the parser wrote it: lower case, spacing
// and commas changed) in the question as asked, so a console can remove
// the chip by removing those words; "" when it is not found.
func textPhrase(text, phrase string) string {
	var words []string
	for _, w := range strings.FieldsFunc(phrase, func(r rune) bool { return r == ' ' || r == ',' }) {
		words = append(words, regexp.QuoteMeta(w))
	}
	if len(words) == 0 {
		return ""
	}
	re, err := regexp.Compile(`(?i)` + strings.Join(words, `[\s,]+`))
	if err != nil {
		return ""
	}
	return re.FindString(text)
}

// chipWords are the words that commonly express a kind or status, for
// finding a chip's phrase in the question.
var chipWords = map[string][]string{
	"invoice": {"invoice", "bill"}, "receipt": {"receipt"}, "quote": {"quot", "estimate"},
	"purchase_order": {"purchase order", "po", "pos"}, "credit_note": {"credit note", "credit memo"},
	"payment_confirmation": {"payment confirmation", "remittance"}, "contract": {"contract", "agreement"},
	"note": {"note"}, "email": {"email", "e-mail", "mail", "message"},
	"unpaid": {"unpaid", "outstanding", "open", "owed", "unsettled", "not paid", "due"},
	"paid":   {"paid", "settled"}, "overdue": {"overdue", "late", "past due"},
}

// phraseOf finds the words of text that express value (a kind or a
// status), so a console can remove the chip by removing them; "" when
// none is found.
func phraseOf(text, value string) string {
	lower := strings.ToLower(text)
	for _, w := range chipWords[value] {
		for i := 0; i < len(lower); {
			j := strings.Index(lower[i:], w)
			if j < 0 {
				break
			}
			start := i + j
			if start > 0 && isWordByte(lower[start-1]) {
				i = start + 1
				continue
			}
			end := start + len(w)
			for end < len(lower) && isWordByte(lower[end]) {
				end++
			}
			if w == "po" || w == "pos" {
				if end-start != len(w) {
					i = start + 1
					continue
				}
			}
			return text[start:end]
		}
	}
	return ""
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	m, err := s.memex()
	if err != nil {
		fail(w, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		fail(w, errorf(http.StatusBadRequest, "missing q: the question, e.g. ?q=unpaid+invoices+last+quarter"))
		return
	}
	opts, err := queryOptions(r)
	if err != nil {
		fail(w, err)
		return
	}
	ans, err := m.Query(r.Context(), q, opts)
	if err != nil {
		fail(w, err)
		return
	}
	chips := chipsOf(ans.Understood)
	if nw := ans.Narrowed; nw != nil {
		// The words that narrowed the set by content are a filter too.
		chips = append(chips, Chip{Field: "content", Value: nw.Text, Label: "contains " + nw.Text, Phrase: textPhrase(q, nw.Text)})
	}
	writeJSON(w, http.StatusOK, QueryAnswer{Answer: ans, Chips: chips, Apps: s.appsFor(ans.Understood)})
}

func queryOptions(r *http.Request) (memex.QueryOptions, error) {
	var o memex.QueryOptions
	v := r.URL.Query()
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return o, errorf(http.StatusBadRequest, "limit %q: want 1..1000", l)
		}
		o.Limit = n
	}
	if d := v.Get("now"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return o, errorf(http.StatusBadRequest, "now %q: want YYYY-MM-DD", d)
		}
		o.Now = t
	}
	return o, nil
}

func (s *Server) handleFiles(w http.ResponseWriter, r *http.Request) {
	m, err := s.memex()
	if err != nil {
		fail(w, err)
		return
	}
	kind := r.URL.Query().Get("kind")
	out := []memex.FileRecord{}
	for _, f := range m.Files() {
		if kind == "" || f.Kind == kind {
			out = append(out, f)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"files": out, "count": len(out)})
}

// handleParties lists the canonical parties: each with its aliases (and
// the rule that merged each), addresses and file count.
func (s *Server) handleParties(w http.ResponseWriter, r *http.Request) {
	m, err := s.memex()
	if err != nil {
		fail(w, err)
		return
	}
	ps := m.Parties()
	writeJSON(w, http.StatusOK, map[string]any{"parties": ps, "count": len(ps)})
}

func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	m, err := s.memex()
	if err != nil {
		fail(w, err)
		return
	}
	rec, err := s.indexedFile(m, r.URL.Query().Get("path"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// handleCorrect records a user's corrections of an indexed file's facts
// ({"path", "set": {field: value}, "undo": [field]}) and returns the file's
// new record. The file is read again, so it must lie inside the node's
// data folders, as for adding.
func (s *Server) handleCorrect(w http.ResponseWriter, r *http.Request) {
	m, err := s.memex()
	if err != nil {
		fail(w, err)
		return
	}
	var req struct {
		Path string            `json:"path"`
		Set  map[string]string `json:"set"`
		Undo []string          `json:"undo"`
	}
	if err := decodeBody(r, &req); err != nil {
		fail(w, err)
		return
	}
	if len(req.Set)+len(req.Undo) == 0 || len(req.Set)+len(req.Undo) > 2*len(memex.CorrectableFields) {
		fail(w, errorf(http.StatusBadRequest, "set or undo: name 1..%d fields of %v", len(memex.CorrectableFields), memex.CorrectableFields))
		return
	}
	if len(s.rt.Data()) == 0 {
		fail(w, errorf(http.StatusForbidden, "this node has no data folders: start it with --data DIR to allow correcting files under DIR"))
		return
	}
	rec, err := s.indexedFile(m, req.Path)
	if err != nil {
		fail(w, err)
		return
	}
	if _, _, ok := within(s.rt.Data(), rec.Path); !ok {
		fail(w, errorf(http.StatusForbidden, "path %q is outside the node's data folders %v", req.Path, s.rt.Data()))
		return
	}
	rec, err = m.Correct(r.Context(), rec.Path, req.Set, req.Undo, s.rt.Data())
	if errors.Is(err, memex.ErrBadCorrection) {
		err = errorf(http.StatusBadRequest, "%v", err)
	}
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// indexedFile resolves a path given in a request (absolute, or relative to
// an indexed folder) to the record of an indexed file. Paths outside every
// indexed folder are refused before the index is consulted.
func (s *Server) indexedFile(m *memex.Memex, p string) (*memex.FileRecord, error) {
	if p == "" {
		return nil, errorf(http.StatusBadRequest, "missing path")
	}
	roots := indexedRoots(m)
	var cands []string
	if filepath.IsAbs(p) {
		cands = []string{p}
	} else {
		for _, root := range roots {
			cands = append(cands, filepath.Join(root, p))
		}
	}
	refused := true
	for _, c := range cands {
		abs, _, ok := within(roots, c)
		if !ok {
			continue
		}
		refused = false
		if rec, ok := m.File(abs); ok {
			return rec, nil
		}
	}
	if refused {
		return nil, errorf(http.StatusForbidden, "path %q is outside the indexed folders", p)
	}
	return nil, errorf(http.StatusNotFound, "%s: %v", p, memex.ErrNotIndexed)
}

// indexedRoots returns the folders files were indexed from.
func indexedRoots(m *memex.Memex) []string { return rootsOf(m.Files()) }

func rootsOf(files []memex.FileRecord) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		if f.Root != "" && !seen[f.Root] {
			seen[f.Root] = true
			out = append(out, f.Root)
		}
	}
	sort.Strings(out)
	return out
}

// within reports whether p lies inside one of roots (or is one) and
// returns it cleaned and absolute (not link-resolved, as the index stores
// paths). p is looked up through an os.Root of the root
// (access.StatInside), so symbolic links count only while they stay
// inside. A missing path inside a root is within it; missing is then the
// error saying it does not exist.
func within(roots []string, p string) (abs string, missing error, ok bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", nil, false
	}
	if _, err := access.StatInside(roots, abs); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return "", nil, false
		}
		return abs, err, true
	}
	return abs, nil, true
}

// TimelineEntry is one money document for the console's timeline and
// charts.
type TimelineEntry struct {
	Path     string   `json:"path"`
	Rel      string   `json:"rel"`
	Kind     string   `json:"kind"`
	Party    string   `json:"party,omitempty"`
	Status   string   `json:"status,omitempty"`
	Number   string   `json:"number,omitempty"`
	Date     string   `json:"date,omitempty"` // issue date, YYYY-MM-DD
	Due      string   `json:"due,omitempty"`
	Paid     string   `json:"paid,omitempty"`
	Total    *float64 `json:"total,omitempty"`
	Balance  *float64 `json:"balance_due,omitempty"`
	Currency string   `json:"currency,omitempty"`
}

func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) {
	m, err := s.memex()
	if err != nil {
		fail(w, err)
		return
	}
	kind := r.URL.Query().Get("kind")
	if kind == "" {
		kind = "invoice"
	}
	out := []TimelineEntry{}
	for _, f := range m.Files() {
		if kind != "all" && f.Kind != kind {
			continue
		}
		e := TimelineEntry{Path: f.Path, Rel: f.Rel, Kind: f.Kind, Party: f.Party, Status: f.Status,
			Number: str(f.Facts["invoice_number"]), Date: day(f.Facts["issue_date"]), Due: day(f.Facts["due_date"]),
			Paid: day(f.Facts["paid_date"]), Total: num(f.Facts["total"]), Balance: num(f.Facts["balance_due"]),
			Currency: str(f.Facts["currency"])}
		if e.Total == nil && kind == "all" {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	writeJSON(w, http.StatusOK, map[string]any{"kind": kind, "entries": out})
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func day(v any) string {
	switch t := v.(type) {
	case string:
		if len(t) >= 10 {
			return t[:10]
		}
		return t
	case time.Time:
		return t.Format(time.DateOnly)
	}
	return ""
}

func num(v any) *float64 {
	switch n := v.(type) {
	case float64:
		return &n
	case int64:
		f := float64(n)
		return &f
	case int:
		f := float64(n)
		return &f
	}
	return nil
}

func (s *Server) handleAdd(w http.ResponseWriter, r *http.Request) {
	if _, err := s.memex(); err != nil {
		fail(w, err)
		return
	}
	var req struct {
		Paths []string `json:"paths"`
	}
	if err := decodeBody(r, &req); err != nil {
		fail(w, err)
		return
	}
	if len(req.Paths) == 0 || len(req.Paths) > 256 {
		fail(w, errorf(http.StatusBadRequest, "paths: want 1..256 files or folders"))
		return
	}
	if len(s.rt.Data()) == 0 {
		fail(w, errorf(http.StatusForbidden, "this node has no data folders: start it with --data DIR to allow adding files under DIR"))
		return
	}
	var paths []string
	for _, p := range req.Paths {
		if !filepath.IsAbs(p) && len(s.rt.Data()) == 1 {
			p = filepath.Join(s.rt.Data()[0], p)
		}
		abs, missing, ok := within(s.rt.Data(), p)
		if !ok {
			fail(w, errorf(http.StatusForbidden, "path %q is outside the node's data folders %v", p, s.rt.Data()))
			return
		}
		if missing != nil {
			fail(w, errorf(http.StatusBadRequest, "path %q: %v", p, missing))
			return
		}
		paths = append(paths, abs)
	}
	st, err := s.rt.Ingest().Start(paths)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, st)
}

func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.rt.Ingest().Status())
}

func (s *Server) handleGraph(w http.ResponseWriter, r *http.Request) {
	if _, err := s.memex(); err != nil {
		fail(w, err)
		return
	}
	g, err := s.rt.Graph(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	kind := r.URL.Query().Get("kind")
	if kind == "" {
		writeJSON(w, http.StatusOK, g)
		return
	}
	// Keep only nodes of one kind (the notes, say) and the edges between
	// them, renumbered.
	idx := map[int]int{}
	out := &graph.Graph{Nodes: []graph.Node{}, Edges: []graph.Edge{}}
	for i, n := range g.Nodes {
		if n.Kind == kind {
			idx[i] = len(out.Nodes)
			out.Nodes = append(out.Nodes, n)
		}
	}
	for _, e := range g.Edges {
		a, ok1 := idx[e.From]
		b, ok2 := idx[e.To]
		if ok1 && ok2 {
			e.From, e.To = a, b
			out.Edges = append(out.Edges, e)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRelated(w http.ResponseWriter, r *http.Request) {
	m, err := s.memex()
	if err != nil {
		fail(w, err)
		return
	}
	rec, err := s.indexedFile(m, r.URL.Query().Get("path"))
	if err != nil {
		fail(w, err)
		return
	}
	nb, err := m.Related(r.Context(), rec.Path)
	if err != nil {
		fail(w, err)
		return
	}
	if nb == nil {
		nb = []graph.Neighbour{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"path": rec.Path, "related": nb})
}

func (s *Server) handleConnect(w http.ResponseWriter, r *http.Request) {
	m, err := s.memex()
	if err != nil {
		fail(w, err)
		return
	}
	a, b := strings.TrimSpace(r.URL.Query().Get("a")), strings.TrimSpace(r.URL.Query().Get("b"))
	if a == "" || b == "" {
		fail(w, errorf(http.StatusBadRequest, "want two topics: ?a=TOPIC&b=TOPIC"))
		return
	}
	steps, err := m.Connect(r.Context(), a, b)
	if err != nil {
		fail(w, errorf(http.StatusNotFound, "connect %q and %q: %v", a, b, err))
		return
	}
	if steps == nil {
		steps = []graph.Step{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"a": a, "b": b, "path": steps})
}

func (s *Server) handleSummary(w http.ResponseWriter, r *http.Request) {
	if _, err := s.memex(); err != nil {
		fail(w, err)
		return
	}
	var err error
	topic := strings.TrimSpace(r.URL.Query().Get("topic"))
	if topic == "" {
		fail(w, errorf(http.StatusBadRequest, "missing topic"))
		return
	}
	n := 5
	if v := r.URL.Query().Get("n"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 50 {
			fail(w, errorf(http.StatusBadRequest, "n %q: want 1..50", v))
			return
		}
	}
	// With a chat model served, the summary carries an abstractive text
	// too (or abstractive_reason says why not), bounded by the request's
	// context; ?model= picks the model, ?extractive=1 skips it.
	opts := runtime.SummaryOptions{Sentences: n, Model: r.URL.Query().Get("model")}
	opts.Extractive, _ = strconv.ParseBool(r.URL.Query().Get("extractive"))
	sum, err := s.rt.Summarize(r.Context(), topic, opts)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}
