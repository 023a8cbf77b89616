package hnsw

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"nexusos/vectordb/distance"
)

// Quantized is int8 scalar quantization of the vectors of a Flat, as
// Qdrant's scalar quantization: one range [lo, hi] for every element of
// every vector, chosen by quantile so that outliers are clipped, mapped
// to the codes -127..127. Element x is approximately mid + scale·c with
// c = round((x-mid)/scale).
//
// Distances between a query and a stored vector are computed from the
// query's codes and the vector's codes with the int8 kernel
// distance.DotU8I8, then mapped back to the float scale, so quantized
// distances approximate the float ones. The query is quantized to
// unsigned bytes over its own range (no clipping), so the error is
// mostly that of the stored vector's codes; L2 (and Dot for unit
// vectors) is the distance from the query to the dequantized vector.
//
// One writer (Quantize) may run concurrently with any number of readers,
// as for Flat.
type Quantized struct {
	dim       int
	dimPad    int // dim rounded up to 16: the kernel's length, no tail
	rec       int // bytes per vector record in a chunk (see qchunk)
	calib     int // vectors the range was calibrated on
	lo, hi    float32
	mid, step float32

	// Unit, set before any search, declares the vectors and queries
	// unit-length (cosine): Dot distances are then derived from the
	// Euclidean distance of the codes, -dot = (|q-v|^2 - 2)/2, which
	// clipping distorts less than the product of the codes.
	Unit bool

	n      atomic.Uint32
	chunks atomic.Pointer[[]qchunk]
	mu     sync.Mutex  // serialises writers
	arena  arena[int8] // chunks after the first arenaAfter; guarded by mu
	// file, set by MapCodes, supplies the chunks from then on; mapped
	// counts the bytes of chunks it supplied, fromFile lists them.
	// Guarded by mu.
	file     *CodeFile
	mapped   int64
	fromFile [][]int8
}

// qchunk holds quantChunk vector records of rec bytes each, from a
// 64-byte aligned start: the dim codes, zeros up to dimPad (so the kernel
// needs no tail: the query's padding is zero too), then the sum and the
// sum of squares of the codes as int32, then zeros up to rec. Keeping the
// sums beside the codes makes scoring a vector touch its record only;
// rec is a multiple of 64 when that wastes at most a quarter, so a record
// of a 100-element vector is exactly two cache lines.
type qchunk struct {
	data []int8
}

const (
	quantShift = 10
	quantChunk = 1 << quantShift
)

// Calibrate returns empty quantization storage for vectors like those of
// sample (up to 16384 of them, picked at an even stride, are read) with
// the range holding the central quantile of their elements (Qdrant's
// quantile, in (0.5, 1]; 0 means 0.99). It is deterministic in its
// inputs. It panics if f is empty.
func Calibrate(f *Flat, n int, quantile float64) *Quantized {
	n = min(n, f.Len())
	if n <= 0 {
		panic("hnsw: Calibrate with no vectors")
	}
	if quantile <= 0 || quantile > 1 {
		quantile = 0.99
	}
	const maxSample = 16384
	stride := max(1, n/maxSample)
	var vals []float32
	for id := 0; id < n; id += stride {
		vals = append(vals, f.At(uint32(id))...)
	}
	slices.Sort(vals)
	cut := int(float64(len(vals)) * (1 - quantile) / 2)
	lo, hi := vals[cut], vals[len(vals)-1-cut]
	q := NewQuantized(f.Dim(), lo, hi)
	q.calib = n
	return q
}

// Calibrated returns the number of vectors Calibrate chose the range
// from (0 for NewQuantized).
func (q *Quantized) Calibrated() int { return q.calib }

// NewQuantized returns empty storage for dim-element vectors quantized to
// the range [lo, hi].
func NewQuantized(dim int, lo, hi float32) *Quantized {
	if dim <= 0 || !(hi >= lo) {
		panic(fmt.Sprintf("hnsw: NewQuantized(%d, %g, %g)", dim, lo, hi))
	}
	q := &Quantized{dim: dim, lo: lo, hi: hi, mid: (lo + hi) / 2, step: (hi - lo) / 254}
	q.dimPad = (dim + 15) &^ 15
	q.rec = (q.dimPad + 8 + 15) &^ 15
	if r64 := (q.rec + 63) &^ 63; 4*r64 <= 5*(q.dimPad+8) {
		q.rec = r64
	}
	if q.step == 0 {
		q.step = 1 // a constant range: every code is 0
	}
	empty := make([]qchunk, 0, 16)
	q.chunks.Store(&empty)
	return q
}

// Range returns the clipping range.
func (q *Quantized) Range() (lo, hi float32) { return q.lo, q.hi }

// Len returns the number of vectors quantized so far.
func (q *Quantized) Len() int { return int(q.n.Load()) }

// code quantizes one element.
func (q *Quantized) code(x float32) int8 {
	c := math.Round(float64((x - q.mid) / q.step))
	return int8(max(-127, min(127, c)))
}

// Quantize appends the quantization of the vectors of f from Len() up to
// (not including) end.
func (q *Quantized) Quantize(f *Flat, end int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for id := q.Len(); id < end; id++ {
		tbl := *q.chunks.Load()
		ci := id >> quantShift
		if ci == len(tbl) {
			tbl = append(tbl, qchunk{data: q.allocChunk(len(tbl))})
			q.chunks.Store(&tbl)
		}
		c := tbl[ci]
		o := (id & (quantChunk - 1)) * q.rec
		codes := c.data[o : o+q.dim]
		var sum, sq int32
		for i, x := range f.At(uint32(id)) {
			k := q.code(x)
			codes[i] = k
			sum += int32(k)
			sq += int32(k) * int32(k)
		}
		st := (*[2]int32)(unsafe.Pointer(&c.data[o+q.dimPad]))
		st[0], st[1] = sum, sq
		q.n.Store(uint32(id + 1))
	}
}

// MapCodes makes the codes quantized from now on live in f, mapped into
// memory, rather than in the Go heap; chunks f cannot supply (a full
// disk) are kept in memory. The Quantized must not be used once f is
// released.
func (q *Quantized) MapCodes(f *CodeFile) {
	q.mu.Lock()
	q.file = f
	q.mu.Unlock()
}

// ReleaseMapped returns the file space of q's codes mapped from a
// CodeFile (MapCodes) to the file system, for codes that were replaced (a
// recalibrated range, another quantization). Afterwards q must not be
// searched or inserted with: its mapped codes read as zeros (never a
// fault). Codes q quantizes later stay in memory. It returns the bytes
// released.
func (q *Quantized) ReleaseMapped() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	f, n := q.file, q.mapped
	for _, c := range q.fromFile {
		f.free(c)
	}
	q.file, q.fromFile, q.mapped = nil, nil, 0
	return n
}

// MappedBytes returns the bytes of the codes mapped from a CodeFile (see
// MapCodes); the rest of Bytes is in memory.
func (q *Quantized) MappedBytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.mapped
}

// Bytes returns the memory the codes occupy, as allocated.
func (q *Quantized) Bytes() int64 {
	var n int64
	for _, c := range *q.chunks.Load() {
		n += int64(len(c.data))
	}
	return n
}

// allocChunk returns the zeroed, 64-byte aligned bytes of chunk ci: those
// of a large store come from the arena, on huge pages where the system
// allows, since a traversal reads records at random.
//
// Preconditions: q.mu is held.
func (q *Quantized) allocChunk(ci int) []int8 {
	size := quantChunk * q.rec
	// Arena blocks and file regions start on a page and chunks are a
	// multiple of 64 bytes long, so those chunks are aligned; checked
	// all the same.
	aligned := func(c []int8) bool { return c != nil && uintptr(unsafe.Pointer(&c[0]))&63 == 0 }
	if q.file != nil {
		if c := q.file.alloc(size); aligned(c) {
			q.mapped += int64(size)
			q.fromFile = append(q.fromFile, c)
			return c
		}
	}
	if ci >= arenaAfter {
		if c := q.arena.alloc(size, 1); aligned(c) {
			return c
		}
	}
	return alignedInt8(size)
}

// alignedInt8 returns n zero bytes starting at a 64-byte boundary.
func alignedInt8(n int) []int8 {
	b := make([]int8, n+63)
	off := int(-uintptr(unsafe.Pointer(&b[0])) & 63)
	return b[off : off+n : off+n]
}

// quantQuery is a query prepared for quantized distances.
type quantQuery struct {
	q      *Quantized
	tbl    []qchunk
	u      []uint8 // codes + 128 over the query's own range, then zeros up to dimPad
	metric Metric
	// The distance to a stored vector is k0 + kSum·Σc + kRaw·raw +
	// kSq·Σc², with c its codes and raw the kernel's Σ u·c (see prepare).
	k0, kSum, kRaw, kSq float64
}

func (q *Quantized) prepare(qq *quantQuery, v []float32, m Metric) {
	qq.q, qq.metric = q, m
	qq.tbl = *q.chunks.Load()
	if cap(qq.u) < q.dimPad {
		qq.u = make([]uint8, q.dimPad)
	}
	qq.u = qq.u[:q.dimPad]
	clear(qq.u[len(v):])
	lo, hi := v[0], v[0]
	norm := 0.0 // |q|^2
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
		norm += float64(x) * float64(x)
	}
	mid, step := (lo+hi)/2, (hi-lo)/254
	if step == 0 {
		step = 1
	}
	var qsum int32 // of the query's codes
	for i, x := range v {
		k := int32(max(-127, min(127, math.Round(float64((x-mid)/step)))))
		qq.u[i] = uint8(k + 128)
		qsum += k
	}
	// The query's element is qm + qs·k, a stored one vm + vs·c, so with
	// Σ k·c = raw - 128·Σc:
	//   dot   = n·qm·vm + qs·vm·Σk + (qm·vs - 128·qs·vs)·Σc + qs·vs·raw
	//   |v|^2 = n·vm² + 2·vm·vs·Σc + vs²·Σc²
	//   d2    = |q|^2 + |v|^2 - 2·dot
	qm, qs := float64(mid), float64(step)
	vm, vs, n := float64(q.mid), float64(q.step), float64(q.dim)
	d0, dSum, dRaw := n*qm*vm+qs*vm*float64(qsum), qm*vs-128*qs*vs, qs*vs
	if m != L2 && !q.Unit {
		qq.k0, qq.kSum, qq.kRaw, qq.kSq = -d0, -dSum, -dRaw, 0
	} else {
		qq.k0, qq.kSum, qq.kRaw, qq.kSq = norm+n*vm*vm-2*d0, 2*vm*vs-2*dSum, -2*dRaw, vs*vs
		if m != L2 {
			// Unit vectors: -dot = (d2 - 2)/2.
			qq.k0, qq.kSum, qq.kRaw, qq.kSq = qq.k0/2-1, qq.kSum/2, qq.kRaw/2, qq.kSq/2
		}
	}
}

// record returns the record of id (codes, padding, sums; see qchunk),
// which must have been quantized, and starts loading it into the cache.
func (qq *quantQuery) record(id uint32) []int8 {
	ci := int(id >> quantShift)
	if ci >= len(qq.tbl) {
		qq.tbl = *qq.q.chunks.Load()
	}
	o := int(id&(quantChunk-1)) * qq.q.rec
	r := qq.tbl[ci].data[o : o+qq.q.dimPad+8 : o+qq.q.dimPad+8]
	prefetch((*uint32)(unsafe.Pointer(&r[0])))
	return r
}

// distRaw returns the distance to the vector of record rec given raw,
// the kernel's Σ u·codes.
func (qq *quantQuery) distRaw(rec []int8, raw int32) float32 {
	st := (*[2]int32)(unsafe.Pointer(&rec[qq.q.dimPad]))
	return float32(qq.k0 + qq.kSum*float64(st[0]) + qq.kRaw*float64(raw) + qq.kSq*float64(st[1]))
}

// codeU8 sets u (dimPad bytes) to the codes of record rec plus 128, the
// unsigned side of the kernel, so other stored vectors can be scored
// against rec's vector by their codes alone (pairDist); it returns the
// record's sum and sum of squares of the codes. The padding of rec is
// zero, so that of u is 128 and adds 128·(padding of the other record),
// which is zero too.
func (qq *quantQuery) codeU8(u []uint8, rec []int8) (sum, sq int32) {
	n := qq.q.dimPad
	// SAFETY: rec and u hold at least dimPad bytes, a multiple of 16, and
	// are only read and written within that length here.
	src := unsafe.Slice((*uint64)(unsafe.Pointer(&rec[0])), n/8)
	dst := unsafe.Slice((*uint64)(unsafe.Pointer(&u[0])), n/8)
	for i, w := range src {
		dst[i] = w ^ 0x8080808080808080
	}
	st := (*[2]int32)(unsafe.Pointer(&rec[n]))
	return st[0], st[1]
}

// pairDist returns the quantized approximation of the metric's distance
// between two stored vectors a and b: sum and sq are a's (codeU8), rec is
// b's record and raw the kernel's Σ (c_a+128)·c_b. Both sides carry the
// codes' error, which the neighbour selection of a build tolerates (its
// comparisons are between distances of the same scale).
func (qq *quantQuery) pairDist(sum, sq int32, rec []int8, raw int32) float32 {
	st := (*[2]int32)(unsafe.Pointer(&rec[qq.q.dimPad]))
	cross := float64(raw) - 128*float64(st[0]) // Σ c_a·c_b
	m, s := float64(qq.q.mid), float64(qq.q.step)
	if qq.metric != L2 && !qq.q.Unit {
		n := float64(qq.q.dim)
		return float32(-(n*m*m + m*s*float64(sum+st[0]) + s*s*cross))
	}
	// a - b = step·(c_a - c_b): the mids cancel.
	d2 := s * s * (float64(sq) + float64(st[1]) - 2*cross)
	if qq.metric == L2 {
		return float32(d2)
	}
	return float32((d2 - 2) / 2)
}

// dist returns the quantized approximation of the metric's distance from
// the query to vector id, which must have been quantized.
func (qq *quantQuery) dist(id uint32) float32 {
	rec := qq.record(id)
	return qq.distRaw(rec, distance.DotU8I8(qq.u, rec[:qq.q.dimPad]))
}
