package cortex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"nexusos/cortex/bitnet"
	"nexusos/cortex/tokenizer"
)

const tinyTQ2 = "testdata/bitnet-tiny-tq2_0.gguf"

// llama.cpp's greedy continuation of the reference prompt (tq2_0 model).
var (
	refPrompt = []int{1, 302, 415, 17, 88, 263, 499, 140, 3, 77, 351, 259, 402, 68, 211, 330, 45, 481, 126, 299, 9, 384, 172, 450}
	refGreedy = []int{176, 67, 478, 320, 269, 92, 27, 275}
)

func TestGenerateTokensStreams(t *testing.T) {
	m, err := Load(tinyTQ2, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var streamed []int
	res, err := m.GenerateTokens(context.Background(), refPrompt, GenerateOptions{
		MaxTokens: len(refGreedy), Threads: 2, IgnoreEOS: true,
		OnToken: func(tok Token) error {
			streamed = append(streamed, tok.ID)
			if tok.Text != m.TokenText(tok.ID) {
				t.Errorf("token %d text %q", tok.ID, tok.Text)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tokens) != len(refGreedy) || len(streamed) != len(refGreedy) {
		t.Fatalf("got %d tokens, streamed %d", len(res.Tokens), len(streamed))
	}
	// The README allows divergence after a couple of tokens; require two.
	for i := 0; i < 2; i++ {
		if res.Tokens[i] != refGreedy[i] {
			t.Errorf("greedy token %d = %d, llama.cpp %d", i, res.Tokens[i], refGreedy[i])
		}
	}
	if res.Text != m.Detokenize(res.Tokens) || res.StopReason != "length" {
		t.Errorf("text %q stop %q", res.Text, res.StopReason)
	}

	// A callback error stops generation and is returned.
	stop := errors.New("stop")
	n := 0
	_, err = m.GenerateTokens(context.Background(), refPrompt, GenerateOptions{MaxTokens: 10, IgnoreEOS: true,
		OnToken: func(Token) error { n++; return stop }})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: %v after %d tokens", err, n)
	}
	// A cancelled context stops it too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.GenerateTokens(ctx, refPrompt, GenerateOptions{MaxTokens: 4}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// The context window bounds generation.
	res, err = m.GenerateTokens(context.Background(), refPrompt, GenerateOptions{MaxTokens: 100, Context: 30, IgnoreEOS: true})
	if err != nil || res.StopReason != "context" || len(refPrompt)+len(res.Tokens) != 31 {
		t.Errorf("context stop: %v, %q, %d tokens", err, res.StopReason, len(res.Tokens))
	}
}

func TestSampledGenerationIsSeeded(t *testing.T) {
	m, err := Load(tinyTQ2, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	run := func(seed uint64) []int {
		res, err := m.GenerateTokens(context.Background(), refPrompt[:5], GenerateOptions{MaxTokens: 12, IgnoreEOS: true,
			Sampler: bitnet.SamplerConfig{Temperature: 1.5, TopK: 50, TopP: 0.95, RepeatPenalty: 1.1, Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Tokens
	}
	a, b := run(3), run(3)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different tokens: %v vs %v", a, b)
		}
	}
}

func TestTokenizeAndChat(t *testing.T) {
	m, err := Load(tinyTQ2, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Tok == nil {
		t.Fatalf("no tokenizer: %v", m.TokErr)
	}
	ids, err := m.Tokenize("hello world")
	if err != nil || len(ids) < 2 || ids[0] != m.BOS() {
		t.Fatalf("Tokenize = %v, %v", ids, err)
	}
	if got := m.Detokenize(ids[1:]); got != " hello world" && got != "hello world" {
		t.Errorf("round trip = %q", got)
	}
	res, err := m.Chat(context.Background(), []tokenizer.Message{{Role: "user", Content: "hi"}}, GenerateOptions{MaxTokens: 3, IgnoreEOS: true})
	if err != nil || len(res.Tokens) != 3 {
		t.Fatalf("Chat: %v", err)
	}
}

func TestLogitsAndBench(t *testing.T) {
	m, err := Load(tinyTQ2, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l, err := m.Logits(context.Background(), refPrompt[:4], 1)
	if err != nil || len(l) != 4*m.Net.Config.NVocab {
		t.Fatalf("Logits: %d values, %v", len(l), err)
	}
	// Rows agree with llama.cpp's prompt logits (same prefix, causal).
	raw, err := os.ReadFile("testdata/bitnet-tiny-tq2_0.prompt_logits.f32.bin")
	if err != nil {
		t.Fatal(err)
	}
	for i := range l {
		want := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		if math.Abs(float64(l[i]-want)) > 0.5 {
			t.Fatalf("logit %d = %g, llama.cpp %g", i, l[i], want)
		}
	}
	res, err := m.Bench(context.Background(), BenchOptions{Prompt: 16, Gen: 4, Threads: 1, Reps: 1})
	if err != nil || len(res) != 2 || res[0].Test != "pp16" || res[1].Test != "tg4" || res[0].Median() <= 0 {
		t.Fatalf("Bench = %+v, %v", res, err)
	}
}

func TestRegistry(t *testing.T) {
	home := t.TempDir()
	name, err := Add(home, tinyTQ2, "tiny", false)
	if err != nil || name != "tiny" {
		t.Fatalf("Add: %q %v", name, err)
	}
	if _, err := Add(home, tinyTQ2, "tiny", false); err == nil {
		t.Error("duplicate name accepted")
	}
	if _, err := Add(home, tinyTQ2, "copy", true); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.gguf")
	os.WriteFile(bad, []byte("not a model at all, just text"), 0o644)
	if _, err := Add(home, bad, "", false); err == nil {
		t.Error("non-GGUF file accepted")
	}
	names, err := List(home)
	if err != nil || len(names) != 2 || names[0] != "copy" || names[1] != "tiny" {
		t.Fatalf("List = %v, %v", names, err)
	}
	p, err := Resolve(home, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(p, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, err := Resolve(home, "missing"); err == nil {
		t.Error("missing model resolved")
	}
}

// TestConcurrentGenerate hammers one Model from several goroutines: each
// greedy generation must equal the sequential one.
func TestConcurrentGenerate(t *testing.T) {
	m, err := Load(tinyTQ2, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	opts := GenerateOptions{MaxTokens: 6, Threads: 2, IgnoreEOS: true}
	want, err := m.GenerateTokens(context.Background(), refPrompt, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			res, err := m.GenerateTokens(context.Background(), refPrompt, opts)
			if err == nil && !slices.Equal(res.Tokens, want.Tokens) {
				err = fmt.Errorf("tokens %v, want %v", res.Tokens, want.Tokens)
			}
			errs <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestGenerateStopAndCache checks the decode loop's stop strings, its
// streamed text and its prefix cache: the tokens are the same with the
// cache cold, warm, or shared with a longer sequence, and OnText's chunks
// add up to the text cut before the stop string.
func TestGenerateStopAndCache(t *testing.T) {
	m, err := Load(tinyTQ2, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	opts := GenerateOptions{MaxTokens: 12, Threads: 1, IgnoreEOS: true}
	want, err := m.GenerateTokens(ctx, refPrompt, opts)
	if err != nil {
		t.Fatal(err)
	}
	var cache PrefixCache
	defer cache.Close()
	cached := opts
	cached.Cache = &cache
	for i, prompt := range [][]int{refPrompt, refPrompt, append(slices.Clone(refPrompt), want.Tokens[:3]...), refPrompt} {
		res, err := m.GenerateTokens(ctx, prompt, cached)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := m.GenerateTokens(ctx, prompt, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Tokens, ref.Tokens) || res.Text != ref.Text || ref.CachedTokens != 0 {
			t.Errorf("run %d: with cache %v, without %v", i, res.Tokens, ref.Tokens)
		}
		if i > 0 && res.CachedTokens < len(refPrompt)-1 {
			t.Errorf("run %d reused %d tokens", i, res.CachedTokens)
		}
	}

	// Stop at the text of the fourth token: three tokens are shown, four
	// were generated.
	stop := m.TokenText(want.Tokens[3])
	if stop == "" || strings.Contains(m.Detokenize(want.Tokens[:3]), stop) {
		t.Skipf("token text %q does not make a usable stop string", stop)
	}
	var chunks strings.Builder
	s := opts
	s.Stop = []string{stop}
	s.OnText = func(text string) error { chunks.WriteString(text); return nil }
	res, err := m.GenerateTokens(ctx, refPrompt, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason != "stop" || len(res.Tokens) != 4 || res.Text != m.Detokenize(want.Tokens[:3]) || chunks.String() != res.Text {
		t.Errorf("stop %q: %s after %v, text %q, streamed %q", stop, res.StopReason, res.Tokens, res.Text, chunks.String())
	}
}
