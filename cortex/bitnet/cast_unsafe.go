package bitnet

import "unsafe"

// u16s views b (little-endian float16 data) as []uint16 without copying.
func u16s(b []byte) []uint16 {
	if len(b) < 2 {
		return nil
	}
	// SAFETY: the data comes from a GGUF mapping whose tensors are aligned
	// to at least 32 bytes (rows of F16 tables to 2 bytes), amd64 and arm64
	// are little-endian, and the result covers only len(b)/2 elements of b.
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/2)
}

// f32s views b (little-endian float32 data) as []float32 without copying.
func f32s(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	// SAFETY: as u16s; GGUF tensors are aligned to at least 32 bytes.
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}
