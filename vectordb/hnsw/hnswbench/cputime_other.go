//go:build !linux

package hnswbench

import "time"

var procStart = time.Now()

// threadCPU falls back to wall time where thread CPU time is unavailable.
func threadCPU() time.Duration { return time.Since(procStart) }

// processCPU falls back to wall time.
func processCPU() time.Duration { return time.Since(procStart) }
