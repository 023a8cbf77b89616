//go:build !linux

package shim

import "io"

// pending reports whether w is a FIFO that still has a reader and bytes
// that reader has not read; only Linux tells (elsewhere a task's exit
// does not wait for its readers).
func pending(io.Writer) bool { return false }
