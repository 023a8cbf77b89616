//go:build !amd64 || purego

package bitnet

func cpuRelax() {}
