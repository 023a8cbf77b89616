package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/wasm"
)

// AppSource is a Go app package the node seals into its image store at
// start-up, with the grants it needs.
type AppSource struct {
	Dir          string // Go package directory
	Name         string // image name (default: from Dir)
	Capabilities microvm.Capabilities
	Handles      *microvm.Handles // what the app declares it handles
}

// DefaultApps returns the apps `nexus up` seals from a NexusOS source tree
// at root: the examples (hello, invoices, summarize, hostile) and the
// invoice report, which declares it handles invoices. It returns nil when
// root holds no such tree.
func DefaultApps(root string) []AppSource {
	all := &microvm.MemexGrant{Folders: []string{"/"}}
	cands := []AppSource{
		{Dir: "apps/invoice-report", Capabilities: microvm.Capabilities{Memex: all},
			Handles: &microvm.Handles{Kinds: []string{"invoice"}, Query: "invoices"}},
		{Dir: "examples/hello"},
		{Dir: "examples/invoices", Capabilities: microvm.Capabilities{Memex: all},
			Handles: &microvm.Handles{Kinds: []string{"invoice"}, Query: "unpaid invoices"}},
		{Dir: "examples/summarize", Capabilities: microvm.Capabilities{Memex: all, Cortex: true}},
		{Dir: "examples/hostile"},
	}
	var out []AppSource
	for _, c := range cands {
		dir := filepath.Join(root, filepath.FromSlash(c.Dir))
		if _, err := os.Stat(filepath.Join(dir, "main.go")); err == nil {
			c.Dir = dir
			out = append(out, c)
		}
	}
	return out
}

// FindSourceRoot looks for a NexusOS source tree (a go.mod of module
// nexusos) at dir and its parents; it returns "" when there is none.
func FindSourceRoot(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && len(b) > 14 && string(b[:14]) == "module nexusos" {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// SealState is the progress of sealing apps at start-up.
type SealState struct {
	State  string       `json:"state"` // idle, sealing, done
	Apps   []SealResult `json:"apps"`
	Source string       `json:"source,omitempty"` // where the app sources were found
}

// SealResult is one app's sealing outcome.
type SealResult struct {
	Name    string  `json:"name"`
	Digest  string  `json:"digest,omitempty"`
	Status  string  `json:"status"` // sealed, up-to-date, failed, pending
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
}

// sealer seals apps in the background and reports its state; safe for
// concurrent use.
type sealer struct {
	mu sync.Mutex
	st SealState // guarded by mu
}

func (s *sealer) state() SealState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.Apps = append([]SealResult(nil), st.Apps...)
	if st.State == "" {
		st.State = "idle"
	}
	return st
}

// sourceVersion is a digest of an app's sources and the Go version, put in
// the image version so an unchanged app is not rebuilt.
func sourceVersion(dir string) (string, error) {
	h := sha256.New()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(f[len(dir):]), len(b))
		h.Write(b)
	}
	fmt.Fprintf(h, "%s\n", runtime.Version())
	return "src-" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// seal builds every app into store, one after the other (compiling Go to
// WebAssembly is CPU-heavy), skipping those whose sealed image already
// has the same source version.
func (s *sealer) seal(ctx context.Context, store *image.Store, apps []AppSource, source string, log *slog.Logger, notify func(string)) {
	// Compile ahead of time into the store's cache, so the first run of
	// each app loads native code instead of compiling.
	eng, err := wasm.New(ctx, wasm.NewConfig().WithCacheDir(store.CacheDir()))
	if err != nil {
		log.Warn("no ahead-of-time compilation", "err", err)
	} else {
		defer eng.Close(context.WithoutCancel(ctx))
	}
	s.mu.Lock()
	s.st = SealState{State: "sealing", Source: source}
	for _, a := range apps {
		name := a.Name
		if name == "" {
			name = image.DefaultName(a.Dir)
		}
		s.st.Apps = append(s.st.Apps, SealResult{Name: name, Status: "pending"})
	}
	s.mu.Unlock()
	for i, a := range apps {
		if ctx.Err() != nil {
			break
		}
		start := time.Now()
		res := sealOne(ctx, store, eng, a)
		res.Seconds = time.Since(start).Seconds()
		res.Name = s.st.Apps[i].Name
		s.mu.Lock()
		s.st.Apps[i] = res
		s.mu.Unlock()
		if res.Error != "" {
			log.Warn("sealing app failed", "app", res.Name, "err", res.Error)
			notify(fmt.Sprintf("app %s: not sealed: %s", res.Name, res.Error))
		} else {
			log.Info("app ready", "app", res.Name, "status", res.Status, "digest", res.Digest)
			notify(fmt.Sprintf("app %s: %s (%s)", res.Name, res.Status, res.Digest[:min(len(res.Digest), 19)]))
		}
	}
	s.mu.Lock()
	s.st.State = "done"
	s.mu.Unlock()
}

func sealOne(ctx context.Context, store *image.Store, eng *wasm.Engine, a AppSource) SealResult {
	name := a.Name
	if name == "" {
		name = image.DefaultName(a.Dir)
	}
	ver, err := sourceVersion(a.Dir)
	if err != nil {
		return SealResult{Status: "failed", Error: err.Error()}
	}
	if d, err := store.Resolve(name); err == nil {
		if img, err := store.Load(d); err == nil && img.Manifest.Version == ver {
			return SealResult{Status: "up-to-date", Digest: d}
		}
	}
	b, err := image.Build(ctx, image.BuildOptions{Path: a.Dir, Name: name, Version: ver, Handles: a.Handles,
		Capabilities: a.Capabilities, Preinit: wasm.Preinit})
	if err != nil {
		return SealResult{Status: "failed", Error: err.Error()}
	}
	if err := store.Put(b.Image); err != nil {
		return SealResult{Status: "failed", Error: err.Error()}
	}
	if eng != nil {
		if err := eng.Prepare(ctx, b.Program()); err != nil {
			return SealResult{Status: "failed", Digest: b.Digest, Error: "compile: " + err.Error()}
		}
	}
	return SealResult{Status: "sealed", Digest: b.Digest}
}
