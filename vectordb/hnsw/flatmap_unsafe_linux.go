package hnsw

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapRegionBytes is the size of the file regions a mapped Flat maps at a
// time (a chunk larger than this gets a region of its own).
const mapRegionBytes = 8 << 20

// fileMap hands out the chunks of a mapped Flat (NewMappedFlat) from
// shared mappings of a file that was removed from its directory once
// opened: the kernel pages the vectors in from the file and may drop
// clean pages under memory pressure, and the space is freed when the
// mappings go (release) or the process ends.
//
// A fileMap is not safe for concurrent use; the Flat's writer mutex
// serialises alloc, and release runs when no reader remains.
type fileMap struct {
	file    *os.File
	size    int64    // bytes of the file mapped so far
	regions [][]byte // the mappings, unmapped by release
	buf     []float32
}

func newFileMap(dir string) (*fileMap, error) {
	f, err := os.CreateTemp(dir, ".vectors-*.f32")
	if err != nil {
		return nil, fmt.Errorf("hnsw: mapped vectors: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("hnsw: mapped vectors: %w", err)
	}
	return &fileMap{file: f}, nil
}

// alloc returns n elements of mapped memory, zeroed (a new file range).
func (m *fileMap) alloc(n int) ([]float32, error) {
	if len(m.buf) < n {
		page := int64(os.Getpagesize())
		bytes := max(int64(mapRegionBytes), (int64(n)*4+page-1)/page*page)
		if err := m.file.Truncate(m.size + bytes); err != nil {
			return nil, fmt.Errorf("hnsw: grow mapped vectors: %w", err)
		}
		b, err := unix.Mmap(int(m.file.Fd()), m.size, int(bytes), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return nil, fmt.Errorf("hnsw: map vectors: %w", err)
		}
		// Searches read vectors at random: no read-ahead around them.
		_ = unix.Madvise(b, unix.MADV_RANDOM)
		m.size += bytes
		m.regions = append(m.regions, b)
		// SAFETY: b is a page-aligned mapping of len(b) bytes, a multiple
		// of 4, that stays mapped until release, which runs only when no
		// slice of it is in use (Flat.Release's contract).
		m.buf = unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
	}
	c := m.buf[:n:n]
	m.buf = m.buf[n:]
	return c, nil
}

// mappedBytes is the size of the file mapped.
func (m *fileMap) mappedBytes() int64 { return m.size }

// release unmaps every region and closes the file, which frees its space.
func (m *fileMap) release() error {
	var first error
	for _, b := range m.regions {
		if err := unix.Munmap(b); err != nil && first == nil {
			first = err
		}
	}
	m.regions, m.buf = nil, nil
	if err := m.file.Close(); err != nil && first == nil {
		first = err
	}
	return first
}
