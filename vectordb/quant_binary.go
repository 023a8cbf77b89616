package vectordb

import (
	"math/bits"

	"nexusos/vectordb/hnsw"
)

// Binary quantization: the codes of quantization_config {"binary": ...}.
// one_bit keeps the sign of each element (cosine vectors are normalised
// at upsert, so of the unit vector); two_bits and one_and_half_bits keep
// three levels per element from its z-score against the per-dimension
// mean and standard deviation of the stored vectors, as Qdrant does (see
// hnsw.BinaryEncoding). The statistics are computed, deterministically,
// from the vectors stored when the first codes are made and again each
// time the store has doubled since, up to recalibrateUpTo vectors, like
// the int8 range; one_bit needs none and is never re-encoded. Unlike the
// int8 range they are computed over the first 2^k stored vectors, 2^k the
// largest power of two not above the count (statsPoint): the codes are
// then a function of the stored vectors alone, the same whether the
// collection grew to its size or was reopened at it.

// parseBinary returns the binary quantization of a config's encoding and
// query_encoding (empty: Qdrant's defaults, one_bit and default).
// Unknown names, which the API rejects, read as the defaults.
func parseBinary(encoding, queryEncoding string) *quantConfig {
	qc := &quantConfig{kind: quantBinary}
	switch encoding {
	case "two_bits":
		qc.enc = hnsw.TwoBits
	case "one_and_half_bits":
		qc.enc = hnsw.OneAndHalfBits
	}
	switch queryEncoding {
	case "scalar4bits":
		qc.query = hnsw.QueryScalar4
	case "scalar8bits":
		qc.query = hnsw.QueryScalar8
	}
	return qc
}

// quantizeBinary makes binary codes for the vectors below end, computing
// the statistics first when the encoding needs them and there are no
// codes yet or the store has doubled since. Only the indexer calls it.
func (d *denseIndex) quantizeBinary(qc *quantConfig, end int) {
	b := d.bin.Load()
	if n := statsPoint(max(end, d.flat.Len())); b == nil || qc.enc != hnsw.OneBit && n > b.Calibrated() {
		b = hnsw.NewBinary(d.flat, n, qc.enc, qc.query)
	}
	b.Quantize(d.flat, end)
	d.mu.Lock()
	if d.qcfg == qc { // not reconfigured meanwhile
		d.bin.Store(b)
	}
	d.mu.Unlock()
}

// statsPoint returns the number of vectors the binary statistics of a
// store of n vectors are computed over: the largest power of two not
// above n, at most recalibrateUpTo.
func statsPoint(n int) int {
	if n <= 1 {
		return n
	}
	return min(1<<(bits.Len(uint(n))-1), recalibrateUpTo)
}
