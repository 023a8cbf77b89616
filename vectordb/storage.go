package vectordb

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"nexusos/vectordb/internal/recordio"
)

// collMeta is a collection's metadata file (meta.json): its config and
// payload index definitions. It is replaced atomically.
type collMeta struct {
	Config  CollectionConfig `json:"config"`
	Indexes []indexMeta      `json:"indexes,omitempty"`
}

type indexMeta struct {
	Field  string            `json:"field"`
	Schema PayloadSchemaType `json:"schema"`
	Text   *TextIndexParams  `json:"text,omitempty"`
}

// Checkpoint files use the WAL record framing: a header record, point
// records of up to ckptChunk points each, and a footer record.
type ckptHeader struct {
	Version int    `json:"version"`
	LastSeq uint64 `json:"last_seq"`
	Points  int    `json:"points"`
}

type ckptFooter struct {
	Points int `json:"points"`
}

type ckptPoint struct {
	ID      PointID      `json:"id"`
	Version uint64       `json:"v"`
	Vectors NamedVectors `json:"vec,omitempty"`
	Payload Payload      `json:"pl,omitempty"`
}

const (
	ckptVersion = 1
	ckptChunk   = 1000
	recCkptPts  = 4 // body: JSON []ckptPoint
)

func (c *collection) meta() collMeta {
	m := collMeta{Config: c.cfg}
	for _, fi := range c.fields {
		im := indexMeta{Field: fi.key, Schema: fi.schema}
		if fi.schema == SchemaText || (fi.schema == SchemaKeyword && fi.text.Prefix) || fi.text.Schema != nil {
			t := fi.text
			im.Text = &t
		}
		m.Indexes = append(m.Indexes, im)
	}
	return m
}

// Preconditions: c.mu is held for writing.
func (db *DB) saveMetaLocked(c *collection) error {
	data, err := json.MarshalIndent(c.meta(), "", " ")
	if err != nil {
		return err
	}
	return writeFileAtomic(db.fs, filepath.Join(c.dir, metaFile), data)
}

// createCollectionFiles creates a collection directory holding meta (and a
// checkpoint of points when given) under a temporary name, then renames it
// into place, so a crash never leaves half a collection.
//
// Preconditions: db.mu is held for writing.
func (db *DB) createCollectionFiles(name string, cfg CollectionConfig, indexes []indexMeta, pts []ckptPoint, lastSeq uint64, replace *collection) (*collection, error) {
	cdir := filepath.Join(db.dir, collectionsDir)
	tmp := filepath.Join(cdir, creatingPrefix+name+"-"+strconv.FormatInt(now().UnixNano(), 36))
	final := filepath.Join(cdir, name)
	c := newCollection(name, tmp, cfg, db.flats)
	fail := func(err error, step string) (*collection, error) {
		c.stopIndexers()
		db.fs.RemoveAll(tmp)
		return nil, internalError(err, "create collection %s: %s", name, step)
	}
	if err := db.fs.MkdirAll(filepath.Join(tmp, walDir), 0o755); err != nil {
		return fail(err, "mkdir")
	}
	for _, im := range indexes {
		fi, err := newFieldIndex(im.Field, im.Schema, im.Text)
		if err != nil {
			db.fs.RemoveAll(tmp)
			return nil, err
		}
		c.fields[im.Field] = fi
	}
	if err := db.saveMetaLocked(c); err != nil {
		return fail(err, "write metadata")
	}
	for i := range pts {
		p := &point{id: pts[i].ID, version: pts[i].Version, vectors: pts[i].Vectors, payload: pts[i].Payload}
		if p.version > lastSeq {
			lastSeq = p.version
		}
		if old, ok := c.points[p.id]; ok {
			c.unindex(old)
		}
		c.putPoint(p)
		c.index(p)
	}
	c.lastSeq = lastSeq
	if len(pts) > 0 {
		if err := writeCheckpoint(db.fs, filepath.Join(tmp, checkpointFile), lastSeq, pts); err != nil {
			return fail(err, "write checkpoint")
		}
	}
	if replace != nil {
		if err := db.removeCollectionFiles(replace); err != nil {
			c.stopIndexers()
			db.fs.RemoveAll(tmp)
			return nil, err
		}
	}
	if err := db.fs.Rename(tmp, final); err != nil {
		return fail(err, "rename into place")
	}
	if err := syncDir(db.fs, cdir); err != nil {
		return nil, internalError(err, "create collection %s: sync directory", name)
	}
	c.dir = final
	c.log = &wal{fs: db.fs, dir: filepath.Join(final, walDir)}
	if err := c.log.openSegment(segmentName(c.log.dir, lastSeq+1), 0); err != nil {
		return nil, internalError(err, "create collection %s: open log", name)
	}
	return c, nil
}

// removeCollectionFiles renames the collection's directory out of the way
// (atomic), then deletes it.
//
// Preconditions: db.mu, c.wmu and c.mu are held for writing.
func (db *DB) removeCollectionFiles(c *collection) error {
	cdir := filepath.Join(db.dir, collectionsDir)
	gone := filepath.Join(cdir, deletedPrefix+c.name+"-"+strconv.FormatInt(now().UnixNano(), 36))
	if c.log != nil {
		c.log.close()
	}
	if err := db.fs.Rename(c.dir, gone); err != nil {
		// Reopen the log so the collection stays usable.
		if c.log != nil {
			if oerr := c.log.openSegment(c.log.name, c.log.size); oerr != nil {
				c.broken = oerr
			}
		}
		return internalError(err, "delete collection %s", c.name)
	}
	if err := syncDir(db.fs, cdir); err != nil {
		db.log.Warn("vectordb: sync after delete", "collection", c.name, "err", err)
	}
	if err := db.fs.RemoveAll(gone); err != nil {
		db.log.Warn("vectordb: remove deleted collection", "dir", gone, "err", err)
	}
	return nil
}

// loadCollection reads meta, checkpoint and log of one collection.
func (db *DB) loadCollection(name, dir string) (*collection, error) {
	data, err := readFile(db.fs, filepath.Join(dir, metaFile), maxMetaSize)
	if err != nil {
		return nil, fmt.Errorf("read metadata: %w", err)
	}
	var m collMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parse metadata: %w", err)
	}
	if err := validateConfig(&m.Config); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	c := newCollection(name, dir, cloneConfig(m.Config), db.flats)
	for _, d := range c.dense {
		d.setHold(true)
	}
	defer func() {
		for n, d := range c.dense {
			d.setThreshold(c.cfg.IndexingThreshold) // loaded indexes are new objects
			d.setQuantization(c.quantFor(n))        // codes are rebuilt, never stored
			d.setHold(false)
		}
	}()
	for _, im := range m.Indexes {
		fi, err := newFieldIndex(im.Field, im.Schema, im.Text)
		if err != nil {
			return nil, fmt.Errorf("metadata: index %s: %w", im.Field, err)
		}
		c.fields[im.Field] = fi
	}
	start := time.Now()
	ckpt := filepath.Join(dir, checkpointFile)
	loadDense := func(pts []ckptPoint, seq uint64) map[string]*denseIndex { return db.loadDenseFiles(c, pts, seq) }
	if err := loadCheckpoint(db.fs, ckpt, c, loadDense); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	wdir := filepath.Join(dir, walDir)
	if err := db.fs.MkdirAll(wdir, 0o755); err != nil {
		return nil, err
	}
	names, firsts, err := listSegments(db.fs, wdir)
	if err != nil {
		return nil, fmt.Errorf("list log segments: %w", err)
	}
	c.log = &wal{fs: db.fs, dir: wdir}
	var replayed int
	var lastValid int64
	for i, seg := range names {
		data, err := readSegment(db.fs, seg)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", seg, err)
		}
		ops, valid, err := replayLog(data)
		if err != nil {
			return nil, fmt.Errorf("replay %s: %w", seg, err)
		}
		last := i == len(names)-1
		if valid < len(data) {
			if !last {
				return nil, fmt.Errorf("replay %s: %w: damaged record at offset %d of a sealed segment", seg, ErrCorruptWAL, valid)
			}
			db.log.Warn("vectordb: dropping torn tail of write-ahead log", "segment", seg, "offset", valid, "bytes", len(data)-valid)
		}
		for _, o := range ops {
			if o.Seq <= c.lastSeq {
				continue
			}
			if o.Seq != c.lastSeq+1 {
				return nil, fmt.Errorf("replay %s: %w: op %d follows op %d", seg, ErrCorruptWAL, o.Seq, c.lastSeq)
			}
			if o.Seq < firsts[i] {
				return nil, fmt.Errorf("replay %s: %w: op %d before segment start %d", seg, ErrCorruptWAL, o.Seq, firsts[i])
			}
			if err := c.validateReplayed(o); err != nil {
				return nil, fmt.Errorf("replay %s: %w: op %d: %v", seg, ErrCorruptWAL, o.Seq, err)
			}
			c.apply(o)
			replayed++
		}
		c.log.sinceCkpt += int64(valid)
		lastValid = int64(valid)
	}
	if len(names) > 0 {
		if err := c.log.openSegment(names[len(names)-1], lastValid); err != nil {
			return nil, fmt.Errorf("open log: %w", err)
		}
	} else if err := c.log.openSegment(segmentName(wdir, c.lastSeq+1), 0); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	db.log.Debug("vectordb: loaded collection", "collection", name, "points", len(c.points),
		"replayed_ops", replayed, "took", time.Since(start))
	return c, nil
}

// validateReplayed re-checks a logged op against the config, so a log that
// passes its checksums but carries nonsense cannot poison the state.
func (c *collection) validateReplayed(o *op) error {
	for i := range o.Points {
		for name, v := range o.Points[i].Vectors {
			if err := checkStoredVector(&c.cfg, name, v); err != nil {
				return err
			}
		}
	}
	for i := range o.Vectors {
		for name, v := range o.Vectors[i].Vectors {
			if err := checkStoredVector(&c.cfg, name, v); err != nil {
				return err
			}
		}
	}
	if o.Kind == opSetPayload && o.Key != "" {
		if _, err := parsePath(o.Key); err != nil {
			return err
		}
	}
	return nil
}

// writeCheckpoint writes pts as a checkpoint file, atomically.
func writeCheckpoint(fs vfs, name string, lastSeq uint64, pts []ckptPoint) error {
	return writeAtomic(fs, name, func(w *bufio.Writer) error { return writeCheckpointTo(w, lastSeq, pts) })
}

func writeCheckpointTo(w io.Writer, lastSeq uint64, pts []ckptPoint) error {
	rw := &recordWriter{w: w}
	put := func(kind byte, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return rw.put(append([]byte{kind}, b...))
	}
	if err := put(recCkptHead, ckptHeader{Version: ckptVersion, LastSeq: lastSeq, Points: len(pts)}); err != nil {
		return err
	}
	for i := 0; i < len(pts); i += ckptChunk {
		j := min(i+ckptChunk, len(pts))
		body, err := encodeCkptPoints(pts[i:j])
		if err != nil {
			return err
		}
		if err := rw.put(body); err != nil {
			return err
		}
	}
	return put(recCkptFoot, ckptFooter{Points: len(pts)})
}

// loadCheckpoint reads a checkpoint into c. Any damage is an error: the
// file was written and renamed atomically.
//
// loadDense is called with the checkpoint's points and sequence number
// before anything is indexed; it returns dense indexes (by vector name)
// that already hold exactly those points' vectors, so they are not
// indexed again.
func loadCheckpoint(fs vfs, name string, c *collection, loadDense func([]ckptPoint, uint64) map[string]*denseIndex) error {
	data, err := readSegment(fs, name)
	if err != nil {
		return err
	}
	pts, lastSeq, err := parseCheckpoint(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	seen := make(map[PointID]struct{}, len(pts))
	for i := range pts {
		cp := &pts[i]
		if _, dup := seen[cp.ID]; dup {
			return fmt.Errorf("%s: point %s is repeated", name, cp.ID)
		}
		seen[cp.ID] = struct{}{}
		for vn, v := range cp.Vectors {
			if err := checkStoredVector(&c.cfg, vn, v); err != nil {
				return fmt.Errorf("%s: point %s: %w", name, cp.ID, err)
			}
		}
	}
	var loaded map[string]*denseIndex
	if loadDense != nil {
		loaded = loadDense(pts, lastSeq)
	}
	for vn, d := range loaded {
		c.dense[vn].stop()
		c.dense[vn] = d
	}
	for i := range pts {
		cp := &pts[i]
		p := &point{id: cp.ID, version: cp.Version, vectors: cp.Vectors, payload: cp.Payload}
		c.putPoint(p)
		c.indexPayload(p)
		for vn, v := range p.vectors {
			switch d := loaded[vn]; {
			case d != nil && v.Dense != nil:
				n := d.internal[p.id]
				d.setSlot(p.slot, n) // slots are not in the file
				p.vectors[vn] = Vector{Dense: d.flat.At(n)}
			case v.Sparse != nil:
				if s := c.sparse[vn]; s != nil {
					s.add(p, v.Sparse)
				}
			default:
				if d := c.dense[vn]; d != nil {
					p.vectors[vn] = Vector{Dense: d.upsert(p.id, p.slot, v.Dense)}
				}
			}
		}
	}
	c.lastSeq = lastSeq
	c.ckptSeq = lastSeq
	c.sorted = nil
	return nil
}

// denseFilesLoaded counts dense index files used by Open (for tests).
var denseFilesLoaded atomic.Int64

// loadDenseFiles reads the dense index files written at seq and keeps
// those that hold exactly the vectors of pts.
func (db *DB) loadDenseFiles(c *collection, pts []ckptPoint, seq uint64) map[string]*denseIndex {
	out := map[string]*denseIndex{}
	for vn := range c.dense {
		path := denseFileName(c.dir, vn)
		if _, err := db.fs.Stat(path); err != nil {
			continue
		}
		d, err := readDenseFile(db.fs, path, vn, c.cfg.Vectors[vn], c.hnswFor(vn), seq, c.flats)
		switch {
		case err != nil:
			db.log.Info("vectordb: rebuilding HNSW index", "collection", c.name, "vector", vn, "reason", err)
		case !denseMatches(vn, d, pts):
			db.log.Warn("vectordb: HNSW index file does not match the checkpoint; rebuilding", "collection", c.name, "vector", vn)
		default:
			d.setHold(true)
			d.savedIndexed = d.indexed.Load()
			out[vn] = d
			denseFilesLoaded.Add(1)
			if pp := payloadFileName(c.dir, vn); fileExists(db.fs, pp) {
				if err := readPayloadFile(db.fs, pp, vn, d, seq); err != nil {
					db.log.Info("vectordb: rebuilding payload links", "collection", c.name, "vector", vn, "reason", err)
				}
			}
		}
	}
	return out
}

// saveDenseFiles writes the dense index files of c, stamped with its
// current sequence number.
//
// Preconditions: c.wmu is held (no vector changes while writing).
func (db *DB) saveDenseFiles(c *collection) {
	for vn, d := range c.dense {
		if d.graph.Len() == 0 {
			continue
		}
		indexed := d.indexed.Load()
		if err := writeDenseFile(db.fs, denseFileName(c.dir, vn), vn, d, c.lastSeq); err != nil {
			db.log.Warn("vectordb: save HNSW index (it will be rebuilt)", "collection", c.name, "vector", vn, "err", err)
			continue
		}
		d.savedIndexed = indexed
		if err := writePayloadFile(db.fs, payloadFileName(c.dir, vn), vn, d, c.lastSeq); err != nil {
			db.log.Warn("vectordb: save payload links (they will be rebuilt)", "collection", c.name, "vector", vn, "err", err)
		}
	}
}

// watchIndexers makes c checkpoint (points and graphs) when an indexer
// catches up with a graph much larger than the one last saved, so that a
// crash after a bulk load does not cost a rebuild.
func (db *DB) watchIndexers(c *collection) {
	for _, d := range c.dense {
		d.setOnIdle(func() {
			db.idleCheckpoint(c)
			db.payloadLinksLater(c)
		})
	}
}

// jobs counts running background jobs. Unlike a sync.WaitGroup, Wait may
// run while jobs start: a checkpoint a write begins while CreateCollection
// waits for a dropped collection's, or a test waits for quiet, is fine.
// Wait returns once the count has been zero since it was called.
type jobs struct {
	mu   sync.Mutex
	n    int
	gen  uint64     // times n has dropped to zero
	zero *sync.Cond // signalled when it does; made on first use
}

// Add adds d (which may be negative) to the count of running jobs.
func (j *jobs) Add(d int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.n += d; j.n < 0 {
		panic("vectordb: more background jobs done than started")
	}
	if j.n == 0 {
		j.gen++
		if j.zero != nil {
			j.zero.Broadcast()
		}
	}
}

// Done ends one job.
func (j *jobs) Done() { j.Add(-1) }

// Wait blocks until no job runs, or none has run at some moment since
// Wait was called.
func (j *jobs) Wait() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.zero == nil {
		j.zero = sync.NewCond(&j.mu)
	}
	for g := j.gen; j.n > 0 && j.gen == g; {
		j.zero.Wait()
	}
}

// startBackground registers a background job that Close waits for (it
// calls db.bg.Done when it ends); false once the DB is closed.
func (db *DB) startBackground() bool {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return false
	}
	db.bg.Add(1) // under db.mu: Close waits for it
	return true
}

// idleCheckpoint is watchIndexers' callback.
func (db *DB) idleCheckpoint(c *collection) {
	if !db.startBackground() {
		return
	}
	defer db.bg.Done()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.log == nil || c.broken != nil {
		return
	}
	stale := false
	for _, d := range c.dense {
		now := d.indexed.Load()
		if now > d.savedIndexed && int(now-d.savedIndexed) >= max(1000, int(now)/10) {
			stale = true
		}
	}
	if !stale {
		return
	}
	c.mu.Lock()
	if c.dropped || c.checkpointing {
		c.mu.Unlock()
		return
	}
	var err error
	if c.lastSeq > c.ckptSeq {
		err = db.checkpointLocked(c, false)
	}
	c.mu.Unlock()
	if err != nil {
		db.log.Warn("vectordb: checkpoint after indexing", "collection", c.name, "err", err)
		return
	}
	// Points first, then graphs: a crash in between leaves a graph file
	// newer than the checkpoint, which Open ignores.
	c.ckptWG.Wait()
	db.saveDenseFiles(c)
}

func parseCheckpoint(data []byte) ([]ckptPoint, uint64, error) {
	r := recordio.NewReader(data)
	body, err := r.Next()
	if err != nil || len(body) == 0 || body[0] != recCkptHead {
		return nil, 0, errors.New("missing checkpoint header")
	}
	var h ckptHeader
	if err := json.Unmarshal(body[1:], &h); err != nil || h.Version != ckptVersion || h.Points < 0 {
		return nil, 0, fmt.Errorf("bad checkpoint header: %v", err)
	}
	var pts []ckptPoint
	for {
		body, err := r.Next()
		if err != nil {
			return nil, 0, fmt.Errorf("checkpoint truncated or damaged at offset %d", r.Offset())
		}
		switch body[0] {
		case recCkptPts, recCkptBin:
			var chunk []ckptPoint
			var err error
			if body[0] == recCkptBin {
				chunk, err = decodeCkptPoints(body)
			} else {
				err = json.Unmarshal(body[1:], &chunk)
			}
			if err != nil {
				return nil, 0, fmt.Errorf("checkpoint points at offset %d: %w", r.Offset(), err)
			}
			pts = append(pts, chunk...)
			if len(pts) > h.Points {
				return nil, 0, errors.New("checkpoint holds more points than its header says")
			}
		case recCkptFoot:
			var f ckptFooter
			if err := json.Unmarshal(body[1:], &f); err != nil || f.Points != h.Points || len(pts) != h.Points {
				return nil, 0, fmt.Errorf("checkpoint footer mismatch: %d points read, header %d", len(pts), h.Points)
			}
			return pts, h.LastSeq, nil
		default:
			return nil, 0, fmt.Errorf("unknown checkpoint record %d", body[0])
		}
	}
}

// snapshotPoints copies the point table (values are immutable, so this is
// cheap) in id order.
//
// Preconditions: c.mu is held.
func (c *collection) snapshotPoints() []ckptPoint {
	ids := c.sortedIDs()
	out := make([]ckptPoint, len(ids))
	for i, id := range ids {
		p := c.points[id]
		out[i] = ckptPoint{ID: p.id, Version: p.version, Vectors: p.vectors, Payload: p.payload}
	}
	return out
}

// checkpointLocked starts a checkpoint: it seals the current log segment
// and writes the state as of c.lastSeq, then removes the sealed segments.
// With wait the file is written before returning; otherwise in the
// background.
//
// Preconditions: c.wmu is held, and c.mu for writing.
func (db *DB) checkpointLocked(c *collection, wait bool) error {
	if c.log == nil || c.checkpointing {
		return nil
	}
	pts := c.snapshotPoints()
	seq := c.lastSeq
	if err := c.log.rotate(seq + 1); err != nil {
		return fmt.Errorf("rotate log: %w", err)
	}
	c.ckptSeq = seq
	c.log.sinceCkpt = 0
	c.checkpointing = true
	dir, wdir, current := c.dir, c.log.dir, c.log.name
	run := func() error {
		err := writeCheckpoint(db.fs, filepath.Join(dir, checkpointFile), seq, pts)
		if err == nil {
			names, _, lerr := listSegments(db.fs, wdir)
			if lerr == nil {
				for _, n := range names {
					if n != current {
						if rerr := db.fs.Remove(n); rerr != nil {
							db.log.Warn("vectordb: remove sealed log segment", "segment", n, "err", rerr)
						}
					}
				}
			}
		}
		return err
	}
	if wait {
		err := run()
		c.checkpointing = false
		return err
	}
	db.bg.Add(1)
	c.ckptWG.Add(1)
	go func() {
		defer db.bg.Done()
		defer c.ckptWG.Done()
		err := run()
		c.mu.Lock()
		c.checkpointing = false
		dropped := c.dropped
		c.mu.Unlock()
		if err != nil && !dropped {
			db.log.Warn("vectordb: checkpoint failed; the log is kept", "collection", c.name, "err", err)
		}
	}()
	return nil
}

// fileExists reports whether path can be stat'ed.
func fileExists(fs vfs, path string) bool {
	_, err := fs.Stat(path)
	return err == nil
}
