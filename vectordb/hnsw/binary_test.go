package hnsw_test

import (
	"math"
	"math/bits"
	"slices"
	"testing"

	"nexusos/vectordb/hnsw"
)

func bit(c []uint64, j int) bool { return c[j>>6]>>(j&63)&1 != 0 }

// TestBinaryEncode checks the three storage encodings element by element
// against their definitions: the sign for one bit; for two bits the
// z-score against the per-dimension mean and sample standard deviation
// (levels 00, 10, 11 at ±2/3 σ), bit two at dim+i; for 1.5 bits the
// second bits of each pair ORed at dim+i/2.
func TestBinaryEncode(t *testing.T) {
	const dim, n = 70, 300 // codes span two words
	data := quantDataset(n, dim, true, false, 5)
	flat := flatOf(dim, data)
	mean, sd := make([]float64, dim), make([]float64, dim)
	for i := range dim {
		for _, v := range data {
			mean[i] += float64(v[i])
		}
		mean[i] /= n
		for _, v := range data {
			d := float64(v[i]) - mean[i]
			sd[i] += d * d
		}
		sd[i] = math.Sqrt(sd[i] / (n - 1))
	}
	level := func(i int, x float32) int {
		z := (float64(x) - mean[i]) / sd[i]
		switch {
		case z <= -2.0/3:
			return 0
		case z < 2.0/3:
			return 1
		}
		return 2
	}
	for _, enc := range []hnsw.BinaryEncoding{hnsw.OneBit, hnsw.TwoBits, hnsw.OneAndHalfBits} {
		b := hnsw.NewBinary(flat, n, enc, hnsw.QuerySame)
		b.Quantize(flat, n)
		if b.Len() != n {
			t.Fatalf("%v: Len %d", enc, b.Len())
		}
		wantWords := map[hnsw.BinaryEncoding]int{hnsw.OneBit: 2, hnsw.TwoBits: 3, hnsw.OneAndHalfBits: 2}[enc]
		if b.Words() != wantWords {
			t.Fatalf("%v: %d words, want %d", enc, b.Words(), wantWords)
		}
		for id, v := range data {
			c := b.Code(uint32(id))
			for i, x := range v {
				switch enc {
				case hnsw.OneBit:
					if bit(c, i) != (x > 0) {
						t.Fatalf("one_bit vector %d element %d (%v): bit %v", id, i, x, bit(c, i))
					}
				case hnsw.TwoBits:
					if l := level(i, x); bit(c, i) != (l >= 1) || bit(c, dim+i) != (l == 2) {
						t.Fatalf("two_bits vector %d element %d: level %d, bits %v %v", id, i, l, bit(c, i), bit(c, dim+i))
					}
				case hnsw.OneAndHalfBits:
					l := level(i, x)
					hi := l == 2
					if p := i ^ 1; p < dim {
						hi = hi || level(p, v[p]) == 2
					}
					if bit(c, i) != (l >= 1) || bit(c, dim+i/2) != hi {
						t.Fatalf("one_and_half_bits vector %d element %d: level %d, bits %v %v", id, i, l, bit(c, i), bit(c, dim+i/2))
					}
				}
			}
			// The padding of the last word stays zero.
			if last := c[len(c)-1]; enc == hnsw.OneBit && last>>(dim-64) != 0 {
				t.Fatalf("vector %d: padding bits set: %x", id, last)
			}
		}
	}
}

// TestBinaryScalarQuery checks the distance of scalar query encodings
// for every storage encoding: with the levels u of the extended query
// over [-max|q|, max|q|] in 2^bits-1 steps, each stored bit b costs u
// (b=0) or 2^bits-1-u (b=1), the sum divided by 2^bits-1; and the
// Hamming distance of the binary query encoding.
func TestBinaryScalarQuery(t *testing.T) {
	const dim, n = 33, 50
	data := quantDataset(n+1, dim, false, true, 8)
	flat := flatOf(dim, data[:n])
	idx := hnsw.New(hnsw.Config{M: 8, EfConstruct: 64, Metric: hnsw.Dot, Seed: 1}, flat)
	for id := range uint32(n) {
		idx.Insert(id)
	}
	q := data[n]
	var amax float64
	for _, x := range q {
		amax = max(amax, math.Abs(float64(x)))
	}
	// The query as each encoding extends it: twice for two bits, then
	// the larger of each pair for one and a half.
	ext := map[hnsw.BinaryEncoding][]float32{hnsw.OneBit: q, hnsw.TwoBits: append(slices.Clone(q), q...)}
	half := slices.Clone(q)
	for i := 0; i < dim; i += 2 {
		x := q[i]
		if i+1 < dim {
			x = max(x, q[i+1])
		}
		half = append(half, x)
	}
	ext[hnsw.OneAndHalfBits] = half
	for _, enc := range []hnsw.BinaryEncoding{hnsw.OneBit, hnsw.TwoBits, hnsw.OneAndHalfBits} {
		for _, tc := range []struct {
			query hnsw.BinaryQuery
			bits  int
		}{{hnsw.QueryScalar4, 4}, {hnsw.QueryScalar8, 8}} {
			b := hnsw.NewBinary(flat, n, enc, tc.query)
			b.Quantize(flat, n)
			m := float64(int(1)<<tc.bits - 1)
			want := func(id uint32) float32 {
				c := b.Code(id)
				var s float64
				for i, x := range ext[enc] {
					u := math.Round((float64(x) + amax) / (2 * amax / m))
					if bit(c, i) {
						u = m - u
					}
					s += u
				}
				return float32(s / m)
			}
			// ef = n: every vector is visited.
			res := idx.SearchBinary(q, n, n, nil, b)
			if len(res) != n {
				t.Fatalf("%v %v: %d results", enc, tc.query, len(res))
			}
			for _, r := range res {
				if w := want(r.ID); math.Abs(float64(r.Dist-w)) > 1e-4 {
					t.Fatalf("%v %v: vector %d distance %v, want %v", enc, tc.query, r.ID, r.Dist, w)
				}
			}
		}
	}
	// The binary query: Hamming distance of the sign codes.
	b := hnsw.NewBinary(flat, n, hnsw.OneBit, hnsw.QuerySame)
	b.Quantize(flat, n)
	qc := make([]uint64, b.Words())
	b.Encode(q, qc)
	for _, r := range idx.SearchBinary(q, n, n, nil, b) {
		c := b.Code(r.ID)
		h := 0
		for i := range c {
			h += bits.OnesCount64(c[i] ^ qc[i])
		}
		if r.Dist != float32(h) {
			t.Fatalf("vector %d: distance %v, Hamming %d", r.ID, r.Dist, h)
		}
	}
}

// TestBinaryRecallGloVe measures recall@10 against exact search of the
// binary-quantized graph search with float rescoring on the 5,000
// committed GloVe vectors, for each encoding at oversampling 1 and 4.
// GloVe is a hard case for binary codes (its dimensions are neither
// centred nor independent), so the floors are far below the float
// search's, but rescoring with oversampling must lift them.
func TestBinaryRecallGloVe(t *testing.T) {
	g := newGloveFixture(t)
	recall := func(b *hnsw.Binary, os int) float64 {
		return g.rescoredRecall(func(q []float32, n, ef int) []hnsw.Result { return g.idx.SearchBinary(q, n, ef, nil, b) }, os)
	}
	for _, tc := range []struct {
		enc    hnsw.BinaryEncoding
		query  hnsw.BinaryQuery
		floor1 float64 // oversampling 1
		floor4 float64 // oversampling 4
	}{
		// Measured: 0.26/0.51, 0.35/0.66, 0.25/0.52, 0.38/0.71, 0.54/0.86.
		{hnsw.OneBit, hnsw.QuerySame, 0.2, 0.45},
		{hnsw.TwoBits, hnsw.QuerySame, 0.3, 0.6},
		{hnsw.OneAndHalfBits, hnsw.QuerySame, 0.2, 0.45},
		{hnsw.OneBit, hnsw.QueryScalar8, 0.33, 0.65},
		{hnsw.TwoBits, hnsw.QueryScalar4, 0.48, 0.8},
	} {
		b := hnsw.NewBinary(g.flat, g.flat.Len(), tc.enc, tc.query)
		b.Quantize(g.flat, g.flat.Len())
		r1, r4 := recall(b, 1), recall(b, 4)
		t.Logf("%v query %v: recall@10 %.3f at oversampling 1, %.3f at 4", tc.enc, tc.query, r1, r4)
		if r1 < tc.floor1 || r4 < tc.floor4 || r4 < r1 {
			t.Errorf("%v query %v: recall@10 %.3f / %.3f, want >= %.2f / %.2f", tc.enc, tc.query, r1, r4, tc.floor1, tc.floor4)
		}
	}
}
