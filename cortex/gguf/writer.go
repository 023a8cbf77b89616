package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// Writer builds a GGUF version 3 file: metadata in the order it was set,
// then tensors in the order they were added.
//
//	w := gguf.NewWriter()
//	w.Set("general.architecture", "bitnet")
//	w.AddTensor("output_norm.weight", gguf.TypeF32, []uint64{256}, data)
//	err := w.WriteFile("model.gguf")
type Writer struct {
	// Alignment of tensor data (default 32). When it differs from 32 the
	// writer also records general.alignment.
	Alignment uint64

	keys    []string
	kv      map[string]Value
	tensors []wtensor
	names   map[string]bool
}

type wtensor struct {
	info TensorInfo
	data []byte
	fill func(io.Writer) error
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	return &Writer{Alignment: DefaultAlignment, kv: map[string]Value{}, names: map[string]bool{}}
}

// Set records a metadata value. x is one of uint8, int8, uint16, int16,
// uint32, int32, float32, bool, string, uint64, int64, float64, or a slice
// of one of them. Setting a key again replaces its value in place.
func (w *Writer) Set(key string, x any) error {
	v, ok := valueOf(x)
	if !ok {
		return fmt.Errorf("gguf: metadata %q: unsupported Go type %T", key, x)
	}
	if len(key) > MaxKeyLength {
		return fmt.Errorf("gguf: metadata key of %d bytes is too long", len(key))
	}
	if _, dup := w.kv[key]; !dup {
		w.keys = append(w.keys, key)
	}
	w.kv[key] = v
	return nil
}

// AddTensor adds a tensor whose bytes are data (len must equal DataSize).
func (w *Writer) AddTensor(name string, typ TensorType, dims []uint64, data []byte) error {
	size, err := w.add(name, typ, dims)
	if err != nil {
		return err
	}
	if uint64(len(data)) != size {
		return fmt.Errorf("gguf: tensor %q: %d data bytes, want %d for %s %v", name, len(data), size, typ, dims)
	}
	w.tensors[len(w.tensors)-1].data = data
	return nil
}

// AddTensorFunc adds a tensor whose bytes are produced at write time by
// fill, which must write exactly DataSize(typ, dims) bytes. It lets large
// files be written without holding every tensor in memory.
func (w *Writer) AddTensorFunc(name string, typ TensorType, dims []uint64, fill func(io.Writer) error) error {
	if _, err := w.add(name, typ, dims); err != nil {
		return err
	}
	w.tensors[len(w.tensors)-1].fill = fill
	return nil
}

func (w *Writer) add(name string, typ TensorType, dims []uint64) (uint64, error) {
	if len(name) > MaxNameLength {
		return 0, fmt.Errorf("gguf: tensor name of %d bytes is too long", len(name))
	}
	if w.names[name] {
		return 0, fmt.Errorf("gguf: duplicate tensor %q", name)
	}
	size, err := DataSize(typ, dims)
	if err != nil {
		return 0, fmt.Errorf("gguf: tensor %q: %w", name, err)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, wtensor{info: TensorInfo{Name: name, Dims: append([]uint64(nil), dims...), Type: typ, Size: size}})
	return size, nil
}

// WriteFile writes the file to path (created or truncated).
func (w *Writer) WriteFile(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("gguf: create: %w", err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	if _, err := w.WriteTo(bw); err != nil {
		out.Close()
		return fmt.Errorf("gguf: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return fmt.Errorf("gguf: write %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("gguf: close %s: %w", path, err)
	}
	return nil
}

// countingWriter tracks the bytes written so far.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
	buf [8]byte
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countingWriter) u32(v uint32) {
	binary.LittleEndian.PutUint32(c.buf[:], v)
	c.Write(c.buf[:4])
}

func (c *countingWriter) u64(v uint64) {
	binary.LittleEndian.PutUint64(c.buf[:], v)
	c.Write(c.buf[:8])
}

func (c *countingWriter) str(s string) {
	c.u64(uint64(len(s)))
	io.WriteString(c, s)
}

func (c *countingWriter) pad(align uint64) {
	var zero [64]byte
	for r := (align - uint64(c.n)%align) % align; r > 0; {
		k := min(r, uint64(len(zero)))
		c.Write(zero[:k])
		r -= k
	}
}

func (c *countingWriter) scalar(x any) {
	switch v := x.(type) {
	case uint8:
		c.Write([]byte{v})
	case int8:
		c.Write([]byte{byte(v)})
	case bool:
		b := byte(0)
		if v {
			b = 1
		}
		c.Write([]byte{b})
	case uint16:
		binary.LittleEndian.PutUint16(c.buf[:], v)
		c.Write(c.buf[:2])
	case int16:
		binary.LittleEndian.PutUint16(c.buf[:], uint16(v))
		c.Write(c.buf[:2])
	case uint32:
		c.u32(v)
	case int32:
		c.u32(uint32(v))
	case float32:
		c.u32(math.Float32bits(v))
	case uint64:
		c.u64(v)
	case int64:
		c.u64(uint64(v))
	case float64:
		c.u64(math.Float64bits(v))
	case string:
		c.str(v)
	}
}

func (c *countingWriter) array(x any) {
	switch a := x.(type) {
	case []uint8:
		c.u64(uint64(len(a)))
		c.Write(a)
	case []int8:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []bool:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []uint16:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []int16:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []uint32:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []int32:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []float32:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []uint64:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []int64:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []float64:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.scalar(e)
		}
	case []string:
		c.u64(uint64(len(a)))
		for _, e := range a {
			c.str(e)
		}
	}
}

// WriteTo writes the whole file to out.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	align := w.Alignment
	if align == 0 {
		align = DefaultAlignment
	}
	if align&(align-1) != 0 || align > MaxAlignment {
		return 0, fmt.Errorf("gguf: alignment %d is not a power of two up to %d", align, MaxAlignment)
	}
	keys := w.keys
	if _, set := w.kv["general.alignment"]; !set && align != DefaultAlignment {
		w.kv["general.alignment"] = Value{Type: ValueUint32, v: uint32(align)}
		keys = append(append([]string(nil), keys...), "general.alignment")
	}
	// Lay out the data section.
	off := uint64(0)
	for i := range w.tensors {
		t := &w.tensors[i].info
		t.Offset = off
		off += (t.Size + align - 1) / align * align
	}
	c := &countingWriter{w: out}
	c.u32(Magic)
	c.u32(3)
	c.u64(uint64(len(w.tensors)))
	c.u64(uint64(len(keys)))
	for _, k := range keys {
		v := w.kv[k]
		c.str(k)
		c.u32(uint32(v.Type))
		if v.Type == ValueArray {
			c.u32(uint32(v.Elem))
			c.array(v.v)
		} else {
			c.scalar(v.v)
		}
	}
	for _, wt := range w.tensors {
		t := wt.info
		c.str(t.Name)
		c.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			c.u64(d)
		}
		c.u32(uint32(t.Type))
		c.u64(t.Offset)
	}
	c.pad(align)
	for _, wt := range w.tensors {
		if c.err != nil {
			break
		}
		start := c.n
		if wt.fill != nil {
			if err := wt.fill(c); err != nil {
				return c.n, fmt.Errorf("gguf: tensor %q: %w", wt.info.Name, err)
			}
		} else {
			c.Write(wt.data)
		}
		if got := uint64(c.n - start); c.err == nil && got != wt.info.Size {
			return c.n, fmt.Errorf("gguf: tensor %q: wrote %d bytes, want %d", wt.info.Name, got, wt.info.Size)
		}
		c.pad(align)
	}
	return c.n, c.err
}
