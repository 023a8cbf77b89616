package api

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/cortex"
)

// tinyModelHome returns a home with the tiny reference model of
// cortex/testdata added as "tiny".
func tinyModelHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	src, err := filepath.Abs("../../cortex/testdata/bitnet-tiny-tq2_0.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cortex.Add(home, src, "tiny", false); err != nil {
		t.Fatal(err)
	}
	return home
}

func TestOpenAIWithoutModel(t *testing.T) {
	ts := newServer(t, srvConfig{Home: t.TempDir()})
	var models struct{ Data []any }
	getJSON(t, ts.URL+"/v1/models", 200, &models)
	if len(models.Data) != 0 {
		t.Errorf("models = %v, want none", models.Data)
	}
	code, b, _ := do(t, "POST", ts.URL+"/v1/chat/completions", strings.NewReader(`{"messages":[{"role":"user","content":"hi"}]}`), nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(string(b), "nexus cortex add") {
		t.Errorf("chat without a model = %d %s, want 503 with the hint", code, b)
	}
}

func TestOpenAICompletions(t *testing.T) {
	ts := newServer(t, srvConfig{Home: tinyModelHome(t)})
	var models struct {
		Data []struct{ ID string }
	}
	getJSON(t, ts.URL+"/v1/models", 200, &models)
	if len(models.Data) != 1 || models.Data[0].ID != "tiny" {
		t.Fatalf("models = %+v", models.Data)
	}
	type answer struct {
		Object  string
		Model   string
		Choices []struct {
			Text         string
			Message      struct{ Role, Content string }
			FinishReason string `json:"finish_reason"`
		}
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
			TotalTokens      int `json:"total_tokens"`
		}
	}
	post := func(path, body string) answer {
		t.Helper()
		code, b, _ := do(t, "POST", ts.URL+path, strings.NewReader(body), nil)
		if code != 200 {
			t.Fatalf("POST %s = %d %s", path, code, b)
		}
		var a answer
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	c1 := post("/v1/completions", `{"model":"tiny","prompt":"the cat","max_tokens":6,"temperature":0}`)
	c2 := post("/v1/completions", `{"prompt":"the cat","max_tokens":6,"temperature":0}`)
	if c1.Object != "text_completion" || c1.Model != "tiny" || len(c1.Choices) != 1 || c1.Usage.PromptTokens == 0 ||
		c1.Usage.CompletionTokens > 6 || c1.Usage.TotalTokens != c1.Usage.PromptTokens+c1.Usage.CompletionTokens {
		t.Errorf("completion = %+v", c1)
	}
	if c1.Choices[0].Text != c2.Choices[0].Text {
		t.Errorf("greedy completions differ: %q vs %q", c1.Choices[0].Text, c2.Choices[0].Text)
	}

	chatBody := `{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello"}],"max_tokens":5,"temperature":0`
	whole := post("/v1/chat/completions", chatBody+`}`)
	if whole.Object != "chat.completion" || whole.Choices[0].Message.Role != "assistant" {
		t.Errorf("chat = %+v", whole)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/v1/chat/completions", strings.NewReader(chatBody+`,"stream":true}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := readEvents(t, resp.Body)
	if len(data) < 2 || data[len(data)-1] != "[DONE]" {
		t.Fatalf("stream = %q, want chunks then [DONE]", data)
	}
	var text strings.Builder
	var finish string
	for _, d := range data[:len(data)-1] {
		var ch struct {
			Object  string
			Choices []struct {
				Delta        struct{ Content string }
				FinishReason *string `json:"finish_reason"`
			}
		}
		if err := json.Unmarshal([]byte(d), &ch); err != nil || ch.Object != "chat.completion.chunk" {
			t.Fatalf("chunk %q: %v", d, err)
		}
		text.WriteString(ch.Choices[0].Delta.Content)
		if f := ch.Choices[0].FinishReason; f != nil {
			finish = *f
		}
	}
	if text.String() != whole.Choices[0].Message.Content || finish != whole.Choices[0].FinishReason {
		t.Errorf("streamed %q (%s), whole %q (%s)", text.String(), finish, whole.Choices[0].Message.Content, whole.Choices[0].FinishReason)
	}

	for _, tc := range []struct{ path, body string }{
		{"/v1/chat/completions", `{"messages":[]}`},
		{"/v1/chat/completions", `{"messages":[{"role":"robot","content":"x"}]}`},
		{"/v1/completions", `{"prompt":"x","max_tokens":0}`},
		{"/v1/completions", `{"prompt":""}`},
		{"/v1/completions", `not json`},
	} {
		if code, b, _ := do(t, "POST", ts.URL+tc.path, strings.NewReader(tc.body), nil); code != 400 {
			t.Errorf("POST %s %s = %d %s, want 400", tc.path, tc.body, code, b)
		}
	}
	if code, _, _ := do(t, "POST", ts.URL+"/v1/completions", strings.NewReader(`{"model":"nope","prompt":"x"}`), nil); code != 404 {
		t.Errorf("unknown model = %d, want 404", code)
	}
}
