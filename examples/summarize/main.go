// Command summarize finds the MemexFS document that best matches its
// arguments and asks Cortex to summarise it. When the host has no model
// (or no MemexFS) it says so and exits 0: skipping is not a failure.
//
// Usage: summarize QUERY...
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"nexusos/sdk/go/nexus"
)

func main() {
	query := "latest report"
	if len(os.Args) > 1 {
		query = strings.Join(os.Args[1:], " ")
	}
	res, err := nexus.MemexQuery(query, nexus.Limit(1))
	if err != nil {
		skipOrFail("query MemexFS", err)
	}
	if len(res) == 0 {
		fmt.Println("summarize: nothing matches", query)
		return
	}
	doc, err := nexus.MemexGet(res[0].ID)
	if err != nil {
		skipOrFail("read "+res[0].Path, err)
	}
	text := doc.Text
	if len(text) > 8000 {
		text = text[:8000]
	}
	summary, err := nexus.Generate("Summarize this document in three sentences.\n\n"+text, nexus.MaxTokens(160))
	if err != nil {
		skipOrFail("summarize", err)
	}
	fmt.Printf("%s\n\n%s\n", doc.Path, strings.TrimSpace(summary))
}

func skipOrFail(step string, err error) {
	if errors.Is(err, nexus.ErrNotAvailable) {
		fmt.Printf("summarize: skipped: %s: %v\n", step, err)
		os.Exit(0)
	}
	fmt.Fprintf(os.Stderr, "summarize: %s: %v\n", step, err)
	os.Exit(1)
}
