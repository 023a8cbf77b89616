// Command memex-go is the tier-2 example of an app that queries MemexFS:
// it logs a line, searches with its arguments as the query text, then
// fetches the best hit. It uses the app SDK (sdk/go/nexus), whose
// linux/amd64 transport is the tier-2 reserved system calls; the same
// source built for wasip1 would use the tier-1 imports.
//
//	nexus build --tier kvm --memex / ./examples-kvm/memex-go
//	nexus run memex-go unpaid invoices
package main

import (
	"fmt"
	"os"
	"strings"

	"nexusos/sdk/go/nexus"
)

func main() {
	if nexus.ABIVersion() == 0 {
		fmt.Fprintln(os.Stderr, "not inside a tier-2 NexusOS microVM")
		os.Exit(2)
	}
	text := strings.Join(os.Args[1:], " ")
	if err := nexus.Log(nexus.LevelInfo, "memex-go: querying "+text); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	res, err := nexus.MemexQuery(text, nexus.Limit(3))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, r := range res {
		fmt.Printf("%.2f %s %s\n", r.Score, r.Path, r.Facts["kind"])
	}
	if len(res) == 0 {
		return
	}
	doc, err := nexus.MemexGet(res[0].ID)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("best hit %s: %d bytes of text, starts %q\n", doc.Path, len(doc.Text), doc.Text[:min(len(doc.Text), 20)])
}
