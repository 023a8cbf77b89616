//go:build linux

// Command cowcheck tests that VMs restored from one snapshot do not see
// each other's writes: before its first input (the snapshot point) it
// fills a heap buffer and a global with 'A'; then it reads one letter from
// stdin, overwrites both with it, waits so that other VMs run meanwhile,
// and reports what it finds.
package main

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

var global [64 << 10]byte

func main() {
	heap := make([]byte, 1<<20)
	for i := range heap {
		heap[i] = 'A'
	}
	for i := range global {
		global[i] = 'A'
	}
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if line == "" {
		fmt.Println("no input")
		os.Exit(2)
	}
	c := line[0]
	for round := 0; round < 5; round++ {
		for i := range heap {
			heap[i] = c
		}
		for i := range global {
			global[i] = c
		}
		time.Sleep(5 * time.Millisecond)
		for i := range heap {
			if heap[i] != c {
				fmt.Printf("heap[%d] = %q, want %q\n", i, heap[i], c)
				os.Exit(1)
			}
		}
		for i := range global {
			if global[i] != c {
				fmt.Printf("global[%d] = %q, want %q\n", i, global[i], c)
				os.Exit(1)
			}
		}
	}
	fmt.Printf("%c: %d bytes kept\n", c, len(heap)+len(global))
}
