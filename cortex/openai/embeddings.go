package openai

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// MaxEmbeddingInputs bounds the inputs of one /v1/embeddings request (as
// OpenAI's API does).
const MaxEmbeddingInputs = 2048

// embeddingRequest is POST /v1/embeddings.
type embeddingRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"` // "float" (default) or "base64"
	Dimensions     *int            `json:"dimensions"`
	User           string          `json:"user"`
}

type embeddingObject struct {
	Object    string `json:"object"` // "embedding"
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // []float32, or a base64 string of little-endian float32s
}

type embeddingUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

type embeddingResponse struct {
	Object string            `json:"object"` // "list"
	Data   []embeddingObject `json:"data"`
	Model  string            `json:"model"`
	Usage  embeddingUsage    `json:"usage"`
}

// parseEmbeddingInput reads "input": a string, [string], [int] or [[int]].
// texts is set for strings, ids for token arrays.
func parseEmbeddingInput(raw json.RawMessage) (texts []string, ids [][]int, aerr *APIError) {
	if isNull(raw) {
		return nil, nil, invalid("input", "input is required")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, nil, nil
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		texts = ss
	} else {
		var one []int
		if json.Unmarshal(raw, &one) == nil {
			ids = [][]int{one}
		} else if json.Unmarshal(raw, &ids) != nil {
			return nil, nil, invalid("input", "input must be a string, an array of strings, an array of token ids or an array of arrays of token ids")
		}
	}
	n := len(texts) + len(ids)
	if n == 0 {
		return nil, nil, invalid("input", "input is an empty array")
	}
	if n > MaxEmbeddingInputs {
		return nil, nil, invalid("input", "%d inputs; at most %d per request", n, MaxEmbeddingInputs)
	}
	return texts, ids, nil
}

// handleEmbeddings serves POST /v1/embeddings: each input's pooled,
// L2-normalised embedding, in input order.
func (h *Handler) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	var body embeddingRequest
	if aerr := decode(r, &body); aerr != nil {
		writeError(w, aerr)
		return
	}
	e, aerr := h.lookup(body.Model)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if e.emb == nil {
		writeError(w, invalid("model", "model %q is not an embedding model: add one (a BitNet embedding GGUF) and name it here", e.name))
		return
	}
	switch body.EncodingFormat {
	case "", "float", "base64":
	default:
		writeError(w, invalid("encoding_format", "encoding_format %q is not supported (float or base64)", body.EncodingFormat))
		return
	}
	if d := body.Dimensions; d != nil && *d != e.emb.Dim() {
		writeError(w, invalid("dimensions", "model %q gives %d dimensions and cannot shorten them (asked %d)", e.name, e.emb.Dim(), *d))
		return
	}
	texts, seqs, aerr := parseEmbeddingInput(body.Input)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	for i, t := range texts {
		if t == "" {
			writeError(w, invalid("input", "input %d is empty", i))
			return
		}
		ids, err := e.emb.Tokenize(t)
		if err != nil {
			writeError(w, invalid("input", "tokenizing input %d: %v", i, err))
			return
		}
		seqs = append(seqs, ids)
	}
	nv, maxT := e.emb.Net.Config.NVocab, e.emb.MaxTokens()
	total := 0
	for i, ids := range seqs {
		if len(ids) == 0 {
			writeError(w, invalid("input", "input %d has no tokens", i))
			return
		}
		if len(ids) > maxT {
			writeError(w, &APIError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Param: str("input"), Code: str("context_length_exceeded"),
				Message: fmt.Sprintf("input %d is %d tokens; this model takes at most %d", i, len(ids), maxT)})
			return
		}
		for _, id := range ids {
			if id < 0 || id >= nv {
				writeError(w, invalid("input", "token id %d is out of the vocabulary [0, %d)", id, nv))
				return
			}
		}
		total += len(ids)
	}
	ctx := r.Context()
	log := h.log.With("model", e.name, "path", r.URL.Path, "inputs", len(seqs))
	release, err := h.acquire(ctx)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			log.Warn("openai: request refused", "err", err)
			writeError(w, ae)
		} else {
			log.Info("openai: client left while queued", "err", err)
		}
		return
	}
	start := time.Now()
	vecs, err := e.emb.EmbedTokens(ctx, seqs)
	release()
	if err != nil {
		if ctx.Err() != nil {
			log.Info("openai: client left", "err", err)
			return
		}
		log.Error("openai: embedding failed", "err", err)
		writeError(w, &APIError{Status: http.StatusInternalServerError, Type: typeServer, Message: err.Error()})
		return
	}
	log.Info("openai: embedded", "tokens", total, "elapsed", time.Since(start).Round(time.Millisecond))
	res := embeddingResponse{Object: "list", Model: e.name, Usage: embeddingUsage{PromptTokens: total, TotalTokens: total}}
	for i, v := range vecs {
		o := embeddingObject{Object: "embedding", Index: i, Embedding: v}
		if body.EncodingFormat == "base64" {
			b := make([]byte, 4*len(v))
			for j, x := range v {
				binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(x))
			}
			o.Embedding = base64.StdEncoding.EncodeToString(b)
		}
		res.Data = append(res.Data, o)
	}
	writeJSON(w, res)
}
