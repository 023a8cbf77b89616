//go:build !linux

package hnsw

import "errors"

// fileMap is unavailable here: NewMappedFlat and NewCodeFile fail and
// callers keep their vectors and codes in memory.
type fileMap struct{}

func newFileMap(string) (*fileMap, error) {
	return nil, errors.New("hnsw: mapped vectors are supported on Linux only")
}

func (*fileMap) alloc(int) ([]float32, error)  { return nil, errors.New("hnsw: no mapped vectors") }
func (*fileMap) allocInt8(int) ([]int8, error) { return nil, errors.New("hnsw: no mapped vectors") }
func (*fileMap) mappedBytes() int64            { return 0 }
func (*fileMap) release() error                { return nil }
func (*fileMap) freeInt8([]int8)               {}
func (*fileMap) diskBytes() int64              { return 0 }
