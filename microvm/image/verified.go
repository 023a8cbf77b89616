package image

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Verification stamps: Store.Map hashes a stored image's sections (the
// module, snapshot and files: megabytes for a tier-2 image, about 2 ms of
// every `nexus run`) once, and then only when the file may have changed.
//
// # What a stamp is
//
// After Store.Map has checked every section of a stored image against
// its manifest, it writes a stamp to <store>/verified/<hex digest>:
//
//	+-------------------------------------------------------------+
//	| "nexus-verified-v1" digest dev ino size mtime ctime seen    |
//	|  (one line, space-separated; times in ns since the epoch)   |
//	+-------------------------------------------------------------+
//
// dev, ino, size, mtime and ctime are those of the image file when it
// was opened for that check, seen the time of that fstat. A later
// Store.Map of the same digest whose file has the same five values, with
// a stamp no older than StampMaxAge, skips hashing the sections. Every
// other check is made on every load, stamp or not: the manifest is
// hashed again and must be the digest the store names, the sections'
// sizes must match the manifest, the sealed files must open, the manifest
// must be valid, the signature is checked with ed25519 and the --trust
// keys applied.
//
// # Why that is as safe as hashing
//
// A stamp is written and believed only for an image file that mapSealed
// would map: owned by this process's user or root, without group or other
// write permission, on a local file system; and a stamp file is believed
// only when it is itself a regular file owned by this user or root
// without group or other write permission (opened without following
// links). So the only ones who could make a stamp lie, by changing the
// image's bytes or forging a stamp, are this user and root, who can
// already change what this process runs (ptrace, /proc/PID/mem, the
// binary) and who can change a mapped image under a running process
// anyway (mapped_unix.go). Any write to the file changes its ctime,
// which no one but root (through the clock) can set back; a file
// replaced by another (the store's own atomic renames) has another
// inode or times. File systems stamp times from a clock that ticks
// (the kernel's coarse clock: a jiffy, at most 10 ms; whole seconds or
// two on file systems that store no fractions), so a write within the
// same tick as the file's last change could leave ctime as it was: a
// stamp is written only when the file's ctime is at least StampSettle
// (StampSettleCoarse when neither time has a fraction of a second)
// before the check began, like git's "racily clean" entries, so any write
// after the check began moves ctime. What a stamp does not catch is a change to the bytes
// that no one made through the file system (a failing disk): at most
// StampMaxAge later the image is hashed again.
//
// Stamps are written atomically (temporary file, rename), not synced: a
// stamp lost or torn in a crash is ignored, and the image hashed again.

// StampMaxAge is how long a verification stamp spares an image's sections
// from being hashed again.
const StampMaxAge = 24 * time.Hour

// StampSettle is how long before a check an image file must have last
// changed for the check to be stamped (see above): longer than the tick
// of the clock file times come from.
const StampSettle = 50 * time.Millisecond

// StampSettleCoarse is StampSettle for a file whose times have no
// fraction of a second (a file system that stores whole seconds, or two).
const StampSettleCoarse = 3 * time.Second

// stampSettle and stampSettleCoarse are StampSettle and
// StampSettleCoarse; tests shorten them.
var stampSettle, stampSettleCoarse = StampSettle, StampSettleCoarse

// maxStamp bounds a stamp file's size.
const maxStamp = 512

const stampMagic = "nexus-verified-v1"

// fileStamp identifies the content of a file as its inode and times do;
// the zero value (Seen == 0) stands for a file that gets no stamp.
type fileStamp struct {
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64 // ns since the epoch
	// Seen is when the file was opened and stat'ed, before its bytes were
	// read (ns since the epoch).
	Seen int64
}

func (f fileStamp) ok() bool { return f.Seen != 0 }

// settled reports whether the file had last changed at least StampSettle
// before it was seen, so that a check of its bytes may be stamped.
func (f fileStamp) settled() bool {
	settle := stampSettle
	if f.Ctime%int64(time.Second) == 0 && f.Mtime%int64(time.Second) == 0 {
		settle = stampSettleCoarse
	}
	return f.ok() && f.Seen-f.Ctime >= int64(settle)
}

func (f fileStamp) encode(digest string) []byte {
	return fmt.Appendf(nil, "%s %s %d %d %d %d %d %d\n", stampMagic, digest, f.Dev, f.Ino, f.Size, f.Mtime, f.Ctime, f.Seen)
}

// parseStamp reads what encode wrote.
func parseStamp(b []byte) (digest string, f fileStamp, ok bool) {
	var magic string
	n, err := fmt.Sscanf(string(b), "%s %s %d %d %d %d %d %d\n", &magic, &digest, &f.Dev, &f.Ino, &f.Size, &f.Mtime, &f.Ctime, &f.Seen)
	if err != nil || n != 8 || magic != stampMagic {
		return "", fileStamp{}, false
	}
	return digest, f, true
}

func (s *Store) stampPath(digest string) string {
	return filepath.Join(s.dir, "verified", strings.TrimPrefix(digest, "sha256:"))
}

// stamped reports whether a believable stamp says the sections of the
// image digest, in the file now identified by cur, were checked.
func (s *Store) stamped(digest string, cur fileStamp, now time.Time) bool {
	if !cur.ok() {
		return false
	}
	b, ok := readStamp(s.stampPath(digest))
	if !ok {
		return false
	}
	d, f, ok := parseStamp(b)
	if !ok || d != digest || !f.settled() {
		return false
	}
	if age := now.UnixNano() - f.Seen; age < 0 || age > int64(StampMaxAge) {
		return false
	}
	return f.Dev == cur.Dev && f.Ino == cur.Ino && f.Size == cur.Size && f.Mtime == cur.Mtime && f.Ctime == cur.Ctime
}

// stamp records that the sections of the image digest, in the file
// identified by f, were all checked. Failing to is not an error: the
// next load hashes them again.
func (s *Store) stamp(digest string, f fileStamp) {
	if !f.settled() {
		return
	}
	dir := filepath.Join(s.dir, "verified")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(f.encode(digest))
	if cerr := tmp.Close(); werr != nil || cerr != nil {
		return
	}
	os.Rename(tmp.Name(), s.stampPath(digest))
}
