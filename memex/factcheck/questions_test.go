package factcheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"nexusos/memex"
	"nexusos/vectordb"
)

// TestRealQuestions indexes the real corpus with `nexus memex add`'s own
// code and asks the questions a user asks of such a folder: "invoices from
// <issuer>", "unpaid invoices", "receipts", "invoices from 2019",
// "invoice <number>", and combinations. Every gold answer comes from the
// hand-checked labels, never from what MemexFS extracted, so the figures
// measure extraction and question understanding together on documents
// nobody on the team wrote. The questions are made from the labels by
// templates; the engine is told nothing but the question.
//
// Each question is scored per half of the corpus (its gold and its answer
// restricted to that half's documents), so the held-out figure says how
// the whole path does on documents the extraction rules were not fitted
// to.
func TestRealQuestions(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes and OCRs the whole real corpus")
	}
	labels, err := LoadLabels(corpus)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	// Share the OCR cache with TestRealCorpus (memex keeps its cache
	// under its state folder), so CI reads each scan once.
	if err := os.MkdirAll(filepath.Join(home, "memex"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(ocrCache(t), filepath.Join(home, "memex", "ocr-cache")); err != nil {
		t.Fatal(err)
	}
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	m, err := memex.Open(ctx, memex.Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	start := time.Now()
	sum, err := m.Add(ctx, []string{filepath.Join(corpus, "docs")}, nil)
	if err != nil {
		t.Fatalf("add the real corpus: %v", err)
	}
	t.Logf("indexed %d files in %v (%d by OCR, %d skipped)", sum.Indexed, time.Since(start).Round(time.Millisecond), sum.OCRFiles, len(sum.Skipped))

	qs := realQuestions(labels)
	half := map[string]string{}
	for _, l := range labels {
		half[l.File] = Half(l.File)
	}
	type tally struct {
		n  int
		f1 float64
	}
	tallies := map[string]*tally{} // class/half → tally
	add := func(key string, f1 float64) {
		c := tallies[key]
		if c == nil {
			c = &tally{}
			tallies[key] = c
		}
		c.n++
		c.f1 += f1
	}
	logged := map[string]int{}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, q := range qs {
		ans, err := m.Query(ctx, q.text, memex.QueryOptions{Now: now, Limit: 10})
		if err != nil {
			t.Fatalf("%q: %v", q.text, err)
		}
		var got []string
		for _, r := range ans.Results {
			got = append(got, filepath.Base(r.Rel))
		}
		for _, h := range []string{"tune", "heldout"} {
			g, a := inHalf(q.gold, half, h), inHalf(got, half, h)
			if len(g) == 0 {
				continue
			}
			f1 := f1(a, g)
			add(q.class+"\t"+h, f1)
			add("all\t"+h, f1)
			if f1 < 1 && testing.Verbose() && logged[q.class] < 40 && h == "tune" {
				logged[q.class]++
				t.Logf("%s %q: F1 %.2f on the tune half; understood {%s}\n  missing %v\n  extra %v", q.class, q.text, f1, ans.Understood, missing(g, a), missing(a, g))
			}
		}
	}
	var keys []string
	for k := range tallies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-18s %-8s %9s %7s\n", "class", "half", "questions", "mean F1")
	for _, k := range keys {
		c := tallies[k]
		cls, h, _ := strings.Cut(k, "\t")
		fmt.Fprintf(&sb, "%-18s %-8s %9d %7.3f\n", cls, h, c.n, c.f1/float64(c.n))
	}
	t.Logf("set questions on the real corpus (target F1 0.95):\n%s", sb.String())
	for _, h := range []string{"tune", "heldout"} {
		if c := tallies["all\t"+h]; c == nil || c.f1/float64(c.n) < realQuestionFloor {
			t.Errorf("%s half: mean F1 below the floor %.2f", h, realQuestionFloor)
		}
	}
}

// realQuestionFloor is the mean F1 over all question classes that each
// half must keep: a few points under the held-out half's 0.84 (tune half
// 0.90) when the test was written; the target is 0.95.
const realQuestionFloor = 0.78

// realQuestion is one question with its gold files.
type realQuestion struct {
	class, text string
	gold        []string
}

// kindWords is how a user names a kind in a question (plural).
var kindWords = map[string]string{
	"invoice":     "invoices",
	"receipt":     "receipts",
	"credit_note": "credit notes",
	"statement":   "statements",
	"quote":       "quotes",
}

// realQuestions makes the questions from the labels alone.
func realQuestions(labels []Label) []realQuestion {
	var qs []realQuestion
	byKind := map[string][]string{}
	byIssuerKind := map[string][]string{} // normalised issuer|kind
	issuerName := map[string]string{}
	byYear := map[string][]string{}   // year of invoices
	byStatus := map[string][]string{} // status of invoices
	byNumber := map[string][]string{} // invoice number
	byUnpaidIssuer := map[string][]string{}
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
		if len(l.IssueDate) >= 4 {
			byYear[l.IssueDate[:4]] = append(byYear[l.IssueDate[:4]], l.File)
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
			qs = append(qs, realQuestion{"kind", w, byKind[k]})
		}
	}
	for _, k := range sortedKeys(byIssuerKind) {
		kind := k[strings.LastIndexByte(k, '|')+1:]
		qs = append(qs, realQuestion{"issuer", kindWords[kind] + " from " + issuerName[k], byIssuerKind[k]})
	}
	for _, y := range sortedKeys(byYear) {
		qs = append(qs, realQuestion{"year", "invoices from " + y, byYear[y]})
	}
	for _, s := range sortedKeys(byStatus) {
		qs = append(qs, realQuestion{"status", s + " invoices", byStatus[s]})
	}
	for _, n := range sortedKeys(byNumber) {
		qs = append(qs, realQuestion{"number", "invoice " + n, byNumber[n]})
	}
	for _, p := range sortedKeys(byUnpaidIssuer) {
		qs = append(qs, realQuestion{"unpaid+issuer", "unpaid invoices from " + issuerName[p+"|invoice"], byUnpaidIssuer[p]})
	}
	return qs
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
