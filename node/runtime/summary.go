package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"nexusos/cortex/openai"
	"nexusos/cortex/tokenizer"
	"nexusos/memex"
)

// Bounds of an abstractive summary's generation.
const (
	// SummaryMaxTokens bounds the abstractive text.
	SummaryMaxTokens = 128
	// SummaryTimeout bounds its generation when the caller's context
	// has no earlier deadline.
	SummaryTimeout = 2 * time.Minute
)

// SummaryOptions adjust Runtime.Summarize.
type SummaryOptions struct {
	// Sentences is how many sentences the extractive summary keeps (0:
	// memex's default, 5).
	Sentences int
	// Model names the chat model that writes the abstractive text (""
	// the first language model Cortex serves, Want.Cortex).
	Model string
	// Extractive skips the abstractive text.
	Extractive bool
	// MaxTokens bounds the abstractive text (0: SummaryMaxTokens).
	MaxTokens int
}

// Summarize is MemexFS's extractive summary of what the index says about
// topic (memex.Memex.Summarize) with, when Cortex serves a chat model
// (models added under the home, Want.Cortex), an abstractive text that
// model writes from the extractive sentences (memex.AbstractPrompt; the
// first ones, as many as its context holds), greedily, within
// opts.MaxTokens tokens, through the generation queue of
// /v1/chat/completions, stopped by ctx or after SummaryTimeout. Without a
// chat model, or when the generation fails, the summary is the
// extractive one and TopicSummary.AbstractiveReason says why; it fails
// only when the extractive summary does.
func (r *Runtime) Summarize(ctx context.Context, topic string, opts SummaryOptions) (*memex.TopicSummary, error) {
	if r.memex == nil {
		return nil, ErrNoMemex
	}
	s, err := r.memex.Summarize(ctx, topic, opts.Sentences)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.Extractive:
		s.AbstractiveReason = "extractive summary asked for"
	case len(s.Sentences) == 0:
		s.AbstractiveReason = "no sentences to summarize"
	default:
		s.Abstractive, s.AbstractiveReason = r.abstract(ctx, s, opts)
	}
	return s, nil
}

// abstract has the chat model write s's abstractive text, or says why it
// did not.
func (r *Runtime) abstract(ctx context.Context, s *memex.TopicSummary, opts SummaryOptions) (*memex.Abstractive, string) {
	if r.oai == nil {
		return nil, "no chat model: Cortex is not running here"
	}
	limit := opts.MaxTokens
	if limit <= 0 {
		limit = SummaryMaxTokens
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, SummaryTimeout)
		defer cancel()
	}
	// The first n sentences, fewer while the prompt does not fit.
	for n := len(s.Sentences); n > 0; {
		system, user := memex.AbstractPrompt(s.Topic, s.Sentences[:n])
		rep, err := r.oai.Chat(ctx, openai.ChatRequest{Model: opts.Model, MaxTokens: limit,
			Messages: []tokenizer.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}})
		switch {
		case errors.Is(err, openai.ErrPromptTooLong) && n > 1:
			// Drop about a quarter of the sentences, at least one.
			n -= max(1, n/4)
			continue
		case errors.Is(err, openai.ErrPromptTooLong):
			return nil, fmt.Sprintf("no abstractive text: even one sentence does not fit the context of chat model %s", rep.Model)
		case errors.Is(err, openai.ErrNoChatModel):
			return nil, "no chat model: " + strings.TrimPrefix(err.Error(), "openai: ")
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Sprintf("no abstractive text: chat model %s did not finish before the deadline (%d tokens written)", rep.Model, rep.CompletionTokens)
		case errors.Is(err, context.Canceled):
			return nil, fmt.Sprintf("no abstractive text: the generation by chat model %s was cancelled", rep.Model)
		case err != nil:
			r.log.Warn("MemexFS: abstractive summary failed", "model", rep.Model, "err", err)
			return nil, fmt.Sprintf("no abstractive text: chat model %s failed: %v", rep.Model, err)
		}
		text := strings.TrimSpace(rep.Text)
		if text == "" {
			return nil, fmt.Sprintf("no abstractive text: chat model %s wrote none", rep.Model)
		}
		return &memex.Abstractive{Text: text, Model: rep.Model, Sentences: n, PromptTokens: rep.PromptTokens,
			Tokens: rep.CompletionTokens, Finish: rep.Finish}, ""
	}
	return nil, "no sentences to summarize"
}
