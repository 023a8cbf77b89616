package hnsw

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

	"nexusos/vectordb/distance"
)

// BinaryEncoding is the storage encoding of binary quantization (Qdrant's
// binary quantization_config "encoding").
type BinaryEncoding uint8

const (
	// OneBit keeps the sign of each element: bit i is set when x_i > 0.
	OneBit BinaryEncoding = iota
	// TwoBits keeps three levels per element from its z-score against the
	// per-dimension mean and standard deviation of the stored vectors:
	// 00 at or below -2/3 σ, 10 between, 11 at or above +2/3 σ. Bit one of
	// element i is bit i of the code, bit two is bit dim+i, so the Hamming
	// distance of two codes sums |level difference| over the elements.
	TwoBits
	// OneAndHalfBits is TwoBits with the second bits of elements 2k and
	// 2k+1 ORed into one (bit dim+k): ceil(1.5·dim) bits.
	OneAndHalfBits
)

// String returns Qdrant's name of the encoding.
func (e BinaryEncoding) String() string {
	switch e {
	case TwoBits:
		return "two_bits"
	case OneAndHalfBits:
		return "one_and_half_bits"
	}
	return "one_bit"
}

// BinaryQuery is how queries are encoded against binary codes (Qdrant's
// "query_encoding").
type BinaryQuery uint8

const (
	// QuerySame encodes the query like the stored vectors and scores by
	// Hamming distance (Qdrant's "default" and "binary").
	QuerySame BinaryQuery = iota
	// QueryScalar4 and QueryScalar8 quantize the query (extended as the
	// storage encoding extends vectors) to 4 or 8 bits per element over
	// [-max|q|, max|q|]; the score of a stored bit b against the query
	// level u is u for b=0 and (2^bits-1)-u for b=1, summed and divided by
	// 2^bits-1: a finer asymmetric distance at 4 or 8 times the kernel
	// work.
	QueryScalar4
	QueryScalar8
)

// String returns Qdrant's name of the query encoding.
func (q BinaryQuery) String() string {
	switch q {
	case QueryScalar4:
		return "scalar4bits"
	case QueryScalar8:
		return "scalar8bits"
	}
	return "binary"
}

// planes is the number of bits per query element.
func (q BinaryQuery) planes() int {
	switch q {
	case QueryScalar4:
		return 4
	case QueryScalar8:
		return 8
	}
	return 1
}

// twoBitSigmas bounds the middle level of TwoBits, in standard
// deviations (Qdrant's value).
const twoBitSigmas = 2.0 / 3.0

// float32Epsilon is the gap between 1 and the next float32: a standard
// deviation or query range below it counts as zero.
const float32Epsilon = 1.1920929e-07

// Binary is binary quantization of the vectors of a Flat, as Qdrant's:
// each vector is kept as a code of 1, 1.5 or 2 bits per element (see
// BinaryEncoding) in 64-bit words, and graph searches score a query
// against the codes by XOR and popcount (distance.XorPopcntBatch, or
// XorPopcntPlanesBatch for scalar query encodings). The quantized
// distance is the Hamming distance (weighted for scalar queries) for
// every metric: it orders vectors by angle for Dot and cosine, and
// approximately by distance for L2 of centred data. Callers rescore with
// the float vectors.
//
// One writer (Quantize) may run concurrently with any number of readers,
// as for Flat.
type Binary struct {
	dim   int
	bits  int // code bits per vector
	words int // code words per vector
	enc   BinaryEncoding
	query BinaryQuery
	calib int
	// mean and sd are the per-dimension statistics of the vectors the
	// encoding was calibrated on; nil for OneBit.
	mean, sd []float32

	n      atomic.Uint32
	chunks atomic.Pointer[[]bchunk]
	mu     sync.Mutex // serialises writers
}

// bchunk holds the codes of quantChunk vectors, words words each.
type bchunk struct {
	data []uint64
}

// NewBinary returns empty binary quantization storage for vectors like
// the first n of f (n is clamped to f.Len()). TwoBits and OneAndHalfBits
// compute the mean and sample standard deviation of every dimension over
// those n vectors; the result is deterministic in its inputs.
func NewBinary(f *Flat, n int, enc BinaryEncoding, query BinaryQuery) *Binary {
	if enc > OneAndHalfBits || query > QueryScalar8 {
		panic(fmt.Sprintf("hnsw: NewBinary(%d, %d)", enc, query))
	}
	n = min(n, f.Len())
	dim := f.Dim()
	b := &Binary{dim: dim, enc: enc, query: query, calib: n}
	switch enc {
	case OneBit:
		b.bits = dim
	case TwoBits:
		b.bits = 2 * dim
	case OneAndHalfBits:
		b.bits = (3*dim + 1) / 2
	}
	b.words = (b.bits + 63) / 64
	if enc != OneBit {
		b.mean, b.sd = make([]float32, dim), make([]float32, dim)
		if n > 0 {
			// Welford's algorithm, in float64, per dimension.
			mean, m2 := make([]float64, dim), make([]float64, dim)
			for id := range n {
				k := float64(id + 1)
				for i, x := range f.At(uint32(id)) {
					d := float64(x) - mean[i]
					mean[i] += d / k
					m2[i] += d * (float64(x) - mean[i])
				}
			}
			for i := range dim {
				b.mean[i] = float32(mean[i])
				if n > 1 {
					b.sd[i] = float32(math.Sqrt(m2[i] / float64(n-1)))
				}
			}
		}
	}
	empty := make([]bchunk, 0, 16)
	b.chunks.Store(&empty)
	return b
}

// Encoding returns the storage encoding.
func (b *Binary) Encoding() BinaryEncoding { return b.enc }

// Query returns the query encoding.
func (b *Binary) Query() BinaryQuery { return b.query }

// Calibrated returns the number of vectors the statistics were computed
// from.
func (b *Binary) Calibrated() int { return b.calib }

// Len returns the number of vectors quantized so far.
func (b *Binary) Len() int { return int(b.n.Load()) }

// Words returns the 64-bit words of one code.
func (b *Binary) Words() int { return b.words }

// Bytes returns the memory the codes occupy, as allocated.
func (b *Binary) Bytes() int64 {
	var n int64
	for _, c := range *b.chunks.Load() {
		n += int64(8 * len(c.data))
	}
	return n
}

// levels returns the two bits of TwoBits for element i of value x.
func (b *Binary) levels(i int, x float32) (b1, b2 bool) {
	sd := b.sd[i]
	if sd < float32Epsilon {
		return x > 0, false
	}
	z := (x - b.mean[i]) / sd
	switch {
	case z <= -twoBitSigmas:
		return false, false
	case z < twoBitSigmas:
		return true, false
	}
	return true, true
}

// Encode writes the code of v into out (Words() words, cleared first).
func (b *Binary) Encode(v []float32, out []uint64) {
	out = out[:b.words]
	clear(out)
	set := func(j int) { out[j>>6] |= 1 << (j & 63) }
	for i, x := range v {
		if b.enc == OneBit {
			if x > 0 {
				set(i)
			}
			continue
		}
		b1, b2 := b.levels(i, x)
		if b1 {
			set(i)
		}
		if b2 {
			if b.enc == TwoBits {
				set(b.dim + i)
			} else {
				set(b.dim + i/2)
			}
		}
	}
}

// Quantize appends the codes of the vectors of f from Len() up to (not
// including) end.
func (b *Binary) Quantize(f *Flat, end int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id := b.Len(); id < end; id++ {
		tbl := *b.chunks.Load()
		ci := id >> quantShift
		if ci == len(tbl) {
			tbl = append(tbl, bchunk{data: alignedUint64(quantChunk * b.words)})
			b.chunks.Store(&tbl)
		}
		o := (id & (quantChunk - 1)) * b.words
		b.Encode(f.At(uint32(id)), tbl[ci].data[o:o+b.words])
		b.n.Store(uint32(id + 1))
	}
}

// Code returns the code of id, which must have been quantized. The
// caller must not modify it.
func (b *Binary) Code(id uint32) []uint64 {
	tbl := *b.chunks.Load()
	o := int(id&(quantChunk-1)) * b.words
	return tbl[id>>quantShift].data[o : o+b.words : o+b.words]
}

// alignedUint64 returns n zero words starting at a 64-byte boundary.
func alignedUint64(n int) []uint64 {
	w := make([]uint64, n+7)
	off := int(-uintptr(unsafe.Pointer(&w[0])) & 63 / 8)
	return w[off : off+n : off+n]
}

// binQuery is a query prepared for binary distances.
type binQuery struct {
	b       *Binary
	tbl     []bchunk
	code    []uint64 // nplanes planes of b.words words
	nplanes int
	scale   float32 // 1/(2^nplanes - 1) for scalar queries, else 1
	ext     []float32
}

func (b *Binary) prepare(bq *binQuery, v []float32) {
	bq.b = b
	bq.tbl = *b.chunks.Load()
	bq.nplanes = b.query.planes()
	if cap(bq.code) < bq.nplanes*b.words {
		bq.code = make([]uint64, bq.nplanes*b.words)
	}
	bq.code = bq.code[:bq.nplanes*b.words]
	if bq.nplanes == 1 {
		bq.scale = 1
		b.Encode(v, bq.code)
		return
	}
	// The query extended as the encoding extends vectors: twice for
	// TwoBits, then the larger of each pair for OneAndHalfBits.
	bq.ext = append(bq.ext[:0], v...)
	switch b.enc {
	case TwoBits:
		bq.ext = append(bq.ext, v...)
	case OneAndHalfBits:
		for i := 0; i < len(v); i += 2 {
			x := v[i]
			if i+1 < len(v) {
				x = max(x, v[i+1])
			}
			bq.ext = append(bq.ext, x)
		}
	}
	var amax float32
	for _, x := range bq.ext {
		amax = max(amax, float32(math.Abs(float64(x))))
	}
	levels := 1<<bq.nplanes - 1
	bq.scale = 1 / float32(levels)
	delta := 2 * amax / float32(levels)
	clear(bq.code)
	for i, x := range bq.ext {
		u := 0
		if delta > float32Epsilon {
			u = int(math.Round(float64((x + amax) / delta)))
		}
		u = max(0, min(levels, u))
		for j := range bq.nplanes {
			if u>>j&1 != 0 {
				bq.code[j*b.words+i>>6] |= 1 << (i & 63)
			}
		}
	}
}

// record returns the code of id, which must have been quantized, and
// starts loading it into the cache.
func (bq *binQuery) record(id uint32) []uint64 {
	ci := int(id >> quantShift)
	if ci >= len(bq.tbl) {
		bq.tbl = *bq.b.chunks.Load()
	}
	w := bq.b.words
	o := int(id&(quantChunk-1)) * w
	r := bq.tbl[ci].data[o : o+w : o+w]
	prefetch((*uint32)(unsafe.Pointer(&r[0])))
	return r
}

// batch sets out[i] to the binary distance of the query to recs[i].
func (bq *binQuery) batch(recs [][]uint64, raw []int32, out []float32) {
	if bq.nplanes == 1 {
		distance.XorPopcntBatch(bq.code, recs, raw)
	} else {
		distance.XorPopcntPlanesBatch(bq.code, bq.nplanes, recs, raw)
	}
	for i, r := range raw {
		out[i] = float32(r) * bq.scale
	}
}

// SearchBinary is Search with the graph traversal scored by the binary
// codes of bz (which quantizes the index's Flat) instead of the float
// vectors: Result.Dist is then the binary distance (see Binary), and
// callers rescore the results with the float vectors (ask for more than
// k, as Qdrant's oversampling). Ids bz has no codes for yet are encoded
// on the fly. With bz nil it is Search.
func (x *Index) SearchBinary(q []float32, k, ef int, allow func(id uint32) bool, bz *Binary) []Result {
	if bz == nil || bz.dim != x.vecs.Dim() {
		return x.Search(q, k, ef, allow)
	}
	return x.search(q, k, ef, allow, nil, bz, nil)
}

// codeOf returns the code of id for a binary search: the stored one, or
// one made from the float vector when id was inserted after the search
// started and its code is not published yet.
func (x *Index) codeOf(s *scratch, id uint32) []uint64 {
	if id >= s.qlen {
		s.qlen = uint32(s.bq.b.Len())
		if id >= s.qlen {
			if cap(s.bcode) < s.bq.b.words {
				s.bcode = make([]uint64, s.bq.b.words)
			}
			s.bcode = s.bcode[:s.bq.b.words]
			s.bq.b.Encode(x.vec(&s.t, id), s.bcode)
			return s.bcode
		}
	}
	return s.bq.record(id)
}

// batchB returns the binary distances from the query to the ids s.ids,
// in one kernel call unless one of them has no code yet.
func (x *Index) batchB(s *scratch) []float32 {
	n := len(s.ids)
	if cap(s.dists) < n {
		s.dists = make([]float32, n+16)
	}
	if cap(s.raw) < n {
		s.raw = make([]int32, n+16)
	}
	out := s.dists[:n]
	s.brecs = s.brecs[:0]
	for _, id := range s.ids {
		if id >= s.qlen {
			s.qlen = uint32(s.bq.b.Len())
		}
		if id >= s.qlen {
			// Rare: the graph outran the codes. Score one at a time.
			for i, id := range s.ids {
				out[i] = x.distB(s, id)
			}
			return out
		}
		s.brecs = append(s.brecs, s.bq.record(id))
	}
	s.bq.batch(s.brecs, s.raw[:n], out)
	return out
}

// distB returns the binary distance from the query to id.
func (x *Index) distB(s *scratch, id uint32) float32 {
	var r [1]int32
	var o [1]float32
	s.bq.batch([][]uint64{x.codeOf(s, id)}, r[:], o[:])
	return o[0]
}
