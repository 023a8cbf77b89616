package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi"
)

// Strict mode: a collection's strict_mode_config (stored by the engine)
// limits what requests on it may ask for. The checks run before the
// endpoint's handler, on the decoded JSON body, so every endpoint shares
// them; a rejected request changes nothing.

// strictError is a strict mode rejection: 400 with Qdrant's "Bad request:"
// wording, or 429 with Retry-After for rate limits.
type strictError struct {
	msg        string
	retryAfter int // seconds; > 0 makes it a 429
}

func (e *strictError) Error() string { return e.msg }

func strictLimit(name string, got, max any) error {
	return &strictError{msg: fmt.Sprintf("Bad request: Limit exceeded %v > %v for %q", got, max, name)}
}

// tokenBucket is a rate limiter holding up to capacity tokens, refilled
// at capacity per minute.
type tokenBucket struct {
	capacity float64
	tokens   float64
	last     time.Time
}

// take removes cost tokens or explains why it cannot.
func (b *tokenBucket) take(kind string, cost float64, now time.Time) error {
	b.tokens = math.Min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.capacity/60)
	b.last = now
	if cost > b.capacity {
		return &strictError{msg: fmt.Sprintf("Rate limiting exceeded: %s rate limit exceeded, request larger than rate limiter capacity, please try to split your request", kind), retryAfter: 60}
	}
	if cost > b.tokens {
		wait := int(math.Ceil((cost - b.tokens) * 60 / b.capacity))
		return &strictError{msg: fmt.Sprintf("Rate limiting exceeded: %s rate limit exceeded: Operation requires %g tokens but only %.1f were available. Retry after %ds", kind, cost, math.Floor(b.tokens*10)/10, wait), retryAfter: wait}
	}
	b.tokens -= cost
	return nil
}

// rateLimiters holds the read and write buckets of each collection.
type rateLimiters struct {
	mu sync.Mutex
	// buckets is guarded by mu; keyed by "r/" or "w/" + collection.
	buckets map[string]*tokenBucket
}

// maxRateBuckets bounds the buckets kept (collection names come from
// clients); when full, idle ones are dropped.
const maxRateBuckets = 10000

func (l *rateLimiters) take(key, kind string, perMinute int, cost float64) error {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*tokenBucket{}
	}
	b := l.buckets[key]
	if b == nil || b.capacity != float64(perMinute) {
		if len(l.buckets) >= maxRateBuckets {
			clear(l.buckets)
		}
		b = &tokenBucket{capacity: float64(perMinute), tokens: float64(perMinute), last: now}
		l.buckets[key] = b
	}
	return b.take(kind, cost, now)
}

// strictRequest classifies a request for strict mode.
type strictRequest struct {
	read, write, index, batchSearch bool
}

func classify(r *http.Request) strictRequest {
	ep := endpointOf(r)
	rest := strings.TrimPrefix(ep, "/collections/{collection_name}")
	switch {
	case rest == ep:
		return strictRequest{}
	case r.Method == http.MethodPut && rest == "/index":
		return strictRequest{index: true}
	case r.Method == http.MethodGet && rest == "/points/{id}":
		return strictRequest{read: true}
	case r.Method == http.MethodPost && (rest == "/points" || rest == "/points/scroll" || rest == "/points/count" || rest == "/facet" ||
		strings.HasPrefix(rest, "/points/query") || strings.HasPrefix(rest, "/points/search") ||
		strings.HasPrefix(rest, "/points/recommend") || strings.HasPrefix(rest, "/points/discover")):
		return strictRequest{read: true, batchSearch: strings.HasSuffix(rest, "/batch")}
	case strings.HasPrefix(rest, "/points") && r.Method != http.MethodGet:
		return strictRequest{write: true}
	}
	return strictRequest{}
}

// checkStrict applies the strict mode of the request's collection. It may
// replace r.Body (read to inspect it) with an equivalent reader.
func (h *handler) checkStrict(r *http.Request) error {
	coll := r.PathValue("collection")
	if coll == "" {
		return nil
	}
	kind := classify(r)
	if !kind.read && !kind.write && !kind.index {
		return nil
	}
	info, err := h.db.CollectionInfo(r.Context(), coll)
	if err != nil {
		return nil // the handler reports it
	}
	sm := info.Config.StrictMode
	if !sm.On() {
		return nil
	}
	if t := r.URL.Query().Get("timeout"); t != "" && sm.MaxTimeout != nil {
		if n, err := strconv.Atoi(t); err == nil && n > *sm.MaxTimeout {
			return strictLimit("timeout", n, *sm.MaxTimeout)
		}
	}
	var body map[string]any
	if r.Body != nil && r.Method != http.MethodGet {
		b, err := readBody(r)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		_ = d.Decode(&body) // malformed bodies are the handler's to report
	}
	c := strictChecker{sm: sm, info: info}
	switch {
	case kind.index:
		if sm.MaxPayloadIndexCount != nil && len(info.PayloadSchema) >= *sm.MaxPayloadIndexCount {
			if f, _ := body["field_name"].(string); f == "" || info.PayloadSchema[f].DataType == "" {
				return &strictError{msg: fmt.Sprintf("Bad request: Collection already has the maximum number of payload indices (%d). Help: Please delete an existing index before creating a new one.", *sm.MaxPayloadIndexCount)}
			}
		}
		return nil
	case kind.read:
		if sm.MaxQueryLimit != nil && strings.HasSuffix(r.URL.Path, "/groups") {
			l, _ := num(body["limit"])
			g, ok := num(body["group_size"])
			if !ok {
				g = 3
			}
			if l*g > float64(*sm.MaxQueryLimit) {
				return strictLimit("limit", int64(l*g), *sm.MaxQueryLimit)
			}
		}
		if sm.MaxQueryLimit != nil && strings.Contains(r.URL.Path, "/points/search/matrix/") {
			// A distance matrix returns sample × limit pairs.
			s, ok := num(body["sample"])
			if !ok {
				s = qdrantapi.DefaultMatrixSample
			}
			l, ok := num(body["limit"])
			if !ok {
				l = qdrantapi.DefaultMatrixLimit
			}
			if s*l > float64(*sm.MaxQueryLimit) {
				return strictLimit("limit", int64(s*l), *sm.MaxQueryLimit)
			}
		}
		if g, ok := body["group_by"].(string); ok && sm.UnindexedFilteringRetrieve != nil && !*sm.UnindexedFilteringRetrieve {
			pi, ok := info.PayloadSchema[g]
			switch {
			case !ok:
				return &strictError{msg: fmt.Sprintf("Bad request: Index required but not found for %q. Help: Create an index supporting `match` for this key.", g)}
			case pi.DataType == vectordb.SchemaGeo || pi.DataType == vectordb.SchemaText || pi.DataType == vectordb.SchemaFloat:
				return &strictError{msg: fmt.Sprintf("Bad request: Index of type %q found for %q. Help: Create an index supporting `match` for this key.", qdrantIndexType(pi.DataType), g)}
			}
		}
		if err := c.read(body, kind.batchSearch); err != nil {
			return err
		}
		if sm.ReadRateLimit != nil {
			return h.rates.take("r/"+coll, "Read", *sm.ReadRateLimit, h.readCost(r, coll, body))
		}
	case kind.write:
		c.updateVectors = strings.HasSuffix(r.URL.Path, "/points/vectors")
		if err := c.write(body); err != nil {
			return err
		}
		if sm.WriteRateLimit != nil {
			return h.rates.take("w/"+coll, "Write", *sm.WriteRateLimit, h.writeCost(r, coll, info, body))
		}
	}
	return nil
}

// readCost is the number of rate limiter tokens a read takes: per search
// (each search of a batch), one per point retrieved by id, one per
// recommend example (at least one), plus one per filter condition.
func (h *handler) readCost(r *http.Request, coll string, body map[string]any) float64 {
	if s, ok := body["searches"].([]any); ok {
		n := 0.0
		for _, x := range s {
			m, _ := x.(map[string]any)
			n += h.searchCost(r, coll, m)
		}
		return max(1, n)
	}
	if ids, ok := body["ids"].([]any); ok && strings.HasSuffix(r.URL.Path, "/points") {
		return float64(max(1, len(ids)))
	}
	return h.searchCost(r, coll, body)
}

// searchCost is one token per query vector (a multi-vector counts each
// of its vectors; a query by id also the lookup and the filter excluding
// the id), or per recommend example, plus one per filter condition.
func (h *handler) searchCost(r *http.Request, coll string, m map[string]any) float64 {
	n := 1.0
	switch q := m["query"].(type) {
	case []any:
		if len(q) > 0 {
			if _, multi := q[0].([]any); multi {
				n = float64(len(q))
			}
		}
	case json.Number, string:
		raw, _ := json.Marshal(q)
		if id, err := parsePointID(raw); err == nil {
			using, _ := m["using"].(string)
			recs, err := h.db.Get(r.Context(), coll, []vectordb.PointID{id}, vectordb.PayloadSelector{}, vectordb.VectorSelector{Names: []string{using}})
			if err == nil && len(recs) == 1 {
				if v, ok := recs[0].Vectors[using]; ok && v.Multi != nil {
					n = float64(len(v.Multi))
				}
			}
			n += 2
		}
	}
	if q, ok := m["query"].(map[string]any); ok {
		if rec, ok := q["recommend"].(map[string]any); ok {
			pos, _ := rec["positive"].([]any)
			neg, _ := rec["negative"].([]any)
			n = float64(max(1, len(pos)+len(neg)))
		}
	}
	if f, ok := m["filter"].(map[string]any); ok {
		n += float64(countConditions(f))
	}
	return n
}

// countConditions counts the leaf conditions of a filter.
func countConditions(f map[string]any) int {
	n := 0
	eachLeaf(f, "", func(map[string]any, string) { n++ })
	return n
}

// eachLeaf calls fn with every leaf condition of a filter (a field, id,
// empty or null condition), inside sub-filters and nested conditions too,
// and the payload key a leaf's key is relative to ("" at the top,
// "country.cities[]" inside a nested condition on country.cities).
func eachLeaf(f map[string]any, prefix string, fn func(leaf map[string]any, prefix string)) {
	for _, k := range []string{"must", "should", "must_not"} {
		var l []any
		switch v := f[k].(type) {
		case []any:
			l = v
		case map[string]any:
			l = []any{v}
		}
		for _, x := range l {
			c, _ := x.(map[string]any)
			switch {
			case c["must"] != nil || c["should"] != nil || c["must_not"] != nil:
				eachLeaf(c, prefix, fn)
			case c["nested"] != nil:
				nm, _ := c["nested"].(map[string]any)
				inner, _ := nm["filter"].(map[string]any)
				key, _ := nm["key"].(string)
				eachLeaf(inner, joinKey(prefix, key+"[]"), fn)
			default:
				fn(c, prefix)
			}
		}
	}
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// reset forgets the buckets of a collection (its limits changed).
func (l *rateLimiters) reset(coll string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.buckets, "r/"+coll)
	delete(l.buckets, "w/"+coll)
}

// writeCost is one token per point written (at least one per
// operation); an operation that selects points by filter costs the
// estimated number of points it matches (filterCost).
func (h *handler) writeCost(r *http.Request, coll string, info vectordb.CollectionInfo, body map[string]any) float64 {
	one := func(op map[string]any) float64 {
		if f, ok := op["filter"].(map[string]any); ok {
			return max(1, h.filterCost(r, coll, info, f))
		}
		return max(1, float64(pointsIn(op)))
	}
	if ops, ok := body["operations"].([]any); ok {
		n := 0.0
		for _, op := range ops {
			if m, ok := op.(map[string]any); ok {
				for _, v := range m {
					vm, _ := v.(map[string]any)
					n += one(vm)
				}
			}
		}
		return max(1, n)
	}
	return one(body)
}

// filterCost estimates how many points a filter matches, as Qdrant's
// rate limiter does: exactly when every field it names has a payload
// index, otherwise half the collection (Qdrant's expected cardinality of
// a condition on an unindexed field).
func (h *handler) filterCost(r *http.Request, coll string, info vectordb.CollectionInfo, f map[string]any) float64 {
	indexed := true
	eachLeaf(f, "", func(leaf map[string]any, prefix string) {
		if key, ok := leaf["key"].(string); ok {
			if _, ok := info.PayloadSchema[joinKey(prefix, key)]; !ok {
				indexed = false
			}
		}
	})
	if !indexed {
		return float64(info.PointsCount / 2)
	}
	raw, _ := json.Marshal(f)
	filter, err := parseFilter(raw)
	if err != nil {
		return 1
	}
	n, err := h.db.Count(r.Context(), coll, filter)
	if err != nil {
		return 1
	}
	return float64(n)
}

// pointsIn counts the points an update body names.
func pointsIn(body map[string]any) int {
	if p, ok := body["points"].([]any); ok {
		return len(p)
	}
	if b, ok := body["batch"].(map[string]any); ok {
		if ids, ok := b["ids"].([]any); ok {
			return len(ids)
		}
	}
	return 0
}

type strictChecker struct {
	sm            *vectordb.StrictModeConfig
	info          vectordb.CollectionInfo
	updateVectors bool // PUT /points/vectors
}

func num(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func (c strictChecker) read(body map[string]any, batch bool) error {
	sm := c.sm
	if batch {
		s, _ := body["searches"].([]any)
		if sm.SearchMaxBatchsize != nil && len(s) > *sm.SearchMaxBatchsize {
			return strictLimit("search batch size", len(s), *sm.SearchMaxBatchsize)
		}
		for _, x := range s {
			if m, ok := x.(map[string]any); ok {
				if err := c.search(m); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return c.search(body)
}

// search checks one search-like request body (and its prefetches).
func (c strictChecker) search(m map[string]any) error {
	sm := c.sm
	if sm.MaxQueryLimit != nil {
		for _, k := range []string{"limit", "group_size"} {
			if v, ok := num(m[k]); ok && v > float64(*sm.MaxQueryLimit) {
				return strictLimit(k, int64(v), *sm.MaxQueryLimit)
			}
		}
	}
	if p, ok := m["params"].(map[string]any); ok {
		if v, ok := num(p["hnsw_ef"]); ok && sm.SearchMaxHnswEf != nil && v > float64(*sm.SearchMaxHnswEf) {
			return strictLimit("hnsw_ef", int64(v), *sm.SearchMaxHnswEf)
		}
		if e, _ := p["exact"].(bool); e && sm.SearchAllowExact != nil && !*sm.SearchAllowExact {
			return &strictError{msg: "Bad request: Exact search disabled!"}
		}
		if q, ok := p["quantization"].(map[string]any); ok && sm.SearchMaxOversampling != nil {
			if v, ok := num(q["oversampling"]); ok && v > *sm.SearchMaxOversampling {
				return strictLimit("oversampling", v, *sm.SearchMaxOversampling)
			}
		}
	}
	if f, ok := m["filter"].(map[string]any); ok {
		if err := c.filter(f, sm.UnindexedFilteringRetrieve); err != nil {
			return err
		}
	}
	if sm.SearchAllowExact != nil && !*sm.SearchAllowExact {
		if err := c.fullScan(m); err != nil {
			return err
		}
	}
	if q, ok := m["query"].(map[string]any); ok && q["formula"] != nil && sm.UnindexedFilteringRetrieve != nil && !*sm.UnindexedFilteringRetrieve {
		if err := c.formulaVars(q["formula"], 0); err != nil {
			return err
		}
	}
	var pfs []any
	switch p := m["prefetch"].(type) {
	case []any:
		pfs = p
	case map[string]any:
		pfs = []any{p}
	}
	for _, p := range pfs {
		if pm, ok := p.(map[string]any); ok {
			if err := c.search(pm); err != nil {
				return err
			}
		}
	}
	return nil
}

// fullScan refuses, when exact search is forbidden, a nearest-neighbour
// search of a dense vector that wants no global graph (hnsw_config.m = 0):
// Qdrant could only scan it, unless payload_m > 0 and the filter names a
// tenant (a must match on an is_tenant keyword index). Rescoring a
// prefetch's results is no search of the collection.
func (c strictChecker) fullScan(m map[string]any) error {
	if m["prefetch"] != nil {
		return nil
	}
	switch q := m["query"].(type) {
	case nil:
		if m["vector"] == nil { // the older /points/search body
			return nil
		}
	case map[string]any:
		for _, k := range []string{"fusion", "rrf", "formula", "order_by", "sample"} {
			if q[k] != nil {
				return nil
			}
		}
	}
	name, _ := m["using"].(string)
	if v, ok := m["vector"].(map[string]any); ok {
		name, _ = v["name"].(string)
	}
	vp, ok := c.info.Config.Vectors[name]
	if !ok {
		return nil // sparse, or unknown: the handler reports it
	}
	noGraph, payloadM := c.info.Config.HNSW.NoGraph, c.info.Config.HNSW.PayloadM
	if h := vp.HNSW; h != nil {
		if h.NoGraph || h.M > 0 {
			noGraph = h.NoGraph
		}
		if h.PayloadM != nil {
			payloadM = h.PayloadM
		}
	}
	if !noGraph {
		return nil
	}
	if payloadM != nil && *payloadM > 0 && c.tenantFilter(m["filter"]) {
		return nil
	}
	return &strictError{msg: fmt.Sprintf("Bad request: Request is forbidden on '%s' because global vector indexing is disabled (hnsw_config.m = 0). Help: Use tenant-specific filter, enable global vector indexing or enable strict mode `search_allow_exact` option", name)}
}

// tenantFilter reports a filter with a must match on a keyword field
// indexed with is_tenant.
func (c strictChecker) tenantFilter(f any) bool {
	fm, _ := f.(map[string]any)
	must, _ := fm["must"].([]any)
	if one, ok := fm["must"].(map[string]any); ok {
		must = []any{one}
	}
	for _, x := range must {
		cond, _ := x.(map[string]any)
		key, _ := cond["key"].(string)
		if key == "" || cond["match"] == nil {
			continue
		}
		pi, ok := c.info.PayloadSchema[key]
		if !ok || pi.DataType != vectordb.SchemaKeyword || pi.Text == nil {
			continue
		}
		var schema struct {
			IsTenant bool `json:"is_tenant"`
		}
		if json.Unmarshal(pi.Text.Schema, &schema) == nil && schema.IsTenant {
			return true
		}
	}
	return false
}

func (c strictChecker) write(body map[string]any) error {
	sm := c.sm
	if ops, ok := body["operations"].([]any); ok {
		for _, op := range ops {
			if m, ok := op.(map[string]any); ok {
				for _, v := range m {
					if vm, ok := v.(map[string]any); ok {
						if err := c.write(vm); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	}
	n := pointsIn(body)
	if sm.UpsertMaxBatchsize != nil && n > *sm.UpsertMaxBatchsize {
		if c.updateVectors {
			return strictLimit("update limit", n, *sm.UpsertMaxBatchsize)
		}
		return strictLimit("upsert limit", n, *sm.UpsertMaxBatchsize)
	}
	if sm.MaxCollectionVectorSizeBytes != nil && n > 0 && !c.updateVectors {
		per := int64(0)
		for _, p := range c.info.Config.Vectors {
			per += int64(p.Size) * 4
		}
		if int64(c.info.PointsCount+n)*per > *sm.MaxCollectionVectorSizeBytes {
			return &strictError{msg: fmt.Sprintf("Bad request: Max vector storage size limit of %d bytes reached!", *sm.MaxCollectionVectorSizeBytes)}
		}
	}
	if sm.MaxPointsCount != nil && c.info.PointsCount+n > *sm.MaxPointsCount && n > 0 {
		return &strictError{msg: fmt.Sprintf("Bad request: Max points count limit of %d reached!", *sm.MaxPointsCount)}
	}
	if f, ok := body["filter"].(map[string]any); ok {
		if err := c.filter(f, sm.UnindexedFilteringUpdate); err != nil {
			return err
		}
	}
	if len(sm.Multivector) > 0 || len(sm.Sparse) > 0 {
		if b, ok := body["batch"].(map[string]any); ok {
			if named, ok := b["vectors"].(map[string]any); ok {
				for name, list := range named {
					items, _ := list.([]any)
					for _, v := range items {
						if err := c.vectorLimits(map[string]any{name: v}); err != nil {
							return err
						}
					}
				}
			}
		}
		if pts, ok := body["points"].([]any); ok {
			for _, p := range pts {
				pm, _ := p.(map[string]any)
				vs, _ := pm["vector"].(map[string]any)
				if err := c.vectorLimits(vs); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// vectorLimits applies the per-vector multivector and sparse limits to a
// point's named vectors.
func (c strictChecker) vectorLimits(vs map[string]any) error {
	for name, v := range vs {
		if mv, ok := c.sm.Multivector[name]; ok && mv.MaxVectors != nil {
			if arr, ok := v.([]any); ok && len(arr) > 0 {
				if _, multi := arr[0].([]any); multi && len(arr) > *mv.MaxVectors {
					return &strictError{msg: fmt.Sprintf("Bad request: Multivector '%s' has a limit of %d vectors, but %d were provided!", name, *mv.MaxVectors, len(arr))}
				}
			}
		}
		if sp, ok := c.sm.Sparse[name]; ok && sp.MaxLength != nil {
			if obj, ok := v.(map[string]any); ok {
				if idx, ok := obj["indices"].([]any); ok && len(idx) > *sp.MaxLength {
					return &strictError{msg: fmt.Sprintf("Bad request: Sparse vector '%s' has a limit of %d indices, but %d were provided!", name, *sp.MaxLength, len(idx))}
				}
			}
		}
	}
	return nil
}

// filter checks a filter's size limits and, when unindexed filtering is
// forbidden (allow false), that every field condition has a payload index.
func (c strictChecker) filter(f map[string]any, allow *bool) error {
	needIndex := allow != nil && !*allow
	conds := 0
	var walk func(f map[string]any, prefix string) error
	walk = func(f map[string]any, prefix string) error {
		var lists []any
		for _, k := range []string{"must", "should", "must_not"} {
			switch v := f[k].(type) {
			case []any:
				lists = append(lists, v...)
			case map[string]any:
				lists = append(lists, v)
			}
		}
		if ms, ok := f["min_should"].(map[string]any); ok {
			if cs, ok := ms["conditions"].([]any); ok {
				lists = append(lists, cs...)
			}
		}
		for _, x := range lists {
			cond, ok := x.(map[string]any)
			if !ok {
				continue
			}
			if n, ok := cond["nested"].(map[string]any); ok {
				key, _ := n["key"].(string)
				if inner, ok := n["filter"].(map[string]any); ok {
					if err := walk(inner, prefix+key+"[]."); err != nil {
						return err
					}
				}
				continue
			}
			if _, ok := cond["must"]; ok {
				if err := walk(cond, prefix); err != nil {
					return err
				}
				continue
			}
			if _, ok := cond["should"]; ok {
				if err := walk(cond, prefix); err != nil {
					return err
				}
				continue
			}
			if _, ok := cond["must_not"]; ok {
				if err := walk(cond, prefix); err != nil {
					return err
				}
				continue
			}
			conds++
			if c.sm.FilterMaxConditions != nil && conds > *c.sm.FilterMaxConditions {
				return &strictError{msg: fmt.Sprintf("Bad request: Filter condition limit reached: more than %d conditions (limit %d)", conds-1, *c.sm.FilterMaxConditions)}
			}
			key, _ := cond["key"].(string)
			if m, ok := cond["match"].(map[string]any); ok && c.sm.ConditionMaxSize != nil {
				for _, k := range []string{"any", "except"} {
					if l, ok := m[k].([]any); ok && len(l) > *c.sm.ConditionMaxSize {
						return &strictError{msg: fmt.Sprintf("Bad request: Condition size limit exceeded %d > %d for \"%s\"", len(l), *c.sm.ConditionMaxSize, key)}
					}
				}
			}
			if needIndex && key != "" {
				full := prefix + key
				pi, ok := c.info.PayloadSchema[full]
				if !ok {
					pi, ok = c.info.PayloadSchema[strings.TrimSuffix(full, "[]")]
				}
				if m, isMatch := cond["match"].(map[string]any); ok && isMatch {
					// Prefix matches need a prefix-capable keyword index, phrase
					// and text matches a text index.
					_, pre := m["prefix"]
					_, ph := m["phrase"]
					_, tx := m["text"]
					_, ta := m["text_any"]
					noLookup := false
					if pi.Text != nil && pi.Text.Schema != nil {
						var caps struct {
							Lookup *bool `json:"lookup"`
						}
						_ = json.Unmarshal(pi.Text.Schema, &caps)
						noLookup = caps.Lookup != nil && !*caps.Lookup
					}
					_, val := m["value"]
					_, anyOf := m["any"]
					_, except := m["except"]
					switch {
					case noLookup && (val || anyOf || except):
						return &strictError{msg: fmt.Sprintf("Bad request: Index required but not found for %q. Help: Create an index supporting `match` (lookup) for this key.", full)}
					case ph && (pi.DataType != vectordb.SchemaText || pi.Text == nil || !pi.Text.PhraseMatching):
						return &strictError{msg: fmt.Sprintf("Bad request: Index required but not found for %q. Help: Create an index supporting `phrase` (a text index with phrase_matching) for this key.", full)}
					case pre && (pi.DataType != vectordb.SchemaKeyword || pi.Text == nil || !pi.Text.Prefix):
						return &strictError{msg: fmt.Sprintf("Bad request: Index required but not found for %q. Help: Create an index supporting `prefix` for this key.", full)}
					case (ph || tx || ta) && pi.DataType != vectordb.SchemaText:
						return &strictError{msg: fmt.Sprintf("Bad request: Index required but not found for %q. Help: Create an index supporting `text` for this key.", full)}
					}
				}
				{
					if !ok {
						kind := "match"
						for _, k := range []string{"range", "geo_radius", "geo_bounding_box", "geo_polygon", "values_count", "is_empty", "is_null"} {
							if _, ok := cond[k]; ok {
								kind = k
							}
						}
						return &strictError{msg: fmt.Sprintf("Bad request: Index required but not found for %q. Help: Create an index supporting `%s` for this key.", full, kind)}
					}
				}
			}
		}
		return nil
	}
	return walk(f, "")
}

// formulaVars requires a payload index for every payload variable of a
// formula expression, as Qdrant does when unindexed filtering is off.
func (c strictChecker) formulaVars(e any, depth int) error {
	if depth > 64 {
		return nil
	}
	switch x := e.(type) {
	case string:
		if strings.HasPrefix(x, "$") {
			return nil
		}
		if _, ok := c.info.PayloadSchema[x]; !ok {
			return &strictError{msg: fmt.Sprintf("Bad request: Index required but not found for %q of one of the following types: [integer, float]. Help: Create an index for this key to use it in a formula expression.", x)}
		}
	case []any:
		for _, v := range x {
			if err := c.formulaVars(v, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		if _, cond := x["key"]; cond {
			return c.filter(map[string]any{"must": []any{x}}, c.sm.UnindexedFilteringRetrieve)
		}
		for k, v := range x {
			if k == "origin" || k == "by_zero_default" || k == "scale" || k == "midpoint" {
				continue
			}
			if err := c.formulaVars(v, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// qdrantIndexType spells a payload index type as Qdrant's messages do.
func qdrantIndexType(t vectordb.PayloadSchemaType) string {
	switch t {
	case vectordb.SchemaUUID:
		return "Uuid"
	case vectordb.SchemaDatetime:
		return "Datetime"
	}
	s := string(t)
	return strings.ToUpper(s[:1]) + s[1:]
}
