package openai

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"nexusos/cortex"
)

const tinyEmbed = "../testdata/qwen3-embed-tiny-i2_s.gguf"

func TestEmbeddings(t *testing.T) {
	emb, err := cortex.LoadEmbedder(tinyEmbed, cortex.EmbedOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	lm := loadTiny(t)
	h, err := New(Config{Models: []Model{{Name: "emb", Embedder: emb}, {Name: "tiny", Model: lm}}, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	texts := []string{"query: What is BitNet?", "The invoice is due."}
	want, err := emb.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}

	code, b := post(t, ctx, srv.URL+"/v1/embeddings", `{"model": "emb", "input": ["query: What is BitNet?", "The invoice is due."]}`)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, b)
	}
	var res struct {
		Object string `json:"object"`
		Model  string `json:"model"`
		Data   []struct {
			Object    string          `json:"object"`
			Index     int             `json:"index"`
			Embedding json.RawMessage `json:"embedding"`
		} `json:"data"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	ntok := 0
	for _, s := range texts {
		ids, _ := emb.Tokenize(s)
		ntok += len(ids)
	}
	if res.Object != "list" || res.Model != "emb" || len(res.Data) != 2 || res.Usage.PromptTokens != ntok || res.Usage.TotalTokens != ntok {
		t.Fatalf("response %s", b)
	}
	for i, d := range res.Data {
		var v []float32
		if err := json.Unmarshal(d.Embedding, &v); err != nil {
			t.Fatal(err)
		}
		if d.Object != "embedding" || d.Index != i || !slices.Equal(v, want[i]) {
			t.Errorf("data[%d]: %s %d, embedding differs from Embedder.Embed", i, d.Object, d.Index)
		}
	}

	// base64: little-endian float32s, as the OpenAI SDKs decode them;
	// token ids as input: embedded as they are.
	ids, _ := emb.Tokenize(texts[0])
	idsJSON, _ := json.Marshal(ids)
	code, b = post(t, ctx, srv.URL+"/v1/embeddings", `{"model": "emb", "encoding_format": "base64", "input": `+string(idsJSON)+`}`)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, b)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(res.Data[0].Embedding, &s); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != 4*emb.Dim() {
		t.Fatalf("base64 embedding: %d bytes, %v", len(raw), err)
	}
	for j := range want[0] {
		if v := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:])); v != want[0][j] {
			t.Fatalf("base64 value %d: %g, want %g", j, v, want[0][j])
		}
	}

	for _, tc := range []struct {
		path, body string
		status     int
		param      string
	}{
		{"/v1/embeddings", `{"model": "tiny", "input": "x"}`, 400, "model"},
		{"/v1/embeddings", `{"model": "emb", "input": []}`, 400, "input"},
		{"/v1/embeddings", `{"model": "emb", "input": ""}`, 400, "input"},
		{"/v1/embeddings", `{"model": "emb", "input": [[1, 9999]]}`, 400, "input"},
		{"/v1/embeddings", `{"model": "emb", "input": "x", "dimensions": 64}`, 400, "dimensions"},
		{"/v1/embeddings", `{"model": "emb", "input": "x", "encoding_format": "int8"}`, 400, "encoding_format"},
		{"/v1/embeddings", `{"model": "nope", "input": "x"}`, 404, "model"},
		{"/v1/completions", `{"model": "emb", "prompt": "x"}`, 400, "model"},
		{"/v1/chat/completions", `{"model": "emb", "messages": [{"role": "user", "content": "x"}]}`, 400, "model"},
	} {
		code, b := post(t, ctx, srv.URL+tc.path, tc.body)
		var e struct {
			Error APIError `json:"error"`
		}
		json.Unmarshal(b, &e)
		if code != tc.status || deref(e.Error.Param) != tc.param {
			t.Errorf("%s %s: %d %s, want %d param %s", tc.path, tc.body, code, b, tc.status, tc.param)
		}
	}
}

// TestOpenHomeEmbedding serves an embedding model added under a home next
// to a language model.
func TestOpenHomeEmbedding(t *testing.T) {
	home := t.TempDir()
	for name, file := range map[string]string{"emb": tinyEmbed, "tiny": tinyModel} {
		if _, err := cortex.Add(home, file, name, false); err != nil {
			t.Fatal(err)
		}
	}
	h, err := OpenHome(home, Config{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	code, b := post(t, ctx, srv.URL+"/v1/embeddings", `{"model": "emb", "input": "hello"}`)
	if code != http.StatusOK {
		t.Fatalf("embeddings: %d %s", code, b)
	}
	code, b = post(t, ctx, srv.URL+"/v1/completions", `{"model": "tiny", "prompt": "hello", "max_tokens": 2, "temperature": 0}`)
	if code != http.StatusOK {
		t.Fatalf("completions: %d %s", code, b)
	}
}
