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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"nexusos/access"
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
	// KEY`, by the rules of package access (403 otherwise).
	APIKey string
	// MaxRequestBytes bounds request bodies (0: DefaultMaxRequestBytes).
	MaxRequestBytes int64
	// MaxUploadBytes bounds snapshot uploads (0: DefaultMaxUploadBytes).
	MaxUploadBytes int64
	// RecoverRoots, when non-empty, confines snapshot recovery from
	// file:// locations to files under these directories, opened through
	// an os.Root of the directory (access.OpenInside: symbolic links are
	// followed only while they stay inside, and absolute ones not at all),
	// so an API client cannot make the server read arbitrary files. Empty
	// allows any path the process can read.
	RecoverRoots []string
	// HTTPRecovery lets snapshot recovery download http(s) locations, as
	// Qdrant does. It is off by default: it makes the server fetch any URL
	// an API client names (bounded by MaxUploadBytes and a timeout).
	HTTPRecovery bool
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
	rates   rateLimiters
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
	api("GET /issues", h.issues)
	api("DELETE /issues", func(*http.Request) (any, error) { return true, nil })
	m.HandleFunc("GET /metrics", h.metricsText)
	api("GET /cluster", func(*http.Request) (any, error) { return map[string]string{"status": "disabled"}, nil })
	standalone := func(*http.Request) (any, error) {
		return nil, &httpError{code: http.StatusMethodNotAllowed, msg: "Method not allowed: cluster operations are not available in standalone mode"}
	}
	api("POST /cluster/recover", standalone)
	api("DELETE /cluster/peer/{peer_id}", standalone)

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
	api("GET /collections/{collection}/optimizations", h.optimizations)

	// Named vectors of an existing collection.
	api("PUT /collections/{collection}/vectors/{vector}", h.createVector)
	api("DELETE /collections/{collection}/vectors/{vector}", h.deleteVector)

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
	api("POST /collections/{collection}/points/search/matrix/pairs", h.matrixPairs)
	api("POST /collections/{collection}/points/search/matrix/offsets", h.matrixOffsets)
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

	// Full snapshots (every collection and the aliases in one file).
	api("POST /snapshots", h.createFullSnapshot)
	api("GET /snapshots", h.listFullSnapshots)
	m.HandleFunc("GET /snapshots/{snapshot}", h.downloadFullSnapshot)
	api("DELETE /snapshots/{snapshot}", h.deleteFullSnapshot)

	// Shard snapshots: a collection here is one shard, id 0, whose
	// snapshots are the collection's.
	api("POST /collections/{collection}/shards/{shard}/snapshots", h.shardZero(h.createSnapshot))
	api("GET /collections/{collection}/shards/{shard}/snapshots", h.shardZero(h.listSnapshots))
	m.Handle("GET /collections/{collection}/shards/{shard}/snapshots/{snapshot}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("shard") != "0" {
			writeError(w, time.Now(), vectordb.NotFound("Shard %s not found", r.PathValue("shard")))
			return
		}
		h.downloadSnapshot(w, r)
	}))
	api("DELETE /collections/{collection}/shards/{shard}/snapshots/{snapshot}", h.shardZero(h.deleteSnapshot))
	api("PUT /collections/{collection}/shards/{shard}/snapshots/recover", h.shardZero(h.recoverSnapshot))
	api("POST /collections/{collection}/shards/{shard}/snapshots/upload", h.shardZero(h.uploadSnapshot))
	api("POST /collections/{collection}/shards/{shard}/snapshot/partial/recover", h.shardZero(func(r *http.Request) (any, error) {
		return nil, vectordb.BadInput("partial snapshots are not supported by this server")
	}))

	// Known Qdrant endpoints this server does not implement answer 400
	// with a clear message rather than 404, which clients read as "no
	// such collection".
	for _, p := range []string{
		"POST /collections/{collection}/points/discover",
		"POST /collections/{collection}/points/discover/batch",
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
	if !public[r.URL.Path] {
		if err := access.CheckHTTP(h.cfg.APIKey, r.Header); err != nil {
			writeError(w, start, keyError(err))
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

// keyError is Qdrant's answer (403) to a request that fails the key check.
func keyError(err error) error {
	msg := "Invalid API key or JWT"
	switch err {
	case access.ErrNoKey:
		msg = "Must provide an API key or an Authorization bearer token"
	case access.ErrKeysDisagree:
		msg = "Invalid API key or JWT: the api-key header and the Authorization bearer token differ"
	}
	return &vectordb.Error{Kind: vectordb.KindForbidden, Msg: msg}
}

// wrap turns an apiFunc into an http.Handler writing Qdrant's envelope.
func (h *handler) wrap(f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if t := r.URL.Query().Get("timeout"); t != "" {
			secs, err := strconv.Atoi(t)
			if err != nil {
				writeError(w, start, badInput(fmt.Errorf("timeout must be a whole number of seconds between 1 and %d", maxTimeoutSeconds)))
				return
			}
			if secs < 1 || secs > maxTimeoutSeconds {
				writeError(w, start, &validationError{where: "query parameters", path: "timeout", msg: fmt.Sprintf("value %d invalid, must be from 1 to %d", secs, maxTimeoutSeconds)})
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), time.Duration(secs)*time.Second)
			defer cancel()
			r = r.WithContext(ctx)
		}
		res, err := func() (any, error) {
			if c := r.PathValue("collection"); len(c) > 255 {
				return nil, &validationError{where: "path parameters", path: "collection_name", msg: "length must be between 1 and 255"}
			}
			if err := h.checkStrict(r); err != nil {
				return nil, err
			}
			return f(r)
		}()
		if err != nil {
			if statusOf(err) >= 500 {
				h.log.Error("qdrant rest: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
			} else {
				h.log.Debug("qdrant rest: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, start, err)
			h.metrics.observe(r, statusOf(err), time.Since(start))
			return
		}
		if a, ok := res.(accepted); ok {
			writeJSON(w, http.StatusAccepted, envelope{Result: a.result, Status: "accepted", Time: time.Since(start).Seconds()})
			h.metrics.observe(r, http.StatusAccepted, time.Since(start))
			return
		}
		writeJSON(w, http.StatusOK, envelope{Result: res, Status: "ok", Time: time.Since(start).Seconds()})
		h.metrics.observe(r, http.StatusOK, time.Since(start))
	})
}

// shardZero serves a shard endpoint for shard 0, the only shard.
func (h *handler) shardZero(f apiFunc) apiFunc {
	return func(r *http.Request) (any, error) {
		if err := validChecksumParam(r); err != nil {
			return nil, err
		}
		if _, err := h.db.CollectionInfo(r.Context(), collectionName(r)); err != nil {
			return nil, err // a shard's collection must exist
		}
		if r.PathValue("shard") != "0" {
			if _, err := strconv.ParseUint(r.PathValue("shard"), 10, 32); err != nil {
				return nil, badInput(fmt.Errorf("shard id %q: expected an unsigned integer", r.PathValue("shard")))
			}
			return nil, vectordb.NotFound("Shard %s not found", r.PathValue("shard"))
		}
		return f(r)
	}
}

// accepted is the result of an update asked with wait=false that the
// server finished anyway; it is answered 202 with status "accepted".
type accepted struct{ result any }

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

// validationError is Qdrant's 422 answer to a request that parsed but
// breaks a validation rule: "Validation error in JSON body: [path: msg]"
// (or "in path parameters", "in query parameters").
type validationError struct {
	where string // "JSON body", "path parameters", "query parameters"
	path  string
	msg   string
}

func (e *validationError) Error() string {
	return fmt.Sprintf("Validation error in %s: [%s: %s]", e.where, e.path, e.msg)
}

// httpError is an answer with a given status code and message.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

// invalid returns a 422 validation error about path in the JSON body.
func invalid(path, format string, args ...any) error {
	return &validationError{where: "JSON body", path: path, msg: fmt.Sprintf(format, args...)}
}

// statusOf maps an engine error kind to an HTTP status code.
func statusOf(err error) int {
	var ve *validationError
	if errors.As(err, &ve) {
		return http.StatusUnprocessableEntity
	}
	var he *httpError
	if errors.As(err, &he) {
		return he.code
	}
	var se *strictError
	if errors.As(err, &se) {
		if se.retryAfter > 0 {
			return http.StatusTooManyRequests
		}
		return http.StatusBadRequest
	}
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
	var ve *validationError
	var se *strictError
	switch {
	case errors.As(err, &ve):
		msg = ve.Error()
	case errors.As(err, new(*httpError)):
		msg = err.Error()
	case errors.As(err, &se):
		msg = se.msg
		if se.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(se.retryAfter))
		}
	case !errors.As(err, &e):
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
	var ve *validationError
	var e *vectordb.Error
	if errors.As(err, &ve) || errors.As(err, &e) {
		return err // already phrased for the client
	}
	var se *multiShapeError
	if errors.As(err, &se) {
		return invalid("vector"+se.sub, "%s", se.msg)
	}
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
	writeJSON(w, http.StatusOK, map[string]any{"title": "qdrant - vector search engine", "version": Version, "commit": buildCommit()})
}

// unknownCommit is what GET / reports when the binary carries no VCS
// revision of its own: forty zeros (clients expect 40 hex digits; this
// server does not claim a Qdrant commit).
const unknownCommit = "0000000000000000000000000000000000000000"

// buildCommit returns the binary's VCS revision (40 hex digits), or
// unknownCommit.
func buildCommit() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) == 40 {
				return s.Value
			}
		}
	}
	return unknownCommit
}

// maxTelemetryCollections bounds the collections described in detail.
const maxTelemetryCollections = 1000

// telemetry answers GET /telemetry?details_level=N as a single-node Qdrant
// with default settings does: level 0 is counts and request statistics,
// 1 adds per-collection summaries, 2 collection configs, 3 shards and 4+
// segments (one per collection here).
func (h *handler) telemetry(r *http.Request) (any, error) {
	level := 0
	if v := r.URL.Query().Get("details_level"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, badInput(fmt.Errorf("details_level must be a non-negative integer"))
		}
		level = n
	}
	perCollection := r.URL.Query().Get("per_collection") == "true"
	names := h.db.Collections()
	web := map[string]any{"responses": telemetryResponses(h.metrics.aggregate(false))}
	if perCollection {
		pc := map[string]any{}
		for k, s := range h.metrics.aggregate(true) {
			if k.collection == "" {
				continue
			}
			m, _ := pc[k.collection].(map[string]map[string]any)
			if m == nil {
				m = map[string]map[string]any{}
				pc[k.collection] = m
			}
			for name, v := range telemetryResponses(map[metricKey]*opStats{k: s}) {
				if m[name] == nil {
					m[name] = map[string]any{}
				}
				for st, x := range v {
					m[name][st] = x
				}
			}
		}
		web["per_collection_responses"] = pc
	}
	grpc := map[string]any{"responses": map[string]any{}}
	if perCollection {
		grpc["per_collection_responses"] = map[string]any{}
	}
	out := map[string]any{
		"id": telemetryID,
		"app": map[string]any{
			"name": "qdrant", "version": Version, "startup": h.started.UTC().Format(time.RFC3339Nano),
			"features": map[string]any{"debug": false, "service_debug_feature": false, "recovery_mode": false,
				"gpu": false, "rocksdb": false, "staging": false},
		},
		"collections": map[string]any{"number_of_collections": len(names)},
		"cluster":     map[string]any{"enabled": false},
		"requests":    map[string]any{"rest": web, "grpc": grpc},
		"quota": map[string]any{
			"config":   map[string]any{"enabled": false},
			"exceeded": map[string]any{"resident_memory": false, "disk_usage": false},
		},
	}
	if level == 0 {
		return out, nil
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out["memory"] = map[string]any{
		"active_bytes": ms.HeapInuse, "allocated_bytes": ms.HeapAlloc, "metadata_bytes": ms.MSpanSys + ms.MCacheSys + ms.GCSys,
		"resident_bytes": ms.Sys, "retained_bytes": ms.HeapIdle - ms.HeapReleased,
	}
	out["hardware"] = map[string]any{"collection_data": map[string]any{}}
	out["search_pool"] = map[string]any{"mode": "high_cpu", "high_cpu_threads": runtime.GOMAXPROCS(0), "high_io_threads": runtime.GOMAXPROCS(0)}
	colls := []any{}
	snaps := []any{}
	for i, n := range names {
		if i >= maxTelemetryCollections {
			break
		}
		info, err := h.db.CollectionInfo(r.Context(), n)
		if err != nil {
			continue // deleted meanwhile
		}
		ci := collectionInfoOut(info)
		cfg := ci["config"].(map[string]any)
		snaps = append(snaps, map[string]any{"id": n, "running_snapshots": 0, "running_snapshot_recovery": 0, "total_snapshot_creations": 0})
		if level == 1 {
			nv := 0
			for range info.Config.Vectors {
				nv += info.PointsCount
			}
			colls = append(colls, map[string]any{"vectors": nv, "optimizers_status": "ok", "params": cfg["params"]})
			continue
		}
		c := map[string]any{"id": n, "init_time_ms": 0, "config": cfg}
		if level >= 3 {
			c["shards"] = []any{map[string]any{
				"id": 0, "key": nil, "local": localShardTelemetry(n, info, level), "remote": []any{},
				"replicate_states": map[string]any{"0": "Active"},
				"partial_snapshot": map[string]any{"ongoing_create_snapshot_requests": 0, "is_recovering": false, "recovery_timestamp": 0},
			}}
			c["transfers"] = []any{}
			c["resharding"] = []any{}
		}
		colls = append(colls, c)
	}
	out["collections"] = map[string]any{"number_of_collections": len(names), "collections": colls, "snapshots": snaps}
	return out, nil
}

// telemetryID identifies this node in telemetry (Qdrant uses a random
// UUID per installation).
const telemetryID = "00000000-0000-4000-8000-000000000001"

// localShardTelemetry describes a collection as one local shard (and, at
// level 4 and above, one segment).
func localShardTelemetry(name string, info vectordb.CollectionInfo, level int) map[string]any {
	byName := map[string]any{}
	numVectors := 0
	for vn := range info.Config.Vectors {
		byName[vn] = info.PointsCount
		numVectors += info.PointsCount
	}
	for vn := range info.Config.SparseVectors {
		byName[vn] = info.PointsCount
	}
	m := map[string]any{
		"variant_name":           "local",
		"status":                 "green",
		"total_optimized_points": 0,
		"vectors_size_bytes":     0,
		"payloads_size_bytes":    0,
		"num_points":             info.PointsCount,
		"num_vectors":            numVectors,
		"num_vectors_by_name":    byName,
		"optimizations":          map[string]any{"status": "ok", "optimizations": map[string]any{"count": 0}},
		"async_scorer":           false,
		"update_queue":           map[string]any{"length": 0, "op_num": info.LastOperationID},
	}
	if level < 4 {
		return m
	}
	vectorData := map[string]any{}
	vectorInfo := map[string]any{}
	for vn, p := range info.Config.Vectors {
		vd := map[string]any{
			"size": p.Size, "distance": string(p.Distance), "storage_type": "Memory",
			"index": map[string]any{"type": "plain", "options": map[string]any{}},
		}
		if p.Multivector != nil {
			vd["multivector_config"] = map[string]any{"comparator": p.Multivector.Comparator}
		}
		if p.Datatype != "" {
			vd["datatype"] = string(p.Datatype)
		}
		vectorData[vn] = vd
		vectorInfo[vn] = map[string]any{"num_vectors": info.PointsCount, "num_indexed_vectors": 0, "num_deleted_vectors": 0}
	}
	sparseData := map[string]any{}
	for vn := range info.Config.SparseVectors {
		sparseData[vn] = map[string]any{"index": map[string]any{"index_type": "MutableRam"}}
	}
	schema := map[string]any{}
	for f, pi := range info.PayloadSchema {
		schema[f] = map[string]any{"data_type": string(pi.DataType), "points": pi.Points}
	}
	m["segments"] = []any{map[string]any{
		"info": map[string]any{
			"uuid": telemetryID, "segment_type": "plain", "num_vectors": numVectors, "num_points": info.PointsCount,
			"num_indexed_vectors": 0, "num_deleted_vectors": 0, "vectors_size_bytes": 0, "payloads_size_bytes": 0,
			"ram_usage_bytes": 0, "disk_usage_bytes": 0, "is_appendable": true, "index_schema": schema, "vector_data": vectorInfo,
		},
		"config": map[string]any{
			"vector_data": vectorData, "sparse_vector_data": sparseData,
			"payload_storage_type": map[string]any{"type": "mmap"},
		},
		"vector_index_searches": []any{},
		"payload_field_indices": []any{},
	}}
	m["indexed_only_excluded_vectors"] = map[string]any{}
	return m
}

// issues answers GET /issues: this server reports none.
func (h *handler) issues(r *http.Request) (any, error) {
	return map[string]any{"issues": []any{}}, nil
}

// collectionCluster serves GET /collections/{c}/cluster: one local,
// active shard holding every point.
func (h *handler) collectionCluster(r *http.Request) (any, error) {
	info, err := h.db.CollectionInfo(r.Context(), collectionName(r))
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
