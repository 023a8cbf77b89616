package openai

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/cortex"
	"nexusos/cortex/bitnet"
)

// TestServerAndCLIDecodeAlike checks that the OpenAI server and the CLI
// path (cortex.Model.GenerateTokens, what `nexus cortex run` calls) produce
// the same tokens for the same prompt and settings, with stop strings, on
// every tiny model in cortex/testdata: same text, same number of tokens,
// same reason to stop, streamed or not, with the prefix cache cold, warm
// and off.
func TestServerAndCLIDecodeAlike(t *testing.T) {
	files, err := filepath.Glob("../testdata/bitnet-tiny-*.gguf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no tiny models: %v", err)
	}
	ctx := context.Background()
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			m, err := cortex.Load(file, cortex.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			ids, err := m.Tokenize("Hello world")
			if err != nil {
				t.Fatal(err)
			}
			// A stop string from the middle of the greedy continuation,
			// so that the stop really ends it early.
			ref, err := m.GenerateTokens(ctx, ids, cortex.GenerateOptions{MaxTokens: 40, Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			stop := midStop(ref.Text)
			if stop == "" {
				t.Fatalf("no ASCII pair in %q", ref.Text)
			}
			cases := []struct {
				name  string
				smp   bitnet.SamplerConfig
				extra string // JSON fields
				stops []string
			}{
				{name: "greedy stop", extra: `"temperature": 0`, stops: []string{"\x00never", stop}},
				{name: "greedy no stop", extra: `"temperature": 0`},
				{name: "sampled stops", smp: bitnet.SamplerConfig{Temperature: 0.9, TopP: 0.9, Seed: 42},
					extra: `"temperature": 0.9, "top_p": 0.9, "seed": 42`, stops: []string{stop, " ", "e"}},
				{name: "top_k stop", smp: bitnet.SamplerConfig{Temperature: 1.5, TopK: 5, Seed: 7},
					extra: `"temperature": 1.5, "top_k": 5, "seed": 7`, stops: []string{"a"}},
			}
			for _, cfg := range []Config{{}, {NoPrefixCache: true}} {
				_, srv := newTestServer(t, m, cfg)
				for _, tc := range cases {
					want, err := m.GenerateTokens(ctx, ids, cortex.GenerateOptions{MaxTokens: 40, Threads: 1,
						Sampler: tc.smp, Stop: tc.stops})
					if err != nil {
						t.Fatal(err)
					}
					if tc.name == "greedy stop" && (want.StopReason != "stop" || len(want.Tokens) >= len(ref.Tokens)) {
						t.Fatalf("stop %q did not end %q early: %s after %d tokens", stop, ref.Text, want.StopReason, len(want.Tokens))
					}
					if !strings.HasPrefix(m.Detokenize(want.Tokens), want.Text) {
						t.Errorf("%s: text %q is not a prefix of the tokens' text", tc.name, want.Text)
					}
					stopJSON, _ := json.Marshal(tc.stops)
					body := `{"model": "tiny", "prompt": ` + mustJSON(ids) + `, "max_tokens": 40, "stop": ` + string(stopJSON) + `, ` + tc.extra
					// Twice: the second request finds its prompt in the cache.
					for range 2 {
						code, b := post(t, ctx, srv.URL+"/v1/completions", body+`}`)
						if code != http.StatusOK {
							t.Fatalf("status %d: %s", code, b)
						}
						var got completionAnswer
						if err := json.Unmarshal(b, &got); err != nil {
							t.Fatal(err)
						}
						if got.Choices[0].Text != jsonText(want.Text) || got.Usage.CompletionTokens != len(want.Tokens) ||
							got.Choices[0].FinishReason != finishReason(want.StopReason) {
							t.Errorf("%s (cache off %v): server %q, %d tokens, %s; CLI %q, %d tokens, %s", tc.name, cfg.NoPrefixCache,
								got.Choices[0].Text, got.Usage.CompletionTokens, got.Choices[0].FinishReason,
								want.Text, len(want.Tokens), want.StopReason)
						}
						code, b = post(t, ctx, srv.URL+"/v1/completions", body+`, "stream": true, "stream_options": {"include_usage": true}}`)
						if code != http.StatusOK {
							t.Fatalf("stream status %d: %s", code, b)
						}
						s := parseStream(t, b)
						if !s.done || s.text != jsonText(want.Text) || s.finish != finishReason(want.StopReason) ||
							s.usage == nil || s.usage.CompletionTokens != len(want.Tokens) {
							t.Errorf("%s stream (cache off %v): %q (%s), usage %+v; CLI %q, %d tokens, %s", tc.name, cfg.NoPrefixCache,
								s.text, s.finish, s.usage, want.Text, len(want.Tokens), want.StopReason)
						}
					}
				}
			}
		})
	}
}

// midStop returns two printable ASCII bytes from the middle of text, or "".
func midStop(text string) string {
	for i := len(text) / 3; i+1 < len(text); i++ {
		if a, b := text[i], text[i+1]; a > ' ' && a < 0x7f && b > ' ' && b < 0x7f {
			return text[i : i+2]
		}
	}
	return ""
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
