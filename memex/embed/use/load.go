package use

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Bounds on the files Open reads; the real ones are well inside them.
const (
	maxModelJSON  = 4 << 20  // model.json (247 KB)
	maxVocabJSON  = 4 << 20  // vocab.json (218 KB)
	maxShards     = 32       // weight files (7)
	maxWeightData = 64 << 20 // all shards together (27.9 MB)
	maxTensorElts = 8 << 20  // one tensor (Embeddings_en: 2 048 512)
	maxRank       = 4
	maxVocab      = 1 << 16
	maxPieceBytes = 256
	maxScore      = 1e6
	// graphNodes is the node count of the graph this package implements.
	graphNodes = 317
)

// ErrFormat is returned (wrapped, with details) when the model files are
// not the USE-lite TensorFlow.js graph this package implements: malformed
// JSON, a bound exceeded, a missing or misshapen weight, or a graph whose
// structure differs from the one the forward pass follows.
var ErrFormat = errors.New("use: unexpected model files")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// graphJSON is the part of model.json this package reads.
type graphJSON struct {
	ModelTopology struct {
		Node []nodeJSON `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []struct {
		Paths   []string `json:"paths"`
		Weights []struct {
			Name         string          `json:"name"`
			Shape        []int           `json:"shape"`
			Dtype        string          `json:"dtype"`
			Quantization json.RawMessage `json:"quantization"`
		} `json:"weights"`
	} `json:"weightsManifest"`
}

type nodeJSON struct {
	Name  string   `json:"name"`
	Op    string   `json:"op"`
	Input []string `json:"input"`
}

// tensor is one weight: float32 values in f or int32 values in i.
type tensor struct {
	shape []int
	f     []float32
	i     []int32
}

// files is what Open read and checked, before the forward pass takes
// its weights out.
type files struct {
	nodes   map[string]nodeJSON
	weights map[string]*tensor
	pieces  []string
	scores  []float64
}

// readBounded reads a whole file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, formatErr("%s is not a regular file", path)
	}
	if st.Size() > limit {
		return nil, formatErr("%s is %d bytes, more than the %d allowed", path, st.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, formatErr("%s grew past %d bytes while read", path, limit)
	}
	return b, nil
}

// readFiles reads and validates model.json, its weight shards and
// vocab.json in dir.
func readFiles(dir string) (*files, error) {
	b, err := readBounded(filepath.Join(dir, "model.json"), maxModelJSON)
	if err != nil {
		return nil, err
	}
	var g graphJSON
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, formatErr("model.json: %v", err)
	}
	fs := &files{nodes: map[string]nodeJSON{}, weights: map[string]*tensor{}}
	if n := len(g.ModelTopology.Node); n != graphNodes {
		return nil, formatErr("model.json: graph has %d nodes, want %d", n, graphNodes)
	}
	for _, n := range g.ModelTopology.Node {
		if _, dup := fs.nodes[n.Name]; dup {
			return nil, formatErr("model.json: node %q appears twice", n.Name)
		}
		fs.nodes[n.Name] = n
	}

	// Weights: the shards of each group are concatenated and the group's
	// tensors laid out back to back, little-endian.
	shards := 0
	var total int64
	for gi, grp := range g.WeightsManifest {
		var data []byte
		for _, p := range grp.Paths {
			if shards++; shards > maxShards {
				return nil, formatErr("model.json: more than %d weight files", maxShards)
			}
			if p == "" || p != filepath.Base(p) || strings.HasPrefix(p, ".") {
				return nil, formatErr("model.json: weight path %q is not a plain file name", p)
			}
			sb, err := readBounded(filepath.Join(dir, p), maxWeightData-total)
			if err != nil {
				return nil, err
			}
			total += int64(len(sb))
			data = append(data, sb...)
		}
		off := 0
		for _, w := range grp.Weights {
			if _, dup := fs.weights[w.Name]; dup {
				return nil, formatErr("weight %q appears twice", w.Name)
			}
			if len(w.Quantization) > 0 && string(w.Quantization) != "null" {
				return nil, formatErr("weight %q is quantized; only float32 and int32 weights are supported", w.Name)
			}
			if len(w.Shape) > maxRank {
				return nil, formatErr("weight %q has rank %d", w.Name, len(w.Shape))
			}
			n := 1
			for _, d := range w.Shape {
				if d < 0 || d > maxTensorElts || n*d > maxTensorElts {
					return nil, formatErr("weight %q has shape %v (at most %d elements)", w.Name, w.Shape, maxTensorElts)
				}
				n *= d
			}
			if off+4*n > len(data) {
				return nil, formatErr("weight group %d: %q needs bytes %d–%d of %d", gi, w.Name, off, off+4*n, len(data))
			}
			t := &tensor{shape: append([]int(nil), w.Shape...)}
			raw := data[off : off+4*n]
			switch w.Dtype {
			case "float32":
				t.f = make([]float32, n)
				for i := range t.f {
					t.f[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
					if v := t.f[i]; math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						return nil, formatErr("weight %q holds %v", w.Name, v)
					}
				}
			case "int32":
				t.i = make([]int32, n)
				for i := range t.i {
					t.i[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
				}
			default:
				return nil, formatErr("weight %q has dtype %q; want float32 or int32", w.Name, w.Dtype)
			}
			fs.weights[w.Name] = t
			off += 4 * n
		}
		if off != len(data) {
			return nil, formatErr("weight group %d: tensors take %d bytes, files hold %d", gi, off, len(data))
		}
	}

	// Vocabulary: [[piece, log probability], ...].
	vb, err := readBounded(filepath.Join(dir, "vocab.json"), maxVocabJSON)
	if err != nil {
		return nil, err
	}
	var vocab [][2]json.RawMessage
	if err := json.Unmarshal(vb, &vocab); err != nil {
		return nil, formatErr("vocab.json: %v", err)
	}
	if len(vocab) <= reservedPieces || len(vocab) > maxVocab {
		return nil, formatErr("vocab.json has %d entries", len(vocab))
	}
	fs.pieces = make([]string, len(vocab))
	fs.scores = make([]float64, len(vocab))
	for i, e := range vocab {
		if err := json.Unmarshal(e[0], &fs.pieces[i]); err != nil {
			return nil, formatErr("vocab.json entry %d: piece: %v", i, err)
		}
		if err := json.Unmarshal(e[1], &fs.scores[i]); err != nil {
			return nil, formatErr("vocab.json entry %d: score: %v", i, err)
		}
		p := fs.pieces[i]
		if p == "" || len(p) > maxPieceBytes || !utf8.ValidString(p) {
			return nil, formatErr("vocab.json entry %d: piece %q is empty, too long or not UTF-8", i, p)
		}
		// Not all scores are log probabilities: the file gives some pieces
		// with ':' null (0 here, as in JavaScript arithmetic) or 30. They
		// are kept, since the reference tokenizer uses them as they are.
		if s := fs.scores[i]; math.IsNaN(s) || math.Abs(s) > maxScore {
			return nil, formatErr("vocab.json entry %d: score %v out of range", i, s)
		}
	}
	return fs, nil
}

// checker collects structure errors so that one message lists them all.
type checker struct {
	fs   *files
	errs []string
}

func (c *checker) fail(format string, args ...any) {
	// Node names are long; the common prefix says nothing.
	c.errs = append(c.errs, strings.ReplaceAll(fmt.Sprintf(format, args...), pK, ""))
}

// node checks that name is an op node with exactly these inputs.
func (c *checker) node(name, op string, inputs ...string) {
	n, ok := c.fs.nodes[name]
	switch {
	case !ok:
		c.fail("node %s missing", name)
	case n.Op != op:
		c.fail("node %s is %s, want %s", name, n.Op, op)
	case strings.Join(n.Input, ",") != strings.Join(inputs, ","):
		c.fail("node %s reads %v, want %v", name, n.Input, inputs)
	}
}

// floats returns the float32 weight name, checking its shape.
func (c *checker) floats(name string, shape ...int) []float32 {
	t := c.weight(name, shape)
	if t == nil {
		return make([]float32, prod(shape))
	}
	if t.f == nil {
		c.fail("weight %s is not float32", name)
		return make([]float32, prod(shape))
	}
	return t.f
}

// ints returns the int32 weight name, checking its shape.
func (c *checker) ints(name string, shape ...int) []int32 {
	t := c.weight(name, shape)
	if t == nil || t.i == nil {
		if t != nil {
			c.fail("weight %s is not int32", name)
		}
		return make([]int32, prod(shape))
	}
	return t.i
}

func (c *checker) weight(name string, shape []int) *tensor {
	t, ok := c.fs.weights[name]
	if !ok {
		c.fail("weight %s missing", name)
		return nil
	}
	if fmt.Sprint(t.shape) != fmt.Sprint(shape) {
		c.fail("weight %s has shape %v, want %v", name, t.shape, shape)
		return nil
	}
	if n, ok := c.fs.nodes[name]; !ok || n.Op != "Const" {
		c.fail("weight %s is not a Const node of the graph", name)
	}
	return t
}

// scalarF and scalarI read a scalar constant.
func (c *checker) scalarF(name string) float32 { return c.floats(name)[0] }
func (c *checker) scalarI(name string) int     { return int(c.ints(name)[0]) }

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	const show = 8
	msg := strings.Join(c.errs[:min(show, len(c.errs))], "; ")
	if len(c.errs) > show {
		msg += fmt.Sprintf("; and %d more", len(c.errs)-show)
	}
	return formatErr("graph structure: %s", msg)
}

func prod(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
