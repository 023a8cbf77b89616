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
	// Snapshot, when set, marks Code as pre-initialised: its globals and
	// memory size are those after the app's initialisation, Memory holds
	// that memory, and the app starts by calling Entry instead of _start.
	Snapshot *Snapshot
}

// Snapshot is an app's state after initialisation (see docs/abi.md and
// the Wizer approach): restoring it skips the language runtime's start-up.
type Snapshot struct {
	Memory []byte // linear memory, a whole number of 64 KiB pages
	Entry  string // exported function that runs main
	// Nanotime is the app's monotonic clock reading when the snapshot was
	// taken; restored clocks continue from it, so time never runs back.
	Nanotime int64
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
