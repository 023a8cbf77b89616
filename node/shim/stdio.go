package shim

import (
	"context"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/containerd/fifo"
)

// stdio are a task's standard streams: the FIFOs containerd hands over in
// CreateTaskRequest (paths; an empty path is a stream nobody reads).
type stdio struct {
	stdin          io.ReadCloser // nil without a stdin FIFO
	stdout, stderr io.WriteCloser
}

// openStdio opens the FIFOs at the given paths: stdin for reading,
// stdout and stderr for writing. containerd's clients open their ends
// before they create the task, so the writes' opens do not wait; ctx
// bounds them anyway.
func openStdio(ctx context.Context, stdin, stdout, stderr string) (_ *stdio, err error) {
	s := &stdio{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	for _, p := range []string{stdin, stdout, stderr} {
		if p != "" && !isPath(p) {
			return nil, fmt.Errorf("stdio %q: only FIFO paths are supported (no log URIs)", p)
		}
	}
	if stdin != "" {
		if s.stdin, err = fifo.OpenFifo(ctx, stdin, syscall.O_RDONLY|syscall.O_NONBLOCK, 0); err != nil {
			return nil, fmt.Errorf("open stdin %s: %w", stdin, err)
		}
	}
	open := func(p string) (io.WriteCloser, error) {
		if p == "" {
			return nopWriteCloser{io.Discard}, nil
		}
		f, err := fifo.OpenFifo(ctx, p, syscall.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
		return f, nil
	}
	if s.stdout, err = open(stdout); err != nil {
		return nil, err
	}
	if s.stderr, err = open(stderr); err != nil {
		return nil, err
	}
	return s, nil
}

// isPath reports whether a stdio name is an absolute path rather than a
// log URI (binary://, file://).
func isPath(p string) bool { return len(p) > 0 && p[0] == '/' }

// closeStdin closes stdin alone (CloseIO).
func (s *stdio) closeStdin() {
	if s.stdin != nil {
		s.stdin.Close()
	}
}

// drainTimeout bounds how long a task's exit waits for the readers of
// its output FIFOs to take what it wrote (see drain). containerd's runc
// shim bounds its own wait for a process's output (10 s, at Delete); the
// readers containerd's clients run take their output at once, so this
// only bounds a reader that has stopped reading.
const drainTimeout = 2 * time.Second

// drain waits until the readers of the output FIFOs have read everything
// written to them (their unread byte count is 0), or have closed them, or
// timeout has passed. The task's exit is reported after it: containerd
// 1.6's client (ctr run, task.Delete) closes its read ends as soon as it
// has the exit status, before it has read what is still in the pipes, and
// so drops output that a reported exit has already left there (containerd
// 1.7 waits for the end of its copies instead).
func (s *stdio) drain(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	pause := 50 * time.Microsecond
	for _, w := range []io.WriteCloser{s.stdout, s.stderr} {
		for pending(w) && time.Now().Before(deadline) {
			// A pipe signals no reader's progress to its writer (POLLOUT
			// means room, not empty), so drain polls.
			time.Sleep(pause)
			pause = min(2*pause, 5*time.Millisecond)
		}
	}
}

// Close closes every stream that is open.
func (s *stdio) Close() {
	s.closeStdin()
	for _, w := range []io.WriteCloser{s.stdout, s.stderr} {
		if w != nil {
			w.Close()
		}
	}
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
