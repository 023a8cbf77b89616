// Package accesstest helps test path confinement (package access): it
// swaps a symbolic link between a file inside an allowed folder and one
// outside it while requests run, the race a check-then-open loses.
//
// SwapLink is safe to call from one test at a time per link.
package accesstest

import (
	"os"
	"sync"
	"testing"
)

// SwapLink points link at inside, then runs request n times while a
// goroutine re-points link at outside and back to inside as fast as it
// can, each time by an atomic rename of a fresh link over it (so link
// always exists). When it returns, link points at inside again.
func SwapLink(t testing.TB, link, inside, outside string, n int, request func()) {
	t.Helper()
	tmp := link + ".swap"
	point := func(target string) bool {
		os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			t.Error(err)
			return false
		}
		if err := os.Rename(tmp, link); err != nil {
			t.Error(err)
			return false
		}
		return true
	}
	if !point(inside) {
		return
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Stopped and waited for even when request ends the test (FailNow).
	defer wg.Wait()
	defer close(stop)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				point(inside)
				return
			default:
			}
			target := inside
			if i%2 == 0 {
				target = outside
			}
			if !point(target) {
				return
			}
		}
	}()
	for range n {
		request()
	}
}
