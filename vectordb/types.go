package vectordb

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// DefaultVector is the name under which a collection's single unnamed dense
// vector is stored. Qdrant uses the empty name the same way.
const DefaultVector = ""

// PointID identifies a point: either an unsigned integer or a UUID.
// The zero value is the integer 0. When UUID is non-empty the point is
// UUID-keyed and UUID holds the canonical lower-case hyphenated form.
type PointID struct {
	Num  uint64
	UUID string
}

// IsUUID reports whether id is UUID-keyed.
func (id PointID) IsUUID() bool { return id.UUID != "" }

// String returns the integer in decimal or the UUID.
func (id PointID) String() string {
	if id.UUID != "" {
		return id.UUID
	}
	return fmt.Sprint(id.Num)
}

// SparseVector is a sparse vector: Indices[i] carries Values[i].
// Indices are unique; they need not be sorted on input.
type SparseVector struct {
	Indices []uint32
	Values  []float32
}

// Vector is one named vector of a point: dense, sparse or multi-dense
// (several dense vectors of the same size, compared by MaxSim), exactly one.
type Vector struct {
	Dense  []float32
	Sparse *SparseVector
	Multi  [][]float32
}

// NamedVectors maps vector names to vectors. The unnamed default dense
// vector is stored under DefaultVector.
type NamedVectors map[string]Vector

// Payload is a point's JSON payload. Values are what encoding/json decodes
// into any: nil, bool, float64, string, []any and map[string]any.
type Payload map[string]any

// PointStruct is a point as written by upsert.
type PointStruct struct {
	ID      PointID
	Vectors NamedVectors
	Payload Payload
}

// Record is a stored point as read back by retrieve and scroll.
// Payload and Vectors are nil when not selected.
type Record struct {
	ID         PointID
	Payload    Payload
	Vectors    NamedVectors
	OrderValue any // set when scrolling with OrderBy: float64 or int64
}

// ScoredPoint is a search result.
type ScoredPoint struct {
	ID         PointID
	Version    uint64
	Score      float32
	Payload    Payload
	Vectors    NamedVectors
	OrderValue any
}

// Distance is a dense vector similarity function, spelled as in Qdrant.
type Distance string

const (
	Cosine    Distance = "Cosine"
	Dot       Distance = "Dot"
	Euclid    Distance = "Euclid"
	Manhattan Distance = "Manhattan"
)

// HNSWConfig holds HNSW index parameters. Zero fields mean "default"
// (M 16, EfConstruct 100, FullScanThreshold 10000 KB as in Qdrant).
type HNSWConfig struct {
	M int
	// NoGraph records Qdrant's hnsw_config.m = 0 (M is then 0 too): no
	// global graph. A dense index made with it only registers its
	// vectors in the graph, without links; the payload links (PayloadM)
	// are its only links, filtered searches on a linked field follow
	// them from allowed points and every other search is exact
	// (ann.go). A strict-mode collection that forbids exact search
	// refuses searches of the vector but for a tenant's (PayloadM > 0
	// and a filter on an is_tenant index).
	NoGraph bool `json:",omitempty"`
	// PayloadM is Qdrant's hnsw_config.payload_m (nil: unset, which means
	// M, or none with NoGraph, as in Qdrant): when positive, the payload
	// blocks of keyword and integer indexes (values held by at least
	// FullScanThreshold worth of vectors, and value ranges of integer
	// indexes) get extra graph links among their points, and filtered
	// searches on such a field follow only the allowed points
	// (payloadlinks.go). 0: none.
	PayloadM          *int `json:",omitempty"`
	EfConstruct       int
	FullScanThreshold int
	OnDisk            bool
	InlineStorage     bool   // kept and reported; the graph always references the vector storage
	Memory            string `json:",omitempty"` // memory placement (cached, cold, pinned): kept and reported
}

// VectorParams configures one dense vector of a collection.
// With Multivector set, each point holds a list of vectors of Size (a
// multi-vector) scored by MaxSim; such vectors are searched exactly.
type VectorParams struct {
	Size     int
	Distance Distance
	HNSW     *HNSWConfig // per-vector override of the collection's HNSWConfig
	// OnDisk keeps the float32 originals in a file mapped into memory
	// instead of the heap (mapped.go), when the dense index is made.
	OnDisk      bool
	Datatype    Datatype           // "" or DatatypeFloat32 (default), DatatypeFloat16, DatatypeUint8, DatatypeTurbo4
	Multivector *MultivectorConfig // nil: a single dense vector per point
	// Quantization is the client's quantization_config (a JSON object),
	// kept and reported. Scalar int8, binary and product quantization are
	// applied: searches traverse the graph with the codes and rescore
	// with the originals (quant.go); turbo searches at full precision.
	Quantization json.RawMessage
	// Memory is Qdrant's memory placement ("cached" or "cold"), kept and
	// reported: this engine holds vectors in memory either way.
	Memory string `json:",omitempty"`
}

// Datatype is the element type a dense vector is stored with. Values are
// kept as float32; float16 and uint8 round them on upsert as Qdrant does.
type Datatype string

const (
	DatatypeFloat32 Datatype = "float32"
	DatatypeFloat16 Datatype = "float16"
	DatatypeUint8   Datatype = "uint8"
	DatatypeTurbo4  Datatype = "turbo4" // Qdrant's 4-bit codec; stored here as float32 (no loss)
)

// MultivectorConfig configures a multi-vector. Comparator is "max_sim":
// the score is the sum, over the query's vectors, of the best similarity
// with any of the point's vectors.
type MultivectorConfig struct {
	Comparator string
}

// Multi-vector bounds.
const (
	MaxMultiVectors = 8192    // vectors in one multi-vector
	MaxMultiFloats  = 1 << 22 // floats in one multi-vector
)

// SparseModifier is applied to sparse vector scores; "idf" weights each
// dimension by its inverse document frequency in the collection.
type SparseModifier string

const (
	ModifierNone SparseModifier = "none"
	ModifierIDF  SparseModifier = "idf"
)

// SparseVectorParams configures one sparse vector of a collection.
type SparseVectorParams struct {
	Modifier    SparseModifier
	IndexOnDisk bool   // reported as index.on_disk; the inverted index lives in memory
	IndexMemory string `json:",omitempty"` // reported as index.memory
}

// SparseVectorParamsDiff changes one sparse vector; nil fields are kept.
type SparseVectorParamsDiff struct {
	Modifier    *SparseModifier
	IndexOnDisk *bool
}

// CollectionConfig is what a collection is created with.
// Vectors maps names to dense vector parameters; a collection with a single
// unnamed vector has exactly one entry under DefaultVector.
type CollectionConfig struct {
	Vectors       map[string]VectorParams
	SparseVectors map[string]SparseVectorParams
	HNSW          HNSWConfig
	OnDiskPayload bool
	Quantization  json.RawMessage // collection-wide quantization_config, kept and reported
	Metadata      Payload         // free-form collection metadata
	PayloadMemory string          `json:",omitempty"` // payload.memory placement, kept and reported
	StrictMode    *StrictModeConfig
	// IndexingThreshold (KB of vector data per vector name, Qdrant's
	// optimizers_config.indexing_threshold): HNSW graphs are built only
	// from that size on; 0 never builds them (searches scan); nil always.
	IndexingThreshold *int
}

// StrictModeConfig holds Qdrant's per-collection strict mode limits. The
// engine stores them; the API layers enforce them. Nil fields are unset.
type StrictModeConfig struct {
	Enabled                       *bool                            `json:"enabled,omitempty"`
	MaxQueryLimit                 *int                             `json:"max_query_limit,omitempty"`
	MaxTimeout                    *int                             `json:"max_timeout,omitempty"`
	UnindexedFilteringRetrieve    *bool                            `json:"unindexed_filtering_retrieve,omitempty"`
	UnindexedFilteringUpdate      *bool                            `json:"unindexed_filtering_update,omitempty"`
	SearchMaxHnswEf               *int                             `json:"search_max_hnsw_ef,omitempty"`
	SearchAllowExact              *bool                            `json:"search_allow_exact,omitempty"`
	SearchMaxOversampling         *float64                         `json:"search_max_oversampling,omitempty"`
	UpsertMaxBatchsize            *int                             `json:"upsert_max_batchsize,omitempty"`
	SearchMaxBatchsize            *int                             `json:"search_max_batchsize,omitempty"`
	MaxCollectionVectorSizeBytes  *int64                           `json:"max_collection_vector_size_bytes,omitempty"`
	ReadRateLimit                 *int                             `json:"read_rate_limit,omitempty"`
	WriteRateLimit                *int                             `json:"write_rate_limit,omitempty"`
	MaxCollectionPayloadSizeBytes *int64                           `json:"max_collection_payload_size_bytes,omitempty"`
	MaxPointsCount                *int                             `json:"max_points_count,omitempty"`
	FilterMaxConditions           *int                             `json:"filter_max_conditions,omitempty"`
	ConditionMaxSize              *int                             `json:"condition_max_size,omitempty"`
	Multivector                   map[string]StrictModeMultivector `json:"multivector_config,omitempty"`
	Sparse                        map[string]StrictModeSparse      `json:"sparse_config,omitempty"`
	MaxPayloadIndexCount          *int                             `json:"max_payload_index_count,omitempty"`
	MaxResidentMemoryPercent      *int                             `json:"max_resident_memory_percent,omitempty"`
}

// StrictModeMultivector limits one multi-vector.
type StrictModeMultivector struct {
	MaxVectors *int `json:"max_vectors,omitempty"`
}

// StrictModeSparse limits one sparse vector.
type StrictModeSparse struct {
	MaxLength *int `json:"max_length,omitempty"`
}

// On reports whether strict mode is enabled.
func (s *StrictModeConfig) On() bool { return s != nil && s.Enabled != nil && *s.Enabled }

// CollectionUpdate changes parameters of an existing collection.
// Nil fields are left unchanged.
type CollectionUpdate struct {
	HNSW              *HNSWConfig
	Vectors           map[string]VectorParamsDiff
	SparseVectors     map[string]SparseVectorParamsDiff
	OnDiskPayload     *bool
	PayloadMemory     *string
	Quantization      json.RawMessage   // replaces the collection-wide quantization_config ("null" clears it)
	Metadata          Payload           // merged into the metadata; nil values delete keys
	StrictMode        *StrictModeConfig // its set fields replace the current ones
	IndexingThreshold *int              // replaces the threshold
}

// VectorParamsDiff changes the index parameters of one dense vector.
type VectorParamsDiff struct {
	HNSW         *HNSWConfig
	OnDisk       *bool
	Quantization json.RawMessage // replaces the vector's quantization_config ("null" clears it)
	Memory       *string
}

// PayloadSchemaType is the type of a payload index, spelled as in Qdrant.
type PayloadSchemaType string

const (
	SchemaKeyword  PayloadSchemaType = "keyword"
	SchemaInteger  PayloadSchemaType = "integer"
	SchemaFloat    PayloadSchemaType = "float"
	SchemaBool     PayloadSchemaType = "bool"
	SchemaDatetime PayloadSchemaType = "datetime"
	SchemaText     PayloadSchemaType = "text"
	SchemaUUID     PayloadSchemaType = "uuid"
	SchemaGeo      PayloadSchemaType = "geo" // filters on it scan; the index counts points
)

// TextIndexParams configures a full-text payload index.
type TextIndexParams struct {
	Tokenizer      string // "word" (default), "whitespace", "prefix", "multilingual"
	MinTokenLen    int
	MaxTokenLen    int
	Lowercase      *bool // default true
	PhraseMatching bool  `json:",omitempty"` // reported; phrase matches work with or without it
	// Prefix, on a keyword index, declares it serves prefix matches (the
	// only parameter a keyword index keeps here).
	Prefix bool `json:",omitempty"`
	// Stopwords are dropped from indexed text and from queries:
	// StopwordLanguages names built-in lists ("english"), CustomStopwords
	// adds words.
	StopwordLanguages []string `json:",omitempty"`
	CustomStopwords   []string `json:",omitempty"`
	// Schema is the client's field_schema object (any index type), kept
	// and reported back verbatim; nil when the schema was a bare name.
	Schema json.RawMessage `json:",omitempty"`
}

// PayloadIndexInfo describes one payload index in CollectionInfo.
type PayloadIndexInfo struct {
	DataType PayloadSchemaType
	Text     *TextIndexParams
	Points   int
}

// CollectionStatus is "green" when all indexing is done, "yellow" while
// optimizing.
type CollectionStatus string

// CollectionInfo is returned by get-collection.
type CollectionInfo struct {
	Status              CollectionStatus
	OptimizerStatus     string // "ok"
	PointsCount         int
	IndexedVectorsCount int
	SegmentsCount       int
	LastOperationID     uint64 // sequence number of the last applied update (0: none)
	Config              CollectionConfig
	PayloadSchema       map[string]PayloadIndexInfo
	// QuantizedVectors counts, per dense vector name, the indexed vectors
	// (below the watermark graph searches start their exact scan of
	// recent vectors from) that have the quantization codes graph search
	// traverses (absent: none).
	QuantizedVectors map[string]int
	// PayloadLinkedVectors counts, per dense vector name, the vectors
	// with payload links (hnsw_config.payload_m; payloadlinks.go), which
	// a background job builds once the graph is complete (absent: none).
	PayloadLinkedVectors map[string]int
	// PayloadLinksBusy is set while a background job builds or removes
	// payload links.
	PayloadLinksBusy bool
	// Mapped gives, per dense vector name, the bytes of its storage kept
	// in files of the data directory mapped into memory rather than in
	// the heap: the originals of an on_disk vector and its int8 codes
	// unless always_ram is true (absent: none).
	Mapped map[string]MappedStorage
}

// MappedStorage is the bytes of a dense vector's storage mapped from
// files (CollectionInfo.Mapped).
type MappedStorage struct {
	Vectors int64 // the float32 originals (on_disk: true)
	Codes   int64 // the int8 codes (on_disk: true, always_ram not true)
}

// Alias maps an alias name to a collection.
type Alias struct {
	Alias      string
	Collection string
}

// AliasOp is one action of an update-aliases request: exactly one of the
// three fields is set.
type AliasOp struct {
	Create *Alias
	Delete *string // alias name
	Rename *struct{ Old, New string }
}

// Filter is a boolean combination of conditions.
// A point matches when all Must match, none of MustNot match, at least one
// Should matches (if any are given), and MinShould is satisfied.
type Filter struct {
	Must      []Condition
	Should    []Condition
	MustNot   []Condition
	MinShould *MinShould
}

// MinShould requires at least MinCount of Conditions to match.
type MinShould struct {
	Conditions []Condition
	MinCount   int
}

// Condition is one filter clause: exactly one field is set.
type Condition struct {
	Field     *FieldCondition
	IsEmpty   *string // key: matches when the key is missing, null or []
	IsNull    *string // key: matches when the key is present and null
	HasID     []PointID
	HasVector *string // vector name
	Slice     *Slice  // a deterministic 1/Total share of the points
	Nested    *NestedCondition
	Filter    *Filter // a nested boolean filter
}

// Slice matches the points whose id hashes to Index modulo Total, so the
// Total slices partition the collection (for parallel scrolls).
type Slice struct {
	Total, Index uint32
}

// FieldCondition tests the values under Key. Keys are dotted paths into the
// payload; "a[].b" walks every element of array a. A condition on an array
// value matches when any element matches.
// Exactly one of the test fields is set.
type FieldCondition struct {
	Key           string
	Match         *Match
	Range         *Range
	DatetimeRange *DatetimeRange
	ValuesCount   *ValuesCount
	GeoRadius     *GeoRadius
	GeoBox        *GeoBoundingBox
	GeoPolygon    *GeoPolygon
}

// GeoPoint is a location in degrees, as payloads hold it: {"lon", "lat"}.
type GeoPoint struct {
	Lon, Lat float64
}

// GeoRadius matches locations within Radius metres of Center
// (great-circle distance on a sphere of radius 6371 km).
type GeoRadius struct {
	Center GeoPoint
	Radius float64
}

// GeoBoundingBox matches locations inside the box; when TopLeft.Lon >
// BottomRight.Lon the box crosses the antimeridian.
type GeoBoundingBox struct {
	TopLeft, BottomRight GeoPoint
}

// GeoPolygon matches locations inside Exterior and outside every
// interior ring. Rings are closed: the last point repeats the first.
type GeoPolygon struct {
	Exterior  []GeoPoint
	Interiors [][]GeoPoint
}

// Match is a match condition: exactly one field is set.
// Value is a string, bool or integer (int64); Any and Except hold strings or
// integers; Text is a full-text query: with a text index every token must
// occur, without one it is a substring match.
type Match struct {
	Value  any
	Any    []any
	Except []any
	Text   *string
	// TextAny matches when any token of it occurs; Phrase when its tokens
	// occur consecutively in order (tokenised like Text); Prefix when a
	// string value starts with it (case-sensitive).
	TextAny *string
	Phrase  *string
	Prefix  *string
}

// Range bounds a numeric value. Nil bounds are open.
type Range struct {
	Lt, Gt, Gte, Lte *float64
}

// DatetimeRange bounds an RFC 3339 date-time value. Nil bounds are open.
type DatetimeRange struct {
	Lt, Gt, Gte, Lte *time.Time
}

// ValuesCount bounds the number of values under a key (array length, 1 for
// a scalar, 0 when missing).
type ValuesCount struct {
	Lt, Gt, Gte, Lte *int
}

// NestedCondition applies Filter to every object of the array under Key;
// it matches when one object satisfies the whole filter. Keys inside Filter
// are relative to the array element.
type NestedCondition struct {
	Key    string
	Filter Filter
}

// PointsSelector selects points by ids or by filter: exactly one is set.
type PointsSelector struct {
	IDs    []PointID
	Filter *Filter
}

// PayloadSelector chooses which payload to return. The zero value returns
// none; All returns everything; Include or Exclude select keys.
type PayloadSelector struct {
	All     bool
	Include []string
	Exclude []string
}

// VectorSelector chooses which vectors to return. The zero value returns
// none; All returns all; Names returns the named ones.
type VectorSelector struct {
	All   bool
	Names []string
}

// SearchParams tune a nearest-neighbour search.
type SearchParams struct {
	HnswEf int  // 0: use the index default (max(ef_construct, limit))
	Exact  bool // exact scan, no index
	// Quantization tunes the use of quantized vectors (nil:
	// use them, rescoring limit candidates).
	Quantization *QuantizationSearchParams
	// IDFCorpus, for a sparse vector with the idf modifier, computes the
	// inverse document frequencies over the points matching it instead of
	// the whole collection.
	IDFCorpus *Filter
}

// VectorInput is what a query searches near: a dense vector, a sparse
// vector, or the vector of a stored point. Exactly one is set.
type VectorInput struct {
	Dense  []float32
	Sparse *SparseVector
	Multi  [][]float32
	ID     *PointID
}

// Fusion combines the results of prefetches.
type Fusion string

const (
	FusionRRF  Fusion = "rrf"
	FusionDBSF Fusion = "dbsf"
)

// RecommendStrategy is how a recommend query combines examples.
type RecommendStrategy string

const (
	RecommendAverageVector RecommendStrategy = "average_vector"
	RecommendBestScore     RecommendStrategy = "best_score"
	RecommendSumScores     RecommendStrategy = "sum_scores"
)

// RecommendInput holds positive and negative examples.
type RecommendInput struct {
	Positive []VectorInput
	Negative []VectorInput
	Strategy RecommendStrategy // default average_vector
}

// Direction orders scroll results.
type Direction string

const (
	Asc  Direction = "asc"
	Desc Direction = "desc"
)

// OrderBy orders points by a numeric or datetime payload key (which must have
// a range-capable index: integer, float or datetime).
type OrderBy struct {
	Key       string
	Direction Direction // default asc
	StartFrom any       // float64, int64 or time.Time; nil: from the start
}

// MMR re-ranks the CandidatesLimit nearest points by maximal marginal
// relevance: each next point maximises
// (1-Diversity)·sim(query) - Diversity·max sim(already chosen).
type MMR struct {
	Diversity       float32 // 0..1, default 0.5
	CandidatesLimit int     // 0: the query's limit
}

// ContextPair is one positive/negative pair of a discover or context
// query.
type ContextPair struct {
	Positive VectorInput
	Negative VectorInput
}

// DiscoverInput is a discover query: points are ranked first by how many
// context pairs they are on the positive side of (+1 each, -1 otherwise),
// then by their similarity to Target (squashed into [0, 1)).
type DiscoverInput struct {
	Target  VectorInput
	Context []ContextPair
}

// LookupFrom names the collection (and vector) whose points by-id inputs
// of a query refer to.
type LookupFrom struct {
	Collection string
	Vector     string // "": the query's Using
}

// Query is the universal query: exactly one field is set.
// Context scores each point by the sum over pairs of
// min(sim(positive) - sim(negative) - ε, 0), as Qdrant does.
type Query struct {
	Nearest   *VectorInput
	Recommend *RecommendInput
	Discover  *DiscoverInput
	Context   []ContextPair
	Fusion    Fusion
	RRFK      int       // k of reciprocal rank fusion; 0: the default 2
	RRFWeight []float32 // per-prefetch weights of reciprocal rank fusion; nil: all 1
	MMR       *MMR      // with Nearest: diversify the results
	OrderBy   *OrderBy
	Sample    string // "random": a uniform random sample of the candidates
	Formula   *FormulaQuery
	Feedback  *FeedbackInput
}

// FeedbackInput is a relevance feedback query with Qdrant's "naive"
// strategy: score = A·sim(target) + Σ over feedback pairs of
// (confidence^B)·C·(sim(better) - sim(worse)), pairs formed from the
// examples sorted by score (best with worst, and so on), confidence the
// difference of their scores.
type FeedbackInput struct {
	Target   VectorInput
	Feedback []FeedbackItem
	A, B, C  float32
}

// FeedbackItem is an example with the relevance score a judge gave it.
type FeedbackItem struct {
	Example VectorInput
	Score   float32
}

// Prefetch is a sub-query whose results feed the parent query.
type Prefetch struct {
	Prefetch       []Prefetch
	Query          *Query
	Using          string
	LookupFrom     *LookupFrom
	Filter         *Filter
	Params         *SearchParams
	ScoreThreshold *float32
	Limit          int // default 10
}

// QueryRequest is a universal query (POST /points/query). The legacy search
// and recommend requests are translated into it.
// With no Query, points are returned in id order, like scroll.
type QueryRequest struct {
	Prefetch       []Prefetch
	Query          *Query
	Using          string
	LookupFrom     *LookupFrom
	Filter         *Filter
	Params         *SearchParams
	ScoreThreshold *float32
	Limit          int // default 10
	Offset         int
	WithPayload    PayloadSelector
	WithVector     VectorSelector
}

// ScrollRequest pages through points in id order, or in OrderBy order.
type ScrollRequest struct {
	Offset      *PointID
	Limit       int // default 10
	Filter      *Filter
	WithPayload PayloadSelector
	WithVector  VectorSelector
	OrderBy     *OrderBy
}

// ScrollResult is one page of a scroll.
type ScrollResult struct {
	Points         []Record
	NextPageOffset *PointID
}

// PointVectors replaces some of the vectors of one point.
type PointVectors struct {
	ID      PointID
	Vectors NamedVectors
}

// UpdateStatus is "acknowledged" (logged, not yet applied) or "completed".
type UpdateStatus string

const (
	Acknowledged UpdateStatus = "acknowledged"
	Completed    UpdateStatus = "completed"
)

// UpdateResult is returned by every point update.
type UpdateResult struct {
	OperationID uint64
	Status      UpdateStatus
}

// SnapshotDescription describes one snapshot file of a collection.
type SnapshotDescription struct {
	Name         string
	CreationTime time.Time
	Size         int64
	Checksum     string // hex SHA-256 of the file
}

// ErrorKind classifies errors so the API layers can map them to HTTP and
// gRPC status codes.
type ErrorKind int

const (
	KindInternal    ErrorKind = iota // 500 / Internal
	KindBadInput                     // 400 / InvalidArgument
	KindNotFound                     // 404 / NotFound
	KindConflict                     // 409 / AlreadyExists
	KindForbidden                    // 403 / PermissionDenied
	KindTooLarge                     // 413 / ResourceExhausted
	KindUnavailable                  // 503 / Unavailable
)

// Error is the error type of this package's API. Msg is what a client
// sees, phrased as Qdrant phrases it (for example "Not found: Collection
// `x` doesn't exist!").
type Error struct {
	Kind ErrorKind
	Msg  string
	Err  error // optional cause
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err, KindInternal when err is not an *Error.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// BadInput returns a KindBadInput error with Qdrant's "Wrong input: " prefix.
func BadInput(format string, args ...any) error {
	return &Error{Kind: KindBadInput, Msg: "Wrong input: " + fmt.Sprintf(format, args...)}
}

// NotFound returns a KindNotFound error with Qdrant's "Not found: " prefix.
func NotFound(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Msg: "Not found: " + fmt.Sprintf(format, args...)}
}
