package memex

import (
	"context"
	"sort"
	"strings"

	"nexusos/memex/embed"
)

// Answering is the embedder and collection questions are answered with
// while Options.Embedder re-embeds the index into its own collection (an
// embedding model added or changed): the last collection that holds every
// indexed file. See Options.Answer.
type Answering struct {
	// Embedder embedded the collection; nil means the built-in GloVe-SIF.
	Embedder embed.Embedder
	// Collection holds its vectors; it must exist, with that embedder's
	// dimension.
	Collection string
}

// view is what questions are answered with: an embedder and the
// collection holding its vectors. A Query takes one view for all its
// reads (viewKey), so a switch (AnswerWithIndexer) never mixes two.
type view struct {
	emb  embed.Embedder
	coll string
}

type viewKey struct{}

// answering returns the view of the question ctx belongs to, or the
// current one.
func (m *Memex) answering(ctx context.Context) *view {
	if v, ok := ctx.Value(viewKey{}).(*view); ok {
		return v
	}
	return m.ans.Load()
}

// withView pins ctx's question to the current view.
func (m *Memex) withView(ctx context.Context) (context.Context, *view) {
	if v, ok := ctx.Value(viewKey{}).(*view); ok {
		return ctx, v
	}
	v := m.ans.Load()
	return context.WithValue(ctx, viewKey{}, v), v
}

// AnsweredBy names the embedder questions are answered with now: the
// indexing embedder (Embedder), or while a re-embed is under way the one
// Options.Answer named.
func (m *Memex) AnsweredBy() string { return m.ans.Load().emb.Name() }

// AnswerCollection is the collection questions are answered from now.
func (m *Memex) AnswerCollection() string { return m.ans.Load().coll }

// Reembedding reports whether questions are answered by another embedder
// than the one that indexes (a re-embed is under way).
func (m *Memex) Reembedding() bool { return m.ans.Load().coll != m.coll }

// AnswerWithIndexer switches questions, atomically, to the indexing
// embedder and its collection (the re-embed is done). Questions already
// running finish on the view they started with. Making the switch durable
// is the caller's (package node/runtime keeps it in MemexFS's state
// folder).
func (m *Memex) AnswerWithIndexer() {
	m.ans.Store(&view{emb: m.emb, coll: m.coll})
}

// Unembedded returns the indexed files the indexing embedder has not
// embedded yet (their records name another embedder; a file whose only
// change is older fact rules counts as embedded), sorted, and the number
// of indexed files.
func (m *Memex) Unembedded() (paths []string, files int) {
	prefix := m.emb.Name() + "+facts-"
	m.forEachRecord(func(r *FileRecord) {
		files++
		if !strings.HasPrefix(r.Indexer, prefix) {
			paths = append(paths, r.Path)
		}
	})
	sort.Strings(paths)
	return paths, files
}
