package memex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"nexusos/access"
	"nexusos/memex/extract"
	"nexusos/memex/facts"
	"nexusos/memex/ocr"
	"nexusos/memex/sparse"
	"nexusos/vectordb"
)

// Progress reports ingest progress; it is passed to the callback after each
// file.
type Progress struct {
	Files      int // files seen so far
	TotalFiles int // files found by the walk
	Bytes      int64
	TotalBytes int64
	Current    string
	Elapsed    time.Duration
}

// Skipped is a file that was not indexed, with the reason.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Summary is the outcome of Add.
type Summary struct {
	Indexed   int       `json:"indexed"`
	Unchanged int       `json:"unchanged"`
	Removed   int       `json:"removed"`
	Skipped   []Skipped `json:"skipped,omitempty"`
	Chunks    int       `json:"chunks"`
	Bytes     int64     `json:"bytes"`
	Elapsed   time.Duration
	// Files read by OCR (images, scanned PDFs), their pages, and the time
	// their extraction took.
	OCRFiles int           `json:"ocr_files,omitempty"`
	OCRPages int           `json:"ocr_pages,omitempty"`
	OCRTime  time.Duration `json:"ocr_time,omitempty"`
}

// OCRPagesPerSecond is the OCR throughput of the run (0 without OCR).
func (s *Summary) OCRPagesPerSecond() float64 {
	if s.OCRPages == 0 || s.OCRTime <= 0 {
		return 0
	}
	return float64(s.OCRPages) / s.OCRTime.Seconds()
}

type candidate struct {
	path, root string
	size       int64
	// within, when set, are the only folders the file may be read from:
	// it is opened through an os.Root of one (access.OpenInside).
	within []string
	// corrections, when not nil, replace the record's own (Correct);
	// force indexes the file even when it is unchanged.
	corrections map[string]string
	force       bool
}

// walk lists the regular files under each path. Hidden directories
// (.git, .obsidian) are skipped; symbolic links to directories are not
// followed, so link loops cannot trap the walk.
//
// With within set, every path must lie inside one of those folders, and
// symbolic links count only while they stay inside (checked here, and
// again when the file is opened, through an os.Root).
func walk(ctx context.Context, paths []string, roots []string, within []string, sum *Summary) ([]candidate, error) {
	var out []candidate
	stat := os.Stat
	if within != nil {
		stat = func(p string) (fs.FileInfo, error) { return access.StatInside(within, p) }
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		st, err := stat(abs)
		if errors.Is(err, access.ErrOutside) {
			sum.Skipped = append(sum.Skipped, Skipped{abs, "outside the allowed folders (or a symbolic link that leads out)"})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", p, err)
		}
		if !st.IsDir() {
			root := filepath.Dir(abs)
			for _, r := range roots { // keep the folder it was first added from
				if strings.HasPrefix(abs, r+string(filepath.Separator)) && len(r) < len(root) {
					root = r
				}
			}
			out = append(out, candidate{path: abs, root: root, size: st.Size(), within: within})
			continue
		}
		err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if err != nil {
				sum.Skipped = append(sum.Skipped, Skipped{path, "unreadable: " + err.Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if d.IsDir() {
				if path != abs && strings.HasPrefix(name, ".") {
					return fs.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(name, ".") {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				st, err := stat(path)
				if errors.Is(err, access.ErrOutside) {
					sum.Skipped = append(sum.Skipped, Skipped{path, "symbolic link leads outside the allowed folders"})
					return nil
				}
				if err != nil {
					sum.Skipped = append(sum.Skipped, Skipped{path, "broken symbolic link"})
					return nil
				}
				if !st.Mode().IsRegular() {
					sum.Skipped = append(sum.Skipped, Skipped{path, "symbolic link to a directory (not followed)"})
					return nil
				}
				out = append(out, candidate{path: path, root: abs, size: st.Size(), within: within})
				return nil
			}
			if !d.Type().IsRegular() {
				sum.Skipped = append(sum.Skipped, Skipped{path, "not a regular file"})
				return nil
			}
			info, err := d.Info()
			if err != nil {
				sum.Skipped = append(sum.Skipped, Skipped{path, "unreadable: " + err.Error()})
				return nil
			}
			out = append(out, candidate{path: path, root: abs, size: info.Size(), within: within})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// batch collects the points of several files so they are written with one
// durable upsert; records are committed only after the points are.
type batch struct {
	points  []vectordb.PointStruct
	records []*FileRecord
	prev    []*FileRecord // the record each file had before, or nil
}

const batchPoints = 256

// Add indexes files and folders recursively. Files whose content hash is
// unchanged are skipped. progress, if not nil, is called after each file.
//
// Crash safety: a file's record is written only after its points are
// durably upserted; point ids are derived from path and chunk number, so a
// re-run after a crash overwrites instead of duplicating, and stale chunks
// of a changed file are deleted before the new ones are written.
func (m *Memex) Add(ctx context.Context, paths []string, progress func(Progress)) (*Summary, error) {
	return m.AddWithin(ctx, nil, paths, progress)
}

// AddWithin is Add for paths that must lie inside the folders within
// (when not nil): a path outside them, or a symbolic link that leads out,
// is skipped with that reason, and each
// file is opened through an os.Root of its folder, so a link swapped
// after the check cannot lead out either. The node API adds this way.
func (m *Memex) AddWithin(ctx context.Context, within []string, paths []string, progress func(Progress)) (*Summary, error) {
	m.addMu.Lock()
	defer m.addMu.Unlock()
	start := time.Now()
	sum := &Summary{}
	cands, err := walk(ctx, paths, m.roots(), within, sum)
	if err != nil {
		return sum, err
	}
	var total int64
	for _, c := range cands {
		total += c.size
	}
	p := Progress{TotalFiles: len(cands), TotalBytes: total}
	xo := m.extractOptions(ctx)
	var b batch
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		p.Files++
		p.Bytes += c.size
		p.Current = c.path
		p.Elapsed = time.Since(start)
		rec, prev, pts, skip, err := m.prepare(c, xo, sum)
		switch {
		case err != nil:
			return sum, err
		case skip != "":
			sum.Skipped = append(sum.Skipped, Skipped{c.path, skip})
		case rec == nil:
			sum.Unchanged++
		default:
			b.points = append(b.points, pts...)
			b.records = append(b.records, rec)
			b.prev = append(b.prev, prev)
			sum.Indexed++
			sum.Chunks += len(pts)
			sum.Bytes += c.size
			if len(b.points) >= batchPoints {
				if err := m.flush(ctx, &b); err != nil {
					return sum, err
				}
			}
		}
		if progress != nil {
			progress(p)
		}
	}
	if err := m.flush(ctx, &b); err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// extractOptions are how files are read for the index: OCR results are
// cached under the state dir by content hash.
func (m *Memex) extractOptions(ctx context.Context) extract.Options {
	return extract.Options{Context: ctx, OCR: &ocr.Engine{CacheDir: filepath.Join(m.opts.Dir, "ocr-cache"), Logger: m.log}}
}

// prepare reads and extracts one file. It returns a nil record for an
// unchanged file and a reason for a skipped one; prev is the file's
// earlier record, if any. OCR work is added to sum.
func (m *Memex) prepare(c candidate, xo extract.Options, sum *Summary) (rec, prev *FileRecord, pts []vectordb.PointStruct, skip string, err error) {
	if c.size > m.opts.MaxFileBytes {
		return nil, nil, nil, fmt.Sprintf("too large (%d bytes > limit %d)", c.size, m.opts.MaxFileBytes), nil
	}
	open := os.Open
	if c.within != nil {
		open = func(p string) (*os.File, error) { return access.OpenInside(c.within, p) }
	}
	f, err := open(c.path)
	if errors.Is(err, access.ErrOutside) {
		return nil, nil, nil, "leads outside the allowed folders", nil
	}
	if err != nil {
		return nil, nil, nil, "unreadable: " + err.Error(), nil
	}
	data, err := io.ReadAll(io.LimitReader(f, m.opts.MaxFileBytes+1))
	f.Close()
	if err != nil {
		return nil, nil, nil, "unreadable: " + err.Error(), nil
	}
	if int64(len(data)) > m.opts.MaxFileBytes {
		return nil, nil, nil, "too large (grew while reading)", nil
	}
	digest := sha256.Sum256(data)
	hash := hex.EncodeToString(digest[:])
	if old, ok := m.File(c.path); ok {
		if old.Hash == hash && old.Indexer == m.indexer() && !c.force {
			return nil, nil, nil, "", nil
		}
		prev = old
	}
	start := time.Now()
	doc, err := extract.FileWith(c.path, data, xo)
	if err == nil && doc.OCRPages > 0 {
		sum.OCRFiles++
		sum.OCRPages += doc.OCRPages
		sum.OCRTime += time.Since(start)
	}
	if err != nil {
		if extract.IsSkip(err) {
			return nil, nil, nil, err.Error(), nil
		}
		return nil, nil, nil, "cannot extract: " + err.Error(), nil
	}
	rel, err := filepath.Rel(c.root, c.path)
	if err != nil {
		rel = filepath.Base(c.path)
	}
	corr := c.corrections
	if corr == nil && prev != nil {
		corr = prev.Corrections
	}
	rec, pts = m.build(c.path, c.root, rel, hash, int64(len(data)), doc, corr)
	return rec, prev, pts, "", nil
}

func kindHint(doc *extract.Doc) string {
	switch doc.Format {
	case "markdown":
		return facts.KindNote
	case "email":
		return facts.KindEmail
	}
	return ""
}

// build turns an extracted document into its file record and chunk
// points; corr are the user's corrections of its facts (Correct).
func (m *Memex) build(path, root, rel, hash string, size int64, doc *extract.Doc, corr map[string]string) (*FileRecord, []vectordb.PointStruct) {
	f := facts.Extract(doc.Text, facts.Hints{Title: doc.Title, From: doc.From, Date: doc.Date, Kind: kindHint(doc), Lines: doc.Lines})
	applyCorrections(&f, corr)
	base := Payload{
		"path": path, "rel": rel, "root": root, "format": doc.Format, "kind": f.Kind, "title": f.Title, "hash": hash,
	}
	set := func(k string, v any) {
		if v != nil && v != "" {
			base[k] = v
		}
	}
	set("party", f.Party)
	set("party_key", f.PartyKey)
	set("status", f.Status)
	set("invoice_number", f.InvoiceNumber)
	set("currency", f.Currency)
	set("issue_date", dateString(f.IssueDate))
	set("due_date", dateString(f.DueDate))
	set("paid_date", dateString(f.PaidDate))
	if f.Total != nil {
		base["total"] = f.Total.Value
	}
	if f.BalanceDue != nil {
		base["balance_due"] = f.BalanceDue.Value
	}
	if len(doc.Tags) > 0 {
		base["tags"] = toAny(doc.Tags)
	}
	if len(doc.Links) > 0 {
		base["links"] = toAny(doc.Links)
	}
	set("from", doc.From)
	set("subject", doc.Subject)
	for k, v := range lookupFields(doc, f.InvoiceNumber) {
		set(k, v)
	}
	addr, _ := base["from_addr"].(string)
	partyID := m.resolveParty(partyInputOf(f.Party, doc.From, addr))
	set("party_id", partyID)
	chunks := Chunk(doc)
	pts := make([]vectordb.PointStruct, 0, len(chunks))
	for i, ch := range chunks {
		pl := make(Payload, len(base)+5)
		for k, v := range base {
			pl[k] = v
		}
		pl["chunk"] = float64(i)
		pl["first"] = i == 0
		pl["text"] = ch.Text
		if ch.Heading != "" {
			pl["heading"] = ch.Heading
		}
		embedText := f.Title + "\n" + ch.Heading + "\n" + ch.Text
		dense := m.emb.Embed(embedText)
		nv := vectordb.NamedVectors{}
		if nonZero(dense) {
			nv[DenseVector] = vectordb.Vector{Dense: dense}
		}
		if sp := sparse.Document(embedText); len(sp.Indices) > 0 {
			nv[SparseVector] = vectordb.Vector{Sparse: &sp}
		}
		pts = append(pts, vectordb.PointStruct{ID: pointID(path, i), Vectors: nv, Payload: pl})
	}
	factsPayload := Payload{}
	for k, v := range base {
		if k != "path" && k != "rel" && k != "root" && k != "hash" {
			factsPayload[k] = v
		}
	}
	// Reading aids kept with the record only, not in every chunk.
	if f.Language != "" {
		factsPayload["language"] = f.Language
	}
	if f.DateAmbiguous {
		factsPayload["date_ambiguous"] = true
	}
	rec := &FileRecord{Path: path, Root: root, Rel: rel, Hash: hash, Size: size, Format: doc.Format, Kind: f.Kind, Title: f.Title,
		Party: f.Party, PartyKey: f.PartyKey, PartyID: partyID, Status: f.Status, Chunks: len(pts), Tags: doc.Tags, Links: doc.Links,
		IndexedAt: time.Now().UTC(), Facts: factsPayload, Sources: compactSources(f.Sources)}
	if len(corr) > 0 {
		rec.Corrections = maps.Clone(corr)
	}
	if len(chunks) > 0 {
		rec.Snippet = cutRunes(chunks[0].Text, 300)
	}
	rec.Indexer = m.indexer()
	return rec, pts
}

// compactSources keeps the provenance of the facts that were found, with
// confidences rounded to two decimals and labels cut to 60 bytes, so a
// record stays small.
func compactSources(src map[string]facts.Source) map[string]facts.Source {
	if len(src) == 0 {
		return nil
	}
	out := make(map[string]facts.Source, len(src))
	for k, s := range src {
		s.Confidence = math.Round(s.Confidence*100) / 100
		if len(s.Label) > 60 {
			s.Label = strings.ToValidUTF8(s.Label[:60], "")
		}
		out[k] = s
	}
	return out
}

func nonZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func pathFilter(path string) *vectordb.Filter {
	return &vectordb.Filter{Must: []vectordb.Condition{{Field: &vectordb.FieldCondition{Key: "path", Match: &vectordb.Match{Value: path}}}}}
}

// flush writes a batch: stale chunks of re-indexed files are deleted, the
// new points upserted durably, then the records committed.
func (m *Memex) flush(ctx context.Context, b *batch) error {
	if len(b.records) == 0 {
		return nil
	}
	for i, r := range b.records {
		if old := b.prev[i]; old != nil && old.Chunks > r.Chunks {
			var ids []vectordb.PointID
			for i := r.Chunks; i < old.Chunks; i++ {
				ids = append(ids, pointID(r.Path, i))
			}
			if _, err := m.db.Delete(ctx, m.coll, vectordb.PointsSelector{IDs: ids}, true); err != nil {
				return fmt.Errorf("delete stale chunks of %s: %w", r.Path, err)
			}
		} else if old == nil {
			// A crash may have left points of an unrecorded earlier run.
			if _, err := m.db.Delete(ctx, m.coll, vectordb.PointsSelector{Filter: pathFilter(r.Path)}, true); err != nil {
				return fmt.Errorf("clear %s: %w", r.Path, err)
			}
		}
	}
	if len(b.points) > 0 {
		if _, err := m.db.Upsert(ctx, m.coll, b.points, true); err != nil {
			return fmt.Errorf("store chunks: %w", err)
		}
	}
	if err := m.putRecords(b.records, b.prev); err != nil {
		return err
	}
	b.points, b.records, b.prev = b.points[:0], b.records[:0], b.prev[:0]
	return nil
}

// putRecords commits the records of indexed files; prev holds each file's
// earlier record (or nil), whose party stops counting.
func (m *Memex) putRecords(recs, prev []*FileRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range recs {
		if prev[i] != nil {
			m.reg.count(prev[i].PartyID, recordParty(prev[i]), -1)
		}
		m.reg.count(r.PartyID, recordParty(r), 1)
	}
	m.reg.prune()
	if err := m.writeRecords(recs); err != nil {
		return fmt.Errorf("record indexed files: %w", err)
	}
	m.cat.put(recs)
	return nil
}

// indexer names what indexes files: the embedder and the version of the
// fact rules.
func (m *Memex) indexer() string { return m.emb.Name() + "+facts-" + facts.Version }

// writeRecords stores file records and the party registry in one
// transaction. m.mu is held.
func (m *Memex) writeRecords(recs []*FileRecord) error {
	return m.state.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketFiles)
		for _, r := range recs {
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := bk.Put([]byte(r.Path), v); err != nil {
				return err
			}
		}
		if err := m.reg.save(tx); err != nil {
			return fmt.Errorf("save party registry: %w", err)
		}
		return nil
	})
}

// ErrNotIndexed is returned by Remove for a path MemexFS does not know.
var ErrNotIndexed = errors.New("memex: path is not indexed")

// Remove drops a file, or every indexed file under a folder, from the
// index. It returns how many files were removed.
func (m *Memex) Remove(ctx context.Context, path string) (int, error) {
	m.addMu.Lock()
	defer m.addMu.Unlock()
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	var victims []FileRecord
	m.forEachRecord(func(r *FileRecord) {
		if r.Path == abs || strings.HasPrefix(r.Path, abs+string(filepath.Separator)) {
			victims = append(victims, *r)
		}
	})
	if len(victims) == 0 {
		return 0, fmt.Errorf("%w: %s", ErrNotIndexed, path)
	}
	colls := []string{m.coll}
	if a := m.AnswerCollection(); a != m.coll {
		colls = append(colls, a) // answering during a re-embed
	}
	for _, r := range victims {
		for _, c := range colls {
			if _, err := m.db.Delete(ctx, c, vectordb.PointsSelector{Filter: pathFilter(r.Path)}, true); err != nil {
				return 0, fmt.Errorf("remove %s: %w", r.Path, err)
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range victims {
		m.reg.count(victims[i].PartyID, recordParty(&victims[i]), -1)
	}
	m.reg.prune()
	err = m.state.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketFiles)
		for _, r := range victims {
			if err := bk.Delete([]byte(r.Path)); err != nil {
				return err
			}
		}
		if err := m.reg.save(tx); err != nil {
			return fmt.Errorf("save party registry: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("forget removed files: %w", err)
	}
	gone := make([]string, len(victims))
	for i := range victims {
		gone[i] = victims[i].Path
	}
	m.cat.remove(gone)
	return len(victims), nil
}

// roots returns the folders files were added from.
func (m *Memex) roots() []string {
	seen := map[string]bool{}
	var out []string
	m.forEachRecord(func(r *FileRecord) {
		if !seen[r.Root] {
			seen[r.Root] = true
			out = append(out, r.Root)
		}
	})
	return out
}
