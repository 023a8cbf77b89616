package bitnet

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"nexusos/cortex/gguf"
	"nexusos/cortex/quant"
)

// SynthEmbedConfig describes a synthetic BitNet embedding model with
// random weights, laid out as microsoft/BitNet's
// utils/convert-bitnet-embedding-to-gguf.py writes one (tensor names,
// metadata keys, I2_S packing), for benchmarks.
type SynthEmbedConfig struct {
	Arch                                                string // "qwen3" (default) or "gemma3"
	NEmbd, NLayer, NHead, NHeadKV, HeadDim, NFF, NVocab int
	WeightType                                          gguf.TensorType // I2_S or F16
	Seed                                                uint64
}

// SynthEmbed06B is the shape of bitnet-embedding-0.6b (Qwen3-0.6B).
func SynthEmbed06B() SynthEmbedConfig {
	return SynthEmbedConfig{Arch: "qwen3", NEmbd: 1024, NLayer: 28, NHead: 16, NHeadKV: 8, HeadDim: 128, NFF: 3072, NVocab: 151936,
		WeightType: gguf.TypeI2_S}
}

// SynthEmbed270M is the shape of bitnet-embedding-270m (Gemma3).
func SynthEmbed270M() SynthEmbedConfig {
	return SynthEmbedConfig{Arch: "gemma3", NEmbd: 640, NLayer: 18, NHead: 4, NHeadKV: 1, HeadDim: 256, NFF: 2048, NVocab: 262144,
		WeightType: gguf.TypeI2_S}
}

// WriteSynthEmbed writes a synthetic embedding model to out. Its
// vocabulary is the 256 byte tokens of byte-level BPE, filler tokens and
// <|endoftext|> (the EOS it pools on); there are no merges.
func WriteSynthEmbed(out io.Writer, c SynthEmbedConfig) error {
	if c.NEmbd <= 0 || c.NLayer <= 0 || c.NHead <= 0 || c.NHeadKV <= 0 || c.HeadDim <= 0 || c.NFF <= 0 || c.NVocab < 257 {
		return fmt.Errorf("bitnet: synth: every dimension must be positive and the vocabulary at least 257")
	}
	nq, nkv := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim
	if c.NHead%c.NHeadKV != 0 || c.HeadDim%2 != 0 {
		return fmt.Errorf("bitnet: synth: %d heads of %d, %d KV heads", c.NHead, c.HeadDim, c.NHeadKV)
	}
	switch c.WeightType {
	case gguf.TypeI2_S:
		if c.NEmbd%128 != 0 || c.NFF%128 != 0 || nq%128 != 0 {
			return fmt.Errorf("bitnet: synth: I2_S needs n_embd, n_ff and heads×head_dim multiples of 128")
		}
	case gguf.TypeF16:
	default:
		return fmt.Errorf("bitnet: synth: weight type %s (want I2_S or F16)", c.WeightType)
	}
	if c.Arch == "" {
		c.Arch = "qwen3"
	}
	if c.Arch != "qwen3" && c.Arch != "gemma3" {
		return fmt.Errorf("bitnet: synth: architecture %q (want qwen3 or gemma3)", c.Arch)
	}
	w := gguf.NewWriter()
	p := c.Arch + "."
	ftype := uint32(1)
	if c.WeightType == gguf.TypeI2_S {
		ftype = 40
	}
	toks := make([]string, c.NVocab)
	types := make([]int32, c.NVocab)
	for b := 0; b < 256; b++ {
		toks[b] = byteMapRune(byte(b))
		types[b] = 1
	}
	for i := 256; i < c.NVocab-1; i++ {
		toks[i] = fmt.Sprintf("[PAD%d]", i)
		types[i] = 5
	}
	eos := c.NVocab - 1
	toks[eos], types[eos] = "<|endoftext|>", 3
	for _, kv := range []struct {
		k string
		v any
	}{
		{"general.architecture", c.Arch},
		{"general.name", "synthetic-embedding"},
		{p + "block_count", uint32(c.NLayer)},
		{p + "context_length", uint32(32768)},
		{p + "embedding_length", uint32(c.NEmbd)},
		{p + "feed_forward_length", uint32(c.NFF)},
		{p + "attention.head_count", uint32(c.NHead)},
		{p + "attention.head_count_kv", uint32(c.NHeadKV)},
		{p + "vocab_size", uint32(c.NVocab)},
		{p + "rope.dimension_count", uint32(c.HeadDim)},
		{p + "attention.key_length", uint32(c.HeadDim)},
		{p + "attention.value_length", uint32(c.HeadDim)},
		{p + "rope.freq_base", float32(1e6)},
		{p + "attention.layer_norm_rms_epsilon", float32(1e-6)},
		{"general.file_type", ftype},
		{p + "pooling_type", uint32(PoolLast)},
		{"tokenizer.ggml.model", "gpt2"},
		{"tokenizer.ggml.pre", "qwen2"},
		{"tokenizer.ggml.tokens", toks},
		{"tokenizer.ggml.token_type", types},
		{"tokenizer.ggml.eos_token_id", uint32(eos)},
		{"tokenizer.ggml.add_bos_token", false},
		{"tokenizer.ggml.add_eos_token", true},
	} {
		if err := w.Set(kv.k, kv.v); err != nil {
			return err
		}
	}
	seed := c.Seed
	next := func() *rand.Rand { seed++; return rand.New(rand.NewPCG(seed, 0xe3bd)) }
	vec := func(name string, n int) error {
		r := next()
		data := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(max(0.2, 1+0.2*r.NormFloat64()))))
		}
		return w.AddTensor(name, gguf.TypeF32, []uint64{uint64(n)}, data)
	}
	f16s := func(rows, cols int, sd float64) func(io.Writer) error {
		r := next()
		return func(dst io.Writer) error {
			bw := bufio.NewWriterSize(dst, 1<<20)
			var buf [2]byte
			for i := 0; i < rows*cols; i++ {
				binary.LittleEndian.PutUint16(buf[:], quant.F32ToF16(float32(sd*r.NormFloat64())))
				bw.Write(buf[:])
			}
			return bw.Flush()
		}
	}
	if err := w.AddTensorFunc("token_embd.weight", gguf.TypeF16, []uint64{uint64(c.NEmbd), uint64(c.NVocab)}, f16s(c.NVocab, c.NEmbd, 1)); err != nil {
		return err
	}
	if err := vec("output_norm.weight", c.NEmbd); err != nil {
		return err
	}
	for i := 0; i < c.NLayer; i++ {
		bp := fmt.Sprintf("blk.%d.", i)
		for _, v := range []struct {
			name string
			n    int
		}{{"attn_norm", c.NEmbd}, {"ffn_norm", c.NEmbd}, {"attn_q_norm", c.HeadDim}, {"attn_k_norm", c.HeadDim},
			{"post_attention_norm", c.NEmbd}, {"post_ffw_norm", c.NEmbd}} {
			if c.Arch != "gemma3" && (v.name == "post_attention_norm" || v.name == "post_ffw_norm") {
				continue
			}
			if err := vec(bp+v.name+".weight", v.n); err != nil {
				return err
			}
		}
		for _, v := range []struct {
			name       string
			cols, rows int
		}{
			{"attn_q", c.NEmbd, nq}, {"attn_k", c.NEmbd, nkv}, {"attn_v", c.NEmbd, nkv},
			{"attn_output", nq, c.NEmbd}, {"ffn_gate", c.NEmbd, c.NFF}, {"ffn_up", c.NEmbd, c.NFF},
			{"ffn_down", c.NFF, c.NEmbd},
		} {
			if err := vec(bp+v.name+"_norm_in.weight", v.cols); err != nil {
				return err
			}
			var fill func(io.Writer) error
			if c.WeightType == gguf.TypeI2_S {
				r := next()
				scale := float32(math.Exp(math.Log(0.5)+r.Float64()*math.Log(4))) / float32(math.Sqrt(float64(v.cols)))
				fill = func(dst io.Writer) error { return writeTernary(dst, gguf.TypeI2_S, v.rows, v.cols, scale, false, r) }
			} else {
				fill = f16s(v.rows, v.cols, 1/math.Sqrt(float64(v.cols)))
			}
			if err := w.AddTensorFunc(bp+v.name+".weight", c.WeightType, []uint64{uint64(v.cols), uint64(v.rows)}, fill); err != nil {
				return err
			}
		}
	}
	_, err := w.WriteTo(out)
	return err
}

// byteMapRune is GPT-2's byte-to-unicode map: printable Latin-1 bytes are
// themselves, the others 256 + their rank.
func byteMapRune(b byte) string {
	if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE {
		return string(rune(b))
	}
	n := 0
	for x := 0; x < int(b); x++ {
		if !(x >= '!' && x <= '~' || x >= 0xA1 && x <= 0xAC || x >= 0xAE) {
			n++
		}
	}
	return string(rune(256 + n))
}
