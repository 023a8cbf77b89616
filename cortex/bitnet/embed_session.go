package bitnet

import (
	"context"
	"errors"
	"fmt"
	"math"

	"nexusos/cortex/gguf"
	"nexusos/cortex/kernels"
	"nexusos/vectordb/distance"
)

// EmbedSessionConfig configures NewEmbedSession.
type EmbedSessionConfig struct {
	// Threads is the number of worker threads (0: GOMAXPROCS).
	Threads int
	// MaxTokens is the longest sequence accepted (0: min(the model's
	// context length, 8192)). Buffers grow with the longest sequence seen.
	MaxTokens int
}

// EmbedSession runs an EmbedModel over token sequences: worker threads and
// scratch buffers. It is not safe for concurrent use; Close it to stop the
// workers.
//
// Per layer, following docs/bitnet-embeddings-i2s-guide.md of
// microsoft/BitNet (§2, §3.1) and the Hugging Face Qwen3/Gemma3 blocks; each
// BitLinear L normalises its own input first, L(x) = W·(rmsnorm(x)·norm_in),
// with int8 per-token absmax activations when W is I2_S:
//
//	h = rmsnorm(x)·attn_norm
//	q, k, v = L_q(h), L_k(h), L_v(h)
//	q, k = rmsnorm(q_head)·attn_q_norm, rmsnorm(k_head)·attn_k_norm   (per head)
//	q, k = rope_neox(q, k, pos)
//	a = softmax(q·kᵀ·scale + causal [+ sliding window]) · v              (GQA)
//	o = L_o(a)                    [Gemma3: o = rmsnorm(o)·post_attention_norm]
//	x += o
//	h = rmsnorm(x)·ffn_norm
//	f = act(L_gate(h))·L_up(h)    (Qwen3 SiLU, Gemma3 GELU-tanh)
//	d = L_down(f)                 [Gemma3: d = rmsnorm(d)·post_ffw_norm]
//	x += d
//
// then e = pool(rmsnorm(x)·output_norm) and e/‖e‖₂. Gemma3 scales the token
// embeddings by √n_embd, uses scale = query_pre_attn_scalar^-½ (1/√head_dim
// for Qwen3), and a 512-token window with RoPE base 10000 in five of every
// six layers. Everything but the int8 products runs in float32.
type EmbedSession struct {
	m    *EmbedModel
	p    *pool
	maxT int
	capT int

	x, h, q, k, v, vt, att, o, g, u []float32
	rs                              []float32    // per token: 1/rms of the row being normalised
	krows                           [][]float32  // per KV head and token: its key
	seg                             []int        // per token: where its sequence starts in the batch
	nb                              [3][]float32 // normalised inputs of up to three projections
	ins                             [3]actIn
}

// ErrTooLong is returned (wrapped) when a sequence exceeds the session's
// MaxTokens.
var ErrTooLong = errors.New("bitnet: sequence too long")

// NewEmbedSession starts a session's worker threads.
func (m *EmbedModel) NewEmbedSession(cfg EmbedSessionConfig) *EmbedSession {
	n := cfg.MaxTokens
	if n <= 0 {
		n = min(m.Config.NCtxTrain, 8192)
	}
	return &EmbedSession{m: m, p: newPool(cfg.Threads), maxT: n}
}

// Close stops the session's worker threads.
func (s *EmbedSession) Close() { s.p.close() }

// Threads returns the number of worker threads.
func (s *EmbedSession) Threads() int { return s.p.n }

// grow makes the buffers hold T tokens.
func (s *EmbedSession) grow(T int) {
	if T <= s.capT {
		return
	}
	c := &s.m.Config
	nq, nkv := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim
	w := max(c.NEmbd, nq, c.NFF)
	s.x = make([]float32, T*c.NEmbd)
	s.h = make([]float32, T*c.NEmbd)
	s.q = make([]float32, T*nq)
	s.k = make([]float32, T*nkv)
	s.v = make([]float32, T*nkv)
	s.vt = make([]float32, T*nkv)
	s.rs = make([]float32, T)
	s.krows = make([][]float32, T*c.NHeadKV)
	s.seg = make([]int, T)
	s.att = make([]float32, T*nq)
	s.o = make([]float32, T*c.NEmbd)
	s.g = make([]float32, T*c.NFF)
	s.u = make([]float32, T*c.NFF)
	for i := range s.nb {
		s.nb[i] = make([]float32, T*w)
	}
	s.capT = T
}

// Embed returns the pooled, L2-normalised embedding of one token sequence
// (NEmbd values). The caller adds any end-of-sequence token the model
// pools on (the tokenizer's add_eos_token).
//
// # Errors
//
// ErrTooLong (wrapped), an error for an empty sequence or an out-of-range
// id, or ctx.Err() (checked between layers).
func (s *EmbedSession) Embed(ctx context.Context, tokens []int) ([]float32, error) {
	out, err := s.EmbedBatch(ctx, [][]int{tokens})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// DefaultEmbedBatch is the most tokens EmbedBatch puts in one pass.
const DefaultEmbedBatch = 512

// EmbedBatch returns the embeddings of several sequences, as Embed would
// one by one, but running up to DefaultEmbedBatch tokens of consecutive
// sequences in one pass: one parallel loop per matrix for all of them, and
// batched products (see matVecBelow), which on two threads beat token by
// token ones from about 12 tokens on, so short texts (the chunks of a
// document index) gain most. Attention and positions stay within each
// sequence. Results agree with Embed's to float32 rounding.
func (s *EmbedSession) EmbedBatch(ctx context.Context, seqs [][]int) ([][]float32, error) {
	c := &s.m.Config
	for i, toks := range seqs {
		if len(toks) == 0 {
			return nil, fmt.Errorf("bitnet: sequence %d has no tokens", i)
		}
		if len(toks) > s.maxT {
			return nil, fmt.Errorf("%w: sequence %d: %d tokens > %d", ErrTooLong, i, len(toks), s.maxT)
		}
		for _, id := range toks {
			if id < 0 || id >= c.NVocab {
				return nil, fmt.Errorf("bitnet: sequence %d: token id %d out of range [0, %d)", i, id, c.NVocab)
			}
		}
	}
	out := make([][]float32, len(seqs))
	for i := 0; i < len(seqs); {
		// Greedy: consecutive sequences while they fit (a longer one alone).
		j, n := i+1, len(seqs[i])
		for j < len(seqs) && n+len(seqs[j]) <= min(DefaultEmbedBatch, s.maxT) {
			n += len(seqs[j])
			j++
		}
		if err := s.pass(ctx, seqs[i:j], out[i:j]); err != nil {
			return nil, err
		}
		i = j
	}
	return out, nil
}

// pass runs the concatenated seqs through the model and writes each one's
// embedding to out.
func (s *EmbedSession) pass(ctx context.Context, seqs [][]int, out [][]float32) error {
	m := s.m
	c := &m.Config
	E := c.NEmbd
	T := 0
	for _, q := range seqs {
		T += len(q)
	}
	s.grow(T)
	x := s.x[:T*E]
	t := 0
	for _, q := range seqs {
		for i, id := range q {
			s.seg[t] = t - i
			row := x[t*E : (t+1)*E]
			if err := m.embd.row(id, row); err != nil {
				return fmt.Errorf("bitnet: embedding of token %d: %w", id, err)
			}
			if c.EmbedScale != 0 {
				for d := range row {
					row[d] *= c.EmbedScale
				}
			}
			t++
		}
	}
	for li := range m.layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.layer(li, T)
	}
	tmp := make([]float32, E)
	t0 := 0
	for k, q := range seqs {
		n := len(q)
		v := make([]float32, E)
		switch c.Pooling {
		case PoolCLS:
			rmsNorm(v, x[t0*E:(t0+1)*E], m.outputNorm, c.Eps)
		case PoolMean:
			for t := t0; t < t0+n; t++ {
				rmsNorm(tmp, x[t*E:(t+1)*E], m.outputNorm, c.Eps)
				for i, w := range tmp {
					v[i] += w
				}
			}
			for i := range v {
				v[i] /= float32(n)
			}
		default: // PoolLast
			rmsNorm(v, x[(t0+n-1)*E:(t0+n)*E], m.outputNorm, c.Eps)
		}
		normalizeL2(v)
		out[k] = v
		t0 += n
	}
	return nil
}

// normalizeL2 divides v by its Euclidean norm (sum in float64), as
// llama.cpp's common_embd_normalize with norm 2; a zero vector stays zero.
func normalizeL2(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

// layer runs block li on s.x[:T] (sequences as s.seg gives them).
func (s *EmbedSession) layer(li, T int) {
	m := s.m
	c := &m.Config
	l := &m.layers[li]
	E, F, hd := c.NEmbd, c.NFF, c.HeadDim
	nq, nkv := c.NHead*hd, c.NHeadKV*hd
	x := s.x[:T*E]

	h := s.h[:T*E]
	s.norm(h, x, l.attnNorm, T, E)
	s.project([]*bitLinear{&l.q, &l.k, &l.v}, h, T, [][]float32{s.q[:T*nq], s.k[:T*nkv], s.v[:T*nkv]})

	base, win := c.RopeBase, T
	if c.SWAPattern > 0 && (li+1)%c.SWAPattern != 0 {
		base, win = c.RopeBaseSWA, c.SlidingWin
	}
	s.p.parallel(T, 1, func(lo, hi int) {
		cs := make([]float32, c.RopeDim)
		for t := lo; t < hi; t++ {
			qt, kt := s.q[t*nq:(t+1)*nq], s.k[t*nkv:(t+1)*nkv]
			for h := 0; h < c.NHead; h++ {
				rmsNorm(qt[h*hd:(h+1)*hd], qt[h*hd:(h+1)*hd], l.qNorm, c.Eps)
			}
			for h := 0; h < c.NHeadKV; h++ {
				rmsNorm(kt[h*hd:(h+1)*hd], kt[h*hd:(h+1)*hd], l.kNorm, c.Eps)
			}
			ropeCache(cs, t-s.seg[t], c.RopeDim, base, 1)
			ropeNeox(qt, c.NHead, hd, c.RopeDim, cs)
			ropeNeox(kt, c.NHeadKV, hd, c.RopeDim, cs)
		}
	})
	s.attend(T, win)

	o := s.o[:T*E]
	s.project([]*bitLinear{&l.o}, s.att[:T*nq], T, [][]float32{o})
	if l.postAttn != nil {
		s.norm(o, o, l.postAttn, T, E)
	}
	for i := range x {
		x[i] += o[i]
	}

	s.norm(h, x, l.ffnNorm, T, E)
	g, u := s.g[:T*F], s.u[:T*F]
	s.project([]*bitLinear{&l.gate, &l.up}, h, T, [][]float32{g, u})
	gelu := c.Arch == "gemma3"
	s.p.parallel(T*F, 1024, func(lo, hi int) {
		if gelu {
			geglu(g[lo:hi], u[lo:hi])
		} else {
			swiglu(g[lo:hi], u[lo:hi])
		}
	})
	s.project([]*bitLinear{&l.down}, g, T, [][]float32{o})
	if l.postFFN != nil {
		s.norm(o, o, l.postFFN, T, E)
	}
	for i := range x {
		x[i] += o[i]
	}
}

// geglu writes gelu(g)·u into g with the tanh approximation
// (gelu_pytorch_tanh, Gemma3's hidden_activation), and overwrites u. Since
// ½(1 + tanh z) = σ(2z), gelu(x) = x·σ(t) with t = 2z = k·x,
// k = 2√(2/π)(1 + 0.044715x²) > 0; so gelu(x)·u = silu(t)·(u/k), which the
// vector SwiGLU kernel computes (math.Tanh took half of a 270M-shaped
// model's time).
func geglu(g, u []float32) {
	u = u[:len(g)]
	const c = 2 * 0.7978845608028654 // 2√(2/π)
	for i, x := range g {
		k := c * (1 + 0.044715*x*x)
		g[i] = k * x
		u[i] /= k
	}
	swiglu(g, u)
}

// norm writes rmsnorm(x)·w for each of the T rows of n values to dst
// (which may be x).
func (s *EmbedSession) norm(dst, x, w []float32, T, n int) {
	s.invRMS(x, T, n)
	s.scale(dst, x, w, T, n)
}

// invRMS sets s.rs[t] = 1/√(mean(x_t²) + eps) for the T rows of x (sums
// of squares with the vector engine's float32 dot product).
func (s *EmbedSession) invRMS(x []float32, T, n int) {
	eps := float64(s.m.Config.Eps)
	s.p.parallel(T, 4, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			r := x[t*n : (t+1)*n]
			s.rs[t] = float32(1 / math.Sqrt(float64(distance.Dot(r, r))/float64(n)+eps))
		}
	})
}

// scale writes x_t·s.rs[t]·w to dst for the T rows of x.
func (s *EmbedSession) scale(dst, x, w []float32, T, n int) {
	w = w[:n]
	s.p.parallel(T, 4, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			r, d, k := x[t*n:(t+1)*n], dst[t*n:(t+1)*n], s.rs[t]
			for i, v := range r {
				d[i] = v * k * w[i]
			}
		}
	})
}

// project computes up to three BitLinears of one input x (T × cols): each
// normalises x with its own weight, quantises it if its weights are I2_S,
// then all their output rows run in one parallel loop.
func (s *EmbedSession) project(ls []*bitLinear, x []float32, T int, dsts [][]float32) {
	cols := ls[0].cols
	rows := make([]int, len(ls))
	s.invRMS(x, T, cols) // one input: one sum of squares for every projection
	for i, l := range ls {
		nb := s.nb[i][:T*cols]
		s.scale(nb, x, l.normIn, T, cols)
		s.ins[i].set(nb, T, cols)
		if l.typ == gguf.TypeI2_S {
			s.ins[i].quantize(s.p, l.typ)
		}
		rows[i] = l.rows
	}
	s.p.parallelRows(rows, 16, func(i, r0, r1 int) { s.rows(&ls[i].linear, &s.ins[i], dsts[i], r0, r1) })
}

// matVecBelow is the batch size under which I2_S products run token by
// token through the matrix-vector kernel (which streams the weights once
// per token at memory speed) rather than the batched kernel (which reads
// them once per batch but costs more per product). Measured on the 0.6B
// shape (t/CPU-s, embed-bench): on one thread token by token wins up to
// ~64 tokens (16 tokens: 399 against 296); on two, the threads share the
// memory bandwidth and the batched kernel wins from ~12 tokens (16: 450
// against 305 t/s).
func (s *EmbedSession) matVecBelow() int {
	if s.p.n == 1 {
		return 48
	}
	return 12
}

// rows computes rows [lo, hi) of l for every token of a.
func (s *EmbedSession) rows(l *linear, a *actIn, dst []float32, lo, hi int) {
	T, R, C := a.t, l.rows, l.cols
	switch l.typ {
	case gguf.TypeI2_S:
		if T < s.matVecBelow() {
			for t := 0; t < T; t++ {
				kernels.MatVecI2SRange(dst[t*R:(t+1)*R], l.w, R, C, l.i2s, &a.i8[t], lo, hi)
			}
		} else {
			kernels.MatMulI2SPacked(dst, l.w, R, C, l.i2s, &a.pi8, lo, hi)
		}
	case gguf.TypeF16:
		w := u16s(l.w)
		for t := 0; t < T; t++ {
			d, xt := dst[t*R:(t+1)*R], a.x[t*C:(t+1)*C]
			for r := lo + kernels.MatVecF16(d, w, R, C, xt, lo, hi); r < hi; r++ {
				d[r] = dotF16Fast(w[r*C:(r+1)*C], xt)
			}
		}
	case gguf.TypeF32:
		w := f32s(l.w)
		for t := 0; t < T; t++ {
			d, xt := dst[t*R:(t+1)*R], a.x[t*C:(t+1)*C]
			for r := lo; r < hi; r++ {
				d[r] = dotF32(w[r*C:(r+1)*C], xt)
			}
		}
	}
}

// dotF32 returns Σ w[i]·x[i] in float32 with four partial sums.
func dotF32(w, x []float32) float32 {
	var s0, s1, s2, s3 float32
	x = x[:len(w)]
	i := 0
	for ; i+4 <= len(w); i += 4 {
		s0 += w[i] * x[i]
		s1 += w[i+1] * x[i+1]
		s2 += w[i+2] * x[i+2]
		s3 += w[i+3] * x[i+3]
	}
	for ; i < len(w); i++ {
		s0 += w[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// attend computes s.att[:T] from s.q, s.k, s.v: causal attention within
// each sequence of the batch, each query seeing at most the win latest keys, KV head h/(n_head/n_head_kv)
// for query head h, in float32 (dot products with the vector engine's
// AVX-512/AVX2 kernels; V is transposed first so that P·V is dot products
// too).
func (s *EmbedSession) attend(T, win int) {
	c := &s.m.Config
	hd := c.HeadDim
	nq, nkv := c.NHead*hd, c.NHeadKV*hd
	group := c.NHead / c.NHeadKV
	scale := 1 / float32(math.Sqrt(float64(hd)))
	if c.QueryPreAttn > 0 {
		scale = 1 / float32(math.Sqrt(float64(c.QueryPreAttn)))
	}
	// vt[(g·hd + d)·T + j] = v[j][g·hd + d]; krows[g·T + j] = k[j] of head g.
	vt := s.vt[:nkv*T]
	krows := s.krows[:c.NHeadKV*T]
	s.p.parallel(nkv, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := vt[i*T : (i+1)*T]
			for j := range row {
				row[j] = s.v[j*nkv+i]
			}
		}
	})
	for g := 0; g < c.NHeadKV; g++ {
		for j := 0; j < T; j++ {
			krows[g*T+j] = s.k[j*nkv+g*hd : j*nkv+g*hd+hd]
		}
	}
	s.p.parallel(T*c.NHead, 1, func(lo, hi int) {
		sc := make([]float32, T)
		vrows := make([][]float32, hd)
		for it := lo; it < hi; it++ {
			t, h := it/c.NHead, it%c.NHead
			j0 := max(s.seg[t], t-win+1)
			g := h / group
			qh := s.q[t*nq+h*hd : t*nq+h*hd+hd]
			p := sc[:t+1-j0]
			distance.DotBatch(qh, krows[g*T+j0:g*T+t+1], p)
			for j := range p {
				p[j] *= scale
			}
			softmaxF32(p)
			for d := range vrows {
				vrows[d] = vt[(g*hd+d)*T+j0 : (g*hd+d+1)*T]
			}
			distance.DotBatch(p, vrows, s.att[t*nq+h*hd:t*nq+h*hd+hd])
		}
	})
}

// softmaxF32 replaces x by softmax(x) for the embedding graph: x − max,
// expF32, a float64 sum. Not ggml's bit pattern (softmaxInPlace is), but
// within float32 rounding of it and cheaper.
func softmaxF32(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	var sum float64
	for i, v := range x {
		e := expF32(v - m)
		x[i] = e
		sum += float64(e)
	}
	s := float32(1 / sum)
	for i := range x {
		x[i] *= s
	}
}

// expF32 returns e^x for x ≤ 0 within 2 ulp in float32 arithmetic: n =
// round(x·log2 e), r = x − n·ln 2 (in two parts), a degree-6 polynomial
// for e^r on |r| ≤ ½ln 2, scaled by 2^n; 0 below −104.
func expF32(x float32) float32 {
	if x < -104 {
		return 0
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2hi - n*ln2lo
	p := float32(1.0 / 720)
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	// 2^n for n ≥ -150: two steps keep the exponent in range.
	k := int32(n)
	if k < -126 {
		return p * math.Float32frombits(uint32(k+126+127)<<23) * 0x1p-126
	}
	return p * math.Float32frombits(uint32(k+127)<<23)
}
