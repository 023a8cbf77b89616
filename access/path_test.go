package access

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"nexusos/access/accesstest"
)

// tree builds an allowed folder and a folder outside it:
//
//	allowed/a.txt            "inside"
//	allowed/sub/b.txt        "inside b"
//	allowed/rel-in  -> sub/b.txt
//	allowed/abs-in  -> <allowed>/a.txt (absolute: refused by os.Root)
//	allowed/rel-out -> ../outside/secret.txt
//	allowed/abs-out -> <outside>/secret.txt
//	allowed/dir-out -> <outside>
//	allowed/dangling -> missing.txt
//	outside/secret.txt       "secret"
func tree(t *testing.T) (allowed, outside string) {
	t.Helper()
	base := t.TempDir()
	allowed, outside = filepath.Join(base, "allowed"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(allowed, "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(allowed, "a.txt"), "inside")
	write(t, filepath.Join(allowed, "sub", "b.txt"), "inside b")
	write(t, filepath.Join(outside, "secret.txt"), "secret")
	for link, target := range map[string]string{
		"rel-in":   "sub/b.txt",
		"abs-in":   filepath.Join(allowed, "a.txt"),
		"rel-out":  "../outside/secret.txt",
		"abs-out":  filepath.Join(outside, "secret.txt"),
		"dir-out":  outside,
		"dangling": "missing.txt",
	} {
		if err := os.Symlink(target, filepath.Join(allowed, link)); err != nil {
			t.Fatal(err)
		}
	}
	return allowed, outside
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenInside(t *testing.T) {
	allowed, outside := tree(t)
	roots := []string{filepath.Join(t.TempDir(), "other"), allowed}
	for _, tc := range []struct {
		name, path string
		want       string // content, or "" for an error
		err        error
	}{
		{"file", filepath.Join(allowed, "a.txt"), "inside", nil},
		{"nested", filepath.Join(allowed, "sub", "b.txt"), "inside b", nil},
		{"uncleaned", allowed + "/sub/../a.txt", "inside", nil},
		{"relative link inside", filepath.Join(allowed, "rel-in"), "inside b", nil},
		{"absolute link inside", filepath.Join(allowed, "abs-in"), "", ErrOutside},
		{"relative link out", filepath.Join(allowed, "rel-out"), "", ErrOutside},
		{"absolute link out", filepath.Join(allowed, "abs-out"), "", ErrOutside},
		{"through a linked folder", filepath.Join(allowed, "dir-out", "secret.txt"), "", ErrOutside},
		{"dot-dot", allowed + "/../outside/secret.txt", "", ErrOutside},
		{"outside", filepath.Join(outside, "secret.txt"), "", ErrOutside},
		{"missing outside", filepath.Join(outside, "nope.txt"), "", ErrOutside},
		{"root's parent", filepath.Dir(allowed), "", ErrOutside},
		{"sibling with the root as prefix", allowed + "x/a.txt", "", ErrOutside},
		{"missing inside", filepath.Join(allowed, "nope.txt"), "", fs.ErrNotExist},
		{"dangling link inside", filepath.Join(allowed, "dangling"), "", fs.ErrNotExist},
		{"NUL", allowed + "/a.txt\x00", "", ErrOutside},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := OpenInside(roots, tc.path)
			if tc.err != nil {
				if f != nil {
					f.Close()
				}
				var pe *fs.PathError
				if !errors.Is(err, tc.err) || !errors.As(err, &pe) || pe.Path != tc.path {
					t.Fatalf("OpenInside(%q) = %v, want a PathError for the path wrapping %v", tc.path, err, tc.err)
				}
				if _, err := StatInside(roots, tc.path); !errors.Is(err, tc.err) {
					t.Errorf("StatInside(%q) = %v, want %v", tc.path, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenInside(%q): %v", tc.path, err)
			}
			b, _ := io.ReadAll(f)
			f.Close()
			if string(b) != tc.want {
				t.Errorf("read %q, want %q", b, tc.want)
			}
			if fi, err := StatInside(roots, tc.path); err != nil || fi.Size() != int64(len(tc.want)) {
				t.Errorf("StatInside(%q) = %v, %v", tc.path, fi, err)
			}
		})
	}
	// The folder itself is inside.
	if fi, err := StatInside(roots, allowed); err != nil || !fi.IsDir() {
		t.Errorf("StatInside(root) = %v, %v", fi, err)
	}
	// A folder that does not exist has nothing inside.
	if _, err := StatInside([]string{filepath.Join(allowed, "nope")}, filepath.Join(allowed, "nope", "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("StatInside under a missing root = %v, want not exist", err)
	}
}

// TestOpenInsideLinkSwap swaps a symbolic link between a file inside the
// folder and one outside it, as fast as it can, while the link is opened
// and read over and over: the outside file must never be read. (A check
// with filepath.EvalSymlinks followed by os.Open loses this race: about
// once in a thousand requests here.)
func TestOpenInsideLinkSwap(t *testing.T) {
	allowed, _ := tree(t)
	link := filepath.Join(allowed, "flip")
	var reads, refusals atomic.Int64
	accesstest.SwapLink(t, link, "a.txt", "../outside/secret.txt", 20000, func() {
		f, err := OpenInside([]string{allowed}, link)
		if err != nil {
			if !errors.Is(err, ErrOutside) && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("open: %v", err)
			}
			refusals.Add(1)
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != "inside" {
			t.Fatalf("read %q through the swapped link", b)
		}
		reads.Add(1)
	})
	t.Logf("%d reads inside, %d refusals", reads.Load(), refusals.Load())
	if reads.Load() == 0 || refusals.Load() == 0 {
		t.Errorf("the swap was not exercised: %d reads, %d refusals", reads.Load(), refusals.Load())
	}
}
