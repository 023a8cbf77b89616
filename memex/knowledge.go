package memex

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"nexusos/memex/graph"
	"nexusos/vectordb"
)

// fileVectors returns the mean dense vector of each file's chunks, unit
// length.
func (m *Memex) fileVectors(ctx context.Context) (map[string][]float32, error) {
	sums := map[string][]float32{}
	err := m.scrollAll(ctx, vectordb.ScrollRequest{Limit: 512,
		WithPayload: vectordb.PayloadSelector{Include: []string{"path"}},
		WithVector:  vectordb.VectorSelector{Names: []string{DenseVector}}}, func(p vectordb.Record) {
		path, _ := p.Payload["path"].(string)
		v := p.Vectors[DenseVector].Dense
		if path == "" || v == nil {
			return
		}
		acc := sums[path]
		if acc == nil {
			acc = make([]float32, len(v))
			sums[path] = acc
		}
		for i := range v {
			acc[i] += v[i]
		}
	})
	if err != nil {
		return nil, err
	}
	for _, v := range sums {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if n > 0 {
			inv := float32(1 / math.Sqrt(n))
			for i := range v {
				v[i] *= inv
			}
		}
	}
	return sums, nil
}

// Graph builds the knowledge graph of every indexed file.
func (m *Memex) Graph(ctx context.Context) (*graph.Graph, error) {
	ctx, _ = m.withView(ctx)
	vecs, err := m.fileVectors(ctx)
	if err != nil {
		return nil, fmt.Errorf("knowledge graph: %w", err)
	}
	var nodes []graph.Node
	for _, r := range m.Files() {
		nodes = append(nodes, graph.Node{Path: r.Path, Rel: r.Rel, Title: r.Title, Kind: r.Kind, Tags: r.Tags,
			Links: r.Links, PartyKey: r.PartyKey, Vector: vecs[r.Path]})
	}
	return graph.Build(nodes, graph.Options{}), nil
}

// Related returns the files related to path in the knowledge graph.
func (m *Memex) Related(ctx context.Context, path string) ([]graph.Neighbour, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	g, err := m.Graph(ctx)
	if err != nil {
		return nil, err
	}
	i, ok := g.Index(abs)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotIndexed, path)
	}
	return g.Related(i), nil
}

// seeds returns the graph nodes of the best files for a topic.
func (m *Memex) seeds(ctx context.Context, g *graph.Graph, topic string, n int) ([]int, error) {
	ans, err := m.Query(ctx, topic, QueryOptions{Limit: n})
	if err != nil {
		return nil, err
	}
	var out []int
	for _, r := range ans.Results {
		if i, ok := g.Index(r.Path); ok {
			out = append(out, i)
		}
	}
	return out, nil
}

// Connect finds the chain of files that links topic a to topic b: the
// cheapest path in the knowledge graph from a file about a to a file about
// b, through links, shared tags and semantic neighbours.
func (m *Memex) Connect(ctx context.Context, a, b string) ([]graph.Step, error) {
	ctx, _ = m.withView(ctx)
	g, err := m.Graph(ctx)
	if err != nil {
		return nil, err
	}
	from, err := m.seeds(ctx, g, a, 1)
	if err != nil {
		return nil, err
	}
	to, err := m.seeds(ctx, g, b, 1)
	if err != nil {
		return nil, err
	}
	switch {
	case len(from) == 0:
		return nil, fmt.Errorf("no indexed file is about %q", a)
	case len(to) == 0:
		return nil, fmt.Errorf("no indexed file is about %q", b)
	}
	return g.Path(from, to), nil
}

// TopicSummary is an extractive summary of what the index says about a
// topic: its sentences and the files they come from. Callers with a chat
// model (package node/runtime, Runtime.Summarize) add an abstractive text
// written from those sentences, or say why there is none.
type TopicSummary struct {
	Topic     string           `json:"topic"`
	Sentences []graph.Sentence `json:"sentences"`
	Sources   []string         `json:"sources"`
	// Abstractive is a chat model's short summary of Sentences (nil when
	// there is none: AbstractiveReason says why).
	Abstractive       *Abstractive `json:"abstractive,omitempty"`
	AbstractiveReason string       `json:"abstractive_reason,omitempty"`
}

// Abstractive is a short summary a chat model wrote from the numbered
// sentences of a TopicSummary (AbstractPrompt).
type Abstractive struct {
	Text string `json:"text"`
	// Model is the chat model's name.
	Model string `json:"model"`
	// Sentences is how many of the summary's sentences (the first ones)
	// the prompt listed: all, unless the model's context is too small.
	Sentences    int `json:"sentences"`
	PromptTokens int `json:"prompt_tokens"`
	Tokens       int `json:"tokens"`
	// Finish is "stop" (the model ended its text) or "length" (the
	// token limit cut it).
	Finish string `json:"finish"`
}

// AbstractPrompt is the request for an abstractive summary of sentences
// about topic: a system message, and a user message that lists the
// sentences numbered ("[1] …"), each with the file it comes from, and
// asks for a short summary in plain prose.
func AbstractPrompt(topic string, sentences []graph.Sentence) (system, user string) {
	system = "You summarize documents. Use only the numbered source sentences you are given; do not add facts."
	var b strings.Builder
	fmt.Fprintf(&b, "Topic: %s\n\nSource sentences:\n", topic)
	for i, s := range sentences {
		fmt.Fprintf(&b, "[%d] %s (%s)\n", i+1, strings.Join(strings.Fields(s.Text), " "), filepath.Base(s.Source))
	}
	b.WriteString("\nSummarize what these sentences say about the topic in two or three short sentences.")
	return system, b.String()
}

// Summarize builds an extractive summary across the files that best match
// topic: their sentences ranked by closeness to the topic and to each other.
func (m *Memex) Summarize(ctx context.Context, topic string, sentences int) (*TopicSummary, error) {
	if sentences <= 0 {
		sentences = 5
	}
	ctx, v := m.withView(ctx)
	ans, err := m.Query(ctx, topic, QueryOptions{Limit: 5})
	if err != nil {
		return nil, err
	}
	s := &TopicSummary{Topic: topic}
	var pool []graph.Sentence
	for _, r := range ans.Results {
		if r.Score < 0.6*ans.Results[0].Score {
			break // weaker matches would pull the summary off topic
		}
		s.Sources = append(s.Sources, r.Path)
		pts, err := m.db.Scroll(ctx, v.coll, vectordb.ScrollRequest{Limit: 64, Filter: pathFilter(r.Path),
			WithPayload: vectordb.PayloadSelector{Include: []string{"text", "chunk"}}})
		if err != nil {
			return nil, err
		}
		order := 0
		for _, p := range pts.Points {
			txt, _ := p.Payload["text"].(string)
			for _, sen := range graph.Sentences(txt) {
				pool = append(pool, graph.Sentence{Text: sen, Source: r.Path, Vector: v.emb.Embed(sen), Order: order})
				order++
			}
		}
	}
	s.Sentences = graph.Summarize(v.emb.Embed(topic), pool, sentences)
	return s, nil
}
