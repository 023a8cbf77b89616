package factcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"nexusos/memex"
	"nexusos/vectordb"
)

// Questions asked of the real corpus: the corpus is indexed with `nexus
// memex add`'s own code and asked what a user asks of such a folder
// ("invoices from <issuer>", "unpaid invoices", "receipts", "invoices
// from 2019", "invoice <number>", and combinations). Every gold answer
// comes from the hand-checked labels, never from what MemexFS extracted,
// so the figures measure extraction and question understanding together.
// The questions are made from the labels by templates; the engine is told
// nothing but the question. Each question is scored per half (its gold
// and its answer restricted to that half's documents).

// Question is one question with its gold files.
type Question struct {
	Class, Text string
	Gold        []string
}

// QuestionResult is one question's outcome on one half.
type QuestionResult struct {
	Question
	Half       string
	Got        []string // the answer's files of that half
	F1         float64
	Understood string
}

// QuestionReport is the outcome of every question.
type QuestionReport struct {
	Results []QuestionResult
	Indexed int
	Took    time.Duration
	// Refused are the label values Memex.Correct would not take
	// (AskOptions.Corrected), with the reason.
	Refused []string
}

// AskOptions configures AskReal.
type AskOptions struct {
	Dir string // the corpus (docs/ and labels/)
	// Scratch is where the index is built (removed afterwards).
	Scratch string
	// OCRCache, when set, is shared with the index's OCR (memex keeps
	// its cache under its state folder).
	OCRCache string
	Now      time.Time // reference day of relative questions
	// Corrected enters every label's facts with `memex correct` (Memex.
	// Correct) before the questions are asked: the answers then measure
	// question understanding alone, as a user who corrected every misread
	// fact would get them.
	Corrected bool
}

// AskReal indexes the corpus and asks every question of Questions.
func AskReal(ctx context.Context, o AskOptions) (*QuestionReport, error) {
	labels, err := LoadLabels(o.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(o.Scratch, "memex"), 0o755); err != nil {
		return nil, err
	}
	defer os.RemoveAll(o.Scratch)
	if o.OCRCache != "" {
		if err := os.MkdirAll(o.OCRCache, 0o755); err != nil {
			return nil, err
		}
		if err := os.Symlink(o.OCRCache, filepath.Join(o.Scratch, "memex", "ocr-cache")); err != nil {
			return nil, err
		}
	}
	db, err := vectordb.Open(filepath.Join(o.Scratch, "vectordb"), vectordb.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	m, err := memex.Open(ctx, memex.Options{Dir: filepath.Join(o.Scratch, "memex"), DB: db})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	start := time.Now()
	sum, err := m.Add(ctx, []string{filepath.Join(o.Dir, "docs")}, nil)
	if err != nil {
		return nil, fmt.Errorf("add the real corpus: %w", err)
	}
	rep := &QuestionReport{Indexed: sum.Indexed, Took: time.Since(start)}
	if o.Corrected {
		for _, l := range labels {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			set := map[string]string{"kind": l.Kind, "issuer": l.Issuer, "issue_date": l.IssueDate, "due_date": l.DueDate, "total": l.Total,
				"currency": l.Currency, "invoice_number": l.InvoiceNumber, "status": l.Status}
			for k, v := range set {
				if _, err := memex.NormaliseCorrection(k, v); err != nil {
					delete(set, k) // what a user could not enter either ("Company" names no one)
					rep.Refused = append(rep.Refused, l.File+": "+err.Error())
				}
			}
			_, err := m.Correct(ctx, filepath.Join(o.Dir, "docs", l.File), set, nil, nil)
			if errors.Is(err, memex.ErrNotIndexed) {
				continue // a file with no text (it was skipped, and said why)
			}
			if err != nil {
				return nil, fmt.Errorf("enter the label of %s: %w", l.File, err)
			}
		}
	}
	half := map[string]string{}
	for _, l := range labels {
		half[l.File] = Half(l.File)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	for _, q := range Questions(labels) {
		ans, err := m.Query(ctx, q.Text, memex.QueryOptions{Now: o.Now, Limit: 10})
		if err != nil {
			return nil, fmt.Errorf("%q: %w", q.Text, err)
		}
		var got []string
		for _, r := range ans.Results {
			got = append(got, filepath.Base(r.Rel))
		}
		for _, h := range []string{"tune", "heldout"} {
			g, a := inHalf(q.Gold, half, h), inHalf(got, half, h)
			if len(g) == 0 {
				continue
			}
			rep.Results = append(rep.Results, QuestionResult{Question: Question{q.Class, q.Text, g}, Half: h, Got: a, F1: f1(a, g), Understood: ans.Understood.String()})
		}
	}
	return rep, nil
}

// Mean is the mean F1 of the results keep selects, and their number.
func (r *QuestionReport) Mean(keep func(QuestionResult) bool) (float64, int) {
	var sum float64
	n := 0
	for _, x := range r.Results {
		if keep(x) {
			sum += x.F1
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// Print writes mean F1 per class and half; misses adds the questions
// answered wrong on the tune half (the held-out half's are never shown,
// so they cannot guide tuning).
func (r *QuestionReport) Print(w io.Writer, misses bool) {
	classes := map[string]bool{}
	for _, x := range r.Results {
		classes[x.Class] = true
	}
	keys := []string{"all"}
	for c := range classes {
		keys = append(keys, c)
	}
	sort.Strings(keys[1:])
	fmt.Fprintf(w, "%-16s %14s %14s   (mean F1, questions; target 0.95)\n", "class", "tune", "heldout")
	for _, c := range keys {
		fmt.Fprintf(w, "%-16s", c)
		for _, h := range []string{"tune", "heldout"} {
			mean, n := r.Mean(func(x QuestionResult) bool { return x.Half == h && (c == "all" || x.Class == c) })
			fmt.Fprintf(w, " %8.3f %5d", mean, n)
		}
		fmt.Fprintln(w)
	}
	if !misses {
		return
	}
	for _, x := range r.Results {
		if x.F1 < 1 && x.Half == "tune" {
			fmt.Fprintf(w, "%s %q: F1 %.2f; understood {%s}\n  missing %v\n  extra %v\n", x.Class, x.Text, x.F1, x.Understood, missing(x.Gold, x.Got), missing(x.Got, x.Gold))
		}
	}
}

// kindWords is how a user names a kind in a question (plural).
var kindWords = map[string]string{
	"invoice":     "invoices",
	"receipt":     "receipts",
	"credit_note": "credit notes",
	"statement":   "statements",
	"quote":       "quotes",
}

// Questions makes the questions from the labels alone.
func Questions(labels []Label) []Question {
	var qs []Question
	byKind := map[string][]string{}
	byIssuerKind := map[string][]string{} // normalised issuer|kind
	issuerName := map[string]string{}
	byYear := map[string][]string{}   // year of invoices
	byStatus := map[string][]string{} // status of invoices
	byNumber := map[string][]string{} // invoice number
	byUnpaidIssuer := map[string][]string{}
	byMonth := map[string][]string{}    // issue month of invoices, "2019-02"
	byDueMonth := map[string][]string{} // due month of invoices
	totals := map[string][]float64{}    // currency → totals of invoices
	for _, l := range labels {
		if l.Kind == "invoice" && l.Currency != "" {
			if v, err := strconv.ParseFloat(l.Total, 64); err == nil {
				totals[l.Currency] = append(totals[l.Currency], v)
			}
		}
	}
	for _, l := range labels {
		byKind[l.Kind] = append(byKind[l.Kind], l.File)
		if _, ok := kindWords[l.Kind]; ok && l.Issuer != "" {
			k := normParty(l.Issuer) + "|" + l.Kind
			byIssuerKind[k] = append(byIssuerKind[k], l.File)
			if _, ok := issuerName[k]; !ok {
				issuerName[k] = l.Issuer
			}
		}
		if l.Kind != "invoice" {
			continue
		}
		if len(l.IssueDate) >= 7 {
			byYear[l.IssueDate[:4]] = append(byYear[l.IssueDate[:4]], l.File)
			byMonth[l.IssueDate[:7]] = append(byMonth[l.IssueDate[:7]], l.File)
		}
		if len(l.DueDate) >= 7 {
			byDueMonth[l.DueDate[:7]] = append(byDueMonth[l.DueDate[:7]], l.File)
		}
		if l.Status != "" {
			byStatus[l.Status] = append(byStatus[l.Status], l.File)
		}
		if len(l.InvoiceNumber) >= 3 {
			byNumber[l.InvoiceNumber] = append(byNumber[l.InvoiceNumber], l.File)
		}
		if l.Status == "unpaid" && l.Issuer != "" {
			byUnpaidIssuer[normParty(l.Issuer)] = append(byUnpaidIssuer[normParty(l.Issuer)], l.File)
		}
	}
	for _, k := range sortedKeys(byKind) {
		if w, ok := kindWords[k]; ok {
			qs = append(qs, Question{"kind", w, byKind[k]})
		}
	}
	for _, k := range sortedKeys(byIssuerKind) {
		kind := k[strings.LastIndexByte(k, '|')+1:]
		qs = append(qs, Question{"issuer", kindWords[kind] + " from " + issuerName[k], byIssuerKind[k]})
	}
	for _, y := range sortedKeys(byYear) {
		qs = append(qs, Question{"year", "invoices from " + y, byYear[y]})
	}
	for _, ym := range sortedKeys(byMonth) {
		if len(byMonth[ym]) >= 2 {
			qs = append(qs, Question{"month", "invoices from " + monthName(ym), byMonth[ym]})
		}
	}
	for _, ym := range sortedKeys(byDueMonth) {
		qs = append(qs, Question{"due month", "invoices due in " + monthName(ym), byDueMonth[ym]})
	}
	// Amounts: invoices in one currency over (and under) the median of
	// that currency's totals.
	curs := make([]string, 0, len(totals))
	for c := range totals {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	for _, c := range curs {
		vs := totals[c]
		if len(vs) < 6 {
			continue
		}
		sort.Float64s(vs)
		mid := math.Round(vs[len(vs)/2])
		var over, under []string
		for _, l := range labels {
			v, err := strconv.ParseFloat(l.Total, 64)
			if l.Kind != "invoice" || l.Currency != c || err != nil {
				continue
			}
			if v > mid {
				over = append(over, l.File)
			}
			if v < mid {
				under = append(under, l.File)
			}
		}
		qs = append(qs, Question{"amount", fmt.Sprintf("invoices over %g %s", mid, c), over},
			Question{"amount", fmt.Sprintf("invoices under %g %s", mid, c), under})
	}
	for _, s := range sortedKeys(byStatus) {
		qs = append(qs, Question{"status", s + " invoices", byStatus[s]})
	}
	for _, n := range sortedKeys(byNumber) {
		qs = append(qs, Question{"number", "invoice " + n, byNumber[n]})
	}
	for _, p := range sortedKeys(byUnpaidIssuer) {
		qs = append(qs, Question{"unpaid+issuer", "unpaid invoices from " + issuerName[p+"|invoice"], byUnpaidIssuer[p]})
	}
	return qs
}

// monthName writes "2019-02" as "February 2019".
func monthName(ym string) string {
	t, err := time.Parse("2006-01", ym)
	if err != nil {
		return ym
	}
	return t.Format("January 2006")
}

// normParty compares issuer labels without case and punctuation.
func normParty(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}), " ")
}

func sortedKeys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func inHalf(files []string, half map[string]string, h string) []string {
	var out []string
	for _, f := range files {
		if half[f] == h {
			out = append(out, f)
		}
	}
	return out
}

// f1 is the harmonic mean of precision and recall of got against gold.
func f1(got, gold []string) float64 {
	if len(got) == 0 || len(gold) == 0 {
		if len(got) == len(gold) {
			return 1
		}
		return 0
	}
	g := map[string]bool{}
	for _, x := range gold {
		g[x] = true
	}
	tp := 0
	for _, x := range got {
		if g[x] {
			tp++
		}
	}
	if tp == 0 {
		return 0
	}
	p, r := float64(tp)/float64(len(got)), float64(tp)/float64(len(gold))
	return 2 * p * r / (p + r)
}

// missing lists the elements of a not in b.
func missing(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}
