package openai

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"nexusos/access"
	"nexusos/cortex"
	"nexusos/cortex/tokenizer"
)

// Defaults for Config's zero fields.
const (
	DefaultMaxRequestBytes  = 1 << 20
	DefaultMaxTokens        = 4096
	DefaultChatMaxTokens    = 512
	DefaultMaxQueue         = 32
	completionDefaultTokens = 16 // OpenAI's default for /v1/completions
)

// Model is a model served under a name: a language model (Model, for the
// generation endpoints) or an embedding model (Embedder, for
// /v1/embeddings), exactly one of them.
type Model struct {
	// Name is the "model" clients send; it must be unique and non-empty.
	Name     string
	Model    *cortex.Model
	Embedder *cortex.Embedder
	// Created is reported by /v1/models (zero: the file's modification
	// time).
	Created time.Time
}

// Config is what a Handler serves and its limits. Zero fields take the
// defaults named on them.
type Config struct {
	Models []Model
	// MaxConcurrent bounds the generations running at once across all
	// models (0: 1).
	MaxConcurrent int
	// MaxQueue bounds the requests waiting for a generation slot; more
	// are answered 429 (0: DefaultMaxQueue).
	MaxQueue int
	// MaxRequestBytes bounds request bodies (0: DefaultMaxRequestBytes).
	MaxRequestBytes int64
	// MaxTokens bounds a request's max_tokens (0: DefaultMaxTokens).
	MaxTokens int
	// ChatMaxTokens is max_tokens for a chat request without one (0:
	// DefaultChatMaxTokens). Completions default to 16 tokens, as
	// OpenAI's do.
	ChatMaxTokens int
	// Context is the KV cache length of a generation in tokens (0: the
	// engine's default, min(model's, 4096)).
	Context int
	// Threads is the worker threads of one generation (0: GOMAXPROCS).
	Threads int
	// NoPrefixCache turns off the per-model prefix cache: by default each
	// model keeps the KV cache of its last sequence (Context tokens of
	// memory: 315 MB for BitNet 2B-4T at 4096), and a request that starts
	// like the previous one (a chat resending its history) only processes
	// the new tokens.
	NoPrefixCache bool
	// Load is how OpenHome loads the models it finds.
	Load cortex.LoadOptions
	// APIKey, when set, must come as "Authorization: Bearer KEY" (what
	// OpenAI clients send) or an "api-key" header, by the rules of package
	// access (both present and different: refused).
	APIKey string
	Logger *slog.Logger
}

// Handler serves the OpenAI API over Config.Models. Build it with New.
type Handler struct {
	cfg  Config
	log  *slog.Logger
	home string // OpenHome's home, whose added models are served

	mu sync.Mutex
	// models and order are the served models, by name and in order;
	// owned are those OpenHome loaded (closed by Close); guarded by mu.
	models   map[string]*entry
	order    []*entry
	owned    []*cortex.Model
	ownedEmb []*cortex.Embedder
	// failed are the home's models that did not load; guarded by mu.
	failed map[string]bool

	// slots holds a token per running generation (capacity
	// MaxConcurrent); waiting counts the requests blocked on it.
	slots   chan struct{}
	waiting atomic.Int64

	// Test hooks: afterToken runs after each generated token is handled,
	// done after each generation.
	afterToken func(ctx context.Context, n int)
	done       func(res genResult, err error)
}

type entry struct {
	name    string
	m       *cortex.Model    // nil for an embedding model
	emb     *cortex.Embedder // nil for a language model
	created int64
	ctxLen  int                 // tokens a generation can hold
	cache   *cortex.PrefixCache // nil when Config.NoPrefixCache
}

// New validates cfg and returns a Handler. With no models, /v1/models
// lists none and generation requests answer 503 with a hint to add one.
func New(cfg Config) (*Handler, error) {
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 1
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	if cfg.ChatMaxTokens <= 0 {
		cfg.ChatMaxTokens = DefaultChatMaxTokens
	}
	cfg.ChatMaxTokens = min(cfg.ChatMaxTokens, cfg.MaxTokens)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, models: map[string]*entry{}, slots: make(chan struct{}, cfg.MaxConcurrent)}
	for i, m := range cfg.Models {
		if m.Name == "" || (m.Model == nil) == (m.Embedder == nil) {
			return nil, fmt.Errorf("openai: model %d: a name and one loaded model (Model or Embedder) are required", i)
		}
		if _, dup := h.models[m.Name]; dup {
			return nil, fmt.Errorf("openai: model name %q given twice", m.Name)
		}
		h.add(m)
	}
	return h, nil
}

// add serves m.
//
// Preconditions: h.mu is held, or h is not shared yet.
func (h *Handler) add(m Model) {
	created := m.Created
	path := ""
	if m.Model != nil {
		path = m.Model.Path
	} else {
		path = m.Embedder.Path
	}
	if created.IsZero() {
		if st, err := os.Stat(path); err == nil {
			created = st.ModTime()
		}
	}
	e := &entry{name: m.Name, m: m.Model, emb: m.Embedder, created: created.Unix()}
	if m.Embedder != nil {
		e.ctxLen = m.Embedder.MaxTokens()
		h.models[m.Name] = e
		h.order = append(h.order, e)
		return
	}
	e.ctxLen = h.cfg.Context
	if e.ctxLen <= 0 {
		e.ctxLen = min(m.Model.Net.Config.NCtxTrain, 4096)
	}
	if !h.cfg.NoPrefixCache {
		e.cache = &cortex.PrefixCache{}
	}
	h.models[m.Name] = e
	h.order = append(h.order, e)
}

// entries returns the served models, after loading those added under the
// home since (OpenHome handlers).
func (h *Handler) entries() []*entry {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refresh()
	return append([]*entry(nil), h.order...)
}

// find returns the model named name, loading it when it was added under
// the home since (OpenHome handlers), and whether any model is served.
func (h *Handler) find(name string) (e *entry, served bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.models[name]; ok {
		return e, true
	}
	h.refresh()
	return h.models[name], len(h.order) > 0
}

// Paths are the URL paths a Handler answers; Register mounts it on them.
var Paths = []string{"/v1/models", "/v1/models/", "/v1/completions", "/v1/chat/completions", "/v1/embeddings"}

// Register mounts h on mux at Paths, next to a server's other endpoints.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, p := range Paths {
		mux.Handle(p, h)
	}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := access.CheckHTTP(h.cfg.APIKey, r.Header); err != nil {
		msg := "this server requires its API key as Authorization: Bearer KEY"
		if err == access.ErrKeysDisagree {
			msg = "the api-key header and the Authorization bearer token differ; send one key"
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="nexus"`)
		writeError(w, &APIError{Status: http.StatusUnauthorized, Type: typeAuthentication, Code: str("invalid_api_key"), Message: msg})
		return
	}
	path := r.URL.Path
	var post bool
	switch {
	case path == "/v1/models":
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.handleModels(w)
			return
		}
	case strings.HasPrefix(path, "/v1/models/"):
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.handleModel(w, strings.TrimPrefix(path, "/v1/models/"))
			return
		}
	case path == "/v1/completions", path == "/v1/chat/completions", path == "/v1/embeddings":
		post = true
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxRequestBytes)
			switch path {
			case "/v1/completions":
				h.handleCompletions(w, r)
			case "/v1/chat/completions":
				h.handleChat(w, r)
			default:
				h.handleEmbeddings(w, r)
			}
			return
		}
	default:
		writeError(w, &APIError{Status: http.StatusNotFound, Type: typeInvalidRequest, Code: str("unknown_url"),
			Message: fmt.Sprintf("no such endpoint: %s %s", r.Method, path)})
		return
	}
	allow := "GET, HEAD"
	if post {
		allow = "POST"
	}
	w.Header().Set("Allow", allow)
	writeError(w, &APIError{Status: http.StatusMethodNotAllowed, Type: typeInvalidRequest, Code: str("method_not_allowed"),
		Message: fmt.Sprintf("%s %s is not allowed (use %s)", r.Method, path, allow)})
}

func (e *entry) object() modelObject {
	return modelObject{ID: e.name, Object: "model", Created: e.created, OwnedBy: "nexus"}
}

func (h *Handler) handleModels(w http.ResponseWriter) {
	list := modelList{Object: "list", Data: []modelObject{}}
	for _, e := range h.entries() {
		list.Data = append(list.Data, e.object())
	}
	writeJSON(w, list)
}

func (h *Handler) handleModel(w http.ResponseWriter, name string) {
	e, _ := h.find(name)
	if e == nil {
		writeError(w, notFoundModel(name))
		return
	}
	writeJSON(w, e.object())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// decode reads a JSON request body into v. The Content-Type is not
// checked: curl users often leave it at its form default.
func decode(r *http.Request, v any) *APIError {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &APIError{Status: http.StatusRequestEntityTooLarge, Type: typeInvalidRequest, Code: str("request_too_large"),
				Message: fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit)}
		}
		return &APIError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Code: str("invalid_json"),
			Message: fmt.Sprintf("the request body is not valid JSON: %v", err)}
	}
	if dec.More() {
		return &APIError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Code: str("invalid_json"),
			Message: "the request body holds more than one JSON value"}
	}
	return nil
}

// lookup finds a request's model; an empty name means the first served
// model (as single-model local servers do).
func (h *Handler) lookup(name string) (*entry, *APIError) {
	if name == "" {
		if es := h.entries(); len(es) > 0 {
			return es[0], nil
		}
		return nil, errNoModel
	}
	e, served := h.find(name)
	switch {
	case e != nil:
		return e, nil
	case !served:
		return nil, errNoModel
	}
	return nil, notFoundModel(name)
}

// lookupGen is lookup for the generation endpoints, which an embedding
// model cannot serve.
func (h *Handler) lookupGen(name string) (*entry, *APIError) {
	e, aerr := h.lookup(name)
	if aerr == nil && e.m == nil {
		return nil, invalid("model", "model %q is an embedding model: use POST /v1/embeddings", e.name)
	}
	return e, aerr
}

// checkPrompt bounds a prompt's token ids.
func (e *entry) checkPrompt(ids []int) *APIError {
	if len(ids) == 0 {
		return invalid("prompt", "the prompt is empty")
	}
	if len(ids) >= e.ctxLen {
		return &APIError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Param: str("messages"), Code: str("context_length_exceeded"),
			Message: fmt.Sprintf("the prompt is %d tokens; this model's context holds %d (prompt and completion)", len(ids), e.ctxLen)}
	}
	nv := e.m.Net.Config.NVocab
	for _, id := range ids {
		if id < 0 || id >= nv {
			return invalid("prompt", "token id %d is out of the vocabulary [0, %d)", id, nv)
		}
	}
	return nil
}

// request is a validated generation request.
type request struct {
	e   *entry
	ids []int // the prompt
	s   sampling
}

func (h *Handler) handleCompletions(w http.ResponseWriter, r *http.Request) {
	req, aerr := h.parseCompletion(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	h.serve(w, r, req, completionFormat{})
}

func (h *Handler) handleChat(w http.ResponseWriter, r *http.Request) {
	req, aerr := h.parseChat(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	h.serve(w, r, req, chatFormat{})
}

func (h *Handler) parseCompletion(r *http.Request) (req request, aerr *APIError) {
	var body completionRequest
	if aerr = decode(r, &body); aerr != nil {
		return req, aerr
	}
	if req.e, aerr = h.lookupGen(body.Model); aerr != nil {
		return req, aerr
	}
	if req.s, aerr = h.parseCommon(&body.commonRequest, body.MaxTokens, min(completionDefaultTokens, h.cfg.MaxTokens)); aerr != nil {
		return req, aerr
	}
	if body.Suffix != nil && *body.Suffix != "" {
		return req, invalid("suffix", "suffix (insertion) is not supported")
	}
	p, aerr := parsePrompt(body.Prompt)
	if aerr != nil {
		return req, aerr
	}
	m := req.e.m
	req.ids = p.tokens
	if !p.isIDs {
		switch {
		case p.text == "":
			return req, invalid("prompt", "the prompt is empty")
		case m.Tok == nil:
			return req, invalid("prompt", "model %q has no usable tokenizer (%v): send the prompt as token ids", req.e.name, m.TokErr)
		}
		var err error
		if req.ids, err = m.Tokenize(p.text); err != nil {
			return req, invalid("prompt", "tokenizing the prompt: %v", err)
		}
	}
	if aerr = req.e.checkPrompt(req.ids); aerr != nil {
		aerr.Param = str("prompt")
	}
	return req, aerr
}

func (h *Handler) parseChat(r *http.Request) (req request, aerr *APIError) {
	var body chatRequest
	if aerr = decode(r, &body); aerr != nil {
		return req, aerr
	}
	if req.e, aerr = h.lookupGen(body.Model); aerr != nil {
		return req, aerr
	}
	maxTok := body.MaxTokens
	if body.MaxCompletionTokens != nil {
		maxTok = body.MaxCompletionTokens
	}
	if req.s, aerr = h.parseCommon(&body.commonRequest, maxTok, h.cfg.ChatMaxTokens); aerr != nil {
		return req, aerr
	}
	if t := strings.TrimSpace(string(body.Tools)); t != "" && t != "null" && t != "[]" {
		return req, invalid("tools", "tools (function calling) are not supported")
	}
	if req.ids, aerr = chatPrompt(req.e, &body); aerr != nil {
		return req, aerr
	}
	return req, req.e.checkPrompt(req.ids)
}

// chatPrompt renders the conversation as cortex.Model.Chat does.
func chatPrompt(e *entry, req *chatRequest) ([]int, *APIError) {
	if len(req.Messages) == 0 {
		return nil, invalid("messages", "messages must hold at least one message")
	}
	if e.m.Tok == nil {
		return nil, invalid("model", "model %q has no usable tokenizer (%v): use /v1/completions with token ids", e.name, e.m.TokErr)
	}
	msgs := make([]tokenizer.Message, len(req.Messages))
	for i, m := range req.Messages {
		text, err := contentText(i, m.Content)
		if err != nil {
			return nil, err
		}
		role := m.Role
		switch role {
		case "system", "user", "assistant", "tool":
		case "developer":
			role = "system"
		default:
			return nil, invalid(fmt.Sprintf("messages[%d].role", i), "unknown role %q (system, developer, user, assistant or tool)", m.Role)
		}
		msgs[i] = tokenizer.Message{Role: role, Content: text}
	}
	tok := e.m.Tok
	enc := tok.Encode(tok.ApplyChatTemplate(msgs, true), false, true)
	ids := make([]int, len(enc))
	for i, id := range enc {
		ids[i] = int(id)
	}
	return ids, nil
}

// randomSeed draws a seed for a sampled request that gave none.
func (h *Handler) randomSeed() uint64 {
	var b [8]byte
	rand.Read(b[:])
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
