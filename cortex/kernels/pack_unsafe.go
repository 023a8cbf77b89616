package kernels

import "unsafe"

// asWords views b as little-endian 32-bit words (len(b)/4 of them), so
// packing moves 4 activations per load and store. It returns nil when b is
// not 4-byte aligned (a caller's subslice); callers then copy bytes.
func asWords(b []int8) []uint32 {
	p := unsafe.Pointer(unsafe.SliceData(b))
	if uintptr(p)%4 != 0 {
		return nil
	}
	// SAFETY: int8 and uint32 have no invalid bit patterns, p is 4-byte
	// aligned and the slice covers len(b)/4 whole words of b's array.
	return unsafe.Slice((*uint32)(p), len(b)/4)
}

// qsWords views the 256 codes of a Q8_K block as 64 words.
func qsWords(b *BlockQ8K) *[QK / 4]uint32 {
	// SAFETY: Qs starts at offset 4 of BlockQ8K, so it is 4-byte aligned
	// whenever the block is (float32 D is its first field).
	return (*[QK / 4]uint32)(unsafe.Pointer(&b.Qs))
}

// unsafeBlocks rebuilds the slice of nb blocks starting at y.
func unsafeBlocks(y *BlockQ8K, nb int) []BlockQ8K {
	// SAFETY: callers pass &ys[0] of a slice already checked to hold nb
	// blocks.
	return unsafe.Slice(y, nb)
}
