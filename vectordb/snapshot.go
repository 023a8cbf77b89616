package vectordb

import "context"

var errTODO = &Error{Kind: KindUnavailable, Msg: "Service unavailable: snapshots are under construction"}

// CreateSnapshot writes a snapshot file of the collection.
func (db *DB) CreateSnapshot(ctx context.Context, coll string) (SnapshotDescription, error) {
	return SnapshotDescription{}, errTODO
}

// ListSnapshots lists a collection's snapshots, newest first.
func (db *DB) ListSnapshots(coll string) ([]SnapshotDescription, error) { return nil, errTODO }

// SnapshotPath returns the file of one snapshot, for download.
func (db *DB) SnapshotPath(coll, name string) (string, error) { return "", errTODO }

// DeleteSnapshot deletes one snapshot file.
func (db *DB) DeleteSnapshot(coll, name string) error { return errTODO }

// RecoverSnapshot replaces (or creates) collection coll with the contents
// of the snapshot file at path.
func (db *DB) RecoverSnapshot(ctx context.Context, coll, path string) error { return errTODO }
