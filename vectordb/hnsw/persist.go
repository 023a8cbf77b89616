package hnsw

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
	"sync/atomic"
)

// The index file (all integers little-endian uint32 unless noted):
//
//	+--------+------+---------------------------------------------+
//	| offset | size | field                                       |
//	+--------+------+---------------------------------------------+
//	| 0      | 8    | magic "NXHNSW\x00\x01" (format version 1)   |
//	| 8      | 4    | dimension                                   |
//	| 12     | 4    | M                                           |
//	| 16     | 4    | EfConstruct                                 |
//	| 20     | 4    | metric                                      |
//	| 24     | 8    | seed (int64)                                |
//	| 32     | 4    | n: node slots that follow                   |
//	| 36     | 4    | entry point id                              |
//	| 40     | 4    | entry point level + 1 (0: empty graph)      |
//	| 44     | ...  | n node records, ids 0..n-1                  |
//	| end-4  | 4    | CRC-32C (Castagnoli) of all bytes before    |
//	+--------+------+---------------------------------------------+
//
// A node record is a flags word (bit 30 inserted, bit 31 deleted, bits
// 24..28 level L; a slot never inserted is just a zero word), then for
// each layer 0..L a list: a count c (at most 2*M on layer 0, M above)
// followed by c neighbour ids.
var fileMagic = [8]byte{'N', 'X', 'H', 'N', 'S', 'W', 0, 1}

// ErrCorrupt is returned (wrapped) by Load when the input is not a valid
// index file for the given vectors.
var ErrCorrupt = errors.New("hnsw: corrupt index file")

const (
	maxEfConstruct = 1 << 16
	hdrKnownBits   = hdrInserted | hdrDeleted | hdrLevelMask
)

// castagnoli is the CRC-32C table, made on first use rather than at
// every nexus process's start (0.13 ms, `nexus run` included).
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

type countWriter struct {
	w   io.Writer
	n   int64
	crc uint32
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.crc = crc32.Update(c.crc, castagnoli(), p[:n])
	return n, err
}

// WriteTo writes the graph (not the vectors) to w in the format above. It
// waits for running Inserts and Deletes and blocks new ones while it
// writes; Searches go on.
func (x *Index) WriteTo(w io.Writer) (int64, error) {
	x.persistMu.Lock()
	defer x.persistMu.Unlock()
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	var t tables
	x.loadTables(&t)
	n := min(len(t.l0)<<nodeChunkShift, x.vecs.Len())
	for n > 0 && x.header(uint32(n-1))&hdrInserted == 0 {
		n--
	}
	ep := x.entry.Load()
	var hdr [44]byte
	copy(hdr[:8], fileMagic[:])
	le := binary.LittleEndian
	le.PutUint32(hdr[8:], uint32(x.vecs.Dim()))
	le.PutUint32(hdr[12:], uint32(x.cfg.M))
	le.PutUint32(hdr[16:], uint32(x.cfg.EfConstruct))
	le.PutUint32(hdr[20:], uint32(x.cfg.Metric))
	le.PutUint64(hdr[24:], uint64(x.cfg.Seed))
	le.PutUint32(hdr[32:], uint32(n))
	le.PutUint32(hdr[36:], uint32(ep))
	le.PutUint32(hdr[40:], uint32(ep>>32))
	bw.Write(hdr[:])
	var buf []byte
	for id := 0; id < n; id++ {
		h := x.header(uint32(id))
		buf = le.AppendUint32(buf[:0], h&hdrKnownBits)
		if h&hdrInserted != 0 {
			level := int(h&hdrLevelMask) >> hdrLevelShift
			for l := 0; l <= level; l++ {
				lst := x.list(&t, uint32(id), l)
				c := atomic.LoadUint32(&lst[0])
				buf = le.AppendUint32(buf, c)
				for i := 1; i <= int(c); i++ {
					buf = le.AppendUint32(buf, atomic.LoadUint32(&lst[i]))
				}
			}
		}
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("write hnsw index: %w", err)
	}
	var tail [4]byte
	le.PutUint32(tail[:], cw.crc)
	if _, err := cw.Write(tail[:]); err != nil {
		return cw.n, fmt.Errorf("write hnsw index: %w", err)
	}
	return cw.n, nil
}

// crcReader reads exact byte counts and checksums them.
type crcReader struct {
	r   *bufio.Reader
	crc uint32
	buf []byte
}

func (c *crcReader) read(n int) ([]byte, error) {
	if cap(c.buf) < n {
		c.buf = make([]byte, n)
	}
	b := c.buf[:n]
	if _, err := io.ReadFull(c.r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	c.crc = crc32.Update(c.crc, castagnoli(), b)
	return b, nil
}

func (c *crcReader) u32() (uint32, error) {
	b, err := c.read(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Load reads an index written by WriteTo over the vectors in vecs, which
// must hold at least the vectors the index was built over.
//
// # Errors
//
// Load validates everything before use: a file that does not match vecs,
// is truncated, fails its checksum or links to nodes that do not exist
// returns an error wrapping ErrCorrupt (or the read error), never a panic.
// Memory allocated is bounded by vecs.Len() times the per-node size of
// layer 0 (4*(2*M+3) bytes) plus what the bytes actually read describe.
func Load(r io.Reader, vecs *Flat) (*Index, error) {
	cr := &crcReader{r: bufio.NewReaderSize(r, 64<<10)}
	hdr, err := cr.read(44)
	if err != nil {
		return nil, fmt.Errorf("read hnsw header: %w", err)
	}
	if [8]byte(hdr[:8]) != fileMagic {
		return nil, corrupt("bad magic %q", hdr[:8])
	}
	le := binary.LittleEndian
	dim := le.Uint32(hdr[8:])
	m := le.Uint32(hdr[12:])
	efc := le.Uint32(hdr[16:])
	metric := le.Uint32(hdr[20:])
	seed := int64(le.Uint64(hdr[24:]))
	n := le.Uint32(hdr[32:])
	epID := le.Uint32(hdr[36:])
	epLevel1 := le.Uint32(hdr[40:])
	switch {
	case int(dim) != vecs.Dim():
		return nil, corrupt("dimension %d, vectors have %d", dim, vecs.Dim())
	case m < 2 || m > maxM:
		return nil, corrupt("M %d out of range", m)
	case efc < 1 || efc > maxEfConstruct:
		return nil, corrupt("EfConstruct %d out of range", efc)
	case metric > uint32(L1):
		return nil, corrupt("unknown metric %d", metric)
	case uint64(n) > uint64(vecs.Len()):
		return nil, corrupt("%d nodes but only %d vectors", n, vecs.Len())
	case epLevel1 > maxLevel+1:
		return nil, corrupt("entry level %d out of range", epLevel1)
	case epLevel1 != 0 && epID >= n:
		return nil, corrupt("entry point %d beyond %d nodes", epID, n)
	case epLevel1 == 0 && epID != 0:
		return nil, corrupt("entry point %d in an empty graph", epID)
	}
	x := New(Config{M: int(m), EfConstruct: int(efc), Metric: Metric(metric), Seed: seed}, vecs)
	if x.cfg.M != int(m) || x.cfg.EfConstruct != int(efc) {
		return nil, corrupt("EfConstruct %d below M %d", efc, m)
	}
	var t tables
	var live, deleted int64
	for id := uint32(0); id < n; id++ {
		h, err := cr.u32()
		if err != nil {
			return nil, fmt.Errorf("read hnsw node %d: %w", id, err)
		}
		if h&^hdrKnownBits != 0 {
			return nil, corrupt("node %d: bad flags %#x", id, h)
		}
		if h&hdrInserted == 0 {
			if h != 0 {
				return nil, corrupt("node %d: flags %#x on an empty slot", id, h)
			}
			if id == n-1 {
				return nil, corrupt("last node slot %d is empty", id)
			}
			continue
		}
		// A node's level is a hash of (seed, id), so a file cannot claim
		// more upper-layer storage than the graph really has.
		level := int(h&hdrLevelMask) >> hdrLevelShift
		if level != x.levelOf(id) {
			return nil, corrupt("node %d: level %d, want %d", id, level, x.levelOf(id))
		}
		x.grow(id)
		var upperOff uint32
		if level > 0 {
			upperOff = x.allocUpper(level)
		}
		x.loadTables(&t)
		b := x.block(&t.l0, id)
		b[blkHeader] = h
		b[blkUpper] = upperOff
		for l := 0; l <= level; l++ {
			c, err := cr.u32()
			if err != nil {
				return nil, fmt.Errorf("read hnsw node %d: %w", id, err)
			}
			limit := x.m
			if l == 0 {
				limit = x.m0
			}
			if c > uint32(limit) {
				return nil, corrupt("node %d layer %d: %d links, at most %d", id, l, c, limit)
			}
			raw, err := cr.read(4 * int(c))
			if err != nil {
				return nil, fmt.Errorf("read hnsw node %d: %w", id, err)
			}
			lst := x.list(&t, id, l)
			lst[0] = c
			for i := range int(c) {
				j := le.Uint32(raw[4*i:])
				if j >= n {
					return nil, corrupt("node %d links to %d beyond %d nodes", id, j, n)
				}
				lst[1+i] = j
			}
		}
		if h&hdrDeleted != 0 {
			deleted++
		} else {
			live++
		}
	}
	sum := cr.crc
	tail, err := cr.read(4)
	if err != nil {
		return nil, fmt.Errorf("read hnsw checksum: %w", err)
	}
	if got := le.Uint32(tail); got != sum {
		return nil, corrupt("checksum %#x, computed %#x", got, sum)
	}
	// Every link must name an inserted node that has the layer it is
	// linked on, and the entry point must head the top layer.
	x.loadTables(&t)
	levelOf := func(id uint32) int {
		h := x.header(id)
		if h&hdrInserted == 0 {
			return -1
		}
		return int(h&hdrLevelMask) >> hdrLevelShift
	}
	top := -1
	for id := uint32(0); id < n; id++ {
		level := levelOf(id)
		top = max(top, level)
		for l := 0; l <= level; l++ {
			lst := x.list(&t, id, l)
			for _, j := range lst[1 : 1+lst[0]] {
				if levelOf(j) < l {
					return nil, corrupt("node %d links on layer %d to node %d, which is not on it", id, l, j)
				}
			}
		}
	}
	if epLevel1 == 0 {
		if top >= 0 {
			return nil, corrupt("no entry point for a non-empty graph")
		}
	} else if levelOf(epID) != int(epLevel1)-1 || top != int(epLevel1)-1 {
		return nil, corrupt("entry point %d does not head the top layer", epID)
	}
	x.entry.Store(uint64(epLevel1)<<32 | uint64(epID))
	x.live.Store(live)
	x.deleted.Store(deleted)
	return x, nil
}
