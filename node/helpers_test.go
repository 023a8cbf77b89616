package node

import (
	"runtime"
	"strconv"
	"time"
)

// waitABit yields between status polls; the tests assert on states, never
// on how long they took.
func waitABit() {
	runtime.Gosched()
	time.Sleep(10 * time.Millisecond)
}

func itoa(n int) string { return strconv.Itoa(n) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
