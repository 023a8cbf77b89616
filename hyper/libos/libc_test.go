//go:build linux && amd64

package libos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"nexusos/hyper"
)

// TestThreadsHammer runs 8 musl threads contending on one mutex and a
// condition variable (clone, futex wait/wake with and without timeout,
// thread exit and join through CLONE_CHILD_CLEARTID).
func TestThreadsHammer(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/threads-c/threads.c")
	r := runVM(t, prog, NewConfig().WithArgs("threads", "8", "20000"))
	want := "timed wait: timed out\nthreads 8 x 20000: counter 160000\n"
	if r.err != nil || r.res.ExitCode != 0 || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d, output %q", r.err, r.res.ExitCode, r.stdout.String())
	}
	if r.res.Threads != 9 {
		t.Errorf("%d threads, want 9", r.res.Threads)
	}
}

// TestMemoryCalls runs the guest-side checks of brk, mmap, munmap,
// mprotect, madvise and file mappings, then accesses that must fault.
func TestMemoryCalls(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/memory-c/memory.c")
	blob := append(bytes.Repeat([]byte("B"), hyper.PageSize), "CCCCCCCCCC"...)
	files := fstest.MapFS{"blob.bin": {Data: blob}}
	r := runVM(t, prog, NewConfig().WithArgs("memory").WithFS(files))
	out := r.stdout.String()
	if r.err != nil || r.res.ExitCode != 0 || strings.Contains(out, "FAIL") || !strings.HasSuffix(out, "failures: 0\n") {
		t.Fatalf("Run = %v, exit %d, output:\n%s", r.err, r.res.ExitCode, out)
	}
	for mode, want := range map[string]string{
		"after-munmap":   "(read, not present)",
		"write-readonly": "(write, protection violation)",
		"prot-none":      "(read, protection violation)",
		"exec-data":      "(instruction fetch, protection violation)",
	} {
		r := runVM(t, prog, NewConfig().WithArgs("memory", mode).WithFS(files))
		var f *hyper.Fault
		if !errors.As(r.err, &f) || f.Vector != 14 || !strings.Contains(f.Error(), want) {
			t.Errorf("%s: Run = %v, want a #PF %s", mode, r.err, want)
		}
	}
}

// TestThreadChurn creates and joins more threads, one at a time, than KVM
// has vCPU ids: exited threads' vCPUs must be reused.
func TestThreadChurn(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/threads-c/threads.c")
	r := runVM(t, prog, NewConfig().WithArgs("threads", "churn", "1100"))
	if r.err != nil || r.stdout.String() != "churn 1100: 1100\n" {
		t.Fatalf("Run = %v, output %q", r.err, r.stdout.String())
	}
}

// TestStdinStop stops a program blocked reading a stdin that never sends:
// Run must return at the deadline.
func TestStdinStop(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/bench/bench.c")
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, NewConfig().WithArgs("bench", "wait").WithStdin(r), readFile(t, prog))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v, want the deadline", err)
	}
	// And with data then EOF it reads everything and exits.
	res, err := Run(context.Background(), NewConfig().WithArgs("bench", "wait").WithStdin(strings.NewReader(strings.Repeat("x", 100000))), readFile(t, prog))
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("Run = %v, exit %d", err, res.ExitCode)
	}
}

// TestOutputLimit bounds what a program may write: writes past the limit
// fail with EFBIG and the result says so.
func TestOutputLimit(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/hello-c/hello.c")
	r := runVM(t, prog, NewConfig().WithArgs("hello", "a", "b").WithMaxOutput(40))
	if !r.res.OutputLimited || r.stdout.Len() != 40 || r.res.OutputBytes != 40 {
		t.Fatalf("output %d bytes %q, limited %v, counted %d", r.stdout.Len(), r.stdout.String(), r.res.OutputLimited, r.res.OutputBytes)
	}
}

// TestClocks checks the vDSO and system-call clocks agree (monotonic time
// never goes back across the two), sleeps last at least as long as asked,
// and real time is the host's.
func TestClocks(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/clock-c/clock.c")
	for _, vdso := range []bool{true, false} {
		r := runVM(t, prog, NewConfig().WithArgs("clock").WithVDSO(vdso))
		out := r.stdout.String()
		wantVDSO := map[bool]string{true: "vdso: yes\n", false: "vdso: no\n"}[vdso]
		if r.err != nil || !strings.HasPrefix(out, wantVDSO+"monotonic went back 0 times\n20ms sleep measured >= 20ms: yes\nrealtime ") {
			t.Fatalf("vdso %v: Run = %v, output:\n%s", vdso, r.err, out)
		}
		var sec int64
		fmt.Sscanf(out[strings.LastIndex(out, "realtime "):], "realtime %d", &sec)
		if d := time.Now().Unix() - sec; d < -5 || d > 5 {
			t.Errorf("vdso %v: guest real time %d, host %d", vdso, sec, time.Now().Unix())
		}
	}
}

// TestFakeClock: without the clock capability the program sees a clock
// that starts in 2000 and advances 1 ms per reading.
func TestFakeClock(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/clock-c/clock.c")
	r := runVM(t, prog, NewConfig().WithArgs("clock").WithFakeClock())
	out := r.stdout.String()
	if r.err != nil || !strings.HasPrefix(out, "vdso: no\nmonotonic went back 0 times\n") || !strings.HasSuffix(out, "realtime 946684802\n") {
		t.Fatalf("Run = %v, output:\n%s", r.err, out)
	}
}
