package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"nexusos/vectordb"
)

// Search endpoints: the universal query (v1.19.0) and the legacy search and
// recommend endpoints (v1.18.3), all translated into vectordb.QueryRequest.

// maxPrefetchDepth bounds nested prefetches.
const maxPrefetchDepth = 8

// maxBatch bounds the number of searches in one batch request.
const maxBatch = 1024

// parseVectorInput decodes VectorInput: a dense vector, a sparse vector or
// a point id.
func parseVectorInput(raw json.RawMessage) (vectordb.VectorInput, error) {
	switch jsonKind(raw) {
	case '[':
		if isMultiDense(raw) {
			m, err := parseMulti(raw)
			return vectordb.VectorInput{Multi: m}, err
		}
		d, err := parseDense(raw)
		return vectordb.VectorInput{Dense: d}, err
	case '{':
		var probe map[string]json.RawMessage
		_ = json.Unmarshal(raw, &probe)
		if _, ok := probe["indices"]; ok {
			s, err := parseSparse(raw)
			return vectordb.VectorInput{Sparse: s}, err
		}
		return vectordb.VectorInput{}, errInference
	case '"', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-':
		id, err := parsePointID(raw)
		if err != nil {
			return vectordb.VectorInput{}, err
		}
		return vectordb.VectorInput{ID: &id}, nil
	}
	return vectordb.VectorInput{}, fmt.Errorf("expected a vector, a sparse vector or a point id")
}

func parseVectorInputs(raws []json.RawMessage, field string) ([]vectordb.VectorInput, error) {
	out := make([]vectordb.VectorInput, 0, len(raws))
	for i, r := range raws {
		v, err := parseVectorInput(r)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", field, i, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseStrategy(s *string) (vectordb.RecommendStrategy, error) {
	if s == nil {
		return vectordb.RecommendAverageVector, nil
	}
	switch st := vectordb.RecommendStrategy(*s); st {
	case vectordb.RecommendAverageVector, vectordb.RecommendBestScore, vectordb.RecommendSumScores:
		return st, nil
	}
	return "", fmt.Errorf("unknown recommend strategy %q, expected average_vector, best_score or sum_scores", *s)
}

// parseQueryInterface decodes QueryInterface: a VectorInput (meaning
// nearest) or one of the Query objects.
func parseQueryInterface(raw json.RawMessage) (*vectordb.Query, error) {
	switch jsonKind(raw) {
	case 0, 'n':
		return nil, nil
	case '{':
	default:
		v, err := parseVectorInput(raw)
		if err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
		return &vectordb.Query{Nearest: &v}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	if _, ok := obj["indices"]; ok {
		v, err := parseVectorInput(raw)
		if err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
		return &vectordb.Query{Nearest: &v}, nil
	}
	switch {
	case obj["nearest"] != nil:
		v, err := parseVectorInput(obj["nearest"])
		if err != nil {
			return nil, fmt.Errorf("query.nearest: %w", err)
		}
		q := &vectordb.Query{Nearest: &v}
		if !isNull(obj["mmr"]) {
			var mw struct {
				Diversity       *float32 `json:"diversity"`
				CandidatesLimit *int     `json:"candidates_limit"`
			}
			if err := json.Unmarshal(obj["mmr"], &mw); err != nil {
				return nil, fmt.Errorf("query.mmr: %w", err)
			}
			q.MMR = &vectordb.MMR{Diversity: 0.5}
			if mw.Diversity != nil {
				if *mw.Diversity < 0 || *mw.Diversity > 1 {
					return nil, invalid("query.mmr.diversity", "value %g invalid, must be from 0 to 1", *mw.Diversity)
				}
				q.MMR.Diversity = *mw.Diversity
			}
			if mw.CandidatesLimit != nil {
				if *mw.CandidatesLimit < 1 || *mw.CandidatesLimit > 16384 {
					return nil, invalid("query.mmr.candidates_limit", "value %d invalid, must be from 1 to 16384", *mw.CandidatesLimit)
				}
				q.MMR.CandidatesLimit = *mw.CandidatesLimit
			}
		}
		return q, nil
	case obj["recommend"] != nil:
		var w struct {
			Positive []json.RawMessage `json:"positive"`
			Negative []json.RawMessage `json:"negative"`
			Strategy *string           `json:"strategy"`
		}
		if err := json.Unmarshal(obj["recommend"], &w); err != nil {
			return nil, fmt.Errorf("query.recommend: %w", err)
		}
		rec, err := recommendInput(w.Positive, w.Negative, w.Strategy)
		if err != nil {
			return nil, fmt.Errorf("query.recommend.%w", err)
		}
		return &vectordb.Query{Recommend: rec}, nil
	case obj["fusion"] != nil:
		var f string
		if err := json.Unmarshal(obj["fusion"], &f); err != nil {
			return nil, fmt.Errorf("query.fusion: expected rrf or dbsf")
		}
		switch fu := vectordb.Fusion(f); fu {
		case vectordb.FusionRRF, vectordb.FusionDBSF:
			return &vectordb.Query{Fusion: fu}, nil
		}
		return nil, fmt.Errorf("query.fusion: unknown fusion %q, expected rrf or dbsf", f)
	case obj["rrf"] != nil:
		var w struct {
			K       *int      `json:"k"`
			Weights []float32 `json:"weights"`
		}
		if err := json.Unmarshal(obj["rrf"], &w); err != nil {
			return nil, fmt.Errorf("query.rrf: %w", err)
		}
		q := &vectordb.Query{Fusion: vectordb.FusionRRF}
		if w.K != nil {
			if *w.K < 1 || *w.K > 1<<20 {
				return nil, invalid("query.rrf.k", "value %d invalid, must be from 1 to %d", *w.K, 1<<20)
			}
			q.RRFK = *w.K
		}
		if w.Weights != nil {
			if len(w.Weights) > maxBatch {
				return nil, invalid("query.rrf.weights", "at most %d weights are allowed", maxBatch)
			}
			for _, x := range w.Weights {
				if x < 0 || x != x {
					return nil, invalid("query.rrf.weights", "weights must be non-negative")
				}
			}
			q.RRFWeight = w.Weights
		}
		return q, nil
	case obj["discover"] != nil:
		var w struct {
			Target  json.RawMessage `json:"target"`
			Context json.RawMessage `json:"context"`
		}
		if err := json.Unmarshal(obj["discover"], &w); err != nil {
			return nil, fmt.Errorf("query.discover: %w", err)
		}
		if isNull(w.Target) {
			return nil, fmt.Errorf("query.discover: missing field `target`")
		}
		t, err := parseVectorInput(w.Target)
		if err != nil {
			return nil, fmt.Errorf("query.discover.target: %w", err)
		}
		pairs, err := parseContextPairs(w.Context)
		if err != nil {
			return nil, fmt.Errorf("query.discover.context%w", err)
		}
		return &vectordb.Query{Discover: &vectordb.DiscoverInput{Target: t, Context: pairs}}, nil
	case obj["context"] != nil:
		pairs, err := parseContextPairs(obj["context"])
		if err != nil {
			return nil, fmt.Errorf("query.context%w", err)
		}
		if len(pairs) == 0 {
			return nil, invalid("query.context", "at least one context pair is required")
		}
		return &vectordb.Query{Context: pairs}, nil
	case obj["order_by"] != nil:
		ob, err := parseOrderBy(obj["order_by"])
		if err != nil {
			return nil, fmt.Errorf("query.%w", err)
		}
		if ob == nil {
			return nil, fmt.Errorf("query.order_by: expected a key or an object")
		}
		return &vectordb.Query{OrderBy: ob}, nil
	}
	if raw, ok := obj["sample"]; ok {
		var smp string
		if err := json.Unmarshal(raw, &smp); err != nil || smp != "random" {
			return nil, fmt.Errorf("query.sample: expected \"random\"")
		}
		return &vectordb.Query{Sample: smp}, nil
	}
	if _, ok := obj["formula"]; ok {
		return parseFormulaQuery(obj)
	}
	if raw, ok := obj["relevance_feedback"]; ok {
		return parseFeedback(raw)
	}
	return nil, fmt.Errorf("query: %w", errInference)
}

// parseContextPairs decodes ContextInput: one {positive, negative} pair,
// an array of them, or null (no pairs).
func parseContextPairs(raw json.RawMessage) ([]vectordb.ContextPair, error) {
	var items []json.RawMessage
	switch jsonKind(raw) {
	case 0, 'n':
		return []vectordb.ContextPair{}, nil
	case '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf(": %w", err)
		}
	default:
		items = []json.RawMessage{raw}
	}
	out := make([]vectordb.ContextPair, 0, len(items))
	for i, it := range items {
		var w struct {
			Positive json.RawMessage `json:"positive"`
			Negative json.RawMessage `json:"negative"`
		}
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("[%d]: expected {positive, negative}", i)
		}
		if isNull(w.Positive) || isNull(w.Negative) {
			return nil, fmt.Errorf("[%d]: `positive` and `negative` are required", i)
		}
		pos, err := parseVectorInput(w.Positive)
		if err != nil {
			return nil, fmt.Errorf("[%d].positive: %w", i, err)
		}
		neg, err := parseVectorInput(w.Negative)
		if err != nil {
			return nil, fmt.Errorf("[%d].negative: %w", i, err)
		}
		out = append(out, vectordb.ContextPair{Positive: pos, Negative: neg})
	}
	return out, nil
}

func recommendInput(pos, neg []json.RawMessage, strategy *string) (*vectordb.RecommendInput, error) {
	p, err := parseVectorInputs(pos, "positive")
	if err != nil {
		return nil, err
	}
	n, err := parseVectorInputs(neg, "negative")
	if err != nil {
		return nil, err
	}
	st, err := parseStrategy(strategy)
	if err != nil {
		return nil, fmt.Errorf("strategy: %w", err)
	}
	if len(p) == 0 && len(n) == 0 {
		return nil, invalid("query.recommend", "At least one positive or negative example must be provided")
	}
	if len(p) == 0 && st == vectordb.RecommendAverageVector {
		return nil, fmt.Errorf("positive: at least one positive example is required")
	}
	return &vectordb.RecommendInput{Positive: p, Negative: n, Strategy: st}, nil
}

// prefetchWire is the part of Prefetch shared with QueryRequest.
type prefetchWire struct {
	Prefetch       json.RawMessage `json:"prefetch"`
	Query          json.RawMessage `json:"query"`
	Using          *string         `json:"using"`
	Filter         json.RawMessage `json:"filter"`
	Params         json.RawMessage `json:"params"`
	ScoreThreshold *float32        `json:"score_threshold"`
	Limit          *clampInt       `json:"limit"`
	LookupFrom     json.RawMessage `json:"lookup_from"`
}

// parsePrefetches decodes a Prefetch or an array of them.
func parsePrefetches(raw json.RawMessage, depth int) ([]vectordb.Prefetch, error) {
	if isNull(raw) {
		return nil, nil
	}
	if depth >= maxPrefetchDepth {
		return nil, fmt.Errorf("prefetch nested deeper than %d levels", maxPrefetchDepth)
	}
	var items []json.RawMessage
	if jsonKind(raw) == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("prefetch: %w", err)
		}
	} else {
		items = []json.RawMessage{raw}
	}
	out := make([]vectordb.Prefetch, 0, len(items))
	for i, it := range items {
		var w prefetchWire
		if err := json.Unmarshal(it, &w); err != nil {
			return nil, fmt.Errorf("prefetch[%d]: %w", i, err)
		}
		p, err := w.prefetch(depth)
		if err != nil {
			return nil, fmt.Errorf("prefetch[%d].%w", i, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (w prefetchWire) prefetch(depth int) (vectordb.Prefetch, error) {
	var p vectordb.Prefetch
	var err error
	if !isNull(w.LookupFrom) {
		var lw struct {
			Collection *string `json:"collection"`
			Vector     *string `json:"vector"`
		}
		if err := json.Unmarshal(w.LookupFrom, &lw); err != nil || lw.Collection == nil {
			return p, fmt.Errorf("lookup_from: expected {collection, vector}")
		}
		p.LookupFrom = &vectordb.LookupFrom{Collection: *lw.Collection}
		if lw.Vector != nil {
			p.LookupFrom.Vector = *lw.Vector
		}
	}
	if p.Prefetch, err = parsePrefetches(w.Prefetch, depth+1); err != nil {
		return p, err
	}
	if p.Query, err = parseQueryInterface(w.Query); err != nil {
		return p, err
	}
	if w.Using != nil {
		p.Using = *w.Using
	}
	if p.Filter, err = parseFilter(w.Filter); err != nil {
		return p, err
	}
	if p.Params, err = parseSearchParams(w.Params); err != nil {
		return p, err
	}
	p.ScoreThreshold = w.ScoreThreshold
	if p.Limit, err = parseLimit(w.Limit.ptr(), 10, "limit"); err != nil {
		return p, err
	}
	if p.Limit == 0 {
		return p, invalid("internal.limit", "value 0 invalid, must be 1 or larger")
	}
	if len(p.Prefetch) > 0 && p.Query == nil {
		return p, &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Bad request: A query is needed to merge the prefetches. Can't have prefetches without defining a query."}
	}
	if p.Query == nil && p.ScoreThreshold != nil {
		return p, &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Bad request: A query is needed to use the score_threshold. Can't have score_threshold without defining a query."}
	}
	if p.Query != nil && p.Query.OrderBy != nil && p.ScoreThreshold != nil {
		return p, &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Bad request: Can't use score_threshold with an order_by query."}
	}
	return p, nil
}

// hasLookup reports whether a prefetch (at any depth) reads its by-id
// inputs from another collection.
func hasLookup(pfs []vectordb.Prefetch) bool {
	for _, p := range pfs {
		if p.LookupFrom != nil || hasLookup(p.Prefetch) {
			return true
		}
	}
	return false
}

// clampInt is an unsigned JSON integer; values above maxLimit (Qdrant
// accepts up to u64::MAX) are read as maxLimit.
type clampInt int

func (c *clampInt) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		var i int
		if err := json.Unmarshal(b, &i); err != nil {
			return fmt.Errorf("expected an unsigned integer, got %.40s", b)
		}
		return fmt.Errorf("expected an unsigned integer, got %d", i)
	}
	*c = clampInt(min(n, maxLimit))
	return nil
}

func (c *clampInt) ptr() *int {
	if c == nil {
		return nil
	}
	v := int(*c)
	return &v
}

type queryWire struct {
	prefetchWire
	Offset      *clampInt       `json:"offset"`
	WithPayload json.RawMessage `json:"with_payload"`
	WithVector  json.RawMessage `json:"with_vector"`
	WithVectors json.RawMessage `json:"with_vectors"` // alias Qdrant accepts
}

func (w queryWire) request() (vectordb.QueryRequest, error) {
	p, err := w.prefetch(0)
	if err != nil {
		return vectordb.QueryRequest{}, err
	}
	req := vectordb.QueryRequest{
		Prefetch: p.Prefetch, Query: p.Query, Using: p.Using, Filter: p.Filter,
		Params: p.Params, ScoreThreshold: p.ScoreThreshold, Limit: p.Limit, LookupFrom: p.LookupFrom,
	}
	if req.Offset, err = parseLimit(w.Offset.ptr(), 0, "offset"); err != nil {
		return req, err
	}
	req.Limit = min(req.Limit, maxLimit-req.Offset)
	if req.WithPayload, err = parseWithPayload(w.WithPayload, false); err != nil {
		return req, err
	}
	if req.WithVector, err = parseWithVector(orAlias(w.WithVector, w.WithVectors), false); err != nil {
		return req, err
	}
	// Qdrant resolves lookups first, so their errors win over this one.
	if req.Query != nil && req.Query.Fusion != "" && w.Using != nil && !hasLookup(req.Prefetch) {
		return req, &vectordb.Error{Kind: vectordb.KindBadInput, Msg: "Bad request: Fusion queries cannot be combined with the 'using' field."}
	}
	if req.Query != nil && req.Query.Fusion != "" && len(req.Prefetch) == 0 {
		return req, fmt.Errorf("query: fusion needs at least one prefetch")
	}
	return req, nil
}

// runOne serves one search request: the body W (empty allowed with
// allowEmpty), parsed by parse, and the hits shaped by out.
func runOne[W any](r *http.Request, allowEmpty bool, parse func(W) (vectordb.QueryRequest, error), out func([]vectordb.ScoredPoint) any, db *vectordb.DB) (any, error) {
	var w W
	if err := decodeBody(r, &w, allowEmpty); err != nil {
		return nil, err
	}
	req, err := parse(w)
	if err != nil {
		return nil, badInput(err)
	}
	pts, err := db.Query(r.Context(), collectionName(r), req)
	if err != nil {
		return nil, err
	}
	return out(pts), nil
}

func (h *handler) query(r *http.Request) (any, error) {
	return runOne(r, true, queryWire.request, queryOut, h.db)
}

// batchRequests decodes {"searches": [...]} into raw requests.
func batchRequests(r *http.Request) ([]json.RawMessage, error) {
	var w struct {
		Searches *[]json.RawMessage `json:"searches"`
	}
	if err := decodeBody(r, &w, false); err != nil {
		return nil, err
	}
	if w.Searches == nil {
		return nil, badInput(fmt.Errorf("missing field `searches`"))
	}
	if len(*w.Searches) > maxBatch {
		return nil, badInput(fmt.Errorf("a batch holds at most %d searches, got %d", maxBatch, len(*w.Searches)))
	}
	return *w.Searches, nil
}

// runBatch parses every request of a batch first (so a bad one fails the
// whole batch before any search), then runs them in order.
func runBatch[W any](r *http.Request, parse func(W) (vectordb.QueryRequest, error), out func([]vectordb.ScoredPoint) any, db *vectordb.DB) (any, error) {
	raws, err := batchRequests(r)
	if err != nil {
		return nil, err
	}
	reqs := make([]vectordb.QueryRequest, 0, len(raws))
	for i, raw := range raws {
		var w W
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, badInput(fmt.Errorf("searches[%d]: %w", i, err))
		}
		q, err := parse(w)
		if err != nil {
			return nil, badInput(fmt.Errorf("searches[%d]: %w", i, err))
		}
		reqs = append(reqs, q)
	}
	results := make([]any, 0, len(reqs))
	for _, q := range reqs {
		pts, err := db.Query(r.Context(), collectionName(r), q)
		if err != nil {
			return nil, err
		}
		results = append(results, out(pts))
	}
	return results, nil
}

func queryOut(pts []vectordb.ScoredPoint) any {
	return map[string]any{"points": jsonScored(pts)}
}

func scoredOutAny(pts []vectordb.ScoredPoint) any { return jsonScored(pts) }

func (h *handler) queryBatch(r *http.Request) (any, error) {
	return runBatch(r, queryWire.request, queryOut, h.db)
}

// searchWire is the legacy SearchRequest (openapi v1.18.3).
type searchWire struct {
	Vector         json.RawMessage `json:"vector"`
	Filter         json.RawMessage `json:"filter"`
	Params         json.RawMessage `json:"params"`
	Limit          *int            `json:"limit"`
	Offset         *int            `json:"offset"`
	WithPayload    json.RawMessage `json:"with_payload"`
	WithVector     json.RawMessage `json:"with_vector"`
	WithVectors    json.RawMessage `json:"with_vectors"` // alias Qdrant accepts
	ScoreThreshold *float32        `json:"score_threshold"`
}

// commonRequest fills the fields search and recommend share.
func commonRequest(filter, params json.RawMessage, limit, offset *int, wp, wv json.RawMessage, st *float32) (vectordb.QueryRequest, error) {
	var req vectordb.QueryRequest
	var err error
	if limit == nil {
		return req, fmt.Errorf("missing field `limit`")
	}
	if req.Limit, err = parseLimit(limit, 10, "limit"); err != nil {
		return req, err
	}
	if req.Limit == 0 {
		return req, fmt.Errorf("limit must be at least 1")
	}
	if req.Offset, err = parseLimit(offset, 0, "offset"); err != nil {
		return req, err
	}
	if req.Filter, err = parseFilter(filter); err != nil {
		return req, err
	}
	if req.Params, err = parseSearchParams(params); err != nil {
		return req, err
	}
	if req.WithPayload, err = parseWithPayload(wp, false); err != nil {
		return req, err
	}
	if req.WithVector, err = parseWithVector(wv, false); err != nil {
		return req, err
	}
	req.ScoreThreshold = st
	return req, nil
}

func (w searchWire) request() (vectordb.QueryRequest, error) {
	req, err := commonRequest(w.Filter, w.Params, w.Limit, w.Offset, w.WithPayload, orAlias(w.WithVector, w.WithVectors), w.ScoreThreshold)
	if err != nil {
		return req, err
	}
	var in vectordb.VectorInput
	switch jsonKind(w.Vector) {
	case '[':
		if in, err = parseVectorInput(w.Vector); err != nil {
			return req, fmt.Errorf("vector: %w", err)
		}
	case '{':
		var nv struct {
			Name   *string         `json:"name"`
			Vector json.RawMessage `json:"vector"`
		}
		if err := json.Unmarshal(w.Vector, &nv); err != nil {
			return req, fmt.Errorf("vector: %w", err)
		}
		if nv.Name == nil || isNull(nv.Vector) {
			return req, fmt.Errorf("vector: expected {\"name\": ..., \"vector\": ...}")
		}
		req.Using = *nv.Name
		k := jsonKind(nv.Vector)
		if k != '[' && k != '{' {
			return req, fmt.Errorf("vector.vector: expected a dense or a sparse vector")
		}
		if in, err = parseVectorInput(nv.Vector); err != nil {
			return req, fmt.Errorf("vector.vector: %w", err)
		}
	default:
		return req, fmt.Errorf("missing field `vector`")
	}
	req.Query = &vectordb.Query{Nearest: &in}
	return req, nil
}

func (h *handler) search(r *http.Request) (any, error) {
	return runOne(r, false, searchWire.request, scoredOutAny, h.db)
}

func (h *handler) searchBatch(r *http.Request) (any, error) {
	return runBatch(r, searchWire.request, scoredOutAny, h.db)
}

// recommendWire is the legacy RecommendRequest (openapi v1.18.3).
type recommendWire struct {
	searchWire
	Positive   []json.RawMessage `json:"positive"`
	Negative   []json.RawMessage `json:"negative"`
	Strategy   *string           `json:"strategy"`
	Using      *string           `json:"using"`
	LookupFrom json.RawMessage   `json:"lookup_from"`
}

func (w recommendWire) request() (vectordb.QueryRequest, error) {
	req, err := commonRequest(w.Filter, w.Params, w.Limit, w.Offset, w.WithPayload, orAlias(w.WithVector, w.WithVectors), w.ScoreThreshold)
	if err != nil {
		return req, err
	}
	if !isNull(w.LookupFrom) {
		return req, fmt.Errorf("lookup_from: not supported")
	}
	rec, err := recommendInput(w.Positive, w.Negative, w.Strategy)
	if err != nil {
		return req, err
	}
	if w.Using != nil {
		req.Using = *w.Using
	}
	req.Query = &vectordb.Query{Recommend: rec}
	return req, nil
}

func (h *handler) recommend(r *http.Request) (any, error) {
	return runOne(r, false, recommendWire.request, scoredOutAny, h.db)
}

func (h *handler) recommendBatch(r *http.Request) (any, error) {
	return runBatch(r, recommendWire.request, scoredOutAny, h.db)
}

// parseFeedback decodes a RelevanceFeedbackQuery with the naive strategy.
func parseFeedback(raw json.RawMessage) (*vectordb.Query, error) {
	var w struct {
		Target   json.RawMessage `json:"target"`
		Feedback []struct {
			Example json.RawMessage `json:"example"`
			Score   *float32        `json:"score"`
		} `json:"feedback"`
		Strategy *struct {
			Naive *struct {
				A, B, C *float64
			} `json:"naive"`
		} `json:"strategy"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("query.relevance_feedback: %w", err)
	}
	if isNull(w.Target) || w.Strategy == nil || w.Strategy.Naive == nil {
		return nil, fmt.Errorf("query.relevance_feedback: `target` and `strategy.naive` are required")
	}
	n := w.Strategy.Naive
	fb := &vectordb.FeedbackInput{}
	for _, c := range []struct {
		name string
		v    *float64
		dst  *float32
	}{{"a", n.A, &fb.A}, {"b", n.B, &fb.B}, {"c", n.C, &fb.C}} {
		if c.v == nil {
			return nil, fmt.Errorf("query.relevance_feedback.strategy.naive: missing field `%s`", c.name)
		}
		if *c.v < 0 || math.IsNaN(*c.v) {
			return nil, invalid("internal.query.relevance_feedback.strategy.naive."+c.name, "value %s invalid, must be 0.0 or larger", rustFloat(*c.v))
		}
		*c.dst = float32(*c.v)
	}
	t, err := parseVectorInput(w.Target)
	if err != nil {
		return nil, fmt.Errorf("query.relevance_feedback.target: %w", err)
	}
	fb.Target = t
	for i, f := range w.Feedback {
		if f.Score == nil {
			return nil, fmt.Errorf("query.relevance_feedback.feedback[%d]: missing field `score`", i)
		}
		ex, err := parseVectorInput(f.Example)
		if err != nil {
			return nil, fmt.Errorf("query.relevance_feedback.feedback[%d].example: %w", i, err)
		}
		fb.Feedback = append(fb.Feedback, vectordb.FeedbackItem{Example: ex, Score: *f.Score})
	}
	return &vectordb.Query{Feedback: fb}, nil
}

// rustFloat formats x as Rust's Display does for f64 (1.0, not 1).
func rustFloat(x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}
