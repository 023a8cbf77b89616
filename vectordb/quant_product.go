package vectordb

import (
	"nexusos/vectordb/hnsw"
)

// Product quantization: the codes of quantization_config {"product":
// {"compression": "xN", "always_ram": b}}, one byte per sub-vector of N/4
// elements (hnsw.Product; Qdrant's bucket size: x4 1 element, x8 2, x16
// 4, x32 8, x64 16), the index of the nearest of 256 centroids k-means
// found for that sub-space. As for binary codes the codebooks are
// trained, deterministically, over the first 2^k stored vectors (2^k the
// largest power of two not above the count, statsPoint), when the first
// codes are made and again each time that point moves, up to
// recalibrateUpTo vectors, and every vector is then re-encoded: the
// codes are a function of the stored vectors alone, the same whether the
// collection grew to its size or was reopened at it.

// productSub returns the elements per sub-vector of a compression ratio,
// 0 for a name Qdrant does not define.
func productSub(compression string) int {
	switch compression {
	case "x4":
		return 1
	case "x8":
		return 2
	case "x16":
		return 4
	case "x32":
		return 8
	case "x64":
		return 16
	}
	return 0
}

// quantizeProduct makes product codes for the vectors below end, training
// the codebooks first when there are none yet or the training point has
// moved. Only the indexer calls it.
func (d *denseIndex) quantizeProduct(qc *quantConfig, end int) {
	p := d.prod.Load()
	if n := statsPoint(max(end, d.flat.Len())); p == nil || n > p.Calibrated() {
		p = hnsw.NewProduct(d.flat, n, min(qc.sub, d.params.Size), metricOf(d.params.Distance))
	}
	p.Quantize(d.flat, end)
	d.mu.Lock()
	if d.qcfg == qc { // not reconfigured meanwhile
		d.prod.Store(p)
	}
	d.mu.Unlock()
}
