package hostsvc

import (
	"context"
	"fmt"
	"sync"

	"nexusos/cortex"
	"nexusos/memex/embed"
	"nexusos/microvm"
)

// Cortex serves apps from a loaded model (generation) and an embedder.
// Model may be nil: Generate then reports microvm.ErrNotAvailable, so apps
// such as summarize skip cleanly. Embedder nil means the built-in
// GloVe-SIF embedder, loaded on first use.
type Cortex struct {
	Model    *cortex.Model
	Embedder embed.Embedder

	once   sync.Once
	embErr error
}

var _ microvm.Cortex = (*Cortex)(nil)

// Generate implements microvm.Cortex.
func (c *Cortex) Generate(ctx context.Context, prompt string, opts microvm.GenerateOptions) (string, error) {
	if c.Model == nil {
		return "", fmt.Errorf("no model is loaded on this host (nexus run --model NAME): %w", microvm.ErrNotAvailable)
	}
	res, err := c.Model.Generate(ctx, prompt, cortex.GenerateOptions{MaxTokens: opts.MaxTokens})
	if err != nil {
		return "", fmt.Errorf("generate: %w", err)
	}
	return res.Text, nil
}

// Embed implements microvm.Cortex.
func (c *Cortex) Embed(_ context.Context, text string) ([]float32, error) {
	c.once.Do(func() {
		if c.Embedder == nil {
			g, err := embed.Default()
			c.Embedder, c.embErr = g, err
		}
	})
	if c.embErr != nil {
		return nil, fmt.Errorf("embed: %v: %w", c.embErr, microvm.ErrNotAvailable)
	}
	return c.Embedder.Embed(text), nil
}
