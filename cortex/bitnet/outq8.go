package bitnet

import (
	"fmt"
	"sync"

	"nexusos/cortex/gguf"
	"nexusos/cortex/kernels"
)

// q8Table is an output table repacked at load into cortex/kernels' Q8 rows
// (int8 weights with one float32 scale per 256 values). Logits are then
// integer dot products with the final hidden state quantized to Q8_K:
// half the bytes of an F16 table per generated token, at a small logit
// error (see TestOutputQ8Error for the figures on the reference models).
type q8Table struct {
	w    []byte
	rows int
	cols int
}

// repackQ8 converts tab to Q8 rows using the pool.
func repackQ8(p *pool, tab *table) (*q8Table, error) {
	rows, cols := tab.rows, tab.cols
	if cols%kernels.QK != 0 {
		return nil, fmt.Errorf("bitnet: 8-bit output table needs a multiple of %d columns, have %d", kernels.QK, cols)
	}
	rs := kernels.Q8RowSize(cols)
	if int64(rows)*int64(rs) > 1<<34 {
		return nil, fmt.Errorf("bitnet: output table %d×%d too large to repack", rows, cols)
	}
	t := &q8Table{w: make([]byte, rows*rs), rows: rows, cols: cols}
	var (
		errMu    sync.Mutex
		firstErr error // guarded by errMu
	)
	p.parallel(rows, 256, func(lo, hi int) {
		if tab.typ == gguf.TypeF16 {
			kernels.QuantizeQ8RowsF16(t.w[lo*rs:hi*rs], tab.data[lo*tab.rowSize:hi*tab.rowSize], hi-lo, cols)
			return
		}
		buf := make([]float32, (hi-lo)*cols)
		for r := lo; r < hi; r++ {
			if err := tab.row(r, buf[(r-lo)*cols:(r-lo+1)*cols]); err != nil {
				errMu.Lock()
				firstErr = err
				errMu.Unlock()
				return
			}
		}
		kernels.QuantizeQ8Rows(t.w[lo*rs:hi*rs], buf, hi-lo, cols)
	})
	return t, firstErr
}
