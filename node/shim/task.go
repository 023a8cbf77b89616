package shim

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"syscall"
	"time"

	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/errdefs"

	"nexusos/microvm"
	"nexusos/node/shim/front"
)

// procs keeps a P per running tier-1 microVM (see task.run).
var procs = &procCount{base: goruntime.GOMAXPROCS(0)}

// maxExtraProcs bounds the Ps added for microVMs.
const maxExtraProcs = 256

// procCount counts the running tier-1 microVMs and raises GOMAXPROCS to
// the CPUs plus their largest number so far. It never lowers it: a
// change stops the world (about a millisecond with many Ps), and the
// shim exits once it is idle.
type procCount struct {
	base int

	mu sync.Mutex
	// n is the number of running tier-1 microVMs, max the largest n
	// GOMAXPROCS was raised for; guarded by mu.
	n, max int
}

func (p *procCount) add(d int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += d
	if p.n > p.max && p.max < maxExtraProcs {
		p.max = min(p.n, maxExtraProcs)
		goruntime.GOMAXPROCS(p.base + p.max)
	}
}

// errKilled is the cause of a microVM's context when Kill ends it.
var errKilled = errors.New("shim: killed")

// task is one container: a sealed program and its microVM.
type task struct {
	id, bundle                        string
	stdinPath, stdoutPath, stderrPath string
	prog                              *microvm.Program
	eng                               microvm.Engine
	release                           func() // frees what eng holds for the task
	args                              []string
	limits                            microvm.Limits
	io                                *stdio
	timings                           *front.Timings // records the task's steps; nil: none
	// done is closed when the task has stopped and its stdio is closed.
	done chan struct{}

	mu sync.Mutex
	// state moves CREATED → RUNNING → STOPPED, or CREATED → STOPPED;
	// guarded by mu.
	state tasktypes.Status
	// code and exitedAt are set on STOPPED; guarded by mu.
	code     uint32
	exitedAt time.Time
	// signal is the signal that Kill ended a running task with; guarded
	// by mu.
	signal syscall.Signal
	// cancel ends the running microVM; guarded by mu.
	cancel context.CancelCauseFunc
}

// taskStatus is a copy of a task's state fields.
type taskStatus struct {
	state    tasktypes.Status
	code     uint32
	exitedAt time.Time
}

func (t *task) status() taskStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return taskStatus{t.state, t.code, t.exitedAt}
}

// start runs the microVM in the background; exited is called once it has
// ended, its output written and its stdio closed.
func (t *task) start(exited func(code uint32, at time.Time)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state != tasktypes.Status_CREATED {
		return errdefs.ToGRPCf(errdefs.ErrFailedPrecondition, "task %s is %s, not created", t.id, t.state)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	t.state, t.cancel = tasktypes.Status_RUNNING, cancel
	go t.run(ctx, exited)
	return nil
}

func (t *task) run(ctx context.Context, exited func(code uint32, at time.Time)) {
	if t.prog == nil {
		t.pause(ctx, exited)
		return
	}
	if t.prog.Manifest.Tier == microvm.TierWasm {
		// Compiled WebAssembly holds its P while it computes; a P per
		// running microVM keeps the shim's own goroutines (ttrpc, events)
		// runnable, and the kernel shares the CPUs among the threads.
		procs.add(1)
		defer procs.add(-1)
	}
	st, err := t.eng.Run(ctx, t.prog, microvm.RunConfig{
		ID: t.id, Args: t.args, Stdin: t.io.stdin, Stdout: t.io.stdout, Stderr: t.io.stderr,
		Limits: t.limits, Logger: runLogger(t),
	})
	t.timings.Mark(t.id, front.StepVMExit, time.Now())
	code := st.ExitCode
	switch {
	case err != nil:
		code = microvm.ExitCodeError
		fmt.Fprintf(t.io.stderr, "nexus: %v\n", err)
	case st.Reason != microvm.ReasonExit && st.Reason != microvm.ReasonStopped:
		// What ended the microVM, as `nexus run` reports it.
		fmt.Fprintf(t.io.stderr, "nexus: %v\n", st.Err())
	}
	// The exit is reported once the output has been read (stdio.drain).
	t.io.drain(drainTimeout)
	t.mu.Lock()
	if t.signal != 0 && st.Reason == microvm.ReasonStopped {
		code = 128 + int(t.signal)
	}
	t.cancel(nil)
	t.stopLocked(uint32(code))
	at := t.exitedAt
	t.mu.Unlock()
	exited(uint32(code), at)
}

// pause holds a pod sandbox until it is killed; like the pause program,
// it exits 0 on SIGINT and SIGTERM.
func (t *task) pause(ctx context.Context, exited func(code uint32, at time.Time)) {
	<-ctx.Done()
	t.mu.Lock()
	code := 128 + int(t.signal)
	if t.signal == syscall.SIGTERM || t.signal == syscall.SIGINT {
		code = 0
	}
	t.stopLocked(uint32(code))
	at := t.exitedAt
	t.mu.Unlock()
	exited(uint32(code), at)
}

// stopLocked records the exit and closes the stdio and done.
//
// Preconditions: t.mu is held; the task is not STOPPED.
func (t *task) stopLocked(code uint32) {
	t.state, t.code, t.exitedAt = tasktypes.Status_STOPPED, code, time.Now()
	t.io.Close()
	close(t.done)
}

// kill ends the task with sig: a running microVM is stopped (its exit is
// reported when it has ended), a created one stops at once. It returns
// false when the task had already stopped.
func (t *task) kill(sig syscall.Signal) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t.state {
	case tasktypes.Status_CREATED:
		t.stopLocked(uint32(128 + int(sig)))
		return true
	case tasktypes.Status_RUNNING:
		if t.signal == 0 {
			t.signal = sig
		}
		t.cancel(errKilled)
		return true
	}
	return false
}

// delete ends a task that never started and returns the exit of a
// stopped one; a running task must be killed first.
func (t *task) delete() (uint32, time.Time, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t.state {
	case tasktypes.Status_RUNNING:
		return 0, time.Time{}, errdefs.ToGRPCf(errdefs.ErrFailedPrecondition, "task %s is running: kill it first", t.id)
	case tasktypes.Status_CREATED:
		t.stopLocked(uint32(128 + int(syscall.SIGKILL)))
	}
	return t.code, t.exitedAt, nil
}
