package hnsw_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"nexusos/vectordb/distance"
	"nexusos/vectordb/hnsw"
	"nexusos/vectordb/hnsw/hnswbench"
)

// quantDataset returns n vectors of dim elements: Gaussian, or around 40
// Gaussian centres when clustered; normalised for the Dot metric.
func quantDataset(n, dim int, clustered, norm bool, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float32, 40)
	for i := range centres {
		centres[i] = make([]float32, dim)
		for j := range centres[i] {
			centres[i][j] = float32(r.NormFloat64())
		}
	}
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(r.NormFloat64())
			if clustered {
				v[j] = centres[i%len(centres)][j] + 0.4*v[j]
			}
		}
		if norm {
			distance.Normalize(v)
		}
		out[i] = v
	}
	return out
}

func metricDist(m hnsw.Metric, a, b []float32) float32 {
	if m == hnsw.L2 {
		return distance.L2Sq(a, b)
	}
	return -distance.Dot(a, b)
}

// TestQuantizedRecall compares the recall@10 (against exact search) of the
// float graph search with that of the int8 quantized search rescored with
// the float vectors, on random and clustered data, for Dot (cosine, with
// normalised vectors) and L2, in a dimension with a kernel tail.
// flatOf stores data in a new Flat.
func flatOf(dim int, data [][]float32) *hnsw.Flat {
	flat := hnsw.NewFlat(dim)
	for _, v := range data {
		flat.Append(v)
	}
	return flat
}

// exactTopK returns the ids of the k vectors of flat (the first n) closest
// to q by metric m, ties by id: the truth recall is measured against.
func exactTopK(m hnsw.Metric, flat *hnsw.Flat, n int, q []float32, k int) []uint32 {
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i)
	}
	slices.SortFunc(ids, func(a, b uint32) int {
		da, db := metricDist(m, q, flat.At(a)), metricDist(m, q, flat.At(b))
		switch {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return int(a) - int(b)
	})
	return ids[:k]
}

func TestQuantizedRecall(t *testing.T) {
	const n, dim, nq, k, ef, os = 4000, 100, 100, 10, 64, 2
	for _, tc := range []struct {
		name      string
		clustered bool
		metric    hnsw.Metric
	}{
		{"random/cosine", false, hnsw.Dot},
		{"random/l2", false, hnsw.L2},
		{"clustered/cosine", true, hnsw.Dot},
		{"clustered/l2", true, hnsw.L2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			norm := tc.metric == hnsw.Dot
			data := quantDataset(n+nq, dim, tc.clustered, norm, 3)
			flat := flatOf(dim, data[:n])
			idx := hnsw.New(hnsw.Config{M: 16, EfConstruct: 100, Metric: tc.metric, Seed: 1}, flat)
			for id := range uint32(n) {
				idx.Insert(id)
			}
			qz := hnsw.Calibrate(flat, n, 0.99)
			qz.Unit = norm
			qz.Quantize(flat, n)
			if qz.Len() != n {
				t.Fatalf("quantized %d vectors, want %d", qz.Len(), n)
			}
			var fh, qh, total int
			for _, q := range data[n:] {
				want := exactTopK(tc.metric, flat, n, q, k)
				for _, r := range idx.Search(q, k, ef, nil) {
					if slices.Contains(want, r.ID) {
						fh++
					}
				}
				// Oversampling os, then rescore with the float vectors.
				got := idx.SearchQuantized(q, os*k, ef, nil, qz)
				for i := range got {
					got[i].Dist = metricDist(tc.metric, q, flat.At(got[i].ID))
				}
				slices.SortFunc(got, func(a, b hnsw.Result) int {
					switch {
					case a.Dist < b.Dist:
						return -1
					case a.Dist > b.Dist:
						return 1
					}
					return 0
				})
				for _, r := range got[:k] {
					if slices.Contains(want, r.ID) {
						qh++
					}
				}
				total += k
			}
			fr, qr := float64(fh)/float64(total), float64(qh)/float64(total)
			t.Logf("recall@10 ef=%d: float %.3f, int8+rescore %.3f", ef, fr, qr)
			if qr < fr-0.01 {
				t.Fatalf("int8+rescore recall %.3f below float %.3f - 0.01", qr, fr)
			}
		})
	}
}

// TestQuantizedDistance checks that quantized distances approximate the
// float ones and that vectors without codes are scored in float.
func TestQuantizedDistance(t *testing.T) {
	const n, dim = 300, 37
	data := quantDataset(n, dim, false, false, 9)
	flat := flatOf(dim, data)
	for _, m := range []hnsw.Metric{hnsw.Dot, hnsw.L2} {
		idx := hnsw.New(hnsw.Config{Metric: m, Seed: 1}, flat)
		for id := range uint32(n) {
			idx.Insert(id)
		}
		qz := hnsw.Calibrate(flat, n, 1) // no clipping: only rounding error
		qz.Quantize(flat, n/2)           // half without codes
		for _, r := range idx.SearchQuantized(data[0], 20, 50, nil, qz) {
			want := metricDist(m, data[0], flat.At(r.ID))
			if r.ID >= uint32(n/2) && r.Dist != want {
				t.Fatalf("%v: id %d without codes: dist %v, want %v", m, r.ID, r.Dist, want)
			}
			if diff := r.Dist - want; diff > 0.05*abs32(want)+0.5 || -diff > 0.05*abs32(want)+0.5 {
				t.Fatalf("%v: id %d: quantized dist %v, float %v", m, r.ID, r.Dist, want)
			}
		}
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// TestQuantizedRecallGloVe: on the 5,000 committed GloVe vectors, int8
// traversal with oversampling 2 and float rescoring keeps the recall@10
// of the float search (within 0.01).
func TestQuantizedRecallGloVe(t *testing.T) {
	base := readVectors(t, "base.vec")
	queries := readVectors(t, "queries.vec")
	flat := hnsw.NewFlat(base.Dim)
	for i := range base.Len() {
		flat.Append(base.Row(i))
	}
	idx := hnsw.New(hnsw.Config{M: 16, EfConstruct: 100, Seed: 1}, flat)
	for id := range uint32(flat.Len()) {
		idx.Insert(id)
	}
	qz := hnsw.Calibrate(flat, flat.Len(), 0.99)
	qz.Unit = true
	qz.Quantize(flat, flat.Len())
	var fh, qh int
	for i := range queries.Len() {
		q := queries.Row(i)
		want := exactTop(flat, q, 10)
		for _, r := range idx.Search(q, 10, 64, nil) {
			if slices.Contains(want, r.ID) {
				fh++
			}
		}
		got := idx.SearchQuantized(q, 20, 64, nil, qz)
		for j := range got {
			got[j].Dist = -distance.Dot(q, flat.At(got[j].ID))
		}
		slices.SortFunc(got, func(a, b hnsw.Result) int {
			switch {
			case a.Dist < b.Dist:
				return -1
			case a.Dist > b.Dist:
				return 1
			}
			return 0
		})
		for _, r := range got[:10] {
			if slices.Contains(want, r.ID) {
				qh++
			}
		}
	}
	fr, qr := float64(fh)/float64(10*queries.Len()), float64(qh)/float64(10*queries.Len())
	t.Logf("glove5k recall@10 ef=64: float %.3f, int8+rescore (oversampling 2) %.3f", fr, qr)
	if qr < fr-0.01 {
		t.Fatalf("int8+rescore recall %.3f below float %.3f - 0.01", qr, fr)
	}
}

// TestQuantizedBuild: a graph whose neighbour searches and selection were
// scored by int8 codes finds the exact neighbours about as well as one
// built on floats.
func TestQuantizedBuild(t *testing.T) {
	g := newGloveFixture(t)
	qz := hnsw.Calibrate(g.flat, g.flat.Len(), 0.99)
	qz.Unit = true
	qz.Quantize(g.flat, g.flat.Len())
	qidx, err := hnswbench.BuildQuantized(t.Context(), hnsw.Config{M: 16, EfConstruct: 100, Seed: 1}, g.flat, qz, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	recall := func(idx *hnsw.Index) float64 {
		return g.rescoredRecall(func(q []float32, n, ef int) []hnsw.Result { return idx.Search(q, n, ef, nil) }, 1)
	}
	fr, qr := recall(g.idx), recall(qidx)
	t.Logf("recall@10 at ef 64: float-built %.3f, int8-built %.3f", fr, qr)
	if qr < fr-0.02 {
		t.Fatalf("int8-built graph recall %.3f, float-built %.3f", qr, fr)
	}
}

// TestQuantizedBuildMetrics: for every metric branch of the codes'
// distances (cosine on unit vectors, inner product on vectors of any
// length, L2), a graph built with int8 codes (its neighbour searches and
// its neighbour selection compare codes) finds the exact neighbours about
// as well as one built on floats. One-thread builds are deterministic.
func TestQuantizedBuildMetrics(t *testing.T) {
	const n, dim, nq, k, ef = 3000, 48, 100, 10, 48
	for _, tc := range []struct {
		name   string
		metric hnsw.Metric
		unit   bool
	}{
		{"cosine", hnsw.Dot, true},
		{"dot", hnsw.Dot, false},
		{"l2", hnsw.L2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := quantDataset(n+nq, dim, false, tc.unit, 11)
			flat := flatOf(dim, data[:n])
			qz := hnsw.Calibrate(flat, n, 0.99)
			qz.Unit = tc.unit
			qz.Quantize(flat, n)
			cfg := hnsw.Config{M: 12, EfConstruct: 64, Metric: tc.metric, Seed: 1}
			fidx, err := hnswbench.Build(t.Context(), cfg, flat, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			qidx, err := hnswbench.BuildQuantized(t.Context(), cfg, flat, qz, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			recall := func(idx *hnsw.Index) float64 {
				hits := 0
				for _, q := range data[n:] {
					want := exactTopK(tc.metric, flat, n, q, k)
					for _, r := range idx.Search(q, k, ef, nil) {
						if slices.Contains(want, r.ID) {
							hits++
						}
					}
				}
				return float64(hits) / float64(k*nq)
			}
			fr, qr := recall(fidx), recall(qidx)
			t.Logf("recall@10 at ef %d: float-built %.3f, int8-built %.3f", ef, fr, qr)
			if qr < fr-0.03 {
				t.Fatalf("int8-built graph recall %.3f, float-built %.3f", qr, fr)
			}
		})
	}
}

// TestMappedCodes: codes mapped from a CodeFile give the same searches as
// codes in memory, count as mapped, and the file maps nothing once
// released.
func TestMappedCodes(t *testing.T) {
	const n, dim = 3000, 40
	data := quantDataset(n, dim, true, true, 5)
	flat := flatOf(dim, data)
	f, err := hnsw.NewCodeFile(t.TempDir())
	if err != nil {
		t.Skip(err) // not Linux
	}
	heap := hnsw.Calibrate(flat, n, 0.99)
	mapped := hnsw.Calibrate(flat, n, 0.99)
	mapped.MapCodes(f)
	for _, qz := range []*hnsw.Quantized{heap, mapped} {
		qz.Unit = true
		qz.Quantize(flat, n)
	}
	if got := mapped.MappedBytes(); got != mapped.Bytes() || got < int64(n*dim) || f.MappedBytes() < got {
		t.Fatalf("mapped %d of %d bytes of codes, file %d", got, mapped.Bytes(), f.MappedBytes())
	}
	if got := heap.MappedBytes(); got != 0 {
		t.Fatalf("codes in memory: %d bytes mapped", got)
	}
	idx := hnsw.New(hnsw.Config{M: 16, EfConstruct: 64, Seed: 1}, flat)
	for id := range uint32(n) {
		idx.Insert(id)
	}
	for _, q := range data[:50] {
		a := idx.SearchQuantized(q, 10, 40, nil, heap)
		b := idx.SearchQuantized(q, 10, 40, nil, mapped)
		if !slices.Equal(a, b) {
			t.Fatalf("search with mapped codes %v, in memory %v", b, a)
		}
	}
	// Codes replaced by a recalibrated range give their file space back;
	// the codes made after them in the same file are intact.
	again := hnsw.Calibrate(flat, n, 0.99)
	again.Unit = true
	again.MapCodes(f)
	again.Quantize(flat, n)
	// Each set of codes has written at least n×dim bytes of the file.
	before := f.DiskBytes()
	if before < 2*n*dim {
		t.Fatalf("file occupies %d bytes, holding two sets of %d codes of %d bytes", before, n, dim)
	}
	if got := mapped.ReleaseMapped(); got != mapped.Bytes() || mapped.MappedBytes() != 0 {
		t.Fatalf("released %d bytes of %d mapped, %d still mapped", got, mapped.Bytes(), mapped.MappedBytes())
	}
	if after := f.DiskBytes(); before-after < n*dim || after < n*dim {
		t.Fatalf("file occupies %d bytes after releasing one of the two sets of codes (%d before)", after, before)
	}
	for _, q := range data[:50] {
		if a, b := idx.SearchQuantized(q, 10, 40, nil, heap), idx.SearchQuantized(q, 10, 40, nil, again); !slices.Equal(a, b) {
			t.Fatalf("search with the codes made after the released ones %v, in memory %v", b, a)
		}
	}
	if err := f.Release(); err != nil {
		t.Fatal(err)
	}
	if got := f.MappedBytes(); got != 0 {
		t.Fatalf("released file maps %d bytes", got)
	}
}
