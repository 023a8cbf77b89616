// Package memex is MemexFS's engine: it ingests files into a Qdrant-model
// collection (one point per chunk, with a dense GloVe-SIF vector, a BM25
// sparse vector and the document's facts as payload) and answers questions
// by meaning and context: the question's dates, status, kinds, parties and
// amounts become a payload filter; set questions are answered from an
// in-memory catalog of every file's facts (catalog.go), the rest by dense
// and sparse candidates from the store ranked by one score with a
// relevance cutoff (rank.go).
//
// A Memex is safe for concurrent use; Add calls are serialised.
package memex

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"nexusos/memex/embed"
	"nexusos/memex/facts"
	"nexusos/vectordb"
)

// DefaultCollection is the collection MemexFS stores chunks in.
const DefaultCollection = "memex"

// Vector names in the collection.
const (
	DenseVector  = "dense"
	SparseVector = "bm25"
)

// Options configure Open.
type Options struct {
	// Dir holds MemexFS's own state (the file table).
	Dir string
	// DB is the vector store: the embedded engine or a remote Qdrant.
	DB Store
	// Embedder makes dense vectors; nil means the built-in GloVe-SIF.
	Embedder embed.Embedder
	// Collection defaults to DefaultCollection.
	Collection string
	// Answer, when set to another collection than Collection, answers
	// questions (Query, Summarize, the knowledge graph) with that
	// embedder and collection while Embedder re-embeds the index into
	// Collection, until AnswerWithIndexer switches. Files are still
	// indexed by Embedder only; files removed from the index are removed
	// from both collections.
	Answer *Answering
	// MaxFileBytes skips larger files (default 64 MiB).
	MaxFileBytes int64
	Logger       *slog.Logger
}

// Memex is an open MemexFS index.
type Memex struct {
	opts  Options
	db    Store
	emb   embed.Embedder
	coll  string
	state *bolt.DB
	log   *slog.Logger

	addMu sync.Mutex // serialises Add, Remove and watch updates

	// ans is what questions are answered with (see Options.Answer).
	ans atomic.Pointer[view]

	mu  sync.RWMutex
	reg *registry // the party registry; guarded by mu
	cat *catalog  // every file's facts, for set questions
}

var (
	bucketFiles = []byte("files")
)

// Store is the Qdrant-model vector store MemexFS writes to and queries. The
// embedded engine (*vectordb.DB) implements it, and so does the remote
// Qdrant client (*remote.Client, package vectordb/remote), so the same
// requests go to either. Every method takes a context and returns errors:
// a remote store's network errors are reported, never taken as answers.
type Store interface {
	CollectionExists(ctx context.Context, name string) (bool, error)
	CollectionInfo(ctx context.Context, name string) (vectordb.CollectionInfo, error)
	CreateCollection(ctx context.Context, name string, cfg vectordb.CollectionConfig) error
	CreateFieldIndex(ctx context.Context, coll, field string, schema vectordb.PayloadSchemaType, text *vectordb.TextIndexParams, wait bool) (vectordb.UpdateResult, error)
	Upsert(ctx context.Context, coll string, points []vectordb.PointStruct, wait bool) (vectordb.UpdateResult, error)
	Delete(ctx context.Context, coll string, sel vectordb.PointsSelector, wait bool) (vectordb.UpdateResult, error)
	Scroll(ctx context.Context, coll string, req vectordb.ScrollRequest) (vectordb.ScrollResult, error)
	Query(ctx context.Context, coll string, req vectordb.QueryRequest) ([]vectordb.ScoredPoint, error)
}

var _ Store = (*vectordb.DB)(nil)

// FileRecord is what MemexFS remembers of an indexed file.
type FileRecord struct {
	Path     string `json:"path"`
	Root     string `json:"root"`
	Rel      string `json:"rel"`
	Hash     string `json:"hash"`
	Size     int64  `json:"size"`
	Format   string `json:"format"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Party    string `json:"party,omitempty"`
	PartyKey string `json:"party_key,omitempty"`
	// PartyID is the canonical party (see Parties) the name resolved to.
	PartyID   string    `json:"party_id,omitempty"`
	Status    string    `json:"status,omitempty"`
	Chunks    int       `json:"chunks"`
	Tags      []string  `json:"tags,omitempty"`
	Links     []string  `json:"links,omitempty"`
	IndexedAt time.Time `json:"indexed_at"`
	Facts     Payload   `json:"facts"`
	// Sources says where each fact came from (page, line, label, how) and
	// how sure the reading is, keyed by field (kind, issuer, issue_date,
	// due_date, paid_date, total, currency, invoice_number, status).
	Sources map[string]facts.Source `json:"sources,omitempty"`
	// Snippet is the start of the first chunk's text, shown with set
	// answers (which come from the catalog, not the store).
	Snippet string `json:"snippet,omitempty"`
	// Indexer names the embedder and the fact rules that made the
	// record; a file indexed by another is indexed again, even when its
	// content is unchanged (its vectors or facts would be stale).
	Indexer string `json:"indexer,omitempty"`
	// Corrections are the facts a user corrected (Correct), by field
	// (CorrectableFields); "" means the document has none.
	Corrections map[string]string `json:"corrections,omitempty"`
}

// Payload is a chunk's payload as stored.
type Payload = map[string]any

// Open opens (creating) MemexFS state in opts.Dir over opts.DB.
func Open(ctx context.Context, opts Options) (*Memex, error) {
	if opts.DB == nil {
		return nil, errors.New("memex: no vector store")
	}
	if opts.Collection == "" {
		opts.Collection = DefaultCollection
	}
	if opts.MaxFileBytes == 0 {
		opts.MaxFileBytes = 64 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	emb := opts.Embedder
	if emb == nil {
		g, err := embed.Default()
		if err != nil {
			return nil, fmt.Errorf("load built-in embedder: %w", err)
		}
		emb = g
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("memex state dir: %w", err)
	}
	st, err := bolt.Open(filepath.Join(opts.Dir, "files.db"), 0o644, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open memex file table (is another nexus using this --home?): %w", err)
	}
	m := &Memex{opts: opts, db: opts.DB, emb: emb, coll: opts.Collection, state: st, log: opts.Logger, reg: newRegistry(), cat: newCatalog()}
	if err := st.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketFiles)
		return err
	}); err != nil {
		st.Close()
		return nil, err
	}
	if err := m.ensureCollection(ctx); err != nil {
		st.Close()
		return nil, err
	}
	m.AnswerWithIndexer()
	if a := opts.Answer; a != nil && a.Collection != "" && a.Collection != m.coll {
		v, err := m.answerView(ctx, a)
		if err != nil {
			st.Close()
			return nil, err
		}
		m.ans.Store(v)
	}
	// One read of the file table serves the party registry (which may
	// resolve records' parties in place) and the catalog.
	var recs []*FileRecord
	m.forEachRecord(func(r *FileRecord) { recs = append(recs, r) })
	if err := m.loadParties(recs); err != nil {
		st.Close()
		return nil, err
	}
	m.cat.put(recs)
	return m, nil
}

// Close closes the file table (not the vector store).
func (m *Memex) Close() error { return m.state.Close() }

// Collection returns the collection name.
func (m *Memex) Collection() string { return m.coll }

// Embedder returns the name of the embedder that makes this index's dense
// vectors (embed.Embedder.Name); it embeds questions too, except while
// Options.Answer answers them (AnsweredBy).
func (m *Memex) Embedder() string { return m.emb.Name() }

// StaleRoots returns the folders (FileRecord.Root) holding files whose
// record was made by another indexer: another embedder, or older fact
// rules. Adding them again (Add, AddWithin) reads those files again and
// leaves the others unchanged; until then their vectors are not in this
// index's collection, or not current.
func (m *Memex) StaleRoots() []string {
	seen := map[string]bool{}
	var out []string
	cur := m.indexer()
	m.forEachRecord(func(r *FileRecord) {
		if r.Indexer != cur && !seen[r.Root] {
			seen[r.Root] = true
			out = append(out, r.Root)
		}
	})
	sort.Strings(out)
	return out
}

// answerView checks the collection of Options.Answer.
func (m *Memex) answerView(ctx context.Context, a *Answering) (*view, error) {
	emb := a.Embedder
	if emb == nil {
		g, err := embed.Default()
		if err != nil {
			return nil, fmt.Errorf("load built-in embedder: %w", err)
		}
		emb = g
	}
	info, err := m.db.CollectionInfo(ctx, a.Collection)
	if err != nil {
		return nil, fmt.Errorf("collection %s, answering during the re-embed: %w", a.Collection, err)
	}
	if p, ok := info.Config.Vectors[DenseVector]; !ok || p.Size != emb.Dim() {
		return nil, fmt.Errorf("collection %q does not hold %s's vectors", a.Collection, emb.Name())
	}
	return &view{emb: emb, coll: a.Collection}, nil
}

func (m *Memex) ensureCollection(ctx context.Context) error {
	exists, err := m.db.CollectionExists(ctx, m.coll)
	if err != nil {
		return err
	}
	if exists {
		info, err := m.db.CollectionInfo(ctx, m.coll)
		if err != nil {
			return err
		}
		if p, ok := info.Config.Vectors[DenseVector]; !ok || p.Size != m.emb.Dim() {
			return fmt.Errorf("collection %q exists with another layout; delete it or pick another collection", m.coll)
		}
		if _, ok := info.PayloadSchema["party_id"]; !ok {
			// Collections made before the party registry.
			if _, err := m.db.CreateFieldIndex(ctx, m.coll, "party_id", vectordb.SchemaKeyword, nil, true); err != nil {
				return fmt.Errorf("create index party_id: %w", err)
			}
		}
		return nil
	}
	cfg := vectordb.CollectionConfig{
		Vectors:       map[string]vectordb.VectorParams{DenseVector: {Size: m.emb.Dim(), Distance: vectordb.Cosine}},
		SparseVectors: map[string]vectordb.SparseVectorParams{SparseVector: {Modifier: vectordb.ModifierIDF}},
	}
	if err := m.db.CreateCollection(ctx, m.coll, cfg); err != nil {
		return fmt.Errorf("create collection %s: %w", m.coll, err)
	}
	for field, schema := range map[string]vectordb.PayloadSchemaType{
		"path": vectordb.SchemaKeyword, "kind": vectordb.SchemaKeyword, "status": vectordb.SchemaKeyword,
		"party_key": vectordb.SchemaKeyword, "party_id": vectordb.SchemaKeyword, "tags": vectordb.SchemaKeyword, "first": vectordb.SchemaBool,
		"issue_date": vectordb.SchemaDatetime, "due_date": vectordb.SchemaDatetime, "paid_date": vectordb.SchemaDatetime,
		"sent_date": vectordb.SchemaDatetime, "from_addr": vectordb.SchemaKeyword, "invoice_key": vectordb.SchemaKeyword,
		"total": vectordb.SchemaFloat, "text": vectordb.SchemaText,
	} {
		if _, err := m.db.CreateFieldIndex(ctx, m.coll, field, schema, nil, true); err != nil {
			return fmt.Errorf("create index %s: %w", field, err)
		}
	}
	return nil
}

func (m *Memex) forEachRecord(fn func(*FileRecord)) {
	_ = m.state.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFiles).ForEach(func(k, v []byte) error {
			var r FileRecord
			if json.Unmarshal(v, &r) == nil {
				fn(&r)
			}
			return nil
		})
	})
}

// Files lists the indexed files, sorted by path.
func (m *Memex) Files() []FileRecord {
	var out []FileRecord
	m.forEachRecord(func(r *FileRecord) { out = append(out, *r) })
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// File returns the record of one indexed file (by absolute or relative
// path).
func (m *Memex) File(path string) (*FileRecord, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, false
	}
	var rec *FileRecord
	_ = m.state.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFiles).Get([]byte(abs)); v != nil {
			var r FileRecord
			if json.Unmarshal(v, &r) == nil {
				rec = &r
			}
		}
		return nil
	})
	return rec, rec != nil
}

// pointID derives a stable UUID for chunk i of path, so re-indexing
// overwrites rather than duplicates.
func pointID(path string, i int) vectordb.PointID {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", path, i)))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return vectordb.PointID{UUID: fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])}
}

func dateString(d facts.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.Time().Format(time.RFC3339)
}
