//go:build !linux

package hnsw

import "errors"

// fileMap is unavailable here: NewMappedFlat fails and callers keep their
// vectors in memory.
type fileMap struct{}

func newFileMap(string) (*fileMap, error) {
	return nil, errors.New("hnsw: mapped vectors are supported on Linux only")
}

func (*fileMap) alloc(int) ([]float32, error) { return nil, errors.New("hnsw: no mapped vectors") }
func (*fileMap) mappedBytes() int64           { return 0 }
func (*fileMap) release() error               { return nil }
