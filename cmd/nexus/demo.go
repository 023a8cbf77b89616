package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"nexusos/node"
)

func init() { registerCommand(newDemoCmd) }

func newDemoCmd(g *globalFlags) *cobra.Command {
	var url, apiKey string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Show the vector engine at work against a running `nexus serve`",
		Long: `demo talks to a running node over Qdrant's REST API. It recreates the
collection "` + node.DemoCollection + `" (a 4-d dense vector and an idf-weighted sparse
vector), indexes payload fields, upserts a few documents with payloads,
then runs a filtered query (kind = invoice, date >= 2026-02-01) and a
hybrid query (dense + sparse prefetches fused by RRF) and prints what it
did and the results.

Start a server first (nexus serve), or run both at once: nexus serve --demo.

Examples:
  nexus demo
  nexus demo --url http://127.0.0.1:16333 --api-key secret

Environment:
  NEXUS_API_KEY   API key when --api-key is not given`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if apiKey == "" {
				apiKey = os.Getenv("NEXUS_API_KEY")
			}
			return node.RunDemo(ctx, url, apiKey, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://127.0.0.1:6333", "base URL of the Qdrant REST API")
	cmd.Flags().StringVar(&apiKey, "api-key", "", "API key sent in the api-key header")
	return cmd
}
