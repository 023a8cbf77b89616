// Command sdkapp exercises nexusos/sdk/go/nexus on tier 2: it logs, queries
// MemexFS from several goroutines at once, and fetches the best hit, whose
// text is larger than the SDK's response buffer (so the take call runs).
// The same source builds for tier 1.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"nexusos/sdk/go/nexus"
)

func main() {
	fmt.Println("abi version", nexus.ABIVersion())
	text := strings.Join(os.Args[1:], " ")
	if err := nexus.Log(nexus.LevelInfo, "sdkapp: querying "+text); err != nil {
		fmt.Fprintln(os.Stderr, "log:", err)
		os.Exit(1)
	}
	const workers = 4
	var wg sync.WaitGroup
	results := make([][]nexus.Result, workers)
	errs := make([]error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = nexus.MemexQuery(text, nexus.Limit(3))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			fmt.Fprintln(os.Stderr, "query:", err)
			if errors.Is(err, nexus.ErrDenied) {
				os.Exit(3)
			}
			os.Exit(1)
		}
		if len(results[i]) != len(results[0]) {
			fmt.Fprintln(os.Stderr, "queries disagree")
			os.Exit(1)
		}
	}
	for _, r := range results[0] {
		fmt.Printf("%.2f %s %s\n", r.Score, r.Path, r.Facts["kind"])
	}
	if len(results[0]) == 0 {
		return
	}
	doc, err := nexus.MemexGet(results[0][0].ID)
	if err != nil {
		fmt.Fprintln(os.Stderr, "get:", err)
		os.Exit(1)
	}
	fmt.Printf("best hit %s: %d bytes, starts %q\n", doc.Path, len(doc.Text), doc.Text[:min(len(doc.Text), 16)])
	if _, err := nexus.MemexGet("outside"); !errors.Is(err, nexus.ErrNotFound) {
		fmt.Fprintln(os.Stderr, "get outside the grant:", err)
		os.Exit(1)
	}
	fmt.Println("outside the grant: not found")
}
