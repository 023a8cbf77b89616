//go:build linux && amd64

package libos

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// futexTable holds the threads blocked in FUTEX_WAIT, by guest address
// (one address space per VM, so virtual addresses identify futexes).
type futexTable struct {
	mu sync.Mutex
	// waiters are the sleeping threads per address, oldest first; guarded
	// by mu.
	waiters map[uint64][]*futexWaiter
}

type futexWaiter struct {
	bitset uint32
	woken  chan struct{}
}

// wait blocks while *uaddr == val, until woken, d elapses (d < 0: no
// timeout), a signal t does not block arrives (EINTR; restarted after an
// SA_RESTART handler) or the program ends.
func (f *futexTable) wait(p *Process, t *thread, uaddr uint64, val, bitset uint32, d time.Duration) uint64 {
	w := &futexWaiter{bitset: bitset, woken: make(chan struct{})}
	f.mu.Lock()
	// The comparison and the enqueue happen under f.mu, and wakers take
	// f.mu, so a wake between the guest's store and this check is not lost.
	v, err := p.as.Load32(uaddr)
	if err != nil {
		f.mu.Unlock()
		return fault(err)
	}
	if v != val {
		f.mu.Unlock()
		return errno(unix.EAGAIN)
	}
	if f.waiters == nil {
		f.waiters = map[uint64][]*futexWaiter{}
	}
	f.waiters[uaddr] = append(f.waiters[uaddr], w)
	f.mu.Unlock()

	var timeout <-chan time.Time
	if d >= 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		timeout = tm.C
	}
	r := p.block(t, w.woken, timeout)
	if r == waitReady {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.remove(uaddr, w) {
		if r == waitTimeout {
			return errno(unix.ETIMEDOUT)
		}
		return errno(unix.EINTR)
	}
	return 0 // woken while timing out or interrupted
}

// remove takes w off uaddr's queue and reports whether it was there.
//
// Preconditions: f.mu is held.
func (f *futexTable) remove(uaddr uint64, w *futexWaiter) bool {
	q := f.waiters[uaddr]
	for i, x := range q {
		if x == w {
			q = append(q[:i:i], q[i+1:]...)
			if len(q) == 0 {
				delete(f.waiters, uaddr)
			} else {
				f.waiters[uaddr] = q
			}
			return true
		}
	}
	return false
}

// wake wakes up to n waiters on uaddr whose bitset intersects bitset.
func (f *futexTable) wake(uaddr uint64, n int, bitset uint32) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.waiters[uaddr]
	woken := 0
	rest := q[:0:0]
	for _, w := range q {
		if woken < n && w.bitset&bitset != 0 {
			close(w.woken)
			woken++
			continue
		}
		rest = append(rest, w)
	}
	if len(rest) == 0 {
		delete(f.waiters, uaddr)
	} else {
		f.waiters[uaddr] = rest
	}
	return woken
}

// requeue wakes up to n waiters on from and moves up to m others to to.
func (f *futexTable) requeue(from, to uint64, n, m int) int {
	woken := f.wake(from, n, ^uint32(0))
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.waiters[from]
	k := min(m, len(q))
	if k > 0 {
		f.waiters[to] = append(f.waiters[to], q[:k]...)
		if k == len(q) {
			delete(f.waiters, from)
		} else {
			f.waiters[from] = q[k:]
		}
	}
	return woken + k
}
