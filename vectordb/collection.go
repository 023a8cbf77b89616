package vectordb

import (
	"sync"
)

// point is one stored point. Its fields are replaced, never mutated in
// place, so readers may keep the payload and vector values they copied out
// under the collection's read lock.
type point struct {
	id      PointID
	slot    uint32 // set by putPoint (slotset.go)
	version uint64
	vectors NamedVectors
	payload Payload
}

// opKind names a logged point operation.
type opKind uint8

const (
	opUpsert opKind = 1 + iota
	opDelete
	opSetPayload
	opOverwritePayload
	opDeletePayload
	opClearPayload
	opUpdateVectors
	opDeleteVectors
	opKindEnd
)

// op is one point operation as written to the write-ahead log. Selectors
// are resolved to ids before logging so replay does not depend on filter
// evaluation. All values are validated and normalised before logging;
// applying an op cannot fail.
type op struct {
	Kind    opKind         `json:"k"`
	Seq     uint64         `json:"s"`
	Points  []PointStruct  `json:"p,omitempty"`
	IDs     []PointID      `json:"i,omitempty"`
	Payload Payload        `json:"y,omitempty"`
	Key     string         `json:"key,omitempty"`
	Keys    []string       `json:"ks,omitempty"`
	Vectors []PointVectors `json:"v,omitempty"`
}

// collection is one collection's state.
type collection struct {
	name  string
	dir   string
	flats *flatStore // makes the dense vectors' storage (mapped.go)

	// wmu serialises writers: an update holds it from validation through
	// logging (fsync) and applying, and so do the other mutations (index
	// and config changes, delete, close). It guards log and broken. Lock
	// order: wmu before mu.
	wmu    sync.Mutex
	log    *wal  // nil for a collection without storage (tests)
	broken error // set when the log could not be rolled back; writes fail

	// mu guards the state below. Readers share it; a writer holding wmu
	// takes it shared to validate and exclusively only to apply, so
	// searches go on while a write waits for its fsync.
	mu            sync.RWMutex
	cfg           CollectionConfig
	points        map[PointID]*point
	fields        map[string]*fieldIndex // payload indexes by key
	sparse        map[string]*sparseStats
	dense         map[string]*denseIndex
	slots         []*point // slot -> point, nil when free (slotset.go)
	freeSlots     []uint32
	liveSlots     bitmap // the slots in use
	lastSeq       uint64
	ckptSeq       uint64 // sequence number of the last checkpoint started
	dropped       bool   // set by DeleteCollection
	checkpointing bool   // a checkpoint is being written

	ckptWG sync.WaitGroup // running background checkpoints

	// sortedMu guards sorted, the cached id order built lazily by readers
	// holding mu.RLock; writers holding mu.Lock clear it.
	sortedMu sync.Mutex
	sorted   []PointID
}

func newCollection(name, dir string, cfg CollectionConfig, flats *flatStore) *collection {
	c := &collection{
		name:   name,
		dir:    dir,
		flats:  flats,
		cfg:    cfg,
		points: map[PointID]*point{},
		fields: map[string]*fieldIndex{},
		sparse: map[string]*sparseStats{},
		dense:  map[string]*denseIndex{},
	}
	for n := range cfg.SparseVectors {
		c.sparse[n] = newSparseStats()
	}
	for n, p := range cfg.Vectors {
		if p.Multivector != nil {
			continue // multi-vectors live in the point table only
		}
		c.dense[n] = newDenseIndex(p, c.hnswFor(n), c.flats)
		c.dense[n].setThreshold(cfg.IndexingThreshold)
		c.dense[n].setQuantization(c.quantFor(n))
	}
	return c
}

// hnswFor returns the effective HNSW parameters of dense vector name.
func (c *collection) hnswFor(name string) HNSWConfig {
	h := c.cfg.HNSW
	if p, ok := c.cfg.Vectors[name]; ok && p.HNSW != nil {
		o := *p.HNSW
		switch {
		case o.NoGraph:
			h.M, h.NoGraph = 0, true
		case o.M != 0:
			h.M, h.NoGraph = o.M, false
		}
		if o.EfConstruct != 0 {
			h.EfConstruct = o.EfConstruct
		}
		if o.FullScanThreshold != 0 {
			h.FullScanThreshold = o.FullScanThreshold
		}
		if o.PayloadM != nil {
			h.PayloadM = o.PayloadM
		}
	}
	if h.M == 0 {
		h.M = 16
	}
	if h.EfConstruct == 0 {
		h.EfConstruct = 100
	}
	if h.FullScanThreshold == 0 {
		h.FullScanThreshold = 10000
	}
	return h
}

// sortedIDs returns all ids in Qdrant's order.
//
// Preconditions: c.mu is held (read or write).
func (c *collection) sortedIDs() []PointID {
	c.sortedMu.Lock()
	defer c.sortedMu.Unlock()
	if c.sorted == nil {
		ids := make([]PointID, 0, len(c.points))
		for id := range c.points {
			ids = append(ids, id)
		}
		sortPointIDs(ids)
		c.sorted = ids
	}
	return c.sorted
}

// apply applies a validated op.
//
// Preconditions: c.mu is held for writing.
func (c *collection) apply(o *op) {
	switch o.Kind {
	case opUpsert:
		for i := range o.Points {
			ps := &o.Points[i]
			if old, ok := c.points[ps.ID]; ok {
				c.unindex(old)
			} else {
				c.sorted = nil
			}
			p := &point{id: ps.ID, version: o.Seq, vectors: ps.Vectors, payload: ps.Payload}
			c.putPoint(p)
			c.index(p)
		}
	case opDelete:
		for _, id := range o.IDs {
			if p, ok := c.points[id]; ok {
				c.unindex(p)
				c.dropPoint(p)
				c.sorted = nil
			}
		}
	case opSetPayload, opOverwritePayload, opDeletePayload, opClearPayload:
		for _, id := range o.IDs {
			p, ok := c.points[id]
			if !ok {
				continue
			}
			c.unindexPayload(p)
			switch o.Kind {
			case opSetPayload:
				np, err := setPayloadAt(p.payload, o.Payload, o.Key)
				if err == nil {
					p.payload = np
				}
			case opOverwritePayload:
				p.payload = o.Payload
			case opDeletePayload:
				np := p.payload
				for _, k := range o.Keys {
					np = deletePayloadKey(np, k)
				}
				p.payload = np
			case opClearPayload:
				p.payload = nil
			}
			p.version = o.Seq
			c.indexPayload(p)
		}
	case opUpdateVectors:
		for _, pv := range o.Vectors {
			p, ok := c.points[pv.ID]
			if !ok {
				continue
			}
			c.unindexVectors(p)
			nv := make(NamedVectors, len(p.vectors)+len(pv.Vectors))
			for k, v := range p.vectors {
				nv[k] = v
			}
			for k, v := range pv.Vectors {
				nv[k] = v
			}
			p.vectors = nv
			p.version = o.Seq
			c.indexVectors(p)
		}
	case opDeleteVectors:
		for _, id := range o.IDs {
			p, ok := c.points[id]
			if !ok {
				continue
			}
			c.unindexVectors(p)
			nv := make(NamedVectors, len(p.vectors))
			for k, v := range p.vectors {
				nv[k] = v
			}
			for _, k := range o.Keys {
				delete(nv, k)
			}
			p.vectors = nv
			p.version = o.Seq
			c.indexVectors(p)
		}
	}
	if o.Seq > c.lastSeq {
		c.lastSeq = o.Seq
	}
}

// putPoint stores p as the point of its id. It takes the slot of the
// point it replaces, else a free slot.
//
// Preconditions: c.mu is held for writing.
func (c *collection) putPoint(p *point) {
	switch old, ok := c.points[p.id]; {
	case ok:
		p.slot = old.slot
	case len(c.freeSlots) > 0:
		p.slot = c.freeSlots[len(c.freeSlots)-1]
		c.freeSlots = c.freeSlots[:len(c.freeSlots)-1]
	default:
		p.slot = uint32(len(c.slots))
		c.slots = append(c.slots, nil)
		if len(c.liveSlots)*64 < len(c.slots) {
			c.liveSlots = append(c.liveSlots, 0)
		}
	}
	c.points[p.id] = p
	c.slots[p.slot] = p
	c.liveSlots.set(p.slot)
}

// dropPoint removes p (already unindexed) and frees its slot.
//
// Preconditions: c.mu is held for writing.
func (c *collection) dropPoint(p *point) {
	delete(c.points, p.id)
	c.slots[p.slot] = nil
	c.liveSlots.clear(p.slot)
	c.freeSlots = append(c.freeSlots, p.slot)
}

func (c *collection) index(p *point) {
	c.indexPayload(p)
	c.indexVectors(p)
}

func (c *collection) unindex(p *point) {
	c.unindexPayload(p)
	c.unindexVectors(p)
}

func (c *collection) indexPayload(p *point) {
	for _, fi := range c.fields {
		fi.add(p)
	}
}

func (c *collection) unindexPayload(p *point) {
	for _, fi := range c.fields {
		fi.remove(p)
	}
}

func (c *collection) indexVectors(p *point) {
	for name, v := range p.vectors {
		if v.Sparse != nil {
			if s := c.sparse[name]; s != nil {
				s.add(p, v.Sparse)
			}
		} else if d := c.dense[name]; d != nil {
			// Keep one copy of the vector: the point shares the index's.
			p.vectors[name] = Vector{Dense: d.upsert(p.id, p.slot, v.Dense)}
		}
	}
}

func (c *collection) unindexVectors(p *point) {
	for name, v := range p.vectors {
		if v.Sparse != nil {
			if s := c.sparse[name]; s != nil {
				s.remove(p, v.Sparse)
			}
		} else if d := c.dense[name]; d != nil {
			d.remove(p.id)
		}
	}
}

// sparseStats is the inverted index of one sparse vector name: for each
// dimension, the points that carry it (whose count is the dimension's
// document frequency), and how many points carry the vector at all — the
// inputs of the IDF modifier and of posting-list search.
type sparseStats struct {
	n    int
	post map[uint32]map[*point]struct{}
}

func newSparseStats() *sparseStats { return &sparseStats{post: map[uint32]map[*point]struct{}{}} }

// df is the number of points carrying dimension d.
func (s *sparseStats) df(d uint32) int { return len(s.post[d]) }

func (s *sparseStats) add(p *point, v *SparseVector) {
	s.n++
	for _, i := range v.Indices {
		l := s.post[i]
		if l == nil {
			l = map[*point]struct{}{}
			s.post[i] = l
		}
		l[p] = struct{}{}
	}
}

func (s *sparseStats) remove(p *point, v *SparseVector) {
	s.n--
	for _, i := range v.Indices {
		if l := s.post[i]; l != nil {
			delete(l, p)
			if len(l) == 0 {
				delete(s.post, i)
			}
		}
	}
}

// stopIndexers stops the background HNSW indexers. The collection must not
// be written afterwards.
func (c *collection) stopIndexers() {
	for _, d := range c.dense {
		d.stop()
	}
}
