//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"math/bits"
	"time"

	"golang.org/x/sys/unix"
)

// Signal masks and pending sets. A signal set is a sigset_t as the kernel
// keeps it: bit N-1 stands for signal N. Each thread has its own blocked
// mask and its own pending set (tkill, tgkill, SIGPIPE, faults); signals
// sent to the process (kill, alarm, setitimer, timer_create) are pending on
// the process until a thread that does not block them takes one.
//
// A signal becomes deliverable to a thread when it is pending for it or
// for the process and not blocked by it. Deliverable signals run their
// handler on the thread's way back from a system call, or when the vCPU is
// kicked out of the guest (Interrupted). A thread blocked in a waiting call
// (pipe reads and writes, poll, select, epoll, nanosleep, pause,
// sigsuspend) is woken through thread.wake and the call returns EINTR; with
// SA_RESTART, reads and writes are restarted after the handler instead.

// sigBit is the bit of signal sig (1..64) in a sigset_t.
func sigBit(sig int) uint64 { return 1 << (sig - 1) }

// unblockable are SIGKILL and SIGSTOP, which no mask holds back.
const unblockable = 1<<(9-1) | 1<<(19-1)

// saRestart and saNodefer are sigaction flags from <asm/signal.h>.
const (
	saRestart = 0x10000000
	saNodefer = 0x40000000
)

// rt_sigprocmask's how, from <asm-generic/signal-defs.h>.
const (
	sigBlock   = 0
	sigUnblock = 1
	sigSetmask = 2
)

// defaultIgnored reports whether sig's default action is to ignore it.
func defaultIgnored(sig int) bool {
	switch unix.Signal(sig) {
	case unix.SIGURG, unix.SIGCHLD, unix.SIGWINCH, unix.SIGCONT:
		return true
	}
	return false
}

// action returns the installed action of sig.
func (p *Process) action(sig int) sigaction {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	return p.actions[sig]
}

// discarded reports whether sending sig has no effect: ignored explicitly
// or by default.
func discarded(sig int, act sigaction) bool {
	return act.handler == sigIGN || act.handler == sigDFL && defaultIgnored(sig)
}

// deliverable returns the signals pending for t (its own and the
// process's) that it does not block.
func (p *Process) deliverable(t *thread) uint64 {
	return (t.sigPending.Load() | p.procPending.Load()) &^ t.blocked.Load()
}

// takeSignal removes the lowest deliverable signal from t's or the
// process's pending set and returns it, or 0.
func (p *Process) takeSignal(t *thread, in uint64) int {
	for {
		set := (t.sigPending.Load() | p.procPending.Load()) & in
		if set == 0 {
			return 0
		}
		bit := set & -set
		if t.sigPending.And(^bit)&bit != 0 || p.procPending.And(^bit)&bit != 0 {
			return bits.TrailingZeros64(bit) + 1
		}
	}
}

// signalThread makes sig pending on t (tkill, tgkill, SIGPIPE) and wakes
// t. A signal whose default action kills and that t does not block ends
// the program at once (the returned error, from exitGroup). self is the
// sending thread, nil for a timer.
func (p *Process) signalThread(self, t *thread, sig int) error {
	act := p.action(sig)
	if discarded(sig, act) {
		return nil
	}
	if act.handler == sigDFL && t.blocked.Load()&sigBit(sig) == 0 {
		return p.exitGroup(0, sig)
	}
	t.sigPending.Or(sigBit(sig))
	p.notify(self, t, sig)
	return nil
}

// signalProcess makes sig pending on the process (kill, timers) and wakes
// one thread that can take it, the sender first.
func (p *Process) signalProcess(self *thread, sig int) error {
	act := p.action(sig)
	if discarded(sig, act) {
		return nil
	}
	target := self
	if target == nil || !target.accepts(sig) {
		target = nil
		p.mu.Lock()
		for _, t := range p.threads {
			if t.accepts(sig) && (target == nil || t.tid < target.tid) {
				target = t
			}
		}
		p.mu.Unlock()
	}
	if act.handler == sigDFL && target != nil && target.blocked.Load()&sigBit(sig) == 0 {
		return p.exitGroup(0, sig)
	}
	p.procPending.Or(sigBit(sig))
	if target != nil {
		p.notify(self, target, sig)
	}
	return nil
}

// accepts reports whether t would take sig now: it does not block it, or
// it waits for it in rt_sigtimedwait.
func (t *thread) accepts(sig int) bool {
	return t.blocked.Load()&sigBit(sig) == 0 || t.waitSet.Load()&sigBit(sig) != 0
}

// notify wakes t if it is blocked in a waiting call, and kicks its vCPU
// out of the guest if it is another thread than the sender.
func (p *Process) notify(self, t *thread, sig int) {
	if !t.accepts(sig) {
		return
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
	if t != self && t.cpu != nil {
		t.cpu.Interrupt()
	}
}

// waitResult says why block returned.
type waitResult int

const (
	waitReady   waitResult = iota // ch was closed
	waitTimeout                   // the deadline passed
	waitSignal                    // a signal is deliverable to the thread
	waitDone                      // the program is ending
)

// block waits until ch is closed, deadline fires, a signal t does not
// block arrives, or the program ends. Either channel may be nil.
func (p *Process) block(t *thread, ch <-chan struct{}, deadline <-chan time.Time) waitResult {
	var wake chan struct{}
	if t != nil {
		wake = t.wake
	}
	for {
		if t != nil && p.deliverable(t) != 0 {
			return waitSignal
		}
		select {
		case <-ch:
			return waitReady
		case <-deadline:
			return waitTimeout
		case <-p.done:
			return waitDone
		case <-wake:
		}
	}
}

// waitErrno is the result of a waiting call that did not get what it
// waited for: EINTR for a signal or the end of the program.
func waitErrno(r waitResult) uint64 {
	if r == waitTimeout {
		return errno(unix.ETIMEDOUT)
	}
	return errno(unix.EINTR)
}

// readSigset reads a sigset_t of size bytes (which must be 8) at va.
func (p *Process) readSigset(va, size uint64) (uint64, uint64) {
	if size != 8 {
		return 0, errno(unix.EINVAL)
	}
	var b [8]byte
	if err := p.as.CopyIn(va, b[:]); err != nil {
		return 0, fault(err)
	}
	return binary.LittleEndian.Uint64(b[:]), 0
}

func (p *Process) rtSigprocmask(t *thread, how int, set, old, size uint64) uint64 {
	if size != 8 {
		return errno(unix.EINVAL)
	}
	prev := t.blocked.Load()
	if set != 0 {
		m, e := p.readSigset(set, size)
		if e != 0 {
			return e
		}
		switch how {
		case sigBlock:
			m |= prev
		case sigUnblock:
			m = prev &^ m
		case sigSetmask:
		default:
			return errno(unix.EINVAL)
		}
		t.blocked.Store(m &^ unblockable)
	}
	if old != 0 {
		if err := p.put64(old, prev); err != nil {
			return fault(err)
		}
	}
	return 0
}

// setTempMask installs mask for the length of one waiting call (ppoll,
// pselect6, epoll_pwait, rt_sigsuspend): the thread's mask is put back on
// the way out of the call, or by rt_sigreturn from the handler the call
// was interrupted for (the signal frame saves the mask from before).
func (p *Process) setTempMask(t *thread, maskVA, size uint64) uint64 {
	m, e := p.readSigset(maskVA, size)
	if e != 0 {
		return e
	}
	if !t.restoreMask {
		t.savedMask, t.restoreMask = t.blocked.Load(), true
	}
	t.blocked.Store(m &^ unblockable)
	return 0
}

// sigsuspend waits for a signal with mask installed.
func (p *Process) sigsuspend(t *thread, maskVA, size uint64) uint64 {
	if e := p.setTempMask(t, maskVA, size); e != 0 {
		return e
	}
	p.block(t, nil, nil)
	return errno(unix.EINTR)
}

func (p *Process) rtSigpending(t *thread, va, size uint64) uint64 {
	if size > 8 {
		return errno(unix.EINVAL)
	}
	set := (t.sigPending.Load() | p.procPending.Load()) & t.blocked.Load()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], set)
	if err := p.as.CopyOut(va, b[:size]); err != nil {
		return fault(err)
	}
	return 0
}

// rtSigtimedwait takes a pending signal of set (normally blocked), waiting
// up to the timeout for one.
func (p *Process) rtSigtimedwait(t *thread, setVA, info, timeout, size uint64) uint64 {
	set, e := p.readSigset(setVA, size)
	if e != 0 {
		return e
	}
	set &^= unblockable
	var deadline <-chan time.Time
	if timeout != 0 {
		d, e, ok := p.timespecIn(timeout)
		if !ok {
			return e
		}
		tm := time.NewTimer(d)
		defer tm.Stop()
		deadline = tm.C
	}
	t.waitSet.Store(set)
	defer t.waitSet.Store(0)
	for {
		if sig := p.takeSignal(t, set); sig != 0 {
			if info != 0 {
				var b [infoSize]byte
				binary.LittleEndian.PutUint32(b[0:], uint32(sig))
				binary.LittleEndian.PutUint32(b[8:], 0xfffffffa) // SI_TKILL
				binary.LittleEndian.PutUint32(b[16:], pid)
				binary.LittleEndian.PutUint32(b[20:], 1000)
				if err := p.as.CopyOut(info, b[:]); err != nil {
					return fault(err)
				}
			}
			return uint64(sig)
		}
		// Wait for the next signal: one sent to t or taken for t wakes it.
		if p.deliverable(t) != 0 {
			return errno(unix.EINTR)
		}
		select {
		case <-t.wake:
		case <-deadline:
			return errno(unix.EAGAIN)
		case <-p.done:
			return errno(unix.EINTR)
		}
	}
}
