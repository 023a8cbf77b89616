// Package graph is MemexFS's knowledge graph: files are nodes; edges come
// from wikilinks, shared tags, shared parties and semantic neighbours (the
// most similar files above a threshold). It finds related files, the path
// of notes that connects two topics (including links found only by
// meaning) and extractive summaries. A Graph is immutable once built and
// safe for concurrent use.
package graph

import (
	"container/heap"
	"math"
	"path/filepath"
	"sort"
	"strings"
)

// Edge kinds.
const (
	EdgeLink     = "link"
	EdgeTag      = "tag"
	EdgeParty    = "party"
	EdgeSemantic = "semantic"
)

// Node is one file.
type Node struct {
	Path     string    `json:"path"`
	Rel      string    `json:"rel"`
	Title    string    `json:"title"`
	Kind     string    `json:"kind"`
	Tags     []string  `json:"tags,omitempty"`
	Links    []string  `json:"-"`
	PartyKey string    `json:"party,omitempty"`
	Vector   []float32 `json:"-"` // unit-length file vector (may be nil)
}

// Edge joins two nodes (by index).
type Edge struct {
	From   int     `json:"from"`
	To     int     `json:"to"`
	Kind   string  `json:"kind"`
	Label  string  `json:"label,omitempty"` // the tag, party or link text
	Weight float64 `json:"weight"`          // similarity for semantic edges, 1 otherwise
}

// Options tune Build.
type Options struct {
	Neighbours int     // semantic neighbours per node (default 3)
	MinSim     float64 // minimum cosine similarity (default 0.6)
	// MaxTagFanout skips tags shared by more nodes than this (they say
	// little); default 50.
	MaxTagFanout int
}

// Graph is a built knowledge graph.
type Graph struct {
	Nodes []Node  `json:"nodes"`
	Edges []Edge  `json:"edges"`
	adj   [][]int // node → edge indices
	byKey map[string]int
}

func linkKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(s, ".md")
	return s
}

// Build creates the graph.
func Build(nodes []Node, o Options) *Graph {
	if o.Neighbours == 0 {
		o.Neighbours = 3
	}
	if o.MinSim == 0 {
		o.MinSim = 0.6
	}
	if o.MaxTagFanout == 0 {
		o.MaxTagFanout = 50
	}
	g := &Graph{Nodes: nodes, adj: make([][]int, len(nodes)), byKey: map[string]int{}}
	for i, n := range nodes {
		g.byKey[linkKey(n.Title)] = i
		g.byKey[linkKey(strings.TrimSuffix(filepath.Base(n.Path), filepath.Ext(n.Path)))] = i
	}
	type pairKind struct {
		a, b int
		kind string
	}
	seen := map[pairKind]bool{}
	add := func(a, b int, kind, label string, w float64) {
		if a == b {
			return
		}
		k := pairKind{min(a, b), max(a, b), kind}
		if seen[k] {
			return
		}
		seen[k] = true
		g.Edges = append(g.Edges, Edge{From: a, To: b, Kind: kind, Label: label, Weight: w})
		e := len(g.Edges) - 1
		g.adj[a] = append(g.adj[a], e)
		g.adj[b] = append(g.adj[b], e)
	}
	for i, n := range nodes {
		for _, l := range n.Links {
			if j, ok := g.byKey[linkKey(filepath.Base(l))]; ok {
				add(i, j, EdgeLink, l, 1)
			}
		}
	}
	groups := func(key func(Node) []string, kind string) {
		m := map[string][]int{}
		for i, n := range nodes {
			for _, k := range key(n) {
				if k != "" {
					m[k] = append(m[k], i)
				}
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ids := m[k]
			if len(ids) > o.MaxTagFanout {
				continue
			}
			for a := 0; a < len(ids); a++ {
				for b := a + 1; b < len(ids); b++ {
					add(ids[a], ids[b], kind, k, 1)
				}
			}
		}
	}
	groups(func(n Node) []string { return n.Tags }, EdgeTag)
	groups(func(n Node) []string { return []string{n.PartyKey} }, EdgeParty)
	for i, n := range nodes {
		if n.Vector == nil {
			continue
		}
		type cand struct {
			j   int
			sim float64
		}
		var cs []cand
		for j, m := range nodes {
			if j == i || m.Vector == nil {
				continue
			}
			if s := Cosine(n.Vector, m.Vector); s >= o.MinSim {
				cs = append(cs, cand{j, s})
			}
		}
		sort.Slice(cs, func(a, b int) bool { return cs[a].sim > cs[b].sim })
		for _, c := range cs[:min(len(cs), o.Neighbours)] {
			add(i, c.j, EdgeSemantic, "", c.sim)
		}
	}
	return g
}

// Cosine is the cosine similarity of two vectors of one length (0 when
// either is zero).
func Cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}

// Index returns the node of a path.
func (g *Graph) Index(path string) (int, bool) {
	for i, n := range g.Nodes {
		if n.Path == path {
			return i, true
		}
	}
	return 0, false
}

// Neighbour is a node adjacent to another, with the edges joining them.
type Neighbour struct {
	Node  Node   `json:"node"`
	Edges []Edge `json:"edges"`
	Score float64
}

// Related returns the neighbours of node i, strongest first: explicit links
// count most, then shared tags and parties, then similarity.
func (g *Graph) Related(i int) []Neighbour {
	by := map[int]*Neighbour{}
	for _, e := range g.adj[i] {
		ed := g.Edges[e]
		j := ed.To
		if j == i {
			j = ed.From
		}
		nb := by[j]
		if nb == nil {
			nb = &Neighbour{Node: g.Nodes[j]}
			by[j] = nb
		}
		nb.Edges = append(nb.Edges, ed)
		switch ed.Kind {
		case EdgeLink:
			nb.Score += 3
		case EdgeTag, EdgeParty:
			nb.Score += 1
		default:
			nb.Score += ed.Weight
		}
	}
	out := make([]Neighbour, 0, len(by))
	for _, n := range by {
		out = append(out, *n)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Score != out[b].Score {
			return out[a].Score > out[b].Score
		}
		return out[a].Node.Path < out[b].Node.Path
	})
	return out
}

// cost of traversing an edge: links are cheapest, meaning-only hops cost
// more the less similar the files are.
func cost(e Edge) float64 {
	switch e.Kind {
	case EdgeLink:
		return 1
	case EdgeTag, EdgeParty:
		return 1.5
	}
	return 1 + 2*(1-e.Weight)
}

// Step is one hop of a path.
type Step struct {
	Node Node  `json:"node"`
	Via  *Edge `json:"via,omitempty"` // the edge that led here (nil for the start)
}

// Path returns the cheapest path between any of the from nodes and any of
// the to nodes (Dijkstra), or nil if they are not connected.
func (g *Graph) Path(from, to []int) []Step {
	if len(from) == 0 || len(to) == 0 {
		return nil
	}
	dist := make([]float64, len(g.Nodes))
	prev := make([]int, len(g.Nodes))
	for i := range dist {
		dist[i], prev[i] = math.Inf(1), -1
	}
	target := map[int]bool{}
	for _, t := range to {
		target[t] = true
	}
	pq := &queue{}
	for _, f := range from {
		dist[f] = 0
		heap.Push(pq, item{f, 0})
	}
	for pq.Len() > 0 {
		it := heap.Pop(pq).(item)
		if it.d > dist[it.n] {
			continue
		}
		if target[it.n] {
			var rev []Step
			for n := it.n; n >= 0; {
				st := Step{Node: g.Nodes[n]}
				if p := prev[n]; p >= 0 {
					e := g.Edges[p]
					st.Via = &e
					if e.From == n {
						n = e.To
					} else {
						n = e.From
					}
				} else {
					n = -1
				}
				rev = append(rev, st)
			}
			for a, b := 0, len(rev)-1; a < b; a, b = a+1, b-1 {
				rev[a], rev[b] = rev[b], rev[a]
			}
			return rev
		}
		for _, ei := range g.adj[it.n] {
			e := g.Edges[ei]
			m := e.To
			if m == it.n {
				m = e.From
			}
			if d := it.d + cost(e); d < dist[m] {
				dist[m], prev[m] = d, ei
				heap.Push(pq, item{m, d})
			}
		}
	}
	return nil
}

type item struct {
	n int
	d float64
}

type queue []item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].d < q[j].d }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
