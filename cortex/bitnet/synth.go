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

// SynthConfig describes a synthetic model with random ternary weights, for
// tests and benchmarks. Its output is a real GGUF file that llama.cpp (arch
// "bitnet", TQ types) can load too.
type SynthConfig struct {
	Arch       string // "bitnet" (default), "bitnet-b1.58" or "bitnet-25"
	NEmbd      int
	NLayer     int
	NHead      int
	NHeadKV    int
	NFF        int
	NVocab     int
	NCtx       int
	RopeBase   float32
	WeightType gguf.TensorType // TQ1_0, TQ2_0 or I2_S
	EmbdType   gguf.TensorType // F16 or F32
	Scales     bool            // add blk.N.<linear>.scale tensors
	Seed       uint64
}

// Synth2B4T is the exact shape of BitNet b1.58 2B-4T.
func Synth2B4T() SynthConfig {
	return SynthConfig{Arch: "bitnet", NEmbd: 2560, NLayer: 30, NHead: 20, NHeadKV: 5, NFF: 6912,
		NVocab: 128256, NCtx: 4096, RopeBase: 500000, WeightType: gguf.TypeTQ2_0, EmbdType: gguf.TypeF16}
}

// SynthTiny is the shape of the tiny reference models.
func SynthTiny() SynthConfig {
	return SynthConfig{Arch: "bitnet", NEmbd: 256, NLayer: 4, NHead: 8, NHeadKV: 2, NFF: 768,
		NVocab: 512, NCtx: 256, RopeBase: 10000, WeightType: gguf.TypeTQ2_0, EmbdType: gguf.TypeF16}
}

// WriteSynth writes a synthetic model to w.
func WriteSynth(out io.Writer, c SynthConfig) error {
	if c.Arch == "" {
		c.Arch = "bitnet"
	}
	if _, ok := archActivation[c.Arch]; !ok {
		return fmt.Errorf("bitnet: synth: unsupported architecture %q", c.Arch)
	}
	if c.NEmbd <= 0 || c.NLayer <= 0 || c.NHead <= 0 || c.NHeadKV <= 0 || c.NFF <= 0 || c.NVocab < 259 {
		return fmt.Errorf("bitnet: synth: every dimension must be positive and the vocabulary at least 259")
	}
	if c.NEmbd%c.NHead != 0 || c.NHead%c.NHeadKV != 0 || (c.NEmbd/c.NHead)%2 != 0 {
		return fmt.Errorf("bitnet: synth: %d dims, %d heads, %d KV heads do not divide evenly", c.NEmbd, c.NHead, c.NHeadKV)
	}
	blk := 256
	if c.WeightType == gguf.TypeI2_S {
		blk = 128
	}
	hd := c.NEmbd / c.NHead
	if c.NEmbd%blk != 0 || c.NFF%blk != 0 || (c.NHeadKV*hd)%1 != 0 {
		return fmt.Errorf("bitnet: synth: n_embd %d and n_ff %d must be multiples of %d for %s", c.NEmbd, c.NFF, blk, c.WeightType)
	}
	switch c.WeightType {
	case gguf.TypeTQ1_0, gguf.TypeTQ2_0, gguf.TypeI2_S:
	default:
		return fmt.Errorf("bitnet: synth: weight type %s is not ternary", c.WeightType)
	}
	if c.EmbdType != gguf.TypeF16 && c.EmbdType != gguf.TypeF32 {
		return fmt.Errorf("bitnet: synth: embedding type %s (want F16 or F32)", c.EmbdType)
	}
	if c.NCtx <= 0 {
		c.NCtx = 4096
	}
	if c.RopeBase == 0 {
		c.RopeBase = 10000
	}
	w := gguf.NewWriter()
	p := c.Arch + "."
	ftype := map[gguf.TensorType]uint32{gguf.TypeTQ1_0: 36, gguf.TypeTQ2_0: 37, gguf.TypeI2_S: 40}[c.WeightType]
	meta := []struct {
		k string
		v any
	}{
		{"general.architecture", c.Arch},
		{"general.name", "synthetic"},
		{"general.file_type", ftype},
		{p + "vocab_size", uint32(c.NVocab)},
		{p + "context_length", uint32(c.NCtx)},
		{p + "embedding_length", uint32(c.NEmbd)},
		{p + "block_count", uint32(c.NLayer)},
		{p + "feed_forward_length", uint32(c.NFF)},
		{p + "rope.dimension_count", uint32(hd)},
		{p + "attention.head_count", uint32(c.NHead)},
		{p + "attention.head_count_kv", uint32(c.NHeadKV)},
		{p + "attention.layer_norm_rms_epsilon", float32(1e-5)},
		{p + "rope.freq_base", c.RopeBase},
	}
	for _, kv := range meta {
		if err := w.Set(kv.k, kv.v); err != nil {
			return err
		}
	}
	// A SentencePiece-style vocabulary: <unk>, <s>, </s>, 256 byte tokens,
	// then pieces made of letters.
	toks := make([]string, c.NVocab)
	scores := make([]float32, c.NVocab)
	types := make([]int32, c.NVocab)
	toks[0], toks[1], toks[2] = "<unk>", "<s>", "</s>"
	types[0], types[1], types[2] = 2, 3, 3
	for b := 0; b < 256; b++ {
		toks[3+b] = fmt.Sprintf("<0x%02X>", b)
		types[3+b] = 6
	}
	letters := "etaoinshrdlucmfwypvbgkqjxz"
	for i := 259; i < c.NVocab; i++ {
		n := i - 259
		s := "▁"
		for {
			s += string(letters[n%26])
			n /= 26
			if n == 0 {
				break
			}
		}
		toks[i] = s
		scores[i] = -float32(i)
		types[i] = 1
	}
	for _, kv := range []struct {
		k string
		v any
	}{
		{"tokenizer.ggml.model", "llama"},
		{"tokenizer.ggml.tokens", toks},
		{"tokenizer.ggml.scores", scores},
		{"tokenizer.ggml.token_type", types},
		{"tokenizer.ggml.bos_token_id", uint32(1)},
		{"tokenizer.ggml.eos_token_id", uint32(2)},
		{"tokenizer.ggml.unknown_token_id", uint32(0)},
		{"tokenizer.ggml.add_bos_token", true},
	} {
		if err := w.Set(kv.k, kv.v); err != nil {
			return err
		}
	}

	seed := c.Seed
	next := func() *rand.Rand { seed++; return rand.New(rand.NewPCG(seed, 0x5eed)) }
	vec := func(name string, n int, gen func(r *rand.Rand) float32) error {
		r := next()
		data := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(gen(r)))
		}
		return w.AddTensor(name, gguf.TypeF32, []uint64{uint64(n)}, data)
	}
	norm := func(r *rand.Rand) float32 { return float32(max(0.2, 1+0.25*r.NormFloat64())) }

	r := next()
	embFill := func(dst io.Writer) error {
		bw := bufio.NewWriterSize(dst, 1<<20)
		var buf [4]byte
		for i := 0; i < c.NVocab*c.NEmbd; i++ {
			v := float32(0.08 * r.NormFloat64())
			if c.EmbdType == gguf.TypeF16 {
				binary.LittleEndian.PutUint16(buf[:], quant.F32ToF16(v))
				bw.Write(buf[:2])
			} else {
				binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
				bw.Write(buf[:])
			}
		}
		return bw.Flush()
	}
	if err := w.AddTensorFunc("token_embd.weight", c.EmbdType, []uint64{uint64(c.NEmbd), uint64(c.NVocab)}, embFill); err != nil {
		return err
	}
	if err := vec("output_norm.weight", c.NEmbd, norm); err != nil {
		return err
	}
	nq, nkv := c.NEmbd, c.NHeadKV*hd
	for i := 0; i < c.NLayer; i++ {
		bp := fmt.Sprintf("blk.%d.", i)
		for _, v := range []struct {
			name string
			n    int
		}{{"attn_norm", c.NEmbd}, {"attn_sub_norm", c.NEmbd}, {"ffn_norm", c.NEmbd}, {"ffn_sub_norm", c.NFF}} {
			if err := vec(bp+v.name+".weight", v.n, norm); err != nil {
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
			r := next()
			scale := float32(math.Exp(math.Log(0.04) + r.Float64()*math.Log(3)))
			fill := func(dst io.Writer) error { return writeTernary(dst, c.WeightType, v.rows, v.cols, scale, c.Scales, r) }
			if err := w.AddTensorFunc(bp+v.name+".weight", c.WeightType, []uint64{uint64(v.cols), uint64(v.rows)}, fill); err != nil {
				return err
			}
			if c.Scales {
				if err := vec(bp+v.name+".scale", 1, func(*rand.Rand) float32 { return scale }); err != nil {
					return err
				}
			}
		}
	}
	_, err := w.WriteTo(out)
	return err
}

// ternaryByte maps a random byte to one whose four 2-bit codes are all in
// 0..2 (code 3 becomes 1, a zero weight).
var ternaryByte = func() (t [256]byte) {
	for b := range t {
		var o byte
		for k := 0; k < 4; k++ {
			c := byte(b) >> (2 * k) & 3
			if c == 3 {
				c = 1
			}
			o |= c << (2 * k)
		}
		t[b] = o
	}
	return t
}()

// writeTernary streams rows × cols random ternary weights. With separate
// scales the block d is about 1 (the scale tensor carries the magnitude);
// otherwise d is the scale.
func writeTernary(dst io.Writer, typ gguf.TensorType, rows, cols int, scale float32, separate bool, r *rand.Rand) error {
	bw := bufio.NewWriterSize(dst, 1<<20)
	d := scale
	if separate {
		d = 1
	}
	dh := quant.F32ToF16(d)
	rnd := make([]byte, 64)
	fillRand := func(b []byte) {
		for i := 0; i < len(b); i += 8 {
			binary.LittleEndian.PutUint64(rnd[:8], r.Uint64())
			copy(b[i:], rnd[:8])
		}
	}
	switch typ {
	case gguf.TypeTQ2_0:
		blk := make([]byte, quant.BlockTQ2_0)
		for i := 0; i < rows*cols/quant.QK_K; i++ {
			fillRand(blk[:64])
			for j := 0; j < 64; j++ {
				blk[j] = ternaryByte[blk[j]]
			}
			binary.LittleEndian.PutUint16(blk[64:], dh)
			bw.Write(blk)
		}
	case gguf.TypeTQ1_0:
		blk := make([]byte, quant.BlockTQ1_0+2)
		for i := 0; i < rows*cols/quant.QK_K; i++ {
			fillRand(blk[:56])
			binary.LittleEndian.PutUint16(blk[52:], dh)
			bw.Write(blk[:quant.BlockTQ1_0])
		}
	case gguf.TypeI2_S:
		buf := make([]byte, 32)
		for i := 0; i < rows*cols/4; i += 32 {
			fillRand(buf)
			for j := range buf {
				buf[j] = ternaryByte[buf[j]]
			}
			bw.Write(buf)
		}
		tail := make([]byte, 32)
		binary.LittleEndian.PutUint32(tail, math.Float32bits(scale))
		bw.Write(tail)
	}
	return bw.Flush()
}
