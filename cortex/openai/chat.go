package openai

import (
	"context"
	"errors"
	"fmt"
	"time"

	"nexusos/cortex/tokenizer"
)

// ChatRequest is a chat generation asked for from inside the process
// (Handler.Chat): MemexFS's abstractive summaries.
type ChatRequest struct {
	// Model is the served language model's name; "" picks the first
	// language model served (in the order served: by name for OpenHome).
	Model    string
	Messages []tokenizer.Message
	// MaxTokens bounds the reply (0: Config.ChatMaxTokens; never more
	// than Config.MaxTokens, nor than the context leaves after the
	// prompt).
	MaxTokens int
	// Temperature 0 decodes greedily (the same prompt, the same reply).
	Temperature float32
}

// ChatReply is a finished Handler.Chat generation.
type ChatReply struct {
	Model            string
	Text             string
	Finish           string // "stop" (the model ended) or "length"
	PromptTokens     int
	CompletionTokens int
	Duration         time.Duration
}

// Errors of Handler.Chat.
var (
	// ErrNoChatModel is returned when no language model is served (or
	// ChatRequest.Model names none).
	ErrNoChatModel = errors.New("openai: no chat model is served (add one with nexus cortex add FILE.gguf)")
	// ErrPromptTooLong is returned when the prompt leaves no room for a
	// reply in the model's context.
	ErrPromptTooLong = errors.New("openai: the prompt does not fit the model's context")
)

// Chat generates a reply to req.Messages as /v1/chat/completions does:
// the same models (loaded when first asked for), the same generation
// slots and queue (Config.MaxConcurrent, Config.MaxQueue), the model's
// chat template and prefix cache. It stops with ctx (the caller's
// deadline), returning ctx's error.
//
// # Errors
//
// ErrNoChatModel, ErrPromptTooLong (wrapped, with the sizes), the queue
// being full, ctx's error, or the engine's.
func (h *Handler) Chat(ctx context.Context, req ChatRequest) (ChatReply, error) {
	e, err := h.chatEntry(req.Model)
	if err != nil {
		return ChatReply{}, err
	}
	if e.m.Tok == nil {
		return ChatReply{}, fmt.Errorf("openai: model %q has no usable tokenizer: %v", e.name, e.m.TokErr)
	}
	tok := e.m.Tok
	enc := tok.Encode(tok.ApplyChatTemplate(req.Messages, true), false, true)
	ids := make([]int, len(enc))
	for i, id := range enc {
		ids[i] = int(id)
	}
	room := e.ctxLen - len(ids)
	if room < 1 {
		return ChatReply{Model: e.name, PromptTokens: len(ids)}, fmt.Errorf("%w: %d prompt tokens, model %q holds %d", ErrPromptTooLong, len(ids), e.name, e.ctxLen)
	}
	s := sampling{maxTokens: req.MaxTokens, temperature: req.Temperature, topP: 1}
	if s.maxTokens <= 0 {
		s.maxTokens = h.cfg.ChatMaxTokens
	}
	s.maxTokens = min(s.maxTokens, h.cfg.MaxTokens, room)
	if s.temperature > 0 {
		s.seed = h.randomSeed()
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return ChatReply{Model: e.name, PromptTokens: len(ids)}, err
	}
	defer release()
	start := time.Now()
	res, err := h.generate(ctx, e, ids, s, nil)
	if h.done != nil {
		h.done(res, err)
	}
	reply := ChatReply{Model: e.name, Text: res.text, Finish: res.finish, PromptTokens: len(ids),
		CompletionTokens: res.completionTokens, Duration: time.Since(start)}
	if err != nil {
		return reply, err
	}
	h.log.Info("openai: in-process chat", "model", e.name, "prompt_tokens", reply.PromptTokens,
		"completion_tokens", reply.CompletionTokens, "finish", reply.Finish, "duration", reply.Duration.Round(time.Millisecond))
	return reply, nil
}

// chatEntry finds the language model name names ("": the first served).
func (h *Handler) chatEntry(name string) (*entry, error) {
	if name != "" {
		e, _ := h.find(name)
		if e == nil || e.m == nil {
			return nil, fmt.Errorf("%w: %q is not a served chat model", ErrNoChatModel, name)
		}
		return e, nil
	}
	for _, e := range h.entries() {
		if e.m != nil {
			return e, nil
		}
	}
	return nil, ErrNoChatModel
}
