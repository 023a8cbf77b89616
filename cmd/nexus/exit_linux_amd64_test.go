package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/microvm"
)

// TestReleaseMemoryAfterExit runs a process that writes, hands its memory
// to the helper and exits with status 7: the caller gets all of the
// output, end of file and the exact status, and the helper (reparented
// to this test process, made a subreaper) exits by itself, with status
// 0, once the process is gone.
func TestReleaseMemoryAfterExit(t *testing.T) {
	if os.Getenv("NEXUS_TEST_RELEASE_HELPER") == "1" {
		return // the child half is releaseHelperMain, run from init
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skipf("cannot become a subreaper: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)

	cmd := exec.Command(os.Args[0], "-test.run=^TestReleaseMemoryAfterExit$")
	cmd.Env = append(os.Environ(), "NEXUS_TEST_RELEASE_HELPER=1")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("exit: %v, want status 7", err)
	}
	if want := strings.Repeat("x", 1<<16) + "helper descriptors: 2, kept: true\n"; string(out) != want {
		t.Fatalf("output: %d bytes ending in %q, want %d ending in %q", len(out), out[max(0, len(out)-30):], len(want), want[len(want)-30:])
	}

	// The helper was reparented to us: reap it.
	reapHelper(t, cmd.Process.Pid)
}

// init runs the child halves of the tests above before the test
// framework starts: main itself (NEXUS_TEST_MAIN), or
// releaseMemoryAfterExit alone.
func init() {
	if os.Getenv("NEXUS_TEST_MAIN") == "1" {
		main()
	}
	if os.Getenv("NEXUS_TEST_RELEASE_HELPER") != "1" {
		return
	}
	os.Stdout.WriteString(strings.Repeat("x", 1<<16))
	keep, err := os.Open(os.Args[0])
	if err != nil {
		panic(err)
	}
	pid := releaseMemoryAfterExit([]int{int(keep.Fd())})
	// The helper keeps only its pipe's read end and keep: not this
	// process's output, which the caller reads to its end.
	n := -1
	for range 1000 {
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if n = len(ents); err == nil && n == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	_, err = os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, keep.Fd()))
	fmt.Printf("helper descriptors: %d, kept: %v\n", n, err == nil)
	os.Exit(7)
}

// TestRunProcessReleasesAtExit runs `nexus run` as its own process (this
// test binary's main, see init): the C hello's output and status are
// those of a native run, a timeout's status is exact, and the helper
// that frees the process's memory and VM after it (reparented to this
// test, made a subreaper) exits by itself with status 0 each time.
func TestRunProcessReleasesAtExit(t *testing.T) {
	if os.Getenv("NEXUS_TEST_MAIN") == "1" {
		return
	}
	needKVM(t)
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skipf("cannot become a subreaper: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	home, dir := t.TempDir(), t.TempDir()
	prog := filepath.Join(dir, "hello")
	buildMuslC(t, "examples-kvm/hello-c/hello.c", prog)
	if code, out, errs := nexus(t, "--home", home, "build", "--tier", "kvm", prog); code != 0 {
		t.Fatalf("build: %s%s", out, errs)
	}
	hostile := filepath.Join(dir, "hostile")
	buildMuslC(t, "examples-kvm/hostile/hostile.c", hostile)
	if code, out, errs := nexus(t, "--home", home, "build", "--tier", "kvm", hostile, "--memory", "32MiB"); code != 0 {
		t.Fatalf("build: %s%s", out, errs)
	}
	wantOut, wantCode := native(t, prog)
	cases := []struct {
		args     []string
		out      string
		code     int
		inStderr string
	}{
		{[]string{"hello"}, wantOut, wantCode, ""},
		{[]string{"--timeout", "200ms", "hostile", "loop"}, "", microvm.ExitCodeTimeout, "wall-time limit"},
	}
	for _, c := range cases {
		cmd := exec.Command(os.Args[0], append([]string{"--home", home, "run"}, c.args...)...)
		cmd.Env = append(os.Environ(), "NEXUS_TEST_MAIN=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if string(out) != c.out || code != c.code || !strings.Contains(stderr.String(), c.inStderr) {
			t.Fatalf("run %v: exit %d, want %d\n%q, want %q\nstderr %s", c.args, code, c.code, out, c.out, stderr.String())
		}
		reapHelper(t, cmd.Process.Pid)
	}
}

// reapHelper waits for the releaser helper of process pid, reparented to
// this (subreaper) test, and checks it exited with status 0.
func reapHelper(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WALL, nil)
		if err != nil {
			t.Fatalf("no helper to reap: %v", err)
		}
		if got > 0 {
			if got == pid {
				t.Fatalf("reaped the process itself again")
			}
			if !ws.Exited() || ws.ExitStatus() != 0 {
				t.Fatalf("helper %d ended with %v, want status 0", got, ws)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the helper did not exit after the process")
		}
		time.Sleep(time.Millisecond)
	}
}
