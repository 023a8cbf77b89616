package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"nexusos/memex"
	"nexusos/memex/facts"
)

func newMemexShowCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "show FILE",
		Short: "Show what was extracted from an indexed file, and where each fact came from",
		Long: `Show the facts extracted from an indexed file. Each fact read from the document
says where it came from: the page and line, the label it was found by, how the
value was placed relative to the label (inline, right, below; or heading,
letterhead, terms, ...) and the confidence of the reading (0 to 1):

  total           1,234.56 EUR        p1 l23 "Gesamtbetrag" right 0.85

language is the document's language; date ambiguous says a numeric date could
be read day-first or month-first and nothing in the document decided it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withMemex(g, cmd, asJSON, func(_ context.Context, m *memex.Memex) (any, error) {
				rec, ok := m.File(args[0])
				if !ok {
					if abs, err := filepath.Abs(args[0]); err == nil {
						rec, ok = m.File(abs)
					}
				}
				if !ok {
					return nil, fmt.Errorf("%s is not indexed (see `nexus memex ls`)", args[0])
				}
				return rec, nil
			}, func(w io.Writer, v any) {
				printRecord(w, v.(*memex.FileRecord))
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the file record as JSON (facts, sources)")
	return c
}

func newMemexCorrectCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	var undo []string
	c := &cobra.Command{
		Use:   "correct FILE FIELD=VALUE... [--undo FIELD]...",
		Short: "Correct facts extraction misread in an indexed file; questions then see your values",
		Long: `Correct the facts MemexFS read from an indexed file (see ` + "`nexus memex show FILE`" + `).
Each FIELD=VALUE replaces what extraction read; an empty VALUE says the document
has no such fact. The file is indexed again at once, and your corrections are
kept when it is indexed again later (changed content, new rules, another
embedder) until you undo them or remove the file from the index. ` + "`memex show`" + `
marks corrected facts "by you".

Fields and values:
  kind             ` + strings.Join(facts.Kinds, ", ") + `
  issuer           who issued the document (its seller), e.g. "Acme GmbH"
  invoice_number   as printed, e.g. RE-2025-0042
  issue_date, due_date, paid_date   YYYY-MM-DD
  total            the amount owed or charged, e.g. 1234.56
  currency         ISO 4217 code: EUR, USD, GBP, ...
  status           paid, unpaid or overdue

  nexus memex correct scans/receipt-17.jpg kind=receipt issuer="Saturn" total=99.86 currency=EUR
  nexus memex correct invoice.pdf due_date=           (it names no due date)
  nexus memex correct invoice.pdf --undo issuer       (extraction decides again)

While a node (nexus up/serve) runs on this --home, correct through it
instead: the console's "Correct" form under a result's record, or
POST /v1/memex/correct (docs/api.md).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set := map[string]string{}
			for _, a := range args[1:] {
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					return fmt.Errorf("%q: write FIELD=VALUE (fields: %s)", a, strings.Join(memex.CorrectableFields, ", "))
				}
				if _, err := memex.NormaliseCorrection(k, v); err != nil {
					return err
				}
				set[k] = v
			}
			if len(set) == 0 && len(undo) == 0 {
				return fmt.Errorf("nothing to correct: give FIELD=VALUE or --undo FIELD (fields: %s)", strings.Join(memex.CorrectableFields, ", "))
			}
			return withMemex(g, cmd, asJSON, func(ctx context.Context, m *memex.Memex) (any, error) {
				return m.Correct(ctx, args[0], set, undo, nil)
			}, func(w io.Writer, v any) {
				printRecord(w, v.(*memex.FileRecord))
			})
		},
	}
	c.Flags().StringSliceVar(&undo, "undo", nil, "drop your correction of this field (repeatable); extraction decides again")
	c.Flags().BoolVar(&asJSON, "json", false, "print the new file record as JSON")
	return c
}

// showOrder is the order of the facts printed first, with the source
// field each one's provenance is kept under.
var showOrder = []struct{ key, source string }{
	{"kind", "kind"}, {"party", "issuer"}, {"invoice_number", "invoice_number"}, {"issue_date", "issue_date"},
	{"due_date", "due_date"}, {"paid_date", "paid_date"}, {"total", "total"}, {"balance_due", ""},
	{"currency", "currency"}, {"status", "status"}, {"language", ""}, {"date_ambiguous", ""},
}

// printRecord prints a file record: the facts, each with where it came
// from, then the rest of what was extracted.
func printRecord(w io.Writer, r *memex.FileRecord) {
	fmt.Fprintln(w, r.Path)
	fmt.Fprintf(w, "  %s, %d bytes, %d chunks, indexed %s\n", r.Format, r.Size, r.Chunks, r.IndexedAt.Local().Format(time.DateTime))
	if r.Title != "" {
		fmt.Fprintf(w, "  title           %s\n", r.Title)
	}
	fs := map[string]any{}
	for k, v := range r.Facts {
		fs[k] = v
	}
	if r.Kind != "" {
		fs["kind"] = r.Kind
	}
	row := func(key string, v any, src *facts.Source) {
		line := fmt.Sprintf("  %-15s %-28s", strings.ReplaceAll(key, "_", " "), factText(key, v, fs))
		if src != nil {
			line += " " + sourceText(*src)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	shown := map[string]bool{"title": true, "format": true}
	for _, o := range showOrder {
		v, ok := fs[o.key]
		if !ok {
			continue
		}
		shown[o.key] = true
		var src *facts.Source
		if s, ok := r.Sources[o.source]; ok && o.source != "" {
			src = &s
		}
		row(o.key, v, src)
	}
	for _, k := range memex.CorrectableFields {
		if v, ok := r.Corrections[k]; ok && v == "" {
			row(k, "none", &facts.Source{How: "user"})
		}
	}
	var rest []string
	for k := range fs {
		if !shown[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		row(k, fs[k], nil)
	}
}

// factText renders one fact: amounts with their currency and thousands
// separators, dates as days, lists joined.
func factText(key string, v any, fs map[string]any) string {
	switch x := v.(type) {
	case float64:
		if key == "total" || key == "balance_due" {
			s := groupThousands(strconv.FormatFloat(x, 'f', 2, 64))
			if cur, _ := fs["currency"].(string); cur != "" {
				s += " " + cur
			}
			return s
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case string:
		if strings.HasSuffix(key, "_date") || key == "sent_date" {
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				return t.Format(time.DateOnly)
			}
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

// groupThousands puts commas between groups of three digits of a
// formatted number ("-1234567.50" becomes "-1,234,567.50").
func groupThousands(s string) string {
	sign, frac := "", ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + frac
}

// sourceText renders a fact's provenance: p1 l23 "Gesamtbetrag" right
// 0.85 (page and line only when the fact was read at a place).
func sourceText(s facts.Source) string {
	if s.How == "user" {
		return "by you"
	}
	var parts []string
	if s.Page > 0 {
		parts = append(parts, fmt.Sprintf("p%d", s.Page))
	}
	if s.Line > 0 {
		parts = append(parts, fmt.Sprintf("l%d", s.Line))
	}
	if s.Label != "" {
		parts = append(parts, strconv.Quote(s.Label))
	}
	if s.How != "" {
		parts = append(parts, s.How)
	}
	parts = append(parts, strconv.FormatFloat(s.Confidence, 'f', 2, 64))
	return strings.Join(parts, " ")
}
