package vectordb

import (
	"encoding/json"
	"math"

	"nexusos/vectordb/hnsw"
)

// Scalar quantization (Qdrant's quantization_config
// {"scalar": {"type": "int8", "quantile": q, "always_ram": b}}): a dense
// index keeps int8 codes of its vectors beside the float32 originals, and
// graph searches traverse with the codes (hnsw.Index.SearchQuantized),
// then rescore the limit × oversampling best candidates with the
// originals. The codes are derived data: they are never written to disk
// but rebuilt, deterministically from the stored vectors, by the indexer
// when an index is created, loaded or its quantization configured.
// Product, binary and turbo quantization are kept and reported only:
// those collections search at full precision.

// QuantizationSearchParams are Qdrant's search-time quantization params.
type QuantizationSearchParams struct {
	Ignore       bool    // search the original vectors only
	Rescore      *bool   // rescore candidates with the originals (nil: true)
	Oversampling float64 // candidates = limit × oversampling (0: 1)
}

// scalarConfig is a parsed scalar int8 quantization_config.
type scalarConfig struct {
	quantile float64
}

// parseScalar returns the scalar int8 configuration of a
// quantization_config, or nil when it asks for another quantization or
// none.
func parseScalar(raw json.RawMessage) *scalarConfig {
	if len(raw) == 0 {
		return nil
	}
	var w struct {
		Scalar *struct {
			Type     string   `json:"type"`
			Quantile *float64 `json:"quantile"`
		} `json:"scalar"`
	}
	if json.Unmarshal(raw, &w) != nil || w.Scalar == nil || (w.Scalar.Type != "" && w.Scalar.Type != "int8") {
		return nil
	}
	q := 0.99
	if w.Scalar.Quantile != nil && *w.Scalar.Quantile > 0.5 && *w.Scalar.Quantile <= 1 {
		q = *w.Scalar.Quantile
	}
	return &scalarConfig{quantile: q}
}

// quantFor returns the scalar quantization of dense vector name: its own
// quantization_config, else the collection's. Manhattan vectors have no
// int8 kernel and search at full precision.
func (c *collection) quantFor(name string) *scalarConfig {
	p, ok := c.cfg.Vectors[name]
	if !ok || p.Distance == Manhattan {
		return nil
	}
	if q := nullToNil(p.Quantization); q != nil { // stored configs hold null
		return parseScalar(q)
	}
	return parseScalar(c.cfg.Quantization)
}

// setQuantization configures d's scalar quantization (nil: none). A new
// or changed configuration drops the codes; the indexer rebuilds them.
func (d *denseIndex) setQuantization(sc *scalarConfig) {
	d.mu.Lock()
	if (sc == nil) != (d.qcfg == nil) || (sc != nil && sc.quantile != d.qcfg.quantile) {
		d.qcfg = sc
		d.quant.Store(nil)
	}
	d.mu.Unlock()
	d.kick()
}

// quantBehind reports whether the codes lag the graph.
//
// Preconditions: d.mu is held.
func (d *denseIndex) quantBehind() bool {
	if d.qcfg == nil {
		return false
	}
	n := int(d.indexed.Load())
	q := d.quant.Load()
	return n > 0 && (q == nil || q.Len() < n)
}

// quantize makes codes for the vectors below end, calibrating the range
// first from the vectors stored (up to end, at least) when there are no
// codes yet. Only the indexer calls it.
func (d *denseIndex) quantize(end int) {
	d.mu.Lock()
	sc, q := d.qcfg, d.quant.Load()
	d.mu.Unlock()
	if sc == nil || end <= 0 {
		return
	}
	// The range is calibrated on the vectors stored when the first codes
	// are made, and again each time the store has doubled since, up to
	// recalibrateUpTo vectors: early codes from a handful of vectors do
	// not fix the range of a large collection.
	if n := max(end, d.flat.Len()); q == nil || q.Calibrated() < recalibrateUpTo && n >= 2*q.Calibrated() {
		q = hnsw.Calibrate(d.flat, n, sc.quantile)
		q.Unit = d.params.Distance == Cosine
	}
	q.Quantize(d.flat, end)
	d.mu.Lock()
	if d.qcfg == sc { // not reconfigured meanwhile
		d.quant.Store(q)
	}
	d.mu.Unlock()
}

// recalibrateUpTo is the collection size after which the quantization
// range is no longer recalibrated as it grows.
const recalibrateUpTo = 1 << 17

// quantBytes returns the memory the codes occupy.
func (d *denseIndex) quantBytes() int64 {
	if q := d.quant.Load(); q != nil {
		return q.Bytes()
	}
	return 0
}

// graphSearch runs the graph search of annSearch: with the int8 codes
// unless params ask to ignore them, over limit × oversampling candidates.
// The caller scores the candidates with the originals; with rescore
// false only the best limit of the quantized order are candidates.
func (d *denseIndex) graphSearch(q []float32, limit, ef int, allow func(uint32) bool, p *SearchParams) []hnsw.Result {
	qz := d.quant.Load()
	var qp QuantizationSearchParams
	if p != nil && p.Quantization != nil {
		qp = *p.Quantization
	}
	if qz == nil || qp.Ignore {
		return d.graph.Search(q, limit, ef, allow)
	}
	k := limit
	if qp.Oversampling > 1 && (qp.Rescore == nil || *qp.Rescore) {
		k = int(math.Ceil(float64(limit) * qp.Oversampling))
	}
	res := d.graph.SearchQuantized(q, k, max(ef, k), allow, qz)
	if qp.Rescore != nil && !*qp.Rescore && len(res) > limit {
		res = res[:limit]
	}
	return res
}
