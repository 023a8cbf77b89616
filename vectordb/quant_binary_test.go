package vectordb

import (
	"encoding/json"
	"math/rand"
	"slices"
	"testing"

	"nexusos/vectordb/hnsw"
)

// binaryCodes returns a copy of every binary code of the default vector
// of coll, failing unless there are n.
func binaryCodes(t *testing.T, db *DB, coll string, n int) [][]uint64 {
	t.Helper()
	c, _ := db.collection(coll)
	b := c.dense[DefaultVector].bin.Load()
	if b == nil || b.Len() != n {
		t.Fatalf("binary codes: %v", b)
	}
	out := make([][]uint64, n)
	for id := range out {
		out[id] = slices.Clone(b.Code(uint32(id)))
	}
	return out
}

// TestBinaryQuantization: a collection with binary quantization keeps
// binary codes for its indexed vectors and searches with them, rescoring
// with the originals: with oversampling the recall approaches the float
// graph's; ignore searches the floats; the codes come back identical
// after a reopen and from a crash image (both rebuilt from the stored
// vectors); a PATCH to another encoding re-encodes, and removing the
// quantization drops the codes.
func TestBinaryQuantization(t *testing.T) {
	const n, dim, k = 3000, 128, 10
	for _, dist := range []Distance{Cosine, Euclid, Dot} {
		t.Run(string(dist), func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(dir, Options{Logger: quiet})
			must(t, err)
			cfg := simpleConfig(dim, dist)
			cfg.HNSW = HNSWConfig{M: 16, EfConstruct: 100, FullScanThreshold: 1}
			cfg.Quantization = json.RawMessage(`{"binary": {"always_ram": true, "encoding": "two_bits"}}`)
			must(t, db.CreateCollection(bg, "q", cfg))
			r := rand.New(rand.NewSource(21))
			centres := make([][]float32, 30)
			for i := range centres {
				centres[i] = randVec(r, dim)
			}
			var pts []PointStruct
			for i := 0; i < n; i++ {
				v := randVec(r, dim)
				if i%2 == 0 {
					for j := range v {
						v[j] = centres[i%len(centres)][j] + v[j]
					}
				}
				pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(v...)})
			}
			for i := 0; i < n; i += 500 {
				must(t, errOf(db.Upsert(bg, "q", pts[i:i+500], true)))
			}
			waitIndexed(t, db, "q")
			codes := binaryCodes(t, db, "q", n)
			c, _ := db.collection("q")
			if b := c.dense[DefaultVector].bin.Load(); b.Encoding() != hnsw.TwoBits || c.dense[DefaultVector].quant.Load() != nil {
				t.Fatalf("encoding %v, int8 codes %v", b.Encoding(), c.dense[DefaultVector].quant.Load())
			}
			queries := make([][]float32, 60)
			for i := range queries {
				queries[i] = randVec(r, dim)
				if i%2 == 0 {
					for j := range queries[i] {
						queries[i][j] = centres[(i*7)%len(centres)][j] + queries[i][j]
					}
				}
			}
			ef := 64
			qp := func(q QuantizationSearchParams) *SearchParams { return &SearchParams{HnswEf: ef, Quantization: &q} }
			flt, def, over, norescore := quantRecalls(t, db, "q", queries, k, ef)
			t.Logf("recall@%d: float %.3f, two_bits %.3f, oversampling 4 %.3f, no rescore %.3f", k, flt, def, over, norescore)
			// Within a cluster the neighbours differ by noise the codes
			// barely see (measured: about 0.3 at oversampling 1, 0.4-0.67
			// at 4, as an exact scan of the codes gives); the floors
			// check that the codes steer the search and that
			// oversampling with rescoring buys recall.
			if flt < 0.9 || def < 0.12 || over < 0.3 || over < def+0.15 || norescore > def+0.05 {
				t.Fatalf("recall: float %.3f, two_bits %.3f, oversampling 4 %.3f, no rescore %.3f", flt, def, over, norescore)
			}

			// A crash image (the database still open) and a clean
			// reopen rebuild the same codes.
			db = reopenSameCodes(t, db, dir, "q", codes, func(db *DB) [][]uint64 { return binaryCodes(t, db, "q", n) })
			defer db.Close()
			if again := quantRecall(t, db, "q", queries, k, qp(QuantizationSearchParams{Oversampling: 4})); again < over-0.03 {
				t.Fatalf("recall after reopen %.3f, before %.3f", again, over)
			}

			// PATCH to one_bit: re-encoded with one bit per element.
			must(t, db.UpdateCollection(bg, "q", CollectionUpdate{Quantization: json.RawMessage(`{"binary": {"encoding": "one_bit"}}`)}))
			waitIndexed(t, db, "q")
			one := binaryCodes(t, db, "q", n)
			if len(one[0]) != dim/64 || len(codes[0]) != 2*dim/64 {
				t.Fatalf("code words: one_bit %d, two_bits %d", len(one[0]), len(codes[0]))
			}
			c, _ = db.collection("q")
			for id, pt := range pts {
				v := c.dense[DefaultVector].flat.At(c.dense[DefaultVector].internal[pt.ID])
				for i, x := range v {
					if (one[id][i>>6]>>(i&63)&1 != 0) != (x > 0) {
						t.Fatalf("one_bit code of point %d element %d (%v) is %x", id, i, x, one[id])
					}
				}
			}
			// PATCH to int8 swaps the codes; null drops them.
			must(t, db.UpdateCollection(bg, "q", CollectionUpdate{Quantization: json.RawMessage(int8Config)}))
			waitIndexed(t, db, "q")
			d := c.dense[DefaultVector]
			if d.bin.Load() != nil || d.quant.Load() == nil {
				t.Fatal("int8 configuration kept binary codes or made no int8 codes")
			}
			must(t, db.UpdateCollection(bg, "q", CollectionUpdate{Quantization: json.RawMessage("null")}))
			if d.bin.Load() != nil || d.quant.Load() != nil {
				t.Fatal("codes kept after quantization_config was removed")
			}
		})
	}
}

// TestBinaryQuantizationConcurrent searches while points are upserted
// and the indexer makes binary codes and recomputes the statistics (run
// with -race).
func TestBinaryQuantizationConcurrent(t *testing.T) {
	c := searchWhileUpserting(t, Cosine, `{"binary": {"encoding": "one_and_half_bits", "query_encoding": "scalar4bits"}}`)
	if b := c.dense[DefaultVector].bin.Load(); b == nil || b.Len() != 2000 || b.Calibrated() != 1024 || b.Query() != hnsw.QueryScalar4 {
		t.Fatalf("codes: %+v", b)
	}
}
