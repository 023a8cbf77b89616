//go:build linux && amd64

package libos

import (
	"strings"
	"testing"
)

// TestSignalsC: SIGSEGV, SIGFPE and SIGILL handlers with siginfo, a
// handler that fixes the fault and returns (rt_sigreturn), and a handler
// on an alternate stack after a stack overflow; output as native.
func TestSignalsC(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/signals-c/signals.c")
	r := runVM(t, prog, NewConfig().WithArgs("signals"))
	want, _ := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != 0 || r.stdout.String() != want || !strings.HasPrefix(want, "SIGSEGV 1 code 1 addr 0x1234\nSIGFPE 1\nSIGILL 1\n100 faults, 100 caught\nresume: 42") {
		t.Fatalf("Run = %v, exit %d, output:\n%s\nnative:\n%s", r.err, r.res.ExitCode, r.stdout.String(), want)
	}
}

// TestGoPanics: Go's nil dereferences and divisions by zero become
// recoverable panics, and an unrecovered one prints Go's message and
// exits with status 2, exactly as natively.
func TestGoPanics(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/gopanic")
	r := runVM(t, prog, NewConfig().WithArgs("gopanic"))
	want, _ := native(t, prog, t.TempDir(), nil)
	if r.err != nil || r.res.ExitCode != 0 || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d\nVM:\n%s\nnative:\n%s", r.err, r.res.ExitCode, r.stdout.String(), want)
	}
	r = runVM(t, prog, NewConfig().WithArgs("gopanic", "crash"))
	if r.res.ExitCode != 2 || !strings.Contains(r.stderr.String(), "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0") {
		t.Fatalf("crash: %v, exit %d, stderr:\n%s", r.err, r.res.ExitCode, r.stderr.String())
	}
}

// TestGoAsyncPreemption: two goroutines spin without function calls while
// main runs a garbage collection; its stop-the-world needs Go's SIGURG
// preemption, delivered to the spinning vCPUs asynchronously.
func TestGoAsyncPreemption(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/gospin")
	for i := 0; i < 3; i++ {
		r := runVM(t, prog, NewConfig().WithArgs("gospin"))
		if r.err != nil || r.stdout.String() != "collected while two goroutines spin\n" {
			t.Fatalf("run %d: %v, output %q, stderr %q", i, r.err, r.stdout.String(), r.stderr.String())
		}
	}
}
