package vectordb

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/google/uuid"
)

// ComparePointIDs orders ids as Qdrant does: integers (ascending) before
// UUIDs (ascending by their 128-bit value, which is the order of their
// canonical text form).
func ComparePointIDs(a, b PointID) int {
	switch {
	case a.IsUUID() != b.IsUUID():
		if a.IsUUID() {
			return 1
		}
		return -1
	case a.IsUUID():
		return strings.Compare(a.UUID, b.UUID)
	case a.Num < b.Num:
		return -1
	case a.Num > b.Num:
		return 1
	}
	return 0
}

// canonicalID validates a UUID id and returns its canonical form.
func canonicalID(id PointID) (PointID, error) {
	if !id.IsUUID() {
		return id, nil
	}
	u, err := uuid.Parse(id.UUID)
	if err != nil {
		return id, BadInput("Unable to parse UUID: %s", id.UUID)
	}
	return PointID{UUID: u.String()}, nil
}

// NewPointIDFromString parses s as an unsigned integer or a UUID.
func NewPointIDFromString(s string) (PointID, error) {
	var n uint64
	if _, err := fmt.Sscan(s, &n); err == nil && fmt.Sprint(n) == s {
		return PointID{Num: n}, nil
	}
	return canonicalID(PointID{UUID: s})
}

func sortPointIDs(ids []PointID) {
	sort.Slice(ids, func(i, j int) bool { return ComparePointIDs(ids[i], ids[j]) < 0 })
}

func finiteVector(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// prepareVector validates one named vector of an upsert against the
// collection config and returns the stored form: a private copy, normalised
// for Cosine, sparse indices sorted.
func prepareVector(cfg *CollectionConfig, name string, v Vector) (Vector, error) {
	if err := checkVector(cfg, name, v); err != nil {
		return Vector{}, err
	}
	if v.Sparse != nil {
		return prepareSparse(v.Sparse)
	}
	params := cfg.Vectors[name]
	if params.Multivector != nil {
		subs := v.Multi
		if subs == nil {
			subs = [][]float32{v.Dense} // a single dense vector is a multi-vector of one
		}
		flat := make([]float32, 0, len(subs)*params.Size)
		for _, sub := range subs {
			flat = append(flat, sub...)
		}
		multi := make([][]float32, len(subs))
		for i := range multi {
			d := flat[i*params.Size : (i+1)*params.Size : (i+1)*params.Size]
			prepareDense(params, d)
			multi[i] = d
		}
		return Vector{Multi: multi}, nil
	}
	d := append([]float32(nil), v.Dense...)
	prepareDense(params, d)
	return Vector{Dense: d}, nil
}

// prepareDense applies a dense vector's storage rules in place: rounding
// to its datatype, then normalisation for Cosine.
func prepareDense(params VectorParams, d []float32) {
	switch params.Datatype {
	case DatatypeUint8:
		for i, x := range d {
			// Qdrant converts with a saturating cast (truncation toward zero).
			d[i] = float32(uint8(max(0, min(255, x))))
		}
	case DatatypeFloat16:
		for i, x := range d {
			d[i] = roundFloat16(x)
		}
	}
	if params.Distance == Cosine {
		normalize(d)
	}
}

// roundFloat16 rounds x to the nearest IEEE 754 half-precision value
// (saturating to ±65504).
func roundFloat16(x float32) float32 {
	ax := math.Abs(float64(x))
	switch {
	case ax == 0:
		return x
	case ax >= 65504:
		return float32(math.Copysign(65504, float64(x)))
	case ax < 6.103515625e-05: // subnormal: a multiple of 2^-24
		return float32(math.RoundToEven(float64(x)*(1<<24)) / (1 << 24))
	}
	_, e := math.Frexp(ax)   // ax = f * 2^e, f in [0.5, 1)
	q := math.Ldexp(1, e-11) // 10 fraction bits after the leading one
	return float32(math.Copysign(math.RoundToEven(ax/q)*q, float64(x)))
}

// checkVector validates one named vector against the config without
// copying it (sparse index uniqueness is checked by prepareSparse).
func checkVector(cfg *CollectionConfig, name string, v Vector) error {
	switch {
	case (v.Dense != nil && v.Sparse != nil) || (v.Multi != nil && (v.Dense != nil || v.Sparse != nil)):
		return BadInput("vector %q must be exactly one of dense, sparse or multi-dense", name)
	case v.Sparse != nil:
		if _, ok := cfg.SparseVectors[name]; !ok {
			if _, dense := cfg.Vectors[name]; dense {
				return BadInput("Conversion between sparse and regular vectors failed")
			}
			return BadInput("Not existing vector name error: %s", name)
		}
		if len(v.Sparse.Indices) != len(v.Sparse.Values) {
			return BadInput("Sparse vector indices and values must have the same length: %d != %d", len(v.Sparse.Indices), len(v.Sparse.Values))
		}
		return nil
	}
	params, ok := cfg.Vectors[name]
	if !ok {
		if _, sparse := cfg.SparseVectors[name]; sparse {
			return BadInput("Conversion between sparse and regular vectors failed")
		}
		return BadInput("Not existing vector name error: %s", name)
	}
	if v.Multi != nil || params.Multivector != nil {
		return checkMulti(params, name, v)
	}
	if len(v.Dense) != params.Size {
		return BadInput("Vector dimension error: expected dim: %d, got %d", params.Size, len(v.Dense))
	}
	if !finiteVector(v.Dense) {
		return BadInput("Vector %q contains NaN or infinite values", name)
	}
	return nil
}

// checkMulti validates a multi-vector (or a dense vector given for a
// multi-vector, taken as a multi-vector of one).
func checkMulti(params VectorParams, name string, v Vector) error {
	if params.Multivector == nil {
		return BadInput("Conversion between multi and regular vectors failed")
	}
	subs := v.Multi
	if subs == nil {
		subs = [][]float32{v.Dense}
	}
	if len(subs) == 0 {
		return BadInput("Multi-vector %q must not be empty", name)
	}
	if len(subs) > MaxMultiVectors || len(subs)*params.Size > MaxMultiFloats {
		return BadInput("Multi-vector %q has %d vectors; at most %d (and %d numbers) are allowed", name, len(subs), MaxMultiVectors, MaxMultiFloats)
	}
	for _, sub := range subs {
		if len(sub) != params.Size {
			return BadInput("Vector dimension error: expected dim: %d, got %d", params.Size, len(sub))
		}
		if !finiteVector(sub) {
			return BadInput("Vector %q contains NaN or infinite values", name)
		}
	}
	return nil
}

// checkStoredVector is checkVector plus what stored (already prepared)
// vectors guarantee: sparse indices strictly increasing, values finite.
func checkStoredVector(cfg *CollectionConfig, name string, v Vector) error {
	if err := checkVector(cfg, name, v); err != nil {
		return err
	}
	if s := v.Sparse; s != nil {
		for i := 1; i < len(s.Indices); i++ {
			if s.Indices[i] <= s.Indices[i-1] {
				return BadInput("stored sparse vector %q is not sorted", name)
			}
		}
		if !finiteVector(s.Values) {
			return BadInput("stored sparse vector %q has NaN or infinite values", name)
		}
	}
	return nil
}

// maxSparseLen bounds the number of non-zero entries of one sparse vector.
const maxSparseLen = 1 << 20

func prepareSparse(s *SparseVector) (Vector, error) {
	if len(s.Indices) != len(s.Values) {
		return Vector{}, BadInput("Sparse vector indices and values must have the same length: %d != %d", len(s.Indices), len(s.Values))
	}
	if len(s.Indices) > maxSparseLen {
		return Vector{}, BadInput("Sparse vector has %d entries, more than %d", len(s.Indices), maxSparseLen)
	}
	if !finiteVector(s.Values) {
		return Vector{}, BadInput("Sparse vector contains NaN or infinite values")
	}
	out := &SparseVector{Indices: append([]uint32(nil), s.Indices...), Values: append([]float32(nil), s.Values...)}
	sort.Sort(sparseByIndex{out})
	for i := 1; i < len(out.Indices); i++ {
		if out.Indices[i] == out.Indices[i-1] {
			return Vector{}, BadInput("Sparse vector indices must be unique: %d is repeated", out.Indices[i])
		}
	}
	return Vector{Sparse: out}, nil
}

type sparseByIndex struct{ s *SparseVector }

func (x sparseByIndex) Len() int           { return len(x.s.Indices) }
func (x sparseByIndex) Less(i, j int) bool { return x.s.Indices[i] < x.s.Indices[j] }
func (x sparseByIndex) Swap(i, j int) {
	x.s.Indices[i], x.s.Indices[j] = x.s.Indices[j], x.s.Indices[i]
	x.s.Values[i], x.s.Values[j] = x.s.Values[j], x.s.Values[i]
}

// prepareVectors validates and copies all vectors of a point.
func prepareVectors(cfg *CollectionConfig, nv NamedVectors) (NamedVectors, error) {
	out := make(NamedVectors, len(nv))
	for name, v := range nv {
		pv, err := prepareVector(cfg, name, v)
		if err != nil {
			return nil, err
		}
		out[name] = pv
	}
	return out, nil
}

// selectVectors applies a VectorSelector. The result shares the stored
// slices; callers must not modify them.
func selectVectors(nv NamedVectors, sel VectorSelector) NamedVectors {
	switch {
	case sel.All:
		out := make(NamedVectors, len(nv))
		for k, v := range nv {
			out[k] = v
		}
		return out
	case len(sel.Names) > 0:
		out := NamedVectors{}
		for _, n := range sel.Names {
			if v, ok := nv[n]; ok {
				out[n] = v
			}
		}
		return out
	}
	return nil
}
