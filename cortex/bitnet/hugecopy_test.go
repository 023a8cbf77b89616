package bitnet

import (
	"context"
	"math"
	"testing"
)

// TestHugePagesSameLogits checks that a model whose weights were copied to
// huge pages (and whose mapped pages were evicted) computes the same logits
// bit for bit, for the three weight types and a tied output table.
func TestHugePagesSameLogits(t *testing.T) {
	for _, name := range []string{"bitnet-tiny-tq2_0", "bitnet-tiny-tq1_0-scaled", "bitnet-tiny-i2_s"} {
		t.Run(name, func(t *testing.T) {
			_, a := openModel(t, name, Options{})
			_, b := openModel(t, name, Options{HugePages: true})
			toks := []int{1, 5, 9, 200, 17}
			for _, threads := range []int{1, 2} {
				sa, _ := a.NewSession(SessionConfig{Context: 16, Threads: threads})
				sb, _ := b.NewSession(SessionConfig{Context: 16, Threads: threads})
				for i, tok := range toks {
					la, err := sa.Forward(context.Background(), []int{tok}, false)
					if err != nil {
						t.Fatal(err)
					}
					lb, err := sb.Forward(context.Background(), []int{tok}, false)
					if err != nil {
						t.Fatal(err)
					}
					for j := range la {
						if math.Float32bits(la[j]) != math.Float32bits(lb[j]) {
							t.Fatalf("threads %d token %d: logit %d is %g, %g with huge pages", threads, i, j, la[j], lb[j])
						}
					}
				}
				sa.Close()
				sb.Close()
			}
		})
	}
}
