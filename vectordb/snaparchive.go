package vectordb

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"
)

// snapArchive writes one snapshot archive — a tar of regular files — into
// a temporary file beside its final name, hashing and counting the bytes
// as they go; commit makes it visible with its checksum file. Collection
// and full snapshots share it.
type snapArchive struct {
	db        *DB
	what      string // "snapshot c" or "full snapshot": error context
	file      string // the archive's name in dir
	path, tmp string
	created   time.Time
	f         vfile
	h         hash.Hash
	cw        *countingWriter
	tw        *tar.Writer
}

// newSnapArchive picks a name "<base>-<time>[-n].snapshot" not yet taken
// in dir and opens its temporary file. The caller holds db.snapMu.
func (db *DB) newSnapArchive(dir, base, what string) (*snapArchive, error) {
	if err := db.fs.MkdirAll(dir, 0o755); err != nil {
		return nil, internalError(err, "%s: mkdir", what)
	}
	a := &snapArchive{db: db, what: what, created: now().UTC()}
	base += a.created.Format(snapshotTimeLayout)
	a.file = base + snapshotExt
	for i := 1; ; i++ {
		if _, err := db.fs.Stat(filepath.Join(dir, a.file)); errors.Is(err, os.ErrNotExist) {
			break
		}
		a.file = fmt.Sprintf("%s-%d%s", base, i, snapshotExt)
	}
	a.path = filepath.Join(dir, a.file)
	a.tmp = a.path + ".tmp"
	f, err := db.fs.OpenFile(a.tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, internalError(err, "%s: create file", what)
	}
	a.f, a.h = f, sha256.New()
	a.cw = &countingWriter{w: io.MultiWriter(f, a.h)}
	a.tw = tar.NewWriter(a.cw)
	return a, nil
}

// abort drops the unfinished archive.
func (a *snapArchive) abort() {
	a.f.Close()
	a.db.fs.Remove(a.tmp)
}

// entry adds a regular file of size bytes read from r.
func (a *snapArchive) entry(name string, size int64, r io.Reader) error {
	if err := a.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: a.created, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := io.Copy(a.tw, r)
	return err
}

// commit finishes the archive after err, the first error of writing its
// entries: closes the tar, syncs, closes and renames the file, then writes
// its checksum file. On any error the temporary file is removed.
func (a *snapArchive) commit(err error) (SnapshotDescription, error) {
	if err == nil {
		err = a.tw.Close()
	}
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = a.db.fs.Rename(a.tmp, a.path)
	}
	if err != nil {
		a.db.fs.Remove(a.tmp)
		return SnapshotDescription{}, internalError(err, "%s: write %s", a.what, a.file)
	}
	sum := hex.EncodeToString(a.h.Sum(nil))
	if err := writeFileAtomic(a.db.fs, a.path+checksumExt, []byte(sum)); err != nil {
		return SnapshotDescription{}, internalError(err, "%s: write checksum", a.what)
	}
	return SnapshotDescription{Name: a.file, CreationTime: a.created, Size: a.cw.n, Checksum: sum}, nil
}
