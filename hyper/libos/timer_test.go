//go:build linux && amd64

package libos

import (
	"errors"
	"testing"
)

// TestTimersC: signal masks (pending while blocked, delivered when
// unblocked, kept per thread, the handler's mask), a process-directed
// signal taken by the thread that does not block it, alarm, setitimer and
// getitimer, a pipe read interrupted (EINTR) and restarted (SA_RESTART),
// nanosleep and sigsuspend interrupted, timer_create with sigwaitinfo;
// output identical to native.
func TestTimersC(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/timers-c/timers.c")
	r := runVM(t, prog, NewConfig().WithArgs("timers"))
	want, code := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != code || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), want)
	}
}

// TestTimerDefaultAction: SIGALRM from setitimer at its default action
// ends the program with status 142 (natively: killed by signal 14).
func TestTimerDefaultAction(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/timers-c/timers.c")
	r := runVM(t, prog, NewConfig().WithArgs("timers", "default"))
	var ee *ExitError
	if r.res.ExitCode != 142 || !errors.As(r.err, &ee) || ee.Signal != 14 || r.stdout.String() != "waiting for SIGALRM\n" {
		t.Fatalf("Run = %v, exit %d, output %q", r.err, r.res.ExitCode, r.stdout.String())
	}
}

// TestSignalsGo: os/signal receives a SIGUSR1 sent with kill, SIGALRMs
// from setitimer and a SIGPIPE; an ignored signal has no effect; output
// identical to native.
func TestSignalsGo(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/signals-go")
	r := runVM(t, prog, NewConfig().WithArgs("signals-go"))
	want, code := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != code || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), r.stderr.String(), want)
	}
}
