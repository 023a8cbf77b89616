package libos

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

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
