//go:build linux

package image

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// settleNow lets a test stamp files it has just written (stampSettle is
// a second in production); it must not run in parallel with other tests.
func settleNow(t *testing.T) {
	old, oldCoarse := stampSettle, stampSettleCoarse
	stampSettle, stampSettleCoarse = 0, 0
	t.Cleanup(func() { stampSettle, stampSettleCoarse = old, oldCoarse })
}

// storeWith puts img in a fresh store and returns the store and the
// image file's path.
func storeWith(t *testing.T, img *Image) (*Store, string) {
	t.Helper()
	s, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(img); err != nil {
		t.Fatal(err)
	}
	return s, s.path(img.Digest)
}

// flipModuleByte changes the last byte of the module section in place
// (same file, same size), after waiting out the file system's clock tick.
func flipModuleByte(t *testing.T, img *Image, path string) {
	t.Helper()
	time.Sleep(20 * time.Millisecond)
	off := int64(16 + len(img.ManifestJSON) + 8 + len(img.Module) - 1)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := []byte{0}
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// forgeStamp writes, as the file's owner can, a stamp vouching for the
// file as it is now.
func forgeStamp(t *testing.T, s *Store, digest, path string) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	s.stamp(digest, fileStamp{Dev: st.Dev, Ino: st.Ino, Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(), Seen: time.Now().UnixNano()})
	if _, err := os.Stat(s.stampPath(digest)); err != nil {
		t.Fatalf("stamp not written: %v", err)
	}
}

func mapOK(t *testing.T, s *Store, ref string, opt MapOptions) *Image {
	t.Helper()
	img, err := s.Map(ref, opt)
	if err != nil {
		t.Fatalf("Map %s: %v", ref, err)
	}
	img.Close()
	return img
}

// TestStampWritten: a Map that hashed the sections of a settled file
// stamps it with the file's identity; one of a file changed within
// StampSettle does not.
func TestStampWritten(t *testing.T) {
	img := bigKVMImage(t, nil)
	s, path := storeWith(t, img)
	old, oldCoarse := stampSettle, stampSettleCoarse
	stampSettle, stampSettleCoarse = time.Hour, time.Hour // the file changed "just now"
	mapOK(t, s, "big", MapOptions{})
	stampSettle, stampSettleCoarse = old, oldCoarse
	if _, err := os.Stat(s.stampPath(img.Digest)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file changed within the settle time was stamped (%v)", err)
	}
	settleNow(t)
	mapOK(t, s, "big", MapOptions{})
	b, ok := readStamp(s.stampPath(img.Digest))
	if !ok {
		t.Fatal("no stamp after a settled Map")
	}
	d, f, ok := parseStamp(b)
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	if !ok || d != img.Digest || f.Ino != st.Ino || f.Size != st.Size || f.Ctime != st.Ctim.Nano() || f.Mtime != st.Mtim.Nano() {
		t.Fatalf("stamp %q does not name the file (ino %d size %d)", b, st.Ino, st.Size)
	}
	fi, err := os.Stat(s.stampPath(img.Digest))
	if err != nil || fi.Mode().Perm()&0o022 != 0 {
		t.Fatalf("stamp mode %v, %v", fi.Mode(), err)
	}
}

// TestStampUsed: a stamp that vouches for the file spares its sections
// the hash (shown by a stamp its owner forged over changed bytes, which
// Map then accepts), and every change made through the file system after
// a stamp voids it.
func TestStampUsed(t *testing.T) {
	settleNow(t)
	img := bigKVMImage(t, nil)
	s, path := storeWith(t, img)
	mapOK(t, s, "big", MapOptions{}) // hashed and stamped
	st0, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	flipModuleByte(t, img, path)
	if _, err := s.Map("big", MapOptions{}); !errors.Is(err, ErrTampered) {
		t.Fatalf("bytes changed after the stamp: %v, want ErrTampered", err)
	}
	// Setting the modification time back does not revive the stamp:
	// the change time moved.
	if err := os.Chtimes(path, st0.ModTime(), st0.ModTime()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Map("big", MapOptions{}); !errors.Is(err, ErrTampered) {
		t.Fatalf("bytes changed, mtime restored: %v, want ErrTampered", err)
	}
	// The owner can vouch for anything (as they can write this process's
	// memory): the forged stamp is believed, so the hash was skipped.
	forgeStamp(t, s, img.Digest, path)
	got := mapOK(t, s, "big", MapOptions{})
	if got.Digest != img.Digest {
		t.Fatalf("digest %s", got.Digest)
	}
}

// TestStampRefused: stamps that are not believed (writable by others,
// for another digest, too old, a symbolic link, garbage) leave the
// sections hashed, so a changed file is refused.
func TestStampRefused(t *testing.T) {
	settleNow(t)
	cases := []struct {
		name  string
		spoil func(t *testing.T, s *Store, digest, stampPath string)
	}{
		{"group writable", func(t *testing.T, s *Store, digest, p string) {
			if err := os.Chmod(p, 0o620); err != nil {
				t.Fatal(err)
			}
		}},
		{"other digest", func(t *testing.T, s *Store, digest, p string) {
			b, _ := readStamp(p)
			_, f, _ := parseStamp(b)
			other := "sha256:00" + digest[9:]
			if err := os.WriteFile(p, f.encode(other), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"too old", func(t *testing.T, s *Store, digest, p string) {
			b, _ := readStamp(p)
			_, f, _ := parseStamp(b)
			f.Seen -= int64(StampMaxAge + time.Minute)
			if err := os.WriteFile(p, f.encode(digest), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"symlink", func(t *testing.T, s *Store, digest, p string) {
			real := filepath.Join(t.TempDir(), "stamp")
			b, _ := readStamp(p)
			if err := os.WriteFile(real, b, 0o600); err != nil {
				t.Fatal(err)
			}
			os.Remove(p)
			if err := os.Symlink(real, p); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage", func(t *testing.T, s *Store, digest, p string) {
			if err := os.WriteFile(p, []byte("nexus-verified-v1 x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img := bigKVMImage(t, nil)
			s, path := storeWith(t, img)
			flipModuleByte(t, img, path)
			forgeStamp(t, s, img.Digest, path)
			c.spoil(t, s, img.Digest, s.stampPath(img.Digest))
			if _, err := s.Map("big", MapOptions{}); !errors.Is(err, ErrTampered) {
				t.Fatalf("Map: %v, want ErrTampered", err)
			}
		})
	}
}

// TestStampKeepsSignatureChecks: a stamped image's signature and trust
// policy are checked on every Map.
func TestStampKeepsSignatureChecks(t *testing.T) {
	settleNow(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	img := bigKVMImage(t, priv)
	s, path := storeWith(t, img)
	mapOK(t, s, "big", MapOptions{Trusted: []ed25519.PublicKey{pub}})
	if _, err := os.Stat(s.stampPath(img.Digest)); err != nil {
		t.Fatalf("not stamped: %v", err)
	}
	if _, err := s.Map("big", MapOptions{Trusted: []ed25519.PublicKey{other}}); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("stamped image, other key trusted: %v, want ErrUntrusted", err)
	}
	// A signature by the same key over another message, with a stamp
	// forged for the rewritten file.
	time.Sleep(20 * time.Millisecond)
	bad := *img
	bad.Signature = &Signature{Key: pub, Sig: ed25519.Sign(priv, []byte("something else"))}
	if err := os.WriteFile(path, bad.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	forgeStamp(t, s, img.Digest, path)
	if _, err := s.Map("big", MapOptions{}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("signature changed under a stamp: %v, want ErrBadSignature", err)
	}
}

// TestSettled: a check is stamped only when the file's last change is
// older than the settle time, which is longer for times without a
// fraction of a second (file systems that store whole seconds).
func TestSettled(t *testing.T) {
	sec := int64(time.Second)
	at := int64(1_800_000_000) * sec
	for _, c := range []struct {
		ctime, mtime, seen int64
		want               bool
	}{
		{at + 123, at + 123, at + 123 + int64(StampSettle), true},
		{at + 123, at + 123, at + 123 + int64(StampSettle) - 1, false},
		{at, at, at + int64(StampSettle), false}, // whole seconds: coarse
		{at, at, at + int64(StampSettleCoarse), true},
		{at, at + 5, at + int64(StampSettle), true}, // one time has a fraction
		{at + 1, at + 1, 0, false},                  // not stamped at all
	} {
		f := fileStamp{Ctime: c.ctime, Mtime: c.mtime, Seen: c.seen}
		if got := f.settled(); got != c.want {
			t.Errorf("ctime %d mtime %d seen %d: settled %v, want %v", c.ctime, c.mtime, c.seen, got, c.want)
		}
	}
}
