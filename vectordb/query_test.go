package vectordb

import (
	"context"
	"errors"
	"math"
	"testing"
)

func near(v ...float32) *Query { return &Query{Nearest: &VectorInput{Dense: v}} }

func approx(t testing.TB, got, want float32) {
	t.Helper()
	if math.Abs(float64(got-want)) > 1e-5 {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestScoreConventions(t *testing.T) {
	db, _ := openTemp(t)
	for _, d := range []Distance{Cosine, Dot, Euclid, Manhattan} {
		must(t, db.CreateCollection(bg, string(d), simpleConfig(2, d)))
		must(t, errOf(db.Upsert(bg, string(d), []PointStruct{
			{ID: num(1), Vectors: dense(1, 0)},
			{ID: num(2), Vectors: dense(3, 4)},
			{ID: num(3), Vectors: dense(-1, -1)},
		}, true)))
	}
	q := near(2, 0)
	cases := []struct {
		d      Distance
		ids    []PointID
		scores []float32
	}{
		{Cosine, []PointID{num(1), num(2), num(3)}, []float32{1, 0.6, -float32(math.Sqrt2) / 2}},
		{Dot, []PointID{num(2), num(1), num(3)}, []float32{6, 2, -2}},
		{Euclid, []PointID{num(1), num(2), num(3)}, []float32{1, float32(math.Sqrt(17)), float32(math.Sqrt(10))}},
		{Manhattan, []PointID{num(1), num(3), num(2)}, []float32{1, 4, 5}},
	}
	for _, tc := range cases {
		t.Run(string(tc.d), func(t *testing.T) {
			res, err := db.Query(bg, string(tc.d), QueryRequest{Query: q})
			must(t, err)
			if tc.d == Euclid { // sqrt(10) < sqrt(17)
				tc.ids = []PointID{num(1), num(3), num(2)}
				tc.scores = []float32{1, float32(math.Sqrt(10)), float32(math.Sqrt(17))}
			}
			eq(t, hitIDs(res), tc.ids)
			for i := range res {
				approx(t, res[i].Score, tc.scores[i])
			}
			// Threshold: lower bound for similarities, upper for distances.
			th := tc.scores[1]
			res, err = db.Query(bg, string(tc.d), QueryRequest{Query: q, ScoreThreshold: &th})
			must(t, err)
			eq(t, hitIDs(res), tc.ids[:2])
			// Exact and limit/offset.
			res, err = db.Query(bg, string(tc.d), QueryRequest{Query: q, Params: &SearchParams{Exact: true}, Limit: 1, Offset: 1})
			must(t, err)
			eq(t, hitIDs(res), tc.ids[1:2])
		})
	}
	_, err := db.Query(bg, "Dot", QueryRequest{Query: near(1, 2, 3)})
	mustKind(t, err, KindBadInput)
	eq(t, err.Error(), "Wrong input: Vector dimension error: expected dim: 2, got 3")
}

func TestQueryByIDRecommendAndSelectors(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{
		{ID: num(1), Vectors: dense(1, 0), Payload: Payload{"a": 1.0, "b": map[string]any{"c": 2.0, "d": 3.0}}},
		{ID: num(2), Vectors: dense(0.9, 0.1)},
		{ID: num(3), Vectors: dense(0, 1)},
		{ID: num(4), Vectors: dense(-1, 0)},
	}, true)))
	res, err := db.Query(bg, "c", QueryRequest{Query: &Query{Nearest: &VectorInput{ID: ptr(num(1))}}, Limit: 2})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(2), num(3)}) // itself excluded
	_, err = db.Query(bg, "c", QueryRequest{Query: &Query{Nearest: &VectorInput{ID: ptr(num(9))}}})
	mustKind(t, err, KindNotFound)

	// average_vector: 2*avg(pos) - avg(neg) = 2*(1,0) - (0,1) = (2,-1).
	res, err = db.Query(bg, "c", QueryRequest{Query: &Query{Recommend: &RecommendInput{
		Positive: []VectorInput{{ID: ptr(num(1))}}, Negative: []VectorInput{{ID: ptr(num(3))}}}}})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(2), num(4)})
	approx(t, res[0].Score, 2*0.9-0.1)
	// best_score: points closer to a negative than to every positive score -(neg^2).
	res, err = db.Query(bg, "c", QueryRequest{Query: &Query{Recommend: &RecommendInput{Strategy: RecommendBestScore,
		Positive: []VectorInput{{Dense: []float32{1, 0}}}, Negative: []VectorInput{{Dense: []float32{0, 1}}}}}})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(1), num(2), num(4), num(3)})
	approx(t, res[3].Score, -1)
	approx(t, res[2].Score, 0) // point 4: pos -1, neg 0 → -(0²)

	res, err = db.Query(bg, "c", QueryRequest{Query: near(1, 0), Limit: 1,
		WithPayload: PayloadSelector{Include: []string{"b.c"}}, WithVector: VectorSelector{All: true}})
	must(t, err)
	eq(t, res[0].Payload, Payload{"b": map[string]any{"c": 2.0}})
	eq(t, res[0].Vectors, dense(1, 0))
	res, _ = db.Query(bg, "c", QueryRequest{Query: near(1, 0), Limit: 1, WithPayload: PayloadSelector{Exclude: []string{"b"}}})
	eq(t, res[0].Payload, Payload{"a": 1.0})

	// No query: id order.
	res, err = db.Query(bg, "c", QueryRequest{Limit: 2, Offset: 1})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(2), num(3)})
}

func hybridFixture(t *testing.T) *DB {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "h", CollectionConfig{
		Vectors:       map[string]VectorParams{"d": {Size: 2, Distance: Cosine}},
		SparseVectors: map[string]SparseVectorParams{"s": {Modifier: ModifierIDF}, "raw": {}},
	}))
	sp := func(idx []uint32, vals []float32) Vector {
		return Vector{Sparse: &SparseVector{Indices: idx, Values: vals}}
	}
	must(t, errOf(db.Upsert(bg, "h", []PointStruct{
		{ID: num(1), Vectors: NamedVectors{"d": {Dense: []float32{1, 0}}, "s": sp([]uint32{1, 2}, []float32{1, 1}), "raw": sp([]uint32{1, 2}, []float32{1, 1})}},
		{ID: num(2), Vectors: NamedVectors{"d": {Dense: []float32{0.8, 0.6}}, "s": sp([]uint32{1}, []float32{1}), "raw": sp([]uint32{1}, []float32{1})}},
		{ID: num(3), Vectors: NamedVectors{"d": {Dense: []float32{0, 1}}, "s": sp([]uint32{1, 3}, []float32{1, 2}), "raw": sp([]uint32{1, 3}, []float32{1, 2})}},
		{ID: num(4), Vectors: NamedVectors{"d": {Dense: []float32{-1, 0}}}},
	}, true)))
	return db
}

func TestSparseIDF(t *testing.T) {
	db := hybridFixture(t)
	q := &Query{Nearest: &VectorInput{Sparse: &SparseVector{Indices: []uint32{2, 1}, Values: []float32{1, 1}}}}
	res, err := db.Query(bg, "h", QueryRequest{Query: q, Using: "raw"})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(1), num(2), num(3)}) // point 4 has no sparse vector
	approx(t, res[0].Score, 2)
	res, err = db.Query(bg, "h", QueryRequest{Query: q, Using: "s"})
	must(t, err)
	// N = 3; dim 1 in 3 points, dim 2 in 1 point.
	idf1 := float32(math.Log(1 + (3-3+0.5)/(3+0.5)))
	idf2 := float32(math.Log(1 + (3-1+0.5)/(1+0.5)))
	approx(t, res[0].Score, idf1+idf2)
	approx(t, res[1].Score, idf1)
	_, err = db.Query(bg, "h", QueryRequest{Query: near(1, 0), Using: "s"})
	mustKind(t, err, KindBadInput)
}

func TestFusion(t *testing.T) {
	db := hybridFixture(t)
	dq := near(1, 0)
	sq := &Query{Nearest: &VectorInput{Sparse: &SparseVector{Indices: []uint32{3}, Values: []float32{1}}}}
	pre := []Prefetch{{Query: dq, Using: "d", Limit: 3}, {Query: sq, Using: "raw", Limit: 3}}
	// dense list: 1, 2, 3 ; sparse list: 3.
	res, err := db.Query(bg, "h", QueryRequest{Prefetch: pre, Query: &Query{Fusion: FusionRRF}})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(3), num(1), num(2)})
	approx(t, res[0].Score, 1.0/4+1.0/2) // rank 2 in dense, rank 0 in sparse
	approx(t, res[1].Score, 1.0/2)
	approx(t, res[2].Score, 1.0/3)

	res, err = db.Query(bg, "h", QueryRequest{Prefetch: pre, Query: &Query{Fusion: FusionDBSF}})
	must(t, err)
	// Single-element list normalises to 0.5; dense scores 1, 0.8, 0 have
	// mean 0.6 and sample std 0.529.
	mean, std := 0.6, math.Sqrt((0.16+0.04+0.36)/2)
	norm := func(s float64) float32 { return float32((s - (mean - 3*std)) / (6 * std)) }
	eq(t, hitIDs(res), []PointID{num(3), num(1), num(2)})
	approx(t, res[0].Score, norm(0)+0.5)
	approx(t, res[1].Score, norm(1))

	// Rescoring prefetch results with a nearest query, under a filter.
	res, err = db.Query(bg, "h", QueryRequest{
		Prefetch: []Prefetch{{Query: sq, Using: "raw"}, {Query: &Query{Nearest: &VectorInput{Sparse: &SparseVector{Indices: []uint32{2}, Values: []float32{1}}}}, Using: "raw"}},
		Query:    near(0, 1), Using: "d",
	})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(3), num(1)})
	res, err = db.Query(bg, "h", QueryRequest{Prefetch: pre, Query: &Query{Fusion: FusionRRF},
		Filter: &Filter{MustNot: []Condition{{HasID: []PointID{num(3)}}}}})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(1), num(2), num(4)}) // the filter reaches the prefetches
	_, err = db.Query(bg, "h", QueryRequest{Query: &Query{Fusion: FusionRRF}})
	mustKind(t, err, KindBadInput)
}

func TestQueryOrderBy(t *testing.T) {
	db := filterFixture(t, true)
	res, err := db.Query(bg, "f", QueryRequest{Query: &Query{OrderBy: &OrderBy{Key: "n", Direction: Desc}}, Limit: 2})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(3), num(2)})
	eq(t, res[0].OrderValue, any(10.0))
}

func TestQueryCancelled(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err := db.Query(ctx, "c", QueryRequest{Query: near(1, 0)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	_, err = db.Upsert(ctx, "c", []PointStruct{{ID: num(1), Vectors: dense(1, 1)}}, true)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestHasIDDuplicatesInFilter(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{{ID: num(1), Vectors: dense(1, 0)}, {ID: num(2), Vectors: dense(0, 1)}}, true)))
	f := &Filter{Must: []Condition{{HasID: []PointID{num(1), num(1), num(3)}}}}
	res, err := db.Query(bg, "c", QueryRequest{Query: near(1, 1), Filter: f})
	must(t, err)
	eq(t, hitIDs(res), []PointID{num(1)})
	n, err := db.Count(bg, "c", f)
	must(t, err)
	eq(t, n, 1)
}

// TestOrderByMultiValues: scroll returns a point once per value of a
// multi-valued order key (as Qdrant's scroll does); query returns it once.
func TestOrderByMultiValues(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{
		{ID: num(1), Vectors: dense(1, 0), Payload: Payload{"k": []any{1.0, 4.0}}},
		{ID: num(2), Vectors: dense(0, 1), Payload: Payload{"k": []any{2.0, 3.0}}}}, true)))
	must(t, errOf(db.CreateFieldIndex(bg, "c", "k", SchemaInteger, nil, true)))
	res, err := db.Scroll(bg, "c", ScrollRequest{OrderBy: &OrderBy{Key: "k"}, Limit: 10})
	must(t, err)
	var ids []PointID
	for _, r := range res.Points {
		ids = append(ids, r.ID)
	}
	eq(t, ids, []PointID{num(1), num(2), num(2), num(1)})
	hits, err := db.Query(bg, "c", QueryRequest{Query: &Query{OrderBy: &OrderBy{Key: "k"}}, Limit: 10})
	must(t, err)
	eq(t, hitIDs(hits), []PointID{num(1), num(2)})
}
