package hnsw

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"nexusos/vectordb/distance"
)

// Product quantization, as Qdrant's: a vector is cut into sub-vectors of
// Sub elements (the last may be shorter), each sub-space gets a codebook
// of 256 centroids by k-means over a sample of the stored vectors, and a
// vector is kept as one byte per sub-vector, the index of its nearest
// centroid (Qdrant's compression xN is Sub = N/4: four bytes of float32
// per element become one byte per N/4 elements). A graph search builds a
// lookup table per query, the distance of each query sub-vector to each
// centroid of its sub-space under the index's metric, and scores a code
// as the sum of its entries (distance.LookupSumBatch): an asymmetric
// distance, the query exact and the vectors approximated. Callers rescore
// with the float vectors.

// Constants of the codebook training.
const (
	// PQCentroids is the number of centroids per sub-space: one byte.
	PQCentroids = 256
	// PQSample is the most vectors k-means trains on (Qdrant's sample
	// size), picked at an even stride over the calibration vectors.
	PQSample = 10000
	// pqIterations bounds the Lloyd iterations of k-means, which also
	// stops once no assignment changes. Qdrant allows 100 with a
	// movement tolerance; training runs on the indexer's path, and 16
	// keep one training of 10,000 100-d samples at x8 to about 4 s on
	// two loaded cores (nexus bench vectors --pq). What more iterations
	// would buy in recall is not measured.
	pqIterations = 16
)

// Product is product quantization of the vectors of a Flat (see above).
// One writer (Quantize) may run concurrently with any number of readers,
// as for Flat.
type Product struct {
	dim    int
	sub    int // elements per sub-vector
	m      int // sub-vectors: bytes per code
	metric Metric
	calib  int
	// cent[j] holds the PQCentroids centroids of sub-space j, each
	// width(j) elements.
	cent [][]float32

	n      atomic.Uint32
	chunks atomic.Pointer[[]pchunk]
	mu     sync.Mutex // serialises writers
}

// pchunk holds the codes of quantChunk vectors, m bytes each.
type pchunk struct {
	data []byte
}

// NewProduct returns empty product quantization storage for vectors like
// the first n of f (n is clamped to f.Len()), with sub elements per
// sub-vector, scored under metric. The codebooks are trained by k-means
// on up to PQSample of those n vectors at an even stride, the initial
// centroids being the first 256 of the sample (with n at most 256 the
// vectors themselves are the centroids, the rest zero); the result is
// deterministic in its inputs. Sub-spaces train in parallel.
func NewProduct(f *Flat, n, sub int, metric Metric) *Product {
	dim := f.Dim()
	if sub < 1 || sub > dim {
		panic(fmt.Sprintf("hnsw: NewProduct with %d elements per sub-vector in dimension %d", sub, dim))
	}
	n = min(n, f.Len())
	p := &Product{dim: dim, sub: sub, m: (dim + sub - 1) / sub, metric: metric, calib: n}
	p.cent = make([][]float32, p.m)
	s := min(n, PQSample)
	sample := make([]uint32, s)
	for i := range sample {
		sample[i] = uint32(i * n / s)
	}
	var wg sync.WaitGroup
	work := make(chan int, p.m)
	for j := range p.m {
		work <- j
	}
	close(work)
	for range min(runtime.GOMAXPROCS(0), p.m) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				lo, hi := p.span(j)
				w := hi - lo
				data := make([]float32, 0, s*w)
				for _, id := range sample {
					data = append(data, f.At(id)[lo:hi]...)
				}
				p.cent[j] = kmeans(data, w, PQCentroids, pqIterations)
			}
		}()
	}
	wg.Wait()
	empty := make([]pchunk, 0, 16)
	p.chunks.Store(&empty)
	return p
}

// span returns the elements [lo, hi) of sub-vector j.
func (p *Product) span(j int) (lo, hi int) {
	return j * p.sub, min((j+1)*p.sub, p.dim)
}

// kmeans returns k centroids of w elements for the points of data (w
// elements each) by Lloyd's algorithm from the first k points, at most
// iters iterations. A cluster that empties keeps its centroid. With at
// most k points the points are the centroids, the rest zero.
func kmeans(data []float32, w, k, iters int) []float32 {
	n := len(data) / w
	cent := make([]float32, k*w)
	copy(cent, data[:min(n, k)*w])
	if n <= k {
		return cent
	}
	assign := make([]int32, n)
	for i := range assign {
		assign[i] = -1
	}
	sum := make([]float64, k*w)
	count := make([]int, k)
	for range iters {
		changed := 0
		for i := range n {
			c := int32(nearest(cent, data[i*w:(i+1)*w], w))
			if c != assign[i] {
				assign[i] = c
				changed++
			}
		}
		if changed == 0 {
			break
		}
		clear(sum)
		clear(count)
		for i, c := range assign {
			count[c]++
			for e, x := range data[i*w : (i+1)*w] {
				sum[int(c)*w+e] += float64(x)
			}
		}
		for c := range k {
			if count[c] == 0 {
				continue
			}
			for e := range w {
				cent[c*w+e] = float32(sum[c*w+e] / float64(count[c]))
			}
		}
	}
	return cent
}

// nearest returns the index of the centroid of cent (w elements each)
// nearest v by Euclidean distance, the lowest index on ties.
func nearest(cent, v []float32, w int) int {
	best, bd := 0, float32(math.Inf(1))
	for c := 0; c+w <= len(cent); c += w {
		var d float32
		for e, x := range cent[c : c+w] {
			t := v[e] - x
			d += t * t
		}
		if d < bd {
			best, bd = c/w, d
		}
	}
	return best
}

// Sub returns the elements per sub-vector.
func (p *Product) Sub() int { return p.sub }

// CodeBytes returns the bytes of one code: the number of sub-vectors.
func (p *Product) CodeBytes() int { return p.m }

// Calibrated returns the number of vectors the codebooks were trained
// for (the sample was drawn from).
func (p *Product) Calibrated() int { return p.calib }

// Len returns the number of vectors quantized so far.
func (p *Product) Len() int { return int(p.n.Load()) }

// Bytes returns the memory the codes and codebooks occupy, as allocated.
func (p *Product) Bytes() int64 {
	n := int64(4 * PQCentroids * p.dim)
	for _, c := range *p.chunks.Load() {
		n += int64(len(c.data))
	}
	return n
}

// Encode writes the code of v into out (CodeBytes() bytes): the nearest
// centroid of each sub-vector.
func (p *Product) Encode(v []float32, out []byte) {
	for j := range p.m {
		lo, hi := p.span(j)
		out[j] = byte(nearest(p.cent[j], v[lo:hi], hi-lo))
	}
}

// Quantize appends the codes of the vectors of f from Len() up to (not
// including) end.
func (p *Product) Quantize(f *Flat, end int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id := p.Len(); id < end; id++ {
		tbl := *p.chunks.Load()
		ci := id >> quantShift
		if ci == len(tbl) {
			tbl = append(tbl, pchunk{data: make([]byte, quantChunk*p.m)})
			p.chunks.Store(&tbl)
		}
		o := (id & (quantChunk - 1)) * p.m
		p.Encode(f.At(uint32(id)), tbl[ci].data[o:o+p.m])
		p.n.Store(uint32(id + 1))
	}
}

// Code returns the code of id, which must have been quantized. The
// caller must not modify it.
func (p *Product) Code(id uint32) []byte {
	tbl := *p.chunks.Load()
	o := int(id&(quantChunk-1)) * p.m
	return tbl[id>>quantShift].data[o : o+p.m : o+p.m]
}

// Centroid returns centroid c of sub-space j. The caller must not modify
// it.
func (p *Product) Centroid(j, c int) []float32 {
	lo, hi := p.span(j)
	w := hi - lo
	return p.cent[j][c*w : (c+1)*w]
}

// pqQuery is a query prepared for product-quantized distances.
type pqQuery struct {
	p   *Product
	tbl []pchunk
	lut [][PQCentroids]float32
}

// prepare fills the lookup table of q: the distance under p's metric
// from each sub-vector of q to each centroid of its sub-space.
func (p *Product) prepare(pq *pqQuery, q []float32) {
	pq.p = p
	pq.tbl = *p.chunks.Load()
	if cap(pq.lut) < p.m {
		pq.lut = make([][PQCentroids]float32, p.m)
	}
	pq.lut = pq.lut[:p.m]
	for j := range p.m {
		lo, hi := p.span(j)
		w := hi - lo
		sq := q[lo:hi]
		row := &pq.lut[j]
		for c := range PQCentroids {
			x := p.cent[j][c*w : (c+1)*w]
			var d float32
			switch p.metric {
			case L2:
				for e, v := range sq {
					t := v - x[e]
					d += t * t
				}
			case L1:
				for e, v := range sq {
					d += float32(math.Abs(float64(v - x[e])))
				}
			default:
				for e, v := range sq {
					d -= v * x[e]
				}
			}
			row[c] = d
		}
	}
}

// record returns the code of id, which must have been quantized, and
// starts loading it into the cache.
func (pq *pqQuery) record(id uint32) []byte {
	ci := int(id >> quantShift)
	if ci >= len(pq.tbl) {
		pq.tbl = *pq.p.chunks.Load()
	}
	m := pq.p.m
	o := int(id&(quantChunk-1)) * m
	r := pq.tbl[ci].data[o : o+m : o+m]
	prefetch((*uint32)(unsafe.Pointer(&r[0])))
	return r
}

// SearchProduct is Search with the graph traversal scored by the product
// codes of pz (which quantizes the index's Flat) instead of the float
// vectors: Result.Dist is then the asymmetric distance (see Product), and
// callers rescore the results with the float vectors. Ids pz has no codes
// for yet are encoded on the fly. With pz nil it is Search.
func (x *Index) SearchProduct(q []float32, k, ef int, allow func(id uint32) bool, pz *Product) []Result {
	if pz == nil || pz.dim != x.vecs.Dim() {
		return x.Search(q, k, ef, allow)
	}
	return x.search(q, k, ef, allow, nil, nil, pz)
}

// pcodeOf returns the code of id for a product search: the stored one,
// or one made from the float vector when id was inserted after the search
// started and its code is not published yet.
func (x *Index) pcodeOf(s *scratch, id uint32) []byte {
	if id >= s.qlen {
		s.qlen = uint32(s.pq.p.Len())
		if id >= s.qlen {
			s.pcode = append(s.pcode[:0], make([]byte, s.pq.p.m)...)
			s.pq.p.Encode(x.vec(&s.t, id), s.pcode)
			return s.pcode
		}
	}
	return s.pq.record(id)
}

// batchP returns the product distances from the query to the ids s.ids,
// in one kernel call unless one of them has no code yet.
func (x *Index) batchP(s *scratch) []float32 {
	n := len(s.ids)
	if cap(s.dists) < n {
		s.dists = make([]float32, n+16)
	}
	out := s.dists[:n]
	s.precs = s.precs[:0]
	for _, id := range s.ids {
		if id >= s.qlen {
			s.qlen = uint32(s.pq.p.Len())
		}
		if id >= s.qlen {
			// Rare: the graph outran the codes. Score one at a time.
			for i, id := range s.ids {
				out[i] = x.distP(s, id)
			}
			return out
		}
		s.precs = append(s.precs, s.pq.record(id))
	}
	distance.LookupSumBatch(s.pq.lut, s.precs, out)
	return out
}

// distP returns the product distance from the query to id.
func (x *Index) distP(s *scratch, id uint32) float32 {
	return distance.LookupSum(s.pq.lut, x.pcodeOf(s, id))
}
