package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"nexusos/vectordb"
)

// This file converts the shared JSON shapes of Qdrant's REST API
// (ExtendedPointId, VectorStruct, WithPayloadInterface, ...) to and from the
// vectordb types.

// parsePointID decodes ExtendedPointId: an unsigned integer or a UUID
// string (any spelling google/uuid accepts; stored canonical lower-case).
func parsePointID(raw json.RawMessage) (vectordb.PointID, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return vectordb.PointID{}, fmt.Errorf("missing point id")
	}
	if t[0] == '"' {
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return vectordb.PointID{}, fmt.Errorf("point id: %w", err)
		}
		return parsePointIDString(s)
	}
	n, err := strconv.ParseUint(string(t), 10, 64)
	if err != nil {
		return vectordb.PointID{}, fmt.Errorf("point id %.40s: expected an unsigned integer or a UUID", t)
	}
	return vectordb.PointID{Num: n}, nil
}

// parsePointIDString parses an id as written in a URL path: decimal or UUID.
func parsePointIDString(s string) (vectordb.PointID, error) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return vectordb.PointID{Num: n}, nil
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return vectordb.PointID{}, fmt.Errorf("point id %q: expected an unsigned integer or a UUID", s)
	}
	return vectordb.PointID{UUID: u.String()}, nil
}

func parsePointIDs(raws []json.RawMessage) ([]vectordb.PointID, error) {
	ids := make([]vectordb.PointID, 0, len(raws))
	for i, r := range raws {
		id, err := parsePointID(r)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// jsonID renders a point id as Qdrant does: a number or a UUID string.
func jsonID(id vectordb.PointID) any {
	if id.IsUUID() {
		return id.UUID
	}
	return id.Num
}

func jsonIDPtr(id *vectordb.PointID) any {
	if id == nil {
		return nil
	}
	return jsonID(*id)
}

// parseDense decodes a JSON array of numbers.
func parseDense(raw json.RawMessage) ([]float32, error) {
	var xs []float64
	if err := json.Unmarshal(raw, &xs); err != nil {
		return nil, fmt.Errorf("expected an array of numbers")
	}
	out := make([]float32, len(xs))
	for i, x := range xs {
		f := float32(x)
		if math.IsInf(float64(f), 0) {
			return nil, fmt.Errorf("vector element %d (%g) overflows float32", i, x)
		}
		out[i] = f
	}
	return out, nil
}

// maxSparseCheck bounds the sparse vectors whose indices are checked for
// duplicates here (larger ones are checked, and bounded, by the engine).
const maxSparseCheck = 1 << 20

func parseSparse(raw json.RawMessage) (*vectordb.SparseVector, error) {
	var w struct {
		Indices *[]uint32  `json:"indices"`
		Values  *[]float64 `json:"values"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("sparse vector: %w", err)
	}
	if w.Indices == nil || w.Values == nil {
		return nil, fmt.Errorf("sparse vector: `indices` and `values` are required")
	}
	if len(*w.Indices) != len(*w.Values) {
		return nil, &multiShapeError{"Validation error: must be the same length as indices [{}]", ".?.values"}
	}
	if len(*w.Indices) <= maxSparseCheck {
		seen := make(map[uint32]struct{}, len(*w.Indices))
		for _, i := range *w.Indices {
			if _, dup := seen[i]; dup {
				return nil, &multiShapeError{"Validation error: must be unique [{}]", ".?.indices"}
			}
			seen[i] = struct{}{}
		}
	}
	sv := &vectordb.SparseVector{Indices: *w.Indices, Values: make([]float32, len(*w.Values))}
	for i, v := range *w.Values {
		sv.Values[i] = float32(v)
	}
	return sv, nil
}

// jsonKind returns the first significant byte of raw ('[', '{', '"', ...).
func jsonKind(raw json.RawMessage) byte {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// isMultiDense reports whether raw is an array whose first element is an
// array (a multi-vector).
func isMultiDense(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if len(t) < 2 || t[0] != '[' {
		return false
	}
	return jsonKind(t[1:]) == '['
}

// multiShapeError is a multi-vector with an empty vector or vectors of
// different sizes, which Qdrant rejects with 422.
type multiShapeError struct{ msg, sub string }

func (e *multiShapeError) Error() string { return e.msg }

// shapeError turns a multiShapeError found while parsing the vectors at
// path into a 422; other errors become 400s.
func shapeError(path string, err error) error {
	var se *multiShapeError
	if errors.As(err, &se) {
		return invalid(path+se.sub, "%s", se.msg)
	}
	return badInput(fmt.Errorf("%s: %w", path, err))
}

// parseMulti decodes a multi-vector: an array of dense vectors, all of
// the same, non-zero length.
func parseMulti(raw json.RawMessage) ([][]float32, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("expected an array of vectors")
	}
	if len(items) > vectordb.MaxMultiVectors {
		return nil, fmt.Errorf("a multi-vector holds at most %d vectors, got %d", vectordb.MaxMultiVectors, len(items))
	}
	out := make([][]float32, len(items))
	for i, it := range items {
		d, err := parseDense(it)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		if len(d) == 0 {
			return nil, &multiShapeError{"all vectors must be non-empty", ".?.data"}
		}
		if i > 0 && len(d) != len(out[0]) {
			return nil, &multiShapeError{fmt.Sprintf("all vectors must have the same dimension, found vector with dimension %d", len(d)), ".?.data"}
		}
		out[i] = d
	}
	return out, nil
}

var errInference = fmt.Errorf("documents, images and inference objects need a server-side model, which this node does not have")

// parseVector decodes Vector: dense array or sparse {indices, values}.
func parseVector(raw json.RawMessage) (vectordb.Vector, error) {
	switch jsonKind(raw) {
	case '[':
		if isMultiDense(raw) {
			m, err := parseMulti(raw)
			return vectordb.Vector{Multi: m}, err
		}
		d, err := parseDense(raw)
		if err == nil && len(d) == 0 {
			err = &multiShapeError{"dense vector must not be empty", ""}
		}
		return vectordb.Vector{Dense: d}, err
	case '{':
		var probe map[string]json.RawMessage
		_ = json.Unmarshal(raw, &probe)
		if _, ok := probe["indices"]; ok {
			s, err := parseSparse(raw)
			return vectordb.Vector{Sparse: s}, err
		}
		return vectordb.Vector{}, errInference
	}
	return vectordb.Vector{}, fmt.Errorf("expected a dense vector (array of numbers) or a sparse vector ({indices, values})")
}

// parseVectorStruct decodes VectorStruct: one unnamed dense vector or an
// object of named vectors.
func parseVectorStruct(raw json.RawMessage) (vectordb.NamedVectors, error) {
	switch jsonKind(raw) {
	case '[':
		v, err := parseVector(raw)
		if err != nil {
			return nil, err
		}
		return vectordb.NamedVectors{vectordb.DefaultVector: v}, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, err
		}
		if jsonKind(obj["model"]) == '"' {
			// A Document, Image or InferenceObject, not named vectors.
			return nil, errInference
		}
		out := make(vectordb.NamedVectors, len(obj))
		for _, name := range sortedKeys(obj) {
			v, err := parseVector(obj[name])
			if err != nil {
				return nil, fmt.Errorf("vector %q: %w", name, err)
			}
			out[name] = v
		}
		return out, nil
	case 0, 'n':
		return vectordb.NamedVectors{}, nil
	}
	return nil, fmt.Errorf("expected a vector or an object of named vectors")
}

// parseBatchVectors decodes BatchVectorStruct into one NamedVectors per
// point.
func parseBatchVectors(raw json.RawMessage, n int) ([]vectordb.NamedVectors, error) {
	out := make([]vectordb.NamedVectors, n)
	for i := range out {
		out[i] = vectordb.NamedVectors{}
	}
	switch jsonKind(raw) {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		if len(items) != n {
			return nil, fmt.Errorf("batch has %d ids but %d vectors", n, len(items))
		}
		for i, it := range items {
			if jsonKind(it) != '[' {
				return nil, errInference
			}
			v, err := parseVector(it)
			if err != nil {
				return nil, fmt.Errorf("vectors[%d]: %w", i, err)
			}
			out[i][vectordb.DefaultVector] = v
		}
	case '{':
		var obj map[string][]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("expected an object of vector arrays: %w", err)
		}
		for _, name := range sortedKeys(obj) {
			items := obj[name]
			if len(items) != n {
				return nil, fmt.Errorf("batch has %d ids but %d vectors named %q", n, len(items), name)
			}
			for i, it := range items {
				v, err := parseVector(it)
				if err != nil {
					return nil, fmt.Errorf("vectors[%q][%d]: %w", name, i, err)
				}
				out[i][name] = v
			}
		}
	default:
		return nil, fmt.Errorf("expected an array of vectors or an object of named vector arrays")
	}
	return out, nil
}

// jsonVectors renders NamedVectors as VectorStructOutput: a bare array for
// a lone default dense vector, otherwise an object.
func jsonVectors(v vectordb.NamedVectors) any {
	if v == nil {
		return nil
	}
	if d, ok := v[vectordb.DefaultVector]; ok && len(v) == 1 && d.Sparse == nil {
		if d.Multi != nil {
			return d.Multi
		}
		return denseOut(d.Dense)
	}
	m := make(map[string]any, len(v))
	for name, x := range v {
		if x.Sparse != nil {
			m[name] = map[string]any{"indices": nonNil(x.Sparse.Indices), "values": denseOut(x.Sparse.Values)}
		} else if x.Multi != nil {
			m[name] = x.Multi
		} else {
			m[name] = denseOut(x.Dense)
		}
	}
	return m
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// denseOut returns a vector for JSON; encoding/json writes float32 values
// in their shortest float32 spelling (0.1, not 0.10000000149011612).
func denseOut(v []float32) []float32 { return nonNil(v) }

// finite32 maps ±Inf (a dot product can overflow float32) to ±MaxFloat32
// and NaN to 0, which JSON cannot carry.
func finite32(x float32) float32 {
	switch {
	case x != x:
		return 0
	case x > math.MaxFloat32:
		return math.MaxFloat32
	case x < -math.MaxFloat32:
		return -math.MaxFloat32
	}
	return x
}

// parseWithPayload decodes WithPayloadInterface; def applies when absent.
func parseWithPayload(raw json.RawMessage, def bool) (vectordb.PayloadSelector, error) {
	switch jsonKind(raw) {
	case 0, 'n':
		return vectordb.PayloadSelector{All: def}, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return vectordb.PayloadSelector{}, fmt.Errorf("with_payload: %w", err)
		}
		return vectordb.PayloadSelector{All: b}, nil
	case '[':
		var ks []string
		if err := json.Unmarshal(raw, &ks); err != nil {
			return vectordb.PayloadSelector{}, fmt.Errorf("with_payload: expected an array of keys")
		}
		return vectordb.PayloadSelector{Include: nonNil(ks)}, nil
	case '{':
		var w struct {
			Include *[]string `json:"include"`
			Exclude *[]string `json:"exclude"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return vectordb.PayloadSelector{}, fmt.Errorf("with_payload: %w", err)
		}
		switch {
		case w.Include != nil && w.Exclude == nil:
			return vectordb.PayloadSelector{Include: nonNil(*w.Include)}, nil
		case w.Exclude != nil && w.Include == nil:
			return vectordb.PayloadSelector{All: true, Exclude: nonNil(*w.Exclude)}, nil
		}
		return vectordb.PayloadSelector{}, fmt.Errorf("with_payload: expected exactly one of include, exclude")
	}
	return vectordb.PayloadSelector{}, fmt.Errorf("with_payload: expected a boolean, an array of keys or {include|exclude}")
}

// parseWithVector decodes WithVector; def applies when absent.
func parseWithVector(raw json.RawMessage, def bool) (vectordb.VectorSelector, error) {
	switch jsonKind(raw) {
	case 0, 'n':
		return vectordb.VectorSelector{All: def}, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return vectordb.VectorSelector{}, fmt.Errorf("with_vector: %w", err)
		}
		return vectordb.VectorSelector{All: b}, nil
	case '[':
		var ns []string
		if err := json.Unmarshal(raw, &ns); err != nil {
			return vectordb.VectorSelector{}, fmt.Errorf("with_vector: expected an array of names")
		}
		return vectordb.VectorSelector{Names: nonNil(ns)}, nil
	}
	return vectordb.VectorSelector{}, fmt.Errorf("with_vector: expected a boolean or an array of vector names")
}

// maxHnswEf bounds the search-time beam width a request may ask for.
const maxHnswEf = 100000

// parseSearchParams decodes SearchParams (hnsw_ef, exact, idf,
// quantization; the rest are accepted and ignored).
func parseSearchParams(raw json.RawMessage) (*vectordb.SearchParams, error) {
	if isNull(raw) {
		return nil, nil
	}
	var w struct {
		HnswEf *int            `json:"hnsw_ef"`
		Exact  *bool           `json:"exact"`
		IDF    json.RawMessage `json:"idf"`
		Quant  *struct {
			Ignore       *bool    `json:"ignore"`
			Rescore      *bool    `json:"rescore"`
			Oversampling *float64 `json:"oversampling"`
		} `json:"quantization"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	p := &vectordb.SearchParams{}
	switch jsonKind(w.IDF) {
	case 0, 'n':
	case '"':
		var s string
		if err := json.Unmarshal(w.IDF, &s); err != nil || s != "global" {
			return nil, fmt.Errorf("params.idf: expected \"global\" or {\"corpus\": filter}")
		}
	default:
		var c struct {
			Corpus json.RawMessage `json:"corpus"`
		}
		if err := json.Unmarshal(w.IDF, &c); err != nil || isNull(c.Corpus) {
			return nil, fmt.Errorf("params.idf: expected \"global\" or {\"corpus\": filter}")
		}
		f, err := parseFilter(c.Corpus)
		if err != nil {
			return nil, fmt.Errorf("params.idf.corpus: %w", err)
		}
		if f == nil {
			f = &vectordb.Filter{}
		}
		p.IDFCorpus = f
	}
	if w.HnswEf != nil {
		if *w.HnswEf < 1 || *w.HnswEf > maxHnswEf {
			return nil, invalid("params.hnsw_ef", "value %d invalid, must be from 1 to %d", *w.HnswEf, maxHnswEf)
		}
		p.HnswEf = *w.HnswEf
	}
	if w.Exact != nil {
		p.Exact = *w.Exact
	}
	if w.Quant != nil {
		qp := &vectordb.QuantizationSearchParams{Rescore: w.Quant.Rescore}
		if w.Quant.Ignore != nil {
			qp.Ignore = *w.Quant.Ignore
		}
		if o := w.Quant.Oversampling; o != nil {
			if *o < 1 || *o > 1e6 {
				return nil, invalid("params.quantization.oversampling", "value %v invalid, must be 1.0 or bigger", *o)
			}
			qp.Oversampling = *o
		}
		p.Quantization = qp
	}
	return p, nil
}

// parseOrderBy decodes OrderByInterface: a key or {key, direction,
// start_from}.
func parseOrderBy(raw json.RawMessage) (*vectordb.OrderBy, error) {
	switch jsonKind(raw) {
	case 0, 'n':
		return nil, nil
	case '"':
		var k string
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, err
		}
		return &vectordb.OrderBy{Key: k, Direction: vectordb.Asc}, nil
	case '{':
		var w struct {
			Key       *string         `json:"key"`
			Direction *string         `json:"direction"`
			StartFrom json.RawMessage `json:"start_from"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, fmt.Errorf("order_by: %w", err)
		}
		if w.Key == nil {
			return nil, fmt.Errorf("order_by: missing field `key`")
		}
		ob := &vectordb.OrderBy{Key: *w.Key, Direction: vectordb.Asc}
		if w.Direction != nil {
			switch d := vectordb.Direction(strings.ToLower(*w.Direction)); d {
			case vectordb.Asc, vectordb.Desc:
				ob.Direction = d
			default:
				return nil, fmt.Errorf("order_by.direction: expected asc or desc")
			}
		}
		switch jsonKind(w.StartFrom) {
		case 0, 'n':
		case '"':
			var s string
			_ = json.Unmarshal(w.StartFrom, &s)
			t, err := parseDatetime(s)
			if err != nil {
				return nil, fmt.Errorf("order_by.start_from: %w", err)
			}
			ob.StartFrom = t
		default:
			s := string(bytes.TrimSpace(w.StartFrom))
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				ob.StartFrom = n
			} else if f, err := strconv.ParseFloat(s, 64); err == nil {
				ob.StartFrom = f
			} else {
				return nil, fmt.Errorf("order_by.start_from: expected a number or a date-time")
			}
		}
		return ob, nil
	}
	return nil, fmt.Errorf("order_by: expected a key or an object")
}

// jsonOrderValue renders an order value as OrderValue (int64 or double).
func jsonOrderValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return x.UnixMicro()
	}
	return v
}

// jsonPayload renders a payload; nil stays null.
func jsonPayload(p vectordb.Payload) any {
	if p == nil {
		return nil
	}
	return map[string]any(p)
}

// recordOut is Qdrant's Record.
type recordOut struct {
	ID         any `json:"id"`
	Payload    any `json:"payload"`
	Vector     any `json:"vector"`
	OrderValue any `json:"order_value,omitempty"`
}

func jsonRecord(r vectordb.Record) recordOut {
	return recordOut{ID: jsonID(r.ID), Payload: jsonPayload(r.Payload), Vector: jsonVectors(r.Vectors), OrderValue: jsonOrderValue(r.OrderValue)}
}

func jsonRecords(rs []vectordb.Record) []recordOut {
	out := make([]recordOut, 0, len(rs))
	for _, r := range rs {
		out = append(out, jsonRecord(r))
	}
	return out
}

// scoredOut is Qdrant's ScoredPoint.
type scoredOut struct {
	ID         any     `json:"id"`
	Version    uint64  `json:"version"`
	Score      float32 `json:"score"`
	Payload    any     `json:"payload"`
	Vector     any     `json:"vector"`
	OrderValue any     `json:"order_value,omitempty"`
}

func jsonScored(ps []vectordb.ScoredPoint) []scoredOut {
	out := make([]scoredOut, 0, len(ps))
	for _, p := range ps {
		out = append(out, scoredOut{
			ID: jsonID(p.ID), Version: p.Version, Score: finite32(p.Score),
			Payload: jsonPayload(p.Payload), Vector: jsonVectors(p.Vectors),
			OrderValue: jsonOrderValue(p.OrderValue),
		})
	}
	return out
}

// updateOut is Qdrant's UpdateResult.
type updateOut struct {
	OperationID uint64 `json:"operation_id"`
	Status      string `json:"status"`
}

func jsonUpdate(u vectordb.UpdateResult) updateOut {
	s := string(u.Status)
	if s == "" {
		s = string(vectordb.Completed)
	}
	return updateOut{OperationID: u.OperationID, Status: s}
}

// parsePointsSelector decodes PointsSelector ({"points": [...]} or
// {"filter": ...}) from an object that may carry other fields too
// (SetPayload, DeletePayload, DeleteVectors).
func parsePointsSelector(points, filter json.RawMessage) (vectordb.PointsSelector, error) {
	hasPoints, hasFilter := !isNull(points), !isNull(filter)
	switch {
	case hasPoints && hasFilter:
		return vectordb.PointsSelector{}, fmt.Errorf("either `points` or `filter` is required, not both")
	case hasPoints:
		var raws []json.RawMessage
		if err := json.Unmarshal(points, &raws); err != nil {
			return vectordb.PointsSelector{}, fmt.Errorf("points: expected an array of point ids")
		}
		ids, err := parsePointIDs(raws)
		if err != nil {
			return vectordb.PointsSelector{}, fmt.Errorf("points%w", err)
		}
		return vectordb.PointsSelector{IDs: ids}, nil
	case hasFilter:
		f, err := parseFilter(filter)
		if err != nil {
			return vectordb.PointsSelector{}, err
		}
		return vectordb.PointsSelector{Filter: f}, nil
	}
	return vectordb.PointsSelector{}, fmt.Errorf("either `points` or `filter` is required")
}

// orAlias returns v, or alias when v is absent (Qdrant accepts
// "with_vectors" as an alias of "with_vector").
func orAlias(v, alias json.RawMessage) json.RawMessage {
	if isNull(v) {
		return alias
	}
	return v
}
