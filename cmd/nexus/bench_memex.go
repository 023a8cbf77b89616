package main

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"nexusos/memex"
)

func init() { registerBenchCommand(newBenchMemexCmd) }

func newBenchMemexCmd(g *globalFlags) *cobra.Command {
	var o memex.BenchOptions
	c := &cobra.Command{
		Use:   "memex",
		Short: "MemexFS ingest throughput and query latency on a generated corpus",
		Long: `Generates a corpus of mixed documents (invoices in five layouts and six formats,
distractors, notes, filler), ingests it from disk and prints files/s and MiB/s,
per-format extraction speed, then grows the store to --chunks chunks and prints
query latency p50/p99 for set questions and for semantic questions.
Scratch data goes under --home/bench-memex and is removed afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := g.Home()
			if err != nil {
				return err
			}
			o.Dir = filepath.Join(home, "bench-memex")
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			return memex.Bench(ctx, o, cmd.OutOrStdout())
		},
	}
	c.Flags().IntVar(&o.Files, "files", 10000, "files to generate and ingest")
	c.Flags().IntVar(&o.Chunks, "chunks", 100000, "chunks in the store for the latency run")
	c.Flags().IntVar(&o.Queries, "queries", 200, "timed queries of each kind")
	return c
}
