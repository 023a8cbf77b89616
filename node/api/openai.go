package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"nexusos/cortex"
	"nexusos/cortex/bitnet"
	"nexusos/cortex/tokenizer"
)

// Limits of the OpenAI-compatible endpoints.
const (
	DefaultMaxTokens = 256
	MaxMaxTokens     = 4096
	maxMessages      = 256
)

// cortexEngine keeps the one loaded model and serialises generations on
// it (inference uses every core; two at once would only be slower).
type cortexEngine struct {
	mu sync.Mutex
	// name and model are the loaded model; guarded by mu, which is also
	// held for the whole of a generation.
	name  string
	model *cortex.Model
	seq   atomic.Int64
}

// close unloads the model.
func (c *cortexEngine) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.model == nil {
		return nil
	}
	err := c.model.Close()
	c.model, c.name = nil, ""
	return err
}

// Close releases what the server loaded (a Cortex model). Call it after
// the HTTP server has shut down.
func (s *Server) Close() error { return s.cortex.close() }

var errNoModel = errorf(http.StatusServiceUnavailable, "%s", CortexHint)

// withModel runs fn with the named model loaded (the first added model
// when name is empty), holding the engine for the whole call.
func (s *Server) withModel(name string, fn func(m *cortex.Model, name string) error) error {
	names, err := cortex.List(s.cfg.Home)
	if err != nil {
		return fmt.Errorf("list models: %w", err)
	}
	if s.cfg.Home == "" || len(names) == 0 {
		return errNoModel
	}
	if name == "" {
		name = names[0]
	}
	if !contains(names, name) {
		return errorf(http.StatusNotFound, "model %q not found; added models: %s", name, strings.Join(names, ", "))
	}
	c := &s.cortex
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.model == nil || c.name != name {
		if c.model != nil {
			c.model.Close()
			c.model, c.name = nil, ""
		}
		path, err := cortex.Resolve(s.cfg.Home, name)
		if err != nil {
			return err
		}
		s.log.Info("loading model", "model", name, "path", path)
		m, err := cortex.Load(path, cortex.LoadOptions{})
		if err != nil {
			return err
		}
		if m.Tok == nil {
			m.Close()
			return errorf(http.StatusUnprocessableEntity, "model %s: %v", name, m.TokErr)
		}
		c.model, c.name = m, name
	}
	return fn(c.model, name)
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	names, err := cortex.List(s.cfg.Home)
	if err != nil {
		fail(w, err)
		return
	}
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	data := []model{}
	for _, n := range names {
		data = append(data, model{ID: n, Object: "model", Created: s.started.Unix(), OwnedBy: "nexus"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

// genRequest holds the fields both completion endpoints share.
type genRequest struct {
	Model       string   `json:"model"`
	MaxTokens   *int     `json:"max_tokens"`
	Temperature *float32 `json:"temperature"`
	TopP        *float32 `json:"top_p"`
	Seed        *uint64  `json:"seed"`
	Stream      bool     `json:"stream"`
	// Accepted and ignored, so common clients work unchanged.
	N                int             `json:"n"`
	Stop             json.RawMessage `json:"stop"`
	User             string          `json:"user"`
	PresencePenalty  float32         `json:"presence_penalty"`
	FrequencyPenalty float32         `json:"frequency_penalty"`
	StreamOptions    json.RawMessage `json:"stream_options"`
}

func (g genRequest) options() (cortex.GenerateOptions, error) {
	o := cortex.GenerateOptions{MaxTokens: DefaultMaxTokens, Sampler: bitnet.SamplerConfig{Temperature: 0.7, TopP: 0.95, Seed: uint64(time.Now().UnixNano())}}
	if g.MaxTokens != nil {
		if *g.MaxTokens < 1 || *g.MaxTokens > MaxMaxTokens {
			return o, errorf(http.StatusBadRequest, "max_tokens %d: want 1..%d", *g.MaxTokens, MaxMaxTokens)
		}
		o.MaxTokens = *g.MaxTokens
	}
	if g.Temperature != nil {
		if *g.Temperature < 0 || *g.Temperature > 2 {
			return o, errorf(http.StatusBadRequest, "temperature %g: want 0..2", *g.Temperature)
		}
		o.Sampler.Temperature = *g.Temperature
	}
	if g.TopP != nil {
		o.Sampler.TopP = *g.TopP
	}
	if g.Seed != nil {
		o.Sampler.Seed = *g.Seed
	}
	if g.N > 1 {
		return o, errorf(http.StatusBadRequest, "n %d: only one choice is generated", g.N)
	}
	return o, nil
}

func finishReason(stop string) string {
	if stop == "eos" {
		return "stop"
	}
	return "length"
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func usageOf(res *cortex.Result) usage {
	if res == nil {
		return usage{}
	}
	return usage{len(res.PromptTokens), len(res.Tokens), len(res.PromptTokens) + len(res.Tokens)}
}

// sse writes server-sent events for a streamed completion.
type sse struct {
	w       http.ResponseWriter
	started bool
}

func (e *sse) send(v any) error {
	if !e.started {
		e.w.Header().Set("Content-Type", "text/event-stream")
		e.w.Header().Set("Cache-Control", "no-cache")
		e.w.WriteHeader(http.StatusOK)
		e.started = true
	}
	var b []byte
	if s, ok := v.(string); ok {
		b = []byte(s)
	} else {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(e.w, "data: %s\n\n", b); err != nil {
		return err
	}
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// generation runs one completion: prompt builds the token ids; chunk
// makes a streamed event of a piece of text (and of the finish reason when
// done); final makes the whole answer.
func (s *Server) generation(w http.ResponseWriter, r *http.Request, g genRequest,
	prompt func(m *cortex.Model) ([]int, error),
	chunk func(id, model string, piece string, finish *string) any,
	final func(id, model string, res *cortex.Result) any, prefix string) {
	opts, err := g.options()
	if err != nil {
		fail(w, err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-s.cfg.Done:
			cancel()
		case <-ctx.Done():
		}
	}()
	id := fmt.Sprintf("%s-%d-%d", prefix, s.started.Unix(), s.cortex.seq.Add(1))
	ev := &sse{w: w}
	err = s.withModel(g.Model, func(m *cortex.Model, name string) error {
		ids, err := prompt(m)
		if err != nil {
			return err
		}
		if g.Stream {
			opts.OnToken = func(t cortex.Token) error {
				if t.Text == "" {
					return nil
				}
				return ev.send(chunk(id, name, t.Text, nil))
			}
		}
		res, err := m.GenerateTokens(ctx, ids, opts)
		if err != nil {
			return err
		}
		if g.Stream {
			fr := finishReason(res.StopReason)
			if err := ev.send(chunk(id, name, "", &fr)); err != nil {
				return err
			}
			return ev.send("[DONE]")
		}
		writeJSON(w, http.StatusOK, final(id, name, res))
		return nil
	})
	if err != nil {
		if ev.started {
			ev.send(map[string]any{"error": map[string]string{"message": err.Error()}})
			return
		}
		if errors.Is(err, cortex.ErrNoTokenizer) {
			err = errorf(http.StatusUnprocessableEntity, "%v", err)
		}
		fail(w, err)
	}
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var req struct {
		genRequest
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := decodeLoose(r, &req); err != nil {
		fail(w, err)
		return
	}
	if len(req.Messages) == 0 || len(req.Messages) > maxMessages {
		fail(w, errorf(http.StatusBadRequest, "messages: want 1..%d", maxMessages))
		return
	}
	var msgs []tokenizer.Message
	for _, m := range req.Messages {
		switch m.Role {
		case "system", "user", "assistant":
		default:
			fail(w, errorf(http.StatusBadRequest, "message role %q: want system, user or assistant", m.Role))
			return
		}
		msgs = append(msgs, tokenizer.Message{Role: m.Role, Content: m.Content})
	}
	created := time.Now().Unix()
	s.generation(w, r, req.genRequest,
		func(m *cortex.Model) ([]int, error) {
			return toInts(m.Tok.Encode(m.Tok.ApplyChatTemplate(msgs, true), false, true)), nil
		},
		func(id, model, piece string, finish *string) any {
			delta := map[string]string{}
			if piece != "" {
				delta["role"], delta["content"] = "assistant", piece
			}
			return map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
				"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
		},
		func(id, model string, res *cortex.Result) any {
			return map[string]any{"id": id, "object": "chat.completion", "created": created, "model": model,
				"choices": []any{map[string]any{"index": 0, "message": map[string]string{"role": "assistant", "content": res.Text},
					"finish_reason": finishReason(res.StopReason)}},
				"usage": usageOf(res)}
		}, "chatcmpl")
}

func (s *Server) handleCompletions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		genRequest
		Prompt string `json:"prompt"`
	}
	if err := decodeLoose(r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.Prompt == "" {
		fail(w, errorf(http.StatusBadRequest, "prompt: want a non-empty string"))
		return
	}
	created := time.Now().Unix()
	s.generation(w, r, req.genRequest,
		func(m *cortex.Model) ([]int, error) { return m.Tokenize(req.Prompt) },
		func(id, model, piece string, finish *string) any {
			return map[string]any{"id": id, "object": "text_completion", "created": created, "model": model,
				"choices": []any{map[string]any{"index": 0, "text": piece, "finish_reason": finish}}}
		},
		func(id, model string, res *cortex.Result) any {
			return map[string]any{"id": id, "object": "text_completion", "created": created, "model": model,
				"choices": []any{map[string]any{"index": 0, "text": res.Text, "finish_reason": finishReason(res.StopReason)}},
				"usage":   usageOf(res)}
		}, "cmpl")
}

// decodeLoose reads a JSON body, ignoring unknown fields (OpenAI clients
// send many).
func decodeLoose(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, "request body: %v", err)
	}
	return nil
}

func toInts(ids []int32) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}
