// Command signals-go receives signals through os/signal: one sent to the
// process with kill, SIGALRMs from an interval timer, and a SIGPIPE from
// a pipe without readers; the output is the same natively and in a
// tier-2 microVM.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGUSR1, syscall.SIGALRM, syscall.SIGPIPE)

	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	fmt.Println("got", <-c)

	it := unix.Itimerval{Interval: unix.Timeval{Usec: 10000}, Value: unix.Timeval{Usec: 10000}}
	if _, err := unix.Setitimer(unix.ItimerReal, it); err != nil {
		fmt.Println("setitimer:", err)
		os.Exit(1)
	}
	for i := 0; i < 3; i++ {
		fmt.Println("got", <-c)
	}
	unix.Setitimer(unix.ItimerReal, unix.Itimerval{})
	time.Sleep(30 * time.Millisecond)
	for len(c) > 0 {
		<-c // SIGALRMs that raced the disarm
	}

	var p [2]int
	syscall.Pipe(p[:])
	syscall.Close(p[0])
	_, err := syscall.Write(p[1], []byte("x"))
	fmt.Println("write:", err)
	select {
	case s := <-c:
		fmt.Println("got", s)
	case <-time.After(5 * time.Second):
		fmt.Println("no SIGPIPE")
	}
	signal.Stop(c)
	signal.Ignore(syscall.SIGUSR1)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	fmt.Println("ignored SIGUSR1: still running")
}
