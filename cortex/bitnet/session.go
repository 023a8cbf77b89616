package bitnet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"nexusos/cortex/gguf"
	"nexusos/cortex/kernels"
)

// ErrContextFull is returned when a sequence would exceed the session's
// context length.
var ErrContextFull = errors.New("bitnet: context window is full")

// SessionConfig configures NewSession.
type SessionConfig struct {
	// Context is the KV cache length in tokens (0: min(model's, 4096)).
	Context int
	// Threads is the number of worker threads (0: GOMAXPROCS).
	Threads int
	// Batch is the most prompt tokens processed per forward step (0: 128).
	Batch int
}

// Session is one token sequence: its float16 KV cache, scratch buffers and
// worker threads. It is not safe for concurrent use. Close it to stop the
// workers.
type Session struct {
	m    *Model
	p    *pool
	nCtx int
	ub   int
	pos  int
	kc   [][]uint16 // per layer: nCtx × nkv
	vc   [][]uint16

	x, h, q, k, v, att, o, g, u []float32
	in                          actIn
}

// actIn is the input of one or more linears, quantized on demand in the
// formats their weight types need.
type actIn struct {
	x      []float32 // T × cols
	t      int
	cols   int
	q8     [][]kernels.BlockQ8K
	q8buf  []kernels.BlockQ8K
	i8     []kernels.I8S
	pq8    kernels.PackedQ8K // q8 packed for the batched kernels (t > 1)
	pi8    kernels.PackedI8S
	haveQ8 bool
	haveI8 bool
}

// NewSession allocates a sequence with an empty KV cache.
func (m *Model) NewSession(cfg SessionConfig) (*Session, error) {
	c := m.Config
	n := cfg.Context
	if n <= 0 {
		n = min(c.NCtxTrain, 4096)
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("bitnet: context %d too large", n)
	}
	ub := cfg.Batch
	if ub <= 0 {
		ub = 128
	}
	ub = min(ub, n)
	nq, nkv := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim
	s := &Session{m: m, nCtx: n, ub: ub, p: newPool(cfg.Threads)}
	s.kc = make([][]uint16, c.NLayer)
	s.vc = make([][]uint16, c.NLayer)
	for i := range s.kc {
		s.kc[i] = make([]uint16, n*nkv)
		s.vc[i] = make([]uint16, n*nkv)
	}
	s.x = make([]float32, ub*c.NEmbd)
	s.h = make([]float32, ub*max(c.NEmbd, c.NFF, nq))
	s.q = make([]float32, ub*nq)
	s.k = make([]float32, ub*nkv)
	s.v = make([]float32, ub*nkv)
	s.att = make([]float32, ub*nq)
	s.o = make([]float32, ub*c.NEmbd)
	s.g = make([]float32, ub*c.NFF)
	s.u = make([]float32, ub*c.NFF)
	return s, nil
}

// Close stops the session's worker threads.
func (s *Session) Close() { s.p.close() }

// Pos returns the number of tokens in the KV cache.
func (s *Session) Pos() int { return s.pos }

// Context returns the KV cache length.
func (s *Session) Context() int { return s.nCtx }

// Reset empties the KV cache (truncates the sequence to n tokens).
func (s *Session) Reset(n int) {
	if n >= 0 && n < s.pos {
		s.pos = n
	}
}

// Forward appends tokens to the sequence and returns logits: for every
// token (len(tokens) × vocab) when all is set, else for the last token only.
// Prompts longer than the session's batch run in several steps.
//
// # Errors
//
// ErrContextFull (wrapped) when the tokens do not fit, an error for an
// out-of-range id, or ctx.Err() when ctx is cancelled; the check runs
// between layers. After an error the sequence may have grown by a prefix
// of tokens (whole batches): Pos tells where it stands.
func (s *Session) Forward(ctx context.Context, tokens []int, all bool) ([]float32, error) {
	c := &s.m.Config
	if len(tokens) == 0 {
		return nil, errors.New("bitnet: no tokens")
	}
	if s.pos+len(tokens) > s.nCtx {
		return nil, fmt.Errorf("%w: %d + %d tokens > %d", ErrContextFull, s.pos, len(tokens), s.nCtx)
	}
	for _, t := range tokens {
		if t < 0 || t >= c.NVocab {
			return nil, fmt.Errorf("bitnet: token id %d out of range [0, %d)", t, c.NVocab)
		}
	}
	var logits []float32
	if all {
		logits = make([]float32, len(tokens)*c.NVocab)
	}
	for b := 0; b < len(tokens); b += s.ub {
		e := min(b+s.ub, len(tokens))
		last := e == len(tokens)
		var out []float32
		switch {
		case all:
			out = logits[b*c.NVocab : e*c.NVocab]
		case last:
			logits = make([]float32, c.NVocab)
			out = logits
		}
		if err := s.step(ctx, tokens[b:e], out, all); err != nil {
			return nil, err
		}
	}
	return logits, nil
}

// step runs one batch of T ≤ ub tokens. out receives logits of every token
// (all) or of the last one; nil skips the output head.
func (s *Session) step(ctx context.Context, tokens []int, out []float32, all bool) error {
	m := s.m
	c := &m.Config
	T := len(tokens)
	E := c.NEmbd
	for t, id := range tokens {
		if err := m.embd.row(id, s.x[t*E:(t+1)*E]); err != nil {
			return fmt.Errorf("bitnet: embedding of token %d: %w", id, err)
		}
	}
	for li := range m.layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.layer(li, T)
	}
	if out == nil {
		return nil
	}
	first := T - 1
	if all {
		first = 0
	}
	return s.head(s.x[first*E:T*E], T-first, out)
}

// layer runs transformer block li on s.x[:T].
func (s *Session) layer(li, T int) {
	m := s.m
	c := &m.Config
	l := &m.layers[li]
	E := c.NEmbd
	nq, nkv := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim

	h := s.h[:T*E]
	s.norm(h, s.x[:T*E], l.attnNorm, T, E)
	s.in.set(h, T, E)
	s.linears([]*linear{&l.q, &l.k, &l.v}, [][]float32{s.q[:T*nq], s.k[:T*nkv], s.v[:T*nkv]})

	kc, vc := s.kc[li], s.vc[li]
	s.p.parallel(T, 1, func(lo, hi int) {
		cs := make([]float32, c.RopeDim)
		for t := lo; t < hi; t++ {
			pos := s.pos + t
			ropeCache(cs, pos, c.RopeDim, c.RopeBase, c.RopeFreqScl)
			ropeNeox(s.q[t*nq:(t+1)*nq], c.NHead, c.HeadDim, c.RopeDim, cs)
			kt := s.k[t*nkv : (t+1)*nkv]
			ropeNeox(kt, c.NHeadKV, c.HeadDim, c.RopeDim, cs)
			toF16(kc[pos*nkv:(pos+1)*nkv], kt)
			toF16(vc[pos*nkv:(pos+1)*nkv], s.v[t*nkv:(t+1)*nkv])
		}
	})
	s.attention(li, T)

	a := s.h[:T*nq]
	s.norm(a, s.att[:T*nq], l.attnSubNorm, T, nq)
	s.in.set(a, T, nq)
	s.linear(&l.o, s.o[:T*E])
	for i := range s.o[:T*E] {
		s.x[i] += s.o[i]
	}

	s.norm(h, s.x[:T*E], l.ffnNorm, T, E)
	s.in.set(h, T, E)
	F := c.NFF
	s.linears([]*linear{&l.gate, &l.up}, [][]float32{s.g[:T*F], s.u[:T*F]})
	s.p.parallel(T*F, 1024, func(lo, hi int) { ffnAct(c.Act, s.g[lo:hi], s.u[lo:hi]) })
	f := s.h[:T*F]
	s.norm(f, s.g[:T*F], l.ffnSubNorm, T, F)
	s.in.set(f, T, F)
	s.linear(&l.down, s.o[:T*E])
	for i := range s.o[:T*E] {
		s.x[i] += s.o[i]
	}
	if li == len(m.layers)-1 {
		s.pos += T
	}
}

// norm applies rmsNorm with weight w to each of the T rows of n values.
func (s *Session) norm(dst, x, w []float32, T, n int) {
	s.p.parallel(T, 1, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			rmsNorm(dst[t*n:(t+1)*n], x[t*n:(t+1)*n], w, s.m.Config.Eps)
		}
	})
}

// attention computes s.att[:T] from s.q and the cache of layer li, with
// causal masking and grouped KV heads (query head h uses KV head
// h / (n_head/n_head_kv)). Q, K, V and the probabilities are float16 as in
// llama.cpp; dot products accumulate in float32.
func (s *Session) attention(li, T int) {
	c := &s.m.Config
	hd := c.HeadDim
	nq, nkv := c.NHead*hd, c.NHeadKV*hd
	group := c.NHead / c.NHeadKV
	scale := 1 / float32(math.Sqrt(float64(hd)))
	kc, vc := s.kc[li], s.vc[li]
	s.p.parallel(T*c.NHead, 1, func(lo, hi int) {
		qh := make([]float32, hd)
		sc := make([]float32, s.pos+T)
		for it := lo; it < hi; it++ {
			t, h := it/c.NHead, it%c.NHead
			n := s.pos + t + 1
			kvo := (h / group) * hd
			copy(qh, s.q[t*nq+h*hd:t*nq+h*hd+hd])
			roundF16(qh)
			p := sc[:n]
			for j := range p {
				p[j] = dotF16Fast(kc[j*nkv+kvo:j*nkv+kvo+hd], qh) * scale
			}
			softmaxInPlace(p)
			roundF16(p)
			out := s.att[t*nq+h*hd : t*nq+h*hd+hd]
			clear(out)
			for j, pj := range p {
				axpyF16(out, vc[j*nkv+kvo:j*nkv+kvo+hd], pj)
			}
		}
	})
}

func (a *actIn) set(x []float32, t, cols int) {
	a.x, a.t, a.cols = x, t, cols
	a.haveQ8, a.haveI8 = false, false
}

// quantize prepares the activations for weights of type typ.
func (a *actIn) quantize(p *pool, typ gguf.TensorType) {
	switch typ {
	case gguf.TypeI2_S:
		if a.haveI8 {
			return
		}
		if len(a.i8) < a.t {
			a.i8 = append(a.i8, make([]kernels.I8S, a.t-len(a.i8))...)
		}
		p.parallel(a.t, 8, func(lo, hi int) {
			for t := lo; t < hi; t++ {
				kernels.QuantizeI8S(a.x[t*a.cols:(t+1)*a.cols], &a.i8[t])
			}
		})
		if a.t > 1 {
			kernels.PackI8S(a.i8[:a.t], a.cols, &a.pi8)
		}
		a.haveI8 = true
	default:
		if a.haveQ8 {
			return
		}
		nb := a.cols / kernels.QK
		if len(a.q8buf) < a.t*nb {
			a.q8buf = make([]kernels.BlockQ8K, a.t*nb)
		}
		a.q8 = a.q8[:0]
		for t := 0; t < a.t; t++ {
			a.q8 = append(a.q8, a.q8buf[t*nb:(t+1)*nb])
		}
		p.parallel(a.t, 8, func(lo, hi int) {
			for t := lo; t < hi; t++ {
				kernels.QuantizeQ8K(a.x[t*a.cols:(t+1)*a.cols], a.q8[t])
			}
		})
		if a.t > 1 {
			kernels.PackQ8K(a.q8, a.cols, &a.pq8)
		}
		a.haveQ8 = true
	}
}

// linear computes dst (T × l.rows) = s.in · lᵀ, times l.scale.
func (s *Session) linear(l *linear, dst []float32) {
	s.linears([]*linear{l}, [][]float32{dst})
}

// linears computes several linears that share the input s.in in one
// parallel loop over all their output rows (one synchronisation instead
// of one per matrix).
func (s *Session) linears(ls []*linear, dsts [][]float32) {
	a := &s.in
	rows := make([]int, len(ls))
	for i, l := range ls {
		a.quantize(s.p, l.typ)
		rows[i] = l.rows
	}
	s.p.parallelRows(rows, 16, func(i, r0, r1 int) { s.rows(ls[i], dsts[i], r0, r1) })
}

// rows computes rows [lo, hi) of one linear for every token of s.in.
func (s *Session) rows(l *linear, dst []float32, lo, hi int) {
	a := &s.in
	T := a.t
	switch l.typ {
	case gguf.TypeTQ2_0:
		if T == 1 {
			kernels.MatVecTQ2Range(dst, l.w, l.rows, l.cols, a.q8[0], lo, hi)
		} else {
			kernels.MatMulTQ2Packed(dst, l.w, l.rows, l.cols, &a.pq8, lo, hi)
		}
	case gguf.TypeTQ1_0:
		if T == 1 {
			kernels.MatVecTQ1Range(dst, l.w, l.rows, l.cols, a.q8[0], lo, hi)
		} else {
			kernels.MatMulTQ1Packed(dst, l.w, l.rows, l.cols, &a.pq8, lo, hi)
		}
	case gguf.TypeI2_S:
		if T == 1 {
			kernels.MatVecI2SRange(dst, l.w, l.rows, l.cols, l.i2s, &a.i8[0], lo, hi)
		} else {
			kernels.MatMulI2SPacked(dst, l.w, l.rows, l.cols, l.i2s, &a.pi8, lo, hi)
		}
	}
	if l.scale != 1 {
		for t := 0; t < T; t++ {
			row := dst[t*l.rows : (t+1)*l.rows]
			for r := lo; r < hi; r++ {
				row[r] *= l.scale
			}
		}
	}
	if l.bias != nil {
		for t := 0; t < T; t++ {
			row := dst[t*l.rows : (t+1)*l.rows]
			for r := lo; r < hi; r++ {
				row[r] += l.bias[r]
			}
		}
	}
}

// head writes the logits of the n hidden states x (n × n_embd) to out.
func (s *Session) head(x []float32, n int, out []float32) error {
	m := s.m
	c := &m.Config
	E, V := c.NEmbd, c.NVocab
	xn := make([]float32, n*E)
	for t := 0; t < n; t++ {
		rmsNorm(xn[t*E:(t+1)*E], x[t*E:(t+1)*E], m.outputNorm, c.Eps)
	}
	tab := &m.output
	var (
		errMu sync.Mutex
		err   error // guarded by errMu
	)
	if q8 := m.outQ8; q8 != nil {
		nb := E / kernels.QK
		ys := make([]kernels.BlockQ8K, n*nb)
		for t := 0; t < n; t++ {
			kernels.QuantizeQ8K(xn[t*E:(t+1)*E], ys[t*nb:(t+1)*nb])
		}
		s.p.parallel(V, 64, func(lo, hi int) {
			for t := 0; t < n; t++ {
				kernels.MatVecQ8Range(out[t*V:(t+1)*V], q8.w, V, E, ys[t*nb:(t+1)*nb], lo, hi)
			}
		})
		return nil
	}
	if tab.typ == gguf.TypeF16 {
		roundF16(xn)
		w := u16s(tab.data)
		// Rows are split in quads, so that each row is computed by the same
		// kernel (the four-row one or dotF16Fast, whose sums differ in
		// order) whatever the thread count and the number of tokens.
		s.p.parallel((V+3)/4, 16, func(qlo, qhi int) {
			lo, hi := 4*qlo, min(4*qhi, V)
			blk := hi - lo // one token: one stream, the kernel prefetching ahead
			if n > 1 {
				blk = 64 // rows: 320 KiB of a 2560-wide table, still in L2 for the next token
			}
			for b := lo; b < hi; b += blk {
				e := min(b+blk, hi)
				for t := 0; t < n; t++ {
					o, x := out[t*V:(t+1)*V], xn[t*E:(t+1)*E]
					for r := b + kernels.MatVecF16(o, w, V, E, x, b, e); r < e; r++ {
						o[r] = dotF16Fast(w[r*E:(r+1)*E], x)
					}
				}
			}
		})
		return nil
	}
	// Other table types: dequantize each row, then a float dot product.
	s.p.parallel(V, 64, func(lo, hi int) {
		row := make([]float32, E)
		for r := lo; r < hi; r++ {
			if e := tab.row(r, row); e != nil {
				errMu.Lock()
				err = e
				errMu.Unlock()
				return
			}
			for t := 0; t < n; t++ {
				var sum float32
				for i, w := range row {
					sum += w * xn[t*E+i]
				}
				out[t*V+r] = sum
			}
		}
	})
	return err
}
