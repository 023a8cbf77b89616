package memex

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"nexusos/memex/embed"
	"nexusos/memex/graph"
	"nexusos/vectordb"
)

// TestRankNoGoodMatch: a content question about nothing in the index gets
// no files and says why; one about an indexed note still finds it.
func TestRankNoGoodMatch(t *testing.T) {
	m, _, _ := openTest(t)
	dir := t.TempDir()
	writeFiles(t, dir, smallCorpus)
	ctx := context.Background()
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	ans, err := m.Query(ctx, "how to knit a woolly scarf", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Results) != 0 || ans.Empty == nil || !strings.HasPrefix(ans.Empty.Message, "no good match") {
		t.Fatalf("off-topic question: results %v, empty %+v", paths(ans), ans.Empty)
	}
	ans, err = m.Query(ctx, "how do plants turn sunlight into food", QueryOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Results) == 0 || ans.Results[0].Rel != "notes/photosynthesis.md" || ans.Empty != nil {
		t.Fatalf("on-topic question: results %v, empty %+v", paths(ans), ans.Empty)
	}
	for i := 1; i < len(ans.Results); i++ {
		if ans.Results[i].Score > ans.Results[i-1].Score || ans.Results[i].Score < RelevanceFloor {
			t.Fatalf("scores out of order or under the floor: %+v", ans.Results)
		}
	}
}

func TestContentText(t *testing.T) {
	for in, want := range map[string]string{
		"how are inflation and central banks connected": "inflation and central banks",
		"What do my notes say about geology":            "geology",
		"how why what":                                  "how why what", // nothing else: kept
	} {
		if got := contentText(in); got != want {
			t.Errorf("contentText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaxSim(t *testing.T) {
	x, y := []float32{1, 0}, []float32{0, 1}
	d := []float32{float32(math.Sqrt(0.5)), float32(math.Sqrt(0.5))}
	q := []lateVec{{x, 1}, {y, 3}}
	if got := maxSim(q, []lateVec{{x, 1}}); math.Abs(got-0.25) > 1e-6 {
		t.Errorf("maxSim one word = %v, want 0.25 (x matched, y orthogonal, weights 1:3)", got)
	}
	if got := maxSim(q, []lateVec{{x, 1}, {y, 1}}); math.Abs(got-1) > 1e-6 {
		t.Errorf("maxSim all words = %v, want 1", got)
	}
	if got := maxSim(q, []lateVec{{d, 1}}); math.Abs(got-math.Sqrt(0.5)) > 1e-6 {
		t.Errorf("maxSim diagonal = %v", got)
	}
	if got := maxSim(nil, []lateVec{{x, 1}}); got != 0 {
		t.Errorf("maxSim of no words = %v", got)
	}
}

func TestRelevant(t *testing.T) {
	r := []rankedChunk{{Score: 1.2}, {Score: 0.6}, {Score: 0.3}}
	glove := relevance{cut: true, cutoff: RelevanceCutoff, floor: RelevanceFloor}
	if got, e := relevant(r, relevance{}); len(got) != 3 || e != nil {
		t.Fatalf("uncut: %d, %+v", len(got), e)
	}
	if got, e := relevant(r, glove); len(got) != 2 || e != nil {
		t.Fatalf("cut: %d chunks kept, want 2 (floor %.2f); %+v", len(got), RelevanceFloor, e)
	}
	if got, e := relevant(r[1:], glove); len(got) != 0 || e == nil || !strings.Contains(e.Message, "0.60") {
		t.Fatalf("below the cutoff: %d, %+v", len(got), e)
	}
	// A calibrated embedder's cutoff, without a floor.
	if got, e := relevant(r[1:], relevanceOf(calibrated{plainEmbedder{gloveOf(t)}, 0.5})); len(got) != 2 || e != nil {
		t.Fatalf("cutoff 0.5: %d chunks kept, want 2; %+v", len(got), e)
	}
	if got, e := relevant(r[1:], relevanceOf(calibrated{plainEmbedder{gloveOf(t)}, 0.65})); len(got) != 0 || e == nil || !strings.Contains(e.Message, "0.65") {
		t.Fatalf("cutoff 0.65: %d, %+v", len(got), e)
	}
	if rel := relevanceOf(plainEmbedder{gloveOf(t)}); rel.cut {
		t.Fatalf("an uncalibrated embedder is cut: %+v", rel)
	}
}

func TestCalibratedEmbedder(t *testing.T) {
	m, _, _ := openTest(t)
	if !m.cutsIrrelevant() {
		t.Fatalf("the built-in embedder %q is not %q: recalibrate RelevanceCutoff (TestParaphraseRecall) and rename", m.emb.Name(), CalibratedEmbedder)
	}
}

func gloveOf(t *testing.T) *embed.GloVe {
	t.Helper()
	g, err := embed.Default()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// plainEmbedder is GloVe-SIF under another name and without word
// vectors: an embedder the ranking was not calibrated for, which counts
// the texts it embeds.
type plainEmbedder struct{ g *embed.GloVe }

var plainEmbeds atomic.Int64

func (p plainEmbedder) Name() string { return "test-plain-" + p.g.Name() }
func (p plainEmbedder) Dim() int     { return p.g.Dim() }
func (p plainEmbedder) Embed(text string) []float32 {
	plainEmbeds.Add(1)
	return p.g.Embed(text)
}

// calibrated is plainEmbedder with a relevance cutoff (embed.Calibrated).
type calibrated struct {
	plainEmbedder
	cutoff float64
}

func (c calibrated) RelevanceCutoff() float64 { return c.cutoff }

func openWith(t *testing.T, emb embed.Embedder) *Memex {
	t.Helper()
	home := t.TempDir()
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(context.Background(), Options{Dir: filepath.Join(home, "memex"), DB: db, Embedder: emb})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); db.Close() })
	return m
}

// TestCalibratedCutoff: another embedder than the built-in one answers
// an off-topic question with files unless it reports a cutoff
// (embed.Calibrated); then the best file's score decides, and a file
// holding every term of the question still answers.
func TestCalibratedCutoff(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	writeFiles(t, dir, smallCorpus)
	ask := func(emb embed.Embedder, q string) *Answer {
		t.Helper()
		m := openWith(t, emb)
		if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
			t.Fatal(err)
		}
		ans, err := m.Query(ctx, q, QueryOptions{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if ans.Embedder != emb.Name() {
			t.Fatalf("answered by %q, want %q", ans.Embedder, emb.Name())
		}
		return ans
	}
	plain := plainEmbedder{gloveOf(t)}
	const offTopic = "how to knit a woolly scarf"
	if ans := ask(plain, offTopic); len(ans.Results) == 0 || ans.Empty != nil {
		t.Fatalf("uncalibrated: results %v, empty %+v", paths(ans), ans.Empty)
	}
	ans := ask(calibrated{plain, 3}, offTopic)
	if len(ans.Results) != 0 || ans.Empty == nil || !strings.Contains(ans.Empty.Message, "cutoff 3.00") {
		t.Fatalf("cutoff 3: results %v, empty %+v", paths(ans), ans.Empty)
	}
	// Every term in one file: answered whatever the cutoff.
	if ans := ask(calibrated{plain, 3}, "mitochondria glucose"); len(ans.Results) == 0 || ans.Results[0].Rel != "notes/respiration.md" {
		t.Fatalf("cutoff 3, every term in a file: results %v, empty %+v", paths(ans), ans.Empty)
	}
	if ans := ask(calibrated{plain, -3}, offTopic); len(ans.Results) == 0 || ans.Empty != nil {
		t.Fatalf("cutoff -3: results %v, empty %+v", paths(ans), ans.Empty)
	}
}

// TestRankUsesStoredVectors: chunks found by the keyword search alone
// are scored with their stored dense vectors, not embedded again at
// question time, and score as their text would.
func TestRankUsesStoredVectors(t *testing.T) {
	ctx := context.Background()
	plain := plainEmbedder{gloveOf(t)}
	m := openWith(t, plain)
	// More chunks than the dense search returns (100), all holding the
	// keyword, so that some are found by the keyword search alone.
	files := map[string]string{}
	topics := []string{"gardening tomatoes", "sailing boats", "baking bread", "tax returns", "guitar chords", "mountain hiking"}
	for i := range 130 {
		files[fmt.Sprintf("n/%03d.md", i)] = fmt.Sprintf("# Note %d\n\nA note on %s, filed under zephyrine number %d.\n", i, topics[i%len(topics)], i)
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	const q = "zephyrine baking"
	ranked, err := m.rankChunks(ctx, q, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	dense := plain.g.Embed(contentText(q))
	sparseOnly := 0
	for _, r := range ranked {
		if r.inDense || !r.inSparse {
			continue
		}
		sparseOnly++
		if want := graph.Cosine(dense, plain.g.Embed(chunkText(r.Point.Payload))); math.Abs(r.Dense-want) > 1e-5 {
			t.Errorf("%v: dense %.6f from the stored vector, %.6f from its text", r.Point.Payload["rel"], r.Dense, want)
		}
	}
	if sparseOnly == 0 {
		t.Fatalf("no chunk found by the keyword search alone among %d: the test corpus no longer tests stored vectors", len(ranked))
	}
	before := plainEmbeds.Load()
	if _, err := m.Query(ctx, q, QueryOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := plainEmbeds.Load() - before; n != 1 {
		t.Errorf("a question with %d chunks found by keywords alone embedded %d texts, want 1 (the question)", sparseOnly, n)
	}
}
