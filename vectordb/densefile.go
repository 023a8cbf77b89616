package vectordb

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"nexusos/vectordb/hnsw"
	"nexusos/vectordb/internal/recordio"
)

// Dense index files (hnsw-<hex of vector name>.idx) let a collection
// reopen without rebuilding its graphs. They are written with every
// checkpoint (and by Close), stamped with the checkpoint's sequence
// number; Open uses one only when it matches the checkpoint it loads,
// before replaying the log on top, and rebuilds the graph otherwise.
//
//	record (kind 7)  JSON denseFileHeader
//	record (kind 8)  internal ids -> point ids, binary ids, in chunks
//	record (kind 9)  vectors, float32 little-endian, in chunks
//	record (kind 10) alive flags, one byte per internal id
//	record (kind 11) empty: the graph follows
//	hnsw.Index.WriteTo stream to the end of the file
const (
	recDenseHead   byte = 7
	recDenseIDs    byte = 8
	recDenseVecs   byte = 9
	recDenseAlive  byte = 10
	recDenseGraph  byte = 11
	recDensePLHead byte = 12
	recDensePLinks byte = 13

	denseChunkBytes = 32 << 20
)

type denseFileHeader struct {
	Version int    `json:"version"`
	LastSeq uint64 `json:"last_seq"`
	Vector  string `json:"vector"`
	Dim     int    `json:"dim"`
	N       int    `json:"n"`
	Indexed int    `json:"indexed"`
}

// Payload link files (plinks-<hex of vector name>.idx) keep the payload
// links of a dense index (payloadlinks.go) beside its index file, stamped
// with the same sequence number; Open uses one only with the index file
// it matches (older binaries ignore it):
//
//	record (kind 12) JSON densePayloadHeader
//	record (kind 13) payload links of the next nodes, in chunks: for each
//	                 node u32 count, then count u32 internal ids

// densePayloadHeader describes the saved payload links: the state they
// were built for and how many nodes' lists follow.
type densePayloadHeader struct {
	LastSeq  uint64   `json:"last_seq"`
	Vector   string   `json:"vector"`
	PayloadM int      `json:"payload_m"`
	Fields   string   `json:"fields"`
	Blocks   int      `json:"blocks"`
	Points   int      `json:"points"`
	Linked   []string `json:"linked"`
	Nodes    int      `json:"nodes"`
}

func payloadFileName(dir, vector string) string {
	return filepath.Join(dir, "plinks-"+hex.EncodeToString([]byte(vector))+".idx")
}

func denseFileName(dir, vector string) string {
	return filepath.Join(dir, "hnsw-"+hex.EncodeToString([]byte(vector))+".idx")
}

// writeDenseFile saves d atomically. The indexer must be stopped.
func writeDenseFile(fs vfs, path, vector string, d *denseIndex, lastSeq uint64) error {
	return writeAtomic(fs, path, func(bw *bufio.Writer) error {
		put := (&recordWriter{w: bw}).put
		h, _ := json.Marshal(denseFileHeader{Version: 1, LastSeq: lastSeq, Vector: vector, Dim: d.params.Size, N: len(d.ids), Indexed: int(d.indexed.Load())})
		if err := put(append([]byte{recDenseHead}, h...)); err != nil {
			return err
		}
		const idsPerChunk = 1 << 20
		for i := 0; i < len(d.ids); i += idsPerChunk {
			e := &encoder{b: []byte{recDenseIDs}}
			for _, id := range d.ids[i:min(i+idsPerChunk, len(d.ids))] {
				e.id(id)
			}
			if err := put(e.b); err != nil {
				return err
			}
		}
		perChunk := max(1, denseChunkBytes/(4*d.params.Size))
		for i := 0; i < len(d.ids); i += perChunk {
			b := []byte{recDenseVecs}
			for n := i; n < min(i+perChunk, len(d.ids)); n++ {
				for _, x := range d.flat.At(uint32(n)) {
					b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
				}
			}
			if err := put(b); err != nil {
				return err
			}
		}
		alive := make([]byte, 1, 1+len(d.alive))
		alive[0] = recDenseAlive
		for _, a := range d.alive {
			if a {
				alive = append(alive, 1)
			} else {
				alive = append(alive, 0)
			}
		}
		if err := put(alive); err != nil {
			return err
		}
		if err := put([]byte{recDenseGraph}); err != nil {
			return err
		}
		_, err := d.graph.WriteTo(bw)
		return err
	})
}

// readDenseFile loads a dense index file written at lastSeq for vector.
func readDenseFile(fs vfs, path, vector string, p VectorParams, h HNSWConfig, lastSeq uint64, flats *flatStore) (*denseIndex, error) {
	f, err := fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	body, err := recordio.ReadFrom(r)
	if err != nil || body[0] != recDenseHead {
		return nil, fmt.Errorf("header: %v", err)
	}
	var hd denseFileHeader
	if err := json.Unmarshal(body[1:], &hd); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if hd.Version != 1 || hd.LastSeq != lastSeq || hd.Vector != vector || hd.Dim != p.Size || hd.N < 0 || hd.Indexed < 0 || hd.Indexed > hd.N {
		return nil, fmt.Errorf("stale or foreign index file (seq %d, want %d)", hd.LastSeq, lastSeq)
	}
	d := newDenseIndex(p, h, flats)
	d.ids = make([]PointID, 0, min(hd.N, 1<<20))
	for len(d.ids) < hd.N {
		body, err := recordio.ReadFrom(r)
		if err != nil || body[0] != recDenseIDs {
			return nil, fmt.Errorf("ids: %v", err)
		}
		dec := &decoder{b: body[1:]}
		for len(dec.b) > 0 && dec.err == nil {
			d.ids = append(d.ids, dec.id())
		}
		if dec.err != nil || len(d.ids) > hd.N {
			return nil, errors.New("ids: bad chunk")
		}
	}
	for d.flat.Len() < hd.N {
		body, err := recordio.ReadFrom(r)
		if err != nil || body[0] != recDenseVecs || (len(body)-1)%(4*p.Size) != 0 {
			return nil, fmt.Errorf("vectors: %v", err)
		}
		v := make([]float32, p.Size)
		for off := 1; off < len(body); off += 4 * p.Size {
			if d.flat.Len() >= hd.N {
				return nil, errors.New("vectors: too many")
			}
			for i := range v {
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[off+4*i:]))
			}
			d.flat.Append(v)
		}
	}
	body, err = recordio.ReadFrom(r)
	if err != nil || body[0] != recDenseAlive || len(body)-1 != hd.N {
		return nil, fmt.Errorf("alive flags: %v", err)
	}
	d.alive = make([]bool, hd.N)
	d.slots = make([]uint32, hd.N) // filled by loadCheckpoint
	for n := range d.alive {
		if body[1+n] == 1 {
			if _, dup := d.internal[d.ids[n]]; dup {
				return nil, fmt.Errorf("point %s has two live vectors", d.ids[n])
			}
			d.alive[n] = true
			d.internal[d.ids[n]] = uint32(n)
		}
	}
	body, err = recordio.ReadFrom(r)
	if err != nil || len(body) != 1 || body[0] != recDenseGraph {
		return nil, fmt.Errorf("graph marker: %v", err)
	}
	g, err := hnsw.Load(r, d.flat)
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	d.graph = g
	d.indexed.Store(uint32(hd.Indexed))
	return d, nil
}

// denseMatches reports whether a loaded index holds exactly the vectors
// of name of pts.
func denseMatches(name string, d *denseIndex, pts []ckptPoint) bool {
	count := 0
	for i := range pts {
		id := pts[i].ID
		v, ok := pts[i].Vectors[name]
		if !ok || v.Dense == nil {
			continue
		}
		count++
		n, ok := d.internal[id]
		if !ok {
			return false
		}
		got := d.flat.At(n)
		for i := range got {
			if got[i] != v.Dense[i] {
				return false
			}
		}
	}
	return count == len(d.internal)
}

// writePayloadFile saves the payload links of d atomically (stamped
// with lastSeq), or removes the file when d has none.
func writePayloadFile(fs vfs, path, vector string, d *denseIndex, lastSeq uint64) error {
	// The job that builds them installs links, fields and state under
	// d.mu: one consistent snapshot of the three.
	d.mu.Lock()
	st, linked, tbl := d.plinkBuilt, d.plinkFields.Load(), d.graph.PayloadLinksTable()
	d.mu.Unlock()
	nodes, _ := d.graph.PayloadLinked()
	if nodes == 0 || linked == nil || st.payloadM <= 0 {
		if err := fs.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return writeAtomic(fs, path, func(bw *bufio.Writer) error {
		put := (&recordWriter{w: bw}).put
		hd := densePayloadHeader{LastSeq: lastSeq, Vector: vector, PayloadM: st.payloadM, Fields: st.fields, Blocks: st.blocks, Points: st.points, Nodes: len(d.ids)}
		for f := range *linked {
			hd.Linked = append(hd.Linked, f)
		}
		slices.Sort(hd.Linked)
		h, _ := json.Marshal(hd)
		if err := put(append([]byte{recDensePLHead}, h...)); err != nil {
			return err
		}
		b := []byte{recDensePLinks}
		for n := range uint32(len(d.ids)) {
			l := tbl.Of(n)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(l)))
			for _, j := range l {
				b = binary.LittleEndian.AppendUint32(b, j)
			}
			if len(b) >= denseChunkBytes || int(n) == len(d.ids)-1 {
				if err := put(b); err != nil {
					return err
				}
				b = b[:1]
			}
		}
		return nil
	})
}

// readPayloadFile installs the payload links saved at lastSeq for vector
// in d, a dense index just read from its index file, and restores the
// state they were built for. It changes nothing when it fails.
func readPayloadFile(fs vfs, path, vector string, d *denseIndex, lastSeq uint64) error {
	f, err := fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	head, err := recordio.ReadFrom(r)
	if err != nil || head[0] != recDensePLHead {
		return fmt.Errorf("header: %v", err)
	}
	var hd densePayloadHeader
	if err := json.Unmarshal(head[1:], &hd); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	n := len(d.ids)
	if hd.LastSeq != lastSeq || hd.Vector != vector || hd.Nodes != n || hd.PayloadM <= 0 {
		return fmt.Errorf("stale or foreign payload link file (seq %d, want %d)", hd.LastSeq, lastSeq)
	}
	b := d.graph.NewPayloadBuilder(hd.PayloadM)
	node := 0
	for node < n {
		body, err := recordio.ReadFrom(r)
		if err != nil || body[0] != recDensePLinks {
			return fmt.Errorf("links of node %d: %v", node, err)
		}
		for off := 1; off < len(body); {
			if node >= n || len(body)-off < 4 {
				return errors.New("bad chunk")
			}
			c := int(binary.LittleEndian.Uint32(body[off:]))
			off += 4
			if c > n || len(body)-off < 4*c {
				return errors.New("bad chunk")
			}
			if c > 0 {
				links := make([]uint32, c)
				for i := range links {
					links[i] = binary.LittleEndian.Uint32(body[off:])
					off += 4
					if int(links[i]) >= n {
						return fmt.Errorf("link to node %d of %d", links[i], n)
					}
				}
				b.Set(uint32(node), links)
			}
			node++
		}
	}
	linked := make(map[string]bool, len(hd.Linked))
	for _, f := range hd.Linked {
		linked[f] = true
	}
	d.mu.Lock()
	b.Install()
	d.plinkFields.Store(&linked)
	d.plinkBuilt = plinkState{payloadM: hd.PayloadM, fields: hd.Fields, blocks: hd.Blocks, points: hd.Points}
	d.mu.Unlock()
	return nil
}
