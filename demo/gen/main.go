// Command gen writes the demo folder that `nexus up` indexes when no --data
// is given: invoices and their distractors (receipts, quotes, purchase
// orders, credit notes, payment confirmations) in every format MemexFS
// reads, an Obsidian-style vault of student notes and unrelated documents,
// all from memex/corpus with a fixed seed. File names are random and carry
// no meaning. Run it through `go generate ./demo`.
//
// Usage: gen DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"nexusos/demo"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear %s: %w", dir, err)
	}
	c := demo.Corpus()
	if err := c.WriteTo(dir); err != nil {
		return fmt.Errorf("write demo corpus to %s: %w", dir, err)
	}
	var n int
	var size int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n++
				size += fi.Size()
			}
		}
		return nil
	})
	fmt.Printf("wrote %d files, %d bytes, to %s\n", n, size, dir)
	return nil
}
