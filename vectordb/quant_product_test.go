package vectordb

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"nexusos/vectordb/hnsw"
)

// productCodes returns a copy of every product code of the default
// vector of coll, failing unless there are n.
func productCodes(t *testing.T, db *DB, coll string, n int) [][]byte {
	t.Helper()
	c, _ := db.collection(coll)
	p := c.dense[DefaultVector].prod.Load()
	if p == nil || p.Len() != n {
		t.Fatalf("product codes: %v", p)
	}
	out := make([][]byte, n)
	for id := range out {
		out[id] = slices.Clone(p.Code(uint32(id)))
	}
	return out
}

// gloveVectors reads the committed GloVe vectors of the hnsw tests (the
// cache format of hnswbench, which imports this package: a 16-byte
// header, magic, count and dimension, then little-endian float32 rows).
func gloveVectors(t *testing.T, name string) [][]float32 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("hnsw", "testdata", "glove5k", name))
	must(t, err)
	if len(b) < 16 {
		t.Fatalf("%s: %d bytes", name, len(b))
	}
	n, dim := int(binary.LittleEndian.Uint32(b[8:])), int(binary.LittleEndian.Uint32(b[12:]))
	if len(b) != 16+4*n*dim {
		t.Fatalf("%s: %d bytes for %d x %d", name, len(b), n, dim)
	}
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, dim)
		for j := range dim {
			out[i][j] = math.Float32frombits(binary.LittleEndian.Uint32(b[16+4*(i*dim+j):]))
		}
	}
	return out
}

// TestProductQuantization: a cosine collection of real word vectors with
// product quantization x8 keeps one byte per two elements and searches
// with the codes, rescoring with the originals: with oversampling the
// recall approaches the float graph's; ignore searches the floats; the
// codes come back identical after a reopen and from a crash image (both
// retrain the codebooks from the stored vectors); a PATCH to x32
// re-encodes with a quarter of the bytes, to binary swaps the codes, and
// null drops them.
func TestProductQuantization(t *testing.T) {
	const n, k = 3000, 10
	base, qs := gloveVectors(t, "base.vec"), gloveVectors(t, "queries.vec")
	dim := len(base[0])
	dir := t.TempDir()
	db, err := Open(dir, Options{Logger: quiet})
	must(t, err)
	cfg := simpleConfig(dim, Cosine)
	cfg.HNSW = HNSWConfig{M: 16, EfConstruct: 100, FullScanThreshold: 1}
	cfg.Quantization = json.RawMessage(`{"product": {"compression": "x8", "always_ram": true}}`)
	must(t, db.CreateCollection(bg, "q", cfg))
	var pts []PointStruct
	for i := range n {
		pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(base[i]...)})
	}
	for i := 0; i < n; i += 500 {
		must(t, errOf(db.Upsert(bg, "q", pts[i:i+500], true)))
	}
	waitIndexed(t, db, "q")
	codes := productCodes(t, db, "q", n)
	c, _ := db.collection("q")
	d := c.dense[DefaultVector]
	if p := d.prod.Load(); p.Sub() != 2 || p.CodeBytes() != dim/2 || p.Calibrated() != 2048 || d.quant.Load() != nil || d.bin.Load() != nil {
		t.Fatalf("codes: sub %d, %d bytes, calibrated %d", p.Sub(), p.CodeBytes(), p.Calibrated())
	}
	queries := make([][]float32, 50)
	for i := range queries {
		queries[i] = qs[i]
	}
	ef := 64
	qp := func(q QuantizationSearchParams) *SearchParams { return &SearchParams{HnswEf: ef, Quantization: &q} }
	flt, def, over, norescore := quantRecalls(t, db, "q", queries, k, ef)
	t.Logf("recall@%d: float %.3f, x8 %.3f, oversampling 4 %.3f, no rescore %.3f", k, flt, def, over, norescore)
	if flt < 0.9 || def < 0.75 || over < 0.9 || over < def || norescore > def+0.02 {
		t.Fatalf("recall: float %.3f, x8 %.3f, oversampling 4 %.3f, no rescore %.3f", flt, def, over, norescore)
	}

	db = reopenSameCodes(t, db, dir, "q", codes, func(db *DB) [][]byte { return productCodes(t, db, "q", n) })
	defer db.Close()
	if again := quantRecall(t, db, "q", queries, k, qp(QuantizationSearchParams{Oversampling: 4})); again < over-0.03 {
		t.Fatalf("recall after reopen %.3f, before %.3f", again, over)
	}

	// PATCH to x32: eight elements per byte, each the nearest centroid.
	must(t, db.UpdateCollection(bg, "q", CollectionUpdate{Quantization: json.RawMessage(`{"product": {"compression": "x32"}}`)}))
	waitIndexed(t, db, "q")
	x32 := productCodes(t, db, "q", n)
	if len(x32[0]) != (dim+7)/8 {
		t.Fatalf("x32 code bytes %d", len(x32[0]))
	}
	c, _ = db.collection("q")
	d = c.dense[DefaultVector]
	p := d.prod.Load()
	for id, pt := range pts[:200] {
		v := d.flat.At(d.internal[pt.ID])
		for j, b := range x32[id] {
			lo, hi := j*8, min(j*8+8, dim)
			var got float64
			for e, x := range p.Centroid(j, int(b)) {
				got += float64((v[lo+e] - x) * (v[lo+e] - x))
			}
			for cc := range hnsw.PQCentroids {
				var o float64
				for e, x := range p.Centroid(j, cc) {
					o += float64((v[lo+e] - x) * (v[lo+e] - x))
				}
				if o < got-1e-5 {
					t.Fatalf("point %d sub-vector %d [%d,%d): coded %d, centroid %d is nearer", id, j, lo, hi, b, cc)
				}
			}
		}
	}
	if r := quantRecall(t, db, "q", queries, k, qp(QuantizationSearchParams{Oversampling: 4})); r < 0.7 {
		t.Fatalf("x32 recall with oversampling 4: %.3f", r)
	}
	must(t, db.UpdateCollection(bg, "q", CollectionUpdate{Quantization: json.RawMessage(`{"binary": {}}`)}))
	waitIndexed(t, db, "q")
	if d.prod.Load() != nil || d.bin.Load() == nil {
		t.Fatal("binary configuration kept product codes or made no binary codes")
	}
	must(t, db.UpdateCollection(bg, "q", CollectionUpdate{Quantization: json.RawMessage("null")}))
	if d.prod.Load() != nil || d.bin.Load() != nil || d.quant.Load() != nil {
		t.Fatal("codes kept after quantization_config was removed")
	}
}

// TestProductQuantizationConcurrent searches while points are upserted
// and the indexer makes product codes and retrains the codebooks (run
// with -race).
func TestProductQuantizationConcurrent(t *testing.T) {
	c := searchWhileUpserting(t, Euclid, `{"product": {"compression": "x16"}}`)
	if p := c.dense[DefaultVector].prod.Load(); p == nil || p.Len() != 2000 || p.Calibrated() != 1024 || p.CodeBytes() != 5 {
		t.Fatalf("codes: %+v", p)
	}
}
