package memex

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"nexusos/vectordb"
)

// hashEmbedder is a test embedder of another dimension than GloVe-SIF's
// whose vectors carry no meaning: every text maps to the same vector.
type hashEmbedder struct{}

func (hashEmbedder) Name() string { return "test-hash-8" }
func (hashEmbedder) Dim() int     { return 8 }
func (hashEmbedder) Embed(string) []float32 {
	return []float32{1, 0, 0, 0, 0, 0, 0, 0}
}

// TestAnswerWhileReembedding: with Options.Answer, questions are answered
// from GloVe-SIF's complete collection, not the partly filled one of the
// embedder that indexes, until AnswerWithIndexer; Unembedded counts what
// is left; Remove reaches both collections; an Answer collection that
// does not exist fails Open.
func TestAnswerWhileReembedding(t *testing.T) {
	ctx := context.Background()
	m, db, home := openTest(t)
	data := filepath.Join(home, "data")
	writeFiles(t, data, smallCorpus)
	if _, err := m.Add(ctx, []string{data}, nil); err != nil {
		t.Fatal(err)
	}
	glove := m.Embedder()
	m.Close()

	opts := Options{Dir: filepath.Join(home, "memex"), DB: db, Embedder: hashEmbedder{}, Collection: "memex-hash",
		Answer: &Answering{Collection: "memex-gone"}}
	if _, err := Open(ctx, opts); err == nil {
		t.Fatal("Open with a missing answer collection: no error")
	}
	opts.Answer = &Answering{Collection: DefaultCollection}
	m, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.Reembedding() || m.AnsweredBy() != glove || m.AnswerCollection() != DefaultCollection {
		t.Fatalf("answering %s from %s, re-embedding %v", m.AnsweredBy(), m.AnswerCollection(), m.Reembedding())
	}
	// The indexing embedder embeds one file.
	one := filepath.Join(data, "notes/revolution.md")
	if _, err := m.Add(ctx, []string{one}, nil); err != nil {
		t.Fatal(err)
	}
	left, files := m.Unembedded()
	if files != len(smallCorpus) || len(left) != files-1 || slices.Contains(left, one) {
		t.Fatalf("unembedded %v of %d", left, files)
	}
	ask := func(want string) *Answer {
		t.Helper()
		ans, err := m.Query(ctx, "chlorophyll sunlight leaves", QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ans.Embedder != want {
			t.Fatalf("answered by %q, want %q", ans.Embedder, want)
		}
		return ans
	}
	if ans := ask(glove); len(ans.Results) == 0 || ans.Results[0].Rel != "notes/photosynthesis.md" {
		t.Fatalf("during the re-embed: %+v", ans.Results)
	}
	// Removed files leave both collections.
	if _, err := m.Remove(ctx, one); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{DefaultCollection, "memex-hash"} {
		res, err := db.Scroll(ctx, c, vectordb.ScrollRequest{Limit: 10, Filter: pathFilter(one)})
		if err != nil || len(res.Points) != 0 {
			t.Errorf("%s keeps %d points of the removed file (%v)", c, len(res.Points), err)
		}
	}
	// The switch: the new collection (empty now) answers.
	m.AnswerWithIndexer()
	if ans := ask(m.Embedder()); slices.ContainsFunc(ans.Results, func(r Result) bool { return r.Rel == "notes/photosynthesis.md" }) {
		t.Errorf("after the switch, a file only GloVe-SIF embedded answered: %+v", ans.Results)
	}
	if m.Reembedding() {
		t.Error("still re-embedding after the switch")
	}
}
