package vectordb

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"nexusos/vectordb/internal/recordio"
)

// Log segments and checkpoints are sequences of records framed by package
// recordio (length, CRC-32C, body). The first body byte is the body format
// (recJSONOp: the rest is one op as JSON).
const (
	recJSONOp   byte = 1 // body: JSON-encoded op
	recCkptHead byte = 2 // body: JSON-encoded ckptHeader
	recCkptFoot byte = 3 // body: JSON-encoded ckptFooter
)

var errTooLarge = errors.New("file too large")

// encodeOp returns the record body of an op (binary; see codec.go).
func encodeOp(o *op) ([]byte, error) { return encodeOpBinary(o) }

// decodeOp parses and sanity-checks a record body written by encodeOp (or
// the JSON form, recJSONOp, which replay still accepts).
func decodeOp(body []byte) (*op, error) {
	var o *op
	switch {
	case len(body) == 0:
		return nil, errors.New("empty record")
	case body[0] == recBinOp:
		var err error
		if o, err = decodeOpBinary(body); err != nil {
			return nil, err
		}
	case body[0] == recJSONOp:
		o = new(op)
		if err := json.Unmarshal(body[1:], o); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("not an op record")
	}
	if o.Kind == 0 || o.Kind >= opKindEnd || o.Seq == 0 {
		return nil, fmt.Errorf("bad op kind %d or sequence %d", o.Kind, o.Seq)
	}
	return o, nil
}

// validRecordAfter reports whether some valid op record starts after off:
// the sign that damage at off is corruption, not a torn final write.
func validRecordAfter(data []byte, off int) bool {
	for i := off + 1; i+recordio.HeaderSize < len(data); i++ {
		if body, n := recordio.ParseAt(data, i); n > 0 {
			if _, err := decodeOp(body); err == nil {
				return true
			}
		}
	}
	return false
}

// replayLog decodes the ops of one log segment. It returns the ops of the
// valid prefix and the byte length of that prefix. Damage followed by no
// valid record is a torn tail and ends the log; damage followed by a valid
// record is reported as ErrCorruptWAL.
func replayLog(data []byte) (ops []*op, valid int, err error) {
	r := recordio.NewReader(data)
	for {
		body, err := r.Next()
		if err == io.EOF {
			return ops, r.Offset(), nil
		}
		var o *op
		if err == nil {
			o, err = decodeOp(body)
		}
		if err != nil {
			if validRecordAfter(data, r.Offset()) {
				return ops, r.Offset(), fmt.Errorf("%w: damaged record at offset %d", ErrCorruptWAL, r.Offset())
			}
			return ops, r.Offset(), nil
		}
		ops = append(ops, o)
	}
}

// wal is the write-ahead log of one collection: a directory of segment
// files named by the sequence number of their first op.
//
// Preconditions: the owning collection's wmu is held by every method.
type wal struct {
	fs   vfs
	dir  string
	f    vfile  // the segment being appended to
	name string // its path
	size int64  // its acknowledged length
	// bytes appended since the last checkpoint, across segments
	sinceCkpt int64
	buf       []byte
}

func segmentName(dir string, first uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d.log", first))
}

// listSegments returns segment paths ordered by first sequence number.
func listSegments(fs vfs, dir string) ([]string, []uint64, error) {
	ents, err := fs.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	type seg struct {
		name  string
		first uint64
	}
	var segs []seg
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".log") {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(n, ".log"), 10, 64)
		if err != nil {
			continue
		}
		segs = append(segs, seg{filepath.Join(dir, n), first})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	names := make([]string, len(segs))
	firsts := make([]uint64, len(segs))
	for i, s := range segs {
		names[i], firsts[i] = s.name, s.first
	}
	return names, firsts, nil
}

// openSegment opens (creating) a segment for appending at size.
func (w *wal) openSegment(name string, size int64) error {
	f, err := w.fs.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := syncDir(w.fs, w.dir); err != nil {
		f.Close()
		return err
	}
	w.f, w.name, w.size = f, name, size
	return nil
}

// append writes one op and fsyncs it. On failure it truncates the segment
// back to its previous length; if that fails too, the returned broken flag
// is set and the log must not be written again.
func (w *wal) append(o *op) (broken bool, err error) {
	if w.f == nil {
		return true, fmt.Errorf("write-ahead log %s is closed", w.dir)
	}
	body, err := encodeOp(o)
	if err != nil {
		return false, fmt.Errorf("encode op %d: %w", o.Seq, err)
	}
	if len(body) > recordio.MaxBodySize {
		return false, fmt.Errorf("op %d is %d bytes, more than %d", o.Seq, len(body), recordio.MaxBodySize)
	}
	w.buf = recordio.Append(w.buf[:0], body)
	_, err = w.f.Write(w.buf)
	if err == nil {
		err = w.f.Sync()
	}
	if err != nil {
		if terr := w.rollback(); terr != nil {
			return true, fmt.Errorf("write %s: %w (rollback: %v)", w.name, err, terr)
		}
		return false, fmt.Errorf("write %s: %w", w.name, err)
	}
	w.size += int64(len(w.buf))
	w.sinceCkpt += int64(len(w.buf))
	if cap(w.buf) > 1<<20 {
		w.buf = nil
	}
	return false, nil
}

func (w *wal) rollback() error {
	if err := w.f.Truncate(w.size); err != nil {
		return err
	}
	if _, err := w.f.Seek(w.size, io.SeekStart); err != nil {
		return err
	}
	return w.f.Sync()
}

// reopen closes and reopens the current segment at its acknowledged
// length, after a failed write whose rollback failed too.
func (w *wal) reopen() error {
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	return w.openSegment(w.name, w.size)
}

// rotate starts a new segment whose first op will be next.
func (w *wal) rotate(next uint64) error {
	old := w.f
	if err := w.openSegment(segmentName(w.dir, next), 0); err != nil {
		return err
	}
	if old != nil {
		old.Close()
	}
	return nil
}

func (w *wal) close() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// readSegment reads a whole segment.
func readSegment(fs vfs, name string) ([]byte, error) {
	f, err := fs.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(bufio.NewReaderSize(f, 1<<20))
}
