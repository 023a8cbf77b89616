package memex

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"nexusos/memex/corpus"
	"nexusos/memex/embed"
	"nexusos/memex/embed/use"
	"nexusos/memex/extract"
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

// TestRelevantDenseFloor: a late-calibrated embedder's question needs
// both signals, the best fused score over the cutoff and the closest
// chunk's cosine over the dense floor; a chunk holding every term of
// the question answers whatever the scores.
func TestRelevantDenseFloor(t *testing.T) {
	rel := relevanceOf(lateCalibrated{plainEmbedder{gloveOf(t)}, embed.Calibration{Cutoff: 0.5, DenseFloor: 0.4}})
	if !rel.cut || rel.cutoff != 0.5 || rel.denseFloor != 0.4 || !math.IsInf(rel.floor, -1) {
		t.Fatalf("relevanceOf a late-calibrated embedder = %+v", rel)
	}
	for _, tc := range []struct {
		name   string
		ranked []rankedChunk
		kept   int
		why    string // in the message when nothing is kept
	}{
		{"both signals", []rankedChunk{{Score: 0.9, Dense: 0.3}, {Score: 0.6, Dense: 0.45}}, 2, ""},
		{"fused score only", []rankedChunk{{Score: 0.9, Dense: 0.35}, {Score: 0.6, Dense: 0.3}}, 0, "0.35, below the floor 0.40"},
		{"cosine only", []rankedChunk{{Score: 0.45, Dense: 0.45}}, 0, "0.45, below the relevance cutoff 0.50"},
		{"every term", []rankedChunk{{Score: 0.3, Dense: 0.1}, {Score: 0.2, Dense: 0.1, Cover: 1}}, 2, ""},
	} {
		got, e := relevant(tc.ranked, rel)
		if len(got) != tc.kept || (tc.kept == 0) != (e != nil) {
			t.Errorf("%s: %d kept, want %d; empty %+v", tc.name, len(got), tc.kept, e)
			continue
		}
		if e != nil && (!strings.HasPrefix(e.Message, "no good match") || !strings.Contains(e.Message, tc.why)) {
			t.Errorf("%s: message %q, want %q in it", tc.name, e.Message, tc.why)
		}
	}
	// The floor is not applied to other embedders.
	if got, e := relevant([]rankedChunk{{Score: 0.9, Dense: 0.1}}, relevanceOf(calibrated{plainEmbedder{gloveOf(t)}, 0.5})); len(got) != 1 || e != nil {
		t.Fatalf("calibrated embedder with a low cosine: %d kept, %+v", len(got), e)
	}
}

// TestLateWordsForLateCalibrated: an embedder without word vectors that
// is late-calibrated gets late interaction over the built-in GloVe-SIF
// word vectors (chunks score their Late signal, added to Score with
// RankLate), and one that is not gets none.
func TestLateWordsForLateCalibrated(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFiles(t, dir, smallCorpus)
	plain := plainEmbedder{gloveOf(t)}
	for _, tc := range []struct {
		emb  embed.Embedder
		late bool
	}{
		{plain, false},
		{calibrated{plain, 0.5}, false},
		{lateCalibrated{plain, embed.Calibration{Cutoff: 0.5, DenseFloor: 0.3}}, true},
	} {
		m := openWith(t, tc.emb)
		if _, err := m.Add(ctx, []string{dir}, nil); err != nil {
			t.Fatal(err)
		}
		ranked, err := m.rankChunks(ctx, "plants turning sunshine into food", nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ranked) == 0 {
			t.Fatalf("%T: nothing ranked", tc.emb)
		}
		top := ranked[0]
		if got := top.Late != 0; got != tc.late {
			t.Errorf("%T: late interaction %v (Late %.3f), want %v", tc.emb, got, top.Late, tc.late)
		}
		if want := RankDense*top.Dense + RankLate*top.Late + RankSparse*top.Cover; math.Abs(top.Score-want) > 1e-9 {
			t.Errorf("%T: score %.4f, want %.4f from its signals", tc.emb, top.Score, want)
		}
		if rel, _ := top.Point.Payload["rel"].(string); tc.late && rel != "notes/photosynthesis.md" {
			t.Errorf("%T: best chunk from %s, want notes/photosynthesis.md", tc.emb, rel)
		}
	}
}

func TestCalibratedEmbedder(t *testing.T) {
	m, _, _ := openTest(t)
	if !m.cutsIrrelevant() {
		t.Fatalf("the built-in embedder %q is not %q: recalibrate RelevanceCutoff (TestParaphraseRecall) and rename", m.emb.Name(), CalibratedEmbedder)
	}
}

func gloveOf(t testing.TB) *embed.GloVe {
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

// lateCalibrated is plainEmbedder with relevance cutoffs for the ranking
// with late interaction over GloVe-SIF's word vectors
// (embed.LateCalibrated).
type lateCalibrated struct {
	plainEmbedder
	cal embed.Calibration
}

func (c lateCalibrated) Calibration() embed.Calibration { return c.cal }

func openWith(t testing.TB, emb embed.Embedder) *Memex {
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

// benchEmbedders returns the embedders the embedder benchmarks compare,
// each the other's peer in the same run: the built-in GloVe-SIF, and
// USE-lite when its model files are in use.DefaultDir.
func benchEmbedders(b *testing.B) []embed.Embedder {
	b.Helper()
	out := []embed.Embedder{gloveOf(b)}
	m, err := use.Open(use.DefaultDir())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		b.Logf("USE-lite not benchmarked: no model files in %s (.ci/deps.d/55-use-model.sh)", use.DefaultDir())
	case err != nil:
		b.Fatal(err)
	default:
		out = append(out, m)
	}
	return out
}

// benchCorpus writes the generated corpus TestParaphraseRecall indexes
// (notes, invoices, mail, filler in every supported format) to a new
// directory.
func benchCorpus(b *testing.B) (*corpus.Corpus, string) {
	b.Helper()
	c := corpus.Generate(corpus.Options{Seed: 1, Invoices: 200})
	dir := b.TempDir()
	if err := c.WriteTo(dir); err != nil {
		b.Fatal(err)
	}
	return c, dir
}

// BenchmarkEmbedderIngest reports the ingest throughput of the generated
// corpus with each embedder (one op: the whole corpus into a new index;
// extraction, facts, chunking, embedding, sparse vectors and durable
// upserts). Run with -benchtime=1x or 2x: an op takes seconds.
func BenchmarkEmbedderIngest(b *testing.B) {
	_, dir := benchCorpus(b)
	for _, emb := range benchEmbedders(b) {
		b.Run(emb.Name(), func(b *testing.B) {
			var files, chunks int
			var spent time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				m := openWith(b, emb)
				b.StartTimer()
				t0 := time.Now()
				sum, err := m.Add(context.Background(), []string{dir}, nil)
				if err != nil {
					b.Fatal(err)
				}
				spent += time.Since(t0)
				files += sum.Indexed
				chunks += sum.Chunks
			}
			b.ReportMetric(float64(files)/spent.Seconds(), "files/s")
			b.ReportMetric(float64(chunks)/spent.Seconds(), "chunks/s")
		})
	}
}

// BenchmarkEmbedderChunks reports how fast each embedder embeds the
// corpus's chunks (the text ingest embeds: title, heading, text), one by
// one as ingest does and, for an embedder with EmbedBatch (USE-lite),
// in batches, to show what batching ingest's embedding would gain.
func BenchmarkEmbedderChunks(b *testing.B) {
	c, _ := benchCorpus(b)
	var texts []string
	for _, d := range c.Docs {
		x, err := extract.File(d.Name, d.Data)
		if err != nil {
			continue
		}
		for _, ch := range Chunk(x) {
			texts = append(texts, x.Title+"\n"+ch.Heading+"\n"+ch.Text)
		}
	}
	type batcher interface{ EmbedBatch([]string) [][]float32 }
	for _, emb := range benchEmbedders(b) {
		sizes := []int{1}
		if _, ok := emb.(batcher); ok {
			sizes = append(sizes, 8, 32)
		}
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/batch=%d", emb.Name(), n), func(b *testing.B) {
				done := 0
				for i := 0; i < b.N; i++ {
					for j := 0; j < len(texts); j += n {
						part := texts[j:min(j+n, len(texts))]
						if n == 1 {
							emb.Embed(part[0])
						} else {
							emb.(batcher).EmbedBatch(part)
						}
						done += len(part)
					}
				}
				b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "chunks/s")
			})
		}
	}
}

// BenchmarkEmbedderQuery reports the latency of content questions (the
// corpus's note paraphrases, topic and off-topic questions) over the
// generated corpus with each embedder: one op is one question; p50 and
// p99 are of the op times.
func BenchmarkEmbedderQuery(b *testing.B) {
	c, dir := benchCorpus(b)
	var qs []string
	for _, q := range corpus.NoteQuery() {
		qs = append(qs, q)
	}
	for _, name := range tuningTopics {
		qs = append(qs, "what do my notes say about "+name)
	}
	qs = append(qs, tuningNoMatch...)
	slices.Sort(qs)
	for _, emb := range benchEmbedders(b) {
		b.Run(emb.Name(), func(b *testing.B) {
			m := openWith(b, emb)
			if _, err := m.Add(context.Background(), []string{dir}, nil); err != nil {
				b.Fatal(err)
			}
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := m.Query(context.Background(), qs[i%len(qs)], QueryOptions{Now: c.Now, Limit: 5}); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
