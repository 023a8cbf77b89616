//go:build linux && amd64

package libos

import (
	"errors"
	"strings"
	"testing"
)

// TestPipesC: a pipe between two threads (writes larger than the pipe,
// EOF), pipe2 flags, O_NONBLOCK capacity, poll, select and epoll on pipes,
// EPIPE with SIGPIPE ignored and handled; output identical to native.
func TestPipesC(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/pipes-c/pipes.c")
	r := runVM(t, prog, NewConfig().WithArgs("pipes"))
	want, code := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != code || r.stdout.String() != want || !strings.HasSuffix(want, "failures: 0\n") {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), want)
	}
}

// TestPipeSIGPIPE: a write to a pipe without readers, SIGPIPE at its
// default action, kills the program (natively by signal 13, so the shell
// reports 141; in the VM status 141 and Signal 13).
func TestPipeSIGPIPE(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/pipes-c/pipes.c")
	r := runVM(t, prog, NewConfig().WithArgs("pipes", "sigpipe"))
	want, code := native(t, prog, t.TempDir(), nil, "sigpipe")
	var ee *ExitError
	if code != -1 || r.res.ExitCode != 141 || r.stdout.String() != want || !errors.As(r.err, &ee) || ee.Signal != 13 {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), want)
	}
}

// TestPipeHammer: 8 threads write PIPE_BUF-byte records into one pipe at
// once while the main thread reads them back: none may be torn.
func TestPipeHammer(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/pipes-c/pipes.c")
	for i := 0; i < 3; i++ {
		r := runVM(t, prog, NewConfig().WithArgs("pipes", "hammer"))
		if r.err != nil || r.stdout.String() != "hammer: 1600 records of PIPE_BUF bytes from 8 threads, 0 torn\n" {
			t.Fatalf("run %d: %v, output %q", i, r.err, r.stdout.String())
		}
	}
}

// TestPipePingPong bounces one byte between two threads through two pipes
// and logs the round-trip cost.
func TestPipePingPong(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/pipes-c/pipes.c")
	r := runVM(t, prog, NewConfig().WithArgs("pipes", "pingpong", "2000"))
	if r.err != nil || r.stdout.String() != "pingpong: 2000 round trips\n" {
		t.Fatalf("Run = %v, output %q %q", r.err, r.stdout.String(), r.stderr.String())
	}
	t.Logf("%s(%d system calls)", r.stderr.String(), r.res.Syscalls)
}

// TestPipesGo: os.Pipe between goroutines through Go's poller (epoll with
// EPOLLET on pipes), a read deadline, EPIPE; output identical to native.
func TestPipesGo(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/pipes-go")
	r := runVM(t, prog, NewConfig().WithArgs("pipes-go"))
	want, code := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != code || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), r.stderr.String(), want)
	}
	t.Logf("%d system calls", r.res.Syscalls)
}
