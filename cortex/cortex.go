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
// GenerateTokens is Cortex's one decode loop (sampling, end-of-generation
// tokens, stop strings, max tokens, the KV cache and its prefix cache,
// streaming callbacks, cancellation); the CLI, the OpenAI server
// (cortex/openai) and microVM apps all generate through it.
//
// A *Model is safe for concurrent use: each Generate call runs its own
// session (KV cache and worker threads), or the PrefixCache's session when
// one is given and free.
package cortex

import (
	"context"
	"errors"
	"fmt"
	"math"

	"nexusos/cortex/bitnet"
	"nexusos/cortex/gguf"
	"nexusos/cortex/quant"
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
	// HugePages copies the weights read per token into anonymous 2 MiB
	// pages at load (bitnet.Options.HugePages): generation reads them
	// closer to the memory bound, at the cost of memory that cannot be
	// reclaimed like the mapped file's pages.
	HugePages bool
	// I2SLayout is the order of the file's I2_S codes, which the file does
	// not record: set it for a model quantised by an ARM build of
	// bitnet.cpp (quant.I2SLayoutARM) or an x86 build without ACT_PARALLEL
	// (quant.I2SLayoutRows4); see bitnet.Options.I2SLayout.
	I2SLayout quant.I2SLayout
}

// Load memory-maps a GGUF model and prepares it for inference.
func Load(path string, opts LoadOptions) (*Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cortex: load %s: %w", path, err)
	}
	if arch, _ := f.String("general.architecture"); bitnet.IsEmbedArch(arch) {
		f.Close()
		return nil, fmt.Errorf("cortex: load %s: architecture %q is an embedding model: load it with LoadEmbedder (nexus cortex embed)", path, arch)
	}
	net, err := bitnet.Load(f, bitnet.Options{Act: opts.Act, OutputQ8: opts.OutputQ8, HugePages: opts.HugePages, I2SLayout: opts.I2SLayout})
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
