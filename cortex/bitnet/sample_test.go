package bitnet

import "testing"

func TestSampler(t *testing.T) {
	logits := []float32{1, 3, 2.9, -1, 0.5}
	if got := NewSampler(SamplerConfig{}).Sample(logits); got != 1 {
		t.Errorf("greedy = %d, want 1", got)
	}
	// Ties go to the lowest id.
	if got := NewSampler(SamplerConfig{}).Sample([]float32{0, 2, 2}); got != 1 {
		t.Errorf("greedy tie = %d, want 1", got)
	}
	// Repetition penalty pushes token 1 below token 2.
	s := NewSampler(SamplerConfig{RepeatPenalty: 1.5})
	s.Accept(1)
	if got := s.Sample(logits); got != 2 {
		t.Errorf("penalized greedy = %d, want 2", got)
	}
	// top-k 1 and a tiny top-p are greedy whatever the temperature.
	for seed := uint64(0); seed < 20; seed++ {
		if got := NewSampler(SamplerConfig{Temperature: 5, TopK: 1, Seed: seed}).Sample(logits); got != 1 {
			t.Fatalf("top-k 1 = %d", got)
		}
		if got := NewSampler(SamplerConfig{Temperature: 5, TopP: 0.01, Seed: seed}).Sample(logits); got != 1 {
			t.Fatalf("top-p 0.01 = %d", got)
		}
		// top-k 2 only ever returns the two best.
		if got := NewSampler(SamplerConfig{Temperature: 5, TopK: 2, Seed: seed}).Sample(logits); got != 1 && got != 2 {
			t.Fatalf("top-k 2 = %d", got)
		}
	}
	// The same seed gives the same sequence; draws at a high temperature
	// reach more than one token.
	draw := func(seed uint64) []int {
		s := NewSampler(SamplerConfig{Temperature: 2, Seed: seed})
		var out []int
		for i := 0; i < 50; i++ {
			out = append(out, s.Sample(logits))
		}
		return out
	}
	a, b := draw(7), draw(7)
	seen := map[int]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different draws")
		}
		seen[a[i]] = true
	}
	if len(seen) < 3 {
		t.Errorf("temperature 2 drew only %v", seen)
	}
}
