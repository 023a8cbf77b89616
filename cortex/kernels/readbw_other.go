//go:build !amd64 || purego

package kernels

func readWide(b []byte) (uint64, int) { return 0, 0 }

func readWideName() string { return "go" }
