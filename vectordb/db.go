package vectordb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure Open.
type Options struct {
	// MaxPointsPerUpsert bounds one update request (0: 100000).
	MaxPointsPerUpsert int

	// CheckpointBytes is how many bytes of write-ahead log a collection
	// accumulates before its state is checkpointed and the log truncated
	// (0: 64 MiB; negative: only on Close).
	CheckpointBytes int64

	// MaxSnapshotBytes bounds the point data RecoverSnapshot accepts (it is
	// held in memory while validated; 0: 4 GiB).
	MaxSnapshotBytes int64

	// Logger receives warnings and recovery messages (nil: slog.Default()).
	Logger *slog.Logger

	fs vfs // nil: the OS file system; tests inject faults here
}

// DB is an open vector database rooted at a directory.
type DB struct {
	dir  string
	opts Options
	fs   vfs
	log  *slog.Logger

	flats *flatStore // the dense vectors' storage; released by Close

	// mu guards the maps below and closed. Lock order: db.mu, then a
	// collection's wmu, then its mu.
	mu          sync.RWMutex
	collections map[string]*collection
	aliases     map[string]string // alias -> collection
	closed      bool

	bg      jobs          // background checkpoints and payload-link builds
	closing chan struct{} // closed by Close: background work stops

	snapMu sync.Mutex // serialises CreateSnapshot, so names stay unique

	lock *os.File // holds the directory lock; nil with a test vfs
}

const (
	collectionsDir = "collections"
	snapshotsDir   = "snapshots"
	aliasesFile    = "aliases.json"
	metaFile       = "meta.json"
	checkpointFile = "checkpoint.dat"
	walDir         = "wal"
	deletedPrefix  = ".deleted-"
	creatingPrefix = ".creating-"
	maxMetaSize    = 16 << 20
	maxNameLen     = 255
)

// Open opens (creating if needed) the database in dir: it loads every
// collection's checkpoint and replays its write-ahead log.
//
// # Errors
//
// Open fails when a file cannot be read, when a checkpoint or metadata file
// is damaged, or when a log is damaged before its last record (the error
// wraps ErrCorruptWAL). A damaged last record is a write that was never
// acknowledged; it is dropped with a warning.
func Open(dir string, opts Options) (*DB, error) {
	if opts.MaxPointsPerUpsert <= 0 {
		opts.MaxPointsPerUpsert = 100000
	}
	if opts.MaxSnapshotBytes <= 0 {
		opts.MaxSnapshotBytes = defaultMaxSnapshot
	}
	if opts.CheckpointBytes == 0 {
		opts.CheckpointBytes = 64 << 20
	}
	db := &DB{dir: dir, opts: opts, fs: opts.fs, log: opts.Logger, closing: make(chan struct{}),
		collections: map[string]*collection{}, aliases: map[string]string{}}
	if db.fs == nil {
		db.fs = osFS{}
		db.flats = &flatStore{dir: dir} // on_disk vectors mapped from files
	}
	if db.log == nil {
		db.log = slog.Default()
	}
	if db.flats != nil {
		db.flats.log = db.log
	}
	if err := db.fs.MkdirAll(filepath.Join(dir, collectionsDir), 0o755); err != nil {
		return nil, fmt.Errorf("open vectordb %s: %w", dir, err)
	}
	if _, real := db.fs.(osFS); real {
		l, err := lockDir(dir)
		if err != nil {
			return nil, err
		}
		db.lock = l
	}
	if err := db.load(); err != nil {
		db.closeCollections()
		db.flats.release()
		db.unlock()
		return nil, err
	}
	for _, c := range db.collections {
		db.payloadLinksLater(c)
	}
	return db, nil
}

func (db *DB) load() error {
	cdir := filepath.Join(db.dir, collectionsDir)
	ents, err := db.fs.ReadDir(cdir)
	if err != nil {
		return fmt.Errorf("list collections in %s: %w", cdir, err)
	}
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() {
			continue
		}
		if strings.HasPrefix(name, deletedPrefix) || strings.HasPrefix(name, creatingPrefix) {
			if err := db.fs.RemoveAll(filepath.Join(cdir, name)); err != nil {
				db.log.Warn("vectordb: remove leftover directory", "dir", name, "err", err)
			}
			continue
		}
		c, err := db.loadCollection(name, filepath.Join(cdir, name))
		if err != nil {
			return fmt.Errorf("load collection %s: %w", name, err)
		}
		db.collections[name] = c
		db.watchIndexers(c)
	}
	data, err := readFile(db.fs, filepath.Join(db.dir, aliasesFile), maxMetaSize)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read aliases: %w", err)
	default:
		if err := json.Unmarshal(data, &db.aliases); err != nil {
			return fmt.Errorf("parse %s: %w", aliasesFile, err)
		}
		for a, c := range db.aliases {
			if _, ok := db.collections[c]; !ok {
				delete(db.aliases, a)
			}
		}
	}
	return nil
}

// Close checkpoints every collection, so the next Open replays nothing,
// and closes the logs. Calls after Close fail.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	close(db.closing)
	db.mu.Unlock()
	db.bg.Wait()
	var errs []error
	db.mu.RLock()
	for _, c := range db.collections {
		c.wmu.Lock()
		c.mu.Lock()
		if c.log != nil && c.broken == nil && c.log.sinceCkpt > 0 {
			if err := db.checkpointLocked(c, true); err != nil {
				errs = append(errs, fmt.Errorf("checkpoint %s: %w", c.name, err))
			}
		}
		if c.log != nil && c.broken == nil {
			c.stopIndexers()
			db.saveDenseFiles(c)
		}
		c.mu.Unlock()
		c.wmu.Unlock()
	}
	db.mu.RUnlock()
	db.bg.Wait()
	db.closeCollections()
	db.releaseFlats()
	db.unlock()
	return errors.Join(errs...)
}

// releaseFlats unmaps the on_disk vectors (mapped.go) once the indexers
// and background jobs have stopped; every collection is marked dropped
// first, under its lock, so a read that resolved one before Close ends
// finds it gone instead of reading unmapped vectors.
func (db *DB) releaseFlats() {
	db.mu.RLock()
	for _, c := range db.collections {
		c.mu.Lock()
		c.dropped = true
		c.mu.Unlock()
	}
	db.mu.RUnlock()
	if err := db.flats.release(); err != nil {
		db.log.Warn("vectordb: unmap on_disk vectors", "err", err)
	}
}

func (db *DB) unlock() {
	if db.lock != nil {
		db.lock.Close() // closing the descriptor releases the flock
		db.lock = nil
	}
}

func (db *DB) closeCollections() {
	for _, c := range db.collections {
		c.stopIndexers()
		c.wmu.Lock()
		if c.log != nil {
			c.log.close()
		}
		c.wmu.Unlock()
	}
}

func errDBClosed() error {
	return &Error{Kind: KindUnavailable, Msg: "Service unavailable: database is closed", Err: ErrClosed}
}

// validateName checks a collection or alias name: it becomes a directory
// name, so it must not be able to escape the data directory.
func validateName(what, name string) error {
	switch {
	case name == "":
		return BadInput("%s name must not be empty", what)
	case len(name) > maxNameLen:
		return BadInput("%s name must be at most %d bytes", what, maxNameLen)
	case name == "." || name == ".." || strings.HasPrefix(name, "."):
		return BadInput("%s name must not start with a dot: %q", what, name)
	case strings.ContainsAny(name, "/\\\x00"):
		return BadInput("%s name must not contain / \\ or NUL: %q", what, name)
	}
	return nil
}

func validateConfig(cfg *CollectionConfig) error {
	for name, p := range cfg.Vectors {
		if p.Size < 1 || p.Size > 65536 {
			return BadInput("Vector %q: size must be between 1 and 65536, got %d", name, p.Size)
		}
		switch p.Distance {
		case Cosine, Dot, Euclid, Manhattan:
		default:
			return BadInput("Vector %q: unknown distance %q", name, p.Distance)
		}
		if p.HNSW != nil {
			if err := validateHNSW(p.HNSW); err != nil {
				return err
			}
		}
		switch p.Datatype {
		case "", DatatypeFloat32, DatatypeFloat16, DatatypeUint8, DatatypeTurbo4:
		default:
			return BadInput("Vector %q: unknown datatype %q", name, p.Datatype)
		}
		if m := p.Multivector; m != nil && m.Comparator != "max_sim" {
			return BadInput("Vector %q: unknown multivector comparator %q", name, m.Comparator)
		}
	}
	for name, p := range cfg.SparseVectors {
		if name == "" {
			return BadInput("Sparse vector name cannot be empty")
		}
		if _, dup := cfg.Vectors[name]; dup {
			return BadInput("Dense and sparse vector names must be unique - duplicate found with '%s'", name)
		}
		switch p.Modifier {
		case "", ModifierNone, ModifierIDF:
		default:
			return BadInput("Sparse vector %q: unknown modifier %q", name, p.Modifier)
		}
	}
	if t := cfg.IndexingThreshold; t != nil && *t < 0 {
		return BadInput("indexing_threshold must not be negative")
	}
	return validateHNSW(&cfg.HNSW)
}

func validateHNSW(h *HNSWConfig) error {
	if h.M < 0 || h.M > 512 {
		return BadInput("hnsw_config.m must be between 0 and 512, got %d", h.M)
	}
	if h.EfConstruct < 0 || (h.EfConstruct > 0 && h.EfConstruct < 4) || h.EfConstruct > 4096 {
		return BadInput("hnsw_config.ef_construct must be between 4 and 4096, got %d", h.EfConstruct)
	}
	if h.FullScanThreshold < 0 {
		return BadInput("hnsw_config.full_scan_threshold must be non-negative")
	}
	return nil
}

func cloneConfig(cfg CollectionConfig) CollectionConfig {
	out := cfg
	out.Vectors = make(map[string]VectorParams, len(cfg.Vectors))
	for k, v := range cfg.Vectors {
		if v.HNSW != nil {
			h := *v.HNSW
			v.HNSW = &h
		}
		if v.Multivector != nil {
			m := *v.Multivector
			v.Multivector = &m
		}
		out.Vectors[k] = v
	}
	out.SparseVectors = make(map[string]SparseVectorParams, len(cfg.SparseVectors))
	for k, v := range cfg.SparseVectors {
		if v.Modifier == "" {
			v.Modifier = ModifierNone
		}
		out.SparseVectors[k] = v
	}
	return out
}

// CreateCollection creates a collection. It fails with KindBadInput when the
// name exists (Qdrant answers 400 "Wrong input: Collection `x` already
// exists!") or the config is invalid.
func (db *DB) CreateCollection(ctx context.Context, name string, cfg CollectionConfig) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := validateName("Collection", name); err != nil {
		return err
	}
	if err := validateConfig(&cfg); err != nil {
		return err
	}
	cfg = cloneConfig(cfg)
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return errDBClosed()
	}
	if _, ok := db.collections[name]; ok {
		return errCollectionExists(name)
	}
	if _, ok := db.aliases[name]; ok {
		return BadInput("Collection `%s` already exists! (an alias has this name)", name)
	}
	// A dropped collection of the same name may still be writing a
	// checkpoint into the directory the new one is about to take.
	db.bg.Wait()
	c, err := db.createCollectionFiles(name, cfg, nil, nil, 0, nil)
	if err != nil {
		return err
	}
	db.collections[name] = c
	db.watchIndexers(c)
	return nil
}

// DeleteCollection deletes a collection (by collection name, not alias,
// as Qdrant does) and the aliases pointing to it. It reports whether it
// existed.
func (db *DB) DeleteCollection(ctx context.Context, name string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return false, errDBClosed()
	}
	c, ok := db.collections[name]
	if !ok {
		return false, nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := db.removeCollectionFiles(c); err != nil {
		return false, err
	}
	c.dropped = true
	c.stopIndexers()
	delete(db.collections, name)
	changed := false
	for a, target := range db.aliases {
		if target == name {
			delete(db.aliases, a)
			changed = true
		}
	}
	if changed {
		if err := db.saveAliasesLocked(); err != nil {
			db.log.Warn("vectordb: save aliases after delete", "collection", name, "err", err)
		}
	}
	return true, nil
}

// Collections lists collection names, sorted.
func (db *DB) Collections() []string {
	db.mu.RLock()
	defer db.mu.RUnlock()
	out := make([]string, 0, len(db.collections))
	for n := range db.collections {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// CollectionExists reports whether name is a collection or an alias. It
// takes a context and returns an error, as a remote store's does (see
// vectordb/remote); the embedded engine fails only when ctx is done or the
// database is closed.
func (db *DB) CollectionExists(ctx context.Context, name string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return false, errDBClosed()
	}
	if _, ok := db.collections[name]; ok {
		return true, nil
	}
	_, ok := db.aliases[name]
	return ok, nil
}

// collection resolves a collection name or alias.
func (db *DB) collection(name string) (*collection, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return nil, errDBClosed()
	}
	if c, ok := db.collections[name]; ok {
		return c, nil
	}
	if target, ok := db.aliases[name]; ok {
		if c, ok := db.collections[target]; ok {
			return c, nil
		}
	}
	return nil, errCollectionNotFound(name)
}

// readCollection resolves name and read-locks it; call the returned
// function to unlock.
func (db *DB) readCollection(ctx context.Context, name string) (*collection, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	c, err := db.collection(name)
	if err != nil {
		return nil, nil, err
	}
	c.mu.RLock()
	if c.dropped {
		c.mu.RUnlock()
		return nil, nil, errCollectionNotFound(name)
	}
	return c, c.mu.RUnlock, nil
}

// CollectionInfo describes a collection (name may be an alias).
func (db *DB) CollectionInfo(ctx context.Context, name string) (CollectionInfo, error) {
	c, unlock, err := db.readCollection(ctx, name)
	if err != nil {
		return CollectionInfo{}, err
	}
	defer unlock()
	info := CollectionInfo{
		Status:          "green",
		OptimizerStatus: "ok",
		PointsCount:     len(c.points),
		SegmentsCount:   1,
		LastOperationID: c.lastSeq,
		Config:          cloneConfig(c.cfg),
		PayloadSchema:   map[string]PayloadIndexInfo{},
	}
	for n, d := range c.dense {
		info.IndexedVectorsCount += d.indexedCount()
		if q := d.quantCount(); q > 0 {
			if info.QuantizedVectors == nil {
				info.QuantizedVectors = map[string]int{}
			}
			info.QuantizedVectors[n] = q
		}
		d.mu.Lock()
		info.PayloadLinksBusy = info.PayloadLinksBusy || d.plinkBusy || d.plinkQueued
		d.mu.Unlock()
		if l := d.payloadLinked(); l > 0 {
			if info.PayloadLinkedVectors == nil {
				info.PayloadLinkedVectors = map[string]int{}
			}
			info.PayloadLinkedVectors[n] = l
		}
		if m := d.mappedStorage(); m != (MappedStorage{}) {
			if info.Mapped == nil {
				info.Mapped = map[string]MappedStorage{}
			}
			info.Mapped[n] = m
		}
	}
	for k, fi := range c.fields {
		info.PayloadSchema[k] = fi.info()
	}
	return info, nil
}

// writeLocked returns a collection with its write lock and state lock
// held, or the error a missing or dropped collection gives; unlock
// releases both.
func (db *DB) writeLocked(name string) (c *collection, unlock func(), err error) {
	if c, err = db.collection(name); err != nil {
		return nil, nil, err
	}
	c.wmu.Lock()
	c.mu.Lock()
	if c.dropped {
		c.mu.Unlock()
		c.wmu.Unlock()
		return nil, nil, errCollectionNotFound(name)
	}
	return c, func() { c.mu.Unlock(); c.wmu.Unlock() }, nil
}

// UpdateCollection changes index parameters of a collection.
func (db *DB) UpdateCollection(ctx context.Context, name string, u CollectionUpdate) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, unlock, err := db.writeLocked(name)
	if err != nil {
		return err
	}
	defer db.payloadLinksLater(c) // after unlock: payload_m may have changed
	defer unlock()
	cfg := cloneConfig(c.cfg)
	if u.HNSW != nil {
		mergeHNSW(&cfg.HNSW, u.HNSW)
	}
	if u.Quantization != nil {
		cfg.Quantization = nullToNil(u.Quantization)
	}
	if u.OnDiskPayload != nil {
		cfg.OnDiskPayload = *u.OnDiskPayload
	}
	if u.PayloadMemory != nil {
		cfg.PayloadMemory = *u.PayloadMemory
	}
	if u.IndexingThreshold != nil {
		if *u.IndexingThreshold < 0 {
			return BadInput("indexing_threshold must not be negative")
		}
		cfg.IndexingThreshold = u.IndexingThreshold
	}
	if u.StrictMode != nil {
		sm, err := mergeStrictMode(cfg.StrictMode, u.StrictMode)
		if err != nil {
			return internalError(err, "merge strict mode config of %s", name)
		}
		cfg.StrictMode = sm
	}
	if u.Metadata != nil {
		md := make(Payload, len(cfg.Metadata)+len(u.Metadata))
		for k, v := range cfg.Metadata {
			md[k] = v
		}
		for k, v := range u.Metadata {
			if v == nil {
				delete(md, k)
			} else {
				md[k] = v
			}
		}
		cfg.Metadata = md
	}
	for vn, d := range u.Vectors {
		p, ok := cfg.Vectors[vn]
		if !ok {
			return BadInput("Not existing vector name error: %s", vn)
		}
		if d.HNSW != nil {
			if p.HNSW == nil {
				p.HNSW = &HNSWConfig{}
			}
			mergeHNSW(p.HNSW, d.HNSW)
		}
		if d.OnDisk != nil {
			p.OnDisk = *d.OnDisk
		}
		if d.Quantization != nil {
			p.Quantization = nullToNil(d.Quantization)
		}
		if d.Memory != nil {
			p.Memory = *d.Memory
		}
		cfg.Vectors[vn] = p
	}
	for vn, sp := range u.SparseVectors {
		if _, ok := cfg.SparseVectors[vn]; !ok {
			return BadInput("Not existing vector name error: %s", vn)
		}
		cur := cfg.SparseVectors[vn]
		if sp.Modifier != nil {
			cur.Modifier = *sp.Modifier
		}
		if sp.IndexOnDisk != nil {
			cur.IndexOnDisk = *sp.IndexOnDisk
		}
		cfg.SparseVectors[vn] = cur
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
	if u.IndexingThreshold != nil {
		for _, d := range c.dense {
			d.setThreshold(cfg.IndexingThreshold)
		}
	}
	for n, d := range c.dense {
		d.setQuantization(c.quantFor(n))
	}
	return nil
}

// mergeStrictMode returns old with the set fields of patch replacing its
// own (maps of per-vector limits are merged by vector name).
func mergeStrictMode(old, patch *StrictModeConfig) (*StrictModeConfig, error) {
	m := map[string]json.RawMessage{}
	if old != nil {
		b, err := json.Marshal(old)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	var pm map[string]json.RawMessage
	if err := json.Unmarshal(b, &pm); err != nil {
		return nil, err
	}
	for k, v := range pm {
		m[k] = v
	}
	out := &StrictModeConfig{}
	b, err = json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	if old != nil {
		for n, v := range old.Multivector {
			if _, ok := patch.Multivector[n]; !ok {
				if out.Multivector == nil {
					out.Multivector = map[string]StrictModeMultivector{}
				}
				out.Multivector[n] = v
			}
		}
		for n, v := range old.Sparse {
			if _, ok := patch.Sparse[n]; !ok {
				if out.Sparse == nil {
					out.Sparse = map[string]StrictModeSparse{}
				}
				out.Sparse[n] = v
			}
		}
	}
	return out, nil
}

// nullToNil returns nil for a JSON null, else raw.
func nullToNil(raw json.RawMessage) json.RawMessage {
	if t := strings.TrimSpace(string(raw)); t == "" || t == "null" {
		return nil
	}
	return raw
}

func mergeHNSW(dst, src *HNSWConfig) {
	dst.InlineStorage = src.InlineStorage || dst.InlineStorage
	if src.Memory != "" {
		dst.Memory = src.Memory
	}
	switch {
	case src.NoGraph:
		dst.M, dst.NoGraph = 0, true
	case src.M != 0:
		dst.M, dst.NoGraph = src.M, false
	}
	if src.PayloadM != nil {
		v := *src.PayloadM
		dst.PayloadM = &v
	}
	if src.EfConstruct != 0 {
		dst.EfConstruct = src.EfConstruct
	}
	if src.FullScanThreshold != 0 {
		dst.FullScanThreshold = src.FullScanThreshold
	}
	dst.OnDisk = src.OnDisk || dst.OnDisk
}

// UpdateAliases applies alias actions atomically: either all apply or none.
func (db *DB) UpdateAliases(ctx context.Context, ops []AliasOp) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return errDBClosed()
	}
	next := make(map[string]string, len(db.aliases))
	for k, v := range db.aliases {
		next[k] = v
	}
	for _, op := range ops {
		switch {
		case op.Create != nil:
			a := op.Create
			if err := validateName("Alias", a.Alias); err != nil {
				return err
			}
			if _, ok := db.collections[a.Collection]; !ok {
				return errCollectionNotFound(a.Collection)
			}
			if _, ok := db.collections[a.Alias]; ok {
				return &Error{Kind: KindConflict, Msg: fmt.Sprintf("Wrong input: Collection `%s` already exists!", a.Alias)}
			}
			next[a.Alias] = a.Collection
		case op.Delete != nil:
			if _, ok := next[*op.Delete]; !ok {
				return NotFound("Alias %s does not exists!", *op.Delete)
			}
			delete(next, *op.Delete)
		case op.Rename != nil:
			target, ok := next[op.Rename.Old]
			if !ok {
				return NotFound("Alias %s does not exists!", op.Rename.Old)
			}
			if err := validateName("Alias", op.Rename.New); err != nil {
				return err
			}
			if _, ok := db.collections[op.Rename.New]; ok {
				return BadInput("Alias `%s` conflicts with a collection of the same name", op.Rename.New)
			}
			delete(next, op.Rename.Old)
			next[op.Rename.New] = target
		default:
			return BadInput("alias action must be create_alias, delete_alias or rename_alias")
		}
	}
	old := db.aliases
	db.aliases = next
	if err := db.saveAliasesLocked(); err != nil {
		db.aliases = old
		return internalError(err, "save aliases")
	}
	return nil
}

// Aliases lists all aliases sorted by alias name, or those of one
// collection when collection is non-empty.
func (db *DB) Aliases(collection string) ([]Alias, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return nil, errDBClosed()
	}
	if collection != "" {
		if _, ok := db.collections[collection]; !ok {
			return nil, errCollectionNotFound(collection)
		}
	}
	out := []Alias{}
	for a, c := range db.aliases {
		if collection == "" || c == collection {
			out = append(out, Alias{Alias: a, Collection: c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out, nil
}

// Preconditions: db.mu is held for writing.
func (db *DB) saveAliasesLocked() error {
	data, err := json.Marshal(db.aliases)
	if err != nil {
		return err
	}
	return writeFileAtomic(db.fs, filepath.Join(db.dir, aliasesFile), data)
}

// now is replaced in tests.
var now = time.Now
