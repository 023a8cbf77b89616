package bitnet

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"nexusos/cortex/gguf"
	"nexusos/cortex/kernels"
	"nexusos/cortex/quant"
)

// linear is a ternary weight matrix of rows outputs × cols inputs, stored in
// the mapping in its file type.
type linear struct {
	name  string
	typ   gguf.TensorType
	rows  int
	cols  int
	w     []byte
	scale float32   // blk.N.<name>.scale, or 1
	bias  []float32 // blk.N.<name>.bias, or nil
	i2s   float32   // I2_S per-tensor scale
}

// layer holds one transformer block.
type layer struct {
	attnNorm, attnSubNorm, ffnNorm, ffnSubNorm []float32
	q, k, v, o, gate, up, down                 linear
}

// table is a 2-D row-addressable tensor: the token embedding and the output
// projection.
type table struct {
	typ     gguf.TensorType
	rows    int
	cols    int
	rowSize int
	data    []byte
}

// row dequantizes row r into dst.
func (t *table) row(r int, dst []float32) error {
	return quant.Dequantize(t.typ, t.data[r*t.rowSize:(r+1)*t.rowSize], t.cols, dst)
}

// Model is a loaded BitNet model. Its weights alias the GGUF mapping, so
// the *gguf.File must stay open while the Model is used.
type Model struct {
	Config Config

	embd       table
	output     table
	outQ8      *q8Table // non-nil with Options.OutputQ8
	outputNorm []float32
	layers     []layer
}

// Options adjust how a model is loaded.
type Options struct {
	// Act overrides the FFN activation (ActDefault: the architecture's).
	Act Activation
	// OutputQ8 repacks the output table to int8 rows at load: half the
	// bytes read per generated token for an F16 table, at a small logit
	// error. It costs rows×cols bytes of heap.
	OutputQ8 bool
	// HugePages copies the weights read per generated token into memory
	// backed by 2 MiB pages and evicts their mapped file pages (see
	// Model.CopyToHugePages).
	HugePages bool
	// I2SLayout is the order of the I2_S codes in the file (see
	// quant.I2SLayout). bitnet.cpp does not record it: type, size and
	// scale are the same in every order. The zero value, x86, is what
	// bitnet.cpp's x86 builds (by default) and Python converters write,
	// and every build of 2024. Files quantised by an ARM build (arm) or
	// by an x86 build without ACT_PARALLEL (rows4) are repacked into x86
	// order at load: one pass over the linears, which then live on the
	// heap (the I2_S bytes: about 0.5 GB for 2B-4T) instead of in the
	// file mapping, whose pages are evicted.
	I2SLayout quant.I2SLayout
}

// Load builds a model from an open GGUF file, checking every tensor's
// presence, type and shape.
func Load(f *gguf.File, opts Options) (*Model, error) {
	c, err := ConfigFromGGUF(f)
	if err != nil {
		return nil, err
	}
	if opts.Act != ActDefault {
		c.Act = opts.Act
	}
	m := &Model{Config: c}
	if m.embd, err = loadTable(f, "token_embd.weight", c.NEmbd); err != nil {
		return nil, err
	}
	_, hasOutput := f.Tensor("output.weight")
	if hasOutput {
		if m.output, err = loadTable(f, "output.weight", c.NEmbd); err != nil {
			return nil, err
		}
		if m.output.rows != c.NVocab {
			return nil, fmt.Errorf("bitnet: output.weight has %d rows, want %d", m.output.rows, c.NVocab)
		}
	} else {
		m.output = m.embd // tied
	}
	if m.outputNorm, err = loadVector(f, "output_norm.weight", c.NEmbd); err != nil {
		return nil, err
	}
	if opts.OutputQ8 {
		p := newPool(0)
		m.outQ8, err = repackQ8(p, &m.output)
		p.close()
		if err != nil {
			return nil, err
		}
		// The F16 pages were read once for the repack: drop them from the
		// resident set (a tied table's embedding rows fault back in on use).
		name := "output.weight"
		if _, ok := f.Tensor(name); !ok {
			name = "token_embd.weight"
		}
		t, _ := f.Tensor(name)
		if err := f.Evict(t); err != nil {
			return nil, err
		}
	}
	nq, nkv := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim
	m.layers = make([]layer, c.NLayer)
	for i := range m.layers {
		l := &m.layers[i]
		p := fmt.Sprintf("blk.%d.", i)
		for _, v := range []struct {
			dst  *[]float32
			name string
			n    int
		}{
			{&l.attnNorm, "attn_norm", c.NEmbd},
			{&l.attnSubNorm, "attn_sub_norm", c.NEmbd},
			{&l.ffnNorm, "ffn_norm", c.NEmbd},
			{&l.ffnSubNorm, "ffn_sub_norm", c.NFF},
		} {
			if *v.dst, err = loadVector(f, p+v.name+".weight", v.n); err != nil {
				return nil, err
			}
		}
		for _, v := range []struct {
			dst        *linear
			name       string
			cols, rows int
		}{
			{&l.q, "attn_q", c.NEmbd, nq},
			{&l.k, "attn_k", c.NEmbd, nkv},
			{&l.v, "attn_v", c.NEmbd, nkv},
			{&l.o, "attn_output", nq, c.NEmbd},
			{&l.gate, "ffn_gate", c.NEmbd, c.NFF},
			{&l.up, "ffn_up", c.NEmbd, c.NFF},
			{&l.down, "ffn_down", c.NFF, c.NEmbd},
		} {
			if *v.dst, err = loadLinearLayout(f, p+v.name, v.cols, v.rows, opts.I2SLayout); err != nil {
				return nil, err
			}
		}
	}
	if opts.HugePages {
		if _, err := m.CopyToHugePages(); err != nil {
			return nil, err
		}
		for _, t := range f.Tensors {
			if strings.HasSuffix(t.Name, ".weight") && (strings.HasPrefix(t.Name, "blk.") && !strings.HasSuffix(t.Name, "norm.weight") ||
				t.Name == "output.weight" || t.Name == "token_embd.weight" && !hasOutput) {
				if err := f.Evict(&t); err != nil {
					return nil, err
				}
			}
		}
	}
	return m, nil
}

func loadTable(f *gguf.File, name string, cols int) (table, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return table{}, fmt.Errorf("bitnet: tensor %s missing", name)
	}
	switch t.Type {
	case gguf.TypeF32, gguf.TypeF16, gguf.TypeBF16, gguf.TypeQ8_0, gguf.TypeQ6_K, gguf.TypeTQ1_0, gguf.TypeTQ2_0:
	default:
		return table{}, fmt.Errorf("bitnet: tensor %s has type %s, unsupported for an embedding/output table", name, t.Type)
	}
	if len(t.Dims) != 2 || t.Dims[0] != uint64(cols) {
		return table{}, fmt.Errorf("bitnet: tensor %s is %v, want [%d, rows]", name, t.Dims, cols)
	}
	rs, err := t.Type.RowSize(uint64(cols))
	if err != nil {
		return table{}, fmt.Errorf("bitnet: tensor %s: %w", name, err)
	}
	data, err := f.TensorData(t)
	if err != nil {
		return table{}, err
	}
	return table{typ: t.Type, rows: int(t.Dims[1]), cols: cols, rowSize: int(rs), data: data}, nil
}

func loadVector(f *gguf.File, name string, n int) ([]float32, error) {
	t, ok := f.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("bitnet: tensor %s missing", name)
	}
	if t.Elements() != uint64(n) || t.Dims[0] != uint64(n) {
		return nil, fmt.Errorf("bitnet: tensor %s is %v, want [%d]", name, t.Dims, n)
	}
	v, err := quant.Tensor(f, t)
	if err != nil {
		return nil, fmt.Errorf("bitnet: %w", err)
	}
	return v, nil
}

func loadLinear(f *gguf.File, name string, cols, rows int) (linear, error) {
	return loadLinearLayout(f, name, cols, rows, quant.I2SLayoutX86)
}

// loadLinearLayout loads a ternary linear; I2_S codes stored in layout are
// repacked into the x86 order the kernels read.
func loadLinearLayout(f *gguf.File, name string, cols, rows int, layout quant.I2SLayout) (linear, error) {
	t, ok := f.Tensor(name + ".weight")
	if !ok {
		return linear{}, fmt.Errorf("bitnet: tensor %s.weight missing", name)
	}
	l := linear{name: name, typ: t.Type, rows: rows, cols: cols, scale: 1}
	if len(t.Dims) != 2 || t.Dims[0] != uint64(cols) || t.Dims[1] != uint64(rows) {
		return l, fmt.Errorf("bitnet: tensor %s.weight is %v, want [%d, %d]", name, t.Dims, cols, rows)
	}
	switch t.Type {
	case gguf.TypeTQ1_0, gguf.TypeTQ2_0:
		if cols%kernels.QK != 0 {
			return l, fmt.Errorf("bitnet: %s: %d inputs is not a multiple of %d", name, cols, kernels.QK)
		}
	case gguf.TypeI2_S:
		if cols%kernels.I2SGroup != 0 {
			return l, fmt.Errorf("bitnet: %s: %d inputs is not a multiple of %d", name, cols, kernels.I2SGroup)
		}
	default:
		return l, fmt.Errorf("bitnet: tensor %s.weight has type %s; linear layers must be TQ1_0, TQ2_0 or I2_S", name, t.Type)
	}
	data, err := f.TensorData(t)
	if err != nil {
		return l, err
	}
	l.w = data
	if t.Type == gguf.TypeI2_S {
		if l.i2s, err = quant.I2SScale(data, rows*cols); err != nil {
			return l, fmt.Errorf("bitnet: %s: %w", name, err)
		}
		if layout != quant.I2SLayoutX86 {
			l.w = make([]byte, len(data))
			if err := quant.RepackI2S(l.w, data, rows, cols, layout); err != nil {
				return l, fmt.Errorf("bitnet: %s.weight: %w", name, err)
			}
			if err := f.Evict(t); err != nil {
				return l, err
			}
		}
	}
	if st, ok := f.Tensor(name + ".scale"); ok {
		if st.Type != gguf.TypeF32 || st.Elements() != 1 {
			return l, fmt.Errorf("bitnet: %s.scale is %s %v, want F32 [1]", name, st.Type, st.Dims)
		}
		d, err := f.TensorData(st)
		if err != nil {
			return l, err
		}
		l.scale = math.Float32frombits(binary.LittleEndian.Uint32(d))
	}
	if _, ok := f.Tensor(name + ".bias"); ok {
		if l.bias, err = loadVector(f, name+".bias", rows); err != nil {
			return l, err
		}
	}
	return l, nil
}

// Bytes returns the bytes of weights read per generated token: every
// linear layer plus the output table.
func (m *Model) Bytes() (linears, output int64) {
	for i := range m.layers {
		l := &m.layers[i]
		for _, x := range []*linear{&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down} {
			linears += int64(len(x.w))
		}
	}
	if m.outQ8 != nil {
		return linears, int64(len(m.outQ8.w))
	}
	return linears, int64(len(m.output.data))
}
