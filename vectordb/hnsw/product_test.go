package hnsw_test

import (
	"math"
	"slices"
	"testing"

	"nexusos/vectordb/distance"
	"nexusos/vectordb/hnsw"
)

// TestProductEncode: the codebooks are deterministic in their inputs,
// there are ⌈dim/sub⌉ sub-vectors, every code byte is the centroid
// nearest its sub-vector, and the asymmetric distance a search scores is
// the metric's distance from the query to the vector the code
// reconstructs.
func TestProductEncode(t *testing.T) {
	const dim, n = 70, 600
	data := quantDataset(n, dim, true, false, 9)
	flat := flatOf(dim, data)
	for _, sub := range []int{1, 2, 4, 16} {
		p := hnsw.NewProduct(flat, n, sub, hnsw.L2)
		p.Quantize(flat, n)
		again := hnsw.NewProduct(flat, n, sub, hnsw.L2)
		again.Quantize(flat, n)
		m := (dim + sub - 1) / sub
		if p.CodeBytes() != m || p.Len() != n || p.Calibrated() != n {
			t.Fatalf("sub %d: %d bytes, %d codes, calibrated %d", sub, p.CodeBytes(), p.Len(), p.Calibrated())
		}
		for id, v := range data {
			c := p.Code(uint32(id))
			if !slices.Equal(c, again.Code(uint32(id))) {
				t.Fatalf("sub %d: code %d differs between two trainings", sub, id)
			}
			for j := range m {
				lo, hi := j*sub, min((j+1)*sub, dim)
				best, bd := -1, math.Inf(1)
				for k := range hnsw.PQCentroids {
					var d float64
					for e, x := range p.Centroid(j, k) {
						d += (float64(v[lo+e]) - float64(x)) * (float64(v[lo+e]) - float64(x))
					}
					if d < bd {
						best, bd = k, d
					}
				}
				if int(c[j]) != best && bd < sqDist(v[lo:hi], p.Centroid(j, int(c[j])))-1e-5 {
					t.Fatalf("sub %d: vector %d sub-vector %d coded %d, nearest %d", sub, id, j, c[j], best)
				}
			}
		}
	}
	// The asymmetric distance equals the distance to the reconstruction,
	// for each metric.
	for _, metric := range []hnsw.Metric{hnsw.Dot, hnsw.L2, hnsw.L1} {
		p := hnsw.NewProduct(flat, n, 4, metric)
		p.Quantize(flat, n)
		idx := hnsw.New(hnsw.Config{Metric: metric, Seed: 1}, flat)
		for id := range n {
			idx.Insert(uint32(id))
		}
		q := data[7]
		for _, r := range idx.SearchProduct(q, 20, 40, nil, p) {
			rec := make([]float32, 0, dim)
			for j, b := range p.Code(r.ID) {
				rec = append(rec, p.Centroid(j, int(b))...)
			}
			var want float32
			switch metric {
			case hnsw.Dot:
				want = -distance.Dot(q, rec)
			case hnsw.L2:
				want = float32(sqDist(q, rec))
			case hnsw.L1:
				want = distance.L1(q, rec)
			}
			if math.Abs(float64(r.Dist-want)) > 1e-3*math.Max(1, math.Abs(float64(want))) {
				t.Fatalf("%v: id %d distance %v, reconstruction %v", metric, r.ID, r.Dist, want)
			}
		}
	}
}

func sqDist(a, b []float32) float64 {
	var d float64
	for i := range a {
		d += (float64(a[i]) - float64(b[i])) * (float64(a[i]) - float64(b[i]))
	}
	return d
}

// TestProductRecallGloVe: HNSW traversal with product codes of the
// committed GloVe vectors, rescored with the floats, keeps a recall floor
// per compression, and oversampling buys recall.
func TestProductRecallGloVe(t *testing.T) {
	g := newGloveFixture(t)
	recall := func(p *hnsw.Product, os int) float64 {
		return g.rescoredRecall(func(q []float32, n, ef int) []hnsw.Result { return g.idx.SearchProduct(q, n, ef, nil, p) }, os)
	}
	for _, tc := range []struct {
		sub            int // compression x(4·sub)
		floor1, floor4 float64
	}{
		// Measured: 0.88/0.96, 0.69/0.94, 0.49/0.81.
		{2, 0.8, 0.92},
		{4, 0.6, 0.88},
		{8, 0.4, 0.72},
	} {
		p := hnsw.NewProduct(g.flat, g.flat.Len(), tc.sub, hnsw.Dot)
		p.Quantize(g.flat, g.flat.Len())
		r1, r4 := recall(p, 1), recall(p, 4)
		t.Logf("x%d: recall@10 %.3f at oversampling 1, %.3f at 4", 4*tc.sub, r1, r4)
		if r1 < tc.floor1 || r4 < tc.floor4 || r4 < r1 {
			t.Errorf("x%d: recall@10 %.3f / %.3f, want >= %.2f / %.2f", 4*tc.sub, r1, r4, tc.floor1, tc.floor4)
		}
	}
}
