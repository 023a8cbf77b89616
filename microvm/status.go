package microvm

import (
	"fmt"
	"time"
)

// State is where a microVM is in its life.
//
//	Created ──start──▶ Running ──app exits──▶ Exited
//	                      │
//	                      ├──trap, limit, host error──▶ Failed
//	                      └──Stop──▶ Stopped
type State string

// The states of a microVM.
const (
	StateCreated State = "created"
	StateRunning State = "running"
	StateExited  State = "exited"  // the app exited by itself (any exit code)
	StateFailed  State = "failed"  // the host ended it: trap or limit
	StateStopped State = "stopped" // stopped on request
)

// Reason says why a microVM ended.
type Reason string

// The reasons a microVM ends.
const (
	ReasonExit    Reason = "exit"    // the app called exit (or returned from main)
	ReasonTrap    Reason = "trap"    // a WebAssembly trap: unreachable, out of bounds, stack overflow...
	ReasonTimeout Reason = "timeout" // the wall-time deadline passed
	ReasonMemory  Reason = "memory"  // the app hit its memory limit and died of it
	ReasonOutput  Reason = "output"  // the app wrote more than its output limit
	ReasonStopped Reason = "stopped" // Stop was called
	ReasonError   Reason = "error"   // the host failed to start it
)

// Exit codes reported for microVMs that did not exit by themselves, chosen
// after the shell conventions (timeout(1) uses 124, a signal N is 128+N).
const (
	ExitCodeTimeout = 124
	ExitCodeOutput  = 125
	ExitCodeError   = 126
	ExitCodeTrap    = 134 // like SIGABRT
	ExitCodeMemory  = 137 // like SIGKILL from the OOM killer
	ExitCodeStopped = 143 // like SIGTERM
)

// Status is a snapshot of one microVM.
type Status struct {
	ID        string    `json:"id"`
	Image     string    `json:"image"` // image digest
	Name      string    `json:"name"`
	State     State     `json:"state"`
	Reason    Reason    `json:"reason,omitempty"`
	ExitCode  int       `json:"exit_code"`
	Detail    string    `json:"detail,omitempty"` // trap message or limit hit
	StartedAt time.Time `json:"started_at,omitzero"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// MemoryBytes is the largest linear memory the app reached.
	MemoryBytes uint64 `json:"memory_bytes"`
	// OutputBytes counts stdout and stderr bytes the app wrote.
	OutputBytes int64 `json:"output_bytes"`
}

// Done reports whether the microVM has ended.
func (s Status) Done() bool {
	return s.State == StateExited || s.State == StateFailed || s.State == StateStopped
}

// Err returns nil when the app exited with code 0, else an *ExitError.
func (s Status) Err() error {
	if s.State == StateExited && s.ExitCode == 0 {
		return nil
	}
	return &ExitError{Status: s}
}

// ExitError reports a microVM that did not exit with code 0. It carries the
// exit code, so a CLI can exit with the app's own code.
type ExitError struct {
	Status Status
}

func (e *ExitError) Error() string {
	s := e.Status
	switch s.Reason {
	case ReasonExit:
		return fmt.Sprintf("microvm %s: exited with code %d", s.Name, s.ExitCode)
	default:
		if s.Detail != "" {
			return fmt.Sprintf("microvm %s: %s: %s", s.Name, s.Reason, s.Detail)
		}
		return fmt.Sprintf("microvm %s: %s", s.Name, s.Reason)
	}
}

// ExitCode returns the process exit code that stands for this end.
func (e *ExitError) ExitCode() int { return e.Status.ExitCode }
