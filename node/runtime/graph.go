package runtime

import (
	"context"

	"nexusos/memex/graph"
)

// graphEntry is a knowledge graph and the ingest generation it was built
// at.
type graphEntry struct {
	gen   int64
	graph *graph.Graph
}

// Graph returns MemexFS's knowledge graph, rebuilt only when an ingest
// finished since the last build (its node and edge lists are never nil).
// Callers must not change it. It fails with ErrNoMemex without MemexFS.
func (r *Runtime) Graph(ctx context.Context) (*graph.Graph, error) {
	if r.memex == nil {
		return nil, ErrNoMemex
	}
	gen := r.ingest.Generation()
	r.graphMu.Lock()
	defer r.graphMu.Unlock()
	if c := r.graph; c != nil && c.gen == gen {
		return c.graph, nil
	}
	g, err := r.memex.Graph(ctx)
	if err != nil {
		return nil, err
	}
	if g.Nodes == nil {
		g.Nodes = []graph.Node{}
	}
	if g.Edges == nil {
		g.Edges = []graph.Edge{}
	}
	r.graph = &graphEntry{gen: gen, graph: g}
	return g, nil
}
