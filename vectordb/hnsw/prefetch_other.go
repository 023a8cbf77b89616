//go:build !amd64 || purego

package hnsw

// prefetch is a no-op where there is no prefetch instruction wrapper.
func prefetch(*uint32) {}

// prefetchLines is a no-op where there is no prefetch instruction wrapper.
func prefetchLines(*float32, int) {}

// prefetchWords is a no-op where there is no prefetch instruction wrapper.
func prefetchWords(*uint32, int) {}
