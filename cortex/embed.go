package cortex

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"nexusos/cortex/bitnet"
	"nexusos/cortex/gguf"
	"nexusos/cortex/tokenizer"
)

// Embedder turns texts into unit-length vectors with a BitNet embedding
// model (Microsoft's bitnet-embedding-0.6b, Qwen3 backbone, or
// bitnet-embedding-270m, Gemma3 backbone, as their converter writes them):
// the text is tokenized with the file's vocabulary, the end-of-sequence
// token appended when the file asks for it (<|endoftext|> for Qwen3), and
// the hidden state of the last token, normalised, is the embedding.
//
//	e, err := cortex.LoadEmbedder("bitnet-embedding-0.6b-i2_s.gguf", cortex.EmbedOptions{})
//	defer e.Close()
//	vecs, err := e.Embed(ctx, []string{"query: where is the hotel invoice?"})
//
// Queries should carry the one-sentence task instruction the model was
// trained with; documents need none (see the model card).
//
// An *Embedder is safe for concurrent use: each call takes a session
// (worker threads and buffers) from a small free list or starts one.
type Embedder struct {
	Path string
	File *gguf.File
	Net  *bitnet.EmbedModel

	// Tok is the model's tokenizer, or nil when its metadata has none
	// that cortex/tokenizer supports (TokErr says why); EmbedTokens still
	// works then.
	Tok    *tokenizer.Tokenizer
	TokErr error

	opts EmbedOptions

	mu   sync.Mutex
	free []*bitnet.EmbedSession // idle sessions; guarded by mu
}

// EmbedOptions adjust LoadEmbedder.
type EmbedOptions struct {
	// Threads is the worker threads of one Embed call (0: GOMAXPROCS).
	Threads int
	// MaxTokens bounds one text's tokens (0: min(model's context, 8192)).
	MaxTokens int
}

// ErrNotEmbedding is returned (wrapped) by LoadEmbedder for a file whose
// architecture is not an embedding model's.
var ErrNotEmbedding = errors.New("cortex: not an embedding model")

// IsEmbedding reports whether the GGUF file at path holds an embedding
// model (general.architecture qwen3 or gemma3), so callers can choose
// between Load and LoadEmbedder.
func IsEmbedding(path string) (bool, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	arch, _ := f.String("general.architecture")
	return bitnet.IsEmbedArch(arch), nil
}

// LoadEmbedder memory-maps a GGUF embedding model.
func LoadEmbedder(path string, opts EmbedOptions) (*Embedder, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cortex: load %s: %w", path, err)
	}
	if arch, _ := f.String("general.architecture"); !bitnet.IsEmbedArch(arch) {
		f.Close()
		return nil, fmt.Errorf("cortex: load %s: %w (architecture %q)", path, ErrNotEmbedding, arch)
	}
	net, err := bitnet.LoadEmbed(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cortex: load %s: %w", path, err)
	}
	e := &Embedder{Path: path, File: f, Net: net, opts: opts}
	e.Tok, e.TokErr = embedTokenizer(f)
	if e.TokErr != nil {
		e.Tok = nil
	}
	return e, nil
}

// embedTokenizer builds the tokenizer of an embedding model. The official
// converter writes Qwen3's <|endoftext|> id (151643) as EOS whatever the
// vocabulary, and takes BOS from config.json: an id outside a smaller
// vocabulary (the synthetic test models) is looked up by the token's text
// for EOS, the token pooled on, and dropped otherwise (llama.cpp too
// replaces out-of-range special ids, by a default).
func embedTokenizer(f *gguf.File) (*tokenizer.Tokenizer, error) {
	c, err := tokenizer.ConfigFromGGUF(f)
	if err != nil {
		return nil, err
	}
	n := int32(len(c.Tokens))
	for _, id := range []*int32{&c.BOS, &c.EOT, &c.Unknown} {
		if *id >= n {
			*id = -1
		}
	}
	if c.EOS >= n {
		c.EOS = -1
		for i, s := range c.Tokens {
			if s == "<|endoftext|>" {
				c.EOS = int32(i)
				break
			}
		}
		if c.EOS < 0 {
			return nil, fmt.Errorf("cortex: eos_token_id outside the vocabulary of %d tokens and no <|endoftext|>", n)
		}
	}
	return tokenizer.New(c)
}

// Close unmaps the model file and stops idle sessions. Calls in flight
// must have returned.
func (e *Embedder) Close() error {
	e.mu.Lock()
	for _, s := range e.free {
		s.Close()
	}
	e.free = nil
	e.mu.Unlock()
	return e.File.Close()
}

// Name identifies the model for stored vectors (vectors are comparable
// only between equal names): "cortex-embed:" then the file's base name,
// architecture, dimension and size in bytes, for example
// "cortex-embed:bitnet-embedding-0.6b-i2_s.gguf:qwen3-1024:733000000".
func (e *Embedder) Name() string {
	return fmt.Sprintf("cortex-embed:%s:%s-%d:%d", filepath.Base(e.Path), e.Net.Config.Arch, e.Dim(), e.File.Size())
}

// Dim returns the length of the embeddings.
func (e *Embedder) Dim() int { return e.Net.Config.NEmbd }

// MaxTokens returns the most tokens one text may have.
func (e *Embedder) MaxTokens() int {
	if e.opts.MaxTokens > 0 {
		return e.opts.MaxTokens
	}
	return min(e.Net.Config.NCtxTrain, 8192)
}

// Tokenize returns the ids Embed runs for text: special tokens written in
// the text recognised, EOS appended when the model asks for it
// (tokenizer.ggml.add_eos_token, set by the converter for last-token
// pooling).
func (e *Embedder) Tokenize(text string) ([]int, error) {
	if e.Tok == nil {
		return nil, fmt.Errorf("%w: %v", ErrNoTokenizer, e.TokErr)
	}
	return ints(e.Tok.Encode(text, true, true)), nil
}

// Embed returns the embeddings of texts, each Dim() values of unit length.
//
// # Errors
//
// ErrNoTokenizer (wrapped) when the model's tokenizer is not supported,
// bitnet.ErrTooLong (wrapped) for a text over MaxTokens tokens, or
// ctx.Err().
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	toks := make([][]int, len(texts))
	for i, t := range texts {
		ids, err := e.Tokenize(t)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("cortex: text %d gives no tokens", i)
		}
		toks[i] = ids
	}
	return e.EmbedTokens(ctx, toks)
}

// EmbedTokens returns the embeddings of token sequences as they are (no
// EOS is added). Short sequences run together, up to
// bitnet.DefaultEmbedBatch tokens per pass (see bitnet.EmbedSession.
// EmbedBatch): pass many texts per call.
func (e *Embedder) EmbedTokens(ctx context.Context, seqs [][]int) ([][]float32, error) {
	s := e.session()
	defer e.release(s)
	return s.EmbedBatch(ctx, seqs)
}

// maxIdleSessions bounds the sessions kept between calls.
const maxIdleSessions = 2

func (e *Embedder) session() *bitnet.EmbedSession {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n := len(e.free); n > 0 {
		s := e.free[n-1]
		e.free = e.free[:n-1]
		return s
	}
	return e.Net.NewEmbedSession(bitnet.EmbedSessionConfig{Threads: e.opts.Threads, MaxTokens: e.MaxTokens()})
}

func (e *Embedder) release(s *bitnet.EmbedSession) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.free) >= maxIdleSessions {
		s.Close()
		return
	}
	e.free = append(e.free, s)
}
