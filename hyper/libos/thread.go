//go:build linux && amd64

package libos

import (
	"context"
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/hyper"
)

// clone flags from <linux/sched.h>.
const (
	cloneVM            = 0x100
	cloneThread        = 0x10000
	cloneSetTLS        = 0x80000
	cloneParentSetTID  = 0x100000
	cloneChildClearTID = 0x200000
	cloneChildSetTID   = 0x1000000
	cloneVFork         = 0x4000
)

// clone starts a thread on a new vCPU. Only threads (CLONE_VM and
// CLONE_THREAD) are supported: a new process would need a second address
// space, which a microVM does not have, so fork-like calls get ENOSYS.
func (p *Process) clone(ctx context.Context, c *hyper.CPU, flags, stack, ptid, ctid, tls uint64) uint64 {
	if flags&(cloneVM|cloneThread) != cloneVM|cloneThread || flags&cloneVFork != 0 {
		return errno(unix.ENOSYS)
	}
	p.mu.Lock()
	live := len(p.threads)
	p.mu.Unlock()
	if live >= p.cfg.maxThreads {
		return errno(unix.EAGAIN)
	}
	fs := tls
	if flags&cloneSetTLS != 0 && tls >= hyper.UserMax {
		return errno(unix.EPERM)
	}
	if flags&cloneSetTLS == 0 {
		var err error
		if fs, err = c.FSBase(); err != nil {
			return errno(unix.EAGAIN)
		}
	}
	child, err := p.m.NewCPU()
	if err != nil {
		p.log.Debug("libos: clone: new vCPU", "err", err)
		return errno(unix.EAGAIN)
	}
	if err := child.SetFSBase(fs); err != nil {
		return errno(unix.EINVAL)
	}
	t := p.newThread()
	t.cpu = child
	t.blocked.Store(c.Data.(*thread).blocked.Load()) // inherited, as on Linux
	child.Data = t
	child.Regs = c.Regs
	child.Regs.RAX = 0
	child.Regs.RIP = c.Regs.RCX
	child.Regs.RFLAGS = hyper.UserRFLAGS(c.Regs.R11)
	if stack != 0 {
		child.Regs.RSP = stack
	}
	var tid [4]byte
	binary.LittleEndian.PutUint32(tid[:], uint32(t.tid))
	if flags&cloneParentSetTID != 0 {
		if err := p.as.CopyOut(ptid, tid[:]); err != nil {
			p.dropThread(t)
			return fault(err)
		}
	}
	if flags&cloneChildSetTID != 0 {
		if err := p.as.CopyOut(ctid, tid[:]); err != nil {
			p.dropThread(t)
			return fault(err)
		}
	}
	if flags&cloneChildClearTID != 0 {
		t.clearTID = ctid
	}
	p.m.Go(ctx, child, p, func(err error) { p.threadDone(t, err) })
	return uint64(t.tid)
}

func (p *Process) dropThread(t *thread) (last bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.threads, t.tid)
	return len(p.threads) == 0
}

// exitThread ends the calling thread; the last one ends the program.
// threadDone clears and wakes its CLONE_CHILD_CLEARTID word afterwards.
func (p *Process) exitThread(t *thread, code int) error {
	if p.dropThread(t) {
		return p.exitGroup(code, 0)
	}
	return hyper.ErrThreadExit
}

// futex operations from <linux/futex.h>.
const (
	futexWait          = 0
	futexWake          = 1
	futexRequeue       = 3
	futexCmpRequeue    = 4
	futexWaitBitset    = 9
	futexWakeBitset    = 10
	futexPrivate       = 128
	futexClockRealtime = 256
)

func (p *Process) futexCall(t *thread, uaddr uint64, op int, val uint32, timeout, uaddr2 uint64, val3 uint32) uint64 {
	cmd := op &^ (futexPrivate | futexClockRealtime)
	switch cmd {
	case futexWait, futexWaitBitset:
		bitset := ^uint32(0)
		if cmd == futexWaitBitset {
			if val3 == 0 {
				return errno(unix.EINVAL)
			}
			bitset = val3
		}
		var d time.Duration = -1
		if timeout != 0 {
			at, e, ok := p.timespecIn(timeout)
			if !ok {
				return e
			}
			if cmd == futexWaitBitset { // absolute
				clock := unix.CLOCK_MONOTONIC
				if op&futexClockRealtime != 0 {
					clock = unix.CLOCK_REALTIME
				}
				now, _ := p.clock(clock)
				at -= now
				if at < 0 {
					at = 0
				}
			}
			d = at
		}
		return p.futex.wait(p, t, uaddr, val, bitset, d)
	case futexWake, futexWakeBitset:
		bitset := ^uint32(0)
		if cmd == futexWakeBitset {
			if val3 == 0 {
				return errno(unix.EINVAL)
			}
			bitset = val3
		}
		if uaddr&3 != 0 {
			return errno(unix.EINVAL)
		}
		return uint64(p.futex.wake(uaddr, int(min(val, 1<<30)), bitset))
	case futexRequeue, futexCmpRequeue:
		if cmd == futexCmpRequeue {
			v, err := p.as.Load32(uaddr)
			if err != nil {
				return fault(err)
			}
			if v != val3 {
				return errno(unix.EAGAIN)
			}
		}
		return uint64(p.futex.requeue(uaddr, uaddr2, int(min(val, 1<<30)), int(min(timeout, 1<<30))))
	}
	return errno(unix.ENOSYS)
}
