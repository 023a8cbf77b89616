package use

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NFKC comes from golang.org/x/text/unicode/norm (already a module
// dependency, now a direct one): the driver normalises with JavaScript's
// String.prototype.normalize("NFKC"), and the standard library has no
// Unicode normalisation.
//
// Tokenization follows the JavaScript driver of the model
// (@energetic-ai/embeddings 0.2.0, the same algorithm as TensorFlow.js's
// universal-sentence-encoder tokenizer):
//
//  1. the text is NFKC-normalised; it is not lowercased;
//  2. a non-empty text gets a leading "▁" (U+2581) and every space
//     (U+0020 only: tabs and newlines stay as they are) becomes "▁";
//  3. the code points are segmented by a Viterbi search over the
//     vocabulary's pieces (entries from reservedPieces on, scored by their
//     log probabilities); a code point that starts no piece is unknown (id
//     0, score 0);
//  4. runs of unknown ids collapse into one.
//
// The search keeps the driver's tie and "unset" rules exactly (a best score
// of exactly 0 counts as unset; among equal scores the piece that starts
// later wins), since they decide the ids the model sees.

const (
	// reservedPieces are the vocabulary's first entries (unknown, <s>,
	// </s>, three extra tokens), never produced by segmentation except
	// unknown.
	reservedPieces = 6
	// wordStart marks the start of a word (SentencePiece's "▁").
	wordStart = '\u2581'
	// unknownID is the id of a code point no piece covers.
	unknownID = 0
)

// piece is a vocabulary entry that segmentation may produce.
type piece struct {
	id    int32
	score float64
}

// tokenizer segments text into vocabulary ids. It is immutable once built
// and safe for concurrent use.
type tokenizer struct {
	pieces map[string]piece // piece text → entry (later duplicates win)
	maxLen int              // longest piece, in code points
	// back is how far a chosen id moves the backward walk: the length of
	// its piece in UTF-16 code units, as the driver measures it.
	back []int
}

// newTokenizer indexes vocab (piece text, score) for segmentation.
func newTokenizer(texts []string, scores []float64) *tokenizer {
	t := &tokenizer{pieces: make(map[string]piece, len(texts)), back: make([]int, len(texts))}
	for i, s := range texts {
		t.back[i] = len(utf16.Encode([]rune(s)))
		if i < reservedPieces {
			continue
		}
		t.pieces[s] = piece{id: int32(i), score: scores[i]}
		if n := utf8.RuneCountInString(s); n > t.maxLen {
			t.maxLen = n
		}
	}
	return t
}

// normalize prepares text for segmentation (steps 1 and 2).
func normalize(text string) []rune {
	s := norm.NFKC.String(text)
	if s == "" {
		return nil
	}
	return []rune(string(wordStart) + strings.ReplaceAll(s, " ", string(wordStart)))
}

// encode returns the ids of text (all of them: the model keeps the first
// MaxTokens).
func (t *tokenizer) encode(text string) []int32 {
	sym := normalize(text)
	n := len(sym)
	if n == 0 {
		return nil
	}
	// edges[end] lists the pieces ending at end by increasing start, which
	// is the order the driver visits them in.
	type edge struct {
		start int
		p     piece
	}
	edges := make([][]edge, n+1)
	var key []byte
	for i := 0; i < n; i++ {
		key = key[:0]
		found := false
		for l := 1; l <= t.maxLen && i+l <= n; l++ {
			key = utf8.AppendRune(key, sym[i+l-1])
			if p, ok := t.pieces[string(key)]; ok {
				edges[i+l] = append(edges[i+l], edge{i, p})
				found = true
			}
		}
		if !found {
			edges[i+1] = append(edges[i+1], edge{i, piece{id: unknownID}})
		}
	}
	// Edges were appended by increasing start already (the outer loop
	// runs over starts).
	best := make([]float64, n+1)
	words := make([]int32, n+1)
	for end := 0; end <= n; end++ {
		for _, e := range edges[end] {
			score := e.p.score + best[e.start]
			if best[end] == 0 || score >= best[end] {
				best[end] = score
				words[end] = e.p.id
			}
		}
	}
	var rev []int32
	for i := n; i > 0; i -= t.back[words[i]] {
		rev = append(rev, words[i])
	}
	out := make([]int32, 0, len(rev))
	prevUnknown := false
	for i := len(rev) - 1; i >= 0; i-- {
		// The driver collapses runs while walking backwards and keeps the
		// last id of each run; all of them are 0, so the result is the
		// same.
		id := rev[i]
		if !(prevUnknown && id == unknownID) {
			out = append(out, id)
		}
		prevUnknown = id == unknownID
	}
	return out
}
