package vectordb

import (
	"context"
	"fmt"
)

// update runs one point operation on a collection: build validates the
// request against the locked state and returns the op to log (nil: nothing
// to do); the op is appended to the log and fsynced, then applied.
//
// # Notes
//
// Updates of a collection are serialised (wmu); each is validated, logged
// with fsync, then applied, so it is durable before any reader can see it,
// and readers are not blocked while it waits for the disk. Both wait=true
// and wait=false return after fsync and apply; wait only changes the
// reported status (Completed or Acknowledged), as in Qdrant.
func (db *DB) update(ctx context.Context, coll string, wait bool, build func(c *collection) (*op, error)) (UpdateResult, error) {
	if err := ctx.Err(); err != nil {
		return UpdateResult{}, err
	}
	c, err := db.collection(coll)
	if err != nil {
		return UpdateResult{}, err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.RLock()
	if c.dropped {
		c.mu.RUnlock()
		return UpdateResult{}, errCollectionNotFound(coll)
	}
	o, err := build(c)
	c.mu.RUnlock()
	if err != nil {
		return UpdateResult{}, err
	}
	status := Acknowledged
	if wait {
		status = Completed
	}
	if o == nil {
		return UpdateResult{OperationID: c.lastSeq, Status: status}, nil
	}
	if c.broken != nil && c.log != nil {
		// Try to get back to the last acknowledged length.
		if err := c.log.reopen(); err != nil {
			return UpdateResult{}, internalError(err, "collection %s write-ahead log is unusable (after: %v)", c.name, c.broken)
		}
		db.log.Warn("vectordb: write-ahead log recovered after an I/O error", "collection", c.name, "err", c.broken)
		c.broken = nil
	}
	if err := db.appendLocked(c, o); err != nil {
		return UpdateResult{}, err
	}
	c.mu.Lock()
	c.apply(o)
	checkpointed := false
	if c.log != nil && db.opts.CheckpointBytes > 0 && c.log.sinceCkpt >= db.opts.CheckpointBytes && !c.checkpointing && !c.dropped {
		if err := db.checkpointLocked(c, false); err != nil {
			db.log.Warn("vectordb: start checkpoint", "collection", c.name, "err", err)
		} else {
			checkpointed = true
		}
	}
	c.mu.Unlock()
	if checkpointed {
		// The graphs as of the checkpoint, so a restart need not rebuild
		// them. Writers wait (wmu); readers go on.
		db.saveDenseFiles(c)
	}
	return UpdateResult{OperationID: o.Seq, Status: status}, nil
}

// appendLocked numbers o and appends it to c's log (fsynced).
//
// Preconditions: c.wmu is held.
func (db *DB) appendLocked(c *collection, o *op) error {
	o.Seq = c.lastSeq + 1
	if c.log != nil {
		broken, err := c.log.append(o)
		if err != nil {
			if broken {
				c.broken = err
			}
			return internalError(err, "write-ahead log of collection %s", c.name)
		}
	}
	return nil
}

func (db *DB) checkBatch(n int) error {
	if n > db.opts.MaxPointsPerUpsert {
		return &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("Bad request: too many points in one request: %d > %d", n, db.opts.MaxPointsPerUpsert)}
	}
	return nil
}

// Upsert inserts or replaces points. Vectors are validated against the
// collection config (names, sizes, NaN/Inf: KindBadInput, nothing changes);
// Cosine vectors are stored normalised. wait: see update.
func (db *DB) Upsert(ctx context.Context, coll string, points []PointStruct, wait bool) (UpdateResult, error) {
	return db.UpsertWith(ctx, coll, points, UpsertOptions{}, wait)
}

// UpsertMode restricts an upsert to new or to existing points.
type UpsertMode string

const (
	UpsertDefault    UpsertMode = ""            // insert or replace
	UpsertInsertOnly UpsertMode = "insert_only" // skip points that exist
	UpsertUpdateOnly UpsertMode = "update_only" // skip points that do not exist
)

// UpsertOptions are the conditions of a conditional upsert.
type UpsertOptions struct {
	Mode UpsertMode
	// Filter, when set, must match an existing point for it to be
	// replaced; points that do not exist are inserted (unless Mode says
	// otherwise).
	Filter *Filter
}

// UpsertWith is Upsert with conditions. Skipped points are not logged, so
// replaying the log does not depend on the filter.
func (db *DB) UpsertWith(ctx context.Context, coll string, points []PointStruct, opts UpsertOptions, wait bool) (UpdateResult, error) {
	if err := db.checkBatch(len(points)); err != nil {
		return UpdateResult{}, err
	}
	switch opts.Mode {
	case UpsertDefault, UpsertInsertOnly, UpsertUpdateOnly:
	default:
		return UpdateResult{}, BadInput("unknown update_mode %q, expected upsert, insert_only or update_only", opts.Mode)
	}
	if err := validateFilter(opts.Filter, 0); err != nil {
		return UpdateResult{}, err
	}
	return db.update(ctx, coll, wait, func(c *collection) (*op, error) {
		o := &op{Kind: opUpsert, Points: make([]PointStruct, 0, len(points))}
		pos := make(map[PointID]int, len(points))
		m := matcher{c}
		for _, p := range points {
			id, err := canonicalID(p.ID)
			if err != nil {
				return nil, err
			}
			old := c.points[id]
			if (opts.Mode == UpsertInsertOnly && old != nil) || (opts.Mode == UpsertUpdateOnly && old == nil) {
				continue
			}
			if opts.Filter != nil && old != nil && !m.match(opts.Filter, old) {
				continue
			}
			vecs, err := prepareVectors(&c.cfg, p.Vectors)
			if err != nil {
				return nil, err
			}
			pl, err := normalizePayload(p.Payload)
			if err != nil {
				return nil, err
			}
			ps := PointStruct{ID: id, Vectors: vecs, Payload: pl}
			if i, dup := pos[id]; dup {
				o.Points[i] = ps // last one wins, as in Qdrant
				continue
			}
			pos[id] = len(o.Points)
			o.Points = append(o.Points, ps)
		}
		if len(o.Points) == 0 {
			return nil, nil
		}
		return o, nil
	})
}

// selectIDs resolves a selector to the ids of existing points (in id
// order for filters, request order for ids). With mustExist, an id that
// does not exist is a KindNotFound error.
//
// Preconditions: c.mu is held.
func (db *DB) selectIDs(c *collection, sel PointsSelector, mustExist bool) ([]PointID, error) {
	if sel.Filter != nil {
		if sel.IDs != nil {
			return nil, BadInput("points selector must have either points or filter, not both")
		}
		if err := validateFilter(sel.Filter, 0); err != nil {
			return nil, err
		}
		var out []PointID
		c.scanFiltered(sel.Filter, func(p *point) bool {
			out = append(out, p.id)
			return true
		})
		return out, nil
	}
	if err := db.checkBatch(len(sel.IDs)); err != nil {
		return nil, err
	}
	out := make([]PointID, 0, len(sel.IDs))
	seen := make(map[PointID]struct{}, len(sel.IDs))
	for _, id := range sel.IDs {
		id, err := canonicalID(id)
		if err != nil {
			return nil, err
		}
		if _, ok := c.points[id]; !ok {
			if mustExist {
				return nil, errPointNotFound(id)
			}
			continue
		}
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out, nil
}

// Delete removes the selected points. Ids that do not exist are ignored.
func (db *DB) Delete(ctx context.Context, coll string, sel PointsSelector, wait bool) (UpdateResult, error) {
	return db.update(ctx, coll, wait, func(c *collection) (*op, error) {
		ids, err := db.selectIDs(c, sel, false)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		return &op{Kind: opDelete, IDs: ids}, nil
	})
}

// SetPayload merges payload into the selected points' payloads. With a
// non-empty key, it merges into the object under that key instead
// (creating it). An id that does not exist is a KindNotFound error.
func (db *DB) SetPayload(ctx context.Context, coll string, payload Payload, sel PointsSelector, key string, wait bool) (UpdateResult, error) {
	return db.update(ctx, coll, wait, func(c *collection) (*op, error) {
		pl, err := normalizePayload(payload)
		if err != nil {
			return nil, err
		}
		if key != "" {
			if _, err := setPayloadAt(nil, pl, key); err != nil {
				return nil, err
			}
		}
		ids, err := db.selectIDs(c, sel, true)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		return &op{Kind: opSetPayload, IDs: ids, Payload: pl, Key: key}, nil
	})
}

// OverwritePayload replaces the selected points' payloads.
func (db *DB) OverwritePayload(ctx context.Context, coll string, payload Payload, sel PointsSelector, wait bool) (UpdateResult, error) {
	return db.update(ctx, coll, wait, func(c *collection) (*op, error) {
		pl, err := normalizePayload(payload)
		if err != nil {
			return nil, err
		}
		ids, err := db.selectIDs(c, sel, true)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		return &op{Kind: opOverwritePayload, IDs: ids, Payload: pl}, nil
	})
}

// DeletePayload removes keys (dotted paths) from the selected points'
// payloads.
func (db *DB) DeletePayload(ctx context.Context, coll string, keys []string, sel PointsSelector, wait bool) (UpdateResult, error) {
	return db.update(ctx, coll, wait, func(c *collection) (*op, error) {
		for _, k := range keys {
			if _, err := parsePath(k); err != nil {
				return nil, err
			}
		}
		ids, err := db.selectIDs(c, sel, true)
		if err != nil || len(ids) == 0 || len(keys) == 0 {
			return nil, err
		}
		return &op{Kind: opDeletePayload, IDs: ids, Keys: append([]string(nil), keys...)}, nil
	})
}

// ClearPayload removes all payload of the selected points.
func (db *DB) ClearPayload(ctx context.Context, coll string, sel PointsSelector, wait bool) (UpdateResult, error) {
	return db.update(ctx, coll, wait, func(c *collection) (*op, error) {
		ids, err := db.selectIDs(c, sel, true)
		if err != nil || len(ids) == 0 {
			return nil, err
		}
		return &op{Kind: opClearPayload, IDs: ids}, nil
	})
}

// UpdateVectors replaces the given named vectors of existing points; other
// vectors are kept. A missing point is a KindNotFound error.
func (db *DB) UpdateVectors(ctx context.Context, coll string, points []PointVectors, wait bool) (UpdateResult, error) {
	return db.UpdateVectorsWith(ctx, coll, points, nil, wait)
}

// UpdateVectorsWith is UpdateVectors that skips the points not matching
// filter (nil: none skipped).
func (db *DB) UpdateVectorsWith(ctx context.Context, coll string, points []PointVectors, filter *Filter, wait bool) (UpdateResult, error) {
	if err := db.checkBatch(len(points)); err != nil {
		return UpdateResult{}, err
	}
	if err := validateFilter(filter, 0); err != nil {
		return UpdateResult{}, err
	}
	return db.update(ctx, coll, wait, func(c *collection) (*op, error) {
		o := &op{Kind: opUpdateVectors}
		m := matcher{c}
		for _, pv := range points {
			id, err := canonicalID(pv.ID)
			if err != nil {
				return nil, err
			}
			old, ok := c.points[id]
			if !ok {
				return nil, errPointNotFound(id)
			}
			if filter != nil && !m.match(filter, old) {
				continue
			}
			if len(pv.Vectors) == 0 {
				return nil, BadInput("update_vectors: point %s has no vectors", id)
			}
			vecs, err := prepareVectors(&c.cfg, pv.Vectors)
			if err != nil {
				return nil, err
			}
			o.Vectors = append(o.Vectors, PointVectors{ID: id, Vectors: vecs})
		}
		if len(o.Vectors) == 0 {
			return nil, nil
		}
		return o, nil
	})
}

// DeleteVectors removes named vectors from the selected points.
func (db *DB) DeleteVectors(ctx context.Context, coll string, names []string, sel PointsSelector, wait bool) (UpdateResult, error) {
	return db.update(ctx, coll, wait, func(c *collection) (*op, error) {
		for _, n := range names {
			_, d := c.cfg.Vectors[n]
			_, s := c.cfg.SparseVectors[n]
			if !d && !s {
				return nil, BadInput("Not existing vector name error: %s", n)
			}
		}
		ids, err := db.selectIDs(c, sel, true)
		if err != nil || len(ids) == 0 || len(names) == 0 {
			return nil, err
		}
		return &op{Kind: opDeleteVectors, IDs: ids, Keys: append([]string(nil), names...)}, nil
	})
}

// CreateFieldIndex creates a payload index on field (replacing an index
// of another type) and indexes the existing points.
func (db *DB) CreateFieldIndex(ctx context.Context, coll, field string, schema PayloadSchemaType, text *TextIndexParams, wait bool) (UpdateResult, error) {
	if err := ctx.Err(); err != nil {
		return UpdateResult{}, err
	}
	fi, err := newFieldIndex(field, schema, text)
	if err != nil {
		return UpdateResult{}, err
	}
	c, unlock, err := db.writeLocked(coll)
	if err != nil {
		return UpdateResult{}, err
	}
	defer db.payloadLinksLater(c) // after unlock: new payload blocks
	defer unlock()
	old := c.fields[field]
	for _, p := range c.points {
		fi.add(p)
	}
	c.fields[field] = fi
	if err := db.saveMetaLocked(c); err != nil {
		if old != nil {
			c.fields[field] = old
		} else {
			delete(c.fields, field)
		}
		return UpdateResult{}, internalError(err, "save collection %s metadata", c.name)
	}
	return UpdateResult{OperationID: c.lastSeq, Status: statusOf(wait)}, nil
}

// DeleteFieldIndex drops the payload index on field (no error when there
// is none).
func (db *DB) DeleteFieldIndex(ctx context.Context, coll, field string, wait bool) (UpdateResult, error) {
	if err := ctx.Err(); err != nil {
		return UpdateResult{}, err
	}
	c, unlock, err := db.writeLocked(coll)
	if err != nil {
		return UpdateResult{}, err
	}
	defer db.payloadLinksLater(c) // after unlock: fewer payload blocks
	defer unlock()
	old, ok := c.fields[field]
	if ok {
		delete(c.fields, field)
		if err := db.saveMetaLocked(c); err != nil {
			c.fields[field] = old
			return UpdateResult{}, internalError(err, "save collection %s metadata", c.name)
		}
	}
	return UpdateResult{OperationID: c.lastSeq, Status: statusOf(wait)}, nil
}

func statusOf(wait bool) UpdateStatus {
	if wait {
		return Completed
	}
	return Acknowledged
}
