package vectordb

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Snapshot files are tar archives holding, in this order:
//
//	+-----------------+---------------------------------------------------+
//	| entry           | content                                           |
//	+-----------------+---------------------------------------------------+
//	| snapshot.json   | snapshotManifest: format, collection, last_seq,   |
//	|                 | and the SHA-256 and size of the two files below   |
//	| meta.json       | the collection's meta.json (config, indexes)      |
//	| checkpoint.dat  | a checkpoint file of all points (record framing)  |
//	+-----------------+---------------------------------------------------+
//
// Next to each <name>.snapshot a <name>.snapshot.checksum file holds the
// hex SHA-256 of the whole archive, as Qdrant writes it.
const (
	snapshotExt        = ".snapshot"
	checksumExt        = ".checksum"
	snapshotFormat     = "nexus-vectordb-snapshot"
	manifestEntry      = "snapshot.json"
	maxSnapshotMeta    = 16 << 20
	defaultMaxSnapshot = 4 << 30 // bytes of checkpoint data accepted on recovery
	snapshotTimeLayout = "2006-01-02-15-04-05"
)

type snapshotManifest struct {
	Format     string            `json:"format"`
	Version    int               `json:"version"`
	Collection string            `json:"collection"`
	LastSeq    uint64            `json:"last_seq"`
	Points     int               `json:"points"`
	Files      map[string]string `json:"files"` // entry -> hex SHA-256
}

func (db *DB) snapshotDir(coll string) string {
	return filepath.Join(db.dir, snapshotsDir, coll)
}

// CreateSnapshot writes a snapshot file of the collection (name may be an
// alias; the snapshot belongs to the collection) under
// <dir>/snapshots/<collection>/. The collection stays readable and
// writable while the file is written: its state is captured first.
func (db *DB) CreateSnapshot(ctx context.Context, coll string) (SnapshotDescription, error) {
	c, unlock, err := db.readCollection(ctx, coll)
	if err != nil {
		return SnapshotDescription{}, err
	}
	pts := c.snapshotPoints()
	meta := c.meta()
	lastSeq := c.lastSeq
	name := c.name
	unlock()

	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	a, err := db.newSnapArchive(db.snapshotDir(name), name+"-", "snapshot "+name)
	if err != nil {
		return SnapshotDescription{}, err
	}

	// The points go to a temporary file first: tar needs their size up
	// front, and a large collection should not be buffered in memory.
	ptsPath := a.path + ".points.tmp"
	defer db.fs.Remove(ptsPath)
	pf, err := db.fs.OpenFile(ptsPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		a.abort()
		return SnapshotDescription{}, internalError(err, "snapshot %s: create temporary file", name)
	}
	defer pf.Close()
	ph := sha256.New()
	pcw := &countingWriter{w: io.MultiWriter(pf, ph)}
	if err := writeCheckpointTo(pcw, lastSeq, pts); err != nil {
		a.abort()
		return SnapshotDescription{}, internalError(err, "snapshot %s: write points", name)
	}
	if _, err := pf.Seek(0, io.SeekStart); err != nil {
		a.abort()
		return SnapshotDescription{}, internalError(err, "snapshot %s: rewind points", name)
	}
	metaJSON, err := json.MarshalIndent(meta, "", " ")
	if err != nil {
		a.abort()
		return SnapshotDescription{}, internalError(err, "snapshot %s: encode metadata", name)
	}
	man := snapshotManifest{Format: snapshotFormat, Version: 1, Collection: name, LastSeq: lastSeq, Points: len(pts),
		Files: map[string]string{metaFile: sha256Hex(metaJSON), checkpointFile: hex.EncodeToString(ph.Sum(nil))}}
	manJSON, _ := json.MarshalIndent(man, "", " ")

	err = a.entry(manifestEntry, int64(len(manJSON)), bytes.NewReader(manJSON))
	if err == nil {
		err = a.entry(metaFile, int64(len(metaJSON)), bytes.NewReader(metaJSON))
	}
	if err == nil {
		err = a.entry(checkpointFile, pcw.n, io.LimitReader(pf, pcw.n))
	}
	return a.commit(err)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ListSnapshots lists a collection's snapshots, newest first.
func (db *DB) ListSnapshots(coll string) ([]SnapshotDescription, error) {
	c, err := db.collection(coll)
	if err != nil {
		return nil, err
	}
	return db.listSnapshotDir(db.snapshotDir(c.name), c.name)
}

// listSnapshotDir lists the snapshot files of dir, newest first.
func (db *DB) listSnapshotDir(dir, what string) ([]SnapshotDescription, error) {
	ents, err := db.fs.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []SnapshotDescription{}, nil
	}
	if err != nil {
		return nil, internalError(err, "list snapshots of %s", what)
	}
	out := []SnapshotDescription{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), snapshotExt) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		d := SnapshotDescription{Name: e.Name(), CreationTime: info.ModTime().UTC(), Size: info.Size()}
		if sum, err := readFile(db.fs, filepath.Join(dir, e.Name()+checksumExt), 128); err == nil {
			d.Checksum = strings.TrimSpace(string(sum))
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreationTime.Equal(out[j].CreationTime) {
			return out[i].CreationTime.After(out[j].CreationTime)
		}
		return out[i].Name > out[j].Name
	})
	return out, nil
}

func validSnapshotName(name string) error {
	if name == "" || strings.ContainsAny(name, "/\\\x00") || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, snapshotExt) {
		return BadInput("invalid snapshot name %q", name)
	}
	return nil
}

// SnapshotPath returns the file of one snapshot, for download.
func (db *DB) SnapshotPath(coll, name string) (string, error) {
	c, err := db.collection(coll)
	if err != nil {
		return "", err
	}
	if err := validSnapshotName(name); err != nil {
		return "", err
	}
	p := filepath.Join(db.snapshotDir(c.name), name)
	if _, err := db.fs.Stat(p); err != nil {
		return "", NotFound("Snapshot %s not found", name)
	}
	return p, nil
}

// DeleteSnapshot deletes one snapshot file (and its checksum file).
func (db *DB) DeleteSnapshot(coll, name string) error {
	p, err := db.SnapshotPath(coll, name)
	if err != nil {
		return err
	}
	if err := db.fs.Remove(p); err != nil {
		return internalError(err, "delete snapshot %s", name)
	}
	db.fs.Remove(p + checksumExt)
	return nil
}

// readSnapshot reads and validates a snapshot archive: only the three
// known regular entries, bounded sizes, matching checksums, a config that
// validates and points that fit it.
func readSnapshot(r io.Reader, maxPoints int64) (*snapshotManifest, *collMeta, []ckptPoint, error) {
	tr := tar.NewReader(r)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, BadInput("snapshot is not a valid tar archive: %v", err)
		}
		limit := int64(maxSnapshotMeta)
		switch hdr.Name {
		case manifestEntry, metaFile:
		case checkpointFile:
			limit = maxPoints
		default:
			return nil, nil, nil, BadInput("snapshot has an unexpected entry %q", hdr.Name)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, nil, nil, BadInput("snapshot entry %q is not a regular file", hdr.Name)
		}
		if _, dup := files[hdr.Name]; dup {
			return nil, nil, nil, BadInput("snapshot entry %q is repeated", hdr.Name)
		}
		if hdr.Size < 0 || hdr.Size > limit {
			return nil, nil, nil, &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("Bad request: snapshot entry %q is too large", hdr.Name)}
		}
		data, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil || int64(len(data)) != hdr.Size {
			return nil, nil, nil, BadInput("snapshot entry %q is truncated", hdr.Name)
		}
		files[hdr.Name] = data
	}
	manJSON, ok := files[manifestEntry]
	if !ok {
		return nil, nil, nil, BadInput("snapshot has no %s", manifestEntry)
	}
	var man snapshotManifest
	if err := json.Unmarshal(manJSON, &man); err != nil || man.Format != snapshotFormat || man.Version != 1 {
		return nil, nil, nil, BadInput("snapshot manifest is not a %s version 1", snapshotFormat)
	}
	for _, name := range []string{metaFile, checkpointFile} {
		data, ok := files[name]
		if !ok {
			return nil, nil, nil, BadInput("snapshot has no %s", name)
		}
		if sha256Hex(data) != man.Files[name] {
			return nil, nil, nil, BadInput("snapshot entry %s fails its checksum", name)
		}
	}
	var meta collMeta
	if err := json.Unmarshal(files[metaFile], &meta); err != nil {
		return nil, nil, nil, BadInput("snapshot metadata: %v", err)
	}
	if err := validateConfig(&meta.Config); err != nil {
		return nil, nil, nil, err
	}
	meta.Config = cloneConfig(meta.Config)
	for _, im := range meta.Indexes {
		if _, err := newFieldIndex(im.Field, im.Schema, im.Text); err != nil {
			return nil, nil, nil, err
		}
	}
	pts, lastSeq, err := parseCheckpoint(files[checkpointFile])
	if err != nil {
		return nil, nil, nil, BadInput("snapshot points: %v", err)
	}
	man.LastSeq = max(man.LastSeq, lastSeq)
	seen := make(map[PointID]struct{}, len(pts))
	for i := range pts {
		id, err := canonicalID(pts[i].ID)
		if err != nil || id != pts[i].ID {
			return nil, nil, nil, BadInput("snapshot point id %q is not canonical", pts[i].ID)
		}
		if _, dup := seen[id]; dup {
			return nil, nil, nil, BadInput("snapshot point %s is repeated", id)
		}
		seen[id] = struct{}{}
		vecs, err := prepareVectors(&meta.Config, pts[i].Vectors)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("snapshot point %s: %w", id, err)
		}
		pts[i].Vectors = vecs
		pl, err := normalizePayload(pts[i].Payload)
		if err != nil {
			return nil, nil, nil, err
		}
		pts[i].Payload = pl
	}
	return &man, &meta, pts, nil
}

// RecoverSnapshot replaces (or creates) collection coll with the contents
// of the snapshot file at path. The file is validated completely before
// anything changes; a bad file is a KindBadInput error.
func (db *DB) RecoverSnapshot(ctx context.Context, coll, path string) error {
	if err := validateName("Collection", coll); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return NotFound("Snapshot file %s: %v", filepath.Base(path), err)
	}
	defer f.Close()
	_, meta, pts, err := readSnapshot(&ctxReader{ctx: ctx, r: f}, db.opts.MaxSnapshotBytes)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return errDBClosed()
	}
	if _, isAlias := db.aliases[coll]; isAlias {
		return BadInput("Cannot recover snapshot into `%s`: it is an alias", coll)
	}
	old := db.collections[coll]
	if old != nil {
		// Stop new checkpoints of the old collection, let running ones
		// finish (they need old.mu), then take it for good.
		// Stop new checkpoints of the old collection and let running ones
		// finish (they need its locks), then take it for good.
		old.mu.Lock()
		old.dropped = true
		old.mu.Unlock()
		db.bg.Wait()
		old.wmu.Lock()
		defer old.wmu.Unlock()
		old.mu.Lock()
		defer old.mu.Unlock()
		old.dropped = false
	} else {
		db.bg.Wait()
	}
	var lastSeq uint64
	for i := range pts {
		lastSeq = max(lastSeq, pts[i].Version)
	}
	c, err := db.createCollectionFiles(coll, meta.Config, meta.Indexes, pts, lastSeq, old)
	if err != nil {
		if old != nil {
			if _, serr := db.fs.Stat(old.dir); serr != nil {
				// The old files are gone: so is the collection.
				old.dropped = true
				old.stopIndexers()
				delete(db.collections, coll)
			}
		}
		return err
	}
	if old != nil {
		old.dropped = true
		old.stopIndexers()
	}
	db.collections[coll] = c
	db.watchIndexers(c)
	return nil
}

// ctxReader stops a long read when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
