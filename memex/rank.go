package memex

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"nexusos/memex/embed"
	"nexusos/memex/graph"
	"nexusos/memex/sparse"
	"nexusos/vectordb"
)

// Ranking of content questions (those the filter alone does not answer).
//
// The dense (GloVe-SIF) and sparse (BM25) lists are fetched separately and
// every candidate chunk is scored on one scale:
//
//	score = RankDense·cos(question, chunk) + RankLate·maxsim + RankSparse·coverage
//
// maxsim is late interaction over word vectors: each content word of the
// question is matched with its most similar word of the chunk, and the
// similarities are averaged with SIF weights, so "sunshine" meets
// "photons" even when the averaged sentence vectors drift apart. The word
// vectors are the embedder's all-but-the-top ones (embed.GloVe.WordVector),
// on which unrelated words score near 0: with raw GloVe vectors every word
// of a long chunk is 0.3–0.5 similar to everything, and the best of them
// favoured long chunks and off-topic questions alike. coverage
// is the share of the question's index terms the chunk contains, so one
// incidental keyword no longer ties with the best meaning match as it did
// under reciprocal rank fusion (k = 2).
//
// A question without filters whose best chunk scores below
// RelevanceCutoff has no good match: the answer is empty and says so
// (with the built-in embedder, CalibratedEmbedder; other embedders are
// cut at the score they report, embed.Calibrated, and never when they
// report none). Otherwise chunks below RelevanceFloor are dropped
// (CalibratedEmbedder only). Questions with filters are not cut (the
// filter vouches for its files).
//
// An embedder without word vectors of its own may ask for late
// interaction over the built-in GloVe-SIF word vectors instead
// (embed.LateCalibrated: USE-lite): its chunks are scored as GloVe-SIF's
// are, with its own cosine, and a question then needs two signals to be
// answered: the fused score of its best chunk reaches the embedder's
// cutoff, and the cosine of its closest chunk reaches the embedder's
// dense floor (embed.Calibration); the weights stay GloVe-SIF's. A
// sentence encoder's cosine is high for any question in the corpus's
// register (WordNet glosses of unrelated concepts reach 0.37–0.47 with
// some tuning note, as high as many true paraphrases), and the word-level
// signal is high for any question sharing a few common words; off-topic
// questions rarely score well on both. With USE-lite, on the tuning
// sets, this answers as many off-topic questions "no good match" as
// GloVe-SIF does (9 and 5 of 12, from 6 and 2 under a cutoff on cosine
// plus coverage alone), at the cost of two tuning paraphrases (pooled
// recall@5 0.872 → 0.851); the late interaction alone, uncut, lifts
// pooled paraphrase recall@5 from 0.872 to 0.883 and topic recall from
// 0.958 to 1.000. Held-out, run once after the choice: paraphrase
// recall@5 0.851 (0.872 before), "no good match" 7 of 12 GCIDE
// definitions (1 of 12 before; GloVe-SIF 8). As the second signal beside the fused cutoff, these
// did as follows on the same tuning sets (best pooled paraphrase recall@5
// that still cuts 9 and 5 off-topic questions with topic and connect
// questions at 1.000): the closest chunk's cosine (the floor) 0.851; its
// z-score against the question's cosines over its 100 candidates 0.851,
// over every chunk of the index 0.830; the fused score's z-score over the
// candidates 0.840; no second signal 0.787. The closest cosine minus the
// mean of the 20 closest did better, 0.862 over a wider plateau of
// thresholds, but that comparison was made after the held-out sets had
// been run once with the floor, so it was not adopted: it is the next
// thing to try (with a fresh held-out set). Normalising by the whole
// index's distribution does not help because a question close to one
// note is close to its topic's other notes too, and a gloss of an
// unrelated concept can stand out from the index as much.
//
// The weights and both thresholds were chosen on the tuning question sets
// of TestParaphraseRecall only (its held-out sets were not looked at to
// choose them): RankLate (0–1 by 0.25), RankSparse (0.3, 0.5, 0.7, 1) and
// RelevanceCutoff (0.3–1.3 by 0.025) on a grid, as the best pooled tuning
// paraphrase recall@5 that keeps topic and connect questions at their
// figures and answers at least as many off-topic questions "no good match"
// as before (now 9 of 12 hand-written ones and 5 of 12 WordNet glosses of
// unrelated concepts).
// A variant that counts a word's similarity only above a threshold
// (0.2–0.4) separated off-topic questions no better.
//
// Tried later for GloVe-SIF, on the same tuning sets and under the same
// rule (topic and connect questions at 1.000, at least 9 and 5 of 12
// off-topic questions answered "no good match", thresholds on a grid),
// with none beating today's pooled tuning paraphrase recall@5 of 0.819
// (0.851 if no question were cut):
//   - the dense cosine after removing the index's mean chunk vector and its
//     first 1 or 3 principal components (SIF's corpus-fitted common
//     component; computed from every chunk of the index): 0.777 at best;
//   - question words weighted in maxsim by the index's inverse document
//     frequency, alone or times the SIF weight: 0.819 (same); uniform
//     weights, or each word's best cosine passed through max(0, s-0.2),
//     s², s³, √s or a sigmoid: 0.809–0.819, never above;
//   - maxsim in both directions (the chunk's words against the question):
//     0.809;
//   - query expansion with each question word's nearest GloVe neighbours
//     (all-but-the-top vectors, the 50,000 most frequent words; top 3, 5 or
//     10 at cosine ≥ 0.7, 0.6 or 0.5), added to the question's SIF average
//     with weight α·cosine, or counted in coverage at their cosine:
//     0.777–0.798 (the neighbours are noisy: "nets" → "knicks",
//     "cart" → "indycar"), and a brute-force search costs ~1.5 ms a word;
//   - coverage weighted by the index's IDF (BM25's weighting without term
//     frequency): 0.819 (same); coverage over terms stemmed harder than
//     sparse.Stem (derivational suffixes: -ation, -ment, -ing, -ed, -er,
//     -ly, …): 0.819 at best, and then with 13 off-topic questions cut,
//     not 14;
//   - pseudo-relevance feedback: the question's vector plus 0.3 or 0.6
//     times the mean vector of its 3 or 5 best chunks, in place of or
//     averaged with the plain cosine: 0.702–0.787;
//   - every chunk of the index as a candidate instead of the 100 closest
//     by cosine and by BM25: 0.819 (same: candidates are not the limit);
//   - a second cut signal beside the best score (its gap to the mean of the
//     next 19, its z-score among the top 20 or all candidates, the best
//     cosine, the best maxsim): 0.830 at best, one question more (0.69,
//     just under the cutoff), on a narrow band of thresholds only;
//   - reciprocal rank fusion of the three signals' ranks (k = 2, 10, 60):
//     at best 0.851 uncut, as today, with no scale to cut on;
//   - each signal standardised over the question's candidates before it is
//     fused (per-question weights): 0.830, one question more, but 12 gold
//     files that rank first today fall to second or third (17 fall in
//     all, 9 rise): a worse ranking that happens to cross the top-5 line
//     once.
//
// Tried after that (issue 11), under the same rule, with the weights
// re-picked for each variant on a grid (RankLate 0.5–2.5, RankSparse
// 0.2–1, cutoff by 0.01), prototyped with WordNet read from
// wordnet-base at test time; none was adopted:
//   - WordNet relations of a question word and a chunk word (same synset,
//     derivation, similar-to, hypernym one or two levels up, in either
//     direction; the first 1 or 3 senses) as a floor under their cosine
//     in maxsim, max(cos, 0.4–1 by relation): 0.809–0.819, uncut
//     0.830–0.862;
//   - the same relations as soft coverage (a question term the chunk
//     lacks counts at its best relation to a chunk word): 0.840 at one
//     point only (RankLate 1.5, RankSparse 0.3, cutoff 1.03; 0.830 at
//     1.04), and no five adjacent cutoffs meet the rule; used to rank
//     only, under today's cut: 0.830 (one question); synonyms (and
//     derivations) alone 0.787;
//   - one vector per sentence, the chunk's best sentence cosine averaged
//     with its own or replacing it: no weights meet the rule (at today's,
//     0.798 and 0.766 with 6 and 4 of 12 hand-written off-topic questions
//     cut; uncut 0.830 and 0.798): off-topic questions gain more from
//     their best sentence than paraphrases do;
//   - each question word's best similarity in maxsim less 0.5 or 1 times
//     its mean over the candidates (words that match everything count
//     less): 0.798–0.819;
//   - the question's SIF vector with each word's weight also times
//     (IDF in the index / the largest IDF)^γ, γ 0.5–4: 0.819 (gold files
//     move up within the top 5 only);
//   - coverage counted only on chunks near in meaning (times
//     min(1, cos/d), d 0.3–0.8): 0.819.
//
// Every gold chunk of the paraphrase sets shares no index term with its
// question (the sets are built so), so coverage only ever lifts a
// competitor, and the figures move by one question either way. Today's
// 0.819 holds at a cutoff of 0.70 only (0.71: 0.809; the best band of
// five cutoffs gives 0.787): the cut, not the ranking, is the limit
// (0.851 uncut), and the off-topic questions' best scores (0.47–1.35)
// overlap the hits' (0.54 and up; ranked in the top 5 before the cut) with
// every signal above.
//
// Of the 16 tuning paraphrases missed, 7 are cut (their best score is as
// low as an off-topic question's) and 9 lose to chunks sharing a common
// word ("cost", "rate", "loss") or a near-synonym of one: neither the
// word vectors nor BM25 tell a paraphrase from a topical neighbour there.
const (
	RankDense       = 1.0
	RankLate        = 0.75
	RankSparse      = 0.5
	RelevanceCutoff = 0.70
	RelevanceFloor  = 0.4
)

// CalibratedEmbedder names the embedder the weights and thresholds were
// calibrated with; other embedders' scores are ranked the same way but
// cut only at the cutoff they report (embed.Calibrated): their
// similarities live on another scale.
const CalibratedEmbedder = "glove-sif-100d-v2"

// relevance is where the scores of one embedder are cut.
type relevance struct {
	cut           bool // false: never (an uncalibrated embedder)
	cutoff, floor float64
	// denseFloor: a question none of whose chunks has a cosine this high
	// has no good match (0: no such test).
	denseFloor float64
}

// relevanceOf returns where the scores of questions answered with emb
// are cut.
func relevanceOf(emb embed.Embedder) relevance {
	if emb.Name() == CalibratedEmbedder {
		return relevance{cut: true, cutoff: RelevanceCutoff, floor: RelevanceFloor}
	}
	if c, ok := emb.(embed.LateCalibrated); ok {
		cal := c.Calibration()
		return relevance{cut: true, cutoff: cal.Cutoff, floor: math.Inf(-1), denseFloor: cal.DenseFloor}
	}
	if c, ok := emb.(embed.Calibrated); ok {
		return relevance{cut: true, cutoff: c.RelevanceCutoff(), floor: math.Inf(-1)}
	}
	return relevance{}
}

// cutsIrrelevant reports whether this index's scores are cut at the
// built-in embedder's RelevanceCutoff.
func (m *Memex) cutsIrrelevant() bool { return m.AnsweredBy() == CalibratedEmbedder }

// wordVectors is implemented by embedders that expose word vectors (the
// built-in GloVe); without it ranking uses the dense and sparse scores.
type wordVectors interface {
	WordVector(word string) ([]float32, float32, bool)
}

// lateWords returns the word vectors late interaction uses with emb: its
// own, the built-in GloVe-SIF's for an embed.LateCalibrated embedder, or
// nil (no late interaction).
func lateWords(emb embed.Embedder) (wordVectors, error) {
	if wv, ok := emb.(wordVectors); ok {
		return wv, nil
	}
	if _, ok := emb.(embed.LateCalibrated); !ok {
		return nil, nil
	}
	g, err := embed.Default()
	if err != nil {
		return nil, fmt.Errorf("memex query: word vectors for late interaction: %w", err)
	}
	return g, nil
}

// questionWords say how something is asked, not what about; they are left
// out of the text that ranks chunks.
var questionWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`how why what which who whom whose when where is are was were do does did
		can could would should tell show find explain describe say says said notes note my our i me about
		connected connect connection connections related relate relation relationship link linked links between
		anything something thing things there any`) {
		questionWords[w] = true
	}
}

// contentText drops question words from rest; it returns rest when
// nothing else would remain.
func contentText(rest string) string {
	var out []string
	embed.Tokens(rest, func(tok string) {
		if !questionWords[tok] {
			out = append(out, tok)
		}
	})
	if len(out) == 0 {
		return rest
	}
	return strings.Join(out, " ")
}

// rankedChunk is a candidate chunk with its signals and score.
type rankedChunk struct {
	Point              vectordb.ScoredPoint
	Dense, Late, Cover float64
	Score              float64
	inDense, inSparse  bool
}

// rankChunks scores the chunks that the dense and sparse searches return
// under filter, best first.
func (m *Memex) rankChunks(ctx context.Context, rest string, filter *vectordb.Filter, depth int) ([]rankedChunk, error) {
	q := contentText(rest)
	byID := map[vectordb.PointID]*rankedChunk{}
	var order []vectordb.PointID
	add := func(p vectordb.ScoredPoint) *rankedChunk {
		c, ok := byID[p.ID]
		if !ok {
			c = &rankedChunk{Point: p}
			byID[p.ID] = c
			order = append(order, p.ID)
		}
		return c
	}
	v := m.answering(ctx)
	dense := v.emb.Embed(q)
	if nonZero(dense) {
		pts, err := m.db.Query(ctx, v.coll, vectordb.QueryRequest{Query: &vectordb.Query{Nearest: &vectordb.VectorInput{Dense: dense}},
			Using: DenseVector, Filter: filter, Limit: depth, WithPayload: vectordb.PayloadSelector{All: true}})
		if err != nil {
			return nil, fmt.Errorf("memex query: dense search: %w", err)
		}
		for _, p := range pts {
			c := add(p)
			c.Dense, c.inDense = float64(p.Score), true
		}
	}
	if sp := sparse.Query(q); len(sp.Indices) > 0 {
		// The chunks' stored dense vectors come along: a chunk the dense
		// search missed is scored with the vector it was indexed with
		// rather than embedded again (costly with a neural embedder).
		pts, err := m.db.Query(ctx, v.coll, vectordb.QueryRequest{Query: &vectordb.Query{Nearest: &vectordb.VectorInput{Sparse: &sp}},
			Using: SparseVector, Filter: filter, Limit: depth, WithPayload: vectordb.PayloadSelector{All: true},
			WithVector: vectordb.VectorSelector{Names: []string{DenseVector}}})
		if err != nil {
			return nil, fmt.Errorf("memex query: sparse search: %w", err)
		}
		for _, p := range pts {
			c := add(p)
			c.inSparse = true
			if !c.inDense {
				c.Point.Vectors = p.Vectors
			}
		}
	}
	terms := distinctTerms(sparse.Terms(q))
	wv, err := lateWords(v.emb)
	if err != nil {
		return nil, err
	}
	var qv []lateVec
	cache := map[string]*lateVec{}
	if wv != nil {
		qv = lateVecs(wv, q, cache)
	}
	out := make([]rankedChunk, 0, len(order))
	for _, id := range order {
		c := byID[id]
		text := chunkText(c.Point.Payload)
		if !c.inDense && nonZero(dense) {
			c.Dense = graph.Cosine(dense, storedDense(c.Point, v.emb, text))
		}
		if len(terms) > 0 {
			c.Cover = float64(len(matchedTerms(text, terms))) / float64(len(terms))
		}
		if len(qv) > 0 {
			c.Late = maxSim(qv, lateVecs(wv, text, cache))
		}
		c.Score = RankDense*c.Dense + RankLate*c.Late + RankSparse*c.Cover
		out = append(out, *c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}

// storedDense returns the dense vector p was indexed with, or, when the
// store did not return one (a chunk without a dense vector, a store that
// does not return vectors), emb's vector of text.
func storedDense(p vectordb.ScoredPoint, emb embed.Embedder, text string) []float32 {
	if sv, ok := p.Vectors[DenseVector]; ok && len(sv.Dense) == emb.Dim() {
		return sv.Dense
	}
	return emb.Embed(text)
}

// chunkText is the text a chunk was embedded from.
func chunkText(pl Payload) string {
	str := func(k string) string { s, _ := pl[k].(string); return s }
	return str("title") + "\n" + str("heading") + "\n" + str("text")
}

type lateVec struct {
	v []float32
	w float32
}

// lateVecs returns the vectors of text's known words, without stop words
// and repeats; cache holds the words already looked up (nil for unknown).
func lateVecs(wv wordVectors, text string, cache map[string]*lateVec) []lateVec {
	var out []lateVec
	seen := map[string]bool{}
	embed.Tokens(text, func(tok string) {
		if seen[tok] || sparse.IsStopWord(tok) || questionWords[tok] {
			return
		}
		seen[tok] = true
		lv, ok := cache[tok]
		if !ok {
			if v, w, known := wv.WordVector(tok); known {
				lv = &lateVec{v, w}
			}
			cache[tok] = lv
		}
		if lv != nil {
			out = append(out, *lv)
		}
	})
	return out
}

// maxSim averages, over the question's words weighted by SIF weight, the
// cosine of each with its closest word of the document.
func maxSim(q, d []lateVec) float64 {
	if len(q) == 0 || len(d) == 0 {
		return 0
	}
	var sum, wsum float64
	for _, a := range q {
		best := float32(-1)
		for _, b := range d {
			var dot float32
			for i, x := range a.v {
				dot += x * b.v[i]
			}
			best = max(best, dot)
		}
		sum += float64(a.w) * float64(best)
		wsum += float64(a.w)
	}
	return sum / wsum
}

func distinctTerms(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// relevant applies the relevance cutoff and floor to a question without
// filters; when nothing is left it says why.
func relevant(ranked []rankedChunk, rel relevance) ([]rankedChunk, *Empty) {
	if !rel.cut || len(ranked) == 0 {
		return ranked, nil
	}
	// A chunk that contains every term of the question is a match
	// whatever the vectors say ("Backpropagation", a word the word
	// vectors do not know, names its note).
	full := func(r rankedChunk) bool { return r.Cover >= 1 }
	if !slices.ContainsFunc(ranked, full) {
		if ranked[0].Score < rel.cutoff {
			return nil, &Empty{Message: fmt.Sprintf("no good match: the best file scores %.2f, below the relevance cutoff %.2f", ranked[0].Score, rel.cutoff)}
		}
		if rel.denseFloor != 0 {
			closest := slices.MaxFunc(ranked, func(a, b rankedChunk) int { return cmp.Compare(a.Dense, b.Dense) }).Dense
			if closest < rel.denseFloor {
				return nil, &Empty{Message: fmt.Sprintf("no good match: the closest file's similarity is %.2f, below the floor %.2f", closest, rel.denseFloor)}
			}
		}
	}
	var kept []rankedChunk
	for _, r := range ranked {
		if r.Score >= rel.floor || full(r) {
			kept = append(kept, r)
		}
	}
	return kept, nil
}
