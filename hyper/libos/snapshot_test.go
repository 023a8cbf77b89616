//go:build linux && amd64

package libos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// snapshotOf takes a snapshot of the program at path under cfg.
func snapshotOf(t testing.TB, path string, cfg Config) *Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := TakeSnapshot(ctx, cfg, readFile(t, path))
	if err != nil {
		t.Fatalf("TakeSnapshot: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func resumeVM(t testing.TB, s *Snapshot, cfg Config) *run {
	t.Helper()
	r := &run{}
	cfg = cfg.WithStdout(&r.stdout).WithStderr(&r.stderr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.res, r.err = Resume(ctx, cfg, s)
	return r
}

// TestSnapshotGoHello: the pre-initialised Go hello (goroutines on their
// own threads, timers, a heap, a file read) prints what its normal run
// and a native run print, under every clock mode.
func TestSnapshotGoHello(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/hello-go")
	files := fstest.MapFS{"data/greeting.txt": {Data: []byte("hi")}}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data/greeting.txt"), []byte("hi"), 0o644)
	for _, args := range [][]string{{"hello-go", "-quick"}, {"hello-go", "data/greeting.txt"}} {
		want, _ := native(t, prog, dir, nil, args[1:]...)
		for _, mode := range []struct {
			name string
			cfg  func(Config) Config
		}{
			{"vdso", func(c Config) Config { return c }},
			{"syscall-clock", func(c Config) Config { return c.WithVDSO(false) }},
			{"fake-clock", func(c Config) Config { return c.WithFakeClock() }},
		} {
			t.Run(args[1]+"/"+mode.name, func(t *testing.T) {
				cfg := mode.cfg(NewConfig().WithArgs(args...).WithFS(files))
				cold := runVM(t, prog, cfg)
				if cold.err != nil {
					t.Fatalf("Run: %v", cold.err)
				}
				s := snapshotOf(t, prog, cfg)
				for i := 0; i < 3; i++ {
					r := resumeVM(t, s, cfg)
					if r.err != nil || r.res.ExitCode != 0 {
						t.Fatalf("Resume %d: %v, exit %d\nstdout:\n%s\nstderr:\n%s", i, r.err, r.res.ExitCode, r.stdout.String(), r.stderr.String())
					}
					if got := r.stdout.String(); got != want || got != cold.stdout.String() {
						t.Errorf("Resume %d stdout:\n%s\nnormal run:\n%s\nnatively:\n%s", i, got, cold.stdout.String(), want)
					}
					if i == 0 {
						t.Logf("snapshot: %d threads, %d pages, %d KiB of them stored; normal run %d system calls, restored %d",
							s.Threads(), s.Pages(), s.Size()>>10, cold.res.Syscalls, r.res.Syscalls)
					}
				}
			})
		}
	}
}

// TestSnapshotMuslHello: a static C program (one thread) restores too.
func TestSnapshotMuslHello(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/hello-c/hello.c")
	cfg := NewConfig().WithArgs("hello", "a", "b").WithEnv("WHO=snap")
	cold := runVM(t, prog, cfg)
	s := snapshotOf(t, prog, cfg)
	r := resumeVM(t, s, cfg)
	if r.stdout.String() != cold.stdout.String() || r.res.ExitCode != cold.res.ExitCode {
		t.Errorf("restored: exit %d, stdout:\n%s\nnormal: exit %d, stdout:\n%s", r.res.ExitCode, r.stdout.String(), cold.res.ExitCode, cold.stdout.String())
	}
}

// TestSnapshotIndependent: VMs restored from one snapshot run at the same
// time, and what one writes over the shared pages the others never see.
func TestSnapshotIndependent(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "hyper/libos/testdata/cowcheck")
	cfg := NewConfig().WithArgs("cowcheck")
	s := snapshotOf(t, prog, cfg)
	letters := "xyzw"
	outs := make([]*run, len(letters))
	var wg sync.WaitGroup
	for i := range letters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i] = resumeVM(t, s, cfg.WithStdin(strings.NewReader(letters[i:i+1]+"\n")))
		}()
	}
	wg.Wait()
	for i, r := range outs {
		want := fmt.Sprintf("%c: %d bytes kept\n", letters[i], 1<<20+64<<10)
		if r.err != nil || r.stdout.String() != want {
			t.Errorf("VM %d: %v, stdout %q, want %q; stderr %s", i, r.err, r.stdout.String(), want, r.stderr.String())
		}
	}
	// A run after them still starts from the snapshot's 'A's: its check
	// passes only if nothing they wrote reached the shared pages.
	r := resumeVM(t, s, cfg.WithStdin(strings.NewReader("q\n")))
	if want := fmt.Sprintf("q: %d bytes kept\n", 1<<20+64<<10); r.stdout.String() != want {
		t.Errorf("later VM: %q, want %q", r.stdout.String(), want)
	}
}

// TestSnapshotMismatch: a Config that differs in what the program read
// while starting is refused before anything runs.
func TestSnapshotMismatch(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/hello-go")
	cfg := NewConfig().WithArgs("hello-go", "-quick")
	s := snapshotOf(t, prog, cfg)
	for name, c := range map[string]Config{
		"args":  cfg.WithArgs("hello-go"),
		"env":   cfg.WithEnv("A=1"),
		"cpus":  cfg.WithCPUs(3),
		"clock": cfg.WithFakeClock(),
	} {
		if _, err := Resume(context.Background(), c, s); !errors.Is(err, ErrSnapshotMismatch) {
			t.Errorf("%s: %v, want ErrSnapshotMismatch", name, err)
		}
	}
}

// TestSnapshotEncoding: a snapshot survives encoding, and every
// truncation or bit flip of its bytes is rejected or (when the flip lands
// in data the format cannot check, such as page contents) still decodes;
// never a panic.
func TestSnapshotEncoding(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/hello-go")
	cfg := NewConfig().WithArgs("hello-go", "-quick")
	s := snapshotOf(t, prog, cfg)
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	elf := readFile(t, prog)
	d, err := DecodeSnapshot(b, elf)
	if err != nil {
		t.Fatalf("DecodeSnapshot: %v", err)
	}
	defer d.Close()
	b2, _ := d.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Fatal("encoding does not round-trip")
	}
	r := resumeVM(t, d, cfg)
	if r.err != nil || !strings.HasPrefix(r.stdout.String(), "hello from Go") {
		t.Fatalf("decoded snapshot: %v, %q", r.err, r.stdout.String())
	}
	for _, n := range []int{0, 7, 8, 20, len(b) / 3, len(b) - 1} {
		if _, err := DecodeSnapshot(b[:n], elf); !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("truncated to %d bytes: %v, want ErrBadSnapshot", n, err)
		}
	}
	if _, err := DecodeSnapshot(append(bytes.Clone(b), 0), elf); !errors.Is(err, ErrBadSnapshot) {
		t.Errorf("a trailing byte: %v, want ErrBadSnapshot", err)
	}
	hdr := headerLen(b, elf)
	for i := 0; i < hdr; i += 5 {
		for bit := i % 3; bit < 8; bit += 4 {
			c := bytes.Clone(b)
			c[i] ^= 1 << bit
			if d, err := DecodeSnapshot(c, elf); err == nil {
				d.Close()
			} else if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("flip at %d: %v, want ErrBadSnapshot", i, err)
			}
		}
	}
}

// headerLen returns the bytes of an encoded snapshot before its page data.
func headerLen(b, elf []byte) int {
	s, err := DecodeSnapshot(b, elf)
	if err != nil {
		return 0
	}
	return len(b) - len(s.data)
}

// TestSnapshotSpinningThreads: threads that run guest code without system
// calls cannot be frozen at a call boundary: the snapshot fails with
// ErrNoSnapshotPoint after SnapshotQuiesce, and nothing is left running.
func TestSnapshotSpinningThreads(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "hyper/libos/testdata/spin-c/spin.c")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := TakeSnapshot(ctx, NewConfig().WithArgs("spin"), readFile(t, prog))
	if !errors.Is(err, ErrNoSnapshotPoint) {
		t.Fatalf("TakeSnapshot = %v, %v; want ErrNoSnapshotPoint", s, err)
	}
}

// TestSnapshotClocks: a VM restored well after its snapshot sees its
// monotonic clock continue from the snapshot (forward, without the gap)
// and the host's real time, with and without the vDSO.
func TestSnapshotClocks(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "hyper/libos/testdata/timecheck")
	for _, vdso := range []bool{true, false} {
		cfg := NewConfig().WithArgs("timecheck").WithVDSO(vdso)
		s := snapshotOf(t, prog, cfg)
		time.Sleep(1500 * time.Millisecond)
		r := resumeVM(t, s, cfg.WithStdin(strings.NewReader("go\n")))
		out := r.stdout.String()
		if r.err != nil || !strings.HasPrefix(out, "monotonic advanced 10ms..1s: true\nrealtime ") {
			t.Fatalf("vdso %v: %v, output:\n%s", vdso, r.err, out)
		}
		var sec int64
		fmt.Sscanf(out[strings.LastIndex(out, "realtime "):], "realtime %d", &sec)
		if d := time.Now().Unix() - sec; d < -5 || d > 5 {
			t.Errorf("vdso %v: guest real time %d, host %d", vdso, sec, time.Now().Unix())
		}
	}
}
