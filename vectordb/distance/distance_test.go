package distance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// variant is one family of kernels under test.
type variant struct {
	name                       string
	dot, l2, l1                func(a, b []float32) float32
	dotBatch, l2Batch, l1Batch func(q []float32, vs [][]float32, out []float32)
}

// testVariants lists the kernels this CPU can run; assembly variants are
// added by variants_amd64_test.go.
var testVariants = []variant{{"generic", dotGeneric, l2Generic, l1Generic,
	func(q []float32, vs [][]float32, out []float32) { batchGeneric(dotGeneric, q, vs, out) },
	func(q []float32, vs [][]float32, out []float32) { batchGeneric(l2Generic, q, vs, out) },
	func(q []float32, vs [][]float32, out []float32) { batchGeneric(l1Generic, q, vs, out) },
}}

// ref64 computes the kernels in float64, the yardstick for all variants.
func ref64(kind string, a, b []float32) float64 {
	var s float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		switch kind {
		case "dot":
			s += x * y
		case "l2":
			s += (x - y) * (x - y)
		case "l1":
			s += math.Abs(x - y)
		}
	}
	return s
}

// close reports whether got is within float32 rounding of want, scaled by
// the magnitude of the summed terms.
func closeTo(got float32, want, scale float64) bool {
	return math.Abs(float64(got)-want) <= 1e-5*(scale+1)
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func TestKernelsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, v := range testVariants {
		t.Run(v.name, func(t *testing.T) {
			for n := 0; n <= 300; n++ {
				// Offsets 0..3 make the vectors start unaligned.
				for off := 0; off < 4; off++ {
					a := randVec(r, n+off)[off:]
					b := randVec(r, n+off+1)[off+1:]
					var absSum float64
					for i := range a {
						absSum += math.Abs(float64(a[i])*float64(b[i])) + float64(a[i]*a[i]+b[i]*b[i])
					}
					for _, k := range []struct {
						kind string
						f    func(a, b []float32) float32
					}{{"dot", v.dot}, {"l2", v.l2}, {"l1", v.l1}} {
						got, want := k.f(a, b), ref64(k.kind, a, b)
						if !closeTo(got, want, absSum) {
							t.Fatalf("%s n=%d off=%d: got %v, want %v", k.kind, n, off, got, want)
						}
					}
				}
			}
		})
	}
}

func TestBatchKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, v := range testVariants {
		t.Run(v.name, func(t *testing.T) {
			for _, dim := range []int{1, 3, 8, 15, 16, 17, 63, 64, 65, 100, 129, 300} {
				for _, n := range []int{0, 1, 2, 3, 4, 5, 9, 32} {
					q := randVec(r, dim+1)[1:]
					vs := make([][]float32, n)
					for i := range vs {
						off := r.IntN(4)
						vs[i] = randVec(r, dim+off+2)[off : off+dim+2]
					}
					out := make([]float32, n+1)
					out[n] = 42 // must stay untouched
					for _, k := range []struct {
						kind  string
						batch func(q []float32, vs [][]float32, out []float32)
					}{{"dot", v.dotBatch}, {"l2", v.l2Batch}, {"l1", v.l1Batch}} {
						k.batch(q, vs, out)
						for i := range vs {
							var scale float64
							for j := range q {
								scale += math.Abs(float64(q[j])) + math.Abs(float64(vs[i][j]))
							}
							scale *= scale
							if want := ref64(k.kind, q, vs[i][:dim]); !closeTo(out[i], want, scale) {
								t.Fatalf("%s batch dim=%d n=%d i=%d: got %v, want %v", k.kind, dim, n, i, out[i], want)
							}
						}
						if out[n] != 42 {
							t.Fatalf("%s batch wrote past n", k.kind)
						}
					}
				}
			}
		})
	}
}

func TestKernelsSpecialValues(t *testing.T) {
	for _, v := range testVariants {
		t.Run(v.name, func(t *testing.T) {
			for _, n := range []int{1, 7, 16, 17, 100} {
				a := make([]float32, n)
				b := make([]float32, n)
				for i := range a {
					a[i] = float32(i%5) - 2
					b[i] = float32(i%3) + 0.5
				}
				if got, want := v.dot(a, b), float32(ref64("dot", a, b)); got != want {
					t.Errorf("dot n=%d: %v, want %v", n, got, want)
				}
				if got, want := v.l1(a, b), float32(ref64("l1", a, b)); got != want {
					t.Errorf("l1 n=%d: %v, want %v", n, got, want)
				}
				if got := v.l2(a, a); got != 0 {
					t.Errorf("l2(a, a) n=%d = %v", n, got)
				}
				a[n-1] = float32(math.Inf(1))
				if got := v.l2(a, b); !math.IsInf(float64(got), 1) {
					t.Errorf("l2 with +Inf at the tail n=%d = %v", n, got)
				}
			}
		})
	}
}

func TestPublicAPI(t *testing.T) {
	a := []float32{3, 4, 0}
	b := []float32{1, 0, 2}
	if got := Dot(a, b); got != 3 {
		t.Errorf("Dot = %v", got)
	}
	if got := L2Sq(a, b); got != 4+16+4 {
		t.Errorf("L2Sq = %v", got)
	}
	if got := L1(a, b); got != 2+4+2 {
		t.Errorf("L1 = %v", got)
	}
	Normalize(a)
	if a[0] != 0.6 || a[1] != 0.8 || a[2] != 0 {
		t.Errorf("Normalize = %v", a)
	}
	z := []float32{0, 0}
	Normalize(z)
	if z[0] != 0 || z[1] != 0 {
		t.Errorf("Normalize(0) = %v", z)
	}
	out := make([]float32, 2)
	vs := [][]float32{{1, 0, 2}, {0, 1, 0}}
	DotBatch([]float32{1, 2, 3}, vs, out)
	if out[0] != 7 || out[1] != 2 {
		t.Errorf("DotBatch = %v", out)
	}
	L2SqBatch([]float32{1, 2, 3}, vs, out)
	if out[0] != 5 || out[1] != 11 {
		t.Errorf("L2SqBatch = %v", out)
	}
	L1Batch([]float32{1, 2, 3}, vs, out)
	if out[0] != 3 || out[1] != 5 {
		t.Errorf("L1Batch = %v", out)
	}
	if Dot(nil, nil) != 0 || L2Sq(nil, nil) != 0 || L1(nil, nil) != 0 {
		t.Error("empty vectors must give 0")
	}
	defer func() {
		if recover() == nil {
			t.Error("Dot of mismatched lengths did not panic")
		}
	}()
	Dot(a, b[:1])
}

func BenchmarkKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	all := []string{"generic", "avx2", "avx512"}
	for _, dim := range []int{100, 384, 1536} {
		x, y := randVec(r, dim), randVec(r, dim)
		for _, name := range all {
			var v *variant
			for i := range testVariants {
				if testVariants[i].name == name {
					v = &testVariants[i]
				}
			}
			for _, k := range []string{"dot", "l2", "l1"} {
				b.Run(fmt.Sprintf("%s/%s/%d", k, name, dim), func(b *testing.B) {
					if v == nil {
						b.Skipf("CPU lacks %s", name)
					}
					f := map[string]func(a, b []float32) float32{"dot": v.dot, "l2": v.l2, "l1": v.l1}[k]
					b.SetBytes(int64(8 * dim))
					var s float32
					for b.Loop() {
						s += f(x, y)
					}
					_ = s
				})
			}
		}
	}
}

// BenchmarkBatchScattered measures one query against 24 vectors picked at
// random from 64 MB, the access pattern of a graph hop, with the batch
// kernel and with a loop of single calls.
func BenchmarkBatchScattered(b *testing.B) {
	const dim, n, per = 100, 160000, 24
	r := rand.New(rand.NewPCG(7, 8))
	data := randVec(r, dim*n)
	q := randVec(r, dim)
	lists := make([][][]float32, 1024)
	for i := range lists {
		for range per {
			j := r.IntN(n)
			lists[i] = append(lists[i], data[j*dim:(j+1)*dim])
		}
	}
	out := make([]float32, per)
	b.Run("batch", func(b *testing.B) {
		i := 0
		for b.Loop() {
			DotBatch(q, lists[i%len(lists)], out)
			i++
		}
	})
	b.Run("loop", func(b *testing.B) {
		i := 0
		for b.Loop() {
			for k, v := range lists[i%len(lists)] {
				out[k] = Dot(q, v)
			}
			i++
		}
	})
}

// TestSmallVectorsSumInOrder: vectors under SequentialBelow elements score
// exactly as Qdrant's scalar path does (the value is from Qdrant's own
// distance-matrix test, points 2 and 1 of its 4-d fixture).
func TestSmallVectorsSumInOrder(t *testing.T) {
	a := []float32{0.19, 0.81, 0.75, 0.11}
	b := []float32{0.05, 0.61, 0.76, 0.74}
	if got := Dot(a, b); got != 1.1550001 {
		t.Errorf("Dot = %v, want 1.1550001", got)
	}
	out := make([]float32, 1)
	DotBatch(a, [][]float32{b}, out)
	if out[0] != 1.1550001 {
		t.Errorf("DotBatch = %v, want 1.1550001", out[0])
	}
}
