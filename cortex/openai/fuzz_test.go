package openai

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest sends arbitrary bodies to both generation endpoints: every
// answer must be a well-formed completion, stream or OpenAI error.
func FuzzRequest(f *testing.F) {
	m := loadTiny(f)
	h, err := New(Config{Models: []Model{{Name: "tiny", Model: m}}, MaxTokens: 4, ChatMaxTokens: 4, Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{"model": "tiny", "prompt": "Hello", "max_tokens": 3, "temperature": 0}`,
		`{"model": "tiny", "prompt": [1, 2, 3], "stream": true, "stop": ["a", "b"]}`,
		`{"model": "tiny", "prompt": [[5]], "seed": -1, "top_p": 0.5, "top_k": 2}`,
		`{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "stream": true, "stream_options": {"include_usage": true}}`,
		`{"model": "tiny", "messages": [{"role": "assistant", "content": null}, {"role": "user", "content": [{"type": "text", "text": "x"}]}]}`,
		`{"model": "tiny", "prompt": "x", "n": 2}`,
		`{"model": "gpt", "prompt": "x"}`,
		`{"model": "tiny", "prompt": `,
		`[]`,
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, body string, chat bool) {
		path := "/v1/completions"
		if chat {
			path = "/v1/chat/completions"
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		b := w.Body.Bytes()
		switch w.Code {
		case http.StatusOK:
			if strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
				s, err := tryParseStream(b)
				if err != nil || !s.done || (s.finish != "stop" && s.finish != "length") {
					t.Fatalf("bad stream (%v): %s", err, b)
				}
				return
			}
			var a completionAnswer
			if err := json.Unmarshal(b, &a); err != nil || len(a.Choices) != 1 || a.Usage.TotalTokens != a.Usage.PromptTokens+a.Usage.CompletionTokens ||
				a.Usage.CompletionTokens > 4 || (a.Choices[0].FinishReason != "stop" && a.Choices[0].FinishReason != "length") {
				t.Fatalf("bad answer (%v): %s", err, b)
			}
		case http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
			var e errorBody
			if err := json.Unmarshal(b, &e); err != nil || e.Error == nil || e.Error.Message == "" || e.Error.Type == "" {
				t.Fatalf("bad error (%v): %s", err, b)
			}
		default:
			t.Fatalf("status %d: %s", w.Code, b)
		}
	})
}
