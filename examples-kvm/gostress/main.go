// Command gostress works the Go runtime hard inside a tier-2 microVM:
// hundreds of goroutines passing messages over channels, enough
// allocation for many garbage collections, timers and tickers, mutexes
// and a parallel sort. Its output is deterministic; the work is not.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

func main() {
	debug.SetGCPercent(20) // collect often
	start := time.Now()

	// A ring of goroutines passing a token around: each one takes it laps
	// times and adds one; the last hand-off lands in chans[0]'s buffer.
	const ring, laps = 200, 20
	chans := make([]chan int, ring)
	for i := range chans {
		chans[i] = make(chan int)
	}
	chans[0] = make(chan int, 1)
	var wg sync.WaitGroup
	for i := 0; i < ring; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range laps {
				v := <-chans[i]
				chans[(i+1)%ring] <- v + 1
			}
		}()
	}
	chans[0] <- 0
	wg.Wait()
	fmt.Println("ring: token moved", <-chans[0], "times")

	// Garbage: allocate and drop 64 MiB in small pieces on 8 goroutines.
	var mu sync.Mutex
	total := 0
	var gw sync.WaitGroup
	for g := 0; g < 8; g++ {
		gw.Add(1)
		go func() {
			defer gw.Done()
			keep := make([][]byte, 0, 64)
			n := 0
			for i := 0; i < 8<<10; i++ {
				b := make([]byte, 1024)
				b[0] = byte(i)
				n += int(b[0])
				if len(keep) < cap(keep) {
					keep = append(keep, b)
				} else {
					keep[i%64] = b
				}
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	gw.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("garbage: sum", total, "several GCs:", ms.NumGC >= 3)

	// Timers: a ticker and sleeps must take at least their time.
	t0 := time.Now()
	tk := time.NewTicker(2 * time.Millisecond)
	for i := 0; i < 10; i++ {
		<-tk.C
	}
	tk.Stop()
	time.Sleep(5 * time.Millisecond)
	fmt.Println("timers: at least 25ms:", time.Since(t0) >= 25*time.Millisecond)

	// A parallel sort of 256K numbers.
	xs := make([]int, 1<<18)
	for i := range xs {
		xs[i] = (i * 7919) % (1 << 18)
	}
	var sw sync.WaitGroup
	parts := 4
	for p := 0; p < parts; p++ {
		sw.Add(1)
		go func() {
			defer sw.Done()
			slices.Sort(xs[p*len(xs)/parts : (p+1)*len(xs)/parts])
		}()
	}
	sw.Wait()
	slices.Sort(xs)
	fmt.Println("sort: sorted", slices.IsSorted(xs), "first", xs[0], "last", xs[len(xs)-1])
	if time.Since(start) > time.Minute {
		os.Exit(1)
	}
}
