//go:build linux && amd64

package hyper

// rdtsc reads the host's time-stamp counter.
//
//go:noescape
func rdtsc() uint64
