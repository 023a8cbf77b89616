package cortex

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"nexusos/cortex/bitnet"
)

const tinyEmbedI2S = "testdata/qwen3-embed-tiny-i2_s.gguf"

func TestEmbedder(t *testing.T) {
	e, err := LoadEmbedder(tinyEmbedI2S, EmbedOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Dim() != 128 || e.Tok == nil {
		t.Fatalf("dim %d, tokenizer %v", e.Dim(), e.TokErr)
	}
	if n := e.Name(); n != "cortex-embed:qwen3-embed-tiny-i2_s.gguf:qwen3-128:275776" {
		t.Errorf("Name() = %q", n)
	}
	// The converter's EOS id (151643) is outside this vocabulary: the
	// embedder pools on its <|endoftext|>, 469.
	ids, err := e.Tokenize("Hello world")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{39, 291, 75, 78, 299, 322, 75, 67, 469}; !slices.Equal(ids, want) {
		t.Fatalf("Tokenize = %v, want %v", ids, want)
	}
	ctx := context.Background()
	texts := []string{"Hello world", "query: What is BitNet?", "Die Rechnung ist bezahlt."}
	vecs, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if len(v) != 128 || math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d: %d values, norm² %g", i, len(v), n)
		}
		ids, _ := e.Tokenize(texts[i])
		one, err := e.EmbedTokens(ctx, [][]int{ids})
		if err != nil || !slices.Equal(one[0], v) {
			t.Errorf("text %d: EmbedTokens(Tokenize) differs from Embed (%v)", i, err)
		}
	}
	if slices.Equal(vecs[0], vecs[1]) {
		t.Error("two texts gave the same vector")
	}
	// Special tokens written in the text are recognised.
	if ids, _ := e.Tokenize("a<|im_end|>"); len(ids) != 3 || ids[1] != 471 {
		t.Errorf("Tokenize with a control token: %v", ids)
	}
	if _, err := e.EmbedTokens(ctx, [][]int{make([]int, e.MaxTokens()+1)}); !errors.Is(err, bitnet.ErrTooLong) {
		t.Errorf("too long: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.Embed(cctx, texts[:1]); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestEmbedderHammer embeds from several goroutines at once (sessions come
// from a shared free list): every answer equals the sequential one.
func TestEmbedderHammer(t *testing.T) {
	e, err := LoadEmbedder(tinyEmbedI2S, EmbedOptions{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	texts := []string{"one", "two words", "three words here", "query: what is four?"}
	want, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				i := (g + k) % len(texts)
				got, err := e.Embed(ctx, texts[i:i+1])
				if err != nil {
					t.Error(err)
					return
				}
				if !slices.Equal(got[0], want[i]) {
					t.Errorf("goroutine %d: text %d differs", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestEmbedderGemma3 runs the Gemma3 file: its SentencePiece vocabulary
// adds <bos> and <eos> (add_bos_token, add_eos_token in its metadata).
func TestEmbedderGemma3(t *testing.T) {
	e, err := LoadEmbedder("testdata/gemma3-embed-tiny-i2_s.gguf", EmbedOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ids, err := e.Tokenize("Hello world")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 76, 353, 271, 267, 361, 385, 271, 270, 1}; !slices.Equal(ids, want) {
		t.Fatalf("Tokenize = %v, want %v", ids, want)
	}
	v, err := e.Embed(context.Background(), []string{"Hello world"})
	if err != nil || len(v[0]) != 128 {
		t.Fatalf("Embed: %v", err)
	}
}

func TestLoadEmbedderKinds(t *testing.T) {
	if ok, err := IsEmbedding(tinyEmbedI2S); !ok || err != nil {
		t.Errorf("IsEmbedding(embedding model) = %v, %v", ok, err)
	}
	if ok, err := IsEmbedding(tinyTQ2); ok || err != nil {
		t.Errorf("IsEmbedding(language model) = %v, %v", ok, err)
	}
	if _, err := LoadEmbedder(tinyTQ2, EmbedOptions{}); !errors.Is(err, ErrNotEmbedding) {
		t.Errorf("LoadEmbedder(language model): %v", err)
	}
	if _, err := Load(tinyEmbedI2S, LoadOptions{}); err == nil {
		t.Error("Load accepted an embedding model")
	}
}

// TestSynthEmbed loads a small synthetic model in the 0.6B layout (the
// file embed-bench writes): its tokenizer pools on its own <|endoftext|>.
func TestSynthEmbed(t *testing.T) {
	c := bitnet.SynthEmbed06B()
	c.NEmbd, c.NLayer, c.NHead, c.NHeadKV, c.HeadDim, c.NFF, c.NVocab = 256, 2, 4, 2, 128, 384, 300
	path := filepath.Join(t.TempDir(), "synth.gguf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := bitnet.WriteSynthEmbed(f, c); err != nil {
		t.Fatal(err)
	}
	f.Close()
	e, err := LoadEmbedder(path, EmbedOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ids, err := e.Tokenize("hé")
	if err != nil {
		t.Fatal(err)
	}
	// Byte tokens only (no merges): h, 0xC3, 0xA9, then EOS (the last id).
	if len(ids) != 4 || e.Tok.TokenText(int32(ids[0])) != "h" || ids[3] != 299 {
		t.Errorf("Tokenize = %v", ids)
	}
	v, err := e.Embed(context.Background(), []string{"hello"})
	if err != nil || len(v[0]) != 256 {
		t.Fatalf("Embed: %v", err)
	}
}
