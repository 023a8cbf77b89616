// Command gospin needs asynchronous preemption: a goroutine spins in a
// loop with no function calls while main asks for a garbage collection,
// whose stop-the-world phase must interrupt the spinner (Go does that with
// SIGURG). Without preemption the program never finishes.
package main

import (
	"fmt"
	"runtime"
	"time"
)

var sink int

func main() {
	for i := 0; i < 2; i++ {
		go func() {
			x := 0
			for {
				x++
				if x == -1 {
					sink = x
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	runtime.GC()
	fmt.Println("collected while two goroutines spin")
}
