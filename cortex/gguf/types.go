package gguf

import "fmt"

// TensorType is a ggml tensor element type (enum ggml_type in ggml.h).
// Numbers follow upstream ggml; TypeI2_S is bitnet.cpp's addition.
type TensorType uint32

// Tensor types, numbered as in ggml.h (and bitnet.cpp for I2_S).
const (
	TypeF32     TensorType = 0
	TypeF16     TensorType = 1
	TypeQ4_0    TensorType = 2
	TypeQ4_1    TensorType = 3
	TypeQ5_0    TensorType = 6
	TypeQ5_1    TensorType = 7
	TypeQ8_0    TensorType = 8
	TypeQ8_1    TensorType = 9
	TypeQ2_K    TensorType = 10
	TypeQ3_K    TensorType = 11
	TypeQ4_K    TensorType = 12
	TypeQ5_K    TensorType = 13
	TypeQ6_K    TensorType = 14
	TypeQ8_K    TensorType = 15
	TypeIQ2_XXS TensorType = 16
	TypeIQ2_XS  TensorType = 17
	TypeIQ3_XXS TensorType = 18
	TypeIQ1_S   TensorType = 19
	TypeIQ4_NL  TensorType = 20
	TypeIQ3_S   TensorType = 21
	TypeIQ2_S   TensorType = 22
	TypeIQ4_XS  TensorType = 23
	TypeI8      TensorType = 24
	TypeI16     TensorType = 25
	TypeI32     TensorType = 26
	TypeI64     TensorType = 27
	TypeF64     TensorType = 28
	TypeIQ1_M   TensorType = 29
	TypeBF16    TensorType = 30
	TypeTQ1_0   TensorType = 34
	TypeTQ2_0   TensorType = 35
	// TypeI2_S is bitnet.cpp's ternary type (ggml.h of its llama.cpp fork).
	TypeI2_S TensorType = 36
	// TypeI8_S, TypeTL1 and TypeTL2 are bitnet.cpp's other additions (same
	// ggml.h). They are named but not Known: Open refuses a file holding
	// them with an *UnsupportedTypeError.
	TypeI8_S TensorType = 37
	TypeTL1  TensorType = 38
	TypeTL2  TensorType = 39
)

// unsupported names the types this package recognises but cannot size or
// read, with the reason given in an UnsupportedTypeError.
var unsupported = map[TensorType]struct{ name, why string }{
	TypeI8_S: {"I8_S", "bitnet.cpp's int8 activation type, never stored in a model"},
	// TL1 packs weight pairs as 4-bit indices, TL2 weight triples as a
	// 4-bit index plus a sign bit, both permuted into tiles whose sizes
	// (BM, BK, bm per matrix shape) bitnet.cpp's code generator compiles
	// into its kernels (include/kernel_config.ini): they are not in the
	// file, so the weights cannot be put back in order from it alone.
	TypeTL1: {"TL1", "bitnet.cpp's ARM lookup-table layout, tiled with block sizes that are compiled into bitnet.cpp and not stored in the file; convert the model to I2_S instead"},
	TypeTL2: {"TL2", "bitnet.cpp's x86 lookup-table layout, tiled with block sizes that are compiled into bitnet.cpp and not stored in the file; convert the model to I2_S instead"},
}

// QK_K is the super-block size of the k-quants and ternary types.
const QK_K = 256

type typeTraits struct {
	name      string
	blockSize uint64 // elements per block
	typeSize  uint64 // bytes per block
}

var traits = map[TensorType]typeTraits{
	TypeF32:     {"F32", 1, 4},
	TypeF16:     {"F16", 1, 2},
	TypeQ4_0:    {"Q4_0", 32, 18},
	TypeQ4_1:    {"Q4_1", 32, 20},
	TypeQ5_0:    {"Q5_0", 32, 22},
	TypeQ5_1:    {"Q5_1", 32, 24},
	TypeQ8_0:    {"Q8_0", 32, 34},
	TypeQ8_1:    {"Q8_1", 32, 36},
	TypeQ2_K:    {"Q2_K", QK_K, 84},
	TypeQ3_K:    {"Q3_K", QK_K, 110},
	TypeQ4_K:    {"Q4_K", QK_K, 144},
	TypeQ5_K:    {"Q5_K", QK_K, 176},
	TypeQ6_K:    {"Q6_K", QK_K, 210},
	TypeQ8_K:    {"Q8_K", QK_K, 292},
	TypeIQ2_XXS: {"IQ2_XXS", QK_K, 66},
	TypeIQ2_XS:  {"IQ2_XS", QK_K, 74},
	TypeIQ3_XXS: {"IQ3_XXS", QK_K, 98},
	TypeIQ1_S:   {"IQ1_S", QK_K, 50},
	TypeIQ4_NL:  {"IQ4_NL", 32, 18},
	TypeIQ3_S:   {"IQ3_S", QK_K, 110},
	TypeIQ2_S:   {"IQ2_S", QK_K, 82},
	TypeIQ4_XS:  {"IQ4_XS", QK_K, 136},
	TypeI8:      {"I8", 1, 1},
	TypeI16:     {"I16", 1, 2},
	TypeI32:     {"I32", 1, 4},
	TypeI64:     {"I64", 1, 8},
	TypeF64:     {"F64", 1, 8},
	TypeIQ1_M:   {"IQ1_M", QK_K, 56},
	TypeBF16:    {"BF16", 1, 2},
	TypeTQ1_0:   {"TQ1_0", QK_K, 54},
	TypeTQ2_0:   {"TQ2_0", QK_K, 66},
	// I2_S: 4 weights per byte; the per-tensor scale is added by DataSize.
	TypeI2_S: {"I2_S", 4, 1},
}

// String returns ggml's name for the type ("TQ2_0"), or "type(N)".
func (t TensorType) String() string {
	if tr, ok := traits[t]; ok {
		return tr.name
	}
	if u, ok := unsupported[t]; ok {
		return u.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// Known reports whether the type's size is known to this package.
func (t TensorType) Known() bool {
	_, ok := traits[t]
	return ok
}

// BlockSize returns the number of elements per block (1 for plain types),
// or 0 for an unknown type.
func (t TensorType) BlockSize() uint64 { return traits[t].blockSize }

// TypeSize returns the number of bytes per block, or 0 for an unknown type.
func (t TensorType) TypeSize() uint64 { return traits[t].typeSize }

// RowSize returns the bytes of n consecutive elements. It returns an error
// for an unknown type or when n is not a multiple of the block size.
// For TypeI2_S it is the packed codes only (n/4), without the trailing scale.
func (t TensorType) RowSize(n uint64) (uint64, error) {
	tr, ok := traits[t]
	if !ok {
		return 0, fmt.Errorf("gguf: unsupported tensor type %s", t)
	}
	if t == TypeI2_S && n%128 != 0 {
		return 0, fmt.Errorf("gguf: %s row of %d elements is not a multiple of 128", t, n)
	}
	if n%tr.blockSize != 0 {
		return 0, fmt.Errorf("gguf: %s row of %d elements is not a multiple of the block size %d", t, n, tr.blockSize)
	}
	return n / tr.blockSize * tr.typeSize, nil
}

// maxElements bounds a tensor's element count (2^50), far above any real
// model, so that size arithmetic cannot overflow uint64.
const maxElements = 1 << 50

// DataSize returns the bytes a tensor of the given shape occupies in the
// data section (before alignment padding), validating the shape.
func DataSize(t TensorType, dims []uint64) (uint64, error) {
	if len(dims) == 0 || len(dims) > MaxDims {
		return 0, fmt.Errorf("gguf: %d dimensions (want 1..%d)", len(dims), MaxDims)
	}
	n := uint64(1)
	for _, d := range dims {
		if d == 0 || d > maxElements {
			return 0, fmt.Errorf("gguf: dimension %d out of range", d)
		}
		if n > maxElements/d {
			return 0, fmt.Errorf("gguf: tensor of %v has too many elements", dims)
		}
		n *= d
	}
	row, err := t.RowSize(dims[0])
	if err != nil {
		return 0, err
	}
	size := row * (n / dims[0])
	if t == TypeI2_S {
		size += 32 // float32 scale, padded to 32 bytes
	}
	return size, nil
}

// Elements returns the product of dims.
func Elements(dims []uint64) uint64 {
	n := uint64(1)
	for _, d := range dims {
		n *= d
	}
	return n
}
