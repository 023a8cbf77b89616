package cortex

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"nexusos/cortex/bitnet"
)

// Token is one generated token.
type Token struct {
	ID   int
	Text string
}

// GenerateOptions control a generation.
type GenerateOptions struct {
	MaxTokens int // 0: 128
	Sampler   bitnet.SamplerConfig
	Threads   int // 0: GOMAXPROCS
	Context   int // KV cache length (0: min(model's, 4096))
	IgnoreEOS bool
	// Stop ends the generation at the first of these strings in the
	// generated text; the text (Result.Text, OnText) ends just before it.
	Stop []string
	// Cache, when set, keeps the KV cache of the model's last sequence
	// between generations (see PrefixCache).
	Cache *PrefixCache
	// OnToken is called for every generated token as soon as it is
	// sampled; a non-nil error stops the generation and is returned.
	OnToken func(Token) error
	// OnText is called with generated text as it becomes safe to show:
	// text that may be the start of a stop string is held back until it is
	// known not to be, and a chunk never ends inside a UTF-8 sequence that
	// a later token may complete. The chunks add up to Result.Text. A
	// non-nil error stops the generation and is returned.
	OnText func(string) error
}

// Result is a finished generation.
type Result struct {
	PromptTokens []int
	// Tokens are the generated tokens, including the one that completed a
	// stop string (but not an end-of-generation token).
	Tokens []int
	// Text is the text of Tokens, cut before the stop string if one was
	// found.
	Text string
	// StopReason is "eos" (end of sequence or of turn), "stop" (a
	// stop string), "length" (MaxTokens) or "context" (the KV cache is
	// full).
	StopReason string
	// CachedTokens is how many prompt tokens were reused from
	// GenerateOptions.Cache.
	CachedTokens int
	PromptTime   time.Duration
	GenTime      time.Duration
}

// Generate tokenizes prompt and continues it.
func (m *Model) Generate(ctx context.Context, prompt string, opts GenerateOptions) (*Result, error) {
	ids, err := m.Tokenize(prompt)
	if err != nil {
		return nil, err
	}
	return m.GenerateTokens(ctx, ids, opts)
}

// PrefixCache keeps the KV cache of one model's last sequence, so that a
// generation sharing a prefix with the previous one (a chat resending its
// history, a shared system prompt) only processes what is new. The engine's
// forward pass is batch-invariant, so the tokens are the same with and
// without the cache.
//
// One generation uses the cache at a time; a generation that finds it busy
// runs on a session of its own. The zero value is an empty cache; Close
// stops its session's worker threads. It is safe for concurrent use.
type PrefixCache struct {
	mu sync.Mutex // held by the generation using the cache
	// s is the cached session (nil until first used), net the model it
	// belongs to and tokens the ids whose keys and values it holds;
	// guarded by mu.
	s      *bitnet.Session
	net    *bitnet.Model
	tokens []int
}

// take returns the cache, locked, or nil when another generation uses it.
func (c *PrefixCache) take() *PrefixCache {
	if c == nil || !c.mu.TryLock() {
		return nil
	}
	return c
}

// Close empties the cache and stops its session's worker threads. The
// cache can be used again afterwards.
func (c *PrefixCache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s != nil {
		c.s.Close()
	}
	c.s, c.net, c.tokens = nil, nil, nil
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []int) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// promptBatch is the engine's default prompt batch, set explicitly so that
// every session splits prompts alike.
const promptBatch = 128

// GenerateTokens continues a prompt given as token ids. It is the one decode
// loop of Cortex: the CLI, the OpenAI server and microVM apps all generate
// through it.
//
// Each step samples a token from the last logits; an end-of-generation token
// (unless IgnoreEOS) ends the generation without being part of it; the
// token goes to OnToken and its text, once safe, to OnText; a stop string,
// MaxTokens or a full KV cache ends the generation; otherwise the token is
// fed back. The KV cache is opts.Cache's session when the cache is free,
// else a new session sized to the prompt plus MaxTokens (at most Context).
//
// # Errors
//
// An empty prompt, a prompt that does not fit the context, ctx.Err() (when
// ctx is cancelled; checked between layers), and callback errors, as
// returned. After the prompt has run the partial Result is returned with
// the error.
func (m *Model) GenerateTokens(ctx context.Context, prompt []int, opts GenerateOptions) (*Result, error) {
	if len(prompt) == 0 {
		return nil, errors.New("cortex: empty prompt")
	}
	n := opts.MaxTokens
	if n <= 0 {
		n = 128
	}
	ctxLen := opts.Context
	if ctxLen <= 0 {
		ctxLen = min(m.Net.Config.NCtxTrain, 4096)
	}
	res := &Result{PromptTokens: append([]int(nil), prompt...), StopReason: "length"}

	var sess *bitnet.Session
	var err error
	cache := opts.Cache.take()
	if cache != nil {
		defer cache.mu.Unlock()
		if cache.s != nil && (cache.net != m.Net || cache.s.Context() != ctxLen) {
			cache.s.Close()
			cache.s, cache.net, cache.tokens = nil, nil, nil
		}
		if cache.s == nil {
			if cache.s, err = m.Net.NewSession(bitnet.SessionConfig{Context: ctxLen, Threads: opts.Threads, Batch: promptBatch}); err != nil {
				return nil, err
			}
			cache.net = m.Net
		}
		sess = cache.s
		// At least the last prompt token runs, for its logits.
		res.CachedTokens = min(commonPrefix(cache.tokens, prompt), len(prompt)-1)
		sess.Reset(res.CachedTokens)
		cache.tokens = cache.tokens[:res.CachedTokens]
		defer func() {
			// The cache holds what the session holds: after an error
			// that may be a prefix of what was fed (Session.Forward).
			if sess.Pos() < len(cache.tokens) {
				cache.tokens = cache.tokens[:sess.Pos()]
			}
		}()
	} else {
		if sess, err = m.Net.NewSession(bitnet.SessionConfig{Context: min(ctxLen, len(prompt)+n),
			Threads: opts.Threads, Batch: promptBatch}); err != nil {
			return nil, err
		}
		defer sess.Close()
	}
	feed := func(toks []int) ([]float32, error) {
		logits, err := sess.Forward(ctx, toks, false)
		if err == nil && cache != nil {
			cache.tokens = append(cache.tokens, toks...)
		}
		return logits, err
	}

	smp := bitnet.NewSampler(opts.Sampler)
	for _, t := range prompt {
		smp.Accept(t)
	}
	start := time.Now()
	logits, err := feed(prompt[res.CachedTokens:])
	if err != nil {
		return nil, fmt.Errorf("cortex: prompt: %w", err)
	}
	res.PromptTime = time.Since(start)
	start = time.Now()
	defer func() { res.GenTime = time.Since(start) }()
	st := newStopper(opts.Stop)
	for i := 0; i < n; i++ {
		tok := smp.Sample(logits)
		smp.Accept(tok)
		if m.isEnd(tok) && !opts.IgnoreEOS {
			res.StopReason = "eos"
			break
		}
		res.Tokens = append(res.Tokens, tok)
		piece := m.TokenText(tok)
		out, stopped := st.push(piece)
		if out != "" && opts.OnText != nil {
			if err := opts.OnText(out); err != nil {
				res.Text = st.text()
				return res, err
			}
		}
		if opts.OnToken != nil {
			if err := opts.OnToken(Token{ID: tok, Text: piece}); err != nil {
				res.Text = st.text()
				return res, err
			}
		}
		if stopped {
			res.StopReason = "stop"
			break
		}
		if i == n-1 {
			break
		}
		if sess.Pos() >= sess.Context() {
			res.StopReason = "context"
			break
		}
		if logits, err = feed([]int{tok}); err != nil {
			res.Text = st.text()
			return res, fmt.Errorf("cortex: decode: %w", err)
		}
	}
	res.Text = st.text()
	if rest := st.flush(); rest != "" && opts.OnText != nil {
		if err := opts.OnText(rest); err != nil {
			return res, err
		}
	}
	return res, nil
}
