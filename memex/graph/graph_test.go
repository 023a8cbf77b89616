package graph

import (
	"testing"
)

func vec(xs ...float32) []float32 { return xs }

func TestBuildRelatedPath(t *testing.T) {
	nodes := []Node{
		{Path: "/v/a.md", Title: "Light reactions", Tags: []string{"biology"}, Links: []string{"Calvin cycle"}, Vector: vec(1, 0, 0)},
		{Path: "/v/b.md", Title: "Calvin cycle", Tags: []string{"biology"}, Vector: vec(0.9, 0.1, 0)},
		{Path: "/v/c.md", Title: "Carbon cycle", Tags: []string{"climate"}, Vector: vec(0.7, 0.7, 0)},
		{Path: "/v/d.md", Title: "Greenhouse effect", Tags: []string{"climate"}, Vector: vec(0, 1, 0)},
		{Path: "/v/e.md", Title: "Hamlet", Vector: vec(0, 0, 1)},
	}
	g := Build(nodes, Options{Neighbours: 2, MinSim: 0.6})
	rel := g.Related(0)
	if len(rel) == 0 || rel[0].Node.Title != "Calvin cycle" {
		t.Fatalf("related %+v", rel)
	}
	var kinds []string
	for _, e := range rel[0].Edges {
		kinds = append(kinds, e.Kind)
	}
	if len(kinds) < 2 || kinds[0] != EdgeLink {
		t.Fatalf("edges to Calvin cycle: %v", kinds)
	}
	p := g.Path([]int{0}, []int{3})
	if len(p) < 3 || p[0].Node.Title != "Light reactions" || p[len(p)-1].Node.Title != "Greenhouse effect" {
		t.Fatalf("path %+v", p)
	}
	semantic := false
	for _, s := range p[1:] {
		if s.Via == nil {
			t.Fatal("hop without edge")
		}
		if s.Via.Kind == EdgeSemantic {
			semantic = true
		}
	}
	if !semantic {
		t.Fatal("path should cross a meaning-only link")
	}
	if p := g.Path([]int{0}, []int{4}); p != nil {
		t.Fatalf("Hamlet should be unreachable, got %+v", p)
	}
}

func TestSummarize(t *testing.T) {
	s := Sentences("First sentence is about photosynthesis in plants. Second sentence talks about taxes on income.\n\nThird one: chlorophyll absorbs light in plants.")
	if len(s) != 3 {
		t.Fatalf("sentences %q", s)
	}
	sents := []Sentence{
		{Text: s[0], Vector: vec(1, 0.1), Order: 0, Source: "a"},
		{Text: s[1], Vector: vec(0, 1), Order: 1, Source: "a"},
		{Text: s[2], Vector: vec(0.8, 0.5), Order: 2, Source: "a"},
	}
	out := Summarize(vec(1, 0), sents, 2)
	if len(out) != 2 || out[0].Text != s[0] || out[1].Text != s[2] {
		t.Fatalf("summary %+v", out)
	}
}
