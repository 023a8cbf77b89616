package grpcapi

import (
	"context"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"nexusos/vectordb"
	"nexusos/vectordb/internal/qdrantpb"
)

// collectionsService implements qdrant.Collections over a vectordb.DB.
type collectionsService struct {
	qdrant.UnimplementedCollectionsServer
	db *vectordb.DB
}

// Defaults reported in collection info, as Qdrant's.
const (
	defaultM                 = 16
	defaultEfConstruct       = 100
	defaultFullScanThreshold = 10000
	maxVectorSize            = 65536
	maxNamedVectors          = 256
)

// hnswFromProto converts an HNSW diff; nil gives nil.
func hnswFromProto(h *qdrant.HnswConfigDiff) *vectordb.HNSWConfig {
	if h == nil {
		return nil
	}
	clamp := func(p *uint64) int {
		if p == nil {
			return 0
		}
		return int(min(*p, 1<<30))
	}
	out := &vectordb.HNSWConfig{
		M:                 clamp(h.M),
		EfConstruct:       clamp(h.EfConstruct),
		FullScanThreshold: clamp(h.FullScanThreshold),
		OnDisk:            h.GetOnDisk(),
		InlineStorage:     h.GetInlineStorage(),
	}
	// m = 0 asks for no global graph, as over REST.
	out.NoGraph = h.M != nil && *h.M == 0
	if h.PayloadM != nil {
		pm := clamp(h.PayloadM)
		out.PayloadM = &pm
	}
	return out
}

// hnswToProto reports h with Qdrant's defaults filled in.
func hnswToProto(h vectordb.HNSWConfig) *qdrant.HnswConfigDiff {
	or := func(v, def int) *uint64 {
		if v == 0 {
			v = def
		}
		u := uint64(v)
		return &u
	}
	onDisk := h.OnDisk
	out := &qdrant.HnswConfigDiff{
		M:                 or(h.M, defaultM),
		EfConstruct:       or(h.EfConstruct, defaultEfConstruct),
		FullScanThreshold: or(h.FullScanThreshold, defaultFullScanThreshold),
		OnDisk:            &onDisk,
	}
	if h.NoGraph {
		out.M = new(uint64)
	}
	if h.PayloadM != nil {
		pm := uint64(*h.PayloadM)
		out.PayloadM = &pm
	}
	return out
}

func vectorParamsFromProto(p *qdrant.VectorParams, field string) (vectordb.VectorParams, error) {
	if p.GetSize() == 0 || p.GetSize() > maxVectorSize {
		return vectordb.VectorParams{}, badInput("vector size %d: must be between 1 and %d", p.GetSize(), maxVectorSize)
	}
	if p.MultivectorConfig != nil {
		return vectordb.VectorParams{}, unsupported("multi-vectors")
	}
	d, err := distanceFromProto(p.GetDistance())
	if err != nil {
		return vectordb.VectorParams{}, err
	}
	q, err := quantFromProto(p.QuantizationConfig, field+".quantization_config")
	if err != nil {
		return vectordb.VectorParams{}, err
	}
	// Datatype tunes storage; over gRPC it is not applied.
	return vectordb.VectorParams{Size: int(p.GetSize()), Distance: d, HNSW: hnswFromProto(p.HnswConfig), OnDisk: p.GetOnDisk(), Quantization: q}, nil
}

func sparseParamsFromProto(m map[string]*qdrant.SparseVectorParams) (map[string]vectordb.SparseVectorParams, error) {
	if m == nil {
		return nil, nil
	}
	if len(m) > maxNamedVectors {
		return nil, badInput("more than %d sparse vectors", maxNamedVectors)
	}
	out := make(map[string]vectordb.SparseVectorParams, len(m))
	for name, p := range m {
		if err := checkName("sparse vector", name); err != nil {
			return nil, err
		}
		mod := vectordb.ModifierNone
		if p.GetModifier() == qdrant.Modifier_Idf {
			mod = vectordb.ModifierIDF
		}
		out[name] = vectordb.SparseVectorParams{Modifier: mod}
	}
	return out, nil
}

func collectionConfigFromProto(r *qdrant.CreateCollection) (vectordb.CollectionConfig, error) {
	cfg := vectordb.CollectionConfig{Vectors: map[string]vectordb.VectorParams{}, OnDiskPayload: r.GetOnDiskPayload()}
	if r.GetShardingMethod() == qdrant.ShardingMethod_Custom {
		return cfg, unsupported("custom sharding")
	}
	switch k := r.GetVectorsConfig().GetConfig().(type) {
	case *qdrant.VectorsConfig_Params:
		vp, err := vectorParamsFromProto(k.Params, "vectors_config")
		if err != nil {
			return cfg, err
		}
		cfg.Vectors[vectordb.DefaultVector] = vp
	case *qdrant.VectorsConfig_ParamsMap:
		if len(k.ParamsMap.GetMap()) > maxNamedVectors {
			return cfg, badInput("more than %d named vectors", maxNamedVectors)
		}
		for name, p := range k.ParamsMap.GetMap() {
			if len(name) > maxNameLen {
				return cfg, badInput("vector name longer than %d bytes", maxNameLen)
			}
			vp, err := vectorParamsFromProto(p, "vectors_config."+name)
			if err != nil {
				return cfg, err
			}
			cfg.Vectors[name] = vp
		}
	}
	sp, err := sparseParamsFromProto(r.GetSparseVectorsConfig().GetMap())
	if err != nil {
		return cfg, err
	}
	cfg.SparseVectors = sp
	if h := hnswFromProto(r.HnswConfig); h != nil {
		cfg.HNSW = *h
	}
	if cfg.Quantization, err = quantFromProto(r.QuantizationConfig, "quantization_config"); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (s *collectionsService) Create(ctx context.Context, r *qdrant.CreateCollection) (*qdrant.CollectionOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	cfg, err := collectionConfigFromProto(r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	if err := s.db.CreateCollection(ctx, r.GetCollectionName(), cfg); err != nil {
		return nil, statusError(err)
	}
	return &qdrant.CollectionOperationResponse{Result: true, Time: since(start)}, nil
}

func (s *collectionsService) Update(ctx context.Context, r *qdrant.UpdateCollection) (*qdrant.CollectionOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	u := vectordb.CollectionUpdate{HNSW: hnswFromProto(r.HnswConfig)}
	var err error
	if u.Quantization, err = quantDiffFromProto(r.QuantizationConfig, "quantization_config"); err != nil {
		return nil, err
	}
	diff := func(p *qdrant.VectorParamsDiff, field string) (vectordb.VectorParamsDiff, error) {
		q, err := quantDiffFromProto(p.QuantizationConfig, field+".quantization_config")
		return vectordb.VectorParamsDiff{HNSW: hnswFromProto(p.HnswConfig), OnDisk: p.OnDisk, Quantization: q}, err
	}
	switch k := r.GetVectorsConfig().GetConfig().(type) {
	case *qdrant.VectorsConfigDiff_Params:
		d, err := diff(k.Params, "vectors_config")
		if err != nil {
			return nil, err
		}
		u.Vectors = map[string]vectordb.VectorParamsDiff{vectordb.DefaultVector: d}
	case *qdrant.VectorsConfigDiff_ParamsMap:
		if len(k.ParamsMap.GetMap()) > maxNamedVectors {
			return nil, badInput("more than %d named vectors", maxNamedVectors)
		}
		u.Vectors = make(map[string]vectordb.VectorParamsDiff, len(k.ParamsMap.GetMap()))
		for name, p := range k.ParamsMap.GetMap() {
			d, err := diff(p, "vectors_config."+name)
			if err != nil {
				return nil, err
			}
			u.Vectors[name] = d
		}
	}
	sp, err := sparseParamsFromProto(r.GetSparseVectorsConfig().GetMap())
	if err != nil {
		return nil, err
	}
	if sp != nil {
		u.SparseVectors = make(map[string]vectordb.SparseVectorParamsDiff, len(sp))
		for n, p := range sp {
			m := p.Modifier
			u.SparseVectors[n] = vectordb.SparseVectorParamsDiff{Modifier: &m}
		}
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	if err := s.db.UpdateCollection(ctx, r.GetCollectionName(), u); err != nil {
		return nil, statusError(err)
	}
	return &qdrant.CollectionOperationResponse{Result: true, Time: since(start)}, nil
}

func (s *collectionsService) Delete(ctx context.Context, r *qdrant.DeleteCollection) (*qdrant.CollectionOperationResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	existed, err := s.db.DeleteCollection(ctx, r.GetCollectionName())
	if err != nil {
		return nil, statusError(err)
	}
	return &qdrant.CollectionOperationResponse{Result: existed, Time: since(start)}, nil
}

func (s *collectionsService) List(ctx context.Context, r *qdrant.ListCollectionsRequest) (*qdrant.ListCollectionsResponse, error) {
	start := time.Now()
	names := s.db.Collections()
	out := make([]*qdrant.CollectionDescription, len(names))
	for i, n := range names {
		out[i] = &qdrant.CollectionDescription{Name: n}
	}
	return &qdrant.ListCollectionsResponse{Collections: out, Time: since(start)}, nil
}

func (s *collectionsService) CollectionExists(ctx context.Context, r *qdrant.CollectionExistsRequest) (*qdrant.CollectionExistsResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	ok, err := s.db.CollectionExists(ctx, r.GetCollectionName())
	if err != nil {
		return nil, statusError(err)
	}
	return &qdrant.CollectionExistsResponse{Result: &qdrant.CollectionExists{Exists: ok}, Time: since(start)}, nil
}

func (s *collectionsService) Get(ctx context.Context, r *qdrant.GetCollectionInfoRequest) (*qdrant.GetCollectionInfoResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	info, err := s.db.CollectionInfo(ctx, r.GetCollectionName())
	if err != nil {
		return nil, statusError(err)
	}
	return &qdrant.GetCollectionInfoResponse{Result: collectionInfoToProto(info), Time: since(start)}, nil
}

func collectionStatusToProto(s vectordb.CollectionStatus) qdrant.CollectionStatus {
	switch s {
	case "green":
		return qdrant.CollectionStatus_Green
	case "yellow":
		return qdrant.CollectionStatus_Yellow
	case "red":
		return qdrant.CollectionStatus_Red
	case "grey":
		return qdrant.CollectionStatus_Grey
	default:
		return qdrant.CollectionStatus_Green
	}
}

func schemaTypeToProto(t vectordb.PayloadSchemaType) qdrant.PayloadSchemaType {
	switch t {
	case vectordb.SchemaKeyword:
		return qdrant.PayloadSchemaType_Keyword
	case vectordb.SchemaInteger:
		return qdrant.PayloadSchemaType_Integer
	case vectordb.SchemaFloat:
		return qdrant.PayloadSchemaType_Float
	case vectordb.SchemaBool:
		return qdrant.PayloadSchemaType_Bool
	case vectordb.SchemaDatetime:
		return qdrant.PayloadSchemaType_Datetime
	case vectordb.SchemaText:
		return qdrant.PayloadSchemaType_Text
	case vectordb.SchemaUUID:
		return qdrant.PayloadSchemaType_Uuid
	default:
		return qdrant.PayloadSchemaType_UnknownType
	}
}

func tokenizerToProto(s string) qdrant.TokenizerType {
	switch s {
	case "prefix":
		return qdrant.TokenizerType_Prefix
	case "whitespace":
		return qdrant.TokenizerType_Whitespace
	case "multilingual":
		return qdrant.TokenizerType_Multilingual
	default:
		return qdrant.TokenizerType_Word
	}
}

func collectionInfoToProto(info vectordb.CollectionInfo) *qdrant.CollectionInfo {
	u64 := func(n int) *uint64 { v := uint64(max(n, 0)); return &v }
	u32 := func(n uint32) *uint32 { return &n }
	params := &qdrant.CollectionParams{
		ShardNumber:            1,
		OnDiskPayload:          info.Config.OnDiskPayload,
		ReplicationFactor:      u32(1),
		WriteConsistencyFactor: u32(1),
	}
	vp := func(p vectordb.VectorParams) *qdrant.VectorParams {
		out := &qdrant.VectorParams{Size: uint64(max(p.Size, 0)), Distance: qdrantpb.DistanceToProto(p.Distance)}
		if p.HNSW != nil {
			out.HnswConfig = hnswToProto(*p.HNSW)
		}
		if p.OnDisk {
			t := true
			out.OnDisk = &t
		}
		out.QuantizationConfig = quantToProto(p.Quantization)
		return out
	}
	if p, ok := info.Config.Vectors[vectordb.DefaultVector]; ok && len(info.Config.Vectors) == 1 {
		params.VectorsConfig = qdrant.NewVectorsConfig(vp(p))
	} else {
		// Named vectors; an empty map for a sparse-only collection, as
		// Qdrant reports it.
		m := make(map[string]*qdrant.VectorParams, len(info.Config.Vectors))
		for name, p := range info.Config.Vectors {
			m[name] = vp(p)
		}
		params.VectorsConfig = qdrant.NewVectorsConfigMap(m)
	}
	if len(info.Config.SparseVectors) > 0 {
		m := make(map[string]*qdrant.SparseVectorParams, len(info.Config.SparseVectors))
		for name, p := range info.Config.SparseVectors {
			sp := &qdrant.SparseVectorParams{}
			if p.Modifier == vectordb.ModifierIDF {
				mod := qdrant.Modifier_Idf
				sp.Modifier = &mod
			}
			m[name] = sp
		}
		params.SparseVectorsConfig = qdrant.NewSparseVectorsConfig(m)
	}
	schema := make(map[string]*qdrant.PayloadSchemaInfo, len(info.PayloadSchema))
	for key, pi := range info.PayloadSchema {
		si := &qdrant.PayloadSchemaInfo{DataType: schemaTypeToProto(pi.DataType), Points: u64(pi.Points)}
		if t := pi.Text; t != nil {
			tp := &qdrant.TextIndexParams{Tokenizer: tokenizerToProto(t.Tokenizer), Lowercase: t.Lowercase}
			if t.MinTokenLen > 0 {
				tp.MinTokenLen = u64(t.MinTokenLen)
			}
			if t.MaxTokenLen > 0 {
				tp.MaxTokenLen = u64(t.MaxTokenLen)
			}
			si.Params = qdrant.NewPayloadIndexParamsText(tp)
		}
		schema[key] = si
	}
	return &qdrant.CollectionInfo{
		Status:              collectionStatusToProto(info.Status),
		OptimizerStatus:     &qdrant.OptimizerStatus{Ok: info.OptimizerStatus == "" || info.OptimizerStatus == "ok", Error: optimizerError(info.OptimizerStatus)},
		SegmentsCount:       uint64(max(info.SegmentsCount, 0)),
		PointsCount:         u64(info.PointsCount),
		IndexedVectorsCount: u64(info.IndexedVectorsCount),
		PayloadSchema:       schema,
		Config: &qdrant.CollectionConfig{
			Params:             params,
			HnswConfig:         hnswToProto(info.Config.HNSW),
			OptimizerConfig:    defaultOptimizerConfig(),
			WalConfig:          &qdrant.WalConfigDiff{WalCapacityMb: qdrant.PtrOf(uint64(32)), WalSegmentsAhead: qdrant.PtrOf(uint64(0))},
			QuantizationConfig: quantToProto(info.Config.Quantization),
		},
	}
}

// defaultOptimizerConfig reports Qdrant's default optimizer settings. The
// engine has its own optimizer; clients that convert collection info into
// their REST models expect these fields to be present.
func defaultOptimizerConfig() *qdrant.OptimizersConfigDiff {
	return &qdrant.OptimizersConfigDiff{
		DeletedThreshold:       qdrant.PtrOf(0.2),
		VacuumMinVectorNumber:  qdrant.PtrOf(uint64(1000)),
		DefaultSegmentNumber:   qdrant.PtrOf(uint64(0)),
		IndexingThreshold:      qdrant.PtrOf(uint64(10000)),
		FlushIntervalSec:       qdrant.PtrOf(uint64(5)),
		MaxOptimizationThreads: qdrant.NewMaxOptimizationThreadsSetting(qdrant.MaxOptimizationThreads_Auto),
	}
}

func optimizerError(s string) string {
	if s == "" || s == "ok" {
		return ""
	}
	return s
}

func (s *collectionsService) UpdateAliases(ctx context.Context, r *qdrant.ChangeAliases) (*qdrant.CollectionOperationResponse, error) {
	start := time.Now()
	if len(r.GetActions()) > maxBatch {
		return nil, badInput("more than %d alias actions", maxBatch)
	}
	ops := make([]vectordb.AliasOp, len(r.GetActions()))
	for i, a := range r.GetActions() {
		switch k := a.GetAction().(type) {
		case *qdrant.AliasOperations_CreateAlias:
			if err := checkName("alias", k.CreateAlias.GetAliasName()); err != nil {
				return nil, err
			}
			if err := checkName("collection", k.CreateAlias.GetCollectionName()); err != nil {
				return nil, err
			}
			ops[i].Create = &vectordb.Alias{Alias: k.CreateAlias.GetAliasName(), Collection: k.CreateAlias.GetCollectionName()}
		case *qdrant.AliasOperations_DeleteAlias:
			name := k.DeleteAlias.GetAliasName()
			if err := checkName("alias", name); err != nil {
				return nil, err
			}
			ops[i].Delete = &name
		case *qdrant.AliasOperations_RenameAlias:
			if err := checkName("alias", k.RenameAlias.GetOldAliasName()); err != nil {
				return nil, err
			}
			if err := checkName("alias", k.RenameAlias.GetNewAliasName()); err != nil {
				return nil, err
			}
			ops[i].Rename = &struct{ Old, New string }{k.RenameAlias.GetOldAliasName(), k.RenameAlias.GetNewAliasName()}
		default:
			return nil, badInput("alias action is empty")
		}
	}
	ctx, cancel := withTimeout(ctx, r.Timeout)
	defer cancel()
	if err := s.db.UpdateAliases(ctx, ops); err != nil {
		return nil, statusError(err)
	}
	return &qdrant.CollectionOperationResponse{Result: true, Time: since(start)}, nil
}

func aliasesToProto(start time.Time, as []vectordb.Alias, err error) (*qdrant.ListAliasesResponse, error) {
	if err != nil {
		return nil, statusError(err)
	}
	out := make([]*qdrant.AliasDescription, len(as))
	for i, a := range as {
		out[i] = &qdrant.AliasDescription{AliasName: a.Alias, CollectionName: a.Collection}
	}
	return &qdrant.ListAliasesResponse{Aliases: out, Time: since(start)}, nil
}

func (s *collectionsService) ListCollectionAliases(ctx context.Context, r *qdrant.ListCollectionAliasesRequest) (*qdrant.ListAliasesResponse, error) {
	start := time.Now()
	if err := checkName("collection", r.GetCollectionName()); err != nil {
		return nil, err
	}
	as, err := s.db.Aliases(r.GetCollectionName())
	return aliasesToProto(start, as, err)
}

func (s *collectionsService) ListAliases(ctx context.Context, r *qdrant.ListAliasesRequest) (*qdrant.ListAliasesResponse, error) {
	start := time.Now()
	as, err := s.db.Aliases("")
	return aliasesToProto(start, as, err)
}

func (s *collectionsService) CollectionClusterInfo(ctx context.Context, r *qdrant.CollectionClusterInfoRequest) (*qdrant.CollectionClusterInfoResponse, error) {
	return nil, unsupported("cluster information: this node runs in single-node mode")
}

func (s *collectionsService) UpdateCollectionClusterSetup(ctx context.Context, r *qdrant.UpdateCollectionClusterSetupRequest) (*qdrant.UpdateCollectionClusterSetupResponse, error) {
	return nil, unsupported("cluster setup: this node runs in single-node mode")
}

func (s *collectionsService) CreateShardKey(ctx context.Context, r *qdrant.CreateShardKeyRequest) (*qdrant.CreateShardKeyResponse, error) {
	return nil, unsupported("shard keys: this node runs in single-node mode")
}

func (s *collectionsService) DeleteShardKey(ctx context.Context, r *qdrant.DeleteShardKeyRequest) (*qdrant.DeleteShardKeyResponse, error) {
	return nil, unsupported("shard keys: this node runs in single-node mode")
}

func (s *collectionsService) ListShardKeys(ctx context.Context, r *qdrant.ListShardKeysRequest) (*qdrant.ListShardKeysResponse, error) {
	return nil, unsupported("shard keys: this node runs in single-node mode")
}
