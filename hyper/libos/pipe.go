//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"
)

// Pipes. A pipe is a buffer of 16 pages between a read end and a write
// end, each an open file that dup and dup2 may share among descriptors.
// It is kept as Linux keeps it (fs/pipe.c), so programs see the same
// capacities: a write first tops up the last page if the part of it
// that is not a whole number of pages fits there, then fills new pages,
// so writes of at most PIPE_BUF bytes are atomic. Reads block while the
// pipe is empty and a writer exists, and return 0 (end of file) once
// every write end is closed; writes block while all 16 pages are in use. A write with no read
// end left fails with EPIPE and sends SIGPIPE to the writing thread (which
// kills the program unless it handles or ignores SIGPIPE). With O_NONBLOCK
// both fail with EAGAIN instead of blocking. Blocked readers and writers
// are woken by the other end, by a signal (EINTR, or a restart with
// SA_RESTART) or by the end of the program.

// Pipe sizes from <linux/pipe_fs_i.h> and <limits.h>.
const (
	pipeSlots = 16       // pages in a pipe (PIPE_DEF_BUFFERS)
	pipePage  = 4096     // bytes per page
	pipeCap   = 64 << 10 // F_GETPIPE_SZ
	pipeBuf   = pipePage // PIPE_BUF: writes up to this size are atomic
)

// pipe is the buffer shared by the two ends. It is safe for concurrent
// use.
type pipe struct {
	mu sync.Mutex
	// pages hold the bytes written and not yet read, at most pipeSlots
	// of at most pipePage bytes each; guarded by mu.
	pages [][]byte
	// readers and writers count the open files of each end; guarded by
	// mu.
	readers, writers int
	// changed is closed (and replaced) whenever buf or an end changes;
	// gen counts those changes (epoll's edge trigger); guarded by mu.
	changed chan struct{}
	gen     uint64
}

// Preconditions: q.mu is held.
func (q *pipe) changedLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
	q.gen++
}

// release drops one open file of an end.
func (q *pipe) release(writeEnd bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if writeEnd {
		q.writers--
	} else {
		q.readers--
		if q.readers == 0 {
			q.pages = nil // nobody will read them
		}
	}
	q.changedLocked()
}

// events returns the poll(2) events of one end.
func (q *pipe) events(writeEnd bool) (ev uint32, gen uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if writeEnd {
		if q.readers == 0 {
			ev |= pollErr
		} else if len(q.pages) < pipeSlots {
			ev |= pollOut | pollWrnorm
		}
	} else {
		if len(q.pages) > 0 {
			ev |= pollIn | pollRdnorm
		}
		if q.writers == 0 {
			ev |= pollHup | pollRdhup
		}
	}
	return ev, q.gen
}

// pipe2 creates a pipe and stores its read and write descriptors at va.
func (t *fileTable) pipe2(p *Process, va uint64, flags uint64) uint64 {
	if flags&^(unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_DIRECT) != 0 {
		return errno(unix.EINVAL)
	}
	q := &pipe{readers: 1, writers: 1, changed: make(chan struct{})}
	status := uint32(flags & unix.O_NONBLOCK)
	r := &openFile{kind: kindPipe, name: "pipe:[r]", pipe: q}
	w := &openFile{kind: kindPipe, name: "pipe:[w]", pipe: q, writeEnd: true}
	r.status.Store(status | unix.O_RDONLY)
	w.status.Store(status | unix.O_WRONLY)
	return t.installPair(p, va, r, w, flags&unix.O_CLOEXEC != 0)
}

// installPair installs a and b at the lowest free descriptors and stores
// the two int32 descriptors at va (pipe2, socketpair); on any failure
// neither stays open.
func (t *fileTable) installPair(p *Process, va uint64, a, b *openFile, cloexec bool) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	afd := t.installLocked(a, 0, cloexec)
	if int64(afd) < 0 {
		return afd
	}
	bfd := t.installLocked(b, 0, cloexec)
	if int64(bfd) < 0 {
		t.closeLocked(int32(afd))
		return bfd
	}
	var out [8]byte
	binary.LittleEndian.PutUint32(out[0:], uint32(afd))
	binary.LittleEndian.PutUint32(out[4:], uint32(bfd))
	if err := p.as.CopyOut(va, out[:]); err != nil {
		t.closeLocked(int32(afd))
		t.closeLocked(int32(bfd))
		return fault(err)
	}
	return 0
}

// pipeRead reads up to n bytes from q into guest memory, as the read end
// of a pipe or the receiving side of a socket.
func (t *fileTable) pipeRead(p *Process, th *thread, q *pipe, nonblock bool, buf, n uint64) uint64 {
	if n == 0 {
		return 0
	}
	for {
		q.mu.Lock()
		if len(q.pages) > 0 {
			var done uint64
			for done < n && len(q.pages) > 0 {
				pg := q.pages[0]
				k := min(n-done, uint64(len(pg)))
				if err := p.as.CopyOut(buf+done, pg[:k]); err != nil {
					break
				}
				done += k
				if q.pages[0] = pg[k:]; len(q.pages[0]) == 0 {
					q.pages = q.pages[1:]
				}
			}
			if done > 0 {
				q.changedLocked()
			}
			q.mu.Unlock()
			if done == 0 {
				return errno(unix.EFAULT)
			}
			t.notify()
			return done
		}
		if q.writers == 0 {
			q.mu.Unlock()
			return 0
		}
		if nonblock {
			q.mu.Unlock()
			return errno(unix.EAGAIN)
		}
		ch := q.changed
		q.mu.Unlock()
		if r := p.block(th, ch, nil); r != waitReady {
			return waitErrno(r)
		}
	}
}

// pipeWrite writes b to q, as the write end of a pipe or the sending side
// of a socket, blocking while it is full (unless nonblock); it returns the
// count written or -errno. Without readers it fails with EPIPE and, if
// sigpipe is set, sends SIGPIPE to th.
func (t *fileTable) pipeWrite(p *Process, th *thread, q *pipe, nonblock, sigpipe bool, b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	written := 0
	q.mu.Lock()
	if chars := len(b) % pipePage; q.readers > 0 && chars != 0 && len(q.pages) > 0 {
		// The part that is not whole pages goes into the last page if it
		// fits there entirely.
		if last := q.pages[len(q.pages)-1]; cap(last)-len(last) >= chars {
			q.pages[len(q.pages)-1] = append(last, b[:chars]...)
			written = chars
			q.changedLocked()
		}
	}
	for {
		if q.readers == 0 {
			q.mu.Unlock()
			if th != nil && sigpipe {
				p.signalThread(th, th, int(unix.SIGPIPE))
			}
			if written > 0 {
				return uint64(written)
			}
			return errno(unix.EPIPE)
		}
		for written < len(b) && len(q.pages) < pipeSlots {
			k := min(pipePage, len(b)-written)
			pg := make([]byte, k, pipePage)
			copy(pg, b[written:])
			q.pages = append(q.pages, pg)
			written += k
			q.changedLocked()
		}
		if written == len(b) {
			q.mu.Unlock()
			t.notify()
			return uint64(written)
		}
		if nonblock {
			q.mu.Unlock()
			if written > 0 {
				t.notify()
				return uint64(written)
			}
			return errno(unix.EAGAIN)
		}
		ch := q.changed
		q.mu.Unlock()
		t.notify()
		if r := p.block(th, ch, nil); r != waitReady {
			if written > 0 {
				return uint64(written)
			}
			return waitErrno(r)
		}
		q.mu.Lock()
	}
}
