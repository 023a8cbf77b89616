package gguf

import (
	"fmt"
	"math"
)

// ValueType is the type tag of a metadata value (enum gguf_type).
type ValueType uint32

// Metadata value types, numbered as in the GGUF specification.
const (
	ValueUint8   ValueType = 0
	ValueInt8    ValueType = 1
	ValueUint16  ValueType = 2
	ValueInt16   ValueType = 3
	ValueUint32  ValueType = 4
	ValueInt32   ValueType = 5
	ValueFloat32 ValueType = 6
	ValueBool    ValueType = 7
	ValueString  ValueType = 8
	ValueArray   ValueType = 9
	ValueUint64  ValueType = 10
	ValueInt64   ValueType = 11
	ValueFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("value_type(%d)", uint32(t))
}

// scalarSize returns the encoded size of a fixed-size scalar type, or 0.
func (t ValueType) scalarSize() int {
	switch t {
	case ValueUint8, ValueInt8, ValueBool:
		return 1
	case ValueUint16, ValueInt16:
		return 2
	case ValueUint32, ValueInt32, ValueFloat32:
		return 4
	case ValueUint64, ValueInt64, ValueFloat64:
		return 8
	}
	return 0
}

// Value is one metadata value. For a scalar, v holds the Go value of the
// matching type (uint8 … float64, bool, string); for an array, a slice of it
// ([]uint8 … []string) and Elem is the element type.
type Value struct {
	Type ValueType
	Elem ValueType // element type when Type == ValueArray
	v    any
}

// Any returns the value as a Go value: a scalar (uint8, int8, uint16, int16,
// uint32, int32, float32, bool, string, uint64, int64, float64) or a slice
// of one of them.
func (v Value) Any() any { return v.v }

// Len returns the number of elements of an array value, or 0.
func (v Value) Len() int {
	switch a := v.v.(type) {
	case []uint8:
		return len(a)
	case []int8:
		return len(a)
	case []uint16:
		return len(a)
	case []int16:
		return len(a)
	case []uint32:
		return len(a)
	case []int32:
		return len(a)
	case []float32:
		return len(a)
	case []bool:
		return len(a)
	case []string:
		return len(a)
	case []uint64:
		return len(a)
	case []int64:
		return len(a)
	case []float64:
		return len(a)
	}
	return 0
}

// valueOf builds a Value from a Go value, reporting false for an
// unsupported Go type.
func valueOf(x any) (Value, bool) {
	switch x.(type) {
	case uint8:
		return Value{Type: ValueUint8, v: x}, true
	case int8:
		return Value{Type: ValueInt8, v: x}, true
	case uint16:
		return Value{Type: ValueUint16, v: x}, true
	case int16:
		return Value{Type: ValueInt16, v: x}, true
	case uint32:
		return Value{Type: ValueUint32, v: x}, true
	case int32:
		return Value{Type: ValueInt32, v: x}, true
	case float32:
		return Value{Type: ValueFloat32, v: x}, true
	case bool:
		return Value{Type: ValueBool, v: x}, true
	case string:
		return Value{Type: ValueString, v: x}, true
	case uint64:
		return Value{Type: ValueUint64, v: x}, true
	case int64:
		return Value{Type: ValueInt64, v: x}, true
	case float64:
		return Value{Type: ValueFloat64, v: x}, true
	case []uint8:
		return Value{Type: ValueArray, Elem: ValueUint8, v: x}, true
	case []int8:
		return Value{Type: ValueArray, Elem: ValueInt8, v: x}, true
	case []uint16:
		return Value{Type: ValueArray, Elem: ValueUint16, v: x}, true
	case []int16:
		return Value{Type: ValueArray, Elem: ValueInt16, v: x}, true
	case []uint32:
		return Value{Type: ValueArray, Elem: ValueUint32, v: x}, true
	case []int32:
		return Value{Type: ValueArray, Elem: ValueInt32, v: x}, true
	case []float32:
		return Value{Type: ValueArray, Elem: ValueFloat32, v: x}, true
	case []bool:
		return Value{Type: ValueArray, Elem: ValueBool, v: x}, true
	case []string:
		return Value{Type: ValueArray, Elem: ValueString, v: x}, true
	case []uint64:
		return Value{Type: ValueArray, Elem: ValueUint64, v: x}, true
	case []int64:
		return Value{Type: ValueArray, Elem: ValueInt64, v: x}, true
	case []float64:
		return Value{Type: ValueArray, Elem: ValueFloat64, v: x}, true
	}
	return Value{}, false
}

// asUint converts an integer scalar to uint64 if it is non-negative.
func asUint(x any) (uint64, bool) {
	switch n := x.(type) {
	case uint8:
		return uint64(n), true
	case uint16:
		return uint64(n), true
	case uint32:
		return uint64(n), true
	case uint64:
		return n, true
	case int8, int16, int32, int64:
		i, _ := asInt(x)
		if i >= 0 {
			return uint64(i), true
		}
	}
	return 0, false
}

// asInt converts an integer scalar to int64 if it fits.
func asInt(x any) (int64, bool) {
	switch n := x.(type) {
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8, uint16, uint32, uint64:
		u, _ := asUint(x)
		if u <= math.MaxInt64 {
			return int64(u), true
		}
	}
	return 0, false
}
