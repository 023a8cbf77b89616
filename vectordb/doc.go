// Package vectordb is NexusOS's embedded vector engine, built on Qdrant's
// data model: collections of points, each with named dense and sparse
// vectors and a JSON payload; filters over payload; payload indexes; HNSW
// and exact nearest-neighbour search; fusion of sub-queries; a write-ahead
// log, checkpoints and snapshots for durability.
//
// The Qdrant REST and gRPC APIs over it live in vectordb/qdrantapi. Errors
// returned by DB methods are *Error values whose Kind maps to an HTTP or
// gRPC status and whose Msg follows Qdrant's wording.
//
// A DB is safe for concurrent use. Searches, scrolls and gets of a
// collection run concurrently under its read lock. Updates of a collection
// are serialised: each is validated, appended to the write-ahead log and
// fsynced, and only then applied under the write lock (held briefly), so
// an update is durable before anyone can see it, readers are not blocked
// by the disk, and a failed write or fsync changes nothing. Every update
// returns after fsync and apply, whatever its wait flag says (wait=false
// only reports "acknowledged" instead of "completed"). A database
// directory is locked (flock on LOCK) by the process that opened it.
//
// # On-disk layout
//
//	<dir>/
//	  aliases.json                      alias -> collection (atomic replace)
//	  collections/<name>/
//	    meta.json                       config + payload index definitions (atomic replace)
//	    checkpoint.dat                  all points as of op last_seq (atomic replace)
//	    wal/<first-seq, 20 digits>.log  write-ahead log segments
//	    hnsw-<hex name>.idx             HNSW graph + vectors as of the checkpoint
//	                                    (written with it and by Close)
//	    plinks-<hex name>.idx           its payload links (payload_m), stamped alike
//	  collections/.creating-*           half-created collection (removed on Open)
//	  collections/.deleted-*            half-deleted collection (removed on Open)
//	  snapshots/<name>/<name>-<time>.snapshot           tar snapshot (see snapshot.go)
//	  snapshots/<name>/<name>-<time>.snapshot.checksum  its hex SHA-256
//	  snapshots/.full/full-snapshot-<time>.snapshot     every collection's snapshot
//	                                                    and aliases.json (fullsnapshot.go)
//	  LOCK                              flock'ed while open
//
// "Atomic replace" is write to name.tmp, fsync, rename, fsync directory.
//
// Log segments and checkpoints are sequences of records (framed by
// vectordb/internal/recordio):
//
//	+-------------+-------------+----------------------------------+
//	| length u32  | crc32c u32  | body (length bytes)              |
//	+-------------+-------------+----------------------------------+
//	body[0]: 5 = op (binary, see codec.go; 1 = op as JSON, read only),
//	         2 = checkpoint header, 6 = up to 1000 checkpoint points
//	         (binary), 3 = checkpoint footer; 7..11 = HNSW index file, 12..13 = payload link file
//
// Integers are little-endian; crc32c is CRC-32 (Castagnoli) of the body.
// Every op carries a sequence number one above the previous op's. Open
// loads the checkpoint, then replays, in order, the ops of all segments
// with a higher sequence number. A record that fails its checks with no
// valid record after it is a torn write (never acknowledged) and ends the
// log; one followed by valid records is corruption and Open fails with
// ErrCorruptWAL. After CheckpointBytes of log, an update seals the current
// segment and a background goroutine writes a new checkpoint, then deletes
// the sealed segments; the update that triggered it also saves the HNSW
// graphs (other writers wait meanwhile, readers do not). Close does both.
// Open loads a graph file only when it was written at the checkpoint's
// sequence number, then replays the log on top; otherwise the graph is
// rebuilt by the background indexer while searches scan exactly.
//
// # Search
//
// Dense vectors live in append-only storage shared with an HNSW graph per
// vector name; a background indexer inserts new vectors, and searches
// scan the not-yet-indexed tail exactly. Every point holds a slot, a dense
// uint32 id reused after deletes (slotset.go); payload index postings
// are compressed sets of slots, and each graph maps its internal ids to
// slots. Filtered searches pick a plan: the conditions that payload
// indexes (keyword, integer, uuid or bool equality; integer, float or
// datetime range; text tokens) or has_id answer are evaluated to a
// bitmap over slots (must: AND, should: OR, must_not: AND NOT), exact
// when every condition was answered exactly; without one, a sample
// estimates the filter's selectivity. Small filtered sets (estimate ×
// dimension ≤ 2,000,000, below full_scan_threshold, or a selection
// cheaper to score than the widened graph search) are scored exactly, in
// internal id order with prefetch; larger ones search the graph, which
// tests each node's bit (and the filter itself only when the bitmap is
// not exact), with a widened ef, falling back to exact search when the
// graph returns fewer than limit points. exact=true always scans. Slots
// are not persisted: Open hands them out again as it loads the points.
//
// With hnsw_config.payload_m > 0, each value of a keyword or integer
// payload index held by at least full_scan_threshold worth of points (a
// payload block) gets a small HNSW graph of its own, whose layer-0 links
// are added to its points' links (payloadlinks.go; built in the
// background once the graph is complete, saved beside the graph's index
// file). A filtered search
// with a must match or range on such a field and an exact bitmap then
// follows only the allowed nodes, with ef as asked (Qdrant's filtered
// traversal), unless the selection is below full_scan_threshold or cheap
// to score exactly.
//
// Multi-vectors (VectorParams.Multivector) are kept in the point table
// only (binary codec tag 2: count, size, floats) and searched exactly
// with MaxSim. Deleting a named vector (DeleteVector) logs the removal,
// then checkpoints synchronously before the metadata drops the name, so
// no log record refers to a vector the metadata no longer has.
//
// # Scores
//
// As in Qdrant: Cosine (vectors are normalised at upsert, so it is a dot
// product) and Dot are similarities, higher is better; Euclid is the L2
// distance and Manhattan the L1 distance, lower is better.
package vectordb
