//go:build amd64 && !purego

package bitnet

// cpuRelax is a PAUSE instruction: a spin-wait hint that yields the core's
// pipeline for a few dozen cycles.
func cpuRelax()
