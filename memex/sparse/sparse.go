// Package sparse encodes text as BM25-style sparse vectors for Qdrant's
// sparse vector search with the `idf` modifier: a document vector holds, per
// term, BM25's saturated term frequency; the engine multiplies by inverse
// document frequency at query time, so together they score BM25. Terms are
// lower-cased words with English stop words removed and a light plural
// stem, hashed to 32-bit dimensions (FNV-1a). Safe for concurrent use.
package sparse

import (
	"hash/fnv"
	"sort"
	"strings"

	"nexusos/memex/embed"
	"nexusos/vectordb"
)

// BM25 parameters.
const (
	K1        = 1.2
	B         = 0.75
	AvgDocLen = 120 // typical chunk length in terms
)

var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be but by for from has have he her his i if in into is it its
		of on or our she so that the their them then there these they this to was we were what when where which who
		will with you your not no do does did can could would should may might been being than too very s t just also
		about over any all me my us`) {
		stopWords[w] = true
	}
}

// Terms returns the index terms of text, in order, with repeats.
func Terms(text string) []string {
	var out []string
	embed.Tokens(text, func(tok string) {
		if stopWords[tok] || len(tok) > 40 {
			return
		}
		out = append(out, Stem(tok))
	})
	return out
}

// Stem removes a plural ending: "invoices" and "invoice" share a term.
func Stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 4 && (strings.HasSuffix(w, "ses") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes")):
		return w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

// Dim maps a term to its dimension.
func Dim(term string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(term))
	return h.Sum32()
}

func build(weights map[uint32]float32) vectordb.SparseVector {
	v := vectordb.SparseVector{Indices: make([]uint32, 0, len(weights)), Values: make([]float32, 0, len(weights))}
	for i := range weights {
		v.Indices = append(v.Indices, i)
	}
	sort.Slice(v.Indices, func(a, b int) bool { return v.Indices[a] < v.Indices[b] })
	for _, i := range v.Indices {
		v.Values = append(v.Values, weights[i])
	}
	return v
}

// Document encodes a document (chunk) vector.
func Document(text string) vectordb.SparseVector {
	terms := Terms(text)
	tf := map[uint32]float32{}
	for _, t := range terms {
		tf[Dim(t)]++
	}
	norm := K1 * (1 - B + B*float32(len(terms))/AvgDocLen)
	for i, f := range tf {
		tf[i] = f * (K1 + 1) / (f + norm)
	}
	return build(tf)
}

// Query encodes a query vector: weight 1 for each distinct term.
func Query(text string) vectordb.SparseVector {
	w := map[uint32]float32{}
	for _, t := range Terms(text) {
		w[Dim(t)] = 1
	}
	return build(w)
}

// IsStopWord reports whether Terms leaves the (lower-case) word out.
func IsStopWord(w string) bool { return stopWords[w] }
