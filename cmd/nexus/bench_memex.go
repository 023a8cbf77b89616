package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"nexusos/memex"
	"nexusos/memex/factcheck"
	"nexusos/memex/ocr"
)

func init() { registerBenchCommand(newBenchMemexCmd) }

func newBenchMemexCmd(g *globalFlags) *cobra.Command {
	var o memex.BenchOptions
	var realDir string
	var misses, corrected bool
	var queryProfile string
	c := &cobra.Command{
		Use:   "memex",
		Short: "MemexFS ingest throughput and query latency on a generated corpus",
		Long: `Generates a corpus of mixed documents (invoices in five layouts and six formats,
distractors, notes, filler), ingests it from disk and prints files/s and MiB/s,
per-format extraction speed, then grows the store to --chunks chunks and prints
query latency p50/p99 for set questions and for semantic questions.
Scratch data goes under --home/bench-memex and is removed afterwards.

With --real (or --real=DIR; default memex/testdata/real in the source tree) it instead
reads a labelled corpus of real documents (docs/ and labels/*.json) the way
"nexus memex add" does, OCR included, and prints per-field accuracy for the
tune and held-out halves and per language, then every wrong field
(--misses) and the OCR speed; then it indexes the corpus and asks it set
questions made from the labels ("invoices from <issuer>", "unpaid invoices",
"invoice <number>", ...) and prints mean F1 per question class and half
(--misses lists the tune half's wrong answers); --corrected asks them again
with every label's facts entered by "nexus memex correct", so that the
answers measure question understanding without extraction errors. OCR
results are cached
under --home/ocr-cache.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := g.Dir()
			if err != nil {
				return err
			}
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			if realDir != "" {
				eng := &ocr.Engine{CacheDir: h.BenchOCRCache()}
				if err := eng.Available(); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: %v; scanned documents will count as misses\n", err)
				}
				w := cmd.OutOrStdout()
				start := time.Now()
				rep, err := factcheck.Run(ctx, factcheck.Options{Dir: realDir, OCR: eng, Log: func(s string) { fmt.Fprintf(cmd.ErrOrStderr(), "\r%-60s", s) }})
				fmt.Fprintln(cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				rep.Print(w, misses)
				pages, ocrTime := rep.OCRStats()
				fmt.Fprintf(w, "\n%d documents in %.1f s; OCR %d pages in %.1f s (%.2f pages/s; cached pages count as 0 s)\n",
					len(rep.Results), time.Since(start).Seconds(), pages, ocrTime.Seconds(), float64(pages)/max(ocrTime.Seconds(), 1e-9))
				fmt.Fprintln(cmd.ErrOrStderr(), "indexing the corpus to ask it questions ...")
				qr, err := factcheck.AskReal(ctx, factcheck.AskOptions{Dir: realDir, Scratch: filepath.Join(h.BenchMemex(), "real-questions"), OCRCache: h.BenchOCRCache()})
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "\nset questions made from the labels (gold from the labels; %d files indexed in %.1f s):\n", qr.Indexed, qr.Took.Seconds())
				qr.Print(w, misses)
				if !corrected {
					return nil
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "indexing the corpus again, every label entered with memex correct ...")
				qr, err = factcheck.AskReal(ctx, factcheck.AskOptions{Dir: realDir, Scratch: filepath.Join(h.BenchMemex(), "real-questions"), OCRCache: h.BenchOCRCache(), Corrected: true})
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "\nthe same questions with every label's facts entered by `memex correct` (question understanding alone; %d files; %d label values refused):\n", qr.Indexed, len(qr.Refused))
				for _, r := range qr.Refused {
					fmt.Fprintf(w, "  refused: %s\n", r)
				}
				qr.Print(w, misses)
				return nil
			}
			o.Dir = h.BenchMemex()
			if queryProfile != "" {
				f, err := os.Create(queryProfile)
				if err != nil {
					return fmt.Errorf("query cpu profile: %w", err)
				}
				defer f.Close()
				o.QueryProfile = f
			}
			return memex.Bench(ctx, o, cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&realDir, "real", "", "score fact extraction on a labelled corpus of real documents in this folder")
	c.Flags().Lookup("real").NoOptDefVal = "memex/testdata/real"
	c.Flags().BoolVar(&misses, "misses", false, "with --real: list every wrong field")
	c.Flags().BoolVar(&corrected, "corrected", false, "with --real: ask the questions again with every label's facts entered by `memex correct`, which measures question understanding alone")
	c.Flags().StringVar(&queryProfile, "query-cpuprofile", "", "write a CPU profile of the timed queries only to this file (go tool pprof)")
	c.Flags().IntVar(&o.Files, "files", 10000, "files to generate and ingest")
	c.Flags().IntVar(&o.Chunks, "chunks", 100000, "chunks in the store for the latency run")
	c.Flags().IntVar(&o.Queries, "queries", 200, "timed queries of each kind")
	return c
}
