// Package vectordb is NexusOS's embedded vector engine, built on Qdrant's
// data model: collections of points, each with named dense and sparse
// vectors and a JSON payload; filters over payload; HNSW and exact
// nearest-neighbour search; a write-ahead log for durability.
//
// The Qdrant REST and gRPC APIs over it live in vectordb/qdrantapi.
//
// A DB is safe for concurrent use.
package vectordb

import "context"

// Options configure Open.
type Options struct {
	// MaxPointsPerUpsert bounds one update request (0: 100000).
	MaxPointsPerUpsert int
}

// DB is an open vector database rooted at a directory.
type DB struct {
	dir  string
	opts Options
}

// Open opens (creating if needed) the database in dir, replaying its
// write-ahead logs.
func Open(dir string, opts Options) (*DB, error) {
	return &DB{dir: dir, opts: opts}, nil
}

var errTODO = &Error{Kind: KindUnavailable, Msg: "Service unavailable: engine under construction"}

// Close flushes and closes the database.
func (db *DB) Close() error { return nil }

// CreateCollection creates a collection. It fails with KindBadInput when the
// name exists (Qdrant answers 400 "Wrong input: Collection `x` already
// exists!") or the config is invalid.
func (db *DB) CreateCollection(ctx context.Context, name string, cfg CollectionConfig) error {
	return errTODO
}

// DeleteCollection deletes a collection (or the collection an alias points
// to? no: Qdrant deletes by collection name only). It reports whether it
// existed.
func (db *DB) DeleteCollection(ctx context.Context, name string) (bool, error) {
	return false, errTODO
}

// Collections lists collection names, sorted.
func (db *DB) Collections() []string { return nil }

// CollectionExists reports whether name is a collection or an alias.
func (db *DB) CollectionExists(name string) bool { return false }

// CollectionInfo describes a collection (name may be an alias).
func (db *DB) CollectionInfo(name string) (CollectionInfo, error) {
	return CollectionInfo{}, errTODO
}

// UpdateCollection changes index parameters of a collection.
func (db *DB) UpdateCollection(ctx context.Context, name string, u CollectionUpdate) error {
	return errTODO
}

// UpdateAliases applies alias actions atomically.
func (db *DB) UpdateAliases(ctx context.Context, ops []AliasOp) error { return errTODO }

// Aliases lists all aliases, or those of one collection when collection is
// non-empty.
func (db *DB) Aliases(collection string) ([]Alias, error) { return nil, errTODO }

// Upsert inserts or replaces points. With wait it returns after the points
// are durable and searchable (Status Completed); otherwise after they are
// durable in the WAL (Status Acknowledged).
func (db *DB) Upsert(ctx context.Context, coll string, points []PointStruct, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// Delete removes the selected points.
func (db *DB) Delete(ctx context.Context, coll string, sel PointsSelector, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// SetPayload merges payload into the selected points' payloads. With a
// non-empty key, it merges into the object under that key instead.
func (db *DB) SetPayload(ctx context.Context, coll string, payload Payload, sel PointsSelector, key string, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// OverwritePayload replaces the selected points' payloads.
func (db *DB) OverwritePayload(ctx context.Context, coll string, payload Payload, sel PointsSelector, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// DeletePayload removes keys from the selected points' payloads.
func (db *DB) DeletePayload(ctx context.Context, coll string, keys []string, sel PointsSelector, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// ClearPayload removes all payload of the selected points.
func (db *DB) ClearPayload(ctx context.Context, coll string, sel PointsSelector, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// UpdateVectors replaces the given named vectors of existing points.
func (db *DB) UpdateVectors(ctx context.Context, coll string, points []PointVectors, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// DeleteVectors removes named vectors from the selected points.
func (db *DB) DeleteVectors(ctx context.Context, coll string, names []string, sel PointsSelector, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// Get returns the points with the given ids that exist, in request order.
func (db *DB) Get(ctx context.Context, coll string, ids []PointID, wp PayloadSelector, wv VectorSelector) ([]Record, error) {
	return nil, errTODO
}

// Scroll pages through points.
func (db *DB) Scroll(ctx context.Context, coll string, req ScrollRequest) (ScrollResult, error) {
	return ScrollResult{}, errTODO
}

// Count counts points matching filter (all points when nil).
func (db *DB) Count(ctx context.Context, coll string, filter *Filter) (int, error) {
	return 0, errTODO
}

// Query runs a universal query.
func (db *DB) Query(ctx context.Context, coll string, req QueryRequest) ([]ScoredPoint, error) {
	return nil, errTODO
}

// CreateFieldIndex creates a payload index on field.
func (db *DB) CreateFieldIndex(ctx context.Context, coll, field string, schema PayloadSchemaType, text *TextIndexParams, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

// DeleteFieldIndex drops the payload index on field.
func (db *DB) DeleteFieldIndex(ctx context.Context, coll, field string, wait bool) (UpdateResult, error) {
	return UpdateResult{}, errTODO
}

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
