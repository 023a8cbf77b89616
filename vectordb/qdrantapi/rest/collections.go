package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"nexusos/vectordb"
	"nexusos/vectordb/qdrantapi"
)

// Collection, alias and payload-index endpoints.

func collectionName(r *http.Request) string { return r.PathValue("collection") }

type hnswDiffWire struct {
	M                 *int    `json:"m"`
	PayloadM          *int    `json:"payload_m"`
	EfConstruct       *int    `json:"ef_construct"`
	FullScanThreshold *int    `json:"full_scan_threshold"`
	OnDisk            *bool   `json:"on_disk"`
	InlineStorage     *bool   `json:"inline_storage"`
	Memory            *string `json:"memory"`
}

// parseMemory checks a memory placement: cached or cold, and pinned where
// allowed (pinned is refused with 422 for dense vectors and payloads, as
// Qdrant refuses it).
func parseMemory(m *string, path string, pinnedOK bool) (string, error) {
	if m == nil {
		return "", nil
	}
	switch *m {
	case "cached", "cold":
		return *m, nil
	case "pinned":
		if pinnedOK {
			return *m, nil
		}
		return "", invalid(path, "memory placement `pinned` is not supported here")
	}
	return "", fmt.Errorf("%s: unknown memory placement %q, expected cached, cold or pinned", path, *m)
}

// maxFieldSchemaBytes bounds a field_schema object.
const maxFieldSchemaBytes = 4096

// parseQuantization checks a quantization_config with the rules both
// servers share (qdrantapi.ParseQuantization), phrasing a broken
// validation rule as this server's 422.
func parseQuantization(raw json.RawMessage, field string) (json.RawMessage, error) {
	q, err := qdrantapi.ParseQuantization(raw, field)
	var ve *qdrantapi.ValidationError
	if errors.As(err, &ve) {
		return nil, invalid(ve.Path, "%s", ve.Msg)
	}
	return q, err
}

func (w *hnswDiffWire) config() (*vectordb.HNSWConfig, error) {
	if w == nil {
		return nil, nil
	}
	c := &vectordb.HNSWConfig{}
	if w.M != nil {
		if *w.M < 0 {
			return nil, fmt.Errorf("hnsw_config.m must not be negative")
		}
		c.M, c.NoGraph = *w.M, *w.M == 0
	}
	if w.PayloadM != nil {
		if *w.PayloadM < 0 {
			return nil, fmt.Errorf("hnsw_config.payload_m must not be negative")
		}
		v := *w.PayloadM
		c.PayloadM = &v
	}
	if w.EfConstruct != nil {
		if *w.EfConstruct < 4 {
			return nil, invalid("hnsw_config.ef_construct", "value %d invalid, must be 4 or larger", *w.EfConstruct)
		}
		c.EfConstruct = *w.EfConstruct
	}
	if w.FullScanThreshold != nil {
		if *w.FullScanThreshold < 0 {
			return nil, fmt.Errorf("hnsw_config.full_scan_threshold must not be negative")
		}
		c.FullScanThreshold = *w.FullScanThreshold
	}
	if w.OnDisk != nil {
		c.OnDisk = *w.OnDisk
	}
	if w.InlineStorage != nil {
		c.InlineStorage = *w.InlineStorage
	}
	mem, err := parseMemory(w.Memory, "hnsw_config.memory", true)
	if err != nil {
		return nil, err
	}
	c.Memory = mem
	return c, nil
}

// maxVectorSize bounds a dense vector's dimension, as in Qdrant.
const maxVectorSize = 65536

type vectorParamsWire struct {
	Size        *int          `json:"size"`
	Distance    *string       `json:"distance"`
	HNSW        *hnswDiffWire `json:"hnsw_config"`
	OnDisk      *bool         `json:"on_disk"`
	Datatype    *string       `json:"datatype"`
	Multivector *struct {
		Comparator *string `json:"comparator"`
	} `json:"multivector_config"`
	Quantization json.RawMessage `json:"quantization_config"`
	Memory       *string         `json:"memory"`
}

func (w vectorParamsWire) params(name string) (vectordb.VectorParams, error) {
	if w.Size == nil || w.Distance == nil {
		return vectordb.VectorParams{}, fmt.Errorf("vector %q: `size` and `distance` are required", name)
	}
	if *w.Size < 1 || *w.Size > maxVectorSize {
		path := "vectors.size"
		if name != vectordb.DefaultVector {
			path = "vectors." + name + ".size"
		}
		return vectordb.VectorParams{}, invalid(path, "value %d invalid, must be from 1 to %d", *w.Size, maxVectorSize)
	}
	p := vectordb.VectorParams{Size: *w.Size}
	switch d := vectordb.Distance(*w.Distance); d {
	case vectordb.Cosine, vectordb.Dot, vectordb.Euclid, vectordb.Manhattan:
		p.Distance = d
	default:
		return vectordb.VectorParams{}, fmt.Errorf("vector %q: unknown distance %q, expected one of Cosine, Euclid, Dot, Manhattan", name, *w.Distance)
	}
	h, err := w.HNSW.config()
	if err != nil {
		return vectordb.VectorParams{}, fmt.Errorf("vector %q: %w", name, err)
	}
	p.HNSW = h
	if w.OnDisk != nil {
		p.OnDisk = *w.OnDisk
	}
	if w.Datatype != nil {
		switch dt := vectordb.Datatype(*w.Datatype); dt {
		case vectordb.DatatypeFloat32, vectordb.DatatypeFloat16, vectordb.DatatypeUint8, vectordb.DatatypeTurbo4:
			p.Datatype = dt
		default:
			return vectordb.VectorParams{}, fmt.Errorf("vector %q: unknown datatype %q, expected one of float32, float16, uint8, turbo4", name, *w.Datatype)
		}
	}
	if m := w.Multivector; m != nil {
		if m.Comparator == nil || *m.Comparator != "max_sim" {
			return vectordb.VectorParams{}, fmt.Errorf("vector %q: multivector_config.comparator must be max_sim", name)
		}
		p.Multivector = &vectordb.MultivectorConfig{Comparator: "max_sim"}
	}
	qpath := "vectors.quantization_config"
	if name != vectordb.DefaultVector {
		qpath = "vectors." + name + ".quantization_config"
	}
	q, err := parseQuantization(w.Quantization, qpath)
	if err != nil {
		return vectordb.VectorParams{}, err
	}
	if p.Memory, err = parseMemory(w.Memory, "vectors.memory", false); err != nil {
		return vectordb.VectorParams{}, err
	}
	if !isNull(q) {
		p.Quantization = q
	}
	return p, nil
}

type sparseParamsWire struct {
	Modifier *string `json:"modifier"`
	Index    *struct {
		OnDisk   *bool   `json:"on_disk"`
		Datatype *string `json:"datatype"`
		Memory   *string `json:"memory"`
	} `json:"index"`
}

// diff returns the changes a PATCH asks for.
func (w sparseParamsWire) diff(name string) (vectordb.SparseVectorParamsDiff, error) {
	var d vectordb.SparseVectorParamsDiff
	if w.Modifier != nil {
		p, err := w.params(name)
		if err != nil {
			return d, err
		}
		d.Modifier = &p.Modifier
	}
	if w.Index != nil {
		d.IndexOnDisk = w.Index.OnDisk
	}
	return d, nil
}

func (w sparseParamsWire) params(name string) (vectordb.SparseVectorParams, error) {
	p := vectordb.SparseVectorParams{Modifier: vectordb.ModifierNone}
	if w.Index != nil {
		if w.Index.Datatype != nil {
			switch *w.Index.Datatype {
			case "float32", "float16", "uint8":
			default:
				return p, fmt.Errorf("sparse vector %q: sparse vectors do not support datatype %q", name, *w.Index.Datatype)
			}
		}
		if w.Index.OnDisk != nil {
			p.IndexOnDisk = *w.Index.OnDisk
		}
		mem, err := parseMemory(w.Index.Memory, "sparse_vectors.index.memory", true)
		if err != nil {
			return p, err
		}
		p.IndexMemory = mem
	}
	if w.Modifier != nil {
		switch m := vectordb.SparseModifier(*w.Modifier); m {
		case vectordb.ModifierNone, vectordb.ModifierIDF:
			p.Modifier = m
		default:
			return p, fmt.Errorf("sparse vector %q: unknown modifier %q, expected none or idf", name, *w.Modifier)
		}
	}
	return p, nil
}

// parseVectorsConfig decodes VectorsConfig: one unnamed VectorParams or an
// object of named ones.
func parseVectorsConfig(raw json.RawMessage) (map[string]vectordb.VectorParams, error) {
	out := map[string]vectordb.VectorParams{}
	if isNull(raw) {
		return out, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("vectors: expected an object")
	}
	if _, single := probe["size"]; single {
		var w vectorParamsWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, fmt.Errorf("vectors: %w", err)
		}
		p, err := w.params(vectordb.DefaultVector)
		if err != nil {
			return nil, err
		}
		out[vectordb.DefaultVector] = p
		return out, nil
	}
	for _, name := range sortedKeys(probe) {
		var w vectorParamsWire
		if err := json.Unmarshal(probe[name], &w); err != nil {
			return nil, fmt.Errorf("vectors.%s: %w", name, err)
		}
		p, err := w.params(name)
		if err != nil {
			return nil, err
		}
		out[name] = p
	}
	return out, nil
}

func (h *handler) createCollection(r *http.Request) (any, error) {
	var w struct {
		Vectors       json.RawMessage             `json:"vectors"`
		SparseVectors map[string]sparseParamsWire `json:"sparse_vectors"`
		HNSW          *hnswDiffWire               `json:"hnsw_config"`
		OnDiskPayload *bool                       `json:"on_disk_payload"`
		Quantization  json.RawMessage             `json:"quantization_config"`
		QuantAlias    json.RawMessage             `json:"quantization"`
		Metadata      json.RawMessage             `json:"metadata"`
		StrictMode    *vectordb.StrictModeConfig  `json:"strict_mode_config"`
		Optimizers    *optimizersWire             `json:"optimizers_config"`
		Payload       *struct {
			Memory *string `json:"memory"`
		} `json:"payload"`
		ShardNumber  *int64 `json:"shard_number"`
		Replication  *int64 `json:"replication_factor"`
		WriteConsist *int64 `json:"write_consistency_factor"`
	}
	if err := decodeBody(r, &w, true); err != nil {
		return nil, err
	}
	name := collectionName(r)
	// A single node has one shard and one replica; the values are
	// validated as Qdrant validates them and otherwise ignored.
	for _, f := range []struct {
		name string
		v    *int64
	}{{"shard_number", w.ShardNumber}, {"replication_factor", w.Replication}, {"write_consistency_factor", w.WriteConsist}} {
		switch {
		case f.v == nil:
		case *f.v < 0 || *f.v > math.MaxUint32:
			return nil, &vectordb.Error{Kind: vectordb.KindBadInput, Msg: fmt.Sprintf("Json deserialize error: %s: invalid value: integer `%d`, expected u32", f.name, *f.v)}
		case *f.v == 0:
			return nil, invalid(f.name, "value 0 invalid, must be 1 or larger")
		}
	}
	if err := checkStrictConfig(w.StrictMode); err != nil {
		return nil, badInput(err)
	}
	if err := validCollectionName(name); err != nil {
		return nil, badInput(err)
	}
	cfg := vectordb.CollectionConfig{SparseVectors: map[string]vectordb.SparseVectorParams{}}
	var err error
	if cfg.Vectors, err = parseVectorsConfig(w.Vectors); err != nil {
		return nil, badInput(err)
	}
	for _, n := range sortedKeys(w.SparseVectors) {
		p, err := w.SparseVectors[n].params(n)
		if err != nil {
			return nil, badInput(err)
		}
		cfg.SparseVectors[n] = p
	}
	hc, err := w.HNSW.config()
	if err != nil {
		return nil, badInput(err)
	}
	if hc != nil {
		cfg.HNSW = *hc
	}
	if w.OnDiskPayload != nil {
		cfg.OnDiskPayload = *w.OnDiskPayload
	}
	q, err := parseQuantization(orAlias(w.Quantization, w.QuantAlias), "quantization_config")
	if err != nil {
		return nil, badInput(err)
	}
	if !isNull(q) {
		cfg.Quantization = q
	}
	if cfg.Metadata, err = parseMetadata(w.Metadata); err != nil {
		return nil, badInput(err)
	}
	cfg.StrictMode = w.StrictMode
	if w.Payload != nil {
		if cfg.PayloadMemory, err = parseMemory(w.Payload.Memory, "payload.memory", false); err != nil {
			return nil, badInput(err)
		}
	}
	if cfg.IndexingThreshold, err = w.Optimizers.threshold(); err != nil {
		return nil, badInput(err)
	}
	h.rates.reset(name)
	if err := h.db.CreateCollection(r.Context(), name, cfg); err != nil {
		return nil, err
	}
	return true, nil
}

// validCollectionName applies Qdrant's rule: 1..255 characters, none of
// < > : " / \ | ? * and no NUL.
func validCollectionName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("collection name must be 1 to 255 characters long")
	}
	if strings.ContainsAny(name, "<>:\"/\\|?*\x00") {
		return fmt.Errorf("collection name %q contains a forbidden character (one of < > : \" / \\ | ? *)", name)
	}
	return nil
}

// checkStrictConfig rejects negative strict mode limits and oversized
// per-vector maps.
func checkStrictConfig(sm *vectordb.StrictModeConfig) error {
	if sm == nil {
		return nil
	}
	for name, p := range map[string]*int{
		"max_query_limit": sm.MaxQueryLimit, "max_timeout": sm.MaxTimeout, "search_max_hnsw_ef": sm.SearchMaxHnswEf,
		"upsert_max_batchsize": sm.UpsertMaxBatchsize, "search_max_batchsize": sm.SearchMaxBatchsize,
		"read_rate_limit": sm.ReadRateLimit, "write_rate_limit": sm.WriteRateLimit, "max_points_count": sm.MaxPointsCount,
		"filter_max_conditions": sm.FilterMaxConditions, "condition_max_size": sm.ConditionMaxSize,
		"max_payload_index_count": sm.MaxPayloadIndexCount,
	} {
		if p != nil && *p < 0 {
			return fmt.Errorf("strict_mode_config.%s must not be negative", name)
		}
	}
	for _, p := range []*int{sm.ReadRateLimit, sm.WriteRateLimit} {
		if p != nil && *p == 0 {
			return fmt.Errorf("strict_mode_config rate limits must be at least 1")
		}
	}
	if len(sm.Multivector) > 1024 || len(sm.Sparse) > 1024 {
		return fmt.Errorf("strict_mode_config: at most 1024 vectors may be configured")
	}
	return nil
}

// maxMetadataBytes bounds collection metadata.
const maxMetadataBytes = 64 << 10

// parseMetadata decodes collection metadata: null or an object.
func parseMetadata(raw json.RawMessage) (vectordb.Payload, error) {
	if isNull(raw) {
		return nil, nil
	}
	if len(raw) > maxMetadataBytes {
		return nil, fmt.Errorf("metadata: at most %d bytes", maxMetadataBytes)
	}
	p, err := parsePayload(raw)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return p, nil
}

func (h *handler) updateCollection(r *http.Request) (any, error) {
	var w struct {
		Vectors map[string]struct {
			HNSW         *hnswDiffWire   `json:"hnsw_config"`
			OnDisk       *bool           `json:"on_disk"`
			Quantization json.RawMessage `json:"quantization_config"`
			Memory       *string         `json:"memory"`
		} `json:"vectors"`
		SparseVectors map[string]sparseParamsWire `json:"sparse_vectors"`
		HNSW          *hnswDiffWire               `json:"hnsw_config"`
		Quantization  json.RawMessage             `json:"quantization_config"`
		Metadata      json.RawMessage             `json:"metadata"`
		StrictMode    *vectordb.StrictModeConfig  `json:"strict_mode_config"`
		Params        *struct {
			OnDiskPayload *bool `json:"on_disk_payload"`
			Payload       *struct {
				Memory *string `json:"memory"`
			} `json:"payload"`
		} `json:"params"`
		Optimizers *optimizersWire `json:"optimizers_config"`
	}
	if err := decodeBody(r, &w, true); err != nil {
		return nil, err
	}
	if err := checkStrictConfig(w.StrictMode); err != nil {
		return nil, badInput(err)
	}
	u := vectordb.CollectionUpdate{StrictMode: w.StrictMode}
	if w.Params != nil {
		u.OnDiskPayload = w.Params.OnDiskPayload
		if w.Params.Payload != nil && w.Params.Payload.Memory != nil {
			mem, err := parseMemory(w.Params.Payload.Memory, "params.payload.memory", false)
			if err != nil {
				return nil, badInput(err)
			}
			u.PayloadMemory = &mem
		}
	}
	th, err := w.Optimizers.threshold()
	if err != nil {
		return nil, badInput(err)
	}
	u.IndexingThreshold = th
	h.rates.reset(collectionName(r))
	if u.HNSW, err = w.HNSW.config(); err != nil {
		return nil, badInput(err)
	}
	if u.Quantization, err = parseQuantization(w.Quantization, "quantization_config"); err != nil {
		return nil, badInput(err)
	}
	if u.Metadata, err = parseMetadata(w.Metadata); err != nil {
		return nil, badInput(err)
	}
	if w.Vectors != nil {
		u.Vectors = map[string]vectordb.VectorParamsDiff{}
		for _, n := range sortedKeys(w.Vectors) {
			v := w.Vectors[n]
			hc, err := v.HNSW.config()
			if err != nil {
				return nil, badInput(fmt.Errorf("vectors.%s: %w", n, err))
			}
			q, err := parseQuantization(v.Quantization, "vectors."+n+".quantization_config")
			if err != nil {
				return nil, badInput(err)
			}
			d := vectordb.VectorParamsDiff{HNSW: hc, OnDisk: v.OnDisk, Quantization: q}
			if v.Memory != nil {
				mem, err := parseMemory(v.Memory, "vectors."+n+".memory", false)
				if err != nil {
					return nil, badInput(err)
				}
				d.Memory = &mem
			}
			u.Vectors[n] = d
		}
	}
	if w.SparseVectors != nil {
		u.SparseVectors = map[string]vectordb.SparseVectorParamsDiff{}
		for _, n := range sortedKeys(w.SparseVectors) {
			p, err := w.SparseVectors[n].diff(n)
			if err != nil {
				return nil, badInput(err)
			}
			u.SparseVectors[n] = p
		}
	}
	if err := h.db.UpdateCollection(r.Context(), collectionName(r), u); err != nil {
		return nil, err
	}
	return true, nil
}

func (h *handler) deleteCollection(r *http.Request) (any, error) {
	ok, err := h.db.DeleteCollection(r.Context(), collectionName(r))
	if err != nil {
		return nil, err
	}
	return ok, nil
}

func (h *handler) listCollections(r *http.Request) (any, error) {
	names := h.db.Collections()
	out := make([]map[string]string, 0, len(names))
	for _, n := range names {
		out = append(out, map[string]string{"name": n})
	}
	return map[string]any{"collections": out}, nil
}

func (h *handler) collectionExists(r *http.Request) (any, error) {
	ok, err := h.db.CollectionExists(r.Context(), collectionName(r))
	if err != nil {
		return nil, err
	}
	return map[string]bool{"exists": ok}, nil
}

// Defaults reported in collection info, as Qdrant reports them.
const (
	defaultM                 = 16
	defaultEfConstruct       = 100
	defaultFullScanThreshold = 10000
)

func hnswOut(c vectordb.HNSWConfig, diff bool) map[string]any {
	m := map[string]any{}
	put := func(k string, v, def int) {
		if v == 0 && diff {
			return
		}
		if v == 0 {
			v = def
		}
		m[k] = v
	}
	if c.NoGraph {
		m["m"] = 0
	} else {
		put("m", c.M, defaultM)
	}
	if c.PayloadM != nil {
		m["payload_m"] = *c.PayloadM
	}
	put("ef_construct", c.EfConstruct, defaultEfConstruct)
	put("full_scan_threshold", c.FullScanThreshold, defaultFullScanThreshold)
	if !diff {
		m["max_indexing_threads"] = 0
	}
	if c.OnDisk || !diff {
		m["on_disk"] = c.OnDisk
	}
	if c.InlineStorage {
		m["inline_storage"] = true
	}
	if c.Memory != "" {
		m["memory"] = c.Memory
	}
	return m
}

func vectorParamsOut(p vectordb.VectorParams) map[string]any {
	m := map[string]any{"size": p.Size, "distance": string(p.Distance)}
	if p.HNSW != nil {
		m["hnsw_config"] = hnswOut(*p.HNSW, true)
	}
	m["on_disk"] = p.OnDisk
	if p.Memory != "" {
		m["memory"] = p.Memory
	}
	if p.Quantization != nil {
		m["quantization_config"] = p.Quantization
	}
	if p.Datatype != "" {
		m["datatype"] = string(p.Datatype)
	}
	if p.Multivector != nil {
		m["multivector_config"] = map[string]any{"comparator": p.Multivector.Comparator}
	}
	return m
}

func (h *handler) getCollection(r *http.Request) (any, error) {
	info, err := h.db.CollectionInfo(r.Context(), collectionName(r))
	if err != nil {
		return nil, err
	}
	return collectionInfoOut(info), nil
}

func collectionInfoOut(info vectordb.CollectionInfo) map[string]any {
	var vectors any
	if p, ok := info.Config.Vectors[vectordb.DefaultVector]; ok && len(info.Config.Vectors) == 1 {
		vectors = vectorParamsOut(p)
	} else {
		named := map[string]any{}
		for n, p := range info.Config.Vectors {
			named[n] = vectorParamsOut(p)
		}
		vectors = named
	}
	params := map[string]any{
		"vectors":                  vectors,
		"shard_number":             1,
		"replication_factor":       1,
		"write_consistency_factor": 1,
		"on_disk_payload":          info.Config.OnDiskPayload,
	}
	if info.Config.PayloadMemory != "" {
		params["payload"] = map[string]any{"memory": info.Config.PayloadMemory}
	}
	if len(info.Config.SparseVectors) > 0 {
		sp := map[string]any{}
		for n, p := range info.Config.SparseVectors {
			idx := map[string]any{"on_disk": p.IndexOnDisk}
			if p.IndexMemory != "" {
				idx["memory"] = p.IndexMemory
			}
			m := map[string]any{"index": idx}
			if p.Modifier != "" {
				m["modifier"] = string(p.Modifier)
			}
			sp[n] = m
		}
		params["sparse_vectors"] = sp
	}
	schema := map[string]any{}
	for field, pi := range info.PayloadSchema {
		m := map[string]any{"data_type": string(pi.DataType), "points": pi.Points}
		if pi.Text != nil && pi.Text.Schema != nil {
			m["params"] = pi.Text.Schema
		} else if pi.Text != nil && pi.DataType == vectordb.SchemaKeyword {
			m["params"] = map[string]any{"type": "keyword", "prefix": pi.Text.Prefix}
		} else if pi.Text != nil && !defaultTextParams(*pi.Text) {
			tp := map[string]any{"type": "text"}
			if pi.Text.PhraseMatching {
				tp["phrase_matching"] = true
			}
			switch {
			case len(pi.Text.CustomStopwords) > 0:
				tp["stopwords"] = map[string]any{"languages": nonNil(pi.Text.StopwordLanguages), "custom": pi.Text.CustomStopwords}
			case len(pi.Text.StopwordLanguages) == 1:
				tp["stopwords"] = pi.Text.StopwordLanguages[0]
			case len(pi.Text.StopwordLanguages) > 1:
				tp["stopwords"] = map[string]any{"languages": pi.Text.StopwordLanguages}
			}
			if pi.Text.Tokenizer != "" {
				tp["tokenizer"] = pi.Text.Tokenizer
			}
			if pi.Text.MinTokenLen > 0 {
				tp["min_token_len"] = pi.Text.MinTokenLen
			}
			if pi.Text.MaxTokenLen > 0 {
				tp["max_token_len"] = pi.Text.MaxTokenLen
			}
			if pi.Text.Lowercase != nil {
				tp["lowercase"] = *pi.Text.Lowercase
			}
			m["params"] = tp
		}
		schema[field] = m
	}
	status := string(info.Status)
	if status == "" {
		status = "green"
	}
	opt := any("ok")
	if info.OptimizerStatus != "" && info.OptimizerStatus != "ok" {
		opt = map[string]string{"error": info.OptimizerStatus}
	}
	indexingThreshold := 10000
	if t := info.Config.IndexingThreshold; t != nil {
		indexingThreshold = *t
	}
	var quant any
	if info.Config.Quantization != nil {
		quant = info.Config.Quantization
	}
	var metadata any
	if info.Config.Metadata != nil {
		metadata = info.Config.Metadata
	}
	out := map[string]any{
		"status":                status,
		"optimizer_status":      opt,
		"indexed_vectors_count": info.IndexedVectorsCount,
		"points_count":          info.PointsCount,
		"segments_count":        info.SegmentsCount,
		"config": map[string]any{
			"params":      params,
			"hnsw_config": hnswOut(info.Config.HNSW, false),
			"optimizer_config": map[string]any{
				"deleted_threshold":        0.2,
				"vacuum_min_vector_number": 1000,
				"default_segment_number":   0,
				"max_segment_size":         nil,
				"memmap_threshold":         nil,
				"indexing_threshold":       indexingThreshold,
				"flush_interval_sec":       5,
				"max_optimization_threads": nil,
			},
			"wal_config":          map[string]any{"wal_capacity_mb": 32, "wal_segments_ahead": 0},
			"quantization_config": quant,
			"metadata":            metadata,
			"strict_mode_config":  strictOut(info.Config.StrictMode),
		},
		"payload_schema": schema,
		"update_queue":   map[string]any{"length": 0}, // updates are applied before they are acknowledged
	}
	if ws := configWarnings(info.Config); len(ws) > 0 {
		out["warnings"] = ws
	}
	return out
}

// configWarnings reports configurations Qdrant warns about: HNSW inline
// storage needs quantization and does not apply to multi-vectors.
func configWarnings(cfg vectordb.CollectionConfig) []map[string]string {
	var out []map[string]string
	for _, n := range sortedKeys(cfg.Vectors) {
		p := cfg.Vectors[n]
		inline := cfg.HNSW.InlineStorage
		if p.HNSW != nil && p.HNSW.InlineStorage {
			inline = true
		}
		if !inline {
			continue
		}
		switch {
		case p.Multivector != nil:
			out = append(out, map[string]string{"message": fmt.Sprintf("Vector %q: hnsw_config.inline_storage is not supported for multi-vectors and is ignored", n)})
		case p.Quantization == nil && cfg.Quantization == nil:
			out = append(out, map[string]string{"message": fmt.Sprintf("Vector %q: hnsw_config.inline_storage requires quantization and is ignored", n)})
		}
	}
	return out
}

func (h *handler) updateAliases(r *http.Request) (any, error) {
	var w struct {
		Actions []struct {
			Create *struct {
				Collection *string `json:"collection_name"`
				Alias      *string `json:"alias_name"`
			} `json:"create_alias"`
			Delete *struct {
				Alias *string `json:"alias_name"`
			} `json:"delete_alias"`
			Rename *struct {
				Old *string `json:"old_alias_name"`
				New *string `json:"new_alias_name"`
			} `json:"rename_alias"`
		} `json:"actions"`
	}
	if err := decodeBody(r, &w, false); err != nil {
		return nil, err
	}
	ops := make([]vectordb.AliasOp, 0, len(w.Actions))
	for i, a := range w.Actions {
		n := 0
		var op vectordb.AliasOp
		if a.Create != nil {
			n++
			if a.Create.Collection == nil || a.Create.Alias == nil {
				return nil, badInput(fmt.Errorf("actions[%d].create_alias: `collection_name` and `alias_name` are required", i))
			}
			op.Create = &vectordb.Alias{Alias: *a.Create.Alias, Collection: *a.Create.Collection}
		}
		if a.Delete != nil {
			n++
			if a.Delete.Alias == nil {
				return nil, badInput(fmt.Errorf("actions[%d].delete_alias: `alias_name` is required", i))
			}
			op.Delete = a.Delete.Alias
		}
		if a.Rename != nil {
			n++
			if a.Rename.Old == nil || a.Rename.New == nil {
				return nil, badInput(fmt.Errorf("actions[%d].rename_alias: `old_alias_name` and `new_alias_name` are required", i))
			}
			op.Rename = &struct{ Old, New string }{*a.Rename.Old, *a.Rename.New}
		}
		if n != 1 {
			return nil, badInput(fmt.Errorf("actions[%d]: exactly one of create_alias, delete_alias, rename_alias is required", i))
		}
		ops = append(ops, op)
	}
	if err := h.db.UpdateAliases(r.Context(), ops); err != nil {
		return nil, err
	}
	return true, nil
}

func aliasesOut(as []vectordb.Alias) map[string]any {
	out := make([]map[string]string, 0, len(as))
	for _, a := range as {
		out = append(out, map[string]string{"alias_name": a.Alias, "collection_name": a.Collection})
	}
	return map[string]any{"aliases": out}
}

func (h *handler) listAliases(r *http.Request) (any, error) {
	as, err := h.db.Aliases("")
	if err != nil {
		return nil, err
	}
	return aliasesOut(as), nil
}

func (h *handler) collectionAliases(r *http.Request) (any, error) {
	as, err := h.db.Aliases(collectionName(r))
	if err != nil {
		return nil, err
	}
	return aliasesOut(as), nil
}

func (h *handler) createIndex(r *http.Request) (any, error) {
	var w struct {
		FieldName   *string         `json:"field_name"`
		FieldSchema json.RawMessage `json:"field_schema"`
	}
	if err := decodeBody(r, &w, false); err != nil {
		return nil, err
	}
	if w.FieldName == nil || *w.FieldName == "" {
		return nil, badInput(fmt.Errorf("`field_name` is required"))
	}
	schema, text, err := parseFieldSchema(w.FieldSchema)
	if err != nil {
		return nil, badInput(err)
	}
	res, err := h.db.CreateFieldIndex(r.Context(), collectionName(r), *w.FieldName, schema, text, waitParam(r))
	if err != nil {
		return nil, err
	}
	return jsonUpdate(res), nil
}

// parseFieldSchema decodes PayloadFieldSchema: a type name or an object
// with `type` (and, for text, tokenizer settings).
func parseFieldSchema(raw json.RawMessage) (vectordb.PayloadSchemaType, *vectordb.TextIndexParams, error) {
	var typ string
	var text *vectordb.TextIndexParams
	switch jsonKind(raw) {
	case 0, 'n':
		return "", nil, fmt.Errorf("`field_schema` is required")
	case '"':
		_ = json.Unmarshal(raw, &typ)
	case '{':
		if len(raw) > maxFieldSchemaBytes {
			return "", nil, fmt.Errorf("field_schema: at most %d bytes", maxFieldSchemaBytes)
		}
		var w struct {
			Type        *string         `json:"type"`
			Tokenizer   *string         `json:"tokenizer"`
			MinTokenLen *int            `json:"min_token_len"`
			MaxTokenLen *int            `json:"max_token_len"`
			Lowercase   *bool           `json:"lowercase"`
			Phrase      *bool           `json:"phrase_matching"`
			Stopwords   json.RawMessage `json:"stopwords"`
			Lookup      *bool           `json:"lookup"`
			Range       *bool           `json:"range"`
			Prefix      *bool           `json:"prefix"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return "", nil, fmt.Errorf("field_schema: %w", err)
		}
		if w.Prefix != nil && *w.Prefix && (w.Type == nil || *w.Type == string(vectordb.SchemaKeyword)) {
			text = &vectordb.TextIndexParams{Prefix: true}
		}
		if w.Type == nil {
			return "", nil, fmt.Errorf("field_schema: `type` is required")
		}
		if w.Lookup != nil && w.Range != nil && !*w.Lookup && !*w.Range {
			return "", nil, invalid("field_schema", "Validation error: the 'lookup' and 'range' capabilities can't be both disabled")
		}
		typ = *w.Type
		if typ == string(vectordb.SchemaText) {
			text = &vectordb.TextIndexParams{Tokenizer: "word", Lowercase: w.Lowercase}
			if w.Tokenizer != nil {
				switch *w.Tokenizer {
				case "word", "whitespace", "prefix", "multilingual":
					text.Tokenizer = *w.Tokenizer
				default:
					return "", nil, fmt.Errorf("field_schema.tokenizer: unknown tokenizer %q", *w.Tokenizer)
				}
			}
			if w.MinTokenLen != nil {
				text.MinTokenLen = *w.MinTokenLen
			}
			if w.MaxTokenLen != nil {
				text.MaxTokenLen = *w.MaxTokenLen
			}
			text.PhraseMatching = w.Phrase != nil && *w.Phrase
			if err := parseStopwords(w.Stopwords, text); err != nil {
				return "", nil, err
			}
		}
	default:
		return "", nil, fmt.Errorf("field_schema: expected a type name or an object")
	}
	if jsonKind(raw) == '{' {
		if text == nil {
			text = &vectordb.TextIndexParams{}
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", nil, fmt.Errorf("field_schema: %w", err)
		}
		text.Schema = buf.Bytes()
	}
	switch t := vectordb.PayloadSchemaType(typ); t {
	case vectordb.SchemaKeyword:
		return t, text, nil
	case vectordb.SchemaInteger, vectordb.SchemaFloat, vectordb.SchemaBool,
		vectordb.SchemaDatetime, vectordb.SchemaUUID:
		return t, text, nil
	case vectordb.SchemaText:
		if text == nil {
			text = &vectordb.TextIndexParams{Tokenizer: "word"}
		}
		return t, text, nil
	case vectordb.SchemaGeo:
		return t, text, nil
	}
	return "", nil, fmt.Errorf("unknown payload schema type %q", typ)
}

// maxCustomStopwords bounds a text index's custom stopword list.
const maxCustomStopwords = 10000

// parseStopwords decodes StopwordsInterface: a language name or
// {languages, custom}.
func parseStopwords(raw json.RawMessage, text *vectordb.TextIndexParams) error {
	switch jsonKind(raw) {
	case 0, 'n':
		return nil
	case '"':
		var l string
		_ = json.Unmarshal(raw, &l)
		text.StopwordLanguages = []string{strings.ToLower(l)}
		return nil
	}
	var w struct {
		Languages []string `json:"languages"`
		Custom    []string `json:"custom"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return fmt.Errorf("field_schema.stopwords: expected a language or {languages, custom}")
	}
	if len(w.Custom) > maxCustomStopwords || len(w.Languages) > 64 {
		return fmt.Errorf("field_schema.stopwords: at most %d custom words", maxCustomStopwords)
	}
	for _, l := range w.Languages {
		text.StopwordLanguages = append(text.StopwordLanguages, strings.ToLower(l))
	}
	text.CustomStopwords = w.Custom
	return nil
}

func (h *handler) deleteIndex(r *http.Request) (any, error) {
	res, err := h.db.DeleteFieldIndex(r.Context(), collectionName(r), r.PathValue("field"), waitParam(r))
	if err != nil {
		return nil, err
	}
	return jsonUpdate(res), nil
}

// strictOut renders a strict mode config ({"enabled": false} when unset,
// as Qdrant reports it).
func strictOut(sm *vectordb.StrictModeConfig) any {
	if sm == nil {
		return map[string]any{"enabled": false}
	}
	return sm
}

// defaultTextParams reports whether a text index has the parameters of
// one created as just "text", which Qdrant reports without params.
func defaultTextParams(t vectordb.TextIndexParams) bool {
	return (t.Tokenizer == "" || t.Tokenizer == "word") && t.MinTokenLen == 0 && t.MaxTokenLen == 0 &&
		t.Lowercase == nil && !t.PhraseMatching && !t.Prefix && len(t.StopwordLanguages) == 0 && len(t.CustomStopwords) == 0
}

// createVector serves PUT /collections/{c}/vectors/{name}: VectorNameConfig,
// {"dense": DenseVectorConfig} or {"sparse": SparseVectorConfig}.
func (h *handler) createVector(r *http.Request) (any, error) {
	var w struct {
		Dense  *vectorParamsWire `json:"dense"`
		Sparse *sparseParamsWire `json:"sparse"`
	}
	if err := decodeBody(r, &w, false); err != nil {
		return nil, err
	}
	name := r.PathValue("vector")
	var res vectordb.UpdateResult
	var err error
	switch {
	case (w.Dense == nil) == (w.Sparse == nil):
		return nil, badInput(fmt.Errorf("expected exactly one of `dense` and `sparse`"))
	case w.Dense != nil:
		if w.Dense.Size != nil && (*w.Dense.Size < 1 || *w.Dense.Size > maxVectorSize) {
			return nil, invalid("dense.size", "value %d invalid, must be from 1 to %d", *w.Dense.Size, maxVectorSize)
		}
		p, perr := w.Dense.params(name)
		if perr != nil {
			return nil, badInput(perr)
		}
		res, err = h.db.CreateVector(r.Context(), collectionName(r), name, &p, nil)
	default:
		p, perr := w.Sparse.params(name)
		if perr != nil {
			return nil, badInput(perr)
		}
		res, err = h.db.CreateVector(r.Context(), collectionName(r), name, nil, &p)
	}
	if err != nil {
		return nil, err
	}
	return jsonUpdate(res), nil
}

func (h *handler) deleteVector(r *http.Request) (any, error) {
	res, err := h.db.DeleteVector(r.Context(), collectionName(r), r.PathValue("vector"))
	if err != nil {
		return nil, err
	}
	return jsonUpdate(res), nil
}

// optimizersWire is the part of OptimizersConfigDiff this server applies:
// indexing_threshold (KB of vectors from which HNSW graphs are built; 0
// disables them). The other fields are accepted and ignored.
type optimizersWire struct {
	IndexingThreshold *int64 `json:"indexing_threshold"`
}

func (w *optimizersWire) threshold() (*int, error) {
	if w == nil || w.IndexingThreshold == nil {
		return nil, nil
	}
	t := *w.IndexingThreshold
	if t < 0 || t > math.MaxInt32 {
		return nil, fmt.Errorf("optimizers_config.indexing_threshold must be between 0 and %d", math.MaxInt32)
	}
	v := int(t)
	return &v, nil
}

// segmentUUID is a stable UUID for the single segment a collection is
// reported as (derived from its name).
func segmentUUID(coll string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("nexus-collection:"+coll)).String()
}

// optimizations serves GET /collections/{c}/optimizations: nothing is
// ever pending here (indexing runs in the background and is reported by
// the collection status), and the collection is one idle segment.
func (h *handler) optimizations(r *http.Request) (any, error) {
	info, err := h.db.CollectionInfo(r.Context(), collectionName(r))
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"summary": map[string]any{"queued_optimizations": 0, "queued_segments": 0, "queued_points": 0, "idle_segments": 1},
		"running": []any{},
	}
	for _, w := range strings.Split(r.URL.Query().Get("with"), ",") {
		switch strings.TrimSpace(w) {
		case "queued":
			out["queued"] = []any{}
		case "completed":
			out["completed"] = []any{}
		case "idle_segments":
			out["idle_segments"] = []any{map[string]any{"uuid": segmentUUID(collectionName(r)), "points_count": info.PointsCount}}
		case "":
		default:
			return nil, badInput(fmt.Errorf("with: unknown value %q, expected queued, completed or idle_segments", strings.TrimSpace(w)))
		}
	}
	return out, nil
}
