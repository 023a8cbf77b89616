package shim

import (
	"io"
	"syscall"

	"golang.org/x/sys/unix"
)

// pending reports whether w is a FIFO that still has a reader and bytes
// that reader has not read.
func pending(w io.Writer) bool {
	sc, ok := w.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var unread bool
	if err := rc.Control(func(fd uintptr) {
		// TIOCINQ is FIONREAD: the bytes a pipe holds, asked of
		// either end.
		n, err := unix.IoctlGetInt(int(fd), unix.TIOCINQ)
		if err != nil || n == 0 {
			return
		}
		// POLLERR on a pipe's write end: it has no reader left, and what
		// it holds will never be read.
		p := []unix.PollFd{{Fd: int32(fd)}}
		if _, err := unix.Poll(p, 0); err == nil && p[0].Revents&unix.POLLERR == 0 {
			unread = true
		}
	}); err != nil {
		return false
	}
	return unread
}
