// Command pipes-go moves data through os.Pipe between goroutines. Go
// registers pipes with its network poller (epoll, edge-triggered), so
// this exercises blocking reads parked in the poller, EOF, a read
// deadline and EPIPE; the output is the same natively and in a tier-2
// microVM.
package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

func main() {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println("pipe:", err)
		os.Exit(1)
	}
	const total = 1 << 20
	go func() {
		buf := make([]byte, 3000)
		for sent := 0; sent < total; {
			n := min(len(buf), total-sent)
			for i := range n {
				buf[i] = byte((sent + i) % 253)
			}
			if _, err := w.Write(buf[:n]); err != nil {
				fmt.Println("write:", err)
				return
			}
			sent += n
		}
		w.Close()
	}()
	h := sha256.New()
	n, err := io.Copy(h, r)
	fmt.Printf("copied %d bytes, err %v, sha256 %x\n", n, err, h.Sum(nil)[:8])
	r.Close()

	r, w, _ = os.Pipe()
	start := time.Now() // before the deadline is set: a deadline that fires on time is >= 50ms after it
	r.SetReadDeadline(start.Add(50 * time.Millisecond))
	_, err = r.Read(make([]byte, 1))
	fmt.Printf("read with a deadline: %v, waited >= 50ms: %v\n", errors.Is(err, os.ErrDeadlineExceeded), time.Since(start) >= 50*time.Millisecond)
	go func() {
		time.Sleep(20 * time.Millisecond)
		w.Write([]byte("late"))
	}()
	r.SetReadDeadline(time.Time{})
	b := make([]byte, 10)
	k, err := r.Read(b)
	fmt.Printf("read after a wait: %q %v\n", b[:k], err)
	r.Close()
	_, err = w.Write([]byte("x"))
	fmt.Printf("write with the read end closed: EPIPE %v\n", errors.Is(err, syscall.EPIPE))
}
