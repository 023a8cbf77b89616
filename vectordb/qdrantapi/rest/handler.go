// Package rest serves Qdrant's REST API (openapi v1.19.0, plus the legacy
// search and recommend endpoints of v1.18.3) over the embedded vector
// engine in package vectordb.
//
// Every JSON answer uses Qdrant's envelope:
//
//	{"result": ..., "status": "ok", "time": 0.000123}
//
// and every error Qdrant's error body with a 4xx/5xx code taken from
// vectordb.KindOf:
//
//	{"status": {"error": "Not found: Collection `x` doesn't exist!"}, "time": 0.0001}
//
// Request bodies are bounded by Config.MaxRequestBytes (413 beyond it) and
// fully validated before the engine is called, so bad input changes
// nothing.
//
// The handler returned by NewHandler is safe for concurrent use.
package rest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi"
)

// DefaultMaxRequestBytes is the request body limit when Config leaves it
// zero: 32 MiB, Qdrant's default max_request_size_mb.
const DefaultMaxRequestBytes = 32 << 20

// DefaultMaxUploadBytes is the snapshot upload limit when Config leaves it
// zero: 4 GiB.
const DefaultMaxUploadBytes = 4 << 30

// Version is the Qdrant version whose API this package serves; GET /
// reports it so clients' compatibility checks pass. See
// qdrantapi.RESTVersion for why the gRPC server reports another.
const Version = qdrantapi.RESTVersion

// Config configures NewHandler.
type Config struct {
	// APIKey, when non-empty, is required on every request except the
	// health probes, in the `api-key` header or as `Authorization: Bearer
	// KEY`.
	APIKey string
	// MaxRequestBytes bounds request bodies (0: DefaultMaxRequestBytes).
	MaxRequestBytes int64
	// MaxUploadBytes bounds snapshot uploads (0: DefaultMaxUploadBytes).
	MaxUploadBytes int64
	// RecoverRoots, when non-empty, confines snapshot recovery from
	// file:// locations to files under these directories (symbolic links
	// resolved), so an API client cannot make the server read arbitrary
	// files. Empty allows any path the process can read.
	RecoverRoots []string
	// CORS answers browsers' preflight requests and allows any origin,
	// as Qdrant does by default (enable_cors).
	CORS bool
	// Logger receives one line per failed request (nil: slog.Default()).
	Logger *slog.Logger
}

// handler serves the API for one DB.
type handler struct {
	db  *vectordb.DB
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	started time.Time
	metrics *metrics
}

// apiFunc handles one endpoint: it returns the `result` of the envelope or
// an error.
type apiFunc func(r *http.Request) (any, error)

// NewHandler returns an http.Handler serving Qdrant's REST API over db.
func NewHandler(db *vectordb.DB, cfg Config) http.Handler {
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	h := &handler{db: db, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), started: time.Now(), metrics: newMetrics()}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.routes()
	return h
}

func (h *handler) routes() {
	m := h.mux
	api := func(pattern string, f apiFunc) { m.Handle(pattern, h.wrap(f)) }

	// Service.
	m.HandleFunc("GET /{$}", h.root)
	m.HandleFunc("GET /healthz", plain("healthz check passed"))
	m.HandleFunc("GET /livez", plain("healthz check passed"))
	m.HandleFunc("GET /readyz", plain("all shards are ready"))
	api("GET /telemetry", h.telemetry)
	m.HandleFunc("GET /metrics", h.metricsText)
	api("GET /cluster", func(*http.Request) (any, error) { return map[string]string{"status": "disabled"}, nil })

	// Collections and aliases.
	api("GET /collections", h.listCollections)
	api("GET /collections/{collection}", h.getCollection)
	api("PUT /collections/{collection}", h.createCollection)
	api("PATCH /collections/{collection}", h.updateCollection)
	api("DELETE /collections/{collection}", h.deleteCollection)
	api("GET /collections/{collection}/exists", h.collectionExists)
	api("POST /collections/aliases", h.updateAliases)
	api("GET /aliases", h.listAliases)
	api("GET /collections/{collection}/aliases", h.collectionAliases)
	api("GET /collections/{collection}/cluster", h.collectionCluster)

	// Payload indexes.
	api("PUT /collections/{collection}/index", h.createIndex)
	api("DELETE /collections/{collection}/index/{field}", h.deleteIndex)

	// Points.
	api("GET /collections/{collection}/points/{id}", h.getPoint)
	api("POST /collections/{collection}/points", h.retrievePoints)
	api("PUT /collections/{collection}/points", h.update("upsert"))
	api("POST /collections/{collection}/points/delete", h.update("delete"))
	api("POST /collections/{collection}/points/payload", h.update("set_payload"))
	api("PUT /collections/{collection}/points/payload", h.update("overwrite_payload"))
	api("POST /collections/{collection}/points/payload/delete", h.update("delete_payload"))
	api("POST /collections/{collection}/points/payload/clear", h.update("clear_payload"))
	api("PUT /collections/{collection}/points/vectors", h.update("update_vectors"))
	api("POST /collections/{collection}/points/vectors/delete", h.update("delete_vectors"))
	api("POST /collections/{collection}/points/batch", h.batchUpdate)
	api("POST /collections/{collection}/points/scroll", h.scroll)
	api("POST /collections/{collection}/points/count", h.count)

	// Search.
	api("POST /collections/{collection}/points/query", h.query)
	api("POST /collections/{collection}/points/query/batch", h.queryBatch)
	api("POST /collections/{collection}/points/search", h.search)
	api("POST /collections/{collection}/points/search/batch", h.searchBatch)
	api("POST /collections/{collection}/points/recommend", h.recommend)
	api("POST /collections/{collection}/points/recommend/batch", h.recommendBatch)
	api("POST /collections/{collection}/points/query/groups", h.queryGroups)
	api("POST /collections/{collection}/points/search/groups", h.searchGroups)
	api("POST /collections/{collection}/points/recommend/groups", h.recommendGroups)
	api("POST /collections/{collection}/facet", h.facet)

	// Snapshots.
	api("POST /collections/{collection}/snapshots", h.createSnapshot)
	api("GET /collections/{collection}/snapshots", h.listSnapshots)
	m.HandleFunc("GET /collections/{collection}/snapshots/{snapshot}", h.downloadSnapshot)
	api("DELETE /collections/{collection}/snapshots/{snapshot}", h.deleteSnapshot)
	api("PUT /collections/{collection}/snapshots/recover", h.recoverSnapshot)
	api("POST /collections/{collection}/snapshots/upload", h.uploadSnapshot)

	// Known Qdrant endpoints this server does not implement answer 400
	// with a clear message rather than 404, which clients read as "no
	// such collection".
	for _, p := range []string{
		"POST /collections/{collection}/points/discover",
		"POST /collections/{collection}/points/discover/batch",
		"POST /collections/{collection}/points/search/matrix/pairs",
		"POST /collections/{collection}/points/search/matrix/offsets",
		"POST /snapshots",
		"GET /snapshots",
	} {
		api(p, func(r *http.Request) (any, error) {
			return nil, vectordb.BadInput("%s %s is not supported by this server", r.Method, r.Pattern[strings.IndexByte(r.Pattern, ' ')+1:])
		})
	}

	m.Handle("/", h.wrap(func(r *http.Request) (any, error) {
		return nil, vectordb.NotFound("no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
}

// public are the paths served without an API key (health probes).
var public = map[string]bool{"/": true, "/healthz": true, "/livez": true, "/readyz": true}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if h.cfg.CORS {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			hd.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", "api-key, authorization, content-type")
			hd.Set("Access-Control-Max-Age", "3600")
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	if h.cfg.APIKey != "" && !public[r.URL.Path] {
		key := r.Header.Get("api-key")
		if key == "" {
			if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
				key = strings.TrimSpace(a[7:])
			}
		}
		switch {
		case key == "":
			writeError(w, start, &vectordb.Error{Kind: vectordb.KindForbidden, Msg: "Must provide an API key or an Authorization bearer token"})
			return
		case subtle.ConstantTimeCompare([]byte(key), []byte(h.cfg.APIKey)) != 1:
			writeError(w, start, &vectordb.Error{Kind: vectordb.KindForbidden, Msg: "Invalid API key or JWT"})
			return
		}
	}
	if r.Body != nil {
		limit := h.cfg.MaxRequestBytes
		if strings.HasSuffix(r.URL.Path, "/snapshots/upload") {
			limit = h.cfg.MaxUploadBytes
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	h.mux.ServeHTTP(w, r)
}

// wrap turns an apiFunc into an http.Handler writing Qdrant's envelope.
func (h *handler) wrap(f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if t := r.URL.Query().Get("timeout"); t != "" {
			secs, err := strconv.Atoi(t)
			if err != nil || secs < 1 || secs > maxTimeoutSeconds {
				writeError(w, start, badInput(fmt.Errorf("timeout must be a whole number of seconds between 1 and %d", maxTimeoutSeconds)))
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), time.Duration(secs)*time.Second)
			defer cancel()
			r = r.WithContext(ctx)
		}
		res, err := f(r)
		if err != nil {
			if vectordb.KindOf(err) == vectordb.KindInternal {
				h.log.Error("qdrant rest: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
			} else {
				h.log.Debug("qdrant rest: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, start, err)
			h.metrics.observe(r, statusOf(err), time.Since(start))
			return
		}
		writeJSON(w, http.StatusOK, envelope{Result: res, Status: "ok", Time: time.Since(start).Seconds()})
		h.metrics.observe(r, http.StatusOK, time.Since(start))
	})
}

// maxTimeoutSeconds bounds the `timeout` query parameter, which every
// endpoint accepts (as Qdrant's do) and turns into a request deadline.
const maxTimeoutSeconds = 3600

type envelope struct {
	Result any     `json:"result"`
	Status any     `json:"status"`
	Time   float64 `json:"time"`
}

type errorStatus struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b, _ = json.Marshal(envelope{Status: errorStatus{Error: "Service internal error: encode response: " + err.Error()}})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// statusOf maps an engine error kind to an HTTP status code.
func statusOf(err error) int {
	switch vectordb.KindOf(err) {
	case vectordb.KindBadInput:
		return http.StatusBadRequest
	case vectordb.KindNotFound:
		return http.StatusNotFound
	case vectordb.KindConflict:
		return http.StatusConflict
	case vectordb.KindForbidden:
		return http.StatusForbidden
	case vectordb.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case vectordb.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func writeError(w http.ResponseWriter, start time.Time, err error) {
	msg := err.Error()
	var e *vectordb.Error
	if !errors.As(err, &e) {
		msg = "Service internal error: " + msg
	}
	writeJSON(w, statusOf(err), map[string]any{
		"status": errorStatus{Error: msg},
		"time":   time.Since(start).Seconds(),
	})
}

func plain(text string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, text)
	}
}

// badInput wraps a decoding error as a 400 in Qdrant's wording.
func badInput(err error) error {
	return &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Wrong input: " + err.Error(), Err: err}
}

// readBody reads the (already size-bounded) request body.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &vectordb.Error{Kind: vectordb.KindTooLarge,
				Msg: fmt.Sprintf("Payload error: JSON payload is larger than allowed (limit: %d bytes)", mbe.Limit), Err: err}
		}
		return nil, badInput(fmt.Errorf("read request body: %w", err))
	}
	return b, nil
}

// decodeBody decodes a JSON object body into v. An empty body is decoded
// as {} when allowEmpty is set.
func decodeBody(r *http.Request, v any, allowEmpty bool) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if allowEmpty && len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	return unmarshalBody(b, v)
}

// unmarshalBody decodes a JSON request body, mapping errors to Qdrant's
// 400 "Json deserialize error".
func unmarshalBody(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Json deserialize error: EOF while parsing a value at line 1 column 0"}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Json deserialize error: " + err.Error(), Err: err}
	}
	return nil
}

// waitParam reads the `wait` query parameter (default false).
func waitParam(r *http.Request) bool {
	v := r.URL.Query().Get("wait")
	return v == "true" || v == "1"
}

// root answers GET / like Qdrant: VersionInfo without the envelope.
func (h *handler) root(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"title": "qdrant - vector search engine (nexus)", "version": Version})
}

func (h *handler) telemetry(r *http.Request) (any, error) {
	names := h.db.Collections()
	return map[string]any{
		"id":  "nexus",
		"app": map[string]any{"name": "nexus", "version": Version, "startup": h.started.UTC().Format(time.RFC3339Nano)},
		"collections": map[string]any{
			"number_of_collections": len(names),
		},
	}, nil
}

// collectionCluster serves GET /collections/{c}/cluster: one local,
// active shard holding every point.
func (h *handler) collectionCluster(r *http.Request) (any, error) {
	info, err := h.db.CollectionInfo(collectionName(r))
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"peer_id":     0,
		"shard_count": 1,
		"local_shards": []any{map[string]any{
			"shard_id": 0, "points_count": info.PointsCount, "state": "Active",
		}},
		"remote_shards":   []any{},
		"shard_transfers": []any{},
	}, nil
}
