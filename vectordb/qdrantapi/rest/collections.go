package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"nexusos/vectordb"
)

// Collection, alias and payload-index endpoints.

func collectionName(r *http.Request) string { return r.PathValue("collection") }

type hnswDiffWire struct {
	M                 *int  `json:"m"`
	EfConstruct       *int  `json:"ef_construct"`
	FullScanThreshold *int  `json:"full_scan_threshold"`
	OnDisk            *bool `json:"on_disk"`
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
		c.M = *w.M
	}
	if w.EfConstruct != nil {
		if *w.EfConstruct < 4 {
			return nil, fmt.Errorf("hnsw_config.ef_construct must be at least 4")
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
	return c, nil
}

type vectorParamsWire struct {
	Size     *int          `json:"size"`
	Distance *string       `json:"distance"`
	HNSW     *hnswDiffWire `json:"hnsw_config"`
	OnDisk   *bool         `json:"on_disk"`
}

func (w vectorParamsWire) params(name string) (vectordb.VectorParams, error) {
	if w.Size == nil || w.Distance == nil {
		return vectordb.VectorParams{}, fmt.Errorf("vector %q: `size` and `distance` are required", name)
	}
	if *w.Size < 1 {
		return vectordb.VectorParams{}, fmt.Errorf("vector %q: size must be at least 1", name)
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
	return p, nil
}

type sparseParamsWire struct {
	Modifier *string `json:"modifier"`
}

func (w sparseParamsWire) params(name string) (vectordb.SparseVectorParams, error) {
	p := vectordb.SparseVectorParams{Modifier: vectordb.ModifierNone}
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
	}
	if err := decodeBody(r, &w, true); err != nil {
		return nil, err
	}
	name := collectionName(r)
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

func (h *handler) updateCollection(r *http.Request) (any, error) {
	var w struct {
		Vectors map[string]struct {
			HNSW   *hnswDiffWire `json:"hnsw_config"`
			OnDisk *bool         `json:"on_disk"`
		} `json:"vectors"`
		SparseVectors map[string]sparseParamsWire `json:"sparse_vectors"`
		HNSW          *hnswDiffWire               `json:"hnsw_config"`
	}
	if err := decodeBody(r, &w, true); err != nil {
		return nil, err
	}
	var u vectordb.CollectionUpdate
	var err error
	if u.HNSW, err = w.HNSW.config(); err != nil {
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
			u.Vectors[n] = vectordb.VectorParamsDiff{HNSW: hc, OnDisk: v.OnDisk}
		}
	}
	if w.SparseVectors != nil {
		u.SparseVectors = map[string]vectordb.SparseVectorParams{}
		for _, n := range sortedKeys(w.SparseVectors) {
			p, err := w.SparseVectors[n].params(n)
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
	return map[string]bool{"exists": h.db.CollectionExists(collectionName(r))}, nil
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
	put("m", c.M, defaultM)
	put("ef_construct", c.EfConstruct, defaultEfConstruct)
	put("full_scan_threshold", c.FullScanThreshold, defaultFullScanThreshold)
	if !diff {
		m["max_indexing_threads"] = 0
	}
	if c.OnDisk || !diff {
		m["on_disk"] = c.OnDisk
	}
	return m
}

func vectorParamsOut(p vectordb.VectorParams) map[string]any {
	m := map[string]any{"size": p.Size, "distance": string(p.Distance)}
	if p.HNSW != nil {
		m["hnsw_config"] = hnswOut(*p.HNSW, true)
	}
	if p.OnDisk {
		m["on_disk"] = true
	}
	return m
}

func (h *handler) getCollection(r *http.Request) (any, error) {
	info, err := h.db.CollectionInfo(collectionName(r))
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
	if len(info.Config.SparseVectors) > 0 {
		sp := map[string]any{}
		for n, p := range info.Config.SparseVectors {
			m := map[string]any{}
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
		if pi.Text != nil {
			tp := map[string]any{"type": "text"}
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
	return map[string]any{
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
				"indexing_threshold":       10000,
				"flush_interval_sec":       5,
				"max_optimization_threads": nil,
			},
			"wal_config":          map[string]any{"wal_capacity_mb": 32, "wal_segments_ahead": 0},
			"quantization_config": nil,
		},
		"payload_schema": schema,
	}
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
		var w struct {
			Type        *string `json:"type"`
			Tokenizer   *string `json:"tokenizer"`
			MinTokenLen *int    `json:"min_token_len"`
			MaxTokenLen *int    `json:"max_token_len"`
			Lowercase   *bool   `json:"lowercase"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return "", nil, fmt.Errorf("field_schema: %w", err)
		}
		if w.Type == nil {
			return "", nil, fmt.Errorf("field_schema: `type` is required")
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
		}
	default:
		return "", nil, fmt.Errorf("field_schema: expected a type name or an object")
	}
	switch t := vectordb.PayloadSchemaType(typ); t {
	case vectordb.SchemaKeyword, vectordb.SchemaInteger, vectordb.SchemaFloat, vectordb.SchemaBool,
		vectordb.SchemaDatetime, vectordb.SchemaUUID:
		return t, nil, nil
	case vectordb.SchemaText:
		if text == nil {
			text = &vectordb.TextIndexParams{Tokenizer: "word"}
		}
		return t, text, nil
	case "geo":
		return "", nil, fmt.Errorf("geo payload indexes are not supported")
	}
	return "", nil, fmt.Errorf("unknown payload schema type %q", typ)
}

func (h *handler) deleteIndex(r *http.Request) (any, error) {
	res, err := h.db.DeleteFieldIndex(r.Context(), collectionName(r), r.PathValue("field"), waitParam(r))
	if err != nil {
		return nil, err
	}
	return jsonUpdate(res), nil
}
