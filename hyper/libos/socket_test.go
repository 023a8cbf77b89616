//go:build linux && amd64

package libos

import (
	"strings"
	"testing"
)

// TestSocketsC: an AF_UNIX stream socketpair between two threads (send,
// recv, sendmsg, recvmsg, read, write, poll, shutdown, EPIPE); output
// identical to native.
func TestSocketsC(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/sockets-c/sockets.c")
	r := runVM(t, prog, NewConfig().WithArgs("sockets"))
	want, code := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != code || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), want)
	}
}

// TestLoopbackGo: with a loopback network granted, a Go program's TCP
// echo server and HTTP server on 127.0.0.1 answer its own clients inside
// the VM; output identical to native.
func TestLoopbackGo(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/loopback-go")
	r := runVM(t, prog, NewConfig().WithArgs("loopback-go").WithLoopback(true))
	want, code := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != code || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), r.stderr.String(), want)
	}
	t.Logf("%d system calls", r.res.Syscalls)
}

// TestNoNetwork: without the grant, socket() is refused.
func TestNoNetwork(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/loopback-go")
	r := runVM(t, prog, NewConfig().WithArgs("loopback-go"))
	if r.res.ExitCode != 1 || !strings.Contains(r.stdout.String(), "listen tcp 127.0.0.1:0: socket: permission denied") {
		t.Fatalf("Run = %v, exit %d, output %q", r.err, r.res.ExitCode, r.stdout.String())
	}
}
