package distance

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLookupSum checks LookupSum and LookupSumBatch (the AVX-512 gather
// kernel where the CPU has it) against the sum taken in float64 and
// against the portable reference, for every code length from 1 to 70
// (around the 16- and 32-byte steps and the masked tail), codes of
// exactly m bytes and longer, and every byte value.
func TestLookupSum(t *testing.T) {
	t.Logf("kernel %s", LookupImpl())
	r := rand.New(rand.NewPCG(7, 8))
	for m := 1; m <= 70; m++ {
		lut := make([][256]float32, m)
		for j := range lut {
			for c := range lut[j] {
				lut[j][c] = float32(r.NormFloat64())
			}
		}
		codes := make([][]byte, 9)
		for i := range codes {
			codes[i] = make([]byte, m+i%2) // a longer code reads m bytes
			for j := range codes[i] {
				codes[i][j] = byte(r.IntN(256))
			}
		}
		codes[0][0], codes[1][m-1] = 255, 255
		out := make([]float32, len(codes))
		ref := make([]float32, len(codes))
		LookupSumBatch(lut, codes, out)
		lookupSumBatchGeneric(lut, codes, ref)
		for i, c := range codes {
			var want float64
			for j := range m {
				want += float64(lut[j][c[j]])
			}
			got := LookupSum(lut, c)
			if math.Abs(float64(got)-want) > 1e-5*float64(m) || got != out[i] || math.Abs(float64(ref[i])-want) > 1e-5*float64(m) {
				t.Fatalf("m=%d code %d: LookupSum %v, batch %v, reference %v, want %v", m, i, got, out[i], ref[i], want)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a short code did not panic")
		}
	}()
	LookupSum(make([][256]float32, 4), make([]byte, 3))
}

// FuzzLookupSum compares the kernel with the portable reference on codes
// and tables derived from the fuzzer's bytes.
func FuzzLookupSum(f *testing.F) {
	f.Add([]byte{1, 2, 3}, uint8(3), int64(1))
	f.Add(make([]byte, 40), uint8(33), int64(2))
	f.Fuzz(func(t *testing.T, data []byte, m uint8, seed int64) {
		if m == 0 || len(data) == 0 {
			return
		}
		r := rand.New(rand.NewPCG(uint64(seed), 3))
		lut := make([][256]float32, m)
		for j := range lut {
			for c := range lut[j] {
				lut[j][c] = float32(r.IntN(2001)-1000) / 8 // exact in float32: sums agree in any order
			}
		}
		var codes [][]byte
		for len(data) >= int(m) {
			codes = append(codes, data[:m:m])
			data = data[m:]
		}
		if len(codes) == 0 {
			return
		}
		out := make([]float32, len(codes))
		ref := make([]float32, len(codes))
		LookupSumBatch(lut, codes, out)
		lookupSumBatchGeneric(lut, codes, ref)
		for i := range out {
			if out[i] != ref[i] {
				t.Fatalf("m=%d code %d: kernel %v, reference %v", m, i, out[i], ref[i])
			}
		}
	})
}
