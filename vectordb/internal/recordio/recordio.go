// Package recordio frames the records of vectordb's files: write-ahead log
// segments, checkpoints and HNSW index files are each a sequence of
// records, and this package writes and checks their frames. What a body
// holds (its first byte names its format) is the caller's business.
//
// # Format
//
//	+-------------+-------------+---------------------------+
//	| length u32  | crc32c u32  | body (length bytes)       |
//	+-------------+-------------+---------------------------+
//	 0             4             8                  8+length
//
// Integers are little-endian. crc32c is CRC-32 (Castagnoli) of the body.
// length is in [1, MaxBodySize]; a zero length is never written, so a run
// of zeroed bytes (a file extended but not written before a crash) is not
// a record.
//
// A frame that fails its checks is ErrBadRecord; whether that is a torn
// final write or corruption is for the caller to decide (vectordb looks
// for a valid record after it).
//
// # Concurrency
//
// Append, ParseAt and ReadFrom are safe for concurrent use; a Reader is not.
package recordio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sync"
)

const (
	// HeaderSize is the bytes before each body.
	HeaderSize = 8
	// MaxBodySize bounds a body's length, read from a file before
	// anything is allocated.
	MaxBodySize = 512 << 20
)

// readChunk is the first allocation of ReadFrom for a body.
const readChunk = 1 << 20

// ErrBadRecord is returned for a frame that does not check out: too short
// for its header or its length, a length of zero or over MaxBodySize, or a
// checksum mismatch.
var ErrBadRecord = errors.New("recordio: bad record")

// crcTable is the CRC-32C table, made on first use: making it sets up the
// SSE 4.2 tables, which would cost every nexus process (`nexus run`
// included) a tenth of a millisecond at start-up.
var crcTable = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// Append frames body (1 to MaxBodySize bytes) into buf and returns the
// extended buffer.
func Append(buf, body []byte) []byte {
	var h [HeaderSize]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(len(body)))
	binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(body, crcTable()))
	buf = append(buf, h[:]...)
	return append(buf, body...)
}

// ParseAt returns the body of the record that starts at data[off:] (a
// subslice of data) and the record's framed size, or size 0 when no valid
// record starts there.
func ParseAt(data []byte, off int) (body []byte, size int) {
	if off < 0 || len(data)-off < HeaderSize {
		return nil, 0
	}
	n := binary.LittleEndian.Uint32(data[off:])
	sum := binary.LittleEndian.Uint32(data[off+4:])
	if n == 0 || n > MaxBodySize || uint64(n) > uint64(len(data)-off-HeaderSize) {
		return nil, 0
	}
	body = data[off+HeaderSize : off+HeaderSize+int(n)]
	if crc32.Checksum(body, crcTable()) != sum {
		return nil, 0
	}
	return body, HeaderSize + int(n)
}

// Reader reads records from a byte slice (a whole file read into memory).
type Reader struct {
	data []byte
	off  int
}

// NewReader returns a Reader at the start of data.
func NewReader(data []byte) *Reader { return &Reader{data: data} }

// Next returns the body of the next record (a subslice of the data), io.EOF
// at a clean end, or ErrBadRecord for a torn or corrupt record; then
// Offset is the bad record's start and Next keeps returning ErrBadRecord.
func (r *Reader) Next() ([]byte, error) {
	if r.off == len(r.data) {
		return nil, io.EOF
	}
	body, n := ParseAt(r.data, r.off)
	if n == 0 {
		return nil, ErrBadRecord
	}
	r.off += n
	return body, nil
}

// Offset returns the offset of the next record: after a clean run of Next
// calls, the length of the valid prefix.
func (r *Reader) Offset() int { return r.off }

// ReadFrom reads one record from a stream and returns its body (newly
// allocated). It returns io.EOF when the stream ends before the record
// starts, io.ErrUnexpectedEOF when it ends inside it, and ErrBadRecord
// (wrapped, with the reason) for a bad length or checksum; other errors
// are the stream's.
func ReadFrom(r io.Reader) ([]byte, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(h[0:])
	if n == 0 || n > MaxBodySize {
		return nil, fmt.Errorf("%w: length %d", ErrBadRecord, n)
	}
	// Grow the body as it arrives, so that a damaged length allocates no
	// more than twice what the stream holds.
	body := make([]byte, 0, min(n, readChunk))
	for len(body) < int(n) {
		if len(body) == cap(body) {
			body = slices.Grow(body, min(cap(body), int(n)-len(body)))
		}
		k, err := io.ReadFull(r, body[len(body):min(cap(body), int(n))])
		body = body[:len(body)+k]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	if crc32.Checksum(body, crcTable()) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrBadRecord)
	}
	return body, nil
}
