//go:build linux

// Command hello-go is the Go tier-2 example: goroutines that each hold an
// OS thread (so the library OS must run several vCPUs), a timer, a heap of
// a few MiB and an optional file read from the image's file tree.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

func main() {
	fmt.Println("hello from Go in a NexusOS microVM")
	if len(os.Args) > 1 && os.Args[1] == "-quick" {
		return // start-up benchmarks: the runtime's own start, nothing else
	}
	const workers = 4
	var wg sync.WaitGroup
	tids := make([]int, workers)
	sums := make([]int, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Never unlocked: the thread exits with the goroutine.
			runtime.LockOSThread()
			tids[i] = syscall.Gettid()
			s := 0
			for j := range 1_000_000 * (i + 1) {
				s += j % 7
			}
			sums[i] = s
			time.Sleep(5 * time.Millisecond)
		}()
	}
	wg.Wait()
	distinct := map[int]bool{}
	for _, t := range tids {
		distinct[t] = true
	}
	fmt.Println("sums:", sums)
	fmt.Println("goroutines ran on more than one thread:", len(distinct) > 1)
	buf := make([][]byte, 0, 64)
	for range 64 {
		buf = append(buf, make([]byte, 64<<10))
	}
	fmt.Println("allocated", len(buf)*64, "KiB")
	if len(os.Args) > 1 {
		b, err := os.ReadFile(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "read:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: %q\n", os.Args[1], b)
	}
}
