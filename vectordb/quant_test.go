package vectordb

import (
	"encoding/json"
	"math"
	"math/rand"
	"slices"
	"testing"

	"nexusos/vectordb/hnsw"
)

const int8Config = `{"scalar": {"type": "int8", "quantile": 0.99, "always_ram": true}}`

func TestParseQuant(t *testing.T) {
	scalar := func(q float64) *quantConfig { return &quantConfig{kind: quantScalar, quantile: q} }
	eq(t, parseQuant(json.RawMessage(int8Config)), &quantConfig{kind: quantScalar, quantile: 0.99, ram: true})
	eq(t, parseQuant(json.RawMessage(`{"scalar": {"type": "int8", "always_ram": false}}`)), scalar(0.99))
	eq(t, parseQuant(json.RawMessage(`{"scalar": {"type": "int8"}}`)), scalar(0.99))
	eq(t, parseQuant(json.RawMessage(`{"scalar": {"type": "int8", "quantile": 0.5}}`)), scalar(0.99))
	eq(t, parseQuant(json.RawMessage(`{"scalar": {"type": "int8", "quantile": 0.95}}`)), scalar(0.95))
	eq(t, parseQuant(json.RawMessage(`{"product": {"compression": "x16"}}`)), &quantConfig{kind: quantProduct, sub: 4})
	eq(t, parseQuant(json.RawMessage(`{"product": {"compression": "x4", "always_ram": true}}`)), &quantConfig{kind: quantProduct, sub: 1})
	eq(t, parseQuant(json.RawMessage(`{"product": {"compression": "x64"}}`)), &quantConfig{kind: quantProduct, sub: 16})
	eq(t, parseQuant(json.RawMessage(`{"product": {"compression": "x3"}}`)), (*quantConfig)(nil))
	eq(t, parseQuant(json.RawMessage(`{"binary": {}}`)), &quantConfig{kind: quantBinary, enc: hnsw.OneBit, query: hnsw.QuerySame})
	eq(t, parseQuant(json.RawMessage(`{"binary": {"always_ram": true, "encoding": "two_bits", "query_encoding": "scalar4bits"}}`)),
		&quantConfig{kind: quantBinary, enc: hnsw.TwoBits, query: hnsw.QueryScalar4})
	eq(t, parseQuant(json.RawMessage(`{"binary": {"encoding": "one_and_half_bits", "query_encoding": "scalar8bits"}}`)),
		&quantConfig{kind: quantBinary, enc: hnsw.OneAndHalfBits, query: hnsw.QueryScalar8})
	eq(t, parseQuant(json.RawMessage(`{"binary": {"encoding": "one_bit", "query_encoding": "binary"}}`)),
		&quantConfig{kind: quantBinary, enc: hnsw.OneBit, query: hnsw.QuerySame})
	eq(t, parseQuant(nil), (*quantConfig)(nil))
}

// quantRecall returns the recall@k of searches with params against the
// exact answers, and checks that every returned score is the exact one
// (rescored with the original vectors).
func quantRecall(t *testing.T, db *DB, coll string, queries [][]float32, k int, p *SearchParams) float64 {
	t.Helper()
	found, total := 0, 0
	for _, qv := range queries {
		q := &Query{Nearest: &VectorInput{Dense: qv}}
		exact, err := db.Query(bg, coll, QueryRequest{Query: q, Limit: k, Params: &SearchParams{Exact: true}})
		must(t, err)
		res, err := db.Query(bg, coll, QueryRequest{Query: q, Limit: k, Params: p})
		must(t, err)
		want := map[PointID]float32{}
		for _, h := range exact {
			want[h.ID] = h.Score
		}
		for _, h := range res {
			if s, ok := want[h.ID]; ok {
				found++
				if math.Abs(float64(s-h.Score)) > 1e-5 {
					t.Fatalf("point %v: score %v, exact %v", h.ID, h.Score, s)
				}
			}
		}
		total += len(exact)
	}
	return float64(found) / float64(total)
}

// TestScalarQuantization: a collection with scalar int8 quantization keeps
// codes for its indexed vectors, searches with them (rescoring with the
// originals) at the recall of the float graph, honours ignore, rescore
// and oversampling, and rebuilds the codes when reopened.
func TestScalarQuantization(t *testing.T) {
	const n, dim, k = 3000, 100, 10
	for _, dist := range []Distance{Cosine, Euclid, Dot} {
		t.Run(string(dist), func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(dir, Options{Logger: quiet})
			must(t, err)
			cfg := simpleConfig(dim, dist)
			cfg.HNSW = HNSWConfig{M: 16, EfConstruct: 100, FullScanThreshold: 1}
			cfg.Quantization = json.RawMessage(int8Config)
			must(t, db.CreateCollection(bg, "q", cfg))
			r := rand.New(rand.NewSource(11))
			centres := make([][]float32, 30)
			for i := range centres {
				centres[i] = randVec(r, dim)
			}
			var pts []PointStruct
			for i := 0; i < n; i++ {
				v := randVec(r, dim)
				if i%2 == 0 { // half clustered, half random
					for j := range v {
						v[j] = centres[i%len(centres)][j] + 0.3*v[j]
					}
				}
				pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(v...)})
			}
			for i := 0; i < n; i += 500 {
				must(t, errOf(db.Upsert(bg, "q", pts[i:i+500], true)))
			}
			waitIndexed(t, db, "q")
			c, _ := db.collection("q")
			d := c.dense[DefaultVector]
			qz := d.quant.Load()
			if qz == nil || qz.Len() != n {
				t.Fatalf("codes: %v", qz)
			}
			queries := make([][]float32, 60)
			for i := range queries {
				queries[i] = randVec(r, dim)
				if i%2 == 0 {
					for j := range queries[i] {
						queries[i][j] = centres[(i*7)%len(centres)][j] + 0.3*queries[i][j]
					}
				}
			}
			ef := 64
			flt := quantRecall(t, db, "q", queries, k, &SearchParams{HnswEf: ef, Quantization: &QuantizationSearchParams{Ignore: true}})
			def := quantRecall(t, db, "q", queries, k, &SearchParams{HnswEf: ef})
			over := quantRecall(t, db, "q", queries, k, &SearchParams{HnswEf: ef, Quantization: &QuantizationSearchParams{Oversampling: 2}})
			norescore := quantRecall(t, db, "q", queries, k, &SearchParams{HnswEf: ef, Quantization: &QuantizationSearchParams{Rescore: ptr(false), Oversampling: 2}})
			t.Logf("recall@%d: float %.3f, int8 %.3f, int8 oversampling 2 %.3f, no rescore %.3f", k, flt, def, over, norescore)
			// The indexer builds the graph on several goroutines, so its
			// links, and these recalls, vary from run to run by a point
			// or two (measured under load: float 0.933-0.945, int8
			// 0.837-0.845, oversampling 2 0.922-0.932).
			if over < flt-0.03 {
				t.Fatalf("int8+rescore recall %.3f below float %.3f - 0.03", over, flt)
			}
			if def < flt-0.13 || norescore < flt-0.13 { // oversampling 1 keeps no margin
				t.Fatalf("int8 recall %.3f / %.3f far below float %.3f", def, norescore, flt)
			}

			// Reopen: the codes are rebuilt from the stored vectors,
			// deterministically, over every vector.
			must(t, db.Close())
			db, err = Open(dir, Options{Logger: quiet})
			must(t, err)
			defer db.Close()
			waitIndexed(t, db, "q")
			c, _ = db.collection("q")
			d = c.dense[DefaultVector]
			if qz = d.quant.Load(); qz == nil || qz.Len() != n {
				t.Fatalf("codes after reopen: %v", qz)
			}
			lo, hi := qz.Range()
			wlo, whi := hnsw.Calibrate(d.flat, d.flat.Len(), 0.99).Range()
			if lo != wlo || hi != whi {
				t.Fatalf("range after reopen [%v, %v], want [%v, %v]", lo, hi, wlo, whi)
			}
			again := quantRecall(t, db, "q", queries, k, &SearchParams{HnswEf: ef, Quantization: &QuantizationSearchParams{Oversampling: 2}})
			t.Logf("after reopen: int8 oversampling 2 %.3f", again)
			// The graph is the one saved and the codes are rebuilt from
			// the same vectors: as good as before the reopen. (Against the
			// float recall the margin is the build's, above: a run at
			// 0.878 against 0.890 failed a 0.01 margin here.)
			if again < over-0.01 {
				t.Fatalf("after reopen: int8+rescore recall %.3f below %.3f before it - 0.01", again, over)
			}

			// Removing the quantization drops the codes; setting it
			// again rebuilds them.
			must(t, db.UpdateCollection(bg, "q", CollectionUpdate{Quantization: json.RawMessage("null")}))
			if d.quant.Load() != nil {
				t.Fatal("codes kept after quantization_config was removed")
			}
			must(t, db.UpdateCollection(bg, "q", CollectionUpdate{Quantization: json.RawMessage(int8Config)}))
			waitIndexed(t, db, "q")
			if qz := d.quant.Load(); qz == nil || qz.Len() != n {
				t.Fatalf("codes after reconfiguration: %v", qz)
			}
		})
	}
}

// TestScalarQuantizationConcurrent searches while points are upserted and
// the indexer makes codes and recalibrates (run with -race).
func TestScalarQuantizationConcurrent(t *testing.T) {
	c := searchWhileUpserting(t, Euclid, int8Config)
	if qz := c.dense[DefaultVector].quant.Load(); qz == nil || qz.Len() != 2000 || qz.Calibrated() < 1000 {
		t.Fatalf("codes: %+v", qz)
	}
}

// searchWhileUpserting makes a collection of 20-dimensional vectors with
// the quantization config quant, searches it 200 times with oversampling
// while 2,000 points are upserted in batches, waits for the indexer and
// returns the collection.
func searchWhileUpserting(t *testing.T, dist Distance, quant string) *collection {
	t.Helper()
	db, _ := openTemp(t)
	cfg := simpleConfig(20, dist)
	cfg.HNSW = HNSWConfig{M: 8, EfConstruct: 32, FullScanThreshold: 1}
	cfg.Quantization = json.RawMessage(quant)
	must(t, db.CreateCollection(bg, "c", cfg))
	r := rand.New(rand.NewSource(5))
	done := make(chan struct{})
	go func() {
		defer close(done)
		qr := rand.New(rand.NewSource(6))
		for i := 0; i < 200; i++ {
			_, err := db.Query(bg, "c", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: randVec(qr, 20)}}, Limit: 5,
				Params: &SearchParams{Quantization: &QuantizationSearchParams{Oversampling: 2}}})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for b := 0; b < 20; b++ {
		var pts []PointStruct
		for i := 0; i < 100; i++ {
			pts = append(pts, PointStruct{ID: num(uint64(b*100 + i)), Vectors: dense(randVec(r, 20)...)})
		}
		must(t, errOf(db.Upsert(bg, "c", pts, false)))
	}
	<-done
	waitIndexed(t, db, "c")
	c, _ := db.collection("c")
	return c
}

// quantRecalls measures recall@k of queries on coll searched at ef with
// the floats (ignore), with the codes as configured, with oversampling 4,
// and with oversampling 4 without rescoring.
func quantRecalls(t *testing.T, db *DB, coll string, queries [][]float32, k, ef int) (float, codes, over, noRescore float64) {
	t.Helper()
	qp := func(q QuantizationSearchParams) *SearchParams { return &SearchParams{HnswEf: ef, Quantization: &q} }
	return quantRecall(t, db, coll, queries, k, qp(QuantizationSearchParams{Ignore: true})),
		quantRecall(t, db, coll, queries, k, &SearchParams{HnswEf: ef}),
		quantRecall(t, db, coll, queries, k, qp(QuantizationSearchParams{Oversampling: 4})),
		quantRecall(t, db, coll, queries, k, qp(QuantizationSearchParams{Rescore: ptr(false), Oversampling: 4}))
}

// reopenSameCodes takes a crash image of dir with db still open, closes
// db, and checks that a clean reopen of dir and an open of the crash image
// both rebuild the codes want (read by codes); it returns the reopened
// dir's database.
func reopenSameCodes[C comparable](t *testing.T, db *DB, dir, coll string, want [][]C, codes func(*DB) [][]C) *DB {
	t.Helper()
	crashed := t.TempDir()
	crashImage(t, db, dir, crashed)
	points, err := db.Count(bg, coll, nil)
	must(t, err)
	must(t, db.Close())
	var reopened *DB
	for _, d := range []string{dir, crashed} {
		db2, err := Open(d, Options{Logger: quiet})
		must(t, err)
		if n, err := db2.Count(bg, coll, nil); err != nil || n != points {
			t.Fatalf("%s: %d points after reopen (%v), %d acknowledged", d, n, err, points)
		}
		waitIndexed(t, db2, coll)
		again := codes(db2)
		for id := range again {
			if !slices.Equal(again[id], want[id]) {
				t.Fatalf("%s: code %d after reopen %v, before %v", d, id, again[id], want[id])
			}
		}
		if d == crashed {
			must(t, db2.Close())
		} else {
			reopened = db2
		}
	}
	return reopened
}
