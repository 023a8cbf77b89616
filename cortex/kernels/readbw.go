package kernels

import (
	"encoding/binary"
)

// ReadAll reads every byte of b with the widest vector loads the CPU has
// (AVX-512, else AVX2, else 64-bit loads) and returns their XOR folded to
// 64 bits, so the loads cannot be skipped. It is the inner loop of a
// memory read-bandwidth probe: weights streamed by the matrix-vector
// kernels can at best be read this fast.
func ReadAll(b []byte) uint64 {
	s, n := readWide(b)
	b = b[n:]
	for len(b) >= 8 {
		s ^= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for i, c := range b {
		s ^= uint64(c) << (8 * i)
	}
	return s
}

// ReadAllImpl names the loads ReadAll uses: "avx512", "avx2" or "go".
func ReadAllImpl() string { return readWideName() }
