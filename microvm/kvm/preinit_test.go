//go:build linux && amd64

package kvm

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"nexusos/microvm"
	"nexusos/microvm/image"
)

// runLog reads the engine's "microvm ended" debug lines.
type runLog struct{ buf bytes.Buffer }

var endedRE = regexp.MustCompile(`syscalls=(\d+) threads=\d+ preinit=(true|false)`)

// last returns the system calls of the last run logged and whether it
// started from the snapshot.
func (s *runLog) last(t *testing.T) (int, bool) {
	t.Helper()
	m := endedRE.FindAllStringSubmatch(s.buf.String(), -1)
	if len(m) == 0 {
		t.Fatalf("no run logged:\n%s", s.buf.String())
	}
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n, m[len(m)-1][2] == "true"
}

// TestPreinitImage: the Go hello sealed with its snapshot (image.Build
// with PreinitKVM) prints through the engine exactly what the same image
// prints started normally, without the runtime's start-up calls; a run
// whose arguments differ from the snapshot's starts normally; a flipped
// snapshot byte is tampering, and a snapshot that is hostile but sealed
// consistently is refused by its decoder and the app starts normally.
func TestPreinitImage(t *testing.T) {
	var log runLog
	files := t.TempDir()
	os.MkdirAll(filepath.Join(files, "data"), 0o755)
	os.WriteFile(filepath.Join(files, "data/greeting.txt"), []byte("hi"), 0o644)
	ctx := context.Background()
	built, err := image.Build(ctx, image.BuildOptions{
		Tier: microvm.TierKVM, Path: repoFile("examples-kvm/hello-go"), Files: files,
		Args: []string{"data/greeting.txt"}, PreinitKVM: Preinit,
	})
	if err != nil {
		t.Fatal(err)
	}
	if built.Warning != "" || built.Manifest.Preinit == nil {
		t.Fatalf("not pre-initialised: %s", built.Warning)
	}
	img, err := image.Decode(built.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, NewConfig().
		WithLogger(slog.New(slog.NewTextHandler(&log.buf, &slog.HandlerOptions{Level: slog.LevelDebug}))).
		WithFiles(func(*microvm.Program) (fs.FS, error) { return img.FilesFS() }))

	cold := img.Program()
	cold.Snapshot = nil
	cold.ID += "-cold"
	st, want, _ := run(t, e, cold, microvm.RunConfig{})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 0)
	coldCalls, _ := log.last(t)

	p := img.Program()
	for i := 0; i < 2; i++ {
		st, out, errs := run(t, e, p, microvm.RunConfig{})
		expect(t, st, microvm.StateExited, microvm.ReasonExit, 0)
		if out != want {
			t.Fatalf("pre-initialised run %d:\n%s\nnormal run:\n%s\nstderr: %s", i, out, want, errs)
		}
		if n, resumed := log.last(t); !resumed {
			t.Fatalf("run %d did not start from the snapshot", i)
		} else if i == 0 {
			t.Logf("%d system calls from the snapshot, %d started normally", n, coldCalls)
		}
	}

	// Other arguments: the snapshot does not apply, the app starts.
	st, out, _ := run(t, e, p, microvm.RunConfig{Args: []string{"extra"}})
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 0)
	if _, resumed := log.last(t); resumed || !bytes.HasPrefix([]byte(out), []byte("hello from Go")) {
		t.Fatalf("run with other arguments: %q, from the snapshot: %v", out, resumed)
	}

	// A flipped byte in the sealed snapshot fails the image's hashes.
	b := img.Bytes()
	i := bytes.Index(b, p.Snapshot.Memory[len(p.Snapshot.Memory)-4096:])
	b[i+100] ^= 1
	if _, err := image.Decode(b); !errors.Is(err, image.ErrTampered) {
		t.Fatalf("flipped snapshot byte: %v, want ErrTampered", err)
	}

	// Hostile snapshots sealed with matching hashes: the decoder refuses
	// them, the app starts normally.
	good := p.Snapshot.Memory
	for name, bad := range map[string][]byte{
		"truncated":    good[:len(good)/2],
		"garbage":      bytes.Repeat([]byte{0xa5}, 4096),
		"header flips": flip(good, 8, 64),
	} {
		m := img.Manifest
		h, err := image.SealSnapshot(m, img.Module, &microvm.Snapshot{Memory: bad, Entry: image.KVMSnapshotEntry})
		if err != nil {
			t.Fatalf("%s: seal: %v", name, err)
		}
		hi, err := image.Decode(h.Bytes())
		if err != nil {
			t.Fatalf("%s: decode image: %v", name, err)
		}
		st, out, _ := run(t, e, hi.Program(), microvm.RunConfig{})
		expect(t, st, microvm.StateExited, microvm.ReasonExit, 0)
		if _, resumed := log.last(t); resumed || out != want {
			t.Fatalf("%s: stdout %q, want %q; from the snapshot: %v", name, out, want, resumed)
		}
	}
	if n := bytes.Count(log.buf.Bytes(), []byte("snapshot unusable")); n != 3 {
		t.Fatalf("%d hostile snapshots refused, want 3", n)
	}
}

// flip returns b with one bit flipped in each of n bytes from off.
func flip(b []byte, off, n int) []byte {
	c := bytes.Clone(b)
	for i := off; i < off+n && i < len(c); i++ {
		c[i] ^= 0x10
	}
	return c
}
