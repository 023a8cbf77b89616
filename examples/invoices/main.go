// Command invoices asks MemexFS for unpaid invoices and prints them as a
// table with a total per currency. Its manifest must grant MemexFS access
// (nexus build --memex invoices).
//
// Usage: invoices [QUERY]   (default "unpaid invoices")
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"nexusos/sdk/go/nexus"
)

func main() {
	query := "unpaid invoices"
	if len(os.Args) > 1 {
		query = strings.Join(os.Args[1:], " ")
	}
	res, err := nexus.MemexQuery(query, nexus.Limit(100))
	if err != nil {
		if errors.Is(err, nexus.ErrNotAvailable) {
			fmt.Fprintln(os.Stderr, "invoices: MemexFS is not available on this host")
		} else {
			fmt.Fprintln(os.Stderr, "invoices:", err)
		}
		os.Exit(1)
	}
	totals := map[string]float64{}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "INVOICE\tPARTY\tDUE\tAMOUNT\t")
	n := 0
	for _, r := range res {
		f := r.Facts
		if f["kind"] != "invoice" || f["status"] != "unpaid" {
			continue
		}
		amount, err := strconv.ParseFloat(f["amount"], 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "invoices: %s: bad amount %q\n", r.Path, f["amount"])
			continue
		}
		cur := f["currency"]
		totals[cur] += amount
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f %s\t\n", r.Path, f["party"], f["due"], amount, cur)
		n++
	}
	curs := make([]string, 0, len(totals))
	for c := range totals {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	for _, c := range curs {
		fmt.Fprintf(tw, "TOTAL\t\t\t%.2f %s\t\n", totals[c], c)
	}
	tw.Flush()
	fmt.Printf("%d unpaid invoices\n", n)
	_ = nexus.Log(nexus.LevelInfo, fmt.Sprintf("listed %d unpaid invoices", n))
}
