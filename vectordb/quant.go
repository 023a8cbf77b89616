package vectordb

import (
	"encoding/json"
	"math"

	"nexusos/vectordb/hnsw"
)

// Scalar, binary and product quantization (Qdrant's quantization_config
// {"scalar": {"type": "int8", "quantile": q, "always_ram": b}},
// {"binary": {"always_ram": b, "encoding": e, "query_encoding": qe}} and
// {"product": {"compression": "xN", "always_ram": b}}): a dense index
// keeps int8 codes (hnsw.Quantized), binary codes (hnsw.Binary,
// quant_binary.go) or product codes (hnsw.Product, quant_product.go) of
// its vectors beside the float32 originals, and graph searches traverse
// with the codes, then rescore the limit × oversampling best candidates
// with the originals. The codes are derived data: they are never written
// to disk but rebuilt, deterministically from the stored vectors, by the
// indexer when an index is created, loaded (after a clean close or a
// crash replay alike) or its quantization configured. Turbo quantization
// is kept and reported only: those collections search at full precision.
// always_ram is kept and reported as sent. As in Qdrant, the codes are
// placed like the originals unless always_ram is true: the int8 codes of
// an on_disk vector live in a file mapped into memory (mapped.go; binary
// and product codes stay in memory), and those of other vectors, or with
// always_ram: true, in memory, while the originals of an on_disk vector
// are read for rescoring from their mapped file.

// QuantizationSearchParams are Qdrant's search-time quantization params.
type QuantizationSearchParams struct {
	Ignore       bool    // search the original vectors only
	Rescore      *bool   // rescore candidates with the originals (nil: true)
	Oversampling float64 // candidates = limit × oversampling (0: 1)
}

// quantKind is the kind of quantization a quantConfig applies.
type quantKind uint8

const (
	quantScalar  quantKind = iota + 1 // int8 codes
	quantBinary                       // binary codes
	quantProduct                      // product codes
)

// quantConfig is a parsed quantization_config that search applies.
type quantConfig struct {
	kind     quantKind
	quantile float64             // quantScalar: of the elements the range keeps
	ram      bool                // always_ram: true; codes stay in memory
	enc      hnsw.BinaryEncoding // quantBinary
	query    hnsw.BinaryQuery    // quantBinary
	sub      int                 // quantProduct: elements per sub-vector
}

// parseQuant returns the quantization a quantization_config asks for, or
// nil when it asks for none or for one search does not apply.
func parseQuant(raw json.RawMessage) *quantConfig {
	if len(raw) == 0 {
		return nil
	}
	var w struct {
		Scalar *struct {
			Type      string   `json:"type"`
			Quantile  *float64 `json:"quantile"`
			AlwaysRAM *bool    `json:"always_ram"`
		} `json:"scalar"`
		Binary *struct {
			Encoding      string `json:"encoding"`
			QueryEncoding string `json:"query_encoding"`
		} `json:"binary"`
		Product *struct {
			Compression string `json:"compression"`
		} `json:"product"`
	}
	if json.Unmarshal(raw, &w) != nil {
		return nil
	}
	if w.Product != nil {
		if sub := productSub(w.Product.Compression); sub > 0 {
			return &quantConfig{kind: quantProduct, sub: sub}
		}
		return nil
	}
	if w.Binary != nil {
		return parseBinary(w.Binary.Encoding, w.Binary.QueryEncoding)
	}
	if w.Scalar == nil || (w.Scalar.Type != "" && w.Scalar.Type != "int8") {
		return nil
	}
	q := 0.99
	if w.Scalar.Quantile != nil && *w.Scalar.Quantile > 0.5 && *w.Scalar.Quantile <= 1 {
		q = *w.Scalar.Quantile
	}
	ram := w.Scalar.AlwaysRAM != nil && *w.Scalar.AlwaysRAM
	return &quantConfig{kind: quantScalar, quantile: q, ram: ram}
}

// quantFor returns the quantization of dense vector name: its own
// quantization_config, else the collection's. Manhattan vectors have no
// int8 kernel and search at full precision unless binary- or
// product-quantized.
func (c *collection) quantFor(name string) *quantConfig {
	p, ok := c.cfg.Vectors[name]
	if !ok {
		return nil
	}
	raw := c.cfg.Quantization
	if q := nullToNil(p.Quantization); q != nil { // stored configs hold null
		raw = q
	}
	qc := parseQuant(raw)
	if qc != nil && qc.kind == quantScalar && p.Distance == Manhattan {
		return nil
	}
	return qc
}

// setQuantization configures d's quantization (nil: none). A new or
// changed configuration drops the codes; the indexer rebuilds them.
func (d *denseIndex) setQuantization(qc *quantConfig) {
	d.mu.Lock()
	var old *hnsw.Quantized
	if (qc == nil) != (d.qcfg == nil) || (qc != nil && *qc != *d.qcfg) {
		d.qcfg = qc
		old = d.quant.Swap(nil)
		d.bin.Store(nil)
		d.prod.Store(nil)
	}
	d.mu.Unlock()
	d.retireCodes(old)
	d.kick()
}

// retireCodes frees the file space of int8 codes d no longer uses (a
// recalibrated range replaced them, or the quantization changed) once no
// graph search or insert can still read them (codesMu). Codes in memory
// are left to the garbage collector.
//
// Preconditions: old is no longer published in d.quant; d.mu is not held.
func (d *denseIndex) retireCodes(old *hnsw.Quantized) {
	if old == nil || old.MappedBytes() == 0 {
		return
	}
	d.codesMu.Lock() // waits for the readers that may hold old
	d.codesMu.Unlock()
	old.ReleaseMapped()
}

// quantBehind reports whether the codes lag the graph.
//
// Preconditions: d.mu is held.
func (d *denseIndex) quantBehind() bool {
	if d.qcfg == nil {
		return false
	}
	n := int(d.indexed.Load())
	if n == 0 {
		return false
	}
	switch d.qcfg.kind {
	case quantBinary:
		b := d.bin.Load()
		return b == nil || b.Len() < n
	case quantProduct:
		p := d.prod.Load()
		return p == nil || p.Len() < n
	}
	q := d.quant.Load()
	return q == nil || q.Len() < n
}

// quantize makes codes for the vectors below end, calibrating the range
// first from the vectors stored (up to end, at least) when there are no
// codes yet. Only the indexer calls it.
func (d *denseIndex) quantize(end int) {
	d.mu.Lock()
	qc, q := d.qcfg, d.quant.Load()
	d.mu.Unlock()
	if qc == nil || end <= 0 {
		return
	}
	switch qc.kind {
	case quantBinary:
		d.quantizeBinary(qc, end)
		return
	case quantProduct:
		d.quantizeProduct(qc, end)
		return
	}
	// The range is calibrated on the vectors stored when the first codes
	// are made, and again each time the store has doubled since, up to
	// recalibrateUpTo vectors: early codes from a handful of vectors do
	// not fix the range of a large collection.
	old := q
	if n := max(end, d.flat.Len()); q == nil || q.Calibrated() < recalibrateUpTo && n >= 2*q.Calibrated() {
		q = hnsw.Calibrate(d.flat, n, qc.quantile)
		q.Unit = d.params.Distance == Cosine
		if !qc.ram {
			if f := d.codeFile(); f != nil {
				q.MapCodes(f)
			}
		}
	}
	q.Quantize(d.flat, end)
	d.mu.Lock()
	stored := d.qcfg == qc // not reconfigured meanwhile
	if stored {
		d.quant.Store(q)
	}
	d.mu.Unlock()
	switch {
	case !stored && q != old:
		q.ReleaseMapped() // never published: no reader
	case stored && q != old:
		d.retireCodes(old) // replaced by a recalibrated range
	}
}

// recalibrateUpTo is the collection size after which the quantization
// range is no longer recalibrated as it grows.
const recalibrateUpTo = 1 << 17

// quantBytes returns the memory the codes occupy.
func (d *denseIndex) quantBytes() int64 {
	if q := d.quant.Load(); q != nil {
		return q.Bytes()
	}
	if b := d.bin.Load(); b != nil {
		return b.Bytes()
	}
	if p := d.prod.Load(); p != nil {
		return p.Bytes()
	}
	return 0
}

// quantCount returns the number of indexed vectors that have codes: the
// vectors below the indexed watermark (graph searches score the ones
// above exactly) that a graph search scores with codes.
func (d *denseIndex) quantCount() int {
	n := 0
	if q := d.quant.Load(); q != nil {
		n = q.Len()
	} else if b := d.bin.Load(); b != nil {
		n = b.Len()
	} else if p := d.prod.Load(); p != nil {
		n = p.Len()
	}
	return min(n, int(d.indexed.Load()))
}

// graphSearch runs the graph search of annSearch: with the int8, binary
// or product codes unless params ask to ignore them, over limit × oversampling
// candidates. The caller scores the candidates with the originals; with
// rescore false only the best limit of the quantized order are
// candidates.
func (d *denseIndex) graphSearch(q []float32, limit, ef int, allow func(uint32) bool, p *SearchParams) []hnsw.Result {
	return d.graphSearchMode(q, limit, ef, allow, p, false, nil)
}

// graphSearchMode is graphSearch, or with within a search that follows
// only allowed nodes (hnsw.SearchWithinFrom, entering also at seeds).
func (d *denseIndex) graphSearchMode(q []float32, limit, ef int, allow func(uint32) bool, p *SearchParams, within bool, seeds []uint32) []hnsw.Result {
	d.codesMu.RLock()
	defer d.codesMu.RUnlock()
	qz, bz, pz := d.quant.Load(), d.bin.Load(), d.prod.Load()
	var qp QuantizationSearchParams
	if p != nil && p.Quantization != nil {
		qp = *p.Quantization
	}
	if qz == nil && bz == nil && pz == nil || qp.Ignore {
		if within {
			return d.graph.SearchWithinFrom(q, limit, ef, allow, nil, seeds)
		}
		return d.graph.Search(q, limit, ef, allow)
	}
	k := limit
	if qp.Oversampling > 1 && (qp.Rescore == nil || *qp.Rescore) {
		k = int(math.Ceil(float64(limit) * qp.Oversampling))
	}
	var res []hnsw.Result
	switch {
	case within && bz != nil:
		res = d.graph.SearchWithinFrom(q, k, max(ef, k), allow, bz, seeds)
	case within && pz != nil:
		res = d.graph.SearchWithinFrom(q, k, max(ef, k), allow, pz, seeds)
	case within:
		res = d.graph.SearchWithinFrom(q, k, max(ef, k), allow, qz, seeds)
	case bz != nil:
		res = d.graph.SearchBinary(q, k, max(ef, k), allow, bz)
	case pz != nil:
		res = d.graph.SearchProduct(q, k, max(ef, k), allow, pz)
	default:
		res = d.graph.SearchQuantized(q, k, max(ef, k), allow, qz)
	}
	if qp.Rescore != nil && !*qp.Rescore && len(res) > limit {
		res = res[:limit]
	}
	return res
}
