//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

//go:noescape
func readAVX512(p *byte, n int) uint64

//go:noescape
func readAVX2(p *byte, n int) uint64

func readWide(b []byte) (uint64, int) {
	n := len(b) &^ 255
	if n == 0 {
		return 0, 0
	}
	switch {
	case cpu.X86.HasAVX512F:
		return readAVX512(&b[0], n), n
	case cpu.X86.HasAVX2:
		return readAVX2(&b[0], n), n
	}
	return 0, 0
}

func readWideName() string {
	switch {
	case cpu.X86.HasAVX512F:
		return "avx512"
	case cpu.X86.HasAVX2:
		return "avx2"
	}
	return "go"
}
