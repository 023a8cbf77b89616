package vectordb

import (
	"math"
	"testing"
)

// Tests of multi-vectors, discover/context queries, named vector create
// and delete, conditional upserts, geo and text conditions.

func multiConfig() CollectionConfig {
	return CollectionConfig{Vectors: map[string]VectorParams{
		"m": {Size: 2, Distance: Dot, Multivector: &MultivectorConfig{Comparator: "max_sim"}},
		"e": {Size: 3, Distance: Euclid, Multivector: &MultivectorConfig{Comparator: "max_sim"}},
		"u": {Size: 2, Distance: Dot, Datatype: DatatypeUint8, Multivector: &MultivectorConfig{Comparator: "max_sim"}},
	}}
}

func TestMultivectorMaxSimAndPersistence(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{CheckpointBytes: -1, Logger: quiet})
	must(t, err)
	must(t, db.CreateCollection(bg, "c", multiConfig()))
	pts := []PointStruct{
		{ID: num(1), Vectors: NamedVectors{"m": {Multi: [][]float32{{1, 0}, {0, 1}}}, "e": {Multi: [][]float32{{1, 2, 3}, {3, 3, 3}, {4, 5, 6}}}, "u": {Multi: [][]float32{{1.7, 300}}}}},
		{ID: num(2), Vectors: NamedVectors{"m": {Dense: []float32{2, 2}}, "e": {Multi: [][]float32{{3, 3, 3}, {4, 2, 1}}}}},
	}
	_, err = db.Upsert(bg, "c", pts, true)
	must(t, err)
	// A multi-vector of the wrong size, an empty one and a dense vector
	// for a multi-vector's neighbour of another size are rejected.
	mustKind(t, errOf(db.Upsert(bg, "c", []PointStruct{{ID: num(3), Vectors: NamedVectors{"m": {Multi: [][]float32{{1, 2, 3}}}}}}, true)), KindBadInput)
	mustKind(t, errOf(db.Upsert(bg, "c", []PointStruct{{ID: num(3), Vectors: NamedVectors{"m": {Multi: [][]float32{}}}}}, true)), KindBadInput)

	check := func(db *DB) {
		t.Helper()
		// MaxSim with Dot: q = [[1,0],[0,1]]; p1: 1+1 = 2; p2 (one vector [2,2]): 2+2 = 4.
		res, err := db.Query(bg, "c", QueryRequest{Using: "m", Query: &Query{Nearest: &VectorInput{Multi: [][]float32{{1, 0}, {0, 1}}}}, Limit: 5})
		must(t, err)
		eq(t, hitIDs(res), []PointID{num(2), num(1)})
		eq(t, res[0].Score, float32(4))
		// Euclid reports sqrt of the summed best squared distances (Qdrant's
		// test: 0 and sqrt(19)).
		res, err = db.Query(bg, "c", QueryRequest{Using: "e", Query: &Query{Nearest: &VectorInput{Multi: [][]float32{{1, 2, 3}, {3, 3, 3}, {4, 5, 6}}}}, Limit: 5})
		must(t, err)
		eq(t, hitIDs(res), []PointID{num(1), num(2)})
		if res[0].Score != 0 || math.Abs(float64(res[1].Score)-math.Sqrt(19)) > 1e-5 {
			t.Fatalf("euclid scores %v %v", res[0].Score, res[1].Score)
		}
		recs, err := db.Get(bg, "c", []PointID{num(1), num(2)}, PayloadSelector{}, VectorSelector{All: true})
		must(t, err)
		eq(t, recs[0].Vectors["u"].Multi, [][]float32{{1, 255}}) // uint8: truncated, saturated
		eq(t, recs[1].Vectors["m"].Multi, [][]float32{{2, 2}})
		// By id and recommend (best_score with only a negative).
		res, err = db.Query(bg, "c", QueryRequest{Using: "m", Query: &Query{Nearest: &VectorInput{ID: ptr(num(1))}}, Limit: 5})
		must(t, err)
		eq(t, hitIDs(res), []PointID{num(2)})
		res, err = db.Query(bg, "c", QueryRequest{Using: "m", Query: &Query{Recommend: &RecommendInput{
			Negative: []VectorInput{{Dense: []float32{1, 1}}}, Strategy: RecommendBestScore}}, Limit: 5})
		must(t, err)
		if len(res) != 2 || res[0].Score >= 0 {
			t.Fatalf("best_score with negatives only: %+v", res)
		}
	}
	check(db)
	must(t, db.Close())
	// The log replays the multi-vectors.
	db, err = Open(dir, Options{CheckpointBytes: -1, Logger: quiet})
	must(t, err)
	check(db)
	must(t, db.Close())
	// And so does a checkpoint.
	db, err = Open(dir, Options{CheckpointBytes: 1, Logger: quiet})
	must(t, err)
	_, err = db.Upsert(bg, "c", []PointStruct{{ID: num(9), Vectors: NamedVectors{"u": {Dense: []float32{0, 0}}}}}, true)
	must(t, err)
	must(t, db.Close())
	db, err = Open(dir, Options{Logger: quiet})
	must(t, err)
	defer db.Close()
	check(db)
}

func TestCodecMultiRoundTrip(t *testing.T) {
	o := &op{Kind: opUpsert, Seq: 7, Points: []PointStruct{{ID: num(1), Vectors: NamedVectors{"m": {Multi: [][]float32{{1, 2}, {3, 4}, {5, 6}}}}}}}
	b, err := encodeOpBinary(o)
	must(t, err)
	back, err := decodeOpBinary(b)
	must(t, err)
	eq(t, back.Points[0].Vectors["m"].Multi, [][]float32{{1, 2}, {3, 4}, {5, 6}})
}

func TestDiscoverAndContext(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	_, err := db.Upsert(bg, "c", []PointStruct{
		{ID: num(1), Vectors: dense(1, 0)}, {ID: num(2), Vectors: dense(0, 1)},
		{ID: num(3), Vectors: dense(1, 1)}, {ID: num(4), Vectors: dense(-1, 0)},
	}, true)
	must(t, err)
	// Context: points closer to the positive than to the negative score 0.
	res, err := db.Query(bg, "c", QueryRequest{Query: &Query{Context: []ContextPair{{
		Positive: VectorInput{Dense: []float32{1, 0}}, Negative: VectorInput{Dense: []float32{-1, 0}}}}}, Limit: 10})
	must(t, err)
	for _, p := range res {
		if p.Score > 0 {
			t.Fatalf("context score > 0: %+v", p)
		}
	}
	eq(t, len(res), 4)
	// Discover: the rank (pairs on the positive side) comes first, the
	// target similarity breaks ties; by-id examples are excluded.
	res, err = db.Query(bg, "c", QueryRequest{Query: &Query{Discover: &DiscoverInput{
		Target:  VectorInput{Dense: []float32{0, 1}},
		Context: []ContextPair{{Positive: VectorInput{ID: ptr(num(1))}, Negative: VectorInput{ID: ptr(num(4))}}}}}, Limit: 10})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(3), num(2)})
	if math.Floor(float64(res[0].Score)) != 1 {
		t.Fatalf("discover rank: %v", res[0].Score)
	}
}

func TestCreateDeleteVectorDurable(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{CheckpointBytes: -1, Logger: quiet})
	must(t, err)
	must(t, db.CreateCollection(bg, "c", CollectionConfig{Vectors: map[string]VectorParams{
		"a": {Size: 2, Distance: Dot}, "b": {Size: 3, Distance: Dot}}}))
	_, err = db.Upsert(bg, "c", []PointStruct{{ID: num(1), Vectors: NamedVectors{"a": {Dense: []float32{1, 2}}, "b": {Dense: []float32{1, 2, 3}}}}}, true)
	must(t, err)
	_, err = db.DeleteVector(bg, "c", "a")
	must(t, err)
	_, err = db.DeleteVector(bg, "c", "a")
	mustKind(t, err, KindNotFound)
	// Recreated with another size: the old vectors must not come back.
	_, err = db.CreateVector(bg, "c", "a", &VectorParams{Size: 4, Distance: Cosine}, nil)
	must(t, err)
	_, err = db.CreateVector(bg, "c", "a", &VectorParams{Size: 4, Distance: Cosine}, nil)
	mustKind(t, err, KindBadInput)
	_, err = db.CreateVector(bg, "c", "s", nil, &SparseVectorParams{Modifier: ModifierNone})
	must(t, err)
	_, err = db.Upsert(bg, "c", []PointStruct{{ID: num(2), Vectors: NamedVectors{"a": {Dense: []float32{1, 0, 0, 0}}, "s": {Sparse: &SparseVector{Indices: []uint32{1}, Values: []float32{1}}}}}}, true)
	must(t, err)
	check := func(db *DB) {
		t.Helper()
		recs, err := db.Get(bg, "c", []PointID{num(1), num(2)}, PayloadSelector{}, VectorSelector{All: true})
		must(t, err)
		if _, ok := recs[0].Vectors["a"]; ok || len(recs[0].Vectors["b"].Dense) != 3 {
			t.Fatalf("point 1 vectors: %+v", recs[0].Vectors)
		}
		eq(t, recs[1].Vectors["a"].Dense, []float32{1, 0, 0, 0})
		info, err := db.CollectionInfo(bg, "c")
		must(t, err)
		eq(t, info.Config.Vectors["a"].Size, 4)
		if _, ok := info.Config.SparseVectors["s"]; !ok {
			t.Fatal("sparse vector s lost")
		}
	}
	check(db)
	must(t, db.Close())
	db, err = Open(dir, Options{CheckpointBytes: -1, Logger: quiet})
	must(t, err)
	defer db.Close()
	check(db)
}

func TestConditionalUpserts(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	_, err := db.Upsert(bg, "c", []PointStruct{{ID: num(1), Vectors: dense(1, 1), Payload: Payload{"v": 1.0}}}, true)
	must(t, err)
	get := func(id uint64) *Record {
		recs, err := db.Get(bg, "c", []PointID{num(id)}, PayloadSelector{All: true}, VectorSelector{All: true})
		must(t, err)
		if len(recs) == 0 {
			return nil
		}
		return &recs[0]
	}
	_, err = db.UpsertWith(bg, "c", []PointStruct{{ID: num(1), Vectors: dense(2, 2)}, {ID: num(2), Vectors: dense(3, 3)}}, UpsertOptions{Mode: UpsertUpdateOnly}, true)
	must(t, err)
	eq(t, get(1).Vectors[DefaultVector].Dense, []float32{2, 2})
	if get(2) != nil {
		t.Fatal("update_only inserted a point")
	}
	_, err = db.UpsertWith(bg, "c", []PointStruct{{ID: num(1), Vectors: dense(5, 5)}, {ID: num(2), Vectors: dense(3, 3)}}, UpsertOptions{Mode: UpsertInsertOnly}, true)
	must(t, err)
	eq(t, get(1).Vectors[DefaultVector].Dense, []float32{2, 2})
	eq(t, get(2).Vectors[DefaultVector].Dense, []float32{3, 3})
	lt := 1.0
	f := &Filter{Must: []Condition{{Field: &FieldCondition{Key: "v", Range: &Range{Lt: &lt}}}}}
	_, err = db.UpsertWith(bg, "c", []PointStruct{{ID: num(1), Vectors: dense(7, 7)}}, UpsertOptions{Filter: f}, true)
	must(t, err)
	eq(t, get(1).Vectors[DefaultVector].Dense, []float32{2, 2}) // v = 1 is not < 1
	_, err = db.UpdateVectorsWith(bg, "c", []PointVectors{{ID: num(1), Vectors: dense(8, 8)}}, f, true)
	must(t, err)
	eq(t, get(1).Vectors[DefaultVector].Dense, []float32{2, 2})
	_, err = db.UpsertWith(bg, "c", nil, UpsertOptions{Mode: "sometimes"}, true)
	mustKind(t, err, KindBadInput)
}

func TestGeoAndTextConditions(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	_, err := db.Upsert(bg, "c", []PointStruct{
		{ID: num(1), Vectors: dense(1, 0), Payload: Payload{"loc": map[string]any{"lon": 13.40, "lat": 52.52}, "t": "the quick brown fox", "url": "https://qdrant.tech/a"}},
		{ID: num(2), Vectors: dense(1, 0), Payload: Payload{"loc": []any{map[string]any{"lon": 2.35, "lat": 48.86}}, "t": "brown quick dog", "url": "http://x"}},
	}, true)
	must(t, err)
	count := func(c Condition) int {
		t.Helper()
		n, err := db.Count(bg, "c", &Filter{Must: []Condition{c}})
		must(t, err)
		return n
	}
	field := func(fc FieldCondition) Condition { fc.Key = "loc"; return Condition{Field: &fc} }
	berlin := GeoPoint{Lon: 13.40, Lat: 52.52}
	eq(t, count(field(FieldCondition{GeoRadius: &GeoRadius{Center: berlin, Radius: 1000}})), 1)
	eq(t, count(field(FieldCondition{GeoRadius: &GeoRadius{Center: berlin, Radius: 1_000_000}})), 2) // Paris is ~880 km away
	eq(t, count(field(FieldCondition{GeoBox: &GeoBoundingBox{TopLeft: GeoPoint{Lon: 0, Lat: 60}, BottomRight: GeoPoint{Lon: 10, Lat: 40}}})), 1)
	ring := []GeoPoint{{Lon: 10, Lat: 50}, {Lon: 20, Lat: 50}, {Lon: 20, Lat: 55}, {Lon: 10, Lat: 55}, {Lon: 10, Lat: 50}}
	eq(t, count(field(FieldCondition{GeoPolygon: &GeoPolygon{Exterior: ring}})), 1)
	hole := []GeoPoint{{Lon: 13, Lat: 52}, {Lon: 14, Lat: 52}, {Lon: 14, Lat: 53}, {Lon: 13, Lat: 53}, {Lon: 13, Lat: 52}}
	eq(t, count(field(FieldCondition{GeoPolygon: &GeoPolygon{Exterior: ring, Interiors: [][]GeoPoint{hole}}})), 0)
	_, err = db.Count(bg, "c", &Filter{Must: []Condition{field(FieldCondition{GeoPolygon: &GeoPolygon{Exterior: ring[:4]}})}})
	mustKind(t, err, KindBadInput) // not closed
	_, err = db.CreateFieldIndex(bg, "c", "loc", SchemaGeo, nil, true)
	must(t, err)
	eq(t, count(field(FieldCondition{GeoRadius: &GeoRadius{Center: berlin, Radius: 1000}})), 1)

	text := func(m Match) Condition { return Condition{Field: &FieldCondition{Key: "t", Match: &m}} }
	eq(t, count(text(Match{Phrase: ptr("quick brown")})), 1)
	eq(t, count(text(Match{Phrase: ptr("")})), 0)
	eq(t, count(text(Match{TextAny: ptr("fox dog")})), 2)
	eq(t, count(Condition{Field: &FieldCondition{Key: "url", Match: &Match{Prefix: ptr("https://")}}}), 1)
	_, err = db.CreateFieldIndex(bg, "c", "t", SchemaText, &TextIndexParams{StopwordLanguages: []string{"english"}}, true)
	must(t, err)
	eq(t, count(text(Match{TextAny: ptr("the")})), 0) // a stopword
	eq(t, count(text(Match{Phrase: ptr("brown quick")})), 1)
	_, err = db.CreateFieldIndex(bg, "c", "t", SchemaText, &TextIndexParams{StopwordLanguages: []string{"klingon"}}, true)
	mustKind(t, err, KindBadInput)
}

func TestStrictModeMerge(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	must(t, db.UpdateCollection(bg, "c", CollectionUpdate{StrictMode: &StrictModeConfig{Enabled: ptr(true), WriteRateLimit: ptr(1)}}))
	must(t, db.UpdateCollection(bg, "c", CollectionUpdate{StrictMode: &StrictModeConfig{ReadRateLimit: ptr(2)}}))
	info, err := db.CollectionInfo(bg, "c")
	must(t, err)
	sm := info.Config.StrictMode
	if !sm.On() || *sm.WriteRateLimit != 1 || *sm.ReadRateLimit != 2 {
		t.Fatalf("merged strict mode: %+v", sm)
	}
	must(t, db.UpdateCollection(bg, "c", CollectionUpdate{Metadata: Payload{"a": "x", "b": 1.0}}))
	must(t, db.UpdateCollection(bg, "c", CollectionUpdate{Metadata: Payload{"b": nil}}))
	info, err = db.CollectionInfo(bg, "c")
	must(t, err)
	eq(t, info.Config.Metadata, Payload{"a": "x"})
}

func TestFormulaFeedbackIDFCorpusSampleMMR(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", CollectionConfig{
		Vectors:       map[string]VectorParams{DefaultVector: {Size: 2, Distance: Dot}},
		SparseVectors: map[string]SparseVectorParams{"s": {Modifier: ModifierIDF}},
	}))
	sp := func(idx ...uint32) Vector {
		v := &SparseVector{Indices: idx, Values: make([]float32, len(idx))}
		for i := range v.Values {
			v.Values[i] = 1
		}
		return Vector{Sparse: v}
	}
	_, err := db.Upsert(bg, "c", []PointStruct{
		{ID: num(1), Vectors: NamedVectors{DefaultVector: {Dense: []float32{1, 0}}, "s": sp(0, 1)}, Payload: Payload{"price": 2.0, "t": "a"}},
		{ID: num(2), Vectors: NamedVectors{DefaultVector: {Dense: []float32{0, 1}}, "s": sp(0)}, Payload: Payload{"t": "a"}},
		{ID: num(3), Vectors: NamedVectors{DefaultVector: {Dense: []float32{1, 1}}, "s": sp(0, 1, 2)}, Payload: Payload{"price": -1.0, "t": "b"}},
	}, true)
	must(t, err)
	// Formula: $score + 0.5 * price (missing price defaults to 10).
	half := 0.5
	f := &FormulaQuery{Formula: Expr{Sum: []Expr{{Var: "$score"}, {Mult: []Expr{{Const: &half}, {Var: "price"}}}}}, Defaults: map[string]any{"price": 10.0}}
	res, err := db.Query(bg, "c", QueryRequest{Prefetch: []Prefetch{{Query: &Query{Nearest: &VectorInput{Dense: []float32{1, 0}}}}}, Query: &Query{Formula: f}})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(2), num(1), num(3)})
	eq(t, res[0].Score, float32(5)) // 0 + 0.5*10
	eq(t, res[1].Score, float32(2)) // 1 + 0.5*2
	// Without a default a missing variable is an error; so is a division by zero.
	zero := 0.0
	_, err = db.Query(bg, "c", QueryRequest{Prefetch: []Prefetch{{}}, Query: &Query{Formula: &FormulaQuery{Formula: Expr{Var: "price"}}}})
	mustKind(t, err, KindBadInput)
	_, err = db.Query(bg, "c", QueryRequest{Prefetch: []Prefetch{{}}, Query: &Query{Formula: &FormulaQuery{Formula: Expr{Div: &DivExpr{Left: Expr{Const: &half}, Right: Expr{Const: &zero}}}}}})
	mustKind(t, err, KindBadInput)

	// Relevance feedback with one example and A = 1 is nearest search.
	fb := &FeedbackInput{Target: VectorInput{Dense: []float32{1, 0}}, Feedback: []FeedbackItem{{Example: VectorInput{Dense: []float32{0, 1}}, Score: 1}}, A: 1, B: 1, C: 1}
	res, err = db.Query(bg, "c", QueryRequest{Query: &Query{Feedback: fb}})
	must(t, err)
	near, err := db.Query(bg, "c", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: []float32{1, 0}}}})
	must(t, err)
	eq(t, res, near)
	fb.Feedback = nil
	_, err = db.Query(bg, "c", QueryRequest{Query: &Query{Feedback: fb}})
	mustKind(t, err, KindBadInput)

	// IDF over a corpus: tenant a has N = 2 and df(0) = 2, df(1) = 1.
	corpus := &Filter{Must: []Condition{{Field: &FieldCondition{Key: "t", Match: &Match{Value: "a"}}}}}
	res, err = db.Query(bg, "c", QueryRequest{Using: "s", Query: &Query{Nearest: &VectorInput{Sparse: &SparseVector{Indices: []uint32{1}, Values: []float32{1}}}},
		Params: &SearchParams{IDFCorpus: corpus}})
	must(t, err)
	if want := idf(2, 1); len(res) != 2 || math.Abs(float64(res[0].Score-want)) > 1e-6 {
		t.Fatalf("corpus idf: %+v, want scores %v", res, want)
	}
	_, err = db.Query(bg, "c", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: []float32{1, 0}}}, Params: &SearchParams{IDFCorpus: corpus}})
	mustKind(t, err, KindBadInput)

	// Sample and MMR.
	res, err = db.Query(bg, "c", QueryRequest{Query: &Query{Sample: "random"}, Limit: 2})
	must(t, err)
	eq(t, len(res), 2)
	res, err = db.Query(bg, "c", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: []float32{1, -0.5}}, MMR: &MMR{Diversity: 1, CandidatesLimit: 10}}, Limit: 2})
	must(t, err)
	// Full diversity: after the best match (1), the point least similar
	// to it (2) comes before the near-duplicate (3).
	eq(t, hitIDs(res), []PointID{num(1), num(2)})
}

func TestIndexingThreshold(t *testing.T) {
	db, _ := openTemp(t)
	cfg := simpleConfig(4, Dot)
	cfg.IndexingThreshold = ptr(0)
	must(t, db.CreateCollection(bg, "c", cfg))
	pts := make([]PointStruct, 300)
	for i := range pts {
		pts[i] = PointStruct{ID: num(uint64(i)), Vectors: dense(float32(i), 1, 0, 1)}
	}
	_, err := db.Upsert(bg, "c", pts, true)
	must(t, err)
	c, err := db.collection("c")
	must(t, err)
	c.dense[DefaultVector].waitIndexed()
	info, err := db.CollectionInfo(bg, "c")
	must(t, err)
	eq(t, info.IndexedVectorsCount, 0) // indexing disabled: searches scan
	res, err := db.Query(bg, "c", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: []float32{1, 0, 0, 0}}}, Limit: 1})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(299)})
	must(t, db.UpdateCollection(bg, "c", CollectionUpdate{IndexingThreshold: ptr(1)})) // 1 KB = 64 vectors of 4 floats
	c.dense[DefaultVector].waitIndexed()
	info, err = db.CollectionInfo(bg, "c")
	must(t, err)
	eq(t, info.IndexedVectorsCount, 300)
	eq(t, *info.Config.IndexingThreshold, 1)
}

func TestSlicePartition(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	pts := make([]PointStruct, 40)
	for i := range pts {
		pts[i] = PointStruct{ID: num(uint64(i)), Vectors: dense(1, 0)}
	}
	pts[0].ID = PointID{UUID: "00000000-0000-0000-0000-000000000001"}
	_, err := db.Upsert(bg, "c", pts, true)
	must(t, err)
	total := 0
	for i := uint32(0); i < 3; i++ {
		n, err := db.Count(bg, "c", &Filter{Must: []Condition{{Slice: &Slice{Total: 3, Index: i}}}})
		must(t, err)
		total += n
	}
	eq(t, total, 40)
	_, err = db.Count(bg, "c", &Filter{Must: []Condition{{Slice: &Slice{Total: 3, Index: 3}}}})
	mustKind(t, err, KindBadInput)
}
