package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// meta identifies one answer.
type meta struct {
	id      string
	created int64
	model   string
}

// format builds one endpoint's answers and stream chunks.
type format interface {
	idPrefix() string
	// start is the first stream chunk (nil: none).
	start(m meta) any
	delta(m meta, text string) any
	final(m meta, finish string) any
	usage(m meta, u usage) any
	response(m meta, text, finish string, u usage) any
}

type completionFormat struct{}

func (completionFormat) idPrefix() string { return "cmpl-" }
func (completionFormat) start(meta) any   { return nil }

func (completionFormat) chunk(m meta, choices []completionChoice, u *usage) completionResponse {
	return completionResponse{ID: m.id, Object: "text_completion", Created: m.created, Model: m.model,
		SystemFingerprint: fingerprint, Choices: choices, Usage: u}
}

func (f completionFormat) delta(m meta, text string) any {
	return f.chunk(m, []completionChoice{{Text: text}}, nil)
}

func (f completionFormat) final(m meta, finish string) any {
	return f.chunk(m, []completionChoice{{FinishReason: &finish}}, nil)
}

func (f completionFormat) usage(m meta, u usage) any {
	return f.chunk(m, []completionChoice{}, &u)
}

func (f completionFormat) response(m meta, text, finish string, u usage) any {
	return f.chunk(m, []completionChoice{{Text: text, FinishReason: &finish}}, &u)
}

type chatFormat struct{}

func (chatFormat) idPrefix() string { return "chatcmpl-" }

func (chatFormat) chunk(m meta, choices []chatChunkChoice, u *usage) chatChunk {
	return chatChunk{ID: m.id, Object: "chat.completion.chunk", Created: m.created, Model: m.model,
		SystemFingerprint: fingerprint, Choices: choices, Usage: u}
}

func (f chatFormat) start(m meta) any {
	empty := ""
	return f.chunk(m, []chatChunkChoice{{Delta: chatDelta{Role: "assistant", Content: &empty}}}, nil)
}

func (f chatFormat) delta(m meta, text string) any {
	return f.chunk(m, []chatChunkChoice{{Delta: chatDelta{Content: &text}}}, nil)
}

func (f chatFormat) final(m meta, finish string) any {
	return f.chunk(m, []chatChunkChoice{{FinishReason: &finish}}, nil)
}

func (f chatFormat) usage(m meta, u usage) any {
	return f.chunk(m, []chatChunkChoice{}, &u)
}

func (chatFormat) response(m meta, text, finish string, u usage) any {
	return chatResponse{ID: m.id, Object: "chat.completion", Created: m.created, Model: m.model,
		SystemFingerprint: fingerprint, Usage: u,
		Choices: []chatChoice{{Message: chatMessageOut{Role: "assistant", Content: text}, FinishReason: finish}}}
}

// fingerprint is the system_fingerprint of every answer.
const fingerprint = "nexus-cortex"

// errBusy is returned by acquire when the queue is full.
var errBusy = &APIError{Status: http.StatusTooManyRequests, Type: typeRateLimit, Code: str("rate_limit_exceeded"),
	Message: "too many requests are waiting for the engine; retry later"}

// acquire waits for a generation slot. It fails with errBusy when
// Config.MaxQueue requests already wait, or with ctx's error.
func (h *Handler) acquire(ctx context.Context) (func(), error) {
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	default:
	}
	if h.waiting.Add(1) > int64(h.cfg.MaxQueue) {
		h.waiting.Add(-1)
		return nil, errBusy
	}
	defer h.waiting.Add(-1)
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// sse writes server-sent events.
type sse struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// streamWriteTimeout bounds one event's write: a client that stops
// reading without disconnecting must not hold a generation slot forever.
const streamWriteTimeout = 30 * time.Second

func (s *sse) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.write(append(append([]byte("data: "), b...), '\n', '\n'))
}

func (s *sse) done() error { return s.write([]byte("data: [DONE]\n\n")) }

func (s *sse) write(b []byte) error {
	// ErrNotSupported (a ResponseWriter without deadlines) leaves writes
	// unbounded, as they were.
	s.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.flush()
}

func (s *sse) flush() error {
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// serve runs a validated request and writes the answer.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, req request, f format) {
	ctx := r.Context()
	e, s := req.e, req.s
	m := meta{id: newID(f.idPrefix()), created: time.Now().Unix(), model: e.name}
	log := h.log.With("id", m.id, "model", e.name, "path", r.URL.Path, "stream", s.stream)
	release, err := h.acquire(ctx)
	if err != nil {
		var aerr *APIError
		if errors.As(err, &aerr) {
			log.Warn("openai: request refused", "err", err)
			writeError(w, aerr)
		} else {
			log.Info("openai: client left while queued", "err", err)
		}
		return
	}
	defer release()
	start := time.Now()

	var stream *sse
	var emit func(string) error
	if s.stream {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		stream = &sse{w: w, rc: http.NewResponseController(w)}
		// The connection may serve later requests: leave no deadline.
		defer stream.rc.SetWriteDeadline(time.Time{})
		// Clients see the answer begin before the prompt is processed.
		c := f.start(m)
		if c == nil {
			err = stream.flush()
		} else {
			err = stream.send(c)
		}
		if err != nil {
			log.Info("openai: client left", "err", err)
			return
		}
		emit = func(text string) error { return stream.send(f.delta(m, text)) }
	}

	res, err := h.generate(ctx, e, req.ids, s, emit)
	if h.done != nil {
		h.done(res, err)
	}
	if err != nil {
		if ctx.Err() != nil {
			log.Info("openai: generation stopped: client left", "prompt_tokens", res.promptTokens,
				"completion_tokens", res.completionTokens, "err", err)
			return
		}
		log.Error("openai: generation failed", "err", err)
		aerr := &APIError{Status: http.StatusInternalServerError, Type: typeServer,
			Message: fmt.Sprintf("generation failed: %v", err)}
		if stream != nil {
			stream.send(errorBody{aerr})
		} else {
			writeError(w, aerr)
		}
		return
	}
	u := usage{PromptTokens: res.promptTokens, CompletionTokens: res.completionTokens,
		TotalTokens: res.promptTokens + res.completionTokens}
	u.PromptTokensDetails.CachedTokens = res.cachedTokens
	log.Info("openai: generation", "prompt_tokens", u.PromptTokens, "cached_tokens", res.cachedTokens,
		"completion_tokens", u.CompletionTokens,
		"finish", res.finish, "duration", time.Since(start).Round(time.Millisecond))
	if stream == nil {
		writeJSON(w, f.response(m, res.text, res.finish, u))
		return
	}
	if err := stream.send(f.final(m, res.finish)); err != nil {
		return
	}
	if s.includeUsage {
		if err := stream.send(f.usage(m, u)); err != nil {
			return
		}
	}
	stream.done()
}
