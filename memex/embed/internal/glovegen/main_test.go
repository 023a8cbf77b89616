package main

import (
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"nexusos/memex/embed/wordnet"
)

func cos(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

// TestRetrofit: related words move together, keep their lengths, and
// words without relations stay put.
func TestRetrofit(t *testing.T) {
	vecs := [][]float32{{2, 0}, {0, 1}, {-1, 0.5}}
	edges := [][]edge{{{1, 1}}, {{0, 1}}, nil}
	before := cos(vecs[0], vecs[1])
	retrofit(vecs, edges, 10)
	if after := cos(vecs[0], vecs[1]); after <= before+0.5 {
		t.Fatalf("cos of related words %.3f → %.3f, want them pulled together", before, after)
	}
	if n := l2(vecs[0]); math.Abs(n-2) > 1e-5 {
		t.Fatalf("length %.4f, want 2 kept", n)
	}
	if !slices.Equal(vecs[2], []float32{-1, 0.5}) {
		t.Fatalf("unrelated word moved: %v", vecs[2])
	}
}

// TestWordnetEdges links a word to its synonyms, hypernyms and gloss words
// in the vocabulary, in rank order.
func TestWordnetEdges(t *testing.T) {
	db, err := wordnet.Open("")
	if errors.Is(err, wordnet.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skipf("WordNet not installed (bash .ci/deps.d/45-wordnet-gcide.sh): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	words := make([]string, glossMinRank) // frequent filler ranks
	for i := range words {
		words[i] = "filler"
	}
	words = append(words, "mitochondrion", "chondriosome", "organelle", "enzymes", "banana")
	edges, err := wordnetEdges(db, words)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]float32{}
	for i, e := range edges[glossMinRank] {
		got[e.to] = e.w
		if i > 0 && edges[glossMinRank][i-1].to >= e.to {
			t.Fatalf("edges not in rank order: %+v", edges[glossMinRank])
		}
	}
	syn, hyp, gloss, banana := glossMinRank+1, glossMinRank+2, glossMinRank+3, glossMinRank+4
	if got[syn] != weightSynonym || got[hyp] != weightHypernym || got[gloss] != weightGloss || got[banana] != 0 {
		t.Fatalf("mitochondrion's edges %v", got)
	}
}
