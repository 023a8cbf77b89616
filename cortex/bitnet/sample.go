package bitnet

import (
	"math"
	"math/rand/v2"
	"sort"
)

// SamplerConfig selects how the next token is drawn from the logits.
//
// The steps run in llama.cpp's default order: repetition penalty, top-k,
// temperature, softmax, top-p, then a seeded draw. A temperature ≤ 0 means
// greedy decoding (argmax after the penalty; ties go to the lowest id).
type SamplerConfig struct {
	Temperature float32 // ≤ 0: greedy
	TopK        int     // keep the k most likely tokens (0: all)
	TopP        float32 // keep the smallest set with probability ≥ p (0 or 1: all)
	// RepeatPenalty divides positive logits and multiplies negative ones of
	// tokens among the last RepeatLastN (1 or 0: off).
	RepeatPenalty float32
	RepeatLastN   int // 0: 64
	Seed          uint64
}

// Sampler draws tokens. It is not safe for concurrent use.
type Sampler struct {
	cfg     SamplerConfig
	rng     *rand.Rand
	history []int
	cand    []cand
}

type cand struct {
	id int
	v  float32
}

// NewSampler returns a sampler seeded with cfg.Seed.
func NewSampler(cfg SamplerConfig) *Sampler {
	if cfg.RepeatLastN <= 0 {
		cfg.RepeatLastN = 64
	}
	return &Sampler{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// Accept records a token (prompt or generated) for the repetition penalty.
func (s *Sampler) Accept(tok int) {
	s.history = append(s.history, tok)
	if len(s.history) > 4*s.cfg.RepeatLastN {
		s.history = append(s.history[:0], s.history[len(s.history)-s.cfg.RepeatLastN:]...)
	}
}

// Sample returns the next token for logits. It does not modify logits.
func (s *Sampler) Sample(logits []float32) int {
	c := s.cfg
	pen := c.RepeatPenalty != 0 && c.RepeatPenalty != 1
	var penalized map[int]bool
	if pen {
		penalized = map[int]bool{}
		h := s.history
		if len(h) > c.RepeatLastN {
			h = h[len(h)-c.RepeatLastN:]
		}
		for _, t := range h {
			if t >= 0 && t < len(logits) {
				penalized[t] = true
			}
		}
	}
	value := func(i int) float32 {
		v := logits[i]
		if penalized[i] {
			if v > 0 {
				v /= c.RepeatPenalty
			} else {
				v *= c.RepeatPenalty
			}
		}
		return v
	}
	if c.Temperature <= 0 {
		best, bv := 0, float32(math.Inf(-1))
		for i := range logits {
			if v := value(i); v > bv {
				best, bv = i, v
			}
		}
		return best
	}
	s.cand = s.cand[:0]
	for i := range logits {
		s.cand = append(s.cand, cand{i, value(i)})
	}
	cs := s.cand
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].v != cs[b].v {
			return cs[a].v > cs[b].v
		}
		return cs[a].id < cs[b].id
	})
	if c.TopK > 0 && c.TopK < len(cs) {
		cs = cs[:c.TopK]
	}
	// Softmax at the temperature, in float64.
	p := make([]float64, len(cs))
	var sum float64
	for i := range cs {
		p[i] = math.Exp(float64(cs[i].v-cs[0].v) / float64(c.Temperature))
		sum += p[i]
	}
	n := len(cs)
	if c.TopP > 0 && c.TopP < 1 {
		var acc float64
		for i := range p {
			acc += p[i] / sum
			if acc >= float64(c.TopP) {
				n = i + 1
				break
			}
		}
		sum = 0
		for i := 0; i < n; i++ {
			sum += p[i]
		}
	}
	r := s.rng.Float64() * sum
	for i := 0; i < n; i++ {
		r -= p[i]
		if r < 0 {
			return cs[i].id
		}
	}
	return cs[n-1].id
}
