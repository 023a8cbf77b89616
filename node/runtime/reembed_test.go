package runtime

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"nexusos/cortex"
	"nexusos/memex"
	"nexusos/node/home"
)

// reembedChild, when set in the environment, makes TestReembedChild one
// step of TestReembedAnswersFromCompleteCollection in a process that is
// killed with SIGKILL (value: "partial" or "finish"); reembedHome and
// reembedData are its home and data folder.
const (
	reembedChild = "NEXUS_TEST_REEMBED_CHILD"
	reembedHome  = "NEXUS_TEST_REEMBED_HOME"
	reembedData  = "NEXUS_TEST_REEMBED_DATA"
)

func isTinyModel(name string) bool {
	return strings.HasPrefix(name, "cortex-embed:tiny-embed.gguf:qwen3-")
}

// TestReembedAnswersFromCompleteCollection: files indexed with GloVe-SIF,
// then an embedding model added. A re-embed killed (SIGKILL) part-way
// leaves GloVe-SIF answering; a re-embed paused by a hook part-way still
// answers every question from GloVe-SIF's complete collection, names it,
// and shows its progress; stopped, it keeps what it did; a re-embed that
// finishes switches to the model, and the switch survives a SIGKILL right
// after it.
func TestReembedAnswersFromCompleteCollection(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	h := home.At(filepath.Join(t.TempDir(), "home"))
	if err := h.Ensure(); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	files := map[string]string{
		"bees.md":     "# Bees\n\nBees pollinate flowers in the orchard every spring.\n",
		"ships.md":    "# Ships\n\nThe harbour keeps cargo ships and their crews.\n",
		"bread.md":    "# Bread\n\nThe bakery bakes sourdough bread before dawn.\n",
		"comets.md":   "# Comets\n\nA comet's tail points away from the sun.\n",
		"glaciers.md": "# Glaciers\n\nGlaciers carve valleys as they slowly move.\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(data, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rt, err := Open(ctx, h, Want{Memex: true, MemexIndexing: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Memex().Add(ctx, []string{data}, nil); err != nil {
		t.Fatal(err)
	}
	glove := rt.Memex().Embedder()
	rt.Close(ctx)
	model, err := filepath.Abs("../../cortex/testdata/qwen3-embed-tiny-i2_s.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cortex.Add(h.Root(), model, "tiny-embed", false); err != nil {
		t.Fatal(err)
	}

	// ask checks that a question about bees is answered by embedder and
	// finds bees.md.
	ask := func(step string, m *memex.Memex, embedder func(string) bool) {
		t.Helper()
		ans, err := m.Query(ctx, "bees pollinate flowers", memex.QueryOptions{})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		found := slices.ContainsFunc(ans.Results, func(r memex.Result) bool { return r.Rel == "bees.md" })
		if !embedder(ans.Embedder) || !found {
			t.Fatalf("%s: answered by %q, bees.md found %v (%d results)", step, ans.Embedder, found, len(ans.Results))
		}
	}
	isGlove := func(name string) bool { return name == glove }

	// 1. A child re-embeds ships.md alone (the model's collection then
	// holds one file), then starts the re-embed and is killed at its
	// first file.
	runChild(t, "partial", h, data)
	rt, err = Open(ctx, h, Want{Memex: true})
	if err != nil {
		t.Fatal(err)
	}
	if !isTinyModel(rt.PendingEmbedder()) {
		t.Errorf("after the kill: pending %q", rt.PendingEmbedder())
	}
	ask("after the kill, questions only", rt.Memex(), isGlove)
	rt.Close(ctx)

	// 2. The re-embed again, paused by a hook part-way.
	rt, err = Open(ctx, h, Want{Memex: true, MemexIndexing: true})
	if err != nil {
		t.Fatal(err)
	}
	m := rt.Memex()
	if left, _ := m.Unembedded(); len(left) != len(files)-1 || slices.Contains(left, filepath.Join(data, "ships.md")) {
		t.Fatalf("left to re-embed after the kill: %v", left)
	}
	if info, err := rt.DB().CollectionInfo(ctx, m.Collection()); err != nil || info.PointsCount == 0 {
		t.Fatalf("the model's collection after the kill: %+v %v", info, err)
	}
	paused, resume := make(chan struct{}), make(chan struct{})
	rt.Ingest().reembedHook = func(p memex.Progress) {
		if p.Files == 2 {
			close(paused)
			<-resume
		}
	}
	if _, err := rt.Reembed(); err != nil {
		t.Fatal(err)
	}
	<-paused
	ask("during the re-embed", m, isGlove)
	st := rt.Ingest().Status()
	if e := st.Embedding; st.State != IngestRunning || st.Files != 2 || e == nil || !e.Reembedding ||
		!isGlove(e.Answering) || !isTinyModel(e.Indexing) || e.Pending != len(files)-1 || e.Files != len(files) {
		t.Errorf("status during the re-embed: %+v %+v", st, st.Embedding)
	}
	// Stopped part-way (as a node stopping): what was embedded is kept,
	// GloVe-SIF still answers.
	// Cancel before the paused file returns, so the next file sees it.
	in := rt.Ingest()
	in.mu.Lock()
	cancel := in.cancel
	in.mu.Unlock()
	cancel()
	close(resume)
	if err := in.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if st := rt.Ingest().Status(); st.State != IngestFailed || !st.Embedding.Reembedding || !isGlove(m.AnsweredBy()) {
		t.Errorf("status after Stop: %+v %+v", st, st.Embedding)
	}
	ask("after Stop", m, isGlove)
	rt.Close(ctx)

	// 3. A child finishes the re-embed (checking that it switched) and
	// is killed right after; the switch holds.
	runChild(t, "finish", h, data)
	rt, err = Open(ctx, h, Want{Memex: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	if p := rt.PendingEmbedder(); p != "" || !isTinyModel(rt.Memex().AnsweredBy()) {
		t.Fatalf("after the switch and a kill: pending %q, answered by %q", p, rt.Memex().AnsweredBy())
	}
	ask("after the switch", rt.Memex(), isTinyModel)
	if st := rt.Ingest().Status().Embedding; st == nil || st.Reembedding || !isTinyModel(st.Answering) {
		t.Errorf("status after the switch: %+v", st)
	}
	if _, err := rt.Reembed(); !errors.Is(err, ErrNothingStale) {
		t.Errorf("Reembed after the switch: %v, want ErrNothingStale", err)
	}
}

// runChild runs step of TestReembedAnswersFromCompleteCollection in a
// child process and checks that it was killed by SIGKILL.
func runChild(t *testing.T, step string, h home.Dir, data string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReembedChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), reembedChild+"="+step, reembedHome+"="+h.Root(), reembedData+"="+data)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child %s: %v, want killed by SIGKILL\n%s", step, err, out)
	}
}

// TestReembedChild is a step of TestReembedAnswersFromCompleteCollection
// (it does nothing when run alone).
func TestReembedChild(t *testing.T) {
	step := os.Getenv(reembedChild)
	if step == "" {
		t.Skip("a step of TestReembedAnswersFromCompleteCollection")
	}
	ctx := context.Background()
	h, data := home.At(os.Getenv(reembedHome)), os.Getenv(reembedData)
	kill := func() {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	switch step {
	case "partial":
		rt, err := Open(ctx, h, Want{Memex: true, MemexIndexing: true})
		if err != nil {
			t.Fatal(err)
		}
		if !rt.Memex().Reembedding() {
			t.Fatalf("not re-embedding: answered by %s", rt.Memex().AnsweredBy())
		}
		if _, err := rt.Memex().Add(ctx, []string{filepath.Join(data, "ships.md")}, nil); err != nil {
			t.Fatal(err)
		}
		rt.Ingest().reembedHook = func(memex.Progress) { kill() }
		if _, err := rt.Reembed(); err != nil {
			t.Fatal(err)
		}
		rt.Ingest().Wait(ctx)
		t.Fatal("the re-embed ended before the hook killed it")
	case "finish":
		rt, err := Open(ctx, h, Want{Memex: true, Reembed: true})
		if err != nil {
			t.Fatal(err)
		}
		st, _ := rt.Ingest().Wait(ctx)
		if st.State != IngestDone || !isTinyModel(rt.Memex().AnsweredBy()) || st.Embedding.Reembedding || st.Embedding.SwitchedAt.IsZero() {
			t.Fatalf("re-embed done: %+v %+v, answered by %s", st, st.Embedding, rt.Memex().AnsweredBy())
		}
		kill()
	}
}
