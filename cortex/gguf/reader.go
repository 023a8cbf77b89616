package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"

	"golang.org/x/sys/unix"
)

// Limits applied while parsing. They are far above what real models use and
// exist so that a hostile header cannot make the reader allocate or loop
// without bound.
const (
	// Magic is "GGUF" read as a little-endian uint32.
	Magic = 0x46554747
	// MaxDims is ggml's GGML_MAX_DIMS.
	MaxDims = 4
	// MaxKeyLength bounds a metadata key.
	MaxKeyLength = 1 << 16
	// MaxStringLength bounds any string value (chat templates are the
	// longest in practice, a few tens of KB).
	MaxStringLength = 1 << 24
	// MaxNameLength bounds a tensor name.
	MaxNameLength = 1 << 10
	// MaxAlignment bounds general.alignment.
	MaxAlignment = 1 << 20
	// DefaultAlignment is used when general.alignment is absent.
	DefaultAlignment = 32
)

// ErrFormat is returned (wrapped in a *FormatError) for any malformed,
// truncated or out-of-bounds file.
var ErrFormat = errors.New("gguf: invalid file")

// FormatError describes where a file is malformed. It unwraps to ErrFormat.
type FormatError struct {
	Path   string // file path, or "" for an in-memory image
	Offset int64  // byte offset of the offending field
	Msg    string
}

func (e *FormatError) Error() string {
	p := e.Path
	if p == "" {
		p = "<memory>"
	}
	return fmt.Sprintf("gguf: %s: at byte %d: %s", p, e.Offset, e.Msg)
}

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }

// ErrUnsupportedType is returned (wrapped in an *UnsupportedTypeError) for a
// well-formed file holding a tensor type this package names but cannot read:
// bitnet.cpp's TL1, TL2 and I8_S.
var ErrUnsupportedType = errors.New("gguf: unsupported tensor type")

// UnsupportedTypeError names the tensor and type that Open refused, and why.
// It unwraps to ErrUnsupportedType.
type UnsupportedTypeError struct {
	Path   string // file path, or "" for an in-memory image
	Tensor string
	Type   TensorType
	Why    string
}

func (e *UnsupportedTypeError) Error() string {
	p := e.Path
	if p == "" {
		p = "<memory>"
	}
	return fmt.Sprintf("gguf: %s: tensor %q has type %s (%d), which Cortex does not read: %s", p, e.Tensor, e.Type, uint32(e.Type), e.Why)
}

// Unwrap returns ErrUnsupportedType.
func (e *UnsupportedTypeError) Unwrap() error { return ErrUnsupportedType }

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name string
	// Dims lists the extents innermost first (ggml's ne[0], ne[1], ...).
	Dims []uint64
	Type TensorType
	// Offset is relative to the start of the data section.
	Offset uint64
	// Size is the tensor's byte size (without alignment padding).
	Size uint64
}

// Elements returns the number of elements.
func (t *TensorInfo) Elements() uint64 { return Elements(t.Dims) }

// File is a parsed GGUF file. Its tensor data aliases the memory mapping.
type File struct {
	Path    string
	Version uint32
	// Alignment of the data section and of every tensor offset.
	Alignment uint64
	// DataOffset is the absolute file offset of the data section.
	DataOffset uint64
	// Tensors in file order.
	Tensors []TensorInfo

	keys    []string
	kv      map[string]Value
	byName  map[string]int
	data    []byte // the whole file
	mmapped bool
}

// Open memory-maps and parses the GGUF file at path.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: open: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: stat %s: %w", path, err)
	}
	size := st.Size()
	if size < 24 {
		return nil, &FormatError{Path: path, Offset: 0, Msg: fmt.Sprintf("file of %d bytes is too small for a GGUF header", size)}
	}
	if size > math.MaxInt {
		return nil, &FormatError{Path: path, Msg: "file too large to map"}
	}
	data, err := unix.Mmap(int(fd.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("gguf: mmap %s: %w", path, err)
	}
	// Ask for 2 MiB pages: pages read from disk from now on come in
	// PMD-sized folios that map with one TLB entry per 2 MiB (weights are
	// streamed once per generated token). Best effort: it changes nothing
	// where transparent huge pages are off.
	_ = unix.Madvise(data, unix.MADV_HUGEPAGE)
	f, err := parse(path, data)
	if err != nil {
		unix.Munmap(data)
		return nil, err
	}
	f.mmapped = true
	return f, nil
}

// OpenBytes parses a GGUF image held in memory. The File aliases b.
func OpenBytes(b []byte) (*File, error) {
	return parse("", b)
}

// Close unmaps the file. Slices returned by TensorData become invalid.
func (f *File) Close() error {
	if f.mmapped && f.data != nil {
		d := f.data
		f.data = nil
		if err := unix.Munmap(d); err != nil {
			return fmt.Errorf("gguf: munmap %s: %w", f.Path, err)
		}
	}
	f.data = nil
	return nil
}

// Size returns the file size in bytes.
func (f *File) Size() int64 { return int64(len(f.data)) }

// Keys returns the metadata keys in file order.
func (f *File) Keys() []string { return append([]string(nil), f.keys...) }

// Value returns the raw metadata value of key.
func (f *File) Value(key string) (Value, bool) {
	v, ok := f.kv[key]
	return v, ok
}

// String returns a string value.
func (f *File) String(key string) (string, bool) {
	s, ok := f.kv[key].v.(string)
	return s, ok
}

// Uint returns an integer value (of any integer type) that is non-negative.
func (f *File) Uint(key string) (uint64, bool) {
	v, ok := f.kv[key]
	if !ok {
		return 0, false
	}
	return asUint(v.v)
}

// Int returns an integer value (of any integer type) that fits in int64.
func (f *File) Int(key string) (int64, bool) {
	v, ok := f.kv[key]
	if !ok {
		return 0, false
	}
	return asInt(v.v)
}

// Float returns a float32 or float64 value.
func (f *File) Float(key string) (float64, bool) {
	switch x := f.kv[key].v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// Bool returns a bool value.
func (f *File) Bool(key string) (bool, bool) {
	b, ok := f.kv[key].v.(bool)
	return b, ok
}

// Strings returns an array of strings. The slice is shared: do not modify.
func (f *File) Strings(key string) ([]string, bool) {
	s, ok := f.kv[key].v.([]string)
	return s, ok
}

// Float32s returns an array of float32. The slice is shared: do not modify.
func (f *File) Float32s(key string) ([]float32, bool) {
	s, ok := f.kv[key].v.([]float32)
	return s, ok
}

// Int32s returns an array of int32. The slice is shared: do not modify.
func (f *File) Int32s(key string) ([]int32, bool) {
	s, ok := f.kv[key].v.([]int32)
	return s, ok
}

// Tensor returns the tensor named name.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	i, ok := f.byName[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// TensorData returns the bytes of t, aliasing the mapping. t must come from
// f (its bounds were validated by Open; they are checked again here).
func (f *File) TensorData(t *TensorInfo) ([]byte, error) {
	if f.data == nil {
		return nil, fmt.Errorf("gguf: %s: file is closed", f.Path)
	}
	start := f.DataOffset + t.Offset
	if t.Offset > uint64(len(f.data)) || start > uint64(len(f.data)) || t.Size > uint64(len(f.data))-start {
		return nil, fmt.Errorf("gguf: tensor %q: data [%d, +%d) outside file of %d bytes", t.Name, start, t.Size, len(f.data))
	}
	return f.data[start : start+t.Size : start+t.Size], nil
}

// reader is a bounds-checked cursor over the file image.
type reader struct {
	path string
	b    []byte
	off  int
}

func (r *reader) fail(at int, format string, args ...any) error {
	return &FormatError{Path: r.path, Offset: int64(at), Msg: fmt.Sprintf(format, args...)}
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) bytes(n int, what string) ([]byte, error) {
	if n < 0 || n > r.remaining() {
		return nil, r.fail(r.off, "truncated %s: need %d bytes, %d left", what, n, r.remaining())
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p, nil
}

func (r *reader) u32(what string) (uint32, error) {
	p, err := r.bytes(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(p), nil
}

func (r *reader) u64(what string) (uint64, error) {
	p, err := r.bytes(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(p), nil
}

func (r *reader) str(max int, what string) (string, error) {
	at := r.off
	n, err := r.u64(what + " length")
	if err != nil {
		return "", err
	}
	if n > uint64(max) {
		return "", r.fail(at, "%s length %d exceeds limit %d", what, n, max)
	}
	p, err := r.bytes(int(n), what)
	if err != nil {
		return "", err
	}
	return string(p), nil
}

func (r *reader) scalar(t ValueType, what string) (any, error) {
	switch t {
	case ValueString:
		return r.str(MaxStringLength, what)
	}
	n := t.scalarSize()
	if n == 0 {
		return nil, r.fail(r.off, "%s: invalid value type %d", what, uint32(t))
	}
	p, err := r.bytes(n, what)
	if err != nil {
		return nil, err
	}
	switch t {
	case ValueUint8:
		return p[0], nil
	case ValueInt8:
		return int8(p[0]), nil
	case ValueBool:
		if p[0] > 1 {
			return nil, r.fail(r.off-1, "%s: bool byte %d is not 0 or 1", what, p[0])
		}
		return p[0] == 1, nil
	case ValueUint16:
		return binary.LittleEndian.Uint16(p), nil
	case ValueInt16:
		return int16(binary.LittleEndian.Uint16(p)), nil
	case ValueUint32:
		return binary.LittleEndian.Uint32(p), nil
	case ValueInt32:
		return int32(binary.LittleEndian.Uint32(p)), nil
	case ValueFloat32:
		return math.Float32frombits(binary.LittleEndian.Uint32(p)), nil
	case ValueUint64:
		return binary.LittleEndian.Uint64(p), nil
	case ValueInt64:
		return int64(binary.LittleEndian.Uint64(p)), nil
	default: // ValueFloat64
		return math.Float64frombits(binary.LittleEndian.Uint64(p)), nil
	}
}

func (r *reader) array(what string) (Value, error) {
	at := r.off
	et, err := r.u32(what + " element type")
	if err != nil {
		return Value{}, err
	}
	elem := ValueType(et)
	n, err := r.u64(what + " count")
	if err != nil {
		return Value{}, err
	}
	min := elem.scalarSize()
	if elem == ValueString {
		min = 8
	}
	if min == 0 {
		return Value{}, r.fail(at, "%s: invalid array element type %s", what, elem)
	}
	if n > uint64(r.remaining()/min) {
		return Value{}, r.fail(at, "%s: array of %d %s elements exceeds the %d bytes left", what, n, elem, r.remaining())
	}
	cnt := int(n)
	if elem == ValueString {
		out := make([]string, cnt)
		for i := range out {
			if out[i], err = r.str(MaxStringLength, what); err != nil {
				return Value{}, err
			}
		}
		return Value{Type: ValueArray, Elem: elem, v: out}, nil
	}
	raw, err := r.bytes(cnt*min, what)
	if err != nil {
		return Value{}, err
	}
	le := binary.LittleEndian
	var v any
	switch elem {
	case ValueUint8:
		v = append([]uint8(nil), raw...)
	case ValueInt8:
		a := make([]int8, cnt)
		for i := range a {
			a[i] = int8(raw[i])
		}
		v = a
	case ValueBool:
		a := make([]bool, cnt)
		for i := range a {
			if raw[i] > 1 {
				return Value{}, r.fail(r.off-cnt+i, "%s: bool byte %d is not 0 or 1", what, raw[i])
			}
			a[i] = raw[i] == 1
		}
		v = a
	case ValueUint16:
		v = decodeArray(raw, cnt, 2, func(b []byte) uint16 { return le.Uint16(b) })
	case ValueInt16:
		v = decodeArray(raw, cnt, 2, func(b []byte) int16 { return int16(le.Uint16(b)) })
	case ValueUint32:
		v = decodeArray(raw, cnt, 4, le.Uint32)
	case ValueInt32:
		v = decodeArray(raw, cnt, 4, func(b []byte) int32 { return int32(le.Uint32(b)) })
	case ValueFloat32:
		v = decodeArray(raw, cnt, 4, func(b []byte) float32 { return math.Float32frombits(le.Uint32(b)) })
	case ValueUint64:
		v = decodeArray(raw, cnt, 8, le.Uint64)
	case ValueInt64:
		v = decodeArray(raw, cnt, 8, func(b []byte) int64 { return int64(le.Uint64(b)) })
	case ValueFloat64:
		v = decodeArray(raw, cnt, 8, func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) })
	}
	return Value{Type: ValueArray, Elem: elem, v: v}, nil
}

func parse(path string, b []byte) (*File, error) {
	r := &reader{path: path, b: b}
	magic, err := r.u32("magic")
	if err != nil {
		return nil, err
	}
	if magic != Magic {
		return nil, r.fail(0, "bad magic %#08x (not a GGUF file)", magic)
	}
	f := &File{Path: path, data: b, kv: map[string]Value{}, byName: map[string]int{}}
	if f.Version, err = r.u32("version"); err != nil {
		return nil, err
	}
	if f.Version != 2 && f.Version != 3 {
		return nil, r.fail(4, "unsupported GGUF version %d (want 2 or 3)", f.Version)
	}
	nTensors, err := r.u64("tensor count")
	if err != nil {
		return nil, err
	}
	nKV, err := r.u64("metadata count")
	if err != nil {
		return nil, err
	}
	// Each pair is at least key length (8) + type (4) + 1 byte; each
	// tensor info at least 8 + 4 + 8 + 4 + 8 bytes.
	if nKV > uint64(r.remaining()/13) {
		return nil, r.fail(16, "metadata count %d exceeds what %d bytes can hold", nKV, r.remaining())
	}
	if nTensors > uint64(r.remaining()/32) {
		return nil, r.fail(8, "tensor count %d exceeds what %d bytes can hold", nTensors, r.remaining())
	}
	f.keys = make([]string, 0, nKV)
	for i := uint64(0); i < nKV; i++ {
		at := r.off
		key, err := r.str(MaxKeyLength, "metadata key")
		if err != nil {
			return nil, err
		}
		if _, dup := f.kv[key]; dup {
			return nil, r.fail(at, "duplicate metadata key %q", key)
		}
		vt, err := r.u32("value type of " + key)
		if err != nil {
			return nil, err
		}
		var v Value
		switch ValueType(vt) {
		case ValueArray:
			v, err = r.array(key)
		default:
			var x any
			x, err = r.scalar(ValueType(vt), key)
			v = Value{Type: ValueType(vt), v: x}
		}
		if err != nil {
			return nil, err
		}
		f.kv[key] = v
		f.keys = append(f.keys, key)
	}

	f.Alignment = DefaultAlignment
	if v, ok := f.kv["general.alignment"]; ok {
		a, isU32 := v.v.(uint32)
		if !isU32 || a == 0 || a&(a-1) != 0 || a > MaxAlignment {
			return nil, r.fail(0, "general.alignment %v is not a power-of-two uint32 up to %d", v.v, MaxAlignment)
		}
		f.Alignment = uint64(a)
	}

	f.Tensors = make([]TensorInfo, 0, nTensors)
	for i := uint64(0); i < nTensors; i++ {
		at := r.off
		name, err := r.str(MaxNameLength, "tensor name")
		if err != nil {
			return nil, err
		}
		if _, dup := f.byName[name]; dup {
			return nil, r.fail(at, "duplicate tensor name %q", name)
		}
		nd, err := r.u32("n_dims of " + name)
		if err != nil {
			return nil, err
		}
		if nd == 0 || nd > MaxDims {
			return nil, r.fail(at, "tensor %q has %d dimensions (want 1..%d)", name, nd, MaxDims)
		}
		dims := make([]uint64, nd)
		for j := range dims {
			if dims[j], err = r.u64("dims of " + name); err != nil {
				return nil, err
			}
		}
		typ, err := r.u32("type of " + name)
		if err != nil {
			return nil, err
		}
		off, err := r.u64("offset of " + name)
		if err != nil {
			return nil, err
		}
		t := TensorInfo{Name: name, Dims: dims, Type: TensorType(typ), Offset: off}
		if u, ok := unsupported[t.Type]; ok {
			return nil, &UnsupportedTypeError{Path: r.path, Tensor: name, Type: t.Type, Why: u.why}
		}
		if !t.Type.Known() {
			return nil, r.fail(at, "tensor %q has unknown type %d", name, typ)
		}
		if t.Size, err = DataSize(t.Type, dims); err != nil {
			return nil, r.fail(at, "tensor %q: %v", name, err)
		}
		if off%f.Alignment != 0 {
			return nil, r.fail(at, "tensor %q offset %d is not a multiple of the alignment %d", name, off, f.Alignment)
		}
		f.byName[name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}

	// The data section starts at the next aligned offset. A file with no
	// tensors may end before it.
	data := (uint64(r.off) + f.Alignment - 1) / f.Alignment * f.Alignment
	f.DataOffset = data
	size := uint64(len(b))
	if len(f.Tensors) > 0 && data > size {
		return nil, r.fail(r.off, "data section at %d starts past the end of the %d-byte file", data, size)
	}
	avail := size - min(data, size)
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	end := uint64(0)
	for _, i := range order {
		t := &f.Tensors[i]
		if t.Offset > avail || t.Size > avail-t.Offset {
			return nil, r.fail(int(data), "tensor %q data [%d, +%d) extends past the end of the file (%d data bytes)", t.Name, t.Offset, t.Size, avail)
		}
		if t.Offset < end {
			return nil, r.fail(int(data), "tensor %q data at %d overlaps the previous tensor (ends at %d)", t.Name, t.Offset, end)
		}
		end = t.Offset + t.Size
	}
	return f, nil
}

// Evict tells the kernel that the mapped pages of t are not needed for now:
// they leave the process's resident set and are read back from the file
// (usually the page cache) on the next access. Use it after copying a
// tensor into another form. It does nothing for images from OpenBytes.
func (f *File) Evict(t *TensorInfo) error {
	if !f.mmapped || f.data == nil {
		return nil
	}
	page := uint64(os.Getpagesize())
	start := f.DataOffset + t.Offset
	end := start + t.Size
	if end > uint64(len(f.data)) {
		return fmt.Errorf("gguf: evict %q: outside the file", t.Name)
	}
	start = (start + page - 1) / page * page
	end = end / page * page
	if start >= end {
		return nil
	}
	if err := unix.Madvise(f.data[start:end], unix.MADV_DONTNEED); err != nil {
		return fmt.Errorf("gguf: evict %q: %w", t.Name, err)
	}
	return nil
}

// decodeArray decodes cnt little-endian elements of size bytes each from
// raw (whose length the caller has checked).
func decodeArray[T any](raw []byte, cnt, size int, elem func([]byte) T) []T {
	a := make([]T, cnt)
	for i := range a {
		a[i] = elem(raw[size*i:])
	}
	return a
}
