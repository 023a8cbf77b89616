package vectordb

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Full snapshots: one tar file holding a snapshot of every collection
// (as <collection>.snapshot entries) and the aliases (aliases.json),
// under <dir>/snapshots/.full/ (no collection name starts with a dot).

const fullSnapshotsDir = ".full"

func (db *DB) fullSnapshotDir() string {
	return filepath.Join(db.dir, snapshotsDir, fullSnapshotsDir)
}

// CreateFullSnapshot snapshots every collection into one file. Each
// collection is captured in turn (not all at one instant).
func (db *DB) CreateFullSnapshot(ctx context.Context) (SnapshotDescription, error) {
	names := db.Collections()
	type part struct{ coll, path string }
	var parts []part
	defer func() {
		for _, p := range parts {
			db.fs.Remove(p.path)
			db.fs.Remove(p.path + checksumExt)
		}
	}()
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return SnapshotDescription{}, err
		}
		d, err := db.CreateSnapshot(ctx, n)
		if KindOf(err) == KindNotFound {
			continue // deleted meanwhile
		}
		if err != nil {
			return SnapshotDescription{}, err
		}
		parts = append(parts, part{n, filepath.Join(db.snapshotDir(n), d.Name)})
	}
	db.mu.RLock()
	aliases, err := json.Marshal(db.aliases)
	db.mu.RUnlock()
	if err != nil {
		return SnapshotDescription{}, internalError(err, "full snapshot: encode aliases")
	}

	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	dir := db.fullSnapshotDir()
	if err := db.fs.MkdirAll(dir, 0o755); err != nil {
		return SnapshotDescription{}, internalError(err, "full snapshot: mkdir")
	}
	created := now().UTC()
	base := "full-snapshot-" + created.Format(snapshotTimeLayout)
	file := base + snapshotExt
	for i := 1; ; i++ {
		if _, err := db.fs.Stat(filepath.Join(dir, file)); os.IsNotExist(err) {
			break
		}
		file = fmt.Sprintf("%s-%d%s", base, i, snapshotExt)
	}
	path := filepath.Join(dir, file)
	tmp := path + ".tmp"
	f, err := db.fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return SnapshotDescription{}, internalError(err, "full snapshot: create file")
	}
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(f, h)}
	tw := tar.NewWriter(cw)
	err = tw.WriteHeader(&tar.Header{Name: aliasesFile, Mode: 0o644, Size: int64(len(aliases)), ModTime: created, Typeflag: tar.TypeReg})
	if err == nil {
		_, err = tw.Write(aliases)
	}
	for _, p := range parts {
		if err != nil {
			break
		}
		err = func() error {
			pf, err := db.fs.OpenFile(p.path, os.O_RDONLY, 0)
			if err != nil {
				return err
			}
			defer pf.Close()
			st, err := pf.Stat()
			if err != nil {
				return err
			}
			if err := tw.WriteHeader(&tar.Header{Name: p.coll + snapshotExt, Mode: 0o644, Size: st.Size(), ModTime: created, Typeflag: tar.TypeReg}); err != nil {
				return err
			}
			_, err = io.Copy(tw, pf)
			return err
		}()
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = db.fs.Rename(tmp, path)
	}
	if err != nil {
		db.fs.Remove(tmp)
		return SnapshotDescription{}, internalError(err, "full snapshot: write %s", file)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := writeFileAtomic(db.fs, path+checksumExt, []byte(sum)); err != nil {
		return SnapshotDescription{}, internalError(err, "full snapshot: write checksum")
	}
	return SnapshotDescription{Name: file, CreationTime: created, Size: cw.n, Checksum: sum}, nil
}

// ListFullSnapshots lists the full snapshots, newest first.
func (db *DB) ListFullSnapshots() ([]SnapshotDescription, error) {
	return db.listSnapshotDir(db.fullSnapshotDir(), "the storage")
}

// FullSnapshotPath returns the file of one full snapshot, for download.
func (db *DB) FullSnapshotPath(name string) (string, error) {
	if err := validSnapshotName(name); err != nil {
		return "", NotFound("Snapshot %s not found", name)
	}
	p := filepath.Join(db.fullSnapshotDir(), name)
	if _, err := db.fs.Stat(p); err != nil {
		return "", NotFound("Snapshot %s not found", name)
	}
	return p, nil
}

// DeleteFullSnapshot deletes one full snapshot (and its checksum file).
func (db *DB) DeleteFullSnapshot(name string) error {
	p, err := db.FullSnapshotPath(name)
	if err != nil {
		return err
	}
	if err := db.fs.Remove(p); err != nil {
		return internalError(err, "delete snapshot %s", name)
	}
	db.fs.Remove(p + checksumExt)
	return nil
}
