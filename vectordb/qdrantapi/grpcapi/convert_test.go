package grpcapi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"nexusos/vectordb"
	"nexusos/vectordb/internal/qdrantpb"
)

func f64(v float64) *float64 { return &v }
func u64(v uint64) *uint64   { return &v }

// roundTripFilters are filters in the canonical form the client helpers
// build; proto → vectordb → proto must give them back unchanged.
func roundTripFilters() map[string]*qdrant.Filter {
	ts := timestamppb.New(time.Date(2024, 3, 1, 12, 30, 0, 500, time.UTC))
	return map[string]*qdrant.Filter{
		"empty":        {},
		"keyword":      {Must: []*qdrant.Condition{qdrant.NewMatch("city", "Berlin")}},
		"int and bool": {Must: []*qdrant.Condition{qdrant.NewMatchInt("n", -7), qdrant.NewMatchBool("ok", true)}},
		"any/except": {Should: []*qdrant.Condition{
			qdrant.NewMatchKeywords("tags", "a", "b"), qdrant.NewMatchInts("n", 1, 2, 3),
			qdrant.NewMatchExcept("city", "x"), qdrant.NewMatchExceptInts("n", 4),
		}},
		"text":         {Must: []*qdrant.Condition{qdrant.NewMatchText("body", "hello world")}},
		"range":        {MustNot: []*qdrant.Condition{qdrant.NewRange("price", &qdrant.Range{Gte: f64(1.5), Lt: f64(10)})}},
		"datetime":     {Must: []*qdrant.Condition{qdrant.NewDatetimeRange("date", &qdrant.DatetimeRange{Gt: ts, Lte: timestamppb.New(time.Unix(1e9, 0))})}},
		"values_count": {Must: []*qdrant.Condition{qdrant.NewValuesCount("tags", &qdrant.ValuesCount{Gte: u64(2), Lt: u64(5)})}},
		"empty/null/has": {Must: []*qdrant.Condition{
			qdrant.NewIsEmpty("tags"), qdrant.NewIsNull("gone"),
			qdrant.NewHasID(qdrant.NewIDNum(3), qdrant.NewIDUUID("5c56c793-69f3-4fbf-87e6-c4bf54c28c26")),
			qdrant.NewHasVector("image"),
		}},
		"nested and filter": {Must: []*qdrant.Condition{
			qdrant.NewNestedFilter("items", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchInt("a", 1)}}),
			qdrant.NewFilterAsCondition(&qdrant.Filter{Should: []*qdrant.Condition{qdrant.NewMatch("x", "y")}}),
		}},
		"min_should": {MinShould: &qdrant.MinShould{MinCount: 2, Conditions: []*qdrant.Condition{
			qdrant.NewMatch("a", "1"), qdrant.NewMatch("b", "2"), qdrant.NewMatch("c", "3"),
		}}},
	}
}

func TestFilterRoundTrip(t *testing.T) {
	for name, pf := range roundTripFilters() {
		t.Run(name, func(t *testing.T) {
			vf, err := filterFromProto(pf)
			if err != nil {
				t.Fatalf("filterFromProto: %v", err)
			}
			back := qdrantpb.FilterToProto(vf)
			if !proto.Equal(pf, back) {
				t.Fatalf("round trip changed the filter:\n in: %v\nout: %v", pf, back)
			}
		})
	}
}

func TestFilterFromProtoShapes(t *testing.T) {
	vf, err := filterFromProto(&qdrant.Filter{Must: []*qdrant.Condition{
		qdrant.NewMatchInt("n", 5),
		qdrant.NewHasID(qdrant.NewIDUUID("5C56C793-69F3-4FBF-87E6-C4BF54C28C26")),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := vf.Must[0].Field.Match.Value; got != int64(5) {
		t.Errorf("integer match value = %#v, want int64(5)", got)
	}
	if got := vf.Must[1].HasID[0].UUID; got != "5c56c793-69f3-4fbf-87e6-c4bf54c28c26" {
		t.Errorf("uuid not canonical: %q", got)
	}

	// A field condition with two tests becomes a filter of both.
	two := &qdrant.Condition{ConditionOneOf: &qdrant.Condition_Field{Field: &qdrant.FieldCondition{
		Key: "n", Range: &qdrant.Range{Gt: f64(1)}, ValuesCount: &qdrant.ValuesCount{Lte: u64(1)},
	}}}
	vf, err = filterFromProto(&qdrant.Filter{Must: []*qdrant.Condition{two}})
	if err != nil {
		t.Fatal(err)
	}
	if inner := vf.Must[0].Filter; inner == nil || len(inner.Must) != 2 || inner.Must[0].Field.Range == nil || inner.Must[1].Field.ValuesCount == nil {
		t.Errorf("two tests: got %+v", vf.Must[0])
	}

	// Field-level is_empty=false is "not empty".
	notEmpty := false
	vf, err = filterFromProto(&qdrant.Filter{Must: []*qdrant.Condition{{ConditionOneOf: &qdrant.Condition_Field{Field: &qdrant.FieldCondition{Key: "tags", IsEmpty: &notEmpty}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if inner := vf.Must[0].Filter; inner == nil || len(inner.MustNot) != 1 || *inner.MustNot[0].IsEmpty != "tags" {
		t.Errorf("is_empty=false: got %+v", vf.Must[0])
	}

	// text_any becomes a should of one text match per token.
	vf, err = filterFromProto(&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchTextAny("body", "red  fox")}})
	if err != nil {
		t.Fatal(err)
	}
	if inner := vf.Must[0].Filter; inner == nil || len(inner.Should) != 2 || *inner.Should[1].Field.Match.Text != "fox" {
		t.Errorf("text_any: got %+v", vf.Must[0])
	}
}

func TestFilterFromProtoErrors(t *testing.T) {
	deep := &qdrant.Filter{}
	for range maxFilterDepth + 2 {
		deep = &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewFilterAsCondition(deep)}}
	}
	many := &qdrant.Filter{}
	for range maxFilterConditions + 1 {
		many.Should = append(many.Should, qdrant.NewMatch("k", "v"))
	}
	manyIDs := make([]*qdrant.PointId, maxMatchValues)
	for i := range manyIDs {
		manyIDs[i] = qdrant.NewIDNum(uint64(i))
	}
	tooManyValues := &qdrant.Filter{}
	for range maxFilterValues/maxMatchValues + 1 {
		tooManyValues.Should = append(tooManyValues.Should, qdrant.NewHasID(manyIDs...))
	}
	tests := []struct {
		name string
		f    *qdrant.Filter
		code codes.Code
		msg  string
	}{
		{"too many values in one", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasID(append(manyIDs, qdrant.NewIDNum(0))...)}}, codes.InvalidArgument, "more than 10000 values"},
		{"too many values in all", tooManyValues, codes.InvalidArgument, "values in all"},
		{"empty condition", &qdrant.Filter{Must: []*qdrant.Condition{{}}}, codes.InvalidArgument, "condition is empty"},
		{"empty key", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("", "v")}}, codes.InvalidArgument, "must not be empty"},
		{"no test", &qdrant.Filter{Must: []*qdrant.Condition{{ConditionOneOf: &qdrant.Condition_Field{Field: &qdrant.FieldCondition{Key: "k"}}}}}, codes.InvalidArgument, "has no test"},
		{"bad uuid", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasID(qdrant.NewIDUUID("not-a-uuid"))}}, codes.InvalidArgument, "Unable to parse UUID"},
		{"geo", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewGeoRadius("loc", 1, 2, 3)}}, codes.Unimplemented, "geo"},
		{"phrase", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchPhrase("body", "a b")}}, codes.Unimplemented, "phrase"},
		{"bad timestamp", &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewDatetimeRange("d", &qdrant.DatetimeRange{Gt: &timestamppb.Timestamp{Seconds: 1 << 60}})}}, codes.InvalidArgument, "datetime"},
		{"too deep", deep, codes.InvalidArgument, "deeper"},
		{"too many", many, codes.InvalidArgument, "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := filterFromProto(tc.f)
			st, ok := status.FromError(err)
			if !ok || st.Code() != tc.code || !strings.Contains(st.Message(), tc.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestPointRoundTrip(t *testing.T) {
	points := []*qdrant.PointStruct{
		{
			Id:      qdrant.NewIDNum(42),
			Vectors: qdrant.NewVectors(0.1, 0.2, 0.3),
			Payload: qdrant.NewValueMap(map[string]any{
				"s": "x", "i": 7, "neg": -3, "d": 2.5, "b": true, "null": nil,
				"list": []any{"a", 1, false}, "obj": map[string]any{"k": []any{map[string]any{"z": 1.25}}},
			}),
		},
		{
			Id: qdrant.NewIDUUID("5c56c793-69f3-4fbf-87e6-c4bf54c28c26"),
			Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{
				"dense":  qdrant.NewVectorDense([]float32{1, 2}),
				"sparse": qdrant.NewVectorSparse([]uint32{3, 9}, []float32{0.5, 0.25}),
			}),
			Payload: map[string]*qdrant.Value{},
		},
	}
	for _, p := range points {
		vp, err := pointFromProto(p)
		if err != nil {
			t.Fatalf("pointFromProto(%v): %v", p.Id, err)
		}
		if back := qdrantpb.PointToProto(vp); !proto.Equal(p, back) {
			t.Errorf("round trip changed the point:\n in: %v\nout: %v", p, back)
		}
	}
}

func TestVectorForms(t *testing.T) {
	// Deprecated data/indices fields (older clients) and the oneof give the
	// same vectors.
	old := &qdrant.Vector{Data: []float32{0.5, 1}, Indices: &qdrant.SparseIndices{Data: []uint32{4, 2}}}
	got, err := vectorFromProto(old)
	if err != nil {
		t.Fatal(err)
	}
	want := vectordb.Vector{Sparse: &vectordb.SparseVector{Indices: []uint32{4, 2}, Values: []float32{0.5, 1}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deprecated sparse: got %+v, want %+v", got, want)
	}
	got, err = vectorFromProto(&qdrant.Vector{Data: []float32{1, 2, 3}})
	if err != nil || !reflect.DeepEqual(got.Dense, []float32{1, 2, 3}) {
		t.Errorf("deprecated dense: got %+v, %v", got, err)
	}
	if _, err := vectorFromProto(qdrant.NewVectorSparse([]uint32{1, 2}, []float32{1})); status.Code(err) != codes.InvalidArgument {
		t.Errorf("mismatched sparse lengths: got %v", err)
	}
	if got, err := vectorFromProto(qdrant.NewVectorMulti([][]float32{{1}, {2}})); err != nil || !reflect.DeepEqual(got.Multi, [][]float32{{1}, {2}}) {
		t.Errorf("multi-vector: got %+v, %v", got, err)
	}
	if out := vectorToProto(vectordb.Vector{Multi: [][]float32{{1, 2}}}); len(out.GetMultiDense().GetVectors()) != 1 {
		t.Errorf("multi-vector output: %v", out)
	}
	if _, err := vectorFromProto(qdrant.NewVectorDocument(&qdrant.Document{Text: "x"})); status.Code(err) != codes.Unimplemented {
		t.Errorf("document: got %v", err)
	}
}

func TestPayloadNumbers(t *testing.T) {
	// Integers survive; the engine keeps JSON numbers, so a double with an
	// integral value comes back as an integer (documented difference).
	in := map[string]*qdrant.Value{"i": qdrant.NewValueInt(1 << 40), "d": qdrant.NewValueDouble(3)}
	p, err := payloadFromProto(in)
	if err != nil {
		t.Fatal(err)
	}
	out := qdrantpb.PayloadToProto(p)
	if out["i"].GetIntegerValue() != 1<<40 {
		t.Errorf("integer: got %v", out["i"])
	}
	if _, ok := out["d"].GetKind().(*qdrant.Value_IntegerValue); !ok {
		t.Errorf("integral double: got %v", out["d"])
	}
	deep := qdrant.NewValueNull()
	for range qdrantpb.MaxPayloadDepth + 2 {
		deep = qdrant.NewValueFromList(deep)
	}
	if _, err := payloadFromProto(map[string]*qdrant.Value{"x": deep}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("deep payload: got %v", err)
	}
}

func TestQueryFromProto(t *testing.T) {
	limit := uint64(5)
	using := "dense"
	q := &qdrant.QueryPoints{
		CollectionName: "c",
		Prefetch: []*qdrant.PrefetchQuery{
			{Query: qdrant.NewQueryDense([]float32{1, 0}), Using: &using, Limit: &limit},
			{Query: qdrant.NewQuerySparse([]uint32{1}, []float32{1}), Using: qdrant.PtrOf("sparse"), Filter: &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("k", "v")}}},
		},
		Query:       qdrant.NewQueryFusion(qdrant.Fusion_RRF),
		WithPayload: qdrant.NewWithPayloadInclude("a"),
		WithVectors: qdrant.NewWithVectors(true),
	}
	got, err := queryFromProto(q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Query.Fusion != vectordb.FusionRRF || len(got.Prefetch) != 2 || got.Limit != defaultLimit {
		t.Errorf("query: %+v", got)
	}
	if p := got.Prefetch[0]; p.Using != "dense" || p.Limit != 5 || len(p.Query.Nearest.Dense) != 2 {
		t.Errorf("prefetch 0: %+v", p)
	}
	if p := got.Prefetch[1]; p.Using != "sparse" || p.Limit != defaultLimit || p.Query.Nearest.Sparse == nil || p.Filter == nil {
		t.Errorf("prefetch 1: %+v", p)
	}
	if !reflect.DeepEqual(got.WithPayload, vectordb.PayloadSelector{Include: []string{"a"}}) || !got.WithVector.All {
		t.Errorf("selectors: %+v %+v", got.WithPayload, got.WithVector)
	}

	for name, bad := range map[string]*qdrant.QueryPoints{
		"discover": {Query: qdrant.NewQueryDiscover(&qdrant.DiscoverInput{})},
		"formula":  {Query: qdrant.NewQueryFormula(&qdrant.Formula{})},
		"sample":   {Query: qdrant.NewQuerySample(qdrant.Sample_Random)},
		"mmr":      {Query: qdrant.NewQueryMMR(qdrant.NewVectorInput(1), &qdrant.Mmr{})},
	} {
		if _, err := queryFromProto(bad); status.Code(err) != codes.Unimplemented {
			t.Errorf("%s: got %v, want Unimplemented", name, err)
		}
	}
	huge := uint64(maxLimit + 1)
	if _, err := queryFromProto(&qdrant.QueryPoints{Limit: &huge}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("huge limit: got %v", err)
	}
	deep := []*qdrant.PrefetchQuery{{}}
	for range maxPrefetchDepth + 1 {
		deep = []*qdrant.PrefetchQuery{{Prefetch: deep}}
	}
	if _, err := queryFromProto(&qdrant.QueryPoints{Prefetch: deep}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("deep prefetch: got %v", err)
	}
}

func TestStatusError(t *testing.T) {
	tests := []struct {
		err  error
		code codes.Code
	}{
		{vectordb.BadInput("x"), codes.InvalidArgument},
		{vectordb.NotFound("Collection `c` doesn't exist!"), codes.NotFound},
		{&vectordb.Error{Kind: vectordb.KindConflict, Msg: "c"}, codes.AlreadyExists},
		{&vectordb.Error{Kind: vectordb.KindTooLarge, Msg: "t"}, codes.ResourceExhausted},
		{&vectordb.Error{Kind: vectordb.KindUnavailable, Msg: "u"}, codes.Unavailable},
		{&vectordb.Error{Kind: vectordb.KindForbidden, Msg: "f"}, codes.PermissionDenied},
		{errors.New("disk on fire"), codes.Internal},
	}
	for _, tc := range tests {
		st, _ := status.FromError(statusError(tc.err))
		if st.Code() != tc.code || st.Message() != tc.err.Error() {
			t.Errorf("statusError(%v) = %v %q, want %v with the same text", tc.err, st.Code(), st.Message(), tc.code)
		}
	}
}
