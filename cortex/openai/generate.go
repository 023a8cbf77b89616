package openai

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"nexusos/cortex/bitnet"
)

// genResult is a finished generation.
type genResult struct {
	text             string
	promptTokens     int
	completionTokens int
	cachedTokens     int    // prompt tokens reused from the prefix cache
	finish           string // "stop" or "length"
}

// errStopSeq ends a generation at a stop sequence.
var errStopSeq = errors.New("openai: stop sequence reached")

// prefixCache keeps one model's last sequence in a KV cache, so that a
// request sharing a prefix with the previous one (a chat resending its
// history, a system prompt) only processes what is new.
type prefixCache struct {
	mu sync.Mutex // held by the generation using the cache
	// s is the cached session (nil until first used) and tokens the ids
	// whose keys and values it holds; guarded by mu.
	s      *bitnet.Session
	tokens []int
}

// take returns the cache, locked, or nil when another generation uses it.
func (c *prefixCache) take() *prefixCache {
	if c == nil || !c.mu.TryLock() {
		return nil
	}
	return c
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []int) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// generate runs one generation, handing text to emit (when not nil) as it
// becomes safe to send. It computes what cortex.Model.GenerateTokens does
// (same sampler, same end-of-generation tokens), on the model's cached
// session when it is free, else on a new one sized to the request.
func (h *Handler) generate(ctx context.Context, e *entry, ids []int, s sampling, emit func(string) error) (gr genResult, err error) {
	gr.promptTokens = len(ids)
	net := e.m.Net
	var sess *bitnet.Session
	cache := e.cache.take()
	reused := 0
	if cache != nil {
		defer cache.mu.Unlock()
		if cache.s == nil {
			if cache.s, err = net.NewSession(bitnet.SessionConfig{Context: e.ctxLen, Threads: h.cfg.Threads, Batch: promptBatch}); err != nil {
				return gr, err
			}
		}
		sess = cache.s
		// At least the last prompt token runs, for its logits.
		reused = min(commonPrefix(cache.tokens, ids), len(ids)-1)
		sess.Reset(reused)
		cache.tokens = cache.tokens[:reused]
		defer func() {
			// The cache holds what the session holds: after an error
			// that may be a prefix of what was fed (Session.Forward).
			if sess.Pos() < len(cache.tokens) {
				cache.tokens = cache.tokens[:sess.Pos()]
			}
		}()
	} else {
		if sess, err = net.NewSession(bitnet.SessionConfig{Context: min(e.ctxLen, len(ids)+s.maxTokens),
			Threads: h.cfg.Threads, Batch: promptBatch}); err != nil {
			return gr, err
		}
		defer sess.Close()
	}
	gr.cachedTokens = reused
	feed := func(toks []int) ([]float32, error) {
		logits, err := sess.Forward(ctx, toks, false)
		if err == nil && cache != nil {
			cache.tokens = append(cache.tokens, toks...)
		}
		return logits, err
	}

	smp := bitnet.NewSampler(bitnet.SamplerConfig{Temperature: s.temperature, TopK: s.topK, TopP: s.topP, Seed: s.seed})
	for _, t := range ids {
		smp.Accept(t)
	}
	logits, err := feed(ids[reused:])
	if err != nil {
		return gr, fmt.Errorf("openai: prompt: %w", err)
	}
	st := newStopper(s.stops)
	gr.finish = "length"
	for i := 0; i < s.maxTokens; i++ {
		tok := smp.Sample(logits)
		smp.Accept(tok)
		if h.isEnd(e, tok) {
			gr.finish = "stop"
			break
		}
		gr.completionTokens++
		out, stopped := st.push(e.m.TokenText(tok))
		if out != "" && emit != nil {
			if err := emit(out); err != nil {
				return gr, fmt.Errorf("openai: write to client: %w", err)
			}
		}
		if h.afterToken != nil {
			h.afterToken(ctx, gr.completionTokens)
		}
		if stopped {
			gr.finish = "stop"
			break
		}
		if i == s.maxTokens-1 || sess.Pos() >= sess.Context() {
			break
		}
		if logits, err = feed([]int{tok}); err != nil {
			return gr, fmt.Errorf("openai: decode: %w", err)
		}
	}
	if rest := st.flush(); rest != "" && emit != nil {
		if err := emit(rest); err != nil {
			return gr, fmt.Errorf("openai: write to client: %w", err)
		}
	}
	gr.text = st.text()
	return gr, nil
}

// promptBatch is the engine's default prompt batch, set explicitly so that
// every session splits prompts alike.
const promptBatch = 128

// isEnd reports whether tok ends a generation, as cortex does: end of
// sequence or of turn.
func (h *Handler) isEnd(e *entry, tok int) bool {
	if e.m.Tok != nil {
		return tok >= 0 && tok < e.m.Tok.NumTokens() && e.m.Tok.IsEOG(int32(tok))
	}
	return tok == e.m.EOS()
}
