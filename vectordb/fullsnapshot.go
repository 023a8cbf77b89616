package vectordb

import (
	"bytes"
	"context"
	"encoding/json"
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
	a, err := db.newSnapArchive(db.fullSnapshotDir(), "full-snapshot-", "full snapshot")
	if err != nil {
		return SnapshotDescription{}, err
	}
	err = a.entry(aliasesFile, int64(len(aliases)), bytes.NewReader(aliases))
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
			return a.entry(p.coll+snapshotExt, st.Size(), pf)
		}()
	}
	return a.commit(err)
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
