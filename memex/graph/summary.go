package graph

import (
	"sort"
	"strings"
	"unicode"
)

// Sentence is a sentence of a source document.
type Sentence struct {
	Text   string    `json:"text"`
	Source string    `json:"source"` // file path
	Vector []float32 `json:"-"`
	Order  int       `json:"-"`
}

// Sentences splits text into sentences (at ., ! or ? followed by space and
// a capital, and at blank lines), dropping fragments under 20 bytes.
func Sentences(text string) []string {
	var out []string
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		start := 0
		for i := 0; i < len(para); i++ {
			c := para[i]
			if (c == '.' || c == '!' || c == '?') && i+2 < len(para) && para[i+1] == ' ' && unicode.IsUpper(rune(para[i+2])) {
				out = append(out, para[start:i+1])
				start = i + 2
			}
		}
		out = append(out, para[start:])
	}
	var kept []string
	for _, s := range out {
		if s = strings.TrimSpace(s); len(s) >= 20 && !strings.HasPrefix(s, "#") && !strings.HasPrefix(s, "---") && !strings.HasPrefix(s, "Related:") {
			kept = append(kept, s)
		}
	}
	return kept
}

// Summarize picks up to n sentences that best cover a topic: each
// sentence scores by similarity to the topic vector plus its centrality
// (mean similarity to the other candidate sentences); near-duplicates of a
// chosen sentence are skipped (maximal marginal relevance). The result
// keeps source order.
func Summarize(topic []float32, sents []Sentence, n int) []Sentence {
	if len(sents) == 0 {
		return nil
	}
	score := make([]float64, len(sents))
	for i, s := range sents {
		var cent float64
		for j, t := range sents {
			if i != j {
				cent += Cosine(s.Vector, t.Vector)
			}
		}
		if len(sents) > 1 {
			cent /= float64(len(sents) - 1)
		}
		score[i] = 0.7*Cosine(topic, s.Vector) + 0.3*cent
	}
	idx := make([]int, len(sents))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	var chosen []int
	for _, i := range idx {
		if len(chosen) == n {
			break
		}
		dup := false
		for _, c := range chosen {
			if Cosine(sents[i].Vector, sents[c].Vector) > 0.92 {
				dup = true
				break
			}
		}
		if !dup {
			chosen = append(chosen, i)
		}
	}
	sort.Slice(chosen, func(a, b int) bool {
		sa, sb := sents[chosen[a]], sents[chosen[b]]
		if sa.Source != sb.Source {
			return sa.Source < sb.Source
		}
		return sa.Order < sb.Order
	})
	out := make([]Sentence, len(chosen))
	for i, c := range chosen {
		out[i] = sents[c]
	}
	return out
}
