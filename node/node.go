// Package node runs a NexusOS node (`nexus serve`): it opens the vector
// engine under the state directory and serves Qdrant's REST API, Qdrant's
// gRPC API and the node's own HTTP API, until its context is cancelled.
//
// Run is meant to be called once per process; the Config value is not
// retained. The node's HTTP handlers are safe for concurrent use.
package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"nexusos/node/home"
	"nexusos/node/runtime"
	"nexusos/vectordb/qdrantapi/rest"
)

// Config configures a node.
type Config struct {
	Home            string // state directory (laid out as package node/home says)
	QdrantHTTP      string // Qdrant REST listen address ("" disables)
	QdrantGRPC      string // Qdrant gRPC listen address ("" disables)
	Addr            string // node API listen address ("" disables)
	APIKey          string // required by the Qdrant APIs when non-empty
	MaxRequestBytes int64  // REST request body limit (0: rest.DefaultMaxRequestBytes)
	SnapshotURLs    bool   // let REST snapshot recovery download http(s) locations
	Demo            bool   // run the demo against the REST API once it listens
	DemoOut         io.Writer
	Logger          *slog.Logger
	// Ready, when non-nil, receives the bound addresses once every
	// listener is up (useful with ":0" ports).
	Ready func(Addrs)

	// The rest is what `nexus up` adds (see services.go and up.go).

	// Memex runs MemexFS inside the node over its engine and serves it
	// on Addr; it indexes Data (or, with DemoData and no Data, the demo
	// folder extracted under Home/demo) in the background.
	Memex    bool
	Data     []string
	DemoData bool
	// MemexEmbedder picks MemexFS's embedder (runtime.Want.MemexEmbedder:
	// "" the default, "glove-sif", "use-lite", a model).
	MemexEmbedder string
	// Apps runs the microVM runtime (/v1/apps, /v1/vms) and seals
	// AppSources (found under AppSourceRoot) in the background.
	Apps          bool
	AppSources    []AppSource
	AppSourceRoot string
	// Console serves the web console at "/" on Addr (nil: a placeholder).
	Console http.Handler
	// Version is reported by /v1/status (default: the VCS revision).
	Version string
	// Notify, when non-nil, receives one-line messages for a person
	// (indexing finished, an app sealed).
	Notify func(string)
}

// Addrs are the addresses a node actually listens on.
type Addrs struct {
	QdrantHTTP string `json:"qdrant_http,omitempty"`
	QdrantGRPC string `json:"qdrant_grpc,omitempty"`
	Node       string `json:"node,omitempty"`
}

// Run opens the engine and serves until ctx is cancelled, then shuts the
// servers down gracefully and closes the engine.
func Run(ctx context.Context, cfg Config) (err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := checkBind(cfg); err != nil {
		return err
	}
	data, err := dataDirs(cfg)
	if err != nil {
		return err
	}
	rt, err := runtime.Open(ctx, home.At(cfg.Home), runtime.Want{VectorDB: true, Memex: cfg.Memex, MemexEmbedder: cfg.MemexEmbedder, MemexIndexing: true, Apps: cfg.Apps, Cortex: true, Data: data, Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if cerr := rt.Close(cctx); cerr != nil && err == nil {
			err = cerr
		}
	}()
	db := rt.DB()

	var addrs Addrs
	var published atomic.Pointer[Addrs]
	var servers []*http.Server
	errc := make(chan error, 3)
	listen := func(name, addr string, h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return "", fmt.Errorf("listen for %s on %s: %w", name, addr, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("%s server: %w", name, err)
			}
		}()
		bound := ln.Addr().String()
		log.Info("listening", "api", name, "addr", bound)
		return bound, nil
	}
	shutdown := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for _, s := range servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = s.Shutdown(sctx)
			}()
		}
		wg.Wait()
	}

	if cfg.QdrantHTTP != "" {
		h := rest.NewHandler(db, rest.Config{
			APIKey:          cfg.APIKey,
			MaxRequestBytes: cfg.MaxRequestBytes,
			RecoverRoots:    []string{cfg.Home},
			HTTPRecovery:    cfg.SnapshotURLs,
			CORS:            true,
			Logger:          log,
		})
		if addrs.QdrantHTTP, err = listen("qdrant-rest", cfg.QdrantHTTP, h); err != nil {
			shutdown()
			return err
		}
	}
	if cfg.QdrantGRPC != "" {
		stop, bound, err := serveGRPC(db, cfg, log, errc)
		if err != nil {
			shutdown()
			return err
		}
		if stop != nil {
			defer stop()
			addrs.QdrantGRPC = bound
		}
	}
	svc, err := startServices(ctx, rt, cfg, log, &published)
	if err != nil {
		shutdown()
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if cerr := svc.close(cctx); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if cfg.Addr != "" {
		if addrs.Node, err = listen("node", cfg.Addr, svc.handler()); err != nil {
			shutdown()
			return err
		}
	}
	published.Store(&addrs)
	if cfg.Ready != nil {
		cfg.Ready(addrs)
	}
	svc.begin(ctx, cfg)
	if cfg.Demo {
		if addrs.QdrantHTTP == "" {
			log.Warn("demo skipped: the Qdrant REST API is disabled")
		} else {
			go func() {
				out := cfg.DemoOut
				if out == nil {
					out = io.Discard
				}
				if err := RunDemo(ctx, "http://"+addrs.QdrantHTTP, cfg.APIKey, out); err != nil && ctx.Err() == nil {
					log.Error("demo failed", "err", err)
				}
			}()
		}
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
		log.Error("server failed, shutting down", "err", err)
	}
	shutdown()
	return err
}
