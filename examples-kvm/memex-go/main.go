//go:build linux

// Command memex-go is the tier-2 example of an app that queries MemexFS:
// it logs a line, searches with its arguments as the query text, then
// fetches the best hit. Its transport (transport.go) is the tier-2 system
// call one; the same messages go over wasm imports on tier 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"nexusos/microvm/abi"
)

func call(op abi.Op, req, out any) error {
	var b []byte
	switch r := req.(type) {
	case []byte:
		b = r
	default:
		var err error
		if b, err = json.Marshal(req); err != nil {
			return err
		}
	}
	resp, errno := transport(op, b)
	if errno != abi.OK {
		return fmt.Errorf("%s: %s: %s", op, errno, resp)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(resp, out)
}

func main() {
	if v := abiVersion(); v == 0 {
		fmt.Fprintln(os.Stderr, "not inside a tier-2 NexusOS microVM")
		os.Exit(2)
	}
	text := strings.Join(os.Args[1:], " ")
	if err := call(abi.OpLog, append([]byte{abi.LogInfo}, "memex-go: querying "+text...), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var res abi.QueryResponse
	if err := call(abi.OpMemexQuery, abi.QueryRequest{Text: text, Limit: 3}, &res); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, r := range res.Results {
		fmt.Printf("%.2f %s %s\n", r.Score, r.Path, r.Facts["kind"])
	}
	if len(res.Results) == 0 {
		return
	}
	var doc abi.Doc
	if err := call(abi.OpMemexGet, abi.GetRequest{ID: res.Results[0].ID}, &doc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("best hit %s: %d bytes of text, starts %q\n", doc.Path, len(doc.Text), doc.Text[:min(len(doc.Text), 20)])
}
