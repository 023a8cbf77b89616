//go:build linux

// Command timecheck reads the clocks before its first input (the snapshot
// point) and after it: restored from a snapshot, its monotonic clock must
// continue from the snapshot (never back, no jump over the time between
// snapshot and restore) and its real-time clock must be the host's.
package main

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

func main() {
	before := time.Now()
	bufio.NewReader(os.Stdin).ReadString('\n')
	time.Sleep(10 * time.Millisecond)
	after := time.Now()
	d := after.Sub(before) // monotonic
	fmt.Printf("monotonic advanced 10ms..1s: %v\n", d >= 10*time.Millisecond && d < time.Second)
	fmt.Printf("realtime %d\n", after.Unix())
}
