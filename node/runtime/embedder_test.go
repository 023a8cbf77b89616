package runtime

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/cortex"
	"nexusos/memex"
	"nexusos/memex/embed/use"
	"nexusos/node/home"
)

// TestMemexEmbeddingModel walks the embedding-model path end to end:
// files indexed with GloVe-SIF; the synthetic Qwen3 embedding model added
// under the home, questions are still answered with GloVe-SIF until an
// Open with Want.Reembed re-embeds the files in the background into the
// model's collection, records the model as each file's embedder and
// answers through it; the model removed, the next Open falls back to
// GloVe-SIF and re-indexes again.
func TestMemexEmbeddingModel(t *testing.T) {
	ctx := context.Background()
	h := home.At(filepath.Join(t.TempDir(), "home"))
	if err := h.Ensure(); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	for name, text := range map[string]string{
		"bees.md":     "# Bees\n\nBees pollinate flowers in the orchard every spring.\n",
		"ships.md":    "# Ships\n\nThe harbour keeps cargo ships and their crews.\n",
		"invoice.txt": "INVOICE\nInvoice No: 12\nTotal: $40.00\n",
	} {
		if err := os.WriteFile(filepath.Join(data, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	dim := func(name string) int {
		if strings.HasPrefix(name, "cortex-embed:") {
			return 128 // qwen3-embed-tiny
		}
		return 100
	}
	// open opens MemexFS with Reembed, waits for the re-embed (which
	// must read reembedded files) and checks every record and an answer
	// name the embedder want accepts.
	open := func(step string, reembedded int, want func(string) bool) {
		t.Helper()
		rt, err := Open(ctx, h, Want{Memex: true, Reembed: true})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		defer rt.Close(ctx)
		m := rt.Memex()
		if _, err := rt.Ingest().Wait(ctx); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		st := rt.Ingest().Status()
		switch {
		case reembedded == 0 && st.State != IngestIdle:
			t.Fatalf("%s: re-embed started: %+v", step, st)
		case reembedded > 0 && (st.State != IngestDone || st.Summary.Indexed != reembedded || st.TotalFiles != reembedded):
			t.Fatalf("%s: re-embed %+v, want %d files indexed", step, st, reembedded)
		}
		if reembedded == 0 {
			if _, err := m.Add(ctx, []string{data}, nil); err != nil {
				t.Fatalf("%s: add: %v", step, err)
			}
		}
		if !want(m.Embedder()) {
			t.Fatalf("%s: embedder %q", step, m.Embedder())
		}
		if roots := m.StaleRoots(); len(roots) != 0 {
			t.Errorf("%s: stale after re-embed: %v", step, roots)
		}
		// The vectors are in the embedder's own collection, of its size.
		info, err := rt.DB().CollectionInfo(ctx, m.Collection())
		if err != nil || info.PointsCount == 0 {
			t.Fatalf("%s: collection %s: %+v %v", step, m.Collection(), info, err)
		}
		if size := info.Config.Vectors[memex.DenseVector].Size; size != dim(m.Embedder()) {
			t.Errorf("%s: dense vectors of %d in %s, want %d", step, size, m.Collection(), dim(m.Embedder()))
		}
		files := m.Files()
		if len(files) != 3 {
			t.Fatalf("%s: %d files indexed, want 3", step, len(files))
		}
		for _, f := range files {
			if !strings.HasPrefix(f.Indexer, m.Embedder()+"+") {
				t.Errorf("%s: %s indexed by %q, want %q", step, f.Rel, f.Indexer, m.Embedder())
			}
		}
		ans, err := m.Query(ctx, "bees pollinate flowers", memex.QueryOptions{})
		if err != nil {
			t.Fatalf("%s: query: %v", step, err)
		}
		if ans.Embedder != m.Embedder() || len(ans.Results) == 0 {
			t.Fatalf("%s: answer by %q with %d results, want %q", step, ans.Embedder, len(ans.Results), m.Embedder())
		}
		t.Logf("%s: collection %s, embedder %s, top answer %s", step, m.Collection(), ans.Embedder, ans.Results[0].Rel)
	}
	glove := func(name string) bool { return name == memex.CalibratedEmbedder }

	open("GloVe-SIF", 0, glove)

	model, err := filepath.Abs("../../cortex/testdata/qwen3-embed-tiny-i2_s.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cortex.Add(h.Root(), model, "tiny-embed", false); err != nil {
		t.Fatal(err)
	}
	isModel := func(name string) bool { return strings.HasPrefix(name, "cortex-embed:tiny-embed.gguf:qwen3-") }
	// asked opens MemexFS for questions only and returns the embedder
	// that answers and the one pending.
	asked := func() (answers, pending string) {
		t.Helper()
		rt, err := Open(ctx, h, Want{Memex: true})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		ans, err := rt.Memex().Query(ctx, "bees pollinate flowers", memex.QueryOptions{})
		if err != nil || len(ans.Results) == 0 {
			t.Fatalf("query: %+v %v", ans, err)
		}
		return ans.Embedder, rt.PendingEmbedder()
	}
	// Until the model has embedded every file, questions are answered
	// with GloVe-SIF.
	if answers, pending := asked(); !glove(answers) || !isModel(pending) {
		t.Fatalf("before the re-embed: answered by %q, pending %q", answers, pending)
	}
	// Reembed re-embeds in the background, then answers through it.
	open("added model", 3, isModel)
	if answers, pending := asked(); !isModel(answers) || pending != "" {
		t.Fatalf("after the re-embed: answered by %q, pending %q", answers, pending)
	}

	// BuiltinEmbedder picks GloVe-SIF although the model is there; to
	// index, GloVe-SIF opens re-embedding, and until it has embedded
	// every file again the model's collection, the last complete one,
	// answers.
	rt, err := Open(ctx, h, Want{Memex: true, MemexEmbedder: BuiltinEmbedder, MemexIndexing: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.Memex().Embedder(); !glove(got) || len(rt.Memex().StaleRoots()) != 1 || !isModel(rt.Memex().AnsweredBy()) {
		t.Errorf("MemexEmbedder %q: embedder %q, answered by %q, stale %v", BuiltinEmbedder, got, rt.Memex().AnsweredBy(), rt.Memex().StaleRoots())
	}
	rt.Close(ctx)
	// Questions asked of GloVe-SIF by name are answered from its
	// collection as it is.
	rt, err = Open(ctx, h, Want{Memex: true, MemexEmbedder: BuiltinEmbedder})
	if err != nil {
		t.Fatal(err)
	}
	if got, pending := rt.Memex().AnsweredBy(), rt.PendingEmbedder(); !glove(got) || pending != "" || len(rt.Memex().StaleRoots()) != 1 {
		t.Errorf("MemexEmbedder %q, questions only: answered by %q, pending %q, stale %v", BuiltinEmbedder, got, pending, rt.Memex().StaleRoots())
	}
	rt.Close(ctx)

	if err := os.Remove(filepath.Join(h.Models(), "tiny-embed.gguf")); err != nil {
		t.Fatal(err)
	}
	open("model removed", 3, glove)
}

// TestMemexEmbedderSelection: a named model that is not an embedding
// model fails Open; one found under the home that does not load is
// passed over for GloVe-SIF.
func TestMemexEmbedderSelection(t *testing.T) {
	ctx := context.Background()
	h := home.At(filepath.Join(t.TempDir(), "home"))
	if err := h.Ensure(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, h, Want{Memex: true, MemexEmbedder: "no-such-model"}); err == nil {
		t.Fatal("Open with a missing embedding model succeeded")
	}
	// Cut short, the file still says qwen3 but its tensors are missing.
	b, err := os.ReadFile("../../cortex/testdata/qwen3-embed-tiny-i2_s.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(h.Models(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.Models(), "broken.gguf"), b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	rt, err := Open(ctx, h, Want{Memex: true})
	if err != nil {
		t.Fatalf("Open with a broken model under the home: %v", err)
	}
	defer rt.Close(ctx)
	if got := rt.Memex().Embedder(); got != memex.CalibratedEmbedder {
		t.Errorf("embedder %q, want GloVe-SIF", got)
	}
}

// TestMemexCollection names one collection per embedder.
func TestMemexCollection(t *testing.T) {
	if got := memexCollection(nil); got != memex.DefaultCollection {
		t.Errorf("GloVe-SIF collection %q", got)
	}
	e, err := cortex.LoadEmbedder("../../cortex/testdata/qwen3-embed-tiny-i2_s.gguf", cortex.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got := memexCollection(cortexEmbedder{e: e})
	if !strings.HasPrefix(got, "memex-qwen3-embed-tiny-i2-s-gguf-qwen3-") || strings.ContainsAny(got, ":._") {
		t.Errorf("model collection %q", got)
	}
}

// TestUseSelector: "use-lite" and "use", with or without a folder, pick
// USE-lite; other names do not.
func TestUseSelector(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	def, err := filepath.Abs(use.DefaultDir())
	if err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]string{
		"use-lite": def, "use": def, "use-lite:/m/dist": "/m/dist", "use:/m/dist": "/m/dist",
		"use-lite:dist": filepath.Join(wd, "dist"),
	} {
		if dir, ok := useSelector(sel); !ok || dir != want {
			t.Errorf("useSelector(%q) = %q, %v; want %q", sel, dir, ok, want)
		}
	}
	for _, sel := range []string{"", BuiltinEmbedder, "useful.gguf", "user:x", "/models/use-lite.gguf"} {
		if dir, ok := useSelector(sel); ok {
			t.Errorf("useSelector(%q) picked USE-lite in %q", sel, dir)
		}
	}
}

// TestMemexUSEMissing: USE-lite asked for without its files fails Open
// with an error that names the folder and how to fetch the files.
func TestMemexUSEMissing(t *testing.T) {
	ctx := context.Background()
	h := home.At(filepath.Join(t.TempDir(), "home"))
	if err := h.Ensure(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "no-model")
	_, err := Open(ctx, h, Want{Memex: true, MemexEmbedder: USEEmbedder + ":" + dir})
	if err == nil {
		t.Fatal("Open with USE-lite and no model files succeeded")
	}
	if msg := err.Error(); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(msg, dir) || !strings.Contains(msg, "55-use-model.sh") ||
		!strings.Contains(msg, use.Package) {
		t.Errorf("error %q: want one naming %s, the fetch script and the npm package", msg, dir)
	}
}

// TestMemexUSE takes the USE-lite embedder through the path of embedding
// models: files indexed with GloVe-SIF; USE-lite asked for, questions
// are answered with GloVe-SIF until a re-embed has filled its own
// collection, then with it (Answer.Embedder names it); back on GloVe-SIF
// to index, USE-lite's collection, the last complete one, answers. It
// needs the model files (.ci/deps.d/55-use-model.sh) and skips without.
func TestMemexUSE(t *testing.T) {
	dir := use.DefaultDir()
	if _, err := os.Stat(filepath.Join(dir, "model.json")); err != nil {
		t.Skipf("USE-lite model files not found in %q: run .ci/deps.d/55-use-model.sh", dir)
	}
	ctx := context.Background()
	h := home.At(filepath.Join(t.TempDir(), "home"))
	if err := h.Ensure(); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	for name, text := range map[string]string{
		"bees.md":  "# Bees\n\nBees pollinate flowers in the orchard every spring.\n",
		"ships.md": "# Ships\n\nThe harbour keeps cargo ships and their crews.\n",
	} {
		if err := os.WriteFile(filepath.Join(data, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rt, err := Open(ctx, h, Want{Memex: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Memex().Add(ctx, []string{data}, nil); err != nil {
		t.Fatal(err)
	}
	rt.Close(ctx)

	// ask opens MemexFS with want, answers a question about the bees
	// and returns the embedder that answered and the one pending.
	ask := func(step string, want Want) (answered, pending string) {
		t.Helper()
		rt, err := Open(ctx, h, want)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		defer rt.Close(ctx)
		if want.Reembed {
			if _, err := rt.Ingest().Wait(ctx); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
		}
		ans, err := rt.Memex().Query(ctx, "insects carrying pollen between blossoms", memex.QueryOptions{})
		if err != nil || len(ans.Results) == 0 {
			t.Fatalf("%s: query: %+v %v", step, ans, err)
		}
		if want.Reembed {
			m := rt.Memex()
			if m.Embedder() != use.Name || m.Collection() != "memex-use-lite-en-v1" || m.Reembedding() {
				t.Fatalf("%s: embedder %q in %q, re-embedding %v", step, m.Embedder(), m.Collection(), m.Reembedding())
			}
			if ans.Results[0].Rel != "bees.md" {
				t.Errorf("%s: top answer %s, want bees.md", step, ans.Results[0].Rel)
			}
		}
		return ans.Embedder, rt.PendingEmbedder()
	}
	glove := memex.CalibratedEmbedder
	if got, pending := ask("asked before the re-embed", Want{Memex: true, MemexEmbedder: "use"}); got != glove || pending != use.Name {
		t.Fatalf("before the re-embed: answered by %q, pending %q", got, pending)
	}
	if got, _ := ask("re-embed", Want{Memex: true, MemexEmbedder: USEEmbedder, Reembed: true}); got != use.Name {
		t.Fatalf("after the re-embed: answered by %q", got)
	}
	rec, ok, err := readAnswerRecord(h.Memex())
	if err != nil || !ok || rec.Embedder != use.Name || rec.Model != USEEmbedder+":"+dir {
		t.Fatalf("answer record %+v, %v, %v", rec, ok, err)
	}
	// GloVe-SIF indexing again: USE-lite, loaded from the record, answers
	// until GloVe-SIF has embedded every file again.
	if got, pending := ask("GloVe-SIF indexing", Want{Memex: true, MemexEmbedder: BuiltinEmbedder, MemexIndexing: true}); got != use.Name || pending != "" {
		t.Fatalf("GloVe-SIF indexing: answered by %q, pending %q", got, pending)
	}
}
