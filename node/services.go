package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"nexusos/access"
	"nexusos/demo"
	"nexusos/node/api"
	"nexusos/node/home"
	"nexusos/node/runtime"
)

// ErrKeyRequired is returned by Run when a listener binds a non-loopback
// address and Config.APIKey is empty.
var ErrKeyRequired = errors.New("node: listening beyond loopback requires an API key (--api-key)")

// checkBind refuses non-loopback listeners without an API key.
func checkBind(cfg Config) error {
	if cfg.APIKey != "" {
		return nil
	}
	for _, a := range []string{cfg.Addr, cfg.QdrantHTTP, cfg.QdrantGRPC} {
		if a != "" && !isLoopback(a) {
			return fmt.Errorf("%w: %s is not a loopback address", ErrKeyRequired, a)
		}
	}
	return nil
}

// isLoopback reports whether a listen address binds only loopback
// interfaces: its host is loopback by access.Loopback, or is another name
// every address of which is (a listener binds what the name resolves
// to). An empty host (":7777") binds every interface. A name that does
// not resolve passes: listening on it fails anyway, with a better error.
func isLoopback(addr string) bool {
	if access.Loopback(addr) {
		return true
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || net.ParseIP(host) != nil {
		return false
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		return true
	}
	for _, ip := range ips {
		if !access.Loopback(ip.String()) {
			return false
		}
	}
	return true
}

// Version is the node's version: the VCS revision it was built from, or
// "devel".
func Version() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = s.Value[:12]
			}
		}
	}
	return v
}

// services are what a node runs besides the Qdrant APIs and the runtime
// (MemexFS, the microVM runtime): the node API over them, the start-up
// ingest and the sealing of the apps.
type services struct {
	api    *api.Server
	rt     *runtime.Runtime
	sealer sealer
	log    *slog.Logger
	notify func(string)
	// bg counts background goroutines (sealing) to wait for at close.
	bgDone chan struct{}
}

// startServices builds the node API over rt, which Run opened as cfg
// asks.
func startServices(ctx context.Context, rt *runtime.Runtime, cfg Config, log *slog.Logger, addrs *atomic.Pointer[Addrs]) (*services, error) {
	s := &services{rt: rt, log: log, notify: cfg.Notify}
	if s.notify == nil {
		s.notify = func(string) {}
	}
	status := map[string]func() any{}
	if cfg.Apps {
		status["apps_sealing"] = func() any { return s.sealer.state() }
	}
	version := cfg.Version
	if version == "" {
		version = Version()
	}
	s.api = api.New(api.Config{
		Version: version, Runtime: rt, APIKey: cfg.APIKey, MaxRequestBytes: cfg.MaxRequestBytes,
		Console: cfg.Console, Status: status, Logger: log, Listen: func() any { return addrs.Load() },
		Done: ctx.Done(),
	})
	return s, nil
}

// dataDirs returns the folders MemexFS indexes: cfg.Data, or the demo
// folder extracted under Home/demo; none without cfg.Memex.
func dataDirs(cfg Config) ([]string, error) {
	if !cfg.Memex {
		return nil, nil
	}
	var out []string
	for _, d := range cfg.Data {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("data folder %s: %w", d, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("data folder %s is not a folder", d)
		}
		out = append(out, abs)
	}
	if len(out) == 0 && cfg.DemoData {
		dir := home.At(cfg.Home).Demo()
		if err := demo.Extract(dir); err != nil {
			return nil, err
		}
		out = []string{dir}
	}
	return out, nil
}

// begin starts the background work once the node listens: indexing the
// data folders and sealing the apps.
func (s *services) begin(ctx context.Context, cfg Config) {
	var data []string
	if m := s.rt.Memex(); m != nil {
		// The data folders, and the folders an added embedding model has
		// not embedded yet (re-embedded in the same ingest, with its
		// progress in /v1/status).
		data = append(data, s.rt.Data()...)
		for _, r := range m.StaleRoots() {
			if !slices.Contains(data, r) {
				data = append(data, r)
			}
		}
	}
	if len(data) > 0 {
		if _, err := s.rt.Ingest().Start(data); err != nil {
			s.log.Error("ingest", "err", err)
		} else {
			go func() {
				st, err := s.rt.Ingest().Wait(ctx)
				if err != nil {
					return
				}
				if st.Error != "" {
					s.notify("MemexFS: indexing stopped: " + st.Error)
					return
				}
				if sum := st.Summary; sum != nil {
					s.notify(fmt.Sprintf("MemexFS: %d files indexed, %d unchanged, %d skipped in %s",
						sum.Indexed, sum.Unchanged, len(sum.Skipped), st.EndedAt.Sub(st.StartedAt).Round(time.Millisecond)))
				}
			}()
		}
	}
	if s.rt.Images() != nil && len(cfg.AppSources) > 0 {
		s.bgDone = make(chan struct{})
		go func() {
			defer close(s.bgDone)
			s.sealer.seal(ctx, s.rt.Images(), cfg.AppSources, cfg.AppSourceRoot, s.log, s.notify)
		}()
	}
}

// close stops the ingest (what was reported indexed is kept) and waits
// for the sealing. The caller closes the runtime afterwards (models,
// microVMs, MemexFS, the engine).
func (s *services) close(ctx context.Context) error {
	var errs []error
	if err := s.rt.Ingest().Stop(ctx); err != nil {
		errs = append(errs, fmt.Errorf("stop ingest: %w", err))
	}
	if s.bgDone != nil {
		select {
		case <-s.bgDone:
		case <-ctx.Done():
		}
	}
	return errors.Join(errs...)
}

// handler is the node API.
func (s *services) handler() http.Handler { return s.api }
