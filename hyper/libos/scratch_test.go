//go:build linux && amd64

package libos

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestScratchC creates, writes, appends, pwrites, truncates, renames,
// lists and removes files in the scratch /tmp from C; output identical to
// a native run in a temporary directory.
func TestScratchC(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/scratch-c/scratch.c")
	r := runVM(t, prog, NewConfig().WithArgs("scratch").WithScratch(1<<20))
	want, code := native(t, prog, t.TempDir(), nil, t.TempDir())
	if r.err != nil || r.res.ExitCode != code || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), want)
	}
}

// TestScratchGo does the same with Go's os package (CGO_ENABLED=0).
func TestScratchGo(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/scratch-go")
	r := runVM(t, prog, NewConfig().WithArgs("scratch-go").WithScratch(1<<20))
	want, code := native(t, prog, t.TempDir(), nil, t.TempDir())
	if r.err != nil || r.res.ExitCode != code || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d (native %d)\nVM:\n%s%s\nnative:\n%s", r.err, r.res.ExitCode, code, r.stdout.String(), r.stderr.String(), want)
	}
}

// TestScratchLimit: writes stop with ENOSPC at the limit; an unlinked file
// keeps its bytes charged until closed (only its entry's charge comes
// back at once).
func TestScratchLimit(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/scratch-c/scratch.c")
	const limit = 1 << 20
	r := runVM(t, prog, NewConfig().WithArgs("scratch", "fill", "/tmp").WithScratch(limit))
	// The file's own entry costs tmpNodeCost and its name.
	full := limit - tmpNodeCost - len("big")
	want := "full after " + itoa(full) + " bytes: No space left on device\n" +
		"unlink: 0\n" +
		"write after unlink (still open): 10\n" +
		"space back after close: 65536\n"
	if r.err != nil || r.stdout.String() != want {
		t.Fatalf("Run = %v\ngot:\n%s\nwant:\n%s", r.err, r.stdout.String(), want)
	}

	// Empty files are not free: each costs tmpNodeCost and its name.
	const small = 64 << 10
	files, used := 0, 0
	for ; ; files++ {
		c := tmpNodeCost + len("f"+itoa(files))
		if used+c > small {
			break
		}
		used += c
	}
	r = runVM(t, prog, NewConfig().WithArgs("scratch", "many", "/tmp").WithScratch(small))
	if want := "created " + itoa(files) + " empty files, then: No space left on device\n"; r.err != nil || r.stdout.String() != want {
		t.Fatalf("many: Run = %v, output %q, want %q", r.err, r.stdout.String(), want)
	}
}

// TestScratchReadOnlyElsewhere: outside /tmp the tree stays read-only,
// and without WithScratch /tmp is not writable either.
func TestScratchReadOnlyElsewhere(t *testing.T) {
	needKVM(t)
	prog := buildMusl(t, "examples-kvm/scratch-c/scratch.c")
	files := fstest.MapFS{"data.txt": {Data: []byte("x")}}
	r := runVM(t, prog, NewConfig().WithArgs("scratch", "rofs").WithFS(files).WithScratch(1<<20))
	want := `create /x: -1 (Read-only file system)
mkdir /d: -1 (Read-only file system)
unlink /data.txt: -1 (Read-only file system)
rename /data.txt /tmp/d: -1 (Read-only file system)
rename /tmp/none /y: -1 (Cross-device link)
open /data.txt for writing: -1 (Read-only file system)
truncate /data.txt: -1 (Read-only file system)
access /tmp W_OK: 0
`
	if r.err != nil || r.stdout.String() != want {
		t.Fatalf("Run = %v\ngot:\n%s\nwant:\n%s", r.err, r.stdout.String(), want)
	}
	r = runVM(t, prog, NewConfig().WithArgs("scratch").WithFS(files))
	if !strings.HasPrefix(r.stdout.String(), "mkdir a: -1 (Read-only file system)\n") {
		t.Fatalf("without scratch: %v\n%s", r.err, r.stdout.String())
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}
