package hnsw

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// flatChunkBytes is the target size of one chunk of Flat storage. Chunks
// never move once allocated, so a slice returned by At stays valid while
// the Flat grows.
const flatChunkBytes = 256 << 10

// Flat is growable storage of fixed-dimension float32 vectors addressed by
// dense ids 0, 1, 2, ... in the order they were appended.
//
// # Concurrency
//
// One writer (Append, Set) may run concurrently with any number of readers
// (At, Len, Dim, and Index.Search): vectors live in fixed chunks that never
// move, and a new vector becomes visible to readers only after it is fully
// written. Set overwrites a vector in place, so the caller must make sure
// no reader (including a concurrent Search or Insert of the index) uses
// that id at the same time; to change a vector that an index already
// holds, Append it under a new id and Delete the old id from the index.
// Concurrent writers are serialised by an internal mutex.
type Flat struct {
	dim   int
	shift uint   // log2 of vectors per chunk
	mask  uint32 // vectors per chunk - 1

	n      atomic.Uint32               // number of vectors
	chunks atomic.Pointer[[][]float32] // chunk table; grows by append

	mu    sync.Mutex     // serialises writers
	arena arena[float32] // chunks of large stores; guarded by mu
	// fmap, set for a mapped Flat (NewMappedFlat), maps the chunks from
	// a file; guarded by mu. heapChunks counts chunks it could not map,
	// allocated in memory instead.
	fmap       *fileMap
	heapChunks int
}

// NewFlat returns empty storage for vectors of dim elements. It panics if
// dim is not positive.
func NewFlat(dim int) *Flat {
	if dim <= 0 {
		panic(fmt.Sprintf("hnsw: NewFlat with dimension %d", dim))
	}
	shift := uint(0)
	for (2<<shift)*dim*4 <= flatChunkBytes {
		shift++
	}
	f := &Flat{dim: dim, shift: shift, mask: 1<<shift - 1}
	empty := make([][]float32, 0, 16)
	f.chunks.Store(&empty)
	return f
}

// NewMappedFlat is NewFlat with the vectors kept in a file under dir,
// mapped into memory (Qdrant's on_disk vectors): the kernel reads them
// in as they are used and may drop them again under memory pressure, so
// they cost page cache rather than heap. The file is removed from dir at
// once; its space is freed by Release. A chunk that cannot be mapped
// (disk full) is kept in memory instead (MappedBytes tells). It returns
// an error if the file cannot be made; on systems other than Linux it
// always does.
func NewMappedFlat(dim int, dir string) (*Flat, error) {
	f := NewFlat(dim)
	m, err := newFileMap(dir)
	if err != nil {
		return nil, err
	}
	f.fmap = m
	return f, nil
}

// MappedBytes returns the bytes of vector storage mapped from a file and
// the number of chunks that a mapped Flat had to keep in memory; 0, 0
// for a Flat in memory.
func (f *Flat) MappedBytes() (mapped int64, heapChunks int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fmap == nil {
		return 0, 0
	}
	return f.fmap.mappedBytes(), f.heapChunks
}

// Release unmaps the vectors of a mapped Flat and frees its file; it does
// nothing for a Flat in memory. Afterwards the Flat must not be used,
// nor any slice At returned: the caller must make sure no reader or
// writer remains.
func (f *Flat) Release() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fmap == nil {
		return nil
	}
	err := f.fmap.release()
	f.fmap = nil
	empty := make([][]float32, 0)
	f.chunks.Store(&empty)
	f.n.Store(0)
	return err
}

// Dim returns the number of elements of each vector.
func (f *Flat) Dim() int { return f.dim }

// Len returns the number of vectors appended so far.
func (f *Flat) Len() int { return int(f.n.Load()) }

// Append copies v into the storage and returns its id. It panics if
// len(v) != Dim() or the storage already holds 2^32-1 vectors.
func (f *Flat) Append(v []float32) uint32 {
	if len(v) != f.dim {
		panic(fmt.Sprintf("hnsw: Flat.Append of %d elements to dimension %d", len(v), f.dim))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.n.Load()
	if id == ^uint32(0) {
		panic("hnsw: Flat is full")
	}
	tbl := *f.chunks.Load()
	ci := int(id >> f.shift)
	if ci == len(tbl) {
		// Appending within spare capacity does not disturb readers: they
		// hold the old slice header and never index past its length.
		size := (int(f.mask) + 1) * f.dim
		var c []float32
		if f.fmap != nil {
			var err error
			if c, err = f.fmap.alloc(size); err != nil {
				f.heapChunks++
			}
		}
		switch {
		case c != nil:
		case len(tbl) < arenaAfter:
			c = make([]float32, size)
		default:
			c = f.arena.alloc(size, 4)
		}
		tbl = append(tbl, c)
		f.chunks.Store(&tbl)
	}
	off := int(id&f.mask) * f.dim
	copy(tbl[ci][off:off+f.dim], v)
	f.n.Store(id + 1)
	return id
}

// Set overwrites the vector at id, which must be < Len(). See the type's
// documentation for when this is safe.
func (f *Flat) Set(id uint32, v []float32) {
	if len(v) != f.dim {
		panic(fmt.Sprintf("hnsw: Flat.Set of %d elements to dimension %d", len(v), f.dim))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	copy(f.At(id), v)
}

// At returns the vector at id. The slice aliases the storage: callers must
// not modify it. It panics if id >= Len().
func (f *Flat) At(id uint32) []float32 {
	if id >= f.n.Load() {
		panic(fmt.Sprintf("hnsw: Flat.At(%d) beyond length %d", id, f.n.Load()))
	}
	return f.at(*f.chunks.Load(), id)
}

// Prefetch asks the CPU to start loading vector id into its caches, for
// a caller that reads it shortly: an exact scan of scattered ids scores
// one while the next few load. It panics if id >= Len().
func (f *Flat) Prefetch(id uint32) {
	v := f.At(id)
	prefetchLines(&v[0], 4*len(v))
}

// at returns vector id from a chunk table loaded once by the caller.
func (f *Flat) at(tbl [][]float32, id uint32) []float32 {
	off := int(id&f.mask) * f.dim
	return tbl[id>>f.shift][off : off+f.dim : off+f.dim]
}

// Bytes returns the memory the stored vectors occupy, as allocated.
func (f *Flat) Bytes() int64 {
	var n int64
	for _, c := range *f.chunks.Load() {
		n += int64(4 * len(c))
	}
	return n
}
