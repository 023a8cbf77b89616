package grpcapi

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The tests in this file drive the engine through the official client and
// check results against a reference computed here from the same data.

const dim = 4

var cities = []string{"Berlin", "Paris", "Rome", "Oslo"}

// testPoint is one point of the fixture: its vector and payload as Go
// values, from which expectations are computed.
type testPoint struct {
	id      uint64
	vec     []float32
	payload map[string]any
}

// fixture returns n points with deterministic vectors and a payload that
// exercises every condition kind.
func fixture(n int) []testPoint {
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]testPoint, n)
	for i := range pts {
		id := uint64(i + 1)
		vec := make([]float32, dim)
		for j := range vec {
			vec[j] = rng.Float32()*2 - 1
		}
		tags := []any{"a", "b", "c"}[:i%3]
		p := map[string]any{
			"city":  cities[i%len(cities)],
			"n":     int(id),
			"price": float64(id) * 1.5,
			"tags":  tags,
			"date":  time.Date(2024, 1, int(id), 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
			"flag":  id%2 == 0,
			"items": []any{map[string]any{"a": int(id % 2), "b": fmt.Sprint("x", id)}, map[string]any{"a": 2, "b": "y"}},
		}
		if id%2 == 0 {
			p["body"] = "the quick brown fox"
		} else {
			p["body"] = "a lazy dog sleeps"
		}
		switch id % 5 {
		case 0:
			p["maybe"] = nil
		case 1:
			p["maybe"] = "x"
		}
		pts[i] = testPoint{id: id, vec: vec, payload: p}
	}
	return pts
}

// setupCollection creates collection "c" (cosine, dim 4) holding pts.
func setupCollection(t *testing.T, ts *testServer, pts []testPoint) {
	t.Helper()
	err := ts.client.CreateCollection(bg, &qdrant.CreateCollection{
		CollectionName: "c",
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: dim, Distance: qdrant.Distance_Cosine}),
		HnswConfig:     &qdrant.HnswConfigDiff{M: qdrant.PtrOf(uint64(8)), EfConstruct: qdrant.PtrOf(uint64(64))},
	})
	must(t, "create collection", err)
	ps := make([]*qdrant.PointStruct, len(pts))
	for i, p := range pts {
		ps[i] = &qdrant.PointStruct{Id: qdrant.NewIDNum(p.id), Vectors: qdrant.NewVectors(p.vec...), Payload: qdrant.NewValueMap(p.payload)}
	}
	res, err := ts.client.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "c", Wait: qdrant.PtrOf(true), Points: ps})
	must(t, "upsert", err)
	if res.GetStatus() != qdrant.UpdateStatus_Completed {
		t.Fatalf("upsert with wait: status %v, want Completed", res.GetStatus())
	}
}

func cosine(a, b []float32) float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return float32(dot / math.Sqrt(na*nb))
}

type scored struct {
	id    uint64
	score float32
}

// bruteForce ranks the points that satisfy keep by cosine similarity to q.
func bruteForce(pts []testPoint, q []float32, limit int, keep func(testPoint) bool) []scored {
	var out []scored
	for _, p := range pts {
		if keep == nil || keep(p) {
			out = append(out, scored{p.id, cosine(p.vec, q)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func checkScored(t *testing.T, what string, got []*qdrant.ScoredPoint, want []scored) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i].GetId().GetNum() != want[i].id || math.Abs(float64(got[i].GetScore()-want[i].score)) > 1e-4 {
			t.Fatalf("%s: result %d = id %d score %.5f, want id %d score %.5f", what, i, got[i].GetId().GetNum(), got[i].GetScore(), want[i].id, want[i].score)
		}
	}
}

func ids(ps []*qdrant.RetrievedPoint) []uint64 {
	out := make([]uint64, len(ps))
	for i, p := range ps {
		out[i] = p.GetId().GetNum()
	}
	return out
}

func TestCollectionsLifecycle(t *testing.T) {
	ts := startServer(t, "", "")
	pts := fixture(12)
	setupCollection(t, ts, pts)
	c := ts.client

	ok, err := c.CollectionExists(bg, "c")
	must(t, "exists", err)
	if !ok {
		t.Error("collection c does not exist after create")
	}
	names, err := c.ListCollections(bg)
	must(t, "list", err)
	if !reflect.DeepEqual(names, []string{"c"}) {
		t.Errorf("list = %v", names)
	}
	info, err := c.GetCollectionInfo(bg, "c")
	must(t, "info", err)
	if info.GetPointsCount() != uint64(len(pts)) {
		t.Errorf("points_count = %d, want %d", info.GetPointsCount(), len(pts))
	}
	vp := info.GetConfig().GetParams().GetVectorsConfig().GetParams()
	if vp.GetSize() != dim || vp.GetDistance() != qdrant.Distance_Cosine {
		t.Errorf("vector params = %v", vp)
	}
	if info.GetConfig().GetHnswConfig().GetM() != 8 {
		t.Errorf("hnsw m = %d, want 8", info.GetConfig().GetHnswConfig().GetM())
	}
	if info.GetStatus() != qdrant.CollectionStatus_Green && info.GetStatus() != qdrant.CollectionStatus_Yellow {
		t.Errorf("status = %v", info.GetStatus())
	}

	err = c.UpdateCollection(bg, &qdrant.UpdateCollection{CollectionName: "c", HnswConfig: &qdrant.HnswConfigDiff{EfConstruct: qdrant.PtrOf(uint64(128))}})
	must(t, "update", err)
	info, err = c.GetCollectionInfo(bg, "c")
	must(t, "info after update", err)
	if got := info.GetConfig().GetHnswConfig().GetEfConstruct(); got != 128 {
		t.Errorf("ef_construct after update = %d, want 128", got)
	}

	// Creating it again is Qdrant's 400 "already exists".
	err = c.CreateCollection(bg, &qdrant.CreateCollection{CollectionName: "c", VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: dim, Distance: qdrant.Distance_Dot})})
	if codeOf(err) != codes.InvalidArgument || !strings.Contains(messageOf(err), "already exists") {
		t.Errorf("duplicate create: %v", err)
	}

	// Aliases.
	must(t, "create alias", c.CreateAlias(bg, "latest", "c"))
	n, err := c.Count(bg, &qdrant.CountPoints{CollectionName: "latest"})
	must(t, "count via alias", err)
	if n != uint64(len(pts)) {
		t.Errorf("count via alias = %d", n)
	}
	as, err := c.ListCollectionAliases(bg, "c")
	must(t, "list collection aliases", err)
	if !reflect.DeepEqual(as, []string{"latest"}) {
		t.Errorf("collection aliases = %v", as)
	}
	must(t, "rename alias", c.RenameAlias(bg, "latest", "current"))
	all, err := c.ListAliases(bg)
	must(t, "list aliases", err)
	if len(all) != 1 || all[0].GetAliasName() != "current" || all[0].GetCollectionName() != "c" {
		t.Errorf("aliases = %v", all)
	}
	must(t, "delete alias", c.DeleteAlias(bg, "current"))
	all, err = c.ListAliases(bg)
	must(t, "list aliases", err)
	if len(all) != 0 {
		t.Errorf("aliases after delete = %v", all)
	}

	must(t, "delete", c.DeleteCollection(bg, "c"))
	if ok, _ := c.CollectionExists(bg, "c"); ok {
		t.Error("collection exists after delete")
	}
	_, err = c.GetCollectionInfo(bg, "c")
	if codeOf(err) != codes.NotFound || !strings.Contains(messageOf(err), "doesn't exist") {
		t.Errorf("info of deleted collection: %v", err)
	}
}

func TestSearchAndQuery(t *testing.T) {
	ts := startServer(t, "", "")
	pts := fixture(40)
	setupCollection(t, ts, pts)
	c, pc := ts.client, ts.client.GetPointsClient()
	q := []float32{0.3, -0.2, 0.9, 0.1}
	exact := &qdrant.SearchParams{Exact: qdrant.PtrOf(true)}

	res, err := c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQuery(q...), Limit: qdrant.PtrOf(uint64(5)), Params: exact})
	must(t, "query", err)
	checkScored(t, "query nearest", res, bruteForce(pts, q, 5, nil))

	// Default (HNSW) search on this small set finds the same top 5.
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQuery(q...), Limit: qdrant.PtrOf(uint64(5)), WithPayload: qdrant.NewWithPayload(true)})
	must(t, "query hnsw", err)
	checkScored(t, "query hnsw", res, bruteForce(pts, q, 5, nil))
	if res[0].GetPayload()["city"].GetStringValue() == "" {
		t.Errorf("with_payload: payload missing: %v", res[0].GetPayload())
	}

	// Offset skips the first results.
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQuery(q...), Limit: qdrant.PtrOf(uint64(3)), Offset: qdrant.PtrOf(uint64(2)), Params: exact})
	must(t, "query offset", err)
	checkScored(t, "query offset", res, bruteForce(pts, q, 5, nil)[2:])

	// Filtered search.
	berlin := &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("city", "Berlin")}}
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQuery(q...), Filter: berlin, Limit: qdrant.PtrOf(uint64(4))})
	must(t, "filtered query", err)
	checkScored(t, "filtered query", res, bruteForce(pts, q, 4, func(p testPoint) bool { return p.payload["city"] == "Berlin" }))

	// Score threshold.
	want := bruteForce(pts, q, 40, nil)
	th := want[6].score - 1e-6
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQuery(q...), Limit: qdrant.PtrOf(uint64(40)), ScoreThreshold: &th, Params: exact})
	must(t, "threshold query", err)
	checkScored(t, "threshold query", res, want[:7])

	// Nearest to a stored point's vector, by id.
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQueryID(qdrant.NewIDNum(7)), Limit: qdrant.PtrOf(uint64(3)), Params: exact})
	must(t, "query by id", err)
	byID := bruteForce(pts, pts[6].vec, 4, func(p testPoint) bool { return p.id != 7 })
	if len(res) == 0 || res[0].GetId().GetNum() == 7 {
		byID = bruteForce(pts, pts[6].vec, 3, nil) // the engine may keep the point itself
	}
	checkScored(t, "query by id", res, byID[:3])

	// Legacy search and search batch.
	sr, err := pc.Search(bg, &qdrant.SearchPoints{CollectionName: "c", Vector: q, Limit: 5, Params: exact})
	must(t, "search", err)
	checkScored(t, "search", sr.GetResult(), bruteForce(pts, q, 5, nil))
	q2 := []float32{-1, 0, 0, 0.5}
	br, err := pc.SearchBatch(bg, &qdrant.SearchBatchPoints{CollectionName: "c", SearchPoints: []*qdrant.SearchPoints{
		{CollectionName: "c", Vector: q, Limit: 2, Params: exact},
		{CollectionName: "c", Vector: q2, Limit: 3, Filter: berlin, Params: exact},
	}})
	must(t, "search batch", err)
	checkScored(t, "search batch 0", br.GetResult()[0].GetResult(), bruteForce(pts, q, 2, nil))
	checkScored(t, "search batch 1", br.GetResult()[1].GetResult(), bruteForce(pts, q2, 3, func(p testPoint) bool { return p.payload["city"] == "Berlin" }))

	// Query batch.
	qb, err := c.QueryBatch(bg, &qdrant.QueryBatchPoints{CollectionName: "c", QueryPoints: []*qdrant.QueryPoints{
		{CollectionName: "c", Query: qdrant.NewQuery(q2...), Limit: qdrant.PtrOf(uint64(2)), Params: exact},
		{CollectionName: "c", Query: qdrant.NewQuery(q...), Limit: qdrant.PtrOf(uint64(1)), Params: exact},
	}})
	must(t, "query batch", err)
	checkScored(t, "query batch 0", qb[0].GetResult(), bruteForce(pts, q2, 2, nil))
	checkScored(t, "query batch 1", qb[1].GetResult(), bruteForce(pts, q, 1, nil))

	// Recommend from one positive example: its vector, excluding itself.
	rr, err := pc.Recommend(bg, &qdrant.RecommendPoints{CollectionName: "c", Positive: []*qdrant.PointId{qdrant.NewIDNum(3)}, Limit: 4, Params: exact})
	must(t, "recommend", err)
	checkScored(t, "recommend", rr.GetResult(), bruteForce(pts, pts[2].vec, 4, func(p testPoint) bool { return p.id != 3 }))
	rb, err := pc.RecommendBatch(bg, &qdrant.RecommendBatchPoints{CollectionName: "c", RecommendPoints: []*qdrant.RecommendPoints{
		{CollectionName: "c", Positive: []*qdrant.PointId{qdrant.NewIDNum(5)}, Limit: 2, Params: exact},
	}})
	must(t, "recommend batch", err)
	checkScored(t, "recommend batch", rb.GetResult()[0].GetResult(), bruteForce(pts, pts[4].vec, 2, func(p testPoint) bool { return p.id != 5 }))

	// Universal recommend query with a negative example ranks the positive
	// example's nearest neighbours ahead of the negative's.
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Limit: qdrant.PtrOf(uint64(3)), Params: exact,
		Query: qdrant.NewQueryRecommend(&qdrant.RecommendInput{Positive: []*qdrant.VectorInput{qdrant.NewVectorInputID(qdrant.NewIDNum(3))}, Negative: []*qdrant.VectorInput{qdrant.NewVectorInput(pts[2].vec...)}})})
	must(t, "query recommend", err)
	if len(res) != 3 {
		t.Errorf("query recommend: %d results", len(res))
	}

	// Errors.
	_, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "nope", Query: qdrant.NewQuery(q...)})
	if codeOf(err) != codes.NotFound || !strings.Contains(messageOf(err), "doesn't exist") {
		t.Errorf("query unknown collection: %v", err)
	}
	_, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQuery(1, 2)})
	if codeOf(err) != codes.InvalidArgument {
		t.Errorf("query wrong dimension: %v", err)
	}
}

// TestFilters checks every condition kind against a predicate evaluated on
// the fixture.
func TestFilters(t *testing.T) {
	ts := startServer(t, "", "")
	pts := fixture(20)
	setupCollection(t, ts, pts)
	c := ts.client
	date := func(d int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC))
	}
	num := func(p testPoint) int { return p.payload["n"].(int) }
	tags := func(p testPoint) int { return len(p.payload["tags"].([]any)) }

	tests := []struct {
		name   string
		filter *qdrant.Filter
		keep   func(testPoint) bool
	}{
		{"match keyword", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("city", "Rome")}},
			func(p testPoint) bool { return p.payload["city"] == "Rome" }},
		{"match integer", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchInt("n", 7)}},
			func(p testPoint) bool { return num(p) == 7 }},
		{"match bool", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchBool("flag", true)}},
			func(p testPoint) bool { return p.payload["flag"] == true }},
		{"match keywords (any)", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeywords("city", "Rome", "Oslo")}},
			func(p testPoint) bool { return p.payload["city"] == "Rome" || p.payload["city"] == "Oslo" }},
		{"match integers (any)", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchInts("n", 2, 3, 99)}},
			func(p testPoint) bool { return num(p) == 2 || num(p) == 3 }},
		{"match except keywords", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchExcept("city", "Rome", "Oslo")}},
			func(p testPoint) bool { return p.payload["city"] != "Rome" && p.payload["city"] != "Oslo" }},
		{"match except integers", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchExceptInts("n", 1, 2)}},
			func(p testPoint) bool { return num(p) > 2 }},
		{"array element match", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("tags", "b")}},
			func(p testPoint) bool { return tags(p) >= 2 }},
		{"text substring", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchText("body", "quick")}},
			func(p testPoint) bool { return strings.Contains(p.payload["body"].(string), "quick") }},
		{"range", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewRange("price", &qdrant.Range{Gt: qdrant.PtrOf(6.0), Lte: qdrant.PtrOf(15.0)})}},
			func(p testPoint) bool { x := p.payload["price"].(float64); return x > 6 && x <= 15 }},
		{"datetime range", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewDatetimeRange("date", &qdrant.DatetimeRange{Gte: date(5), Lt: date(9)})}},
			func(p testPoint) bool { return num(p) >= 5 && num(p) < 9 }},
		{"values count", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewValuesCount("tags", &qdrant.ValuesCount{Gte: qdrant.PtrOf(uint64(2))})}},
			func(p testPoint) bool { return tags(p) >= 2 }},
		{"is empty", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewIsEmpty("tags")}},
			func(p testPoint) bool { return tags(p) == 0 }},
		{"is empty (missing key)", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewIsEmpty("maybe")}},
			func(p testPoint) bool { return p.id%5 != 1 }},
		{"is null", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewIsNull("maybe")}},
			func(p testPoint) bool { return p.id%5 == 0 }},
		{"has id", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasID(qdrant.NewIDNum(2), qdrant.NewIDNum(11), qdrant.NewIDNum(99))}},
			func(p testPoint) bool { return p.id == 2 || p.id == 11 }},
		{"has vector", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasVector("")}},
			func(p testPoint) bool { return true }},
		{"nested key a[].b", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("items[].b", "x4")}},
			func(p testPoint) bool { return p.id == 4 }},
		{"nested filter", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewNestedFilter("items", &qdrant.Filter{Must: []*qdrant.Condition{
			qdrant.NewMatchInt("a", 1), qdrant.NewMatch("b", "y")}})}},
			// No single element has a=1 and b="y".
			func(p testPoint) bool { return false }},
		{"nested filter one element", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewNestedFilter("items", &qdrant.Filter{Must: []*qdrant.Condition{
			qdrant.NewMatchInt("a", 1), qdrant.NewMatch("b", "x3")}})}},
			func(p testPoint) bool { return p.id == 3 }},
		{"should", &qdrant.Filter{Should: []*qdrant.Condition{qdrant.NewMatchInt("n", 1), qdrant.NewMatch("city", "Oslo")}},
			func(p testPoint) bool { return num(p) == 1 || p.payload["city"] == "Oslo" }},
		{"must not", &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatch("city", "Oslo"), qdrant.NewMatchBool("flag", true)}},
			func(p testPoint) bool { return p.payload["city"] != "Oslo" && p.payload["flag"] != true }},
		{"min should", &qdrant.Filter{MinShould: &qdrant.MinShould{MinCount: 2, Conditions: []*qdrant.Condition{
			qdrant.NewMatch("city", "Berlin"), qdrant.NewMatchBool("flag", true), qdrant.NewRange("n", &qdrant.Range{Lt: qdrant.PtrOf(10.0)})}}},
			func(p testPoint) bool {
				k := 0
				for _, b := range []bool{p.payload["city"] == "Berlin", p.payload["flag"] == true, num(p) < 10} {
					if b {
						k++
					}
				}
				return k >= 2
			}},
		{"filter as condition", &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewFilterAsCondition(&qdrant.Filter{Should: []*qdrant.Condition{
			qdrant.NewMatchInt("n", 3), qdrant.NewMatchInt("n", 4)}})}},
			func(p testPoint) bool { return num(p) != 3 && num(p) != 4 }},
		{"text any", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchTextAny("body", "fox cat")}},
			func(p testPoint) bool { return strings.Contains(p.payload["body"].(string), "fox") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []uint64
			for _, p := range pts {
				if tc.keep(p) {
					want = append(want, p.id)
				}
			}
			got, err := c.Scroll(bg, &qdrant.ScrollPoints{CollectionName: "c", Filter: tc.filter, Limit: qdrant.PtrOf(uint32(100))})
			must(t, "scroll", err)
			if g := ids(got); !slices.Equal(g, want) {
				t.Errorf("scroll ids = %v, want %v", g, want)
			}
			n, err := c.Count(bg, &qdrant.CountPoints{CollectionName: "c", Filter: tc.filter, Exact: qdrant.PtrOf(true)})
			must(t, "count", err)
			if n != uint64(len(want)) {
				t.Errorf("count = %d, want %d", n, len(want))
			}
		})
	}
}

func TestPointsCRUD(t *testing.T) {
	ts := startServer(t, "", "")
	pts := fixture(10)
	setupCollection(t, ts, pts)
	c := ts.client
	wait := qdrant.PtrOf(true)

	// Get with payload and vectors.
	got, err := c.Get(bg, &qdrant.GetPoints{CollectionName: "c", Ids: []*qdrant.PointId{qdrant.NewIDNum(3), qdrant.NewIDNum(999), qdrant.NewIDNum(1)},
		WithPayload: qdrant.NewWithPayload(true), WithVectors: qdrant.NewWithVectors(true)})
	must(t, "get", err)
	if !slices.Equal(ids(got), []uint64{3, 1}) {
		t.Fatalf("get ids = %v, want [3 1]", ids(got))
	}
	if v := got[0].GetVectors().GetVector().GetDense().GetData(); !slices.Equal(v, pts[2].vec) && !approxDirection(v, pts[2].vec) {
		t.Errorf("vector of 3 = %v, want %v (or its direction)", v, pts[2].vec)
	}
	if p := got[0].GetPayload(); p["n"].GetIntegerValue() != 3 || p["city"].GetStringValue() != "Rome" || len(p["tags"].GetListValue().GetValues()) != 2 || p["price"].GetDoubleValue() != 4.5 {
		t.Errorf("payload of 3 = %v", p)
	}
	// Payload selectors.
	got, err = c.Get(bg, &qdrant.GetPoints{CollectionName: "c", Ids: []*qdrant.PointId{qdrant.NewIDNum(2)}, WithPayload: qdrant.NewWithPayloadInclude("city", "n")})
	must(t, "get include", err)
	if p := got[0].GetPayload(); len(p) != 2 || p["city"] == nil || p["n"] == nil || got[0].GetVectors() != nil {
		t.Errorf("include selector payload = %v, vectors = %v", p, got[0].GetVectors())
	}
	got, err = c.Get(bg, &qdrant.GetPoints{CollectionName: "c", Ids: []*qdrant.PointId{qdrant.NewIDNum(2)}, WithPayload: qdrant.NewWithPayloadExclude("items")})
	must(t, "get exclude", err)
	if p := got[0].GetPayload(); p["items"] != nil || p["city"] == nil {
		t.Errorf("exclude selector payload = %v", p)
	}

	// Scroll pages through everything in id order.
	var all []uint64
	var offset *qdrant.PointId
	for page := 0; page < 10; page++ {
		resp, err := c.GetPointsClient().Scroll(bg, &qdrant.ScrollPoints{CollectionName: "c", Limit: qdrant.PtrOf(uint32(4)), Offset: offset})
		must(t, "scroll page", err)
		all = append(all, ids(resp.GetResult())...)
		offset = resp.GetNextPageOffset()
		if offset == nil {
			break
		}
	}
	if want := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(all, want) {
		t.Errorf("scrolled ids = %v, want %v", all, want)
	}

	// Payload updates.
	sel := func(ids ...uint64) *qdrant.PointsSelector {
		ps := make([]*qdrant.PointId, len(ids))
		for i, id := range ids {
			ps[i] = qdrant.NewIDNum(id)
		}
		return qdrant.NewPointsSelector(ps...)
	}
	payloadOf := func(id uint64) map[string]*qdrant.Value {
		t.Helper()
		got, err := c.Get(bg, &qdrant.GetPoints{CollectionName: "c", Ids: []*qdrant.PointId{qdrant.NewIDNum(id)}, WithPayload: qdrant.NewWithPayload(true)})
		must(t, "get", err)
		if len(got) != 1 {
			t.Fatalf("get %d: %d points", id, len(got))
		}
		return got[0].GetPayload()
	}
	_, err = c.SetPayload(bg, &qdrant.SetPayloadPoints{CollectionName: "c", Wait: wait, Payload: qdrant.NewValueMap(map[string]any{"extra": 1, "city": "Lima"}), PointsSelector: sel(1)})
	must(t, "set payload", err)
	if p := payloadOf(1); p["extra"].GetIntegerValue() != 1 || p["city"].GetStringValue() != "Lima" || p["n"].GetIntegerValue() != 1 {
		t.Errorf("after set payload: %v", p)
	}
	_, err = c.SetPayload(bg, &qdrant.SetPayloadPoints{CollectionName: "c", Wait: wait, Payload: qdrant.NewValueMap(map[string]any{"marked": true}),
		PointsSelector: qdrant.NewPointsSelectorFilter(&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("city", "Rome")}})})
	must(t, "set payload by filter", err)
	n, err := c.Count(bg, &qdrant.CountPoints{CollectionName: "c", Filter: &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchBool("marked", true)}}})
	must(t, "count marked", err)
	if n != 2 { // ids 3 and 7: city is cities[(id-1)%4]
		t.Errorf("marked = %d, want 2", n)
	}
	_, err = c.OverwritePayload(bg, &qdrant.SetPayloadPoints{CollectionName: "c", Wait: wait, Payload: qdrant.NewValueMap(map[string]any{"only": "x"}), PointsSelector: sel(2)})
	must(t, "overwrite payload", err)
	if p := payloadOf(2); len(p) != 1 || p["only"].GetStringValue() != "x" {
		t.Errorf("after overwrite payload: %v", p)
	}
	_, err = c.DeletePayload(bg, &qdrant.DeletePayloadPoints{CollectionName: "c", Wait: wait, Keys: []string{"city", "n"}, PointsSelector: sel(4)})
	must(t, "delete payload", err)
	if p := payloadOf(4); p["city"] != nil || p["n"] != nil || p["price"] == nil {
		t.Errorf("after delete payload: %v", p)
	}
	_, err = c.ClearPayload(bg, &qdrant.ClearPayloadPoints{CollectionName: "c", Wait: wait, Points: sel(5)})
	must(t, "clear payload", err)
	if p := payloadOf(5); len(p) != 0 {
		t.Errorf("after clear payload: %v", p)
	}

	// Vectors.
	nv := []float32{0, 0, 1, 0}
	_, err = c.UpdateVectors(bg, &qdrant.UpdatePointVectors{CollectionName: "c", Wait: wait, Points: []*qdrant.PointVectors{{Id: qdrant.NewIDNum(6), Vectors: qdrant.NewVectors(nv...)}}})
	must(t, "update vectors", err)
	res, err := c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQuery(nv...), Limit: qdrant.PtrOf(uint64(1))})
	must(t, "query updated", err)
	if len(res) != 1 || res[0].GetId().GetNum() != 6 || math.Abs(float64(res[0].GetScore())-1) > 1e-4 {
		t.Errorf("nearest to the updated vector: %v", res)
	}

	// UUID ids, in any spelling.
	u := "5C56C793-69F3-4FBF-87E6-C4BF54C28C26"
	_, err = c.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "c", Wait: wait, Points: []*qdrant.PointStruct{{Id: qdrant.NewIDUUID(u), Vectors: qdrant.NewVectors(1, 1, 1, 1)}}})
	must(t, "upsert uuid", err)
	got, err = c.Get(bg, &qdrant.GetPoints{CollectionName: "c", Ids: []*qdrant.PointId{qdrant.NewIDUUID(strings.ToLower(u))}})
	must(t, "get uuid", err)
	if len(got) != 1 || got[0].GetId().GetUuid() != strings.ToLower(u) {
		t.Errorf("get uuid = %v", got)
	}

	// Wrong vector size changes nothing.
	_, err = c.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "c", Wait: wait, Points: []*qdrant.PointStruct{{Id: qdrant.NewIDNum(100), Vectors: qdrant.NewVectors(1, 2)}}})
	if codeOf(err) != codes.InvalidArgument {
		t.Errorf("wrong vector size: %v", err)
	}

	// Delete by ids and by filter.
	_, err = c.Delete(bg, &qdrant.DeletePoints{CollectionName: "c", Wait: wait, Points: sel(9, 10)})
	must(t, "delete ids", err)
	_, err = c.Delete(bg, &qdrant.DeletePoints{CollectionName: "c", Wait: wait, Points: qdrant.NewPointsSelectorFilter(&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchInt("n", 8)}})})
	must(t, "delete filter", err)
	n, err = c.Count(bg, &qdrant.CountPoints{CollectionName: "c"})
	must(t, "count", err)
	if n != 8 { // 10 + 1 uuid - 3
		t.Errorf("count after deletes = %d, want 8", n)
	}
}

// approxDirection reports whether a and b point the same way (the engine
// may store cosine vectors normalised, as Qdrant does).
func approxDirection(a, b []float32) bool {
	return len(a) == len(b) && cosine(a, b) > 0.99999
}

func TestOrderByAndIndexes(t *testing.T) {
	ts := startServer(t, "", "")
	pts := fixture(15)
	setupCollection(t, ts, pts)
	c := ts.client
	_, err := c.CreateFieldIndex(bg, &qdrant.CreateFieldIndexCollection{CollectionName: "c", Wait: qdrant.PtrOf(true), FieldName: "n", FieldType: qdrant.FieldType_FieldTypeInteger.Enum()})
	must(t, "create integer index", err)
	_, err = c.CreateFieldIndex(bg, &qdrant.CreateFieldIndexCollection{CollectionName: "c", Wait: qdrant.PtrOf(true), FieldName: "body", FieldType: qdrant.FieldType_FieldTypeText.Enum(),
		FieldIndexParams: qdrant.NewPayloadIndexParamsText(&qdrant.TextIndexParams{Tokenizer: qdrant.TokenizerType_Word, Lowercase: qdrant.PtrOf(true)})})
	must(t, "create text index", err)
	info, err := c.GetCollectionInfo(bg, "c")
	must(t, "info", err)
	if s := info.GetPayloadSchema(); s["n"].GetDataType() != qdrant.PayloadSchemaType_Integer || s["body"].GetDataType() != qdrant.PayloadSchemaType_Text {
		t.Errorf("payload schema = %v", s)
	}

	got, err := c.Scroll(bg, &qdrant.ScrollPoints{CollectionName: "c", Limit: qdrant.PtrOf(uint32(4)),
		OrderBy: &qdrant.OrderBy{Key: "n", Direction: qdrant.Direction_Desc.Enum()}})
	must(t, "scroll order_by desc", err)
	if !slices.Equal(ids(got), []uint64{15, 14, 13, 12}) {
		t.Errorf("order_by desc = %v", ids(got))
	}
	if got[0].GetOrderValue() == nil {
		t.Error("order_value missing")
	}
	got, err = c.Scroll(bg, &qdrant.ScrollPoints{CollectionName: "c", Limit: qdrant.PtrOf(uint32(3)),
		OrderBy: &qdrant.OrderBy{Key: "n", StartFrom: qdrant.NewStartFromInt(5)}})
	must(t, "scroll order_by start_from", err)
	if !slices.Equal(ids(got), []uint64{5, 6, 7}) {
		t.Errorf("order_by start_from 5 = %v", ids(got))
	}
	res, err := c.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Limit: qdrant.PtrOf(uint64(2)), Query: qdrant.NewQueryOrderBy(&qdrant.OrderBy{Key: "n"})})
	must(t, "query order_by", err)
	if len(res) != 2 || res[0].GetId().GetNum() != 1 || res[1].GetId().GetNum() != 2 {
		t.Errorf("query order_by = %v", res)
	}

	// With the text index, every query token must occur.
	n, err := c.Count(bg, &qdrant.CountPoints{CollectionName: "c", Filter: &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchText("body", "Quick FOX")}}})
	must(t, "count text", err)
	if n != 7 { // even ids of 1..15
		t.Errorf("text match count = %d, want 7", n)
	}

	_, err = c.DeleteFieldIndex(bg, &qdrant.DeleteFieldIndexCollection{CollectionName: "c", Wait: qdrant.PtrOf(true), FieldName: "n"})
	must(t, "delete index", err)
	info, err = c.GetCollectionInfo(bg, "c")
	must(t, "info", err)
	if _, ok := info.GetPayloadSchema()["n"]; ok {
		t.Error("index on n still listed after delete")
	}
}

func TestNamedSparseAndFusion(t *testing.T) {
	ts := startServer(t, "", "")
	c := ts.client
	err := c.CreateCollection(bg, &qdrant.CreateCollection{
		CollectionName: "docs",
		VectorsConfig: qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{
			"text": {Size: 3, Distance: qdrant.Distance_Dot},
		}),
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{
			"bm25": {},
			"idf":  {Modifier: qdrant.Modifier_Idf.Enum()},
		}),
	})
	must(t, "create", err)

	type doc struct {
		id     uint64
		dense  []float32
		sidx   []uint32
		svals  []float32
		sparse bool
	}
	docs := []doc{
		{1, []float32{1, 0, 0}, []uint32{1, 5}, []float32{1, 2}, true},
		{2, []float32{0.9, 0.1, 0}, []uint32{5}, []float32{0.5}, true},
		{3, []float32{0, 1, 0}, []uint32{2}, []float32{3}, true},
		{4, []float32{0, 0, 1}, nil, nil, false},
		{5, []float32{0.5, 0.5, 0}, []uint32{1, 2, 5}, []float32{0.1, 0.1, 0.1}, true},
	}
	var ps []*qdrant.PointStruct
	for _, d := range docs {
		vecs := map[string]*qdrant.Vector{"text": qdrant.NewVectorDense(d.dense)}
		if d.sparse {
			vecs["bm25"] = qdrant.NewVectorSparse(d.sidx, d.svals)
			vecs["idf"] = qdrant.NewVectorSparse(d.sidx, d.svals)
		}
		ps = append(ps, &qdrant.PointStruct{Id: qdrant.NewIDNum(d.id), Vectors: qdrant.NewVectorsMap(vecs), Payload: qdrant.NewValueMap(map[string]any{"id": int(d.id)})})
	}
	_, err = c.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "docs", Wait: qdrant.PtrOf(true), Points: ps})
	must(t, "upsert", err)

	// Sparse search: score is the dot product over shared indices.
	qi, qv := []uint32{5, 2}, []float32{1, 0.5}
	sparseScore := func(d doc) float32 {
		var s float32
		for i, ix := range d.sidx {
			for j, qx := range qi {
				if ix == qx {
					s += d.svals[i] * qv[j]
				}
			}
		}
		return s
	}
	var want []scored
	for _, d := range docs {
		if s := sparseScore(d); s > 0 {
			want = append(want, scored{d.id, s})
		}
	}
	sort.SliceStable(want, func(i, j int) bool { return want[i].score > want[j].score })
	res, err := c.Query(bg, &qdrant.QueryPoints{CollectionName: "docs", Query: qdrant.NewQuerySparse(qi, qv), Using: qdrant.PtrOf("bm25"), Limit: qdrant.PtrOf(uint64(len(want)))})
	must(t, "sparse query", err)
	checkScored(t, "sparse query", res, want)

	// The legacy search form of a sparse query.
	sr, err := c.GetPointsClient().Search(bg, &qdrant.SearchPoints{CollectionName: "docs", Vector: qv, SparseIndices: &qdrant.SparseIndices{Data: qi}, VectorName: qdrant.PtrOf("bm25"), Limit: uint64(len(want))})
	must(t, "sparse search", err)
	checkScored(t, "sparse search", sr.GetResult(), want)

	// IDF-modified sparse vectors rank the rare index 2 above the common 5.
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "docs", Query: qdrant.NewQuerySparse([]uint32{2, 5}, []float32{1, 1}), Using: qdrant.PtrOf("idf"), Limit: qdrant.PtrOf(uint64(1))})
	must(t, "idf query", err)
	if len(res) != 1 || res[0].GetId().GetNum() != 3 {
		t.Errorf("idf query top = %v, want id 3", res)
	}

	// Named dense search with vectors returned by name.
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "docs", Query: qdrant.NewQuery(1, 0, 0), Using: qdrant.PtrOf("text"), Limit: qdrant.PtrOf(uint64(2)),
		WithVectors: qdrant.NewWithVectorsInclude("text")})
	must(t, "dense query", err)
	checkScored(t, "dense query", res, []scored{{1, 1}, {2, 0.9}})
	if v := res[0].GetVectors().GetVectors().GetVectors()["text"].GetDense().GetData(); !slices.Equal(v, []float32{1, 0, 0}) {
		t.Errorf("named vector output = %v", res[0].GetVectors())
	}

	// Hybrid: dense and sparse prefetches fused by RRF. Point 1 is first in
	// both lists, so it must come first; the result is the union.
	for _, fusion := range []qdrant.Fusion{qdrant.Fusion_RRF, qdrant.Fusion_DBSF} {
		res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "docs",
			Prefetch: []*qdrant.PrefetchQuery{
				{Query: qdrant.NewQuery(1, 0.1, 0), Using: qdrant.PtrOf("text"), Limit: qdrant.PtrOf(uint64(2))},
				{Query: qdrant.NewQuerySparse([]uint32{1, 5}, []float32{1, 1}), Using: qdrant.PtrOf("bm25"), Limit: qdrant.PtrOf(uint64(2))},
			},
			Query: qdrant.NewQueryFusion(fusion), Limit: qdrant.PtrOf(uint64(10))})
		must(t, "fusion query", err)
		got := make([]uint64, len(res))
		for i, r := range res {
			got[i] = r.GetId().GetNum()
			if i > 0 && r.GetScore() > res[i-1].GetScore() {
				t.Errorf("%v: scores not descending: %v", fusion, res)
			}
		}
		if len(got) == 0 || got[0] != 1 {
			t.Errorf("%v: top = %v, want 1 first", fusion, got)
		}
		slices.Sort(got)
		if !slices.Equal(got, []uint64{1, 2}) {
			t.Errorf("%v: fused ids = %v, want the union [1 2]", fusion, got)
		}
	}

	// MemexFS's query shape: dense and IDF-sparse prefetches, each under the
	// payload filter, fused by RRF. Only points passing the filter come
	// back.
	notOne := &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchInt("id", 1)}}
	res, err = c.Query(bg, &qdrant.QueryPoints{CollectionName: "docs",
		Prefetch: []*qdrant.PrefetchQuery{
			{Query: qdrant.NewQuery(1, 0.1, 0), Using: qdrant.PtrOf("text"), Filter: notOne, Limit: qdrant.PtrOf(uint64(3))},
			{Query: qdrant.NewQuerySparse([]uint32{1, 5}, []float32{1, 1}), Using: qdrant.PtrOf("idf"), Filter: notOne, Limit: qdrant.PtrOf(uint64(3))},
		},
		Query: qdrant.NewQueryFusion(qdrant.Fusion_RRF), Limit: qdrant.PtrOf(uint64(3)), WithPayload: qdrant.NewWithPayload(true)})
	must(t, "filtered hybrid query", err)
	if len(res) == 0 || res[0].GetId().GetNum() != 2 {
		t.Errorf("filtered hybrid query = %v, want 2 first (first in both lists without 1)", res)
	}
	for _, r := range res {
		if r.GetId().GetNum() == 1 || r.GetPayload()["id"].GetIntegerValue() != int64(r.GetId().GetNum()) {
			t.Errorf("filtered hybrid query returned %v", r)
		}
	}

	// Deleting a named vector: has_vector stops matching.
	_, err = c.DeleteVectors(bg, &qdrant.DeletePointVectors{CollectionName: "docs", Wait: qdrant.PtrOf(true), PointsSelector: qdrant.NewPointsSelector(qdrant.NewIDNum(1)), Vectors: &qdrant.VectorsSelector{Names: []string{"bm25"}}})
	must(t, "delete vectors", err)
	n, err := c.Count(bg, &qdrant.CountPoints{CollectionName: "docs", Filter: &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasVector("bm25")}}})
	must(t, "count has_vector", err)
	if n != 3 {
		t.Errorf("has_vector bm25 count = %d, want 3", n)
	}
}

func TestSnapshots(t *testing.T) {
	ts := startServer(t, "", "")
	setupCollection(t, ts, fixture(5))
	c := ts.client
	d, err := c.CreateSnapshot(bg, "c")
	must(t, "create snapshot", err)
	if d.GetName() == "" || d.GetSize() <= 0 || d.GetCreationTime() == nil {
		t.Errorf("snapshot description = %v", d)
	}
	list, err := c.ListSnapshots(bg, "c")
	must(t, "list snapshots", err)
	if len(list) != 1 || list[0].GetName() != d.GetName() {
		t.Errorf("snapshots = %v", list)
	}
	must(t, "delete snapshot", c.DeleteSnapshot(bg, "c", d.GetName()))
	list, err = c.ListSnapshots(bg, "c")
	must(t, "list snapshots", err)
	if len(list) != 0 {
		t.Errorf("snapshots after delete = %v", list)
	}
	_, err = c.CreateSnapshot(bg, "nope")
	if codeOf(err) != codes.NotFound {
		t.Errorf("snapshot of unknown collection: %v", err)
	}
}

func TestUpdateBatch(t *testing.T) {
	ts := startServer(t, "", "")
	setupCollection(t, ts, fixture(6))
	c := ts.client
	res, err := c.UpdateBatch(bg, &qdrant.UpdateBatchPoints{CollectionName: "c", Wait: qdrant.PtrOf(true), Operations: []*qdrant.PointsUpdateOperation{
		qdrant.NewPointsUpdateUpsert(&qdrant.PointsUpdateOperation_PointStructList{Points: []*qdrant.PointStruct{{Id: qdrant.NewIDNum(50), Vectors: qdrant.NewVectors(1, 0, 0, 0)}}}),
		qdrant.NewPointsUpdateSetPayload(&qdrant.PointsUpdateOperation_SetPayload{Payload: qdrant.NewValueMap(map[string]any{"tag": "new"}), PointsSelector: qdrant.NewPointsSelector(qdrant.NewIDNum(50))}),
		qdrant.NewPointsUpdateDeletePoints(&qdrant.PointsUpdateOperation_DeletePoints{Points: qdrant.NewPointsSelector(qdrant.NewIDNum(1), qdrant.NewIDNum(2))}),
		qdrant.NewPointsUpdateClearPayload(&qdrant.PointsUpdateOperation_ClearPayload{Points: qdrant.NewPointsSelector(qdrant.NewIDNum(3))}),
	}})
	must(t, "update batch", err)
	if len(res) != 4 {
		t.Fatalf("update batch: %d results, want 4", len(res))
	}
	got, err := c.Scroll(bg, &qdrant.ScrollPoints{CollectionName: "c", WithPayload: qdrant.NewWithPayloadInclude("tag", "city")})
	must(t, "scroll", err)
	if !slices.Equal(ids(got), []uint64{3, 4, 5, 6, 50}) {
		t.Errorf("ids after batch = %v", ids(got))
	}
	if len(got[0].GetPayload()) != 0 || got[4].GetPayload()["tag"].GetStringValue() != "new" {
		t.Errorf("payloads after batch: 3=%v 50=%v", got[0].GetPayload(), got[4].GetPayload())
	}

	// A malformed operation anywhere rejects the whole batch before any
	// operation runs.
	_, err = c.UpdateBatch(bg, &qdrant.UpdateBatchPoints{CollectionName: "c", Wait: qdrant.PtrOf(true), Operations: []*qdrant.PointsUpdateOperation{
		qdrant.NewPointsUpdateDeletePoints(&qdrant.PointsUpdateOperation_DeletePoints{Points: qdrant.NewPointsSelector(qdrant.NewIDNum(3))}),
		qdrant.NewPointsUpdateDeletePoints(&qdrant.PointsUpdateOperation_DeletePoints{Points: qdrant.NewPointsSelector(qdrant.NewIDUUID("bad"))}),
	}})
	if codeOf(err) != codes.InvalidArgument {
		t.Errorf("malformed batch: %v", err)
	}
	n, err := c.Count(bg, &qdrant.CountPoints{CollectionName: "c"})
	must(t, "count", err)
	if n != 5 {
		t.Errorf("count after rejected batch = %d, want 5", n)
	}
}

// TestConcurrentClients runs writers and readers through the server at the
// same time; with -race it checks the whole stack for data races. Every
// acknowledged write must be visible at the end.
func TestConcurrentClients(t *testing.T) {
	ts := startServer(t, "", "")
	setupCollection(t, ts, fixture(4))
	const workers, perWorker = 4, 25
	errs := make(chan error, 2*workers)
	for w := range workers {
		go func() {
			for i := range perWorker {
				id := uint64(1000 + w*perWorker + i)
				_, err := ts.client.Upsert(bg, &qdrant.UpsertPoints{CollectionName: "c", Wait: qdrant.PtrOf(true), Points: []*qdrant.PointStruct{
					{Id: qdrant.NewIDNum(id), Vectors: qdrant.NewVectors(float32(w), float32(i), 1, 0), Payload: qdrant.NewValueMap(map[string]any{"w": w})}}})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		go func() {
			for i := range perWorker {
				_, err := ts.client.Query(bg, &qdrant.QueryPoints{CollectionName: "c", Query: qdrant.NewQuery(1, float32(i), 0, 0),
					Filter: &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchInt("w", int64(w))}}})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 2 * workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	n, err := ts.client.Count(bg, &qdrant.CountPoints{CollectionName: "c"})
	must(t, "count", err)
	if n != 4+workers*perWorker {
		t.Errorf("count = %d, want %d", n, 4+workers*perWorker)
	}
}

// TestGroupsAndFacet checks grouped search against groups formed here from
// the brute-force ranking, and facet counts against the fixture.
func TestGroupsAndFacet(t *testing.T) {
	ts := startServer(t, "", "")
	pts := fixture(30)
	setupCollection(t, ts, pts)
	c, pc := ts.client, ts.client.GetPointsClient()
	q := []float32{0.5, 0.5, -0.5, 0.1}

	// Expected: walk the exact ranking, open groups by city until 2 are
	// open, fill each with up to 3 hits.
	type group struct {
		city string
		ids  []uint64
	}
	var want []group
	for _, s := range bruteForce(pts, q, len(pts), nil) {
		city := pts[s.id-1].payload["city"].(string)
		i := slices.IndexFunc(want, func(g group) bool { return g.city == city })
		if i < 0 {
			if len(want) == 2 {
				continue
			}
			want = append(want, group{city: city})
			i = len(want) - 1
		}
		if len(want[i].ids) < 3 {
			want[i].ids = append(want[i].ids, s.id)
		}
	}
	check := func(what string, got []*qdrant.PointGroup) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d groups, want %d", what, len(got), len(want))
		}
		for i, g := range got {
			var gotIDs []uint64
			for _, h := range g.GetHits() {
				gotIDs = append(gotIDs, h.GetId().GetNum())
			}
			if g.GetId().GetStringValue() != want[i].city || !slices.Equal(gotIDs, want[i].ids) {
				t.Errorf("%s: group %d = %v %v, want %s %v", what, i, g.GetId(), gotIDs, want[i].city, want[i].ids)
			}
		}
	}
	exact := &qdrant.SearchParams{Exact: qdrant.PtrOf(true)}
	qg, err := c.QueryGroups(bg, &qdrant.QueryPointGroups{CollectionName: "c", Query: qdrant.NewQuery(q...), GroupBy: "city",
		Limit: qdrant.PtrOf(uint64(2)), GroupSize: qdrant.PtrOf(uint64(3)), Params: exact, WithPayload: qdrant.NewWithPayloadInclude("n")})
	must(t, "query groups", err)
	check("query groups", qg)
	if p := qg[0].GetHits()[0].GetPayload(); len(p) != 1 || p["n"] == nil {
		t.Errorf("hit payload with include [n] = %v", p)
	}
	sg, err := pc.SearchGroups(bg, &qdrant.SearchPointGroups{CollectionName: "c", Vector: q, GroupBy: "city", Limit: 2, GroupSize: 3, Params: exact})
	must(t, "search groups", err)
	check("search groups", sg.GetResult().GetGroups())

	// Integer group ids, with the group's point looked up by id.
	rg, err := pc.SearchGroups(bg, &qdrant.SearchPointGroups{CollectionName: "c", Vector: q, GroupBy: "n", Limit: 1, GroupSize: 1, Params: exact,
		WithLookup: &qdrant.WithLookup{Collection: "c", WithPayload: qdrant.NewWithPayloadInclude("city")}})
	must(t, "search groups by n", err)
	top := bruteForce(pts, q, 1, nil)[0].id
	if g := rg.GetResult().GetGroups(); len(g) != 1 || g[0].GetId().GetUnsignedValue() != top || g[0].GetLookup().GetId().GetNum() != top {
		t.Errorf("group by n with lookup = %v, want id %d", g, top)
	}
	if _, err := pc.SearchGroups(bg, &qdrant.SearchPointGroups{CollectionName: "c", Vector: q, Limit: 2, GroupSize: 3}); codeOf(err) != codes.InvalidArgument {
		t.Errorf("search groups without group_by: %v", err)
	}

	// Facet counts of city among flagged points.
	filter := &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchBool("flag", true)}}
	fr, err := pc.Facet(bg, &qdrant.FacetCounts{CollectionName: "c", Key: "city", Filter: filter, Limit: qdrant.PtrOf(uint64(10))})
	must(t, "facet", err)
	counts := map[string]uint64{}
	for _, p := range pts {
		if p.payload["flag"] == true {
			counts[p.payload["city"].(string)]++
		}
	}
	if len(fr.GetHits()) != len(counts) {
		t.Fatalf("facet hits = %v, want %v", fr.GetHits(), counts)
	}
	for i, h := range fr.GetHits() {
		if counts[h.GetValue().GetStringValue()] != h.GetCount() {
			t.Errorf("facet %v: count %d, want %d", h.GetValue(), h.GetCount(), counts[h.GetValue().GetStringValue()])
		}
		if i > 0 && h.GetCount() > fr.GetHits()[i-1].GetCount() {
			t.Errorf("facet hits not by descending count: %v", fr.GetHits())
		}
	}
	// Array values count once per distinct element.
	fr, err = pc.Facet(bg, &qdrant.FacetCounts{CollectionName: "c", Key: "tags"})
	must(t, "facet tags", err)
	tagCounts := map[string]uint64{}
	for _, p := range pts {
		for _, tag := range p.payload["tags"].([]any) {
			tagCounts[tag.(string)]++
		}
	}
	for _, h := range fr.GetHits() {
		if tagCounts[h.GetValue().GetStringValue()] != h.GetCount() {
			t.Errorf("facet tags %v: count %d, want %d", h.GetValue(), h.GetCount(), tagCounts[h.GetValue().GetStringValue()])
		}
	}
}

// TestSearchMatrix samples every point (sample >= points) so the expected
// neighbours follow from the brute-force ranking.
func TestSearchMatrix(t *testing.T) {
	ts := startServer(t, "", "")
	pts := fixture(8)
	setupCollection(t, ts, pts)
	pc := ts.client.GetPointsClient()
	filter := &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchInt("n", 8)}}
	req := &qdrant.SearchMatrixPoints{CollectionName: "c", Filter: filter, Sample: qdrant.PtrOf(uint64(20)), Limit: qdrant.PtrOf(uint64(2))}
	keep := func(p testPoint) bool { return p.id != 8 }
	pairs, err := pc.SearchMatrixPairs(bg, req)
	must(t, "matrix pairs", err)
	got := map[uint64][]scored{}
	for _, p := range pairs.GetResult().GetPairs() {
		got[p.GetA().GetNum()] = append(got[p.GetA().GetNum()], scored{p.GetB().GetNum(), p.GetScore()})
	}
	for _, p := range pts {
		if !keep(p) {
			if got[p.id] != nil {
				t.Errorf("filtered point %d sampled", p.id)
			}
			continue
		}
		want := bruteForce(pts, p.vec, 2, func(o testPoint) bool { return keep(o) && o.id != p.id })
		if len(got[p.id]) != len(want) {
			t.Fatalf("row %d: %v, want %v", p.id, got[p.id], want)
		}
		for i := range want {
			if got[p.id][i].id != want[i].id || math.Abs(float64(got[p.id][i].score-want[i].score)) > 1e-4 {
				t.Errorf("row %d: %v, want %v", p.id, got[p.id], want)
			}
		}
	}
	offs, err := pc.SearchMatrixOffsets(bg, req)
	must(t, "matrix offsets", err)
	o := offs.GetResult()
	if len(o.GetIds()) != 7 || len(o.GetOffsetsRow()) != 14 || len(o.GetOffsetsCol()) != 14 || len(o.GetScores()) != 14 {
		t.Fatalf("offsets shape: %d ids, %d/%d/%d entries", len(o.GetIds()), len(o.GetOffsetsRow()), len(o.GetOffsetsCol()), len(o.GetScores()))
	}
	for i := range o.GetScores() {
		a, b := o.GetIds()[o.GetOffsetsRow()[i]].GetNum(), o.GetIds()[o.GetOffsetsCol()[i]].GetNum()
		if want := cosine(pts[a-1].vec, pts[b-1].vec); math.Abs(float64(o.GetScores()[i]-want)) > 1e-4 {
			t.Errorf("offsets entry %d: %d-%d score %v, want %v", i, a, b, o.GetScores()[i], want)
		}
	}
}
