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

// fileMap hands out the chunks of a mapped Flat (NewMappedFlat) or of
// mapped codes (CodeFile) from shared mappings of a file that was removed
// from its directory once opened: the kernel pages the data in from the
// file and may drop clean pages under memory pressure, and the space is
// freed when the mappings go (release) or the process ends.
//
// A fileMap is not safe for concurrent use; its owner's writer mutex
// serialises alloc, and release runs when no reader remains.
type fileMap struct {
	file    *os.File
	size    int64    // bytes of the file mapped so far
	regions [][]byte // the mappings, unmapped by release
	buf     []byte
}

func newFileMap(dir string) (*fileMap, error) {
	f, err := os.CreateTemp(dir, ".vectors-*.map")
	if err != nil {
		return nil, fmt.Errorf("hnsw: mapped vectors: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("hnsw: mapped vectors: %w", err)
	}
	return &fileMap{file: f}, nil
}

// alloc returns n float32 elements of mapped memory, zeroed.
func (m *fileMap) alloc(n int) ([]float32, error) {
	b, err := m.allocBytes(4 * n)
	if err != nil {
		return nil, err
	}
	// SAFETY: b starts at a multiple of 4 bytes into a page-aligned
	// mapping (every allocation is a multiple of 4 long) and stays mapped
	// until release, which runs only when no slice of it is in use (the
	// owner's Release contract).
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), n), nil
}

// allocInt8 returns n bytes of mapped memory as int8, zeroed.
func (m *fileMap) allocInt8(n int) ([]int8, error) {
	b, err := m.allocBytes(n)
	if err != nil {
		return nil, err
	}
	// SAFETY: as for alloc; int8 has the size and alignment of byte.
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), n), nil
}

// allocBytes returns n bytes of mapped memory, zeroed (a new file range).
func (m *fileMap) allocBytes(n int) ([]byte, error) {
	if len(m.buf) < n {
		page := int64(os.Getpagesize())
		bytes := max(int64(mapRegionBytes), (int64(n)+page-1)/page*page)
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
		m.buf = b
	}
	c := m.buf[:n:n]
	m.buf = m.buf[n:]
	return c, nil
}

// mappedBytes is the size of the file mapped.
func (m *fileMap) mappedBytes() int64 { return m.size }

// freeInt8 punches the whole pages of c, bytes allocInt8 handed out, out
// of the file (MADV_REMOVE on the shared mapping): their blocks go back to
// the file system and c reads as zeros from then on. The file keeps its
// size and the range stays mapped, so a reader that still held c would
// read zeros, never fault; allocBytes never hands the range out again.
// Errors (a file system that cannot punch holes) leave the space in use.
func (m *fileMap) freeInt8(c []int8) {
	if len(c) == 0 {
		return
	}
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(c)))
	lo, hi := (start+page-1)&^(page-1), (start+uintptr(len(c)))&^(page-1)
	if hi <= lo {
		return
	}
	// SAFETY: [lo, hi) lies within c, which lies within one of m's live
	// mappings (allocBytes never spans two); it stays mapped, only its
	// file blocks are dropped.
	b := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(c)), lo-start)), int(hi-lo))
	_ = unix.Madvise(b, unix.MADV_REMOVE)
}

// diskBytes returns the bytes of the file's allocated blocks.
func (m *fileMap) diskBytes() int64 {
	var st unix.Stat_t
	if err := unix.Fstat(int(m.file.Fd()), &st); err != nil {
		return m.size
	}
	return st.Blocks * 512
}

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
