package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"nexusos/memex/embed"
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

// TestAllButTheTop finds the mean and the dominant direction of vectors
// that share both, and the table written with them loads with word
// vectors that no longer do.
func TestAllButTheTop(t *testing.T) {
	mean := []float32{3, -1, 2, 0.5}
	dir := []float32{0, 0.6, 0, 0.8}
	var vecs [][]float32
	words := []string{"a", "b", "c", "d", "e", "f"}
	for i := range words {
		a := float32(i%3+1) * 4 * float32(1-2*(i%2))
		v := make([]float32, 4)
		for j := range v {
			v[j] = mean[j] + a*dir[j]
		}
		v[i%4] += 0.1 // a little of each word's own
		vecs = append(vecs, v)
	}
	m, top := allButTheTop(vecs, 1, len(vecs))
	for j := range mean {
		if math.Abs(float64(m[j]-mean[j])) > 0.1 {
			t.Fatalf("mean %v, want about %v", m, mean)
		}
	}
	if c := math.Abs(cos(top[0], dir)); c < 0.99 {
		t.Fatalf("top component %v, |cos| with %v = %.3f", top[0], dir, c)
	}
	var buf bytes.Buffer
	if err := write(&buf, 4, words, vecs, []float32{1, 0, 0, 0}, m, top); err != nil {
		t.Fatal(err)
	}
	g, err := embed.LoadGloVe(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range words {
		v, _, ok := g.WordVector(w)
		if !ok {
			t.Fatalf("%q missing", w)
		}
		if c := math.Abs(cos(v, dir)); c > 0.2 {
			t.Fatalf("%q: |cos| with the removed direction %.3f", w, c)
		}
	}
}
