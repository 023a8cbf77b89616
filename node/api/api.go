package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"nexusos/access"
	"nexusos/memex"
	"nexusos/microvm"
	"nexusos/node/home"
	"nexusos/node/runtime"
)

// Default limits.
const (
	// DefaultMaxRequestBytes bounds request bodies when
	// Config.MaxRequestBytes is zero.
	DefaultMaxRequestBytes = 1 << 20
	// MaxQueryBytes bounds a request's query string.
	MaxQueryBytes = 8 << 10
)

// Config is what a Server serves. Every field is optional except where
// noted; a nil resource makes its endpoints answer 503.
type Config struct {
	// Version is reported by /v1/status.
	Version string
	// Runtime holds the services the API serves: its vector engine,
	// MemexFS (with the ingest and the knowledge graph), its data folders
	// (POST /v1/memex/add may index files and folders inside them; none
	// disables adding through the API), the microVM manager and image
	// store, and Cortex's endpoints. Nil serves none. The caller closes
	// it after the HTTP server has shut down.
	Runtime *runtime.Runtime
	// APIKey, when set, is required on every request but GET /healthz.
	APIKey string
	// MaxRequestBytes bounds request bodies (0: DefaultMaxRequestBytes).
	MaxRequestBytes int64
	// Console serves the web console at "/"; nil serves a placeholder
	// page. ConsoleFS is used when Console is nil and ConsoleFS is not.
	Console   http.Handler
	ConsoleFS fs.FS
	// Listen reports the node's listen addresses in /v1/status.
	Listen func() any
	// Status adds sections to /v1/status (for example "listen",
	// "apps_sealing"); each function is called per request.
	Status map[string]func() any
	// Done, when closed, ends every streaming response (status and log
	// streams), so a node can shut down while consoles are connected.
	Done   <-chan struct{}
	Logger *slog.Logger
}

// Server is the node API. Build it with New.
type Server struct {
	cfg     Config
	rt      *runtime.Runtime
	log     *slog.Logger
	started time.Time
	mux     *http.ServeMux

	apps   appCache
	counts countsMemo
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	rt := cfg.Runtime
	if rt == nil {
		rt = runtime.Wrap(home.Dir{}, runtime.Parts{Logger: cfg.Logger})
	}
	s := &Server{cfg: cfg, rt: rt, log: cfg.Logger, started: time.Now(), mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	m.HandleFunc("GET /v1/status", s.handleStatus)

	m.HandleFunc("GET /v1/memex/query", s.handleQuery)
	m.HandleFunc("GET /v1/memex/files", s.handleFiles)
	m.HandleFunc("GET /v1/memex/parties", s.handleParties)
	m.HandleFunc("GET /v1/memex/file", s.handleFile)
	m.HandleFunc("POST /v1/memex/correct", s.handleCorrect)
	m.HandleFunc("GET /v1/memex/timeline", s.handleTimeline)
	m.HandleFunc("POST /v1/memex/add", s.handleAdd)
	m.HandleFunc("GET /v1/memex/ingest", s.handleIngest)
	m.HandleFunc("GET /v1/memex/graph", s.handleGraph)
	m.HandleFunc("GET /v1/memex/related", s.handleRelated)
	m.HandleFunc("GET /v1/memex/connect", s.handleConnect)
	m.HandleFunc("GET /v1/memex/summary", s.handleSummary)

	m.HandleFunc("GET /v1/apps", s.handleApps)
	m.HandleFunc("GET /v1/apps/{name}", s.handleApp)
	m.HandleFunc("POST /v1/apps/{name}/run", s.handleRunApp)
	m.HandleFunc("GET /v1/vms/{id}/logs", s.handleLogs)
	m.Handle("/v1/vms/", http.HandlerFunc(s.handleVMs))
	m.Handle("/v1/vms", http.HandlerFunc(s.handleVMs))

	s.rt.OpenAI().Register(m)

	m.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no such endpoint: %s %s (see docs/api.md)", r.Method, r.URL.Path))
	})
	m.Handle("/", s.console())
}

// ServeHTTP implements http.Handler: it checks the API key and the request
// limits, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > MaxQueryBytes {
		writeError(w, http.StatusRequestURITooLong, fmt.Errorf("query string longer than %d bytes", MaxQueryBytes))
		return
	}
	if err := s.sameOrigin(r); err != nil {
		writeError(w, http.StatusForbidden, err)
		return
	}
	if r.URL.Path != "/healthz" {
		if err := access.CheckConsole(s.cfg.APIKey, w, r); err != nil {
			msg := "this node requires its API key: send the api-key header, Authorization: Bearer KEY, or ?api_key=KEY"
			if err == access.ErrKeysDisagree {
				msg = "this request carries two different API keys (api-key header, Authorization: Bearer, ?api_key=); send one"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="nexus"`)
			writeError(w, http.StatusUnauthorized, errors.New(msg))
			return
		}
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes)
	}
	s.mux.ServeHTTP(w, r)
}

// sameOrigin defends a keyless node on loopback against web pages the
// user visits: a Host that is not a loopback name or address (DNS
// rebinding) is refused, and so is a state-changing request whose Origin
// is another site (cross-site request forgery).
func (s *Server) sameOrigin(r *http.Request) error {
	// A request without Host (HTTP/1.0) cannot come from a browser, whose
	// every request names the host it was sent to.
	if s.cfg.APIKey == "" && r.Host != "" && !access.Loopback(r.Host) {
		return fmt.Errorf("host %q refused: this node has no API key, so it only answers requests addressed to localhost or a loopback address", r.Host)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return nil
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return fmt.Errorf("cross-site request from %q refused", o)
		}
	}
	return nil
}

// httpError is an error with the HTTP status it maps to.
type httpError struct {
	code int
	err  error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func errorf(code int, format string, args ...any) error {
	return &httpError{code: code, err: fmt.Errorf(format, args...)}
}

// fail writes err with the status it carries (500 by default).
func fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		code = he.code
	case errors.As(err, &mbe):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, runtime.ErrNoMemex):
		code, err = http.StatusServiceUnavailable, errNoMemex
	case errors.Is(err, runtime.ErrIngestRunning):
		code, err = http.StatusConflict, ErrIngestRunning
	case errors.Is(err, memex.ErrNotIndexed), errors.Is(err, microvm.ErrNoSuchVM), errors.Is(err, microvm.ErrNoSuchImage):
		code = http.StatusNotFound
	case errors.Is(err, microvm.ErrTooMany):
		code = http.StatusTooManyRequests
	}
	writeError(w, code, err)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

// decodeBody reads a JSON body into v, rejecting unknown fields.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, "request body: %v", err)
	}
	return nil
}

var errNoMemex = errorf(http.StatusServiceUnavailable, "MemexFS is not running on this node")

// ErrIngestRunning is the answer (409) to POST /v1/memex/add while an
// ingest runs.
var ErrIngestRunning = errors.New("api: an ingest is already running; watch /v1/status")

func (s *Server) memex() (*memex.Memex, error) {
	if m := s.rt.Memex(); m != nil {
		return m, nil
	}
	return nil, errNoMemex
}
