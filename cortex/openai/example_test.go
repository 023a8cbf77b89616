package openai_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"nexusos/cortex"
	"nexusos/cortex/openai"
)

// A server with one model; any OpenAI client can then use base URL
// srv.URL + "/v1" and model "tiny".
func ExampleNew() {
	m, err := cortex.Load("../testdata/bitnet-tiny-tq2_0.gguf", cortex.LoadOptions{})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	h, err := openai.New(openai.Config{Models: []openai.Model{{Name: "tiny", Model: m}}})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	h.Register(mux) // next to the server's other endpoints
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/v1/completions", "application/json",
		strings.NewReader(`{"model": "tiny", "prompt": [1, 302, 415], "max_tokens": 4, "temperature": 0}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		Choices []struct {
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, out.Choices[0].FinishReason, out.Usage.PromptTokens, out.Usage.CompletionTokens)
	// Output: 200 length 3 4
}
