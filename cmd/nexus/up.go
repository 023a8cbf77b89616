package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"nexusos/node"
	"nexusos/node/client"
	"nexusos/node/console"
	"nexusos/vectordb/qdrantapi/rest"
)

func init() {
	registerCommand(newUpCmd)
	registerCommand(newStatusCmd)
}

func newStatusCmd(*globalFlags) *cobra.Command {
	var nodeAt string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Show a running node's status: memory, collections, ingest progress, Cortex, microVMs",
		Long: `status asks a running node (nexus up or nexus serve) for GET /v1/status and
prints it: version and uptime, memory (Go heap and RSS), collections and
their point counts, MemexFS ingest progress, the Cortex model state (and how
to add a model when there is none), and the running microVMs.

Environment:
  NEXUS_NODE      node API address (default http://127.0.0.1:7777)
  NEXUS_API_KEY   the node's --api-key, when it has one`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := client.New(nodeAt, os.Getenv("NEXUS_API_KEY")).Status(cmd.Context())
			if err != nil {
				return fmt.Errorf("status (is a node running? start one with nexus up): %w", err)
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), st)
			}
			node.PrintStatus(cmd.OutOrStdout(), st)
			return nil
		},
	}
	cmd.Flags().StringVar(&nodeAt, "node", defaultNode(), "node API address (env NEXUS_NODE)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

func newUpCmd(g *globalFlags) *cobra.Command {
	var (
		data               []string
		addr, qhttp, qgrpc string
		apiKey, appsFrom   string
		noApps, verbose    bool
		embedder           string
		maxRequestBytes    int64
	)
	cmd := &cobra.Command{
		Use:   "up [--data DIR]...",
		Short: "Start the whole NexusOS node: vector engine, MemexFS, Cortex, microVMs and the console",
		Long: `up starts a complete NexusOS node in the foreground, on embedded defaults,
with all state under --home, and prints what runs where:

  - the Qdrant-compatible vector engine: REST on --qdrant-http (127.0.0.1:6333),
    gRPC on --qdrant-grpc (127.0.0.1:6334);
  - MemexFS, indexing --data folders in the background (progress in
    GET /v1/status). Without --data it indexes a demo folder shipped in the
    binary (invoices in many formats, receipts, quotes, a student notes
    vault), extracted to <home>/demo;
  - Cortex: the models added with 'nexus cortex add'; with none, it says how
    to get the official BitNet b1.58 GGUF and what works without it;
  - the microVM runtime (tier 1, WebAssembly). Run from a NexusOS source tree
    (or with --apps-from DIR), it seals the example apps and the invoice
    report app in the background; unchanged apps are not rebuilt;
  - the node API and the web console on --addr (http://127.0.0.1:7777/).

Everything listens on loopback. Binding another address (e.g. --addr
0.0.0.0:7777) requires --api-key; every request then needs the key as
"api-key: KEY", "Authorization: Bearer KEY" or ?api_key=KEY.
Ctrl-C (SIGINT) or SIGTERM stops everything cleanly: the running ingest
stops after its last durable batch, microVMs are stopped, the engine is
flushed and closed. Nothing reported as indexed is lost.

Examples:
  nexus up                                  # demo data, console on :7777
  nexus up --data ~/Documents --data ~/Notes
  curl -s 'http://127.0.0.1:7777/v1/memex/query?q=unpaid+invoices'
  nexus memex query --app invoice-report unpaid invoices last quarter

Environment:
  NEXUS_HOME             state directory (default ~/.local/share/nexus)
  NEXUS_GO               the go command used to seal Go apps (default: go in PATH)
  NEXUS_MEMEX_EMBEDDER   default for --embedder`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := g.Home()
			if err != nil {
				return err
			}
			root := appsFrom
			if root == "" {
				if wd, err := os.Getwd(); err == nil {
					root = node.FindSourceRoot(wd)
				}
			}
			if noApps {
				root = ""
			}
			cfg := node.UpConfig(home, data, root)
			cfg.Addr, cfg.QdrantHTTP, cfg.QdrantGRPC = addr, qhttp, qgrpc
			cfg.APIKey, cfg.MaxRequestBytes = apiKey, maxRequestBytes
			cfg.Console = console.Handler()
			cfg.MemexEmbedder = embedder
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelInfo
			}
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			out := cmd.OutOrStdout()
			cfg.Ready = func(a node.Addrs) { node.PrintBanner(out, cfg, a) }
			cfg.Notify = func(msg string) { fmt.Fprintln(out, "•", msg) }
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := node.Run(ctx, cfg); err != nil {
				return fmt.Errorf("nexus up: %w", err)
			}
			fmt.Fprintln(out, "NexusOS node stopped cleanly.")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&data, "data", nil, "index this folder instead of the demo (repeatable); POST /v1/memex/add may add files inside these")
	f.StringVar(&addr, "addr", node.DefaultAddr, "listen address of the node API and the web console")
	f.StringVar(&qhttp, "qdrant-http", node.DefaultQdrantHTTP, `listen address of Qdrant's REST API ("" disables)`)
	f.StringVar(&qgrpc, "qdrant-grpc", node.DefaultQdrantGRPC, `listen address of Qdrant's gRPC API ("" disables)`)
	f.StringVar(&apiKey, "api-key", "", "require this key on every API and console request (mandatory off loopback)")
	f.Int64Var(&maxRequestBytes, "max-request-bytes", rest.DefaultMaxRequestBytes, "largest request body accepted (larger ones get 413)")
	f.StringVar(&appsFrom, "apps-from", "", "NexusOS source tree whose examples/ and apps/ to seal (default: found from the current directory)")
	f.BoolVar(&noApps, "no-seal", false, "do not seal the example apps at start-up")
	f.BoolVarP(&verbose, "verbose", "v", false, "log every step (default: warnings and errors only)")
	f.StringVar(&embedder, "embedder", os.Getenv("NEXUS_MEMEX_EMBEDDER"), "MemexFS's embedder, as for nexus memex --embedder (glove-sif, use-lite[:DIR], a model; default: the first embedding model added, else glove-sif)")
	return cmd
}
