package runtime

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"nexusos/cortex"

	"nexusos/memex/graph"
	"nexusos/node/home"
)

// TestSummarizeAbstractive: without a chat model the summary is the
// extractive one with a reason; with the tiny test chat model added (its
// text is gibberish) the same extractive sentences and sources come with
// an abstractive text that model wrote within the token bound, from as
// many numbered sentences as its 256-token context holds.
func TestSummarizeAbstractive(t *testing.T) {
	ctx := context.Background()
	h := home.At(filepath.Join(t.TempDir(), "home"))
	if err := h.Ensure(); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	for name, text := range map[string]string{
		"bees.md":   "# Bees\n\nBees pollinate flowers in the orchard every spring. The hives stand at the edge of the orchard. Each hive holds one queen bee. Honey bees visit apple and pear flowers.\n",
		"hives.md":  "# Hives\n\nThe beekeeper checks the hives every week. Bees need water near their hives in summer. A strong hive makes honey for the winter.\n",
		"ships.md":  "# Ships\n\nThe harbour keeps cargo ships and their crews.\n",
		"flower.md": "# Flowers\n\nApple flowers open in April. Bees carry pollen from flower to flower.\n",
	} {
		if err := os.WriteFile(filepath.Join(data, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rt, err := Open(ctx, h, Want{Memex: true, MemexIndexing: true, Cortex: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Memex().Add(ctx, []string{data}, nil); err != nil {
		t.Fatal(err)
	}
	const topic = "bees pollinate flowers"
	plain, err := rt.Summarize(ctx, topic, SummaryOptions{Sentences: 6})
	rt.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain.Sentences) < 3 || len(plain.Sources) == 0 {
		t.Fatalf("extractive summary: %+v", plain)
	}
	if plain.Abstractive != nil || !strings.Contains(plain.AbstractiveReason, "no chat model") {
		t.Fatalf("without a chat model: abstractive %+v, reason %q", plain.Abstractive, plain.AbstractiveReason)
	}

	model, err := filepath.Abs("../../cortex/testdata/bitnet-tiny-i2_s.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cortex.Add(h.Root(), model, "tiny-chat", false); err != nil {
		t.Fatal(err)
	}
	rt, err = Open(ctx, h, Want{Memex: true, Cortex: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	const limit = 6
	s, err := rt.Summarize(ctx, topic, SummaryOptions{Sentences: 6, MaxTokens: limit})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Abstractive
	if a == nil {
		t.Fatalf("with a chat model: no abstractive text: %q", s.AbstractiveReason)
	}
	t.Logf("abstractive: %q from %d sentences, %d prompt tokens, %d tokens, finish %s", a.Text, a.Sentences, a.PromptTokens, a.Tokens, a.Finish)
	if a.Model != "tiny-chat" || a.Text == "" || a.Tokens < 1 || a.Tokens > limit || s.AbstractiveReason != "" {
		t.Errorf("abstractive %+v, reason %q: want tiny-chat's text of 1..%d tokens", a, s.AbstractiveReason, limit)
	}
	if a.Finish == "length" && a.Tokens != limit {
		t.Errorf("cut by the length after %d tokens, limit %d", a.Tokens, limit)
	}
	// The context (256 tokens) holds the prompt and the reply.
	if a.Sentences < 1 || a.Sentences > len(s.Sentences) || a.PromptTokens+a.Tokens > 256 {
		t.Errorf("prompt of %d sentences (of %d), %d tokens", a.Sentences, len(s.Sentences), a.PromptTokens)
	}
	// The extractive part is unchanged.
	if !reflect.DeepEqual(texts(s.Sentences), texts(plain.Sentences)) || !reflect.DeepEqual(s.Sources, plain.Sources) {
		t.Errorf("extractive part changed:\n%v %v\n%v %v", texts(s.Sentences), s.Sources, texts(plain.Sentences), plain.Sources)
	}
	// Greedy decoding: the same summary writes the same text.
	again, err := rt.Summarize(ctx, topic, SummaryOptions{Sentences: 6, MaxTokens: limit})
	if err != nil || again.Abstractive == nil || again.Abstractive.Text != a.Text {
		t.Errorf("again: %+v %v, want %q", again.Abstractive, err, a.Text)
	}

	// Asked not to, or for a model that is not there: a reason.
	for _, c := range []struct {
		opts   SummaryOptions
		reason string
	}{
		{SummaryOptions{Extractive: true}, "extractive"},
		{SummaryOptions{Model: "missing"}, `"missing" is not a served chat model`},
	} {
		s, err := rt.Summarize(ctx, topic, c.opts)
		if err != nil || s.Abstractive != nil || !strings.Contains(s.AbstractiveReason, c.reason) || len(s.Sentences) == 0 {
			t.Errorf("%+v: %+v %v, want reason %q", c.opts, s, err, c.reason)
		}
	}
	// A context already over: the extractive summary, and why.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if s, err := rt.abstract(cctx, plain, SummaryOptions{}); s != nil || !strings.Contains(err, "cancelled") {
		t.Errorf("cancelled: %+v %q", s, err)
	}
}

func texts(ss []graph.Sentence) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Text
	}
	return out
}
