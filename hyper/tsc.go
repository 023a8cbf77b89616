package hyper

import "math/bits"

// rdtsc reads the host's time-stamp counter.
//
//go:noescape
func rdtsc() uint64

// mul64 returns the 128-bit product of a and b.
func mul64(a, b uint64) (hi, lo uint64) { return bits.Mul64(a, b) }
