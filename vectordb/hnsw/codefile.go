package hnsw

import "sync"

// CodeFile is a file that int8 codes (Quantized.MapCodes) are mapped from
// instead of being held in the Go heap, as Qdrant keeps the quantized
// vectors of on-disk vectors unless always_ram is set: the kernel pages
// them in as searches read them and may drop them again under memory
// pressure. The file is removed from its directory at once; its space is
// freed by Release. Several Quantized may share one CodeFile (a range
// recalibrated as a collection grows makes new codes): the file range of
// codes that are replaced is never handed out again, and
// Quantized.ReleaseMapped returns its blocks to the file system (a hole
// is punched), so the file holds about the live codes only.
//
// A CodeFile is safe for concurrent use.
type CodeFile struct {
	mu sync.Mutex
	m  *fileMap // nil once released; guarded by mu
}

// NewCodeFile makes a CodeFile under dir. It returns an error if the
// file cannot be made; on systems other than Linux it always does.
func NewCodeFile(dir string) (*CodeFile, error) {
	m, err := newFileMap(dir)
	if err != nil {
		return nil, err
	}
	return &CodeFile{m: m}, nil
}

// MappedBytes returns the size of the file mapped so far.
func (f *CodeFile) MappedBytes() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		return 0
	}
	return f.m.mappedBytes()
}

// Release unmaps the file and frees its space. Afterwards no Quantized
// that mapped codes from it may be used: the caller must make sure no
// reader or writer remains. Releasing twice does nothing.
func (f *CodeFile) Release() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		return nil
	}
	err := f.m.release()
	f.m = nil
	return err
}

// DiskBytes returns the bytes the file occupies on disk (its allocated
// blocks), at most MappedBytes: the space punched out by
// Quantized.ReleaseMapped is not counted. 0 once released.
func (f *CodeFile) DiskBytes() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		return 0
	}
	return f.m.diskBytes()
}

// free returns the blocks of c, bytes alloc handed out, to the file
// system; c reads as zeros afterwards. It does nothing once the file is
// released.
func (f *CodeFile) free(c []int8) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m != nil {
		f.m.freeInt8(c)
	}
}

// alloc returns n zeroed bytes of the file, or nil when the file cannot
// supply them (disk full, released). Regions start on a page, so chunks
// whose sizes are multiples of 64 start on a 64-byte boundary.
func (f *CodeFile) alloc(n int) []int8 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		return nil
	}
	c, err := f.m.allocInt8(n)
	if err != nil {
		return nil
	}
	return c
}
