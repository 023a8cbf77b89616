package vectordb

import (
	"errors"
	"log/slog"
	"sync"

	"nexusos/vectordb/hnsw"
)

// flatStore makes the vector storage of dense indexes. A vector with
// on_disk: true (Qdrant's "store the original vectors on disk") keeps its
// float32 originals in a file of the data directory mapped into memory
// (hnsw.NewMappedFlat): the kernel pages them in when the exact scans and
// the rescoring read them and may drop them again. Its int8 codes, which
// the graph traverses, follow them into a mapped file of their own
// (hnsw.CodeFile) unless always_ram is true, as Qdrant places quantized
// vectors; with always_ram: true they stay in the Go heap, as do binary
// and product codes. Other vectors, and every vector of a database on a
// test file system, live in memory. on_disk applies when a dense index is
// made: at creation and when the collection is opened.
//
// The mappings are released only when the database closes (release), so
// no search, indexer or payload-link build can still read them; those of
// a collection deleted meanwhile stay until then. The file space of int8
// codes replaced by a recalibrated range or another quantization is
// returned at once, after their last reader (denseIndex.retireCodes).
//
// A flatStore is safe for concurrent use; a nil one makes in-memory
// storage only.
type flatStore struct {
	dir string // where mapped files are made; "" for none
	log *slog.Logger

	mu     sync.Mutex
	mapped []*hnsw.Flat     // guarded by mu
	codes  []*hnsw.CodeFile // guarded by mu
}

// newFlat returns the storage of a dense vector of params p.
func (s *flatStore) newFlat(p VectorParams) *hnsw.Flat {
	if s == nil || s.dir == "" || !p.OnDisk {
		return hnsw.NewFlat(p.Size)
	}
	f, err := hnsw.NewMappedFlat(p.Size, s.dir)
	if err != nil {
		s.log.Warn("vectordb: on_disk vectors kept in memory", "err", err)
		return hnsw.NewFlat(p.Size)
	}
	s.mu.Lock()
	s.mapped = append(s.mapped, f)
	s.mu.Unlock()
	return f
}

// newCodeFile returns a file to map the codes of an on_disk vector from,
// or nil when they stay in memory (a vector in memory, a test file
// system, or a file that cannot be made).
func (s *flatStore) newCodeFile(p VectorParams) *hnsw.CodeFile {
	if s == nil || s.dir == "" || !p.OnDisk {
		return nil
	}
	f, err := hnsw.NewCodeFile(s.dir)
	if err != nil {
		s.log.Warn("vectordb: quantized codes of on_disk vectors kept in memory", "err", err)
		return nil
	}
	s.mu.Lock()
	s.codes = append(s.codes, f)
	s.mu.Unlock()
	return f
}

// codeFile returns the file d maps its int8 codes from, made on first
// use; nil when they stay in memory. Only the indexer calls it.
func (d *denseIndex) codeFile() *hnsw.CodeFile {
	if d.codes == nil {
		d.codes = d.flats.newCodeFile(d.params)
	}
	return d.codes
}

// release unmaps every mapped storage.
//
// Preconditions: nothing reads or writes the vectors any more.
func (s *flatStore) release() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, f := range s.mapped {
		errs = append(errs, f.Release())
	}
	for _, f := range s.codes {
		errs = append(errs, f.Release())
	}
	s.mapped, s.codes = nil, nil
	return errors.Join(errs...)
}

// onDiskBytes returns the bytes of d's vectors mapped from a file (0 when
// they live in memory).
func (d *denseIndex) onDiskBytes() int64 {
	n, _ := d.flat.MappedBytes()
	return n
}

// mappedStorage returns how much of d's storage is mapped from files.
func (d *denseIndex) mappedStorage() MappedStorage {
	m := MappedStorage{Vectors: d.onDiskBytes()}
	if q := d.quant.Load(); q != nil {
		m.Codes = q.MappedBytes()
	}
	return m
}
