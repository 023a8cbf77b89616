package vectordb

import (
	"context"
	"errors"
	"io/fs"
)

// Named vector create and delete on an existing collection.

// CreateVector adds a named vector to a collection: dense (params non-nil)
// or sparse (sparse non-nil). Existing points do not have it until it is
// written. The name must be new.
func (db *DB) CreateVector(ctx context.Context, coll, name string, params *VectorParams, sparse *SparseVectorParams) (UpdateResult, error) {
	var seq uint64
	err := db.createVector(ctx, coll, name, params, sparse, &seq)
	return UpdateResult{OperationID: seq, Status: Completed}, err
}

func (db *DB) createVector(ctx context.Context, coll, name string, params *VectorParams, sparse *SparseVectorParams, seq *uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if (params == nil) == (sparse == nil) {
		return BadInput("exactly one of dense and sparse vector parameters is required")
	}
	if len(name) > maxNameLen {
		return BadInput("Vector name must be at most %d bytes", maxNameLen)
	}
	c, unlock, err := db.writeLocked(coll)
	if err != nil {
		return err
	}
	defer unlock()
	_, d := c.cfg.Vectors[name]
	_, s := c.cfg.SparseVectors[name]
	if d || s {
		return BadInput("Vector %q already exists in collection %s", name, coll)
	}
	cfg := cloneConfig(c.cfg)
	if params != nil {
		cfg.Vectors[name] = *params
	} else {
		cfg.SparseVectors[name] = *sparse
	}
	if err := validateConfig(&cfg); err != nil {
		return err
	}
	cfg = cloneConfig(cfg)
	old := c.cfg
	c.cfg = cfg
	if err := db.saveMetaLocked(c); err != nil {
		c.cfg = old
		return internalError(err, "save collection %s metadata", c.name)
	}
	if params != nil && params.Multivector == nil {
		c.dense[name] = newDenseIndex(cfg.Vectors[name], c.hnswFor(name), c.flats)
		c.dense[name].setThreshold(cfg.IndexingThreshold)
		c.dense[name].setQuantization(c.quantFor(name))
	}
	if sparse != nil {
		c.sparse[name] = newSparseStats()
	}
	*seq = c.lastSeq
	return nil
}

// DeleteVector removes a named vector from a collection and from every
// point. The removal is logged, then a checkpoint is written (so no log
// record holds the name any more) before the collection's metadata drops
// it: a crash in between leaves the vector configured but empty.
func (db *DB) DeleteVector(ctx context.Context, coll, name string) (UpdateResult, error) {
	var seq uint64
	err := db.deleteVector(ctx, coll, name, &seq)
	return UpdateResult{OperationID: seq, Status: Completed}, err
}

func (db *DB) deleteVector(ctx context.Context, coll, name string, seq *uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := db.collection(coll)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.RLock()
	if c.dropped {
		c.mu.RUnlock()
		return errCollectionNotFound(coll)
	}
	_, d := c.cfg.Vectors[name]
	_, s := c.cfg.SparseVectors[name]
	if !d && !s {
		c.mu.RUnlock()
		return NotFound("Vector %q not found in collection %s", name, coll)
	}
	var ids []PointID
	for _, id := range c.sortedIDs() {
		if _, ok := c.points[id].vectors[name]; ok {
			ids = append(ids, id)
		}
	}
	c.mu.RUnlock()
	if len(ids) > 0 {
		o := &op{Kind: opDeleteVectors, IDs: ids, Keys: []string{name}}
		if err := db.appendLocked(c, o); err != nil {
			return err
		}
		c.mu.Lock()
		c.apply(o)
		c.mu.Unlock()
	}
	// A background checkpoint may be running; wait for it (it takes c.mu
	// when done, so not under it), then checkpoint synchronously.
	c.ckptWG.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.log != nil {
		if err := db.checkpointLocked(c, true); err != nil {
			return internalError(err, "checkpoint collection %s", c.name)
		}
	}
	cfg := cloneConfig(c.cfg)
	delete(cfg.Vectors, name)
	delete(cfg.SparseVectors, name)
	old := c.cfg
	c.cfg = cfg
	if err := db.saveMetaLocked(c); err != nil {
		c.cfg = old
		return internalError(err, "save collection %s metadata", c.name)
	}
	if di := c.dense[name]; di != nil {
		di.stop()
		delete(c.dense, name)
		if err := db.fs.Remove(denseFileName(c.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.log.Warn("vectordb: remove HNSW index file", "collection", c.name, "vector", name, "err", err)
		}
		if err := db.fs.Remove(payloadFileName(c.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.log.Warn("vectordb: remove payload link file", "collection", c.name, "vector", name, "err", err)
		}
	}
	delete(c.sparse, name)
	*seq = c.lastSeq
	return nil
}
