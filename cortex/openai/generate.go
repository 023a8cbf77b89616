package openai

import (
	"context"
	"fmt"

	"nexusos/cortex"
	"nexusos/cortex/bitnet"
)

// genResult is a finished generation.
type genResult struct {
	text             string
	promptTokens     int
	completionTokens int
	cachedTokens     int    // prompt tokens reused from the prefix cache
	finish           string // "stop" or "length"
}

// generate runs one generation through cortex's decode loop
// (cortex.Model.GenerateTokens), on the model's prefix cache when it is
// free, handing text to emit (when not nil) as it becomes safe to send.
func (h *Handler) generate(ctx context.Context, e *entry, ids []int, s sampling, emit func(string) error) (genResult, error) {
	opts := cortex.GenerateOptions{
		MaxTokens: s.maxTokens,
		Sampler:   bitnet.SamplerConfig{Temperature: s.temperature, TopK: s.topK, TopP: s.topP, Seed: s.seed},
		Threads:   h.cfg.Threads,
		Context:   e.ctxLen,
		Stop:      s.stops,
		Cache:     e.cache,
	}
	if emit != nil {
		opts.OnText = func(text string) error {
			if err := emit(text); err != nil {
				return fmt.Errorf("openai: write to client: %w", err)
			}
			return nil
		}
	}
	if h.afterToken != nil {
		n := 0
		opts.OnToken = func(cortex.Token) error {
			n++
			h.afterToken(ctx, n)
			return nil
		}
	}
	res, err := e.m.GenerateTokens(ctx, ids, opts)
	gr := genResult{promptTokens: len(ids)}
	if res != nil {
		gr.text, gr.completionTokens, gr.cachedTokens = res.Text, len(res.Tokens), res.CachedTokens
		gr.finish = finishReason(res.StopReason)
	}
	return gr, err
}

// finishReason maps cortex's stop reasons onto OpenAI's finish_reason.
func finishReason(stop string) string {
	switch stop {
	case "eos", "stop":
		return "stop"
	}
	return "length" // "length" and "context"
}
