//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"math/bits"
	"sort"
	"time"

	"golang.org/x/sys/unix"
)

// Readiness: poll, ppoll, select, pselect6 and epoll_wait look at every
// file they are asked about, and, when none is ready, wait for the file
// table's ready channel (closed whenever an eventfd or a pipe changes),
// their timeout, a signal (EINTR) or the end of the program.

// poll(2) and epoll(7) event bits (the same values in both).
const (
	pollIn      = 0x1
	pollPri     = 0x2
	pollOut     = 0x4
	pollErr     = 0x8
	pollHup     = 0x10
	pollNval    = 0x20
	pollRdnorm  = 0x40
	pollWrnorm  = 0x100
	pollRdhup   = 0x2000
	epollOnce   = 1 << 30
	epollET     = 1 << 31
	alwaysPoll  = pollErr | pollHup // reported whether asked for or not
	maxPollFDs  = maxFDs
	maxSelectFD = 1024
)

// pollEvents returns the events f is ready for, and a count that changes
// whenever its state does (for epoll's edge trigger).
//
// Preconditions: t.mu is held.
func (t *fileTable) pollEvents(f *openFile) (uint32, uint64) {
	switch f.kind {
	case kindEventfd:
		ev := uint32(pollOut | pollWrnorm)
		if f.counter > 0 {
			ev |= pollIn | pollRdnorm
		}
		return ev, f.gen
	case kindPipe:
		return f.pipe.events(f.writeEnd)
	case kindSocket:
		if s := f.sock.Load(); s != nil {
			return s.events()
		}
		return t.net.events(f)
	case kindStdin:
		return pollIn | pollRdnorm, 0
	case kindStdout, kindStderr:
		return pollOut | pollWrnorm, 0
	case kindEpoll:
		return 0, 0
	}
	return pollIn | pollRdnorm | pollOut | pollWrnorm, 0 // files are always ready
}

// pollTimeoutMs turns a millisecond timeout into a duration (< 0: none).
func pollTimeoutMs(ms int64) time.Duration {
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// waitReadyLoop runs scan until it reports something ready or the timeout
// (d < 0: none, 0: scan once) passes; it returns scan's count, 0 on a
// timeout, or -EINTR.
func (p *Process) waitReadyLoop(th *thread, d time.Duration, scan func() (int, chan struct{}, uint64)) uint64 {
	var deadline <-chan time.Time
	if d > 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		deadline = tm.C
	}
	for {
		n, ch, e := scan()
		if e != 0 {
			return e
		}
		if n > 0 || d == 0 {
			return uint64(n)
		}
		switch p.block(th, ch, deadline) {
		case waitTimeout:
			return 0
		case waitSignal, waitDone:
			return errno(unix.EINTR)
		}
	}
}

func (p *Process) poll(th *thread, fdsVA, nfds uint64, d time.Duration) uint64 {
	if nfds > maxPollFDs {
		return errno(unix.EINVAL)
	}
	b := make([]byte, 8*nfds)
	if err := p.as.CopyIn(fdsVA, b); err != nil {
		return fault(err)
	}
	t := p.files
	le := binary.LittleEndian
	r := p.waitReadyLoop(th, d, func() (int, chan struct{}, uint64) {
		t.mu.Lock()
		defer t.mu.Unlock()
		n := 0
		for i := range int(nfds) {
			e := b[8*i:]
			fd, want := int32(le.Uint32(e)), uint32(le.Uint16(e[4:]))
			var got uint32
			if fd >= 0 {
				if f := t.fds[fd]; f == nil {
					got = pollNval
				} else {
					ev, _ := t.pollEvents(f)
					got = ev & (want | alwaysPoll)
				}
			}
			le.PutUint16(e[6:], uint16(got))
			if got != 0 {
				n++
			}
		}
		return n, t.ready, 0
	})
	if int64(r) < 0 {
		return r
	}
	if err := p.as.CopyOut(fdsVA, b); err != nil {
		return fault(err)
	}
	return r
}

func (p *Process) ppoll(th *thread, fdsVA, nfds, tsVA, maskVA, size uint64) uint64 {
	d := time.Duration(-1)
	if tsVA != 0 {
		var e uint64
		var ok bool
		if d, e, ok = p.timespecIn(tsVA); !ok {
			return e
		}
	}
	if maskVA != 0 {
		if e := p.setTempMask(th, maskVA, size); e != 0 {
			return e
		}
	}
	return p.poll(th, fdsVA, nfds, d)
}

// selectCall serves select (a struct timeval timeout) and pselect6 (a
// struct timespec and a signal mask). The fd_sets hold nfds bits each.
func (p *Process) selectCall(th *thread, nfds int, sets [3]uint64, tVA uint64, pselect bool, maskArg uint64) uint64 {
	if nfds < 0 || nfds > maxSelectFD {
		return errno(unix.EINVAL)
	}
	d := time.Duration(-1)
	if tVA != 0 {
		var e uint64
		if pselect {
			var ok bool
			if d, e, ok = p.timespecIn(tVA); !ok {
				return e
			}
		} else if d, e = p.timevalIn(tVA); e != 0 {
			return e
		}
	}
	if pselect && maskArg != 0 {
		var b [16]byte
		if err := p.as.CopyIn(maskArg, b[:]); err != nil {
			return fault(err)
		}
		if mask := binary.LittleEndian.Uint64(b[:]); mask != 0 {
			if e := p.setTempMask(th, mask, binary.LittleEndian.Uint64(b[8:])); e != 0 {
				return e
			}
		}
	}
	words := (nfds + 63) / 64
	var in, out [3][]uint64
	for i, va := range sets {
		if va == 0 {
			continue
		}
		b := make([]byte, 8*words)
		if err := p.as.CopyIn(va, b); err != nil {
			return fault(err)
		}
		in[i], out[i] = make([]uint64, words), make([]uint64, words)
		for w := range words {
			in[i][w] = binary.LittleEndian.Uint64(b[8*w:])
		}
		if rest := nfds % 64; rest != 0 {
			in[i][words-1] &= 1<<rest - 1
		}
	}
	start := time.Now()
	t := p.files
	r := p.waitReadyLoop(th, d, func() (int, chan struct{}, uint64) {
		t.mu.Lock()
		defer t.mu.Unlock()
		n := 0
		for w := range words {
			any := uint64(0)
			for i := range in {
				if in[i] != nil {
					any |= in[i][w]
					out[i][w] = 0
				}
			}
			for any != 0 {
				bit := any & -any
				any &^= bit
				fd := int32(w*64 + bits.TrailingZeros64(bit))
				f := t.fds[fd]
				if f == nil {
					return 0, nil, errno(unix.EBADF)
				}
				ev, _ := t.pollEvents(f)
				for i, mask := range [3]uint32{pollIn | pollHup | pollErr, pollOut | pollErr, pollPri} {
					if in[i] != nil && in[i][w]&bit != 0 && ev&mask != 0 {
						out[i][w] |= bit
						n++
					}
				}
			}
		}
		return n, t.ready, 0
	})
	if int64(r) < 0 {
		return r
	}
	for i, va := range sets {
		if va == 0 {
			continue
		}
		b := make([]byte, 8*words)
		for w := range words {
			binary.LittleEndian.PutUint64(b[8*w:], out[i][w])
		}
		if err := p.as.CopyOut(va, b); err != nil {
			return fault(err)
		}
	}
	if tVA != 0 && d > 0 {
		// Linux writes back the time left.
		left := max(d-time.Since(start), 0)
		var b [16]byte
		if pselect {
			timespecBytes(b[:], left)
		} else {
			timevalBytes(b[:], left)
		}
		p.as.CopyOut(tVA, b[:])
	}
	return r
}

// epollWait reports the ready files of an epoll instance, level-triggered,
// or once per change with EPOLLET, and disables EPOLLONESHOT interests once
// reported.
func (p *Process) epollWait(th *thread, epfd int32, evs uint64, maxEvents int, d time.Duration) uint64 {
	t := p.files
	ep := t.get(epfd)
	if ep == nil {
		return errno(unix.EBADF)
	}
	if ep.kind != kindEpoll || maxEvents <= 0 || maxEvents > maxEpollEvs {
		return errno(unix.EINVAL)
	}
	var out []byte
	r := p.waitReadyLoop(th, d, func() (int, chan struct{}, uint64) {
		t.mu.Lock()
		defer t.mu.Unlock()
		out = out[:0]
		fds := make([]int32, 0, len(ep.interest))
		for fd := range ep.interest {
			fds = append(fds, fd)
		}
		sort.Slice(fds, func(i, j int) bool { return fds[i] < fds[j] })
		for _, fd := range fds {
			if len(out)/12 >= maxEvents {
				break
			}
			in := ep.interest[fd]
			f := t.fds[fd]
			if f == nil {
				continue
			}
			ev, gen := t.pollEvents(f)
			ev &= in.events | alwaysPoll
			if in.events&^(epollET|epollOnce) == 0 && in.events&epollOnce != 0 {
				ev = 0 // a one-shot interest already reported
			}
			if ev == 0 || in.events&epollET != 0 && gen == in.seen {
				continue
			}
			in.seen = gen
			if in.events&epollOnce != 0 {
				in.events &= epollET | epollOnce
			}
			ep.interest[fd] = in
			var b [12]byte
			binary.LittleEndian.PutUint32(b[0:], ev)
			binary.LittleEndian.PutUint64(b[4:], in.data)
			out = append(out, b[:]...)
		}
		return len(out) / 12, t.ready, 0
	})
	if int64(r) <= 0 {
		return r
	}
	if err := p.as.CopyOut(evs, out); err != nil {
		return fault(err)
	}
	return r
}
