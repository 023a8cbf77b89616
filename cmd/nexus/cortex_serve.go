package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"nexusos/access"
	"nexusos/cortex"
	"nexusos/cortex/openai"
	"nexusos/node/home"
	"nexusos/node/runtime"
)

// The "cortex" group is built in cortex.go; serve joins it here, so that
// file need not change.
func init() {
	for i, f := range commandFactories {
		commandFactories[i] = func(g *globalFlags) *cobra.Command {
			c := f(g)
			if c.Name() == "cortex" {
				c.AddCommand(newCortexServeCmd(g))
			}
			return c
		}
	}
}

func newCortexServeCmd(g *globalFlags) *cobra.Command {
	var (
		models             []string
		addr, apiKey, act  string
		cfg                openai.Config
		drainTimeout       time.Duration
		maxRequestBytesArg int64
	)
	cmd := &cobra.Command{
		Use:   "serve [--model MODEL] [--model NAME=MODEL ...] [--addr HOST:PORT]",
		Short: "Serve models over the OpenAI API (/v1/models, /v1/completions, /v1/chat/completions, /v1/embeddings)",
		Long: `Serve one or more models over OpenAI's HTTP API, so that existing clients
(the official SDKs, LangChain, curl) work unchanged: GET /v1/models,
POST /v1/completions and POST /v1/chat/completions, with "stream": true
answered as server-sent events.

--model takes a file or a model added under --home (nexus cortex add),
served under its name; NAME=MODEL serves it under NAME. Without --model,
every model added under --home is served, including those added while the
server runs.

Generations run one at a time by default (--parallel): on a small machine
two at once are each slower than two in a row. A disconnected client stops
its generation. Each model keeps the KV cache of its last sequence, so a
request that starts like the previous one (a chat resending its history)
only processes what is new (usage.prompt_tokens_details.cached_tokens).

Off loopback an API key is required: clients send it as
"Authorization: Bearer KEY" (the OpenAI clients' apiKey).

Environment:
  NEXUS_API_KEY   API key when --api-key is not given (keeps it out of ps)`,
		Example: `  nexus cortex serve                      # every model added under --home
  nexus cortex serve --model bitnet-2b
  nexus cortex serve --model tiny=/tmp/tiny.gguf --addr 127.0.0.1:0
  # then, with any OpenAI client: base URL http://127.0.0.1:8080/v1, model "bitnet-2b"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			if apiKey == "" {
				apiKey = os.Getenv("NEXUS_API_KEY")
			}
			if err := checkServeAddr(addr, apiKey); err != nil {
				return err
			}
			cfg.APIKey, cfg.Logger, cfg.MaxRequestBytes = apiKey, log, maxRequestBytesArg
			var h *openai.Handler
			if len(models) == 0 {
				load, err := cortexLoadOptions(act)
				if err != nil {
					return err
				}
				cfg.Load = load
				dir, err := g.Dir()
				if err != nil {
					return err
				}
				rt, err := runtime.Open(cmd.Context(), dir, runtime.Want{Cortex: true, CortexConfig: cfg, Logger: log})
				if err != nil {
					return err
				}
				defer rt.Close(context.Background())
				if err := rt.CortexErr(); err != nil {
					return fmt.Errorf("error opening the models under %s: %w", g.home, err)
				}
				h = rt.OpenAI()
			} else {
				for _, arg := range models {
					name, model, named := strings.Cut(arg, "=")
					if !named {
						model = arg
						name = strings.TrimSuffix(filepath.Base(model), ".gguf")
					}
					if path, err := cortex.Resolve(home.At(g.home).Root(), model); err == nil {
						if emb, _ := cortex.IsEmbedding(path); emb {
							e, err := cortex.LoadEmbedder(path, cortex.EmbedOptions{})
							if err != nil {
								return fmt.Errorf("error loading embedding model %s: %w", arg, err)
							}
							defer e.Close()
							cfg.Models = append(cfg.Models, openai.Model{Name: name, Embedder: e})
							log.Info("embedding model loaded", "name", name, "file", path, "dim", e.Dim())
							continue
						}
					}
					m, err := loadCortexModel(g, model, act)
					if err != nil {
						return fmt.Errorf("error loading model %s: %w", arg, err)
					}
					defer m.Close()
					cfg.Models = append(cfg.Models, openai.Model{Name: name, Model: m})
					log.Info("model loaded", "name", name, "file", m.Path, "tokenizer", m.Tok != nil)
				}
				var err error
				if h, err = openai.New(cfg); err != nil {
					return err
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveOpenAI(ctx, log, addr, h, drainTimeout)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&models, "model", nil, "model file or added model name, optionally NAME=MODEL (repeatable; none: all added models)")
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address (port 0: any free port, logged)")
	f.StringVar(&apiKey, "api-key", "", "require this key as Authorization: Bearer KEY (mandatory off loopback)")
	f.IntVar(&cfg.MaxConcurrent, "parallel", 1, "generations running at once, across all models")
	f.IntVar(&cfg.MaxQueue, "queue", openai.DefaultMaxQueue, "requests waiting for a generation; more get 429")
	f.IntVar(&cfg.MaxTokens, "max-tokens", openai.DefaultMaxTokens, "largest max_tokens a request may ask for")
	f.IntVar(&cfg.Context, "ctx", 0, "context length of a generation in tokens (0: model's, at most 4096)")
	f.IntVar(&cfg.Threads, "threads", 0, "worker threads per generation (0: all cores)")
	f.BoolVar(&cfg.NoPrefixCache, "no-prefix-cache", false,
		"do not keep each model's last KV cache (saves its memory; a chat then reprocesses its history every turn)")
	f.Int64Var(&maxRequestBytesArg, "max-request-bytes", openai.DefaultMaxRequestBytes, "request body limit")
	f.DurationVar(&drainTimeout, "drain-timeout", 10*time.Second, "on shutdown, how long running requests may finish")
	f.StringVar(&act, "act", "", "override the FFN activation: silu or relu2")
	addQ8OutputFlag(cmd)
	addLoadFlags(cmd)
	return cmd
}

// checkServeAddr refuses to listen off loopback without an API key.
func checkServeAddr(addr, apiKey string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid --addr %q: %w", addr, err)
	}
	if apiKey != "" {
		return nil
	}
	if access.Loopback(host) {
		return nil
	}
	return fmt.Errorf("listening on %s (not loopback) requires --api-key or NEXUS_API_KEY", addr)
}

// serveOpenAI serves h on addr until ctx is done, then lets running
// requests finish for up to drain.
func serveOpenAI(ctx context.Context, log *slog.Logger, addr string, h http.Handler, drain time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "api", "openai", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("openai server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("openai server shutdown: %w", err)
	}
	srv.Close()
	return nil
}
