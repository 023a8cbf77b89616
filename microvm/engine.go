package microvm

import (
	"context"
	"io"
	"log/slog"
)

// Program is a verified image ready to run: its manifest and code.
type Program struct {
	ID       string // image digest, "sha256:..."
	Manifest Manifest
	Code     []byte // the module (tier 1) or static ELF (tier 2)
}

// RunConfig is what one run adds to a Program.
type RunConfig struct {
	ID     string   // microVM id; generated when empty
	Args   []string // appended after the manifest's entry arguments
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Limits tighten the manifest's limits (never loosen them).
	Limits   Limits
	Services Services
	Logger   *slog.Logger
}

// Engine runs microVMs of one tier. Implementations are safe for concurrent
// use: many microVMs run at once, each isolated from the others.
type Engine interface {
	// Prepare compiles p ahead of time, so a later Run does not pay for it.
	Prepare(ctx context.Context, p *Program) error
	// Run starts p in a fresh microVM and waits for it to end. The microVM
	// ends when the app exits, traps, hits a limit or ctx is done (then
	// the status is Stopped). A non-nil error means the host could not
	// run it at all; everything the app does is reported in Status.
	Run(ctx context.Context, p *Program, rc RunConfig) (Status, error)
}
