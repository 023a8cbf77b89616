package front

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// EnvTimings names a file the shim appends a record to at each step of
// each container's life (the front's actions and the daemon's task
// calls), so that a benchmark can tell the shim's own time from that of
// containerd and ctr (`nexus bench containerd`). Unset, nothing is
// recorded. containerd passes its environment to the shims it starts.
const EnvTimings = "NEXUS_SHIM_TIMINGS"

// The steps a timings file records. The front records StartAction and
// DeleteAction (each a Begin and an End record: from its main function
// to its answer); the daemon records its task calls and, between Start
// and the exit, VMExit (the microVM ended) and Exit (the exit reported,
// once the output was read).
const (
	StepStartAction  = "start-action"
	StepDeleteAction = "delete-action"
	StepCreate       = "create"
	StepStart        = "start"
	StepVMExit       = "vm-exit"
	StepExit         = "exit"
	StepDelete       = "delete"

	Begin = ".begin"
	End   = ".end"
)

// Timings appends records to the file EnvTimings names:
//
//	+--------------------------+-----+--------------+-----+-------------------------+----+
//	| Unix time, nanoseconds   | ' ' | container id | ' ' | step (+ .begin / .end)  | \n |
//	+--------------------------+-----+--------------+-----+-------------------------+----+
//
// Each record is one write to a file opened for appending, so the
// records of concurrent processes do not interleave. A nil *Timings
// records nothing. It is safe for concurrent use.
type Timings struct {
	mu sync.Mutex
	// f is the open file; guarded by mu.
	f *os.File
}

// OpenTimings opens the file EnvTimings names, or returns nil when it is
// unset or cannot be opened (timings are never worth failing a
// container for).
func OpenTimings() *Timings {
	p := os.Getenv(EnvTimings)
	if p == "" {
		return nil
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil
	}
	return &Timings{f: f}
}

// Mark records step of container id at at.
func (t *Timings) Mark(id, step string, at time.Time) {
	if t == nil {
		return
	}
	b := strconv.AppendInt(nil, at.UnixNano(), 10)
	b = fmt.Appendf(b, " %s %s\n", id, step)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.f.Write(b)
}
