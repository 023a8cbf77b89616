package memex

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"nexusos/memex/corpus"
	"nexusos/memex/embed"
	"nexusos/memex/embed/use"
	"nexusos/memex/sparse"
)

// Paraphrase recall without an oracle. Two groups of question sets run
// against one index (the generated corpus of TestQuality plus a glossary
// vault built from WordNet):
//
// Tuning (used to choose fusion weights, the relevance cutoff, the
// WordNet retrofit and the word-vector post-processing): the corpus's
// hand-written note paraphrases, WordNet glosses of each note's subject
// less the note's terms, WordNet glosses of a concept each note is about
// without being titled by it (as the held-out vault set does with other
// headwords), topic questions, "how are A and B connected" questions, and
// off-topic questions (hand written, and WordNet glosses of concepts in
// neither corpus) that should get "no good match".
//
// Held-out (never used for tuning): questions whose wording comes from an
// outside source, GCIDE's dictionary definitions (Debian dict-gcide, read
// at test time; its GPL text is not copied into the repository), with every
// term the gold note contains removed, so only meaning links them:
//   - vault: a definition of each vault note's subject → that note;
//   - glossary: a second, independent corpus — short notes made of WordNet
//     glosses of other concepts — asked with those concepts' GCIDE
//     definitions;
//   - no match: definitions of concepts in neither corpus.
//
// Tuning also has a mirror of the held-out glossary with the sources
// swapped, in an index of its own (the corpus plus that glossary): short
// notes made of GCIDE definitions of concepts in none of the other sets,
// asked with those concepts' WordNet glosses less the notes' terms. Its
// questions are worded by WordNet, like the other tuning sets;
// GCIDE-worded questions stay held-out.
//
// The harness never tells the engine what kind of question it asks.

// paraQ is one question of a set.
type paraQ struct {
	Text string
	// Gold lists the acceptable files per required side: a question hits
	// when every side has a file in the top 5. No sides: "no good match"
	// is the right answer (an empty result).
	Sides [][]string
	// Frac scores a one-sided question by the fraction of its side found
	// (topic questions: all notes of the topic).
	Frac bool
}

type paraSet struct {
	Name string
	Qs   []paraQ
	M    *Memex // the index asked
}

// heldOutVault maps vault notes to the GCIDE headword and sense that
// define their subject (notes whose subject GCIDE lacks are left out).
var heldOutVault = []struct {
	Note, Word string
	Sense      int
}{
	{"light-reactions", "chlorophyll", 1}, {"calvin-cycle", "photosynthesis", 1},
	{"cellular-respiration", "respiration", 4}, {"estates-general", "revolution", 7},
	{"bastille", "prison", 2}, {"ww1-causes", "militarism", 1}, {"trench-warfare", "warfare", 1},
	{"supply-demand", "demand", 3}, {"inflation", "inflation", 3}, {"plate-tectonics", "plate tectonics", 1},
	{"earthquakes", "earthquake", 1}, {"carbon-cycle", "carbon", 1}, {"newton-laws", "inertia", 1},
	{"gravity", "gravitation", 2}, {"ohms-law", "ohm", 1}, {"neural-networks", "neuron", 2},
	{"backprop", "gradient", 3}, {"hamlet", "revenge", 1}, {"tragedies", "drama", 1},
	{"pythagoras", "hypotenuse", 1},
}

// glossary lists the second corpus: concept, WordNet noun sense (1-based)
// for its note, GCIDE sense for its question.
var glossary = []struct {
	Word        string
	WNSense, GC int
}{
	{"volcano", 1, 1}, {"glacier", 1, 1}, {"vaccine", 1, 2}, {"telescope", 1, 1}, {"democracy", 1, 1},
	{"mortgage", 1, 1}, {"violin", 1, 1}, {"bicycle", 1, 1}, {"cathedral", 1, 1}, {"tornado", 1, 1},
	{"comet", 1, 1}, {"enzyme", 1, 1}, {"parliament", 1, 2}, {"pharmacy", 1, 1}, {"irrigation", 1, 1},
	{"pyramid", 1, 2}, {"vitamin", 1, 1}, {"passport", 1, 1}, {"umbrella", 1, 1}, {"microscope", 1, 1},
	{"windmill", 1, 1}, {"desert", 1, 2}, {"library", 1, 2}, {"sonnet", 1, 2}, {"glucose", 1, 1},
	{"monarchy", 1, 1}, {"fortress", 1, 1}, {"triangle", 1, 1},
}

// tuningGlossary lists the mirror glossary's concepts (GCIDE sense 1 for
// the note, WordNet noun sense 1 for the question); none is a concept of
// another set.
var tuningGlossary = []string{"newspaper", "tsunami", "museum", "calendar", "castle", "piano", "rainbow", "anchor",
	"marriage", "hurricane", "lawyer", "antibiotic", "banjo", "vinegar", "diamond", "blizzard", "dictionary", "harp",
	"kettle", "mirror", "wagon", "zebra", "fever", "banker", "bottle", "jewel", "soldier", "village"}

// noMatchWords are concepts in neither corpus; their GCIDE definitions
// should get no good match.
var noMatchWords = []string{"saxophone", "pancake", "umpire", "carpet", "lantern", "whale", "cheese",
	"wedding", "perfume", "ladder", "violet", "saddle"}

// tuningVaultWN maps vault notes to the WordNet noun and sense that define
// their subject: their glosses, less the note's terms, are tuning
// questions (the held-out ones use another dictionary).
var tuningVaultWN = []struct {
	Note, Word string
	Sense      int
}{
	{"light-reactions", "light reaction", 1}, {"calvin-cycle", "photosynthesis", 1},
	{"cellular-respiration", "cellular respiration", 1}, {"mitochondria", "mitochondrion", 1},
	{"estates-general", "estates general", 1}, {"bastille", "bastille", 1}, {"ww1-causes", "world war i", 1},
	{"trench-warfare", "trench warfare", 2}, {"inflation", "inflation", 1}, {"central-banks", "central bank", 1},
	{"plate-tectonics", "plate tectonics", 1}, {"earthquakes", "earthquake", 1}, {"greenhouse", "greenhouse effect", 1},
	{"carbon-cycle", "carbon cycle", 1}, {"newton-laws", "law of motion", 1}, {"gravity", "gravity", 1},
	{"ohms-law", "ohm's law", 1}, {"circuits", "parallel circuit", 1}, {"neural-networks", "neural network", 1},
	{"hamlet", "hamlet", 2}, {"tragedies", "tragedy", 2},
}

// tuningVaultRelated maps vault notes to a WordNet noun sense of a concept
// the note is about but is not titled by (as the held-out GCIDE set does,
// with other headwords than it uses): their glosses, less the note's
// terms, are tuning questions.
var tuningVaultRelated = []struct {
	Note, Word string
	Sense      int
}{
	{"light-reactions", "chloroplast", 1}, {"calvin-cycle", "stroma", 2}, {"cellular-respiration", "glycolysis", 1},
	{"mitochondria", "organelle", 1}, {"estates-general", "third estate", 1}, {"bastille", "fortress", 1},
	{"ww1-causes", "nationalism", 2}, {"trench-warfare", "trench", 1}, {"inflation", "consumer price index", 1},
	{"central-banks", "interest rate", 1}, {"plate-tectonics", "subduction", 1}, {"greenhouse", "global warming", 1},
	{"carbon-cycle", "fossil fuel", 1}, {"newton-laws", "acceleration", 3}, {"gravity", "mass", 1},
	{"ohms-law", "resistor", 1}, {"circuits", "series circuit", 1}, {"neural-networks", "artificial intelligence", 1},
	{"hamlet", "soliloquy", 2}, {"tragedies", "downfall", 1}, {"pythagoras", "right triangle", 1},
}

// tuningNoMatchWN are concepts in neither corpus (and not among the
// held-out ones); their WordNet glosses should get no good match.
var tuningNoMatchWN = []struct {
	Word  string
	Sense int
}{
	{"harmonica", 1}, {"omelette", 1}, {"referee", 1}, {"rug", 1}, {"flashlight", 1}, {"dolphin", 2},
	{"yogurt", 1}, {"funeral", 1}, {"cologne", 2}, {"staircase", 1}, {"tulip", 1}, {"stirrup", 1},
}

// tuningTopics names each vault topic as a person would.
var tuningTopics = map[string]string{
	"photosynthesis": "photosynthesis in plants", "respiration": "cellular respiration",
	"french-revolution": "the French Revolution", "ww1": "World War One", "economics": "economics",
	"geology": "geology", "climate": "climate change", "physics": "classical mechanics",
	"electricity": "electricity", "ai": "artificial intelligence", "literature": "Shakespeare",
	"math": "geometry",
}

var tuningPairs = [][2]string{
	{"photosynthesis", "respiration"}, {"climate", "photosynthesis"}, {"ww1", "french-revolution"},
	{"electricity", "physics"}, {"geology", "climate"}, {"economics", "ww1"}, {"ai", "math"},
	{"literature", "french-revolution"}, {"photosynthesis", "geology"}, {"economics", "climate"},
	{"electricity", "ai"}, {"respiration", "climate"},
}

var tuningNoMatch = []string{
	"how to tune a guitar string", "best way to teach a puppy to sit", "symptoms of a sprained ankle",
	"rules for the batting order in cricket", "how to knit a woolly scarf", "flight times from london to tokyo",
	"how to brew espresso at home", "plot of the star wars films", "how to change a flat car tyre",
	"which lipstick shade suits pale skin", "learning to juggle three balls", "how do you groom a long haired cat",
}

// paraEmbedderEnv opts TestParaphraseRecall into another embedder than
// the built-in GloVe-SIF: "use" is the Universal Sentence Encoder Lite
// (memex/embed/use, model files from use.DefaultDir). Its figures are
// logged, not held to the floors, which were reached with GloVe.
const paraEmbedderEnv = "MEMEX_PARA_EMBEDDER"

var (
	paraUseOnce sync.Once
	paraUse     *use.Model
	paraUseErr  error
)

// paraEmbedder returns the embedder paraEmbedderEnv asks for, or nil for
// the built-in one.
func paraEmbedder(t *testing.T) embed.Embedder {
	t.Helper()
	switch v := os.Getenv(paraEmbedderEnv); v {
	case "", "glove":
		return nil
	case "use":
		paraUseOnce.Do(func() { paraUse, paraUseErr = use.Open(use.DefaultDir()) })
		if paraUseErr != nil {
			t.Fatalf("%s=use: %v", paraEmbedderEnv, paraUseErr)
		}
		return paraUse
	default:
		t.Fatalf("%s=%q: want glove or use", paraEmbedderEnv, v)
		return nil
	}
}

// openParaTest is openTest with the embedder paraEmbedder chooses.
func openParaTest(t *testing.T) *Memex {
	t.Helper()
	emb := paraEmbedder(t)
	if emb == nil {
		m, _, _ := openTest(t)
		return m
	}
	return openWith(t, emb)
}

// paraSetsEnv set to "tuning" runs the tuning sets only, so that a
// threshold can be chosen without seeing held-out figures.
const paraSetsEnv = "MEMEX_PARA_SETS"

// paraDumpEnv names a file TestParaphraseRecall writes, for the tuning
// sets only, one JSON line per question with what a relevance cutoff is
// chosen from: the files answered before any cutoff and the best
// chunk's signals.
const paraDumpEnv = "MEMEX_PARA_DUMP"

// paraDump is one line of the paraDumpEnv file.
type paraDump struct {
	Set, Text string
	Sides     [][]string
	Frac      bool
	Filtered  bool     // the question has filters (never cut)
	Files     []string // the answer's first 5 files, before any cutoff
	Empty     bool     // answered "no good match" (at the embedder's cutoff)
	// Of the ranked chunks (questions without filters): the best score,
	// the best dense cosine, and whether a chunk holds every term.
	Top, TopDense float64
	Full          bool
	// The question's cosine over every chunk of the index: mean,
	// deviation and count (to try cutoffs on a normalised cosine).
	AllMean, AllStd float64
	AllN            int
	// Cands are the ranked chunks with their signals, best first, so
	// that other fusions and cutoffs can be tried offline (rank.go lists
	// those tried this way).
	Cands []paraCand
}

// paraCand is one ranked chunk of a paraDump line.
type paraCand struct {
	Rel                       string
	Dense, Late, Cover, Score float64
}

// paraSweepEnv, when set, makes TestParaphraseRecall log the tuning
// sets' figures for top-score cutoffs from 0.20 to 0.90 by 0.01, computed
// from the paraDump lines: a cutoff empties the answer of a question
// without filters whose best chunk scores below it, unless a chunk holds
// every term, as memex's relevant does (without a floor). Set to a
// number, it is also a dense floor (embed.Calibration.DenseFloor): a
// question whose closest chunk's cosine is below it is emptied too.
const paraSweepEnv = "MEMEX_PARA_SWEEP"

// sweep logs the figures of the tuning sets, in the order of names, at
// each cutoff.
func sweep(t *testing.T, names []string, ds []paraDump, denseFloor float64) {
	t.Helper()
	t.Logf("dense floor %.2f", denseFloor)
	t.Logf("cutoff  pooled paraphrase | %s", strings.Join(names, " | "))
	for c := 20; c <= 90; c++ {
		cut := float64(c) / 100
		sum, n := map[string]float64{}, map[string]float64{}
		for _, d := range ds {
			files := d.Files
			if !d.Filtered && (d.Top < cut || d.TopDense < denseFloor) && !d.Full {
				files = nil
			}
			got := map[string]bool{}
			for _, f := range files {
				got[f] = true
			}
			sc := 1.0
			switch {
			case len(d.Sides) == 0:
				if len(files) > 0 {
					sc = 0
				}
			case d.Frac:
				k := 0
				for _, g := range d.Sides[0] {
					if got[g] {
						k++
					}
				}
				sc = float64(k) / float64(len(d.Sides[0]))
			default:
				for _, side := range d.Sides {
					if !slices.ContainsFunc(side, func(g string) bool { return got[g] }) {
						sc = 0
					}
				}
			}
			sum[d.Set] += sc
			n[d.Set]++
		}
		var para, paraN float64
		var cols []string
		for _, name := range names {
			cols = append(cols, fmt.Sprintf("%.3f", sum[name]/n[name]))
			if strings.Contains(name, "paraphrase") {
				para += sum[name]
				paraN += n[name]
			}
		}
		t.Logf("%.2f    %.3f             | %s", cut, para/paraN, strings.Join(cols, " | "))
	}
}

// dumpSet returns a paraDump of each of s's questions and writes them
// to w when it is not nil.
func dumpSet(t *testing.T, c *corpus.Corpus, s paraSet, w *json.Encoder) []paraDump {
	t.Helper()
	var out []paraDump
	for _, q := range s.Qs {
		ans, err := s.M.Query(context.Background(), q.Text, QueryOptions{Now: c.Now, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		d := paraDump{Set: s.Name, Text: q.Text, Sides: q.Sides, Frac: q.Frac, Filtered: ans.Understood.HasFilter(), Empty: len(ans.Results) == 0}
		for i, r := range ans.Results {
			if i < 5 {
				d.Files = append(d.Files, r.Rel)
			}
		}
		if !d.Filtered {
			rest := ans.Understood.Rest
			if strings.TrimSpace(rest) == "" {
				rest = q.Text
			}
			ranked, err := s.M.rankChunks(context.Background(), rest, nil, 100)
			if err != nil {
				t.Fatal(err)
			}
			all, err := s.M.rankChunks(context.Background(), rest, nil, 100000)
			if err != nil {
				t.Fatal(err)
			}
			var sum, sq float64
			for _, r := range all {
				if r.inDense {
					sum += r.Dense
					sq += r.Dense * r.Dense
					d.AllN++
				}
			}
			if d.AllN > 0 {
				d.AllMean = sum / float64(d.AllN)
				d.AllStd = math.Sqrt(max(0, sq/float64(d.AllN)-d.AllMean*d.AllMean))
			}
			seen := map[string]bool{}
			var uncut []string
			for i, r := range ranked {
				if i == 0 {
					d.Top = r.Score
				}
				d.TopDense = max(d.TopDense, r.Dense)
				d.Full = d.Full || r.Cover >= 1
				rel, _ := r.Point.Payload["rel"].(string)
				d.Cands = append(d.Cands, paraCand{Rel: rel, Dense: r.Dense, Late: r.Late, Cover: r.Cover, Score: r.Score})
				if !seen[rel] && len(uncut) < 5 {
					seen[rel] = true
					uncut = append(uncut, rel)
				}
			}
			if ans.Empty != nil {
				// Cut at the embedder's cutoff: the files it would
				// have answered with.
				d.Files = uncut
			}
		}
		out = append(out, d)
		if w == nil {
			continue
		}
		if err := w.Encode(d); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// paraIndex builds the shared index and the question sets.
func paraIndex(t *testing.T) (*corpus.Corpus, []paraSet, []paraSet) {
	t.Helper()
	gc := openGCIDE(t)
	wn := openWordNet(t)
	c := corpus.Generate(corpus.Options{Seed: 1, Invoices: 200})
	dir, glossDir := t.TempDir(), t.TempDir()
	if err := c.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	noteDoc := map[string]string{}     // note id → file
	noteText := map[string]string{}    // note id → the file's text (title, tags, links)
	topicDocs := map[string][]string{} // topic → files
	for _, d := range c.Docs {
		if d.Meta.NoteID != "" {
			noteDoc[d.Meta.NoteID] = d.Name
			noteText[d.Meta.NoteID] = string(d.Data)
			topic := strings.Split(d.Name, "/")[1]
			topicDocs[topic] = append(topicDocs[topic], d.Name)
		}
	}
	// The glossary vault.
	var glossQs []paraQ
	for _, g := range glossary {
		ss, err := wn.Synsets(g.Word, 'n')
		if err != nil || len(ss) < g.WNSense {
			t.Fatalf("wordnet %q: %d senses, %v", g.Word, len(ss), err)
		}
		s := ss[g.WNSense-1]
		var b strings.Builder
		title := strings.ToUpper(g.Word[:1]) + g.Word[1:]
		fmt.Fprintf(&b, "# %s\n\n%s.", title, strings.ToUpper(s.Gloss[:1])+s.Gloss[1:])
		for _, e := range s.Examples {
			fmt.Fprintf(&b, " For example: %s.", e)
		}
		if len(s.Words) > 1 {
			fmt.Fprintf(&b, "\n\nAlso called: %s.", strings.Join(s.Words[1:], ", "))
		}
		rel := "glossary/" + strings.ReplaceAll(g.Word, " ", "-") + ".md"
		if err := os.MkdirAll(filepath.Join(glossDir, "glossary"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(glossDir, rel), []byte(b.String()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		def := gc.Definition(g.Word, g.GC, 30)
		if def == "" {
			t.Fatalf("gcide has no sense %d of %q", g.GC, g.Word)
		}
		if q := withoutTerms(def, b.String()); q != "" {
			glossQs = append(glossQs, paraQ{Text: q, Sides: [][]string{{rel}}})
		}
	}
	// The corpus alone (tuning, and held-out questions about the vault),
	// and the corpus with the glossary (held-out glossary questions).
	index := func(dirs ...string) *Memex {
		m := openParaTest(t)
		sum, err := m.Add(context.Background(), dirs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Skipped) > 0 {
			t.Fatalf("skipped %d files, first: %+v", len(sum.Skipped), sum.Skipped[0])
		}
		return m
	}
	// The mirror glossary (tuning).
	revDir := t.TempDir()
	var revQs []paraQ
	for _, w := range tuningGlossary {
		def := gc.Definition(w, 1, 60)
		ss, err := wn.Synsets(w, 'n')
		if def == "" || err != nil || len(ss) == 0 {
			t.Fatalf("tuning glossary %q: gcide %q, wordnet %d senses, %v", w, def, len(ss), err)
		}
		note := fmt.Sprintf("# %s\n\n%s.\n", strings.ToUpper(w[:1])+w[1:], def)
		rel := "glossary/" + w + ".md"
		if err := os.MkdirAll(filepath.Join(revDir, "glossary"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(revDir, rel), []byte(note), 0o644); err != nil {
			t.Fatal(err)
		}
		if q := withoutTerms(ss[0].Gloss, note); q != "" {
			revQs = append(revQs, paraQ{Text: q, Sides: [][]string{{rel}}})
		}
	}
	m, mg, mr := index(dir), index(dir, glossDir), index(dir, revDir)

	// Tuning sets.
	var notePara, topics, pairs, none []paraQ
	for id, q := range corpus.NoteQuery() {
		notePara = append(notePara, paraQ{Text: q, Sides: [][]string{{noteDoc[id]}}})
	}
	for topic, name := range tuningTopics {
		topics = append(topics, paraQ{Text: "what do my notes say about " + name, Sides: [][]string{topicDocs[topic]}, Frac: true})
	}
	for _, p := range tuningPairs {
		pairs = append(pairs, paraQ{Text: fmt.Sprintf("how are %s and %s connected", tuningTopics[p[0]], tuningTopics[p[1]]),
			Sides: [][]string{topicDocs[p[0]], topicDocs[p[1]]}})
	}
	for _, q := range tuningNoMatch {
		none = append(none, paraQ{Text: q})
	}
	var wnPara, wnNone []paraQ
	for _, h := range tuningVaultWN {
		ss, err := wn.Synsets(h.Word, 'n')
		if err != nil || len(ss) < h.Sense {
			t.Fatalf("wordnet %q: %d senses, %v", h.Word, len(ss), err)
		}
		if q := withoutTerms(ss[h.Sense-1].Gloss, noteText[h.Note]); q != "" {
			wnPara = append(wnPara, paraQ{Text: q, Sides: [][]string{{noteDoc[h.Note]}}})
		}
	}
	var relPara []paraQ
	for _, h := range tuningVaultRelated {
		ss, err := wn.Synsets(h.Word, 'n')
		if err != nil || len(ss) < h.Sense {
			t.Fatalf("wordnet %q: %d senses, %v", h.Word, len(ss), err)
		}
		if q := withoutTerms(ss[h.Sense-1].Gloss, noteText[h.Note]); q != "" {
			relPara = append(relPara, paraQ{Text: q, Sides: [][]string{{noteDoc[h.Note]}}})
		}
	}
	for _, h := range tuningNoMatchWN {
		ss, err := wn.Synsets(h.Word, 'n')
		if err != nil || len(ss) < h.Sense {
			t.Fatalf("wordnet %q: %d senses, %v", h.Word, len(ss), err)
		}
		wnNone = append(wnNone, paraQ{Text: ss[h.Sense-1].Gloss})
	}
	tuning := []paraSet{{"note paraphrase", notePara, m}, {"vault paraphrase (WordNet)", wnPara, m}, {"topic", topics, m},
		{"connect A and B", pairs, m}, {"no good match", none, m}, {"no good match (WordNet)", wnNone, m},
		{"vault related paraphrase (WordNet)", relPara, m}, {"mirror glossary paraphrase", revQs, mr}}

	// Held-out sets.
	var vaultQs, outside, glossPairs []paraQ
	for _, h := range heldOutVault {
		def := gc.Definition(h.Word, h.Sense, 30)
		if def == "" {
			t.Fatalf("gcide has no sense %d of %q", h.Sense, h.Word)
		}
		if q := withoutTerms(def, noteText[h.Note]); q != "" {
			vaultQs = append(vaultQs, paraQ{Text: q, Sides: [][]string{{noteDoc[h.Note]}}})
		}
	}
	for _, w := range noMatchWords {
		if def := gc.Definition(w, 1, 30); def != "" {
			outside = append(outside, paraQ{Text: def})
		}
	}
	for i := 0; i+1 < len(glossary); i += 2 {
		a, b := glossary[i].Word, glossary[i+1].Word
		glossPairs = append(glossPairs, paraQ{Text: fmt.Sprintf("how are %ss and %ss connected", a, b),
			Sides: [][]string{{"glossary/" + a + ".md"}, {"glossary/" + b + ".md"}}})
	}
	heldOut := []paraSet{{"vault paraphrase (GCIDE)", vaultQs, m}, {"glossary paraphrase (GCIDE)", glossQs, mg},
		{"glossary connect A and B", glossPairs, mg}, {"no good match (GCIDE)", outside, m}}
	for _, s := range append(append([]paraSet(nil), tuning...), heldOut...) {
		sort.Slice(s.Qs, func(i, j int) bool { return s.Qs[i].Text < s.Qs[j].Text })
	}
	return c, tuning, heldOut
}

// withoutTerms drops from q every word whose index term occurs in note.
func withoutTerms(q, note string) string {
	have := map[string]bool{}
	for _, w := range sparse.Terms(note) {
		have[w] = true
	}
	var out []string
	for _, w := range strings.Fields(q) {
		terms := sparse.Terms(w)
		keep := true
		for _, tm := range terms {
			if have[tm] {
				keep = false
			}
		}
		if keep {
			out = append(out, w)
		}
	}
	if len(sparse.Terms(strings.Join(out, " "))) < 2 {
		return ""
	}
	return strings.Join(out, " ")
}

// scoreSet runs a set and returns its mean score (recall@5, hit@5, or the
// share answered "no good match").
func scoreSet(t *testing.T, c *corpus.Corpus, s paraSet, verbose bool) float64 {
	t.Helper()
	m := s.M
	var total float64
	for _, q := range s.Qs {
		ans, err := m.Query(context.Background(), q.Text, QueryOptions{Now: c.Now, Limit: 5})
		if err != nil {
			t.Fatalf("%q: %v", q.Text, err)
		}
		got := map[string]bool{}
		var list []string
		for i, r := range ans.Results {
			if i < 5 {
				got[r.Rel] = true
				list = append(list, fmt.Sprintf("%s(%.3f)", r.Rel, r.Score))
			}
		}
		var sc float64
		switch {
		case len(q.Sides) == 0:
			if len(ans.Results) == 0 {
				sc = 1
			}
		case q.Frac:
			n := 0
			for _, g := range q.Sides[0] {
				if got[g] {
					n++
				}
			}
			sc = float64(n) / float64(len(q.Sides[0]))
		default:
			sc = 1
			for _, side := range q.Sides {
				hit := false
				for _, g := range side {
					hit = hit || got[g]
				}
				if !hit {
					sc = 0
				}
			}
		}
		total += sc
		if verbose && sc < 1 {
			t.Logf("  miss [%s] %q: gold %v, got %v", s.Name, q.Text, q.Sides, list)
		}
	}
	if len(s.Qs) == 0 {
		return 0
	}
	return total / float64(len(s.Qs))
}

// TestParaphraseRecall measures paraphrase, topic, connection and
// no-good-match questions on the tuning and held-out sets and holds floors
// under the figures reached.
func TestParaphraseRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("paraphrase corpus is not run in -short mode")
	}
	start := time.Now()
	c, tuning, heldOut := paraIndex(t)
	indexed := time.Now()
	defer func() {
		t.Logf("wall time: indexing %.1fs, questions %.1fs", indexed.Sub(start).Seconds(), time.Since(indexed).Seconds())
	}()
	verbose := os.Getenv("MEMEX_PARA_VERBOSE") != ""
	// Regression floors a little under the figures reached (issue
	// targets: held-out paraphrase recall@5 0.85, topic 0.9, connect 0.9).
	floors := map[string]float64{
		"note paraphrase": 0.75, "vault paraphrase (WordNet)": 0.85, "topic": 0.9, "connect A and B": 0.9,
		"no good match": 0.65, "no good match (WordNet)": 0.3,
		"vault related paraphrase (WordNet)": 0.55, "mirror glossary paraphrase": 0.85,
		"vault paraphrase (GCIDE)": 0.65, "glossary paraphrase (GCIDE)": 0.85,
		"glossary connect A and B": 0.9, "no good match (GCIDE)": 0.5,
	}
	if e := paraEmbedder(t); e != nil {
		t.Logf("embedder %s (%s): figures are not held to the floors", e.Name(), paraEmbedderEnv)
		floors = nil
	}
	check := func(group string, sets []paraSet) {
		var para, paraN float64
		for _, s := range sets {
			got := scoreSet(t, c, s, verbose)
			t.Logf("%-8s %-36s n=%2d  %.3f", group, s.Name, len(s.Qs), got)
			if f, ok := floors[s.Name]; ok && got < f {
				t.Errorf("%s %s: %.3f below floor %.2f", group, s.Name, got, f)
			}
			if strings.Contains(s.Name, "paraphrase") {
				para += got * float64(len(s.Qs))
				paraN += float64(len(s.Qs))
			}
		}
		if paraN > 0 {
			t.Logf("%-8s %-36s n=%2.0f  %.3f", group, "paraphrase, all sets", paraN, para/paraN)
		}
	}
	check("tuning", tuning)
	if path, sw := os.Getenv(paraDumpEnv), os.Getenv(paraSweepEnv) != ""; path != "" || sw {
		var w *json.Encoder
		if path != "" {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w = json.NewEncoder(f)
		}
		var ds []paraDump
		var names []string
		for _, s := range tuning {
			ds = append(ds, dumpSet(t, c, s, w)...)
			names = append(names, s.Name)
		}
		if sw {
			floor, err := strconv.ParseFloat(os.Getenv(paraSweepEnv), 64)
			if err != nil {
				floor = 0 // "1" and other words: no floor
			}
			if floor >= 1 {
				floor = 0
			}
			sweep(t, names, ds, floor)
		}
	}
	if os.Getenv(paraSetsEnv) == "tuning" {
		t.Logf("%s=tuning: held-out sets not run", paraSetsEnv)
		return
	}
	check("held-out", heldOut)
}
