// Command invoice-report is a NexusOS app that answers questions about
// invoices: it asks MemexFS (through the ABI) for the invoices a question
// selects and prints their totals by party and status, as a table and as
// CSV. Its manifest declares that it handles invoices (kind invoice, query
// "invoices"), so the node offers it for any question about invoices and
// passes it the question.
//
//	nexus build ./apps/invoice-report --memex / --handles invoice --handles-query invoices
//	nexus memex query --app invoice-report unpaid invoices last quarter
//
// Usage: invoice-report [QUESTION]   (default "invoices")
//
// Amounts are summed per currency; an invoice's "amount" fact is its
// balance due when unpaid and its total otherwise.
package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"nexusos/apps/invoice-report/report"
	"nexusos/sdk/go/nexus"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	q := strings.TrimSpace(strings.Join(args, " "))
	if q == "" {
		q = "invoices"
	}
	res, err := nexus.MemexQuery(q, nexus.Limit(1000))
	if err != nil {
		switch {
		case errors.Is(err, nexus.ErrNotAvailable):
			fmt.Fprintln(stderr, "invoice-report: MemexFS is not available here (run me in a NexusOS microVM)")
		case errors.Is(err, nexus.ErrDenied):
			fmt.Fprintln(stderr, "invoice-report: my manifest does not grant MemexFS (build with --memex /)")
		default:
			fmt.Fprintln(stderr, "invoice-report:", err)
		}
		return 1
	}
	var invs []report.Invoice
	for _, r := range res {
		inv, ok := report.FromFacts(r.Path, r.Facts)
		if !ok {
			continue
		}
		invs = append(invs, inv)
	}
	rep := report.Build(invs)
	fmt.Fprintf(stdout, "Invoices for %q: %d\n\n", q, len(invs))
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintln(stderr, "invoice-report:", err)
		return 1
	}
	fmt.Fprintln(stdout, "\nCSV:")
	w := csv.NewWriter(stdout)
	if err := rep.WriteCSV(w); err != nil {
		fmt.Fprintln(stderr, "invoice-report:", err)
		return 1
	}
	_ = nexus.Log(nexus.LevelInfo, fmt.Sprintf("reported %d invoices in %d groups", len(invs), len(rep.Rows)))
	return 0
}
