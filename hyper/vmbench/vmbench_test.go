//go:build linux && amd64

package vmbench

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"nexusos/hyper"
)

func durations(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x)
	}
	return out
}

// TestRunSmall runs every measurement at a tiny size and checks that each
// figure was taken (not their values: timings belong to benchmarks).
func TestRunSmall(t *testing.T) {
	if err := hyper.Available(); err != nil {
		t.Skipf("skipping: KVM unavailable on this machine: %v", err)
	}
	if _, err := exec.LookPath("musl-gcc"); err != nil {
		t.Skip("skipping: musl-gcc not installed (run .ci/deps.d/40-musl.sh)")
	}
	_, file, _, _ := runtime.Caller(0)
	rep, err := Run(context.Background(), Config{
		Source: filepath.Join(filepath.Dir(file), "..", ".."),
		Runs:   3, Syscalls: 100, Compute: 1_000_000, IdleVMs: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Startups) != 2 || rep.SyscallVM <= 0 || rep.ComputeVM <= 0 || rep.ComputeNative <= 0 || rep.GuestPagesPerVM <= 0 {
		t.Fatalf("incomplete report %+v", rep)
	}
	for _, s := range rep.Startups {
		if s.FirstInstruction.P50 <= 0 || s.Exit.P50 < s.FirstInstruction.P50 || s.Exit.P99 < s.Exit.P50 {
			t.Errorf("%s: inconsistent start-up figures %+v", s.Program, s)
		}
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, want := range []string{"start -> first instruction", "system call round trip", "compute loop", "per idle VM"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSummarize(t *testing.T) {
	l := summarize(durations(1, 2, 3, 4, 5, 6, 7, 8, 9, 100))
	if l.P50 != 5 || l.P99 != 100 { // nearest rank: the 5th and 10th of 10
		t.Fatalf("summarize = %+v", l)
	}
	if (summarize(nil) != Latency{}) {
		t.Fatal("empty summary not zero")
	}
}

// TestRunOnly: RunOnly takes the in-process figures the `nexus run` ones
// are compared with, and nothing else.
func TestRunOnly(t *testing.T) {
	if err := hyper.Available(); err != nil {
		t.Skipf("skipping: KVM unavailable on this machine: %v", err)
	}
	if _, err := exec.LookPath("musl-gcc"); err != nil {
		t.Skip("skipping: musl-gcc not installed (run .ci/deps.d/40-musl.sh)")
	}
	_, file, _, _ := runtime.Caller(0)
	rep, err := Run(context.Background(), Config{Source: filepath.Join(filepath.Dir(file), "..", ".."), Runs: 2, RunOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Startups) != 2 || rep.Startups[0].Exit.P50 <= 0 || rep.Startups[1].PreinitExit.P50 <= 0 || rep.ComputeVM != 0 || rep.SyscallVM != 0 {
		t.Fatalf("report %+v", rep)
	}
	var out bytes.Buffer
	rep.Print(&out)
	if s := out.String(); !strings.Contains(s, "pre-initialised, in-process") || strings.Contains(s, "compute loop") {
		t.Errorf("report:\n%s", s)
	}
}
