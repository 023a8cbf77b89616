package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// commonRequest holds the fields shared by both generation endpoints.
// Pointers tell "absent" from zero.
type commonRequest struct {
	Model         string          `json:"model"`
	MaxTokens     *int            `json:"max_tokens"`
	Temperature   *float64        `json:"temperature"`
	TopP          *float64        `json:"top_p"`
	TopK          *int            `json:"top_k"`
	Seed          *int64          `json:"seed"`
	Stop          json.RawMessage `json:"stop"`
	N             *int            `json:"n"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Logprobs json.RawMessage `json:"logprobs"`
	Echo     bool            `json:"echo"`
}

type completionRequest struct {
	commonRequest
	Prompt json.RawMessage `json:"prompt"`
	Suffix *string         `json:"suffix"`
}

type chatRequest struct {
	commonRequest
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Messages            []chatMessage   `json:"messages"`
	Tools               json.RawMessage `json:"tools"`
	TopLogprobs         *int            `json:"top_logprobs"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// Limits on request fields (the body itself is bounded by
// Config.MaxRequestBytes).
const (
	maxStops   = 4
	maxStopLen = 256
)

// isNull reports whether a raw JSON value is absent or null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// parseStop reads "stop": null, a string or an array of strings.
func parseStop(raw json.RawMessage) ([]string, *APIError) {
	if isNull(raw) {
		return nil, nil
	}
	var one string
	var many []string
	if err := json.Unmarshal(raw, &one); err == nil {
		many = []string{one}
	} else if err := json.Unmarshal(raw, &many); err != nil {
		return nil, invalid("stop", "stop must be a string or an array of strings")
	}
	if len(many) > maxStops {
		return nil, invalid("stop", "at most %d stop sequences are allowed, got %d", maxStops, len(many))
	}
	var out []string
	for _, s := range many {
		if len(s) > maxStopLen {
			return nil, invalid("stop", "stop sequences are limited to %d bytes", maxStopLen)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// promptInput is a completions prompt: text or token ids.
type promptInput struct {
	text   string
	tokens []int
	isIDs  bool
}

// parsePrompt reads "prompt": a string, [string], [int] or [[int]]; batches
// of more than one prompt are refused (n and batches are 1 here).
func parsePrompt(raw json.RawMessage) (promptInput, *APIError) {
	if isNull(raw) {
		return promptInput{}, invalid("prompt", "prompt is required")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return promptInput{text: s}, nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err == nil {
		if len(ss) != 1 {
			return promptInput{}, invalid("prompt", "batches of prompts are not supported: send one prompt per request (got %d)", len(ss))
		}
		return promptInput{text: ss[0]}, nil
	}
	var ids []int
	if err := json.Unmarshal(raw, &ids); err == nil {
		return promptInput{tokens: ids, isIDs: true}, nil
	}
	var idss [][]int
	if err := json.Unmarshal(raw, &idss); err == nil {
		if len(idss) != 1 {
			return promptInput{}, invalid("prompt", "batches of prompts are not supported: send one prompt per request (got %d)", len(idss))
		}
		return promptInput{tokens: idss[0], isIDs: true}, nil
	}
	return promptInput{}, invalid("prompt", "prompt must be a string, an array with one string, an array of token ids or an array with one array of token ids")
}

// contentText reads a message's content: a string, null, or an array of
// {"type": "text", "text": …} parts (joined by newlines).
func contentText(i int, raw json.RawMessage) (string, *APIError) {
	param := fmt.Sprintf("messages[%d].content", i)
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", invalid(param, "content must be a string or an array of content parts")
	}
	var texts []string
	for j, p := range parts {
		if p.Type != "text" {
			return "", invalid(fmt.Sprintf("%s[%d].type", param, j), "content parts of type %q are not supported (only text)", p.Type)
		}
		texts = append(texts, p.Text)
	}
	return strings.Join(texts, "\n"), nil
}

// sampling is the validated generation settings of a request.
type sampling struct {
	maxTokens    int
	temperature  float32
	topP         float32
	topK         int
	seed         uint64
	stops        []string
	stream       bool
	includeUsage bool
}

// parseCommon validates the shared fields. maxTokens is the request's
// max_tokens (or max_completion_tokens), defMax the endpoint's default.
func (h *Handler) parseCommon(c *commonRequest, maxTokens *int, defMax int) (sampling, *APIError) {
	var s sampling
	if c.N != nil && *c.N != 1 {
		return s, invalid("n", "only n=1 is supported, got %d", *c.N)
	}
	if c.Echo {
		return s, invalid("echo", "echo is not supported")
	}
	if !isNull(c.Logprobs) && !bytes.Equal(bytes.TrimSpace(c.Logprobs), []byte("false")) &&
		!bytes.Equal(bytes.TrimSpace(c.Logprobs), []byte("0")) {
		return s, invalid("logprobs", "logprobs are not supported")
	}
	s.maxTokens = defMax
	if maxTokens != nil {
		s.maxTokens = *maxTokens
	}
	if s.maxTokens < 1 {
		return s, invalid("max_tokens", "max_tokens must be at least 1, got %d", s.maxTokens)
	}
	if s.maxTokens > h.cfg.MaxTokens {
		return s, invalid("max_tokens", "max_tokens is limited to %d on this server, got %d", h.cfg.MaxTokens, s.maxTokens)
	}
	s.temperature = 1
	if c.Temperature != nil {
		t := *c.Temperature
		if math.IsNaN(t) || t < 0 || t > 2 {
			return s, invalid("temperature", "temperature must be between 0 and 2, got %v", t)
		}
		s.temperature = float32(t)
	}
	s.topP = 1
	if c.TopP != nil {
		p := *c.TopP
		if math.IsNaN(p) || p <= 0 || p > 1 {
			return s, invalid("top_p", "top_p must be in (0, 1], got %v", p)
		}
		s.topP = float32(p)
	}
	if c.TopK != nil {
		if *c.TopK < 0 {
			return s, invalid("top_k", "top_k must be ≥ 0, got %d", *c.TopK)
		}
		s.topK = *c.TopK
	}
	if c.Seed != nil {
		s.seed = uint64(*c.Seed)
	} else {
		s.seed = h.randomSeed()
	}
	var err *APIError
	if s.stops, err = parseStop(c.Stop); err != nil {
		return s, err
	}
	s.stream = c.Stream
	s.includeUsage = c.Stream && c.StreamOptions != nil && c.StreamOptions.IncludeUsage
	return s, nil
}

// Response shapes.

type usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		// CachedTokens were reused from the prefix cache.
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
}

type completionChoice struct {
	Text         string  `json:"text"`
	Index        int     `json:"index"`
	Logprobs     any     `json:"logprobs"`
	FinishReason *string `json:"finish_reason"`
}

type completionResponse struct {
	ID                string             `json:"id"`
	Object            string             `json:"object"`
	Created           int64              `json:"created"`
	Model             string             `json:"model"`
	SystemFingerprint string             `json:"system_fingerprint"`
	Choices           []completionChoice `json:"choices"`
	Usage             *usage             `json:"usage,omitempty"`
}

type chatMessageOut struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatChoice struct {
	Index        int            `json:"index"`
	Message      chatMessageOut `json:"message"`
	Logprobs     any            `json:"logprobs"`
	FinishReason string         `json:"finish_reason"`
}

type chatResponse struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	SystemFingerprint string       `json:"system_fingerprint"`
	Choices           []chatChoice `json:"choices"`
	Usage             usage        `json:"usage"`
}

type chatDelta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

type chatChunkChoice struct {
	Index        int       `json:"index"`
	Delta        chatDelta `json:"delta"`
	Logprobs     any       `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

type chatChunk struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Created           int64             `json:"created"`
	Model             string            `json:"model"`
	SystemFingerprint string            `json:"system_fingerprint"`
	Choices           []chatChunkChoice `json:"choices"`
	Usage             *usage            `json:"usage,omitempty"`
}

type modelObject struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

type modelList struct {
	Object string        `json:"object"`
	Data   []modelObject `json:"data"`
}
