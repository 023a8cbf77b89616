package bitnet

import (
	"fmt"

	"nexusos/cortex/gguf"
)

// Activation is the FFN gate activation.
type Activation int

// FFN activations.
const (
	// ActDefault picks the architecture's own activation.
	ActDefault Activation = iota
	// ActSiLU is silu(gate)·up (llama.cpp's "bitnet").
	ActSiLU
	// ActReLU2 is relu(gate)²·up (bitnet.cpp's BitNet b1.58 2B-4T).
	ActReLU2
)

func (a Activation) String() string {
	switch a {
	case ActSiLU:
		return "silu"
	case ActReLU2:
		return "relu2"
	}
	return "default"
}

// ParseActivation parses "silu", "relu2" or "" (default).
func ParseActivation(s string) (Activation, error) {
	switch s {
	case "", "default":
		return ActDefault, nil
	case "silu":
		return ActSiLU, nil
	case "relu2", "relu_sqr":
		return ActReLU2, nil
	}
	return 0, fmt.Errorf("bitnet: unknown FFN activation %q (want silu or relu2)", s)
}

// Config holds a model's hyperparameters.
type Config struct {
	Arch        string
	NEmbd       int
	NLayer      int
	NHead       int
	NHeadKV     int
	HeadDim     int
	NFF         int
	NVocab      int
	NCtxTrain   int
	RopeDim     int
	RopeBase    float32
	RopeFreqScl float32 // 1/linear scaling factor
	Eps         float32
	Act         Activation
}

// archActivation lists the supported architectures and their FFN.
var archActivation = map[string]Activation{
	"bitnet":       ActSiLU,
	"bitnet-b1.58": ActReLU2,
	"bitnet-25":    ActReLU2,
}

// Limits on hyperparameters read from a file.
const (
	maxLayers = 1024
	maxEmbd   = 1 << 16
	maxFF     = 1 << 18
	maxVocab  = 1 << 22
	maxHeads  = 1024
)

// archKeys reads one architecture's keys ("bitnet-25.…") from a GGUF file.
type archKeys struct {
	f *gguf.File
	p string // the architecture and a dot
}

// int reads key as an integer in [lo, hi]; a negative def makes it
// required.
func (k archKeys) int(key string, def, lo, hi int) (int, error) {
	v, ok := k.f.Uint(k.p + key)
	if !ok {
		if def >= 0 {
			return def, nil
		}
		return 0, fmt.Errorf("bitnet: %s%s missing", k.p, key)
	}
	if v < uint64(lo) || v > uint64(hi) {
		return 0, fmt.Errorf("bitnet: %s%s = %d out of range [%d, %d]", k.p, key, v, lo, hi)
	}
	return int(v), nil
}

// vocabOf reads the vocabulary size off the token embedding table, which
// must be [nEmbd, n_vocab].
func vocabOf(f *gguf.File, nEmbd int) (int, error) {
	emb, ok := f.Tensor("token_embd.weight")
	if !ok || len(emb.Dims) != 2 {
		return 0, fmt.Errorf("bitnet: token_embd.weight missing or not 2-D")
	}
	if emb.Dims[0] != uint64(nEmbd) || emb.Dims[1] > maxVocab {
		return 0, fmt.Errorf("bitnet: token_embd.weight is %v, want [%d, n_vocab]", emb.Dims, nEmbd)
	}
	return int(emb.Dims[1]), nil
}

// ropeNorm reads what every graph shares: how many of a head's headDim
// dimensions RoPE rotates (even, default all), the RMSNorm epsilon and
// the RoPE base (default 10000).
func (k archKeys) ropeNorm(headDim int) (ropeDim int, eps, base float32, err error) {
	if ropeDim, err = k.int("rope.dimension_count", headDim, 2, headDim); err != nil {
		return 0, 0, 0, err
	}
	if ropeDim%2 != 0 {
		return 0, 0, 0, fmt.Errorf("bitnet: odd rope.dimension_count %d", ropeDim)
	}
	e, ok := k.f.Float(k.p + "attention.layer_norm_rms_epsilon")
	if !ok || !(e > 0 && e < 1) {
		return 0, 0, 0, fmt.Errorf("bitnet: %sattention.layer_norm_rms_epsilon missing or out of range", k.p)
	}
	base = 10000
	if b, ok := k.f.Float(k.p + "rope.freq_base"); ok {
		if !(b > 1 && b < 1e12) {
			return 0, 0, 0, fmt.Errorf("bitnet: rope.freq_base %g out of range", b)
		}
		base = float32(b)
	}
	return ropeDim, float32(e), base, nil
}

// ConfigFromGGUF reads and validates the hyperparameters of f.
func ConfigFromGGUF(f *gguf.File) (Config, error) {
	var c Config
	arch, ok := f.String("general.architecture")
	if !ok {
		return c, fmt.Errorf("bitnet: general.architecture missing")
	}
	act, ok := archActivation[arch]
	if !ok {
		return c, fmt.Errorf("bitnet: unsupported architecture %q (supported: bitnet, bitnet-b1.58, bitnet-25)", arch)
	}
	c.Arch, c.Act = arch, act
	p := arch + "."
	keys := archKeys{f, p}
	geti := keys.int
	var err error
	if c.NEmbd, err = geti("embedding_length", -1, 1, maxEmbd); err != nil {
		return c, err
	}
	if c.NLayer, err = geti("block_count", -1, 1, maxLayers); err != nil {
		return c, err
	}
	if c.NFF, err = geti("feed_forward_length", -1, 1, maxFF); err != nil {
		return c, err
	}
	if c.NHead, err = geti("attention.head_count", -1, 1, maxHeads); err != nil {
		return c, err
	}
	if c.NHeadKV, err = geti("attention.head_count_kv", c.NHead, 1, maxHeads); err != nil {
		return c, err
	}
	if c.NCtxTrain, err = geti("context_length", 2048, 1, 1<<24); err != nil {
		return c, err
	}
	if c.NEmbd%c.NHead != 0 || c.NHead%c.NHeadKV != 0 {
		return c, fmt.Errorf("bitnet: %d embedding dims, %d heads and %d KV heads do not divide evenly", c.NEmbd, c.NHead, c.NHeadKV)
	}
	c.HeadDim = c.NEmbd / c.NHead
	if c.RopeDim, c.Eps, c.RopeBase, err = keys.ropeNorm(c.HeadDim); err != nil {
		return c, err
	}
	c.RopeFreqScl = 1
	if st, ok := f.String(p + "rope.scaling.type"); ok && st != "none" && st != "linear" {
		return c, fmt.Errorf("bitnet: rope scaling %q is not supported (only linear)", st)
	}
	if fac, ok := f.Float(p + "rope.scaling.factor"); ok && fac != 0 {
		if !(fac > 0 && fac < 1e6) {
			return c, fmt.Errorf("bitnet: rope.scaling.factor %g out of range", fac)
		}
		c.RopeFreqScl = float32(1 / fac)
	}
	c.NVocab, err = vocabOf(f, c.NEmbd)
	return c, err
}
