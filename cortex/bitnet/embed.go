package bitnet

import (
	"fmt"
	"math"

	"nexusos/cortex/gguf"
)

// Pooling is how an embedding model turns its per-token hidden states into
// one vector: llama.cpp's llama_pooling_type, as stored in
// {arch}.pooling_type.
type Pooling int

// Pooling types (numbered as llama.h's LLAMA_POOLING_TYPE_*).
const (
	PoolNone Pooling = 0
	PoolMean Pooling = 1
	PoolCLS  Pooling = 2
	PoolLast Pooling = 3
)

func (p Pooling) String() string {
	switch p {
	case PoolNone:
		return "none"
	case PoolMean:
		return "mean"
	case PoolCLS:
		return "cls"
	case PoolLast:
		return "last"
	}
	return fmt.Sprintf("pooling(%d)", int(p))
}

// EmbedConfig holds the hyperparameters of a BitNet embedding model.
type EmbedConfig struct {
	Arch      string // "qwen3" or "gemma3"
	NEmbd     int
	NLayer    int
	NHead     int
	NHeadKV   int
	HeadDim   int // {arch}.attention.key_length: not NEmbd/NHead in these models
	NFF       int
	NVocab    int
	NCtxTrain int
	RopeDim   int
	RopeBase  float32
	Eps       float32
	Pooling   Pooling

	// Gemma3 only (zero for Qwen3).
	EmbedScale   float32 // token embeddings × √NEmbd
	RopeBaseSWA  float32 // RoPE base of the sliding-window layers
	SlidingWin   int     // window of the sliding-window layers
	SWAPattern   int     // layer i is global when (i+1) % SWAPattern == 0
	QueryPreAttn float32 // attention scale is QueryPreAttn^-1/2
}

// embedArchs lists the embedding architectures (general.architecture).
var embedArchs = map[string]bool{"qwen3": true, "gemma3": true}

// IsEmbedArch reports whether arch is an embedding architecture that
// LoadEmbed reads.
func IsEmbedArch(arch string) bool { return embedArchs[arch] }

// Gemma3 defaults that the official converter does not write (those of
// llama.cpp's gemma3 and of Gemma3's Hugging Face configuration).
const (
	gemma3RopeBaseSWA = 10000
	gemma3SlidingWin  = 512
	gemma3SWAPattern  = 6
)

// EmbedConfigFromGGUF reads and validates the hyperparameters of an
// embedding model.
func EmbedConfigFromGGUF(f *gguf.File) (EmbedConfig, error) {
	var c EmbedConfig
	arch, _ := f.String("general.architecture")
	if !embedArchs[arch] {
		return c, fmt.Errorf("bitnet: architecture %q is not an embedding model (supported: qwen3, gemma3)", arch)
	}
	c.Arch = arch
	p := arch + "."
	keys := archKeys{f, p}
	geti := keys.int
	var err error
	for _, k := range []struct {
		dst    *int
		key    string
		def    int
		lo, hi int
	}{
		{&c.NEmbd, "embedding_length", -1, 1, maxEmbd},
		{&c.NLayer, "block_count", -1, 1, maxLayers},
		{&c.NFF, "feed_forward_length", -1, 1, maxFF},
		{&c.NHead, "attention.head_count", -1, 1, maxHeads},
		{&c.NCtxTrain, "context_length", 2048, 1, 1 << 24},
	} {
		if *k.dst, err = geti(k.key, k.def, k.lo, k.hi); err != nil {
			return c, err
		}
	}
	if c.NHeadKV, err = geti("attention.head_count_kv", c.NHead, 1, maxHeads); err != nil {
		return c, err
	}
	if c.NHead%c.NHeadKV != 0 {
		return c, fmt.Errorf("bitnet: %d heads are not a multiple of %d KV heads", c.NHead, c.NHeadKV)
	}
	def := -1
	if c.NEmbd%c.NHead == 0 {
		def = c.NEmbd / c.NHead
	}
	if c.HeadDim, err = geti("attention.key_length", def, 2, 4096); err != nil {
		return c, err
	}
	if vl, err := geti("attention.value_length", c.HeadDim, 2, 4096); err != nil {
		return c, err
	} else if vl != c.HeadDim {
		return c, fmt.Errorf("bitnet: value_length %d differs from key_length %d", vl, c.HeadDim)
	}
	if c.RopeDim, c.Eps, c.RopeBase, err = keys.ropeNorm(c.HeadDim); err != nil {
		return c, err
	}
	if st, ok := f.String(p + "rope.scaling.type"); ok && st != "none" {
		return c, fmt.Errorf("bitnet: rope scaling %q is not supported for embedding models", st)
	}
	pool, err := geti("pooling_type", int(PoolLast), 0, 3)
	if err != nil {
		return c, err
	}
	c.Pooling = Pooling(pool)
	if c.Pooling == PoolNone {
		return c, fmt.Errorf("bitnet: pooling type none: the model gives no sentence vector")
	}
	if arch == "gemma3" {
		c.EmbedScale = float32(math.Sqrt(float64(c.NEmbd)))
		c.RopeBaseSWA = gemma3RopeBaseSWA
		if c.SlidingWin, err = geti("attention.sliding_window", gemma3SlidingWin, 1, 1<<24); err != nil {
			return c, err
		}
		c.SWAPattern = gemma3SWAPattern
		c.QueryPreAttn = float32(c.HeadDim)
		if v, ok := f.Float(p + "attention.query_pre_attn_scalar"); ok && v > 0 {
			c.QueryPreAttn = float32(v)
		} else if v, ok := f.Uint(p + "attention.query_pre_attn_scalar"); ok && v > 0 {
			c.QueryPreAttn = float32(v)
		}
	}
	c.NVocab, err = vocabOf(f, c.NEmbd)
	return c, err
}

// bitLinear is a BitNet embedding model's projection: RMSNorm of its input
// with its own weight (the "_norm_in" tensor), then the linear.
type bitLinear struct {
	normIn []float32
	linear
}

// embedLayer is one block of an embedding model.
type embedLayer struct {
	attnNorm, ffnNorm []float32
	qNorm, kNorm      []float32 // per head, HeadDim values
	postAttn, postFFN []float32 // Gemma3 only
	q, k, v, o        bitLinear
	gate, up, down    bitLinear
}

// EmbedModel is a loaded BitNet text-embedding model (Microsoft's
// bitnet-embedding-0.6b, Qwen3 backbone, or bitnet-embedding-270m, Gemma3
// backbone). Its weights alias the GGUF mapping, so the *gguf.File must
// stay open while it is used. It is immutable and safe for concurrent use;
// an *EmbedSession is not.
type EmbedModel struct {
	Config EmbedConfig

	embd       table
	outputNorm []float32
	layers     []embedLayer
}

// LoadEmbed builds an embedding model from an open GGUF file, checking
// every tensor's presence, type and shape. Linears may be I2_S, F16 or F32;
// norms F32 or F16; the token embedding any table type (see Load).
func LoadEmbed(f *gguf.File) (*EmbedModel, error) {
	c, err := EmbedConfigFromGGUF(f)
	if err != nil {
		return nil, err
	}
	m := &EmbedModel{Config: c}
	if m.embd, err = loadTable(f, "token_embd.weight", c.NEmbd); err != nil {
		return nil, err
	}
	if m.outputNorm, err = loadVector(f, "output_norm.weight", c.NEmbd); err != nil {
		return nil, err
	}
	gemma := c.Arch == "gemma3"
	nq, nkv := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim
	m.layers = make([]embedLayer, c.NLayer)
	for i := range m.layers {
		l := &m.layers[i]
		p := fmt.Sprintf("blk.%d.", i)
		vecs := []struct {
			dst  *[]float32
			name string
			n    int
		}{
			{&l.attnNorm, "attn_norm", c.NEmbd},
			{&l.ffnNorm, "ffn_norm", c.NEmbd},
			{&l.qNorm, "attn_q_norm", c.HeadDim},
			{&l.kNorm, "attn_k_norm", c.HeadDim},
		}
		if gemma {
			vecs = append(vecs, []struct {
				dst  *[]float32
				name string
				n    int
			}{{&l.postAttn, "post_attention_norm", c.NEmbd}, {&l.postFFN, "post_ffw_norm", c.NEmbd}}...)
		}
		for _, v := range vecs {
			if *v.dst, err = loadVector(f, p+v.name+".weight", v.n); err != nil {
				return nil, err
			}
		}
		for _, v := range []struct {
			dst        *bitLinear
			name, norm string
			cols, rows int
		}{
			{&l.q, "attn_q", "attn_q_norm_in", c.NEmbd, nq},
			{&l.k, "attn_k", "attn_k_norm_in", c.NEmbd, nkv},
			{&l.v, "attn_v", "attn_v_norm_in", c.NEmbd, nkv},
			{&l.o, "attn_output", "attn_output_norm_in", nq, c.NEmbd},
			{&l.gate, "ffn_gate", "ffn_gate_norm_in", c.NEmbd, c.NFF},
			{&l.up, "ffn_up", "ffn_up_norm_in", c.NEmbd, c.NFF},
			{&l.down, "ffn_down", "ffn_down_norm_in", c.NFF, c.NEmbd},
		} {
			if v.dst.normIn, err = loadVector(f, p+v.norm+".weight", v.cols); err != nil {
				return nil, err
			}
			if v.dst.linear, err = loadFloatOrI2S(f, p+v.name, v.cols, v.rows); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// loadFloatOrI2S loads a linear stored as I2_S, F16 or F32.
func loadFloatOrI2S(f *gguf.File, name string, cols, rows int) (linear, error) {
	t, ok := f.Tensor(name + ".weight")
	if !ok {
		return linear{}, fmt.Errorf("bitnet: tensor %s.weight missing", name)
	}
	switch t.Type {
	case gguf.TypeI2_S:
		return loadLinear(f, name, cols, rows)
	case gguf.TypeF16, gguf.TypeF32:
	default:
		return linear{}, fmt.Errorf("bitnet: tensor %s.weight has type %s; embedding-model linears must be I2_S, F16 or F32", name, t.Type)
	}
	l := linear{name: name, typ: t.Type, rows: rows, cols: cols, scale: 1}
	if len(t.Dims) != 2 || t.Dims[0] != uint64(cols) || t.Dims[1] != uint64(rows) {
		return l, fmt.Errorf("bitnet: tensor %s.weight is %v, want [%d, %d]", name, t.Dims, cols, rows)
	}
	data, err := f.TensorData(t)
	if err != nil {
		return l, err
	}
	l.w = data
	return l, nil
}

// Bytes returns the bytes of the linears' weights (read once per batch of
// tokens).
func (m *EmbedModel) Bytes() int64 {
	var n int64
	for i := range m.layers {
		l := &m.layers[i]
		for _, x := range []*bitLinear{&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down} {
			n += int64(len(x.w))
		}
	}
	return n
}

// WeightType returns the type of the linears (of the first layer's q).
func (m *EmbedModel) WeightType() gguf.TensorType { return m.layers[0].q.typ }
