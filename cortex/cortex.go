// Package cortex is NexusOS's language-model engine: it loads BitNet b1.58
// models from GGUF files and generates text on the CPU. It is the API that
// the CLI, the server and microVM apps use; the model graph lives in
// cortex/bitnet, the file format in cortex/gguf, the kernels in
// cortex/kernels and tokenization in cortex/tokenizer.
//
//	m, err := cortex.Load("model.gguf", cortex.LoadOptions{})
//	defer m.Close()
//	res, err := m.GenerateTokens(ctx, []int{1, 302, 415}, cortex.GenerateOptions{
//		MaxTokens: 32,
//		OnToken:   func(t cortex.Token) error { fmt.Print(t.Text); return nil },
//	})
//
// A *Model is safe for concurrent use: each Generate call runs its own
// session (KV cache and worker threads).
package cortex

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"nexusos/cortex/bitnet"
	"nexusos/cortex/gguf"
	"nexusos/cortex/tokenizer"
)

// Model is a loaded model with its vocabulary.
type Model struct {
	Path string
	File *gguf.File
	Net  *bitnet.Model

	// Tok is the model's tokenizer, or nil when its metadata has none
	// that cortex/tokenizer supports (TokErr says why).
	Tok    *tokenizer.Tokenizer
	TokErr error

	vocab *vocab // fallback detokenizer when Tok is nil
	bos   int
	eos   int
}

// LoadOptions adjust Load.
type LoadOptions struct {
	// Act overrides the FFN activation (for example relu2 for a 2B-4T
	// model converted with the upstream "bitnet" architecture name).
	Act bitnet.Activation
	// OutputQ8 repacks the output table to int8 at load (faster
	// generation, small logit error; see bitnet.Options.OutputQ8).
	OutputQ8 bool
}

// Load memory-maps a GGUF model and prepares it for inference.
func Load(path string, opts LoadOptions) (*Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cortex: load %s: %w", path, err)
	}
	net, err := bitnet.Load(f, bitnet.Options{Act: opts.Act, OutputQ8: opts.OutputQ8})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cortex: load %s: %w", path, err)
	}
	m := &Model{Path: path, File: f, Net: net, bos: -1, eos: -1}
	m.vocab = newVocab(f)
	if v, ok := f.Uint("tokenizer.ggml.bos_token_id"); ok {
		m.bos = int(v)
	}
	if v, ok := f.Uint("tokenizer.ggml.eos_token_id"); ok {
		m.eos = int(v)
	}
	m.Tok, m.TokErr = tokenizer.FromGGUF(f)
	if m.TokErr != nil {
		m.Tok = nil
	}
	return m, nil
}

// Close unmaps the model file.
func (m *Model) Close() error { return m.File.Close() }

// EOS returns the end-of-sequence token id, or -1.
func (m *Model) EOS() int { return m.eos }

// BOS returns the beginning-of-sequence token id, or -1.
func (m *Model) BOS() int { return m.bos }

// ErrNoTokenizer is returned by Tokenize and Generate when the model's
// tokenizer type is not supported.
var ErrNoTokenizer = errors.New("cortex: no tokenizer for this model")

// Tokenize encodes text as llama.cpp's tools do: BOS added when the model
// asks for it, control tokens written in the text (<|eot_id|>) recognised.
func (m *Model) Tokenize(text string) ([]int, error) {
	if m.Tok == nil {
		return nil, fmt.Errorf("%w: %v", ErrNoTokenizer, m.TokErr)
	}
	return ints(m.Tok.Encode(text, true, true)), nil
}

func ints(ids []int32) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

// TokenText returns the bytes of one token as text (control tokens are
// empty).
func (m *Model) TokenText(id int) string {
	if m.Tok != nil {
		if id < 0 || id >= m.Tok.NumTokens() {
			return ""
		}
		return string(m.Tok.Piece(int32(id)))
	}
	return m.vocab.piece(id)
}

// Detokenize returns the text of ids.
func (m *Model) Detokenize(ids []int) string {
	var b []byte
	for _, id := range ids {
		b = append(b, m.TokenText(id)...)
	}
	return string(b)
}

// isEnd reports whether tok ends a generation (EOS, or end of turn).
func (m *Model) isEnd(tok int) bool {
	if m.Tok != nil && tok >= 0 && tok <= math.MaxInt32 {
		return m.Tok.IsEOG(int32(tok))
	}
	return tok == m.eos
}

// Chat continues a conversation rendered in the model's chat format (see
// tokenizer.ApplyChatTemplate) and returns the assistant's reply.
func (m *Model) Chat(ctx context.Context, msgs []tokenizer.Message, opts GenerateOptions) (*Result, error) {
	if m.Tok == nil {
		return nil, fmt.Errorf("%w: %v", ErrNoTokenizer, m.TokErr)
	}
	ids := ints(m.Tok.Encode(m.Tok.ApplyChatTemplate(msgs, true), false, true))
	return m.GenerateTokens(ctx, ids, opts)
}

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
	// OnToken is called for every generated token as soon as it is
	// sampled; a non-nil error stops the generation and is returned.
	OnToken func(Token) error
}

// Result is a finished generation.
type Result struct {
	PromptTokens []int
	Tokens       []int
	Text         string
	StopReason   string // "eos", "length" or "context"
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

// GenerateTokens continues a prompt given as token ids.
func (m *Model) GenerateTokens(ctx context.Context, prompt []int, opts GenerateOptions) (*Result, error) {
	if len(prompt) == 0 {
		return nil, errors.New("cortex: empty prompt")
	}
	n := opts.MaxTokens
	if n <= 0 {
		n = 128
	}
	s, err := m.Net.NewSession(bitnet.SessionConfig{Context: opts.Context, Threads: opts.Threads})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	smp := bitnet.NewSampler(opts.Sampler)
	for _, t := range prompt {
		smp.Accept(t)
	}
	res := &Result{PromptTokens: append([]int(nil), prompt...), StopReason: "length"}
	start := time.Now()
	logits, err := s.Forward(ctx, prompt, false)
	if err != nil {
		return nil, fmt.Errorf("cortex: prompt: %w", err)
	}
	res.PromptTime = time.Since(start)
	start = time.Now()
	var text []byte
	for i := 0; i < n; i++ {
		tok := smp.Sample(logits)
		smp.Accept(tok)
		if m.isEnd(tok) && !opts.IgnoreEOS {
			res.StopReason = "eos"
			break
		}
		res.Tokens = append(res.Tokens, tok)
		piece := m.TokenText(tok)
		text = append(text, piece...)
		if opts.OnToken != nil {
			if err := opts.OnToken(Token{ID: tok, Text: piece}); err != nil {
				return res, err
			}
		}
		if i == n-1 {
			break
		}
		if s.Pos() >= s.Context() {
			res.StopReason = "context"
			break
		}
		if logits, err = s.Forward(ctx, []int{tok}, false); err != nil {
			return res, fmt.Errorf("cortex: decode: %w", err)
		}
	}
	res.GenTime = time.Since(start)
	res.Text = string(text)
	return res, nil
}

// Logits runs tokens teacher-forced and returns the logits of every
// position (len(tokens) × vocab, row-major).
func (m *Model) Logits(ctx context.Context, tokens []int, threads int) ([]float32, error) {
	s, err := m.Net.NewSession(bitnet.SessionConfig{Context: len(tokens), Threads: threads})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Forward(ctx, tokens, true)
}
