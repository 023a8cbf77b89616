package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"nexusos/node"
	"nexusos/vectordb/qdrantapi/rest"
)

func init() { registerCommand(newServeCmd) }

func newServeCmd(g *globalFlags) *cobra.Command {
	var cfg node.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the node: Qdrant-compatible REST and gRPC APIs and the node API",
		Long: `serve runs a NexusOS node in the foreground until SIGINT or SIGTERM.

It opens the embedded vector engine in <home>/vectordb and serves:
  - Qdrant's REST API on --qdrant-http (default 127.0.0.1:6333),
    so any Qdrant client or curl works against it;
  - Qdrant's gRPC API on --qdrant-grpc (default 127.0.0.1:6334);
  - the node API on --addr (default 127.0.0.1:7777): status, MemexFS
    (query, files, add, graph, ...), apps and microVMs, and Cortex's
    OpenAI-compatible endpoints — see docs/api.md.
While it runs it owns <home>: use the node API (or "nexus run --on-node")
rather than a second nexus process on the same home.
"nexus up" is serve plus the demo data, the web console and sealed apps.
Pass an empty address to disable a listener. With --api-key, both Qdrant
APIs require the key in the "api-key" header (or "Authorization: Bearer KEY").
Snapshots are recovered from file:// locations only under the home
directory (put files to import in <home>/import, for example).

Examples:
  nexus serve --demo                      # serve and run the demo against itself
  nexus serve --home /tmp/n --qdrant-http 127.0.0.1:16333
  curl -s localhost:6333/collections

Environment:
  NEXUS_HOME      state directory (default ~/.local/share/nexus)
  NEXUS_API_KEY   API key when --api-key is not given (keeps it out of ps)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := g.Home()
			if err != nil {
				return err
			}
			cfg.Home = home
			cfg.Memex, cfg.Apps = true, true // the node API serves MemexFS and microVMs
			cfg.DemoOut = cmd.OutOrStdout()
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			slog.SetDefault(cfg.Logger)
			if cfg.APIKey == "" {
				cfg.APIKey = os.Getenv("NEXUS_API_KEY")
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return node.Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.QdrantHTTP, "qdrant-http", "127.0.0.1:6333", "listen address of Qdrant's REST API")
	f.StringVar(&cfg.QdrantGRPC, "qdrant-grpc", "127.0.0.1:6334", "listen address of Qdrant's gRPC API")
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:7777", "listen address of the node API")
	f.StringVar(&cfg.APIKey, "api-key", "", "require this key in the api-key header of Qdrant API requests")
	f.Int64Var(&cfg.MaxRequestBytes, "max-request-bytes", rest.DefaultMaxRequestBytes, "largest REST request body accepted (larger ones get 413)")
	f.BoolVar(&cfg.SnapshotURLs, "snapshot-urls", false, "let snapshot recovery download http(s) locations, as Qdrant does (the server then fetches any URL a client names)")
	f.BoolVar(&cfg.Demo, "demo", false, "once listening, run the demo (see nexus demo --help) against this server and print its output")
	f.StringVar(&cfg.MemexEmbedder, "embedder", os.Getenv("NEXUS_MEMEX_EMBEDDER"), "MemexFS's embedder, as for nexus memex --embedder (env NEXUS_MEMEX_EMBEDDER)")
	return cmd
}
