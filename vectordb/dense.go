package vectordb

import (
	"runtime"
	"sync"
	"sync/atomic"

	"nexusos/vectordb/hnsw"
)

// denseIndex is the HNSW index of one dense vector name of a collection.
//
// Vectors get dense internal ids in the order they are stored: an upsert
// appends a new internal id (the old one, if any, becomes dead), so the
// vector storage is append-only and safe for concurrent readers. A
// background indexer inserts the stored vectors into the graph in id
// order; internal ids below indexed are in the graph, the rest are scanned
// exactly by searches until the indexer catches up.
type denseIndex struct {
	params VectorParams
	cfg    HNSWConfig
	flat   *hnsw.Flat
	graph  *hnsw.Index

	// Guarded by the owning collection's mu.
	ids      []PointID          // internal id -> point
	slots    []uint32           // internal id -> the point's slot (slotset.go), while alive
	bySlot   []uint32           // slot -> live internal id + 1, 0 for none
	alive    []bool             // internal id -> is the point's current vector
	internal map[PointID]uint32 // point -> live internal id

	indexed atomic.Uint32 // internal ids below this are in the graph

	// mu guards running and stopped, the indexer's state: running is set
	// while an indexer goroutine works; stopped is set by stop and never
	// cleared.
	mu         sync.Mutex
	running    bool
	stopped    bool
	hold       bool     // set while the collection loads: no indexing yet
	minVectors int      // index only once this many vectors are stored; < 0: never (indexing_threshold)
	pendingDel []uint32 // dead ids at or above indexed, deleted once inserted
	onIdle     func()   // called (in a new goroutine) when the indexer catches up
	wg         sync.WaitGroup

	// savedIndexed is indexed as of the last dense file written. Guarded
	// by the owning collection's wmu.
	savedIndexed uint32

	// Quantization (quant.go): qcfg is guarded by mu; quant (int8), bin
	// (binary, quant_binary.go) or prod (product, quant_product.go)
	// holds the codes, nil while there are none.
	qcfg  *quantConfig
	quant atomic.Pointer[hnsw.Quantized]
	// codesMu is held for reading while a graph search or an insert may
	// read int8 codes it loaded; retireCodes takes it for writing once,
	// so codes that were replaced are freed only after their last reader.
	codesMu sync.RWMutex
	// flats made the vectors' storage and makes codes a file to map them
	// from (codeFile, mapped.go); codes is that file, nil until made,
	// used by the indexer only.
	flats *flatStore
	codes *hnsw.CodeFile
	bin   atomic.Pointer[hnsw.Binary]
	prod  atomic.Pointer[hnsw.Product]

	// Payload links (payloadlinks.go): plinkFields is the set of payload
	// fields whose blocks are linked, nil for none. plinkBusy is set
	// while a job builds them, plinkAgain asks it to check again, and
	// plinkBuilt describes the links installed; these and plinkQueued
	// are guarded by mu. done is closed by stop.
	plinkFields atomic.Pointer[map[string]bool]
	plinkBusy   bool
	plinkQueued bool // a job was started and has not looked yet
	plinkAgain  bool
	plinkBuilt  plinkState
	done        chan struct{}
}

func metricOf(d Distance) hnsw.Metric {
	switch d {
	case Euclid:
		return hnsw.L2
	case Manhattan:
		return hnsw.L1
	}
	return hnsw.Dot
}

func newDenseIndex(p VectorParams, h HNSWConfig, flats *flatStore) *denseIndex {
	d := &denseIndex{params: p, cfg: h, flat: flats.newFlat(p), flats: flats, internal: map[PointID]uint32{}, done: make(chan struct{})}
	d.graph = hnsw.New(hnsw.Config{M: h.M, EfConstruct: h.EfConstruct, Metric: metricOf(p.Distance), Seed: 1}, d.flat)
	return d
}

// upsert stores v as the vector of id (in slot) and returns the stored
// copy, which never moves and is never modified.
//
// Preconditions: the collection's mu is held for writing.
func (d *denseIndex) upsert(id PointID, slot uint32, v []float32) []float32 {
	d.remove(id)
	n := d.flat.Append(v)
	d.ids = append(d.ids, id)
	d.slots = append(d.slots, slot)
	d.alive = append(d.alive, true)
	d.internal[id] = n
	d.setSlot(slot, n)
	d.kick()
	return d.flat.At(n)
}

// remove forgets the vector of id.
//
// Preconditions: the collection's mu is held for writing.
func (d *denseIndex) remove(id PointID) {
	old, ok := d.internal[id]
	if !ok {
		return
	}
	delete(d.internal, id)
	d.alive[old] = false
	d.bySlot[d.slots[old]] = 0
	d.mu.Lock()
	defer d.mu.Unlock()
	if old < d.indexed.Load() {
		d.graph.Delete(old)
	} else {
		d.pendingDel = append(d.pendingDel, old)
	}
}

// setSlot records that live internal id n belongs to slot.
//
// Preconditions: the collection's mu is held for writing.
func (d *denseIndex) setSlot(slot, n uint32) {
	d.slots[n] = slot
	if int(slot) >= len(d.bySlot) {
		d.bySlot = append(d.bySlot, make([]uint32, int(slot)+1-len(d.bySlot))...)
	}
	d.bySlot[slot] = n + 1
}

// live reports whether internal id n is the current vector of its point.
//
// Preconditions: the collection's mu is held.
func (d *denseIndex) live(n uint32) (PointID, bool) {
	if int(n) >= len(d.ids) || !d.alive[n] {
		return PointID{}, false
	}
	return d.ids[n], true
}

// indexedCount is the number of live vectors in the graph.
func (d *denseIndex) indexedCount() int { return d.graph.Len() }

// fullScanPoints is the number of vectors below which exact search is
// cheaper than the graph: Qdrant's full_scan_threshold is in kilobytes of
// vector data.
func (d *denseIndex) fullScanPoints() int {
	return d.cfg.FullScanThreshold * 1024 / (4 * d.params.Size)
}

// ready reports whether searches should use the graph.
//
// Preconditions: the collection's mu is held.
func (d *denseIndex) ready() bool {
	return d.graph.Len() > 0 && len(d.internal) > d.fullScanPoints()
}

// kick starts the indexer if there is work and none is running.
func (d *denseIndex) kick() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running || d.stopped || d.hold {
		return
	}
	if (int(d.indexed.Load()) >= d.flat.Len() || d.minVectors < 0 || d.flat.Len() < d.minVectors) && !d.quantBehind() {
		return
	}
	d.running = true
	d.wg.Add(1)
	go d.run()
}

// indexBatch is how many vectors the indexer inserts between watermark
// updates.
const indexBatch = 512

func (d *denseIndex) run() {
	defer d.wg.Done()
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	for {
		start := int(d.indexed.Load())
		end := d.flat.Len()
		d.mu.Lock()
		if !d.stopped && d.quantBehind() {
			// Codes for the vectors already in the graph (a loaded
			// index, or quantization configured on a built one).
			d.mu.Unlock()
			d.quantize(start)
			continue
		}
		if d.minVectors < 0 || end < d.minVectors {
			end = start // below the indexing threshold: only codes
		}
		if d.stopped || start >= end {
			if d.stopped || start >= d.flat.Len() || d.minVectors < 0 || d.flat.Len() < d.minVectors {
				d.running = false
				stopped, idle := d.stopped, d.onIdle
				d.mu.Unlock()
				if !stopped && idle != nil {
					go idle() // never under d.mu: it takes the writer lock
				}
				return
			}
		}
		d.mu.Unlock()
		if start >= end {
			continue
		}
		end = min(end, start+indexBatch)
		d.quantize(end) // codes before the graph links to them
		var next atomic.Int64
		next.Store(int64(start))
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(end) {
						return
					}
					if d.cfg.NoGraph {
						// m: 0: no global graph, only payload links.
						d.graph.AddUnlinked(uint32(i))
					} else if !d.graph.Contains(uint32(i)) {
						// With int8 codes the neighbour search and selection read them
						// (a quarter of the bytes; the graph is as good).
						d.codesMu.RLock()
						d.graph.InsertQuantized(uint32(i), d.quant.Load())
						d.codesMu.RUnlock()
					}
				}
			}()
		}
		wg.Wait()
		d.mu.Lock()
		d.indexed.Store(uint32(end))
		keep := d.pendingDel[:0]
		for _, n := range d.pendingDel {
			if n < uint32(end) {
				d.graph.Delete(n)
			} else {
				keep = append(keep, n)
			}
		}
		d.pendingDel = keep
		d.mu.Unlock()
	}
}

// setOnIdle sets the function called when the indexer catches up.
func (d *denseIndex) setOnIdle(f func()) {
	d.mu.Lock()
	d.onIdle = f
	d.mu.Unlock()
}

// setThreshold applies an indexing threshold in KB of vector data (nil:
// always index, 0: never), as Qdrant's optimizers_config.indexing_threshold,
// then kicks the indexer.
func (d *denseIndex) setThreshold(kb *int) {
	d.mu.Lock()
	switch {
	case kb == nil:
		d.minVectors = 0
	case *kb == 0:
		d.minVectors = -1
	default:
		d.minVectors = int((int64(*kb)*1024 + int64(d.params.Size)*4 - 1) / (int64(d.params.Size) * 4))
	}
	d.mu.Unlock()
	d.kick()
}

// setHold suspends or resumes indexing (resuming kicks the indexer).
func (d *denseIndex) setHold(hold bool) {
	d.mu.Lock()
	d.hold = hold
	d.mu.Unlock()
	if !hold {
		d.kick()
	}
}

// stop stops the indexer and waits for it.
func (d *denseIndex) stop() {
	d.mu.Lock()
	if !d.stopped {
		close(d.done)
	}
	d.stopped = true
	d.mu.Unlock()
	d.wg.Wait()
}

// waitIndexed blocks until the indexer has caught up (for tests and
// benchmarks; no writer may run meanwhile).
func (d *denseIndex) waitIndexed() {
	for {
		d.kick()
		d.wg.Wait()
		d.mu.Lock()
		done := d.stopped || (int(d.indexed.Load()) >= d.flat.Len() || d.minVectors < 0 || d.flat.Len() < d.minVectors) && !d.quantBehind()
		d.mu.Unlock()
		if done {
			return
		}
	}
}
