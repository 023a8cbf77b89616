package vectordb

import (
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

// Vector is one named vector of a point: dense or sparse, never both.
type Vector struct {
	Dense  []float32
	Sparse *SparseVector
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
	M                 int
	EfConstruct       int
	FullScanThreshold int
	OnDisk            bool
}

// VectorParams configures one dense vector of a collection.
type VectorParams struct {
	Size     int
	Distance Distance
	HNSW     *HNSWConfig // per-vector override of the collection's HNSWConfig
	OnDisk   bool
}

// SparseModifier is applied to sparse vector scores; "idf" weights each
// dimension by its inverse document frequency in the collection.
type SparseModifier string

const (
	ModifierNone SparseModifier = "none"
	ModifierIDF  SparseModifier = "idf"
)

// SparseVectorParams configures one sparse vector of a collection.
type SparseVectorParams struct {
	Modifier SparseModifier
}

// CollectionConfig is what a collection is created with.
// Vectors maps names to dense vector parameters; a collection with a single
// unnamed vector has exactly one entry under DefaultVector.
type CollectionConfig struct {
	Vectors       map[string]VectorParams
	SparseVectors map[string]SparseVectorParams
	HNSW          HNSWConfig
	OnDiskPayload bool
}

// CollectionUpdate changes parameters of an existing collection.
// Nil fields are left unchanged.
type CollectionUpdate struct {
	HNSW          *HNSWConfig
	Vectors       map[string]VectorParamsDiff
	SparseVectors map[string]SparseVectorParams
}

// VectorParamsDiff changes the index parameters of one dense vector.
type VectorParamsDiff struct {
	HNSW   *HNSWConfig
	OnDisk *bool
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
)

// TextIndexParams configures a full-text payload index.
type TextIndexParams struct {
	Tokenizer   string // "word" (default), "whitespace", "prefix", "multilingual"
	MinTokenLen int
	MaxTokenLen int
	Lowercase   *bool // default true
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
	Config              CollectionConfig
	PayloadSchema       map[string]PayloadIndexInfo
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
	Nested    *NestedCondition
	Filter    *Filter // a nested boolean filter
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
}

// VectorInput is what a query searches near: a dense vector, a sparse
// vector, or the vector of a stored point. Exactly one is set.
type VectorInput struct {
	Dense  []float32
	Sparse *SparseVector
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

// Query is the universal query: exactly one field is set.
type Query struct {
	Nearest   *VectorInput
	Recommend *RecommendInput
	Fusion    Fusion
	OrderBy   *OrderBy
}

// Prefetch is a sub-query whose results feed the parent query.
type Prefetch struct {
	Prefetch       []Prefetch
	Query          *Query
	Using          string
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
