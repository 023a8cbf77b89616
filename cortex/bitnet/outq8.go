package bitnet

import (
	"fmt"
	"math"
)

// q8Table is an output table repacked at load to int8 with one float32
// scale per row (absmax/127). Logits are then integer dot products with
// the hidden state quantized to int8 per token, half the bytes of an F16
// table per generated token. It changes the logits slightly (see
// TestOutputQ8Error for the measured error on the reference models).
type q8Table struct {
	q     []int8    // rows × cols
	scale []float32 // per row
	sum   []int32   // Σ q per row, for the +128 activation offset
	cols  int
}

// repackQ8 converts tab to a q8Table using the pool.
func repackQ8(p *pool, tab *table) (*q8Table, error) {
	rows, cols := tab.rows, tab.cols
	if int64(rows)*int64(cols) > 1<<34 {
		return nil, fmt.Errorf("bitnet: output table %d×%d too large to repack", rows, cols)
	}
	t := &q8Table{q: make([]int8, rows*cols), scale: make([]float32, rows), sum: make([]int32, rows), cols: cols}
	var firstErr error
	p.parallel(rows, 256, func(lo, hi int) {
		row := make([]float32, cols)
		for r := lo; r < hi; r++ {
			if err := tab.row(r, row); err != nil {
				firstErr = err
				return
			}
			var amax float32
			for _, v := range row {
				amax = max(amax, float32(math.Abs(float64(v))))
			}
			if amax == 0 {
				continue
			}
			inv := 127 / amax
			q := t.q[r*cols : (r+1)*cols]
			var s int32
			for i, v := range row {
				q[i] = int8(math.RoundToEven(float64(v * inv)))
				s += int32(q[i])
			}
			t.scale[r], t.sum[r] = amax/127, s
		}
	})
	return t, firstErr
}

// quantizeU8 quantizes x per vector: u = round(x·127/absmax) + 128, and
// returns the scale absmax/127.
func quantizeU8(x []float32, u []uint8) float32 {
	var amax float32
	for _, v := range x {
		amax = max(amax, float32(math.Abs(float64(v))))
	}
	if amax == 0 {
		for i := range u[:len(x)] {
			u[i] = 128
		}
		return 0
	}
	inv := 127 / amax
	for i, v := range x {
		u[i] = uint8(int32(math.RoundToEven(float64(v*inv))) + 128)
	}
	return amax / 127
}

// dotU8S8Ref is the pure-Go Σ a[i]·w[i].
func dotU8S8Ref(a []uint8, w []int8) int32 {
	a = a[:len(w)]
	var s int32
	for i, x := range w {
		s += int32(x) * int32(a[i])
	}
	return s
}

// logits writes row r's logit for the quantized vector (u, xs).
func (t *q8Table) logit(r int, u []uint8, xs float32) float32 {
	q := t.q[r*t.cols : (r+1)*t.cols]
	d := dotU8S8(u, q) - 128*t.sum[r]
	return float32(d) * (t.scale[r] * xs)
}
