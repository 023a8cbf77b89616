package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"nexusos/memex/query"
	"nexusos/microvm"
)

// App is a sealed image as GET /v1/apps lists it.
type App struct {
	Name     string           `json:"name"`
	Digest   string           `json:"digest"`
	Version  string           `json:"version,omitempty"`
	Tier     string           `json:"tier"`
	Source   string           `json:"source,omitempty"`
	Preinit  bool             `json:"preinit"`
	Signer   string           `json:"signer,omitempty"`
	Size     int64            `json:"size"`
	Handles  microvm.Handles  `json:"handles"` // Manifest.DeclaredHandles()
	Manifest microvm.Manifest `json:"manifest"`
}

// appCache keeps decoded manifests by digest (images are immutable).
type appCache struct {
	mu       sync.Mutex
	byDigest map[string]App // guarded by mu
}

var errNoApps = errorf(http.StatusServiceUnavailable, "the microVM runtime is not running on this node")

// Apps lists the latest image of every name in the store.
func (s *Server) Apps() ([]App, error) {
	st := s.rt.Images()
	if st == nil {
		return nil, errNoApps
	}
	ents, err := os.ReadDir(filepath.Join(st.Dir(), "names"))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	out := []App{}
	for _, e := range ents {
		if !microvm.ValidName(e.Name()) {
			continue
		}
		a, err := s.app(e.Name())
		if err != nil {
			s.log.Warn("skipping unreadable image", "name", e.Name(), "err", err)
			continue
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// app returns the latest image named name.
func (s *Server) app(name string) (App, error) {
	st := s.rt.Images()
	if st == nil {
		return App{}, errNoApps
	}
	digest, err := st.Resolve(name)
	if err != nil {
		return App{}, fmt.Errorf("app %s: %w: %w", name, microvm.ErrNoSuchImage, err)
	}
	return s.appByDigest(digest)
}

func (s *Server) appByDigest(digest string) (App, error) {
	s.apps.mu.Lock()
	a, ok := s.apps.byDigest[digest]
	s.apps.mu.Unlock()
	if ok {
		return a, nil
	}
	img, err := s.rt.Images().Load(digest)
	if err != nil {
		return App{}, err
	}
	m := img.Manifest
	a = App{Name: m.Name, Digest: img.Digest, Version: m.Version, Tier: m.Tier, Source: m.Source, Preinit: m.Preinit != nil,
		Size: int64(len(img.Module) + len(img.Memory) + len(img.ManifestJSON)), Handles: m.DeclaredHandles(), Manifest: m.Manifest}
	if img.Signature != nil {
		a.Signer = img.Signature.KeyID()
	}
	s.apps.mu.Lock()
	if s.apps.byDigest == nil || len(s.apps.byDigest) > 256 {
		s.apps.byDigest = map[string]App{}
	}
	s.apps.byDigest[digest] = a
	s.apps.mu.Unlock()
	return a, nil
}

// appsFor names the apps that declare they handle one of the kinds a
// question asks for.
func (s *Server) appsFor(u *query.Understood) []string {
	out := []string{}
	if u == nil || len(u.Kinds) == 0 || s.rt.Images() == nil {
		return out
	}
	apps, err := s.Apps()
	if err != nil {
		return out
	}
	for _, a := range apps {
		for _, k := range a.Handles.Kinds {
			if contains(u.Kinds, k) {
				out = append(out, a.Name)
				break
			}
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) handleApps(w http.ResponseWriter, r *http.Request) {
	apps, err := s.Apps()
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": apps})
}

func (s *Server) handleApp(w http.ResponseWriter, r *http.Request) {
	a, err := s.app(r.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// RunRequest is POST /v1/apps/{name}/run's body.
type RunRequest struct {
	Args []string `json:"args,omitempty"`
	// Query, when set, is the question whose files the app works on: it is
	// passed to the app as its last argument, and the app asks MemexFS
	// for it through the ABI (within its manifest's grant).
	Query  string         `json:"query,omitempty"`
	Limits microvm.Limits `json:"limits"`
}

// RunApp starts app name in a detached microVM.
func (s *Server) RunApp(ctx context.Context, name string, req RunRequest) (microvm.Status, error) {
	if s.rt.VMs() == nil {
		return microvm.Status{}, errNoApps
	}
	if len(req.Args) > 64 || len(req.Query) > 4096 {
		return microvm.Status{}, errorf(http.StatusBadRequest, "run %s: at most 64 args and a 4 KiB query", name)
	}
	a, err := s.app(name)
	if err != nil {
		return microvm.Status{}, err
	}
	args := append([]string(nil), req.Args...)
	q := strings.TrimSpace(req.Query)
	if q == "" {
		q = a.Handles.Query
	}
	if q != "" {
		args = append(args, q)
	}
	st, err := s.rt.VMs().Start(ctx, microvm.StartRequest{Image: a.Digest, Args: args, Limits: req.Limits})
	if err != nil {
		return st, fmt.Errorf("run %s: %w", name, err)
	}
	return st, nil
}

func (s *Server) handleRunApp(w http.ResponseWriter, r *http.Request) {
	var req RunRequest
	if r.ContentLength != 0 {
		if err := decodeBody(r, &req); err != nil {
			fail(w, err)
			return
		}
	}
	st, err := s.RunApp(r.Context(), r.PathValue("name"), req)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

// VM is a microVM as GET /v1/vms lists it.
type VM struct {
	microvm.Status
	Tier          string  `json:"tier"`
	UptimeSeconds float64 `json:"uptime_seconds"`
}

func (s *Server) vmOf(st microvm.Status) VM {
	v := VM{Status: st, Tier: microvm.TierWasm}
	if a, err := s.appByDigest(st.Image); err == nil && a.Tier != "" {
		v.Tier = a.Tier
	}
	end := st.EndedAt
	if end.IsZero() {
		end = time.Now()
	}
	if !st.StartedAt.IsZero() {
		v.UptimeSeconds = end.Sub(st.StartedAt).Seconds()
	}
	return v
}

// handleVMs lists microVMs with their tier and uptime, and hands every
// other /v1/vms request to the manager's own handler.
func (s *Server) handleVMs(w http.ResponseWriter, r *http.Request) {
	mgr := s.rt.VMs()
	if mgr == nil {
		fail(w, errNoApps)
		return
	}
	if r.Method == http.MethodGet && (r.URL.Path == "/v1/vms" || r.URL.Path == "/v1/vms/") {
		out := []VM{}
		for _, st := range mgr.List() {
			out = append(out, s.vmOf(st))
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	if r.URL.Path == "/v1/vms" {
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = "/v1/vms/", ""
		r = r2
	}
	http.StripPrefix("/v1/vms", mgr.Handler()).ServeHTTP(w, r)
}

// logPoll is how often a streamed log is checked for new output.
const logPoll = 200 * time.Millisecond

// handleLogs serves a microVM's output: plain text, or with "Accept:
// text/event-stream" a stream of "data:" events (one per output line) that
// ends with an "end" event carrying the final status.
func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	mgr := s.rt.VMs()
	if mgr == nil {
		fail(w, errNoApps)
		return
	}
	id := r.PathValue("id")
	b, err := mgr.Logs(id)
	if err != nil {
		fail(w, err)
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(b)
		return
	}
	fl, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	var sent []byte
	var partial []byte
	send := func(cur []byte) {
		var fresh []byte
		if bytes.HasPrefix(cur, sent) {
			fresh = cur[len(sent):]
		} else {
			// The ring buffer dropped old output: start over from what
			// it holds now.
			fmt.Fprint(w, "event: reset\ndata: \n\n")
			partial, fresh = nil, cur
		}
		sent = append(sent[:0], cur...)
		partial = append(partial, fresh...)
		for {
			i := bytes.IndexByte(partial, '\n')
			if i < 0 {
				break
			}
			fmt.Fprintf(w, "data: %s\n\n", partial[:i])
			partial = partial[i+1:]
		}
	}
	t := time.NewTicker(logPoll)
	defer t.Stop()
	for {
		st, err := mgr.Get(id)
		if err != nil {
			fmt.Fprintf(w, "event: error\ndata: %s\n\n", err)
			return
		}
		if b, err = mgr.Logs(id); err == nil {
			send(b)
		}
		if st.Done() {
			if len(partial) > 0 {
				fmt.Fprintf(w, "data: %s\n\n", partial)
			}
			fmt.Fprintf(w, "event: end\ndata: %s %s %d\n\n", st.State, st.Reason, st.ExitCode)
			if fl != nil {
				fl.Flush()
			}
			return
		}
		if fl != nil {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.cfg.Done:
			return
		case <-t.C:
		}
	}
}
