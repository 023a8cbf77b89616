package microvm

import (
	"context"
	"errors"
	"log/slog"
)

// Memex is the MemexFS service as apps see it. The host adapts the real
// MemexFS (package memex) or a remote one to this interface.
type Memex interface {
	// Query searches by meaning. opts.Folders is never empty when the
	// dispatcher calls it: it is the app's grant, narrowed by the request.
	Query(ctx context.Context, text string, opts QueryOptions) ([]Result, error)
	// Get returns one document. It returns an error wrapping ErrNotFound
	// when no document has that id.
	Get(ctx context.Context, id string) (Doc, error)
}

// QueryOptions narrow a Memex query.
type QueryOptions struct {
	Limit   int      // maximum results, > 0
	Folders []string // only results under one of these folders ("" is the root)
}

// Result is one query hit.
type Result struct {
	ID      string
	Path    string
	Score   float64
	Snippet string
	Facts   map[string]string
}

// Doc is a document's text and facts.
type Doc struct {
	ID    string
	Path  string
	Text  string
	Facts map[string]string
}

// Cortex is the inference service as apps see it.
type Cortex interface {
	Generate(ctx context.Context, prompt string, opts GenerateOptions) (string, error)
	Embed(ctx context.Context, text string) ([]float32, error)
}

// GenerateOptions tune a generation.
type GenerateOptions struct {
	MaxTokens   int
	Temperature float64
}

// Services are the host services a microVM may reach. A nil service makes
// its calls fail with abi.ErrNotAvailable.
type Services struct {
	Memex  Memex
	Cortex Cortex
	// Logger receives the app's log calls; nil discards them.
	Logger *slog.Logger
}

// ErrNotFound is what a Memex returns (wrapped) for an unknown id.
var ErrNotFound = errors.New("microvm: not found")

// ErrNotAvailable is what a service returns (wrapped) for a call it cannot
// serve on this host, e.g. Generate with no model loaded; apps see
// abi.ErrNotAvailable.
var ErrNotAvailable = errors.New("microvm: not available")
