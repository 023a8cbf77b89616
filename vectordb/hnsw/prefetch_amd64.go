//go:build !purego

package hnsw

// prefetch asks the CPU to load the two cache lines at p (the start of a
// code record) into L1. It never faults, whatever p points at.
//
//go:noescape
func prefetch(p *uint32)

// prefetchLines asks the CPU to load the cache lines of the n bytes at p
// (n > 0) into L1. It never faults.
//
//go:noescape
func prefetchLines(p *float32, n int)

// prefetchWords is prefetchLines for the n bytes of words at p: a node's
// neighbour list.
//
//go:noescape
func prefetchWords(p *uint32, n int)
