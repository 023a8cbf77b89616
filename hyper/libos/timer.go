//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Timers: ITIMER_REAL (alarm, setitimer, getitimer) sends SIGALRM to the
// process; POSIX timers (timer_create) send their signal to the process or,
// with SIGEV_THREAD_ID, to one thread. Both run on host timers and raise
// the signal through signalProcess/signalThread, so blocked signals stay
// pending and waiting calls are interrupted. Timers count real time, also
// on the CPU-time clocks; ITIMER_VIRTUAL and ITIMER_PROF are not kept
// (EINVAL).

// maxTimers bounds the POSIX timers of one program.
const maxTimers = 256

// minInterval is the shortest period of a periodic timer: shorter ones are
// rounded up, so a program cannot keep host goroutines busy firing
// expiries (it still gets the overrun count).
const minInterval = 100 * time.Microsecond

// sigevent notify values from <asm-generic/siginfo.h>.
const (
	sigevSignal   = 0
	sigevNone     = 1
	sigevThread   = 2
	sigevThreadID = 4
)

// timers holds a program's timers. It is safe for concurrent use.
type timers struct {
	mu sync.Mutex
	// stopped is set when the program has ended: no timer fires after it;
	// guarded by mu, as are real, posix and nextID.
	stopped bool
	real    itimer
	posix   map[int32]*itimer
	nextID  int32
}

// itimer is one timer. Its fields are guarded by timers.mu.
type itimer struct {
	clock    int
	sig      int
	notify   int
	target   *thread // SIGEV_THREAD_ID; nil sends to the process
	tm       *time.Timer
	deadline time.Time // host time of the next expiry; zero when disarmed
	interval time.Duration
	overrun  int
	gen      uint64 // bumped at each arm, so a stale expiry is ignored
}

// stop disarms every timer for good; finish calls it when the program
// ends. (A signal being sent by an expiry at that moment is harmless: a
// vCPU whose Run has returned is not interrupted.)
func (ts *timers) stop() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.stopped = true
	ts.real.disarm()
	for _, it := range ts.posix {
		it.disarm()
	}
}

// Preconditions: timers.mu is held.
func (it *itimer) disarm() {
	if it.tm != nil {
		it.tm.Stop()
		it.tm = nil
	}
	it.deadline = time.Time{}
	it.gen++
}

// arm sets the timer to expire after d (disarmed when d <= 0), then every
// interval.
//
// Preconditions: p.timers.mu is held.
func (p *Process) arm(it *itimer, d, interval time.Duration) {
	it.disarm()
	it.interval = 0
	if interval > 0 {
		it.interval = max(interval, minInterval)
	}
	it.overrun = 0
	if d <= 0 || p.timers.stopped {
		return
	}
	it.deadline = time.Now().Add(d)
	gen := it.gen
	it.tm = time.AfterFunc(d, func() { p.expire(it, gen) })
}

// left returns the time until it expires (0 when disarmed).
//
// Preconditions: p.timers.mu is held.
func (it *itimer) left() time.Duration {
	if it.deadline.IsZero() {
		return 0
	}
	return max(time.Until(it.deadline), time.Nanosecond)
}

// expire runs on a host timer goroutine: it sends the timer's signal and
// re-arms a periodic timer, counting expiries missed (overruns). The
// signal is sent without timers.mu held (finish stops the timers and may
// be reached from sending it).
func (p *Process) expire(it *itimer, gen uint64) {
	ts := &p.timers
	ts.mu.Lock()
	if ts.stopped || it.gen != gen || it.deadline.IsZero() {
		ts.mu.Unlock()
		return
	}
	if it.interval > 0 {
		now := time.Now()
		next := it.deadline.Add(it.interval)
		if late := now.Sub(next); late >= 0 {
			n := late/it.interval + 1
			it.overrun = int(min(n, 1<<30))
			next = next.Add(n * it.interval)
		} else {
			it.overrun = 0
		}
		it.deadline = next
		it.tm = time.AfterFunc(next.Sub(now), func() { p.expire(it, gen) })
	} else {
		it.deadline, it.tm = time.Time{}, nil
	}
	notify, target, sig := it.notify, it.target, it.sig
	ts.mu.Unlock()
	switch {
	case notify == sigevNone:
	case target != nil:
		p.signalThread(nil, target, sig)
	default:
		p.signalProcess(nil, sig)
	}
}

// timevalIn reads a struct timeval.
func (p *Process) timevalIn(va uint64) (time.Duration, uint64) {
	var b [16]byte
	if err := p.as.CopyIn(va, b[:]); err != nil {
		return 0, fault(err)
	}
	sec, usec := int64(binary.LittleEndian.Uint64(b[0:])), int64(binary.LittleEndian.Uint64(b[8:]))
	if sec < 0 || usec < 0 || usec >= 1e6 {
		return 0, errno(unix.EINVAL)
	}
	sec = min(sec, maxTimeoutSec)
	return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond, 0
}

// maxTimeoutSec bounds times read from the guest (100 years).
const maxTimeoutSec = int64(100 * 365 * 24 * time.Hour / time.Second)

func timevalBytes(b []byte, d time.Duration) {
	binary.LittleEndian.PutUint64(b[0:], uint64(d/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second/time.Microsecond))
}

func timespecBytes(b []byte, d time.Duration) {
	binary.LittleEndian.PutUint64(b[0:], uint64(d/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second))
}

func (p *Process) realTimer() *itimer {
	it := &p.timers.real
	it.sig, it.notify, it.clock = int(unix.SIGALRM), sigevSignal, unix.CLOCK_REALTIME
	return it
}

// alarm arms ITIMER_REAL for secs seconds and returns the seconds the
// previous alarm had left (rounded as Linux does).
func (p *Process) alarm(t *thread, secs uint64) uint64 {
	ts := &p.timers
	ts.mu.Lock()
	defer ts.mu.Unlock()
	it := p.realTimer()
	left := it.left()
	p.arm(it, time.Duration(uint32(secs))*time.Second, 0)
	if left == 0 {
		return 0
	}
	s := uint64(left / time.Second)
	if left%time.Second >= 500*time.Millisecond || s == 0 {
		s++
	}
	return s
}

func (p *Process) setitimer(which int, newVA, oldVA uint64) uint64 {
	if which != unix.ITIMER_REAL {
		return errno(unix.EINVAL)
	}
	var val, interval time.Duration
	if newVA != 0 {
		var e uint64
		if interval, e = p.timevalIn(newVA); e != 0 {
			return e
		}
		if val, e = p.timevalIn(newVA + 16); e != 0 {
			return e
		}
	}
	ts := &p.timers
	ts.mu.Lock()
	it := p.realTimer()
	var old [32]byte
	timevalBytes(old[0:], it.interval)
	timevalBytes(old[16:], it.left())
	if newVA != 0 {
		p.arm(it, val, interval)
	}
	ts.mu.Unlock()
	if oldVA != 0 {
		if err := p.as.CopyOut(oldVA, old[:]); err != nil {
			return fault(err)
		}
	}
	return 0
}

func (p *Process) getitimer(which int, va uint64) uint64 {
	if which != unix.ITIMER_REAL {
		return errno(unix.EINVAL)
	}
	return p.setitimer(which, 0, va)
}

func (p *Process) timerCreate(t *thread, clock int, sevp, idVA uint64) uint64 {
	if _, ok := p.clock(clock); !ok {
		return errno(unix.EINVAL)
	}
	it := &itimer{clock: clock, sig: int(unix.SIGALRM), notify: sigevSignal}
	if sevp != 0 {
		var b [20]byte
		if err := p.as.CopyIn(sevp, b[:]); err != nil {
			return fault(err)
		}
		le := binary.LittleEndian
		it.sig, it.notify = int(int32(le.Uint32(b[8:]))), int(int32(le.Uint32(b[12:])))
		switch it.notify {
		case sigevNone:
		case sigevSignal, sigevThreadID:
			if it.sig < 1 || it.sig > numSignals {
				return errno(unix.EINVAL)
			}
			if it.notify == sigevThreadID {
				if it.target = p.thread(int(int32(le.Uint32(b[16:])))); it.target == nil {
					return errno(unix.EINVAL)
				}
			}
		default: // SIGEV_THREAD is the C library's business
			return errno(unix.EINVAL)
		}
	}
	ts := &p.timers
	ts.mu.Lock()
	if len(ts.posix) >= maxTimers {
		ts.mu.Unlock()
		return errno(unix.EAGAIN)
	}
	if ts.posix == nil {
		ts.posix = map[int32]*itimer{}
	}
	id := ts.nextID
	for ts.posix[id] != nil {
		id = (id + 1) & 0x7fffffff
	}
	ts.nextID = (id + 1) & 0x7fffffff
	ts.posix[id] = it
	ts.mu.Unlock()
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(id))
	if err := p.as.CopyOut(idVA, b[:]); err != nil {
		p.timerDelete(id)
		return fault(err)
	}
	return 0
}

func (p *Process) timerSettime(id int32, flags int, newVA, oldVA uint64) uint64 {
	interval, e, ok := p.timespecIn(newVA)
	if !ok {
		return e
	}
	val, e, ok := p.timespecIn(newVA + 16)
	if !ok {
		return e
	}
	ts := &p.timers
	ts.mu.Lock()
	it := ts.posix[id]
	if it == nil {
		ts.mu.Unlock()
		return errno(unix.EINVAL)
	}
	var old [32]byte
	timespecBytes(old[0:], it.interval)
	timespecBytes(old[16:], it.left())
	if flags&unix.TIMER_ABSTIME != 0 && val > 0 {
		now, _ := p.clock(it.clock)
		val = max(val-now, time.Nanosecond)
	}
	p.arm(it, val, interval)
	ts.mu.Unlock()
	if oldVA != 0 {
		if err := p.as.CopyOut(oldVA, old[:]); err != nil {
			return fault(err)
		}
	}
	return 0
}

func (p *Process) timerGettime(id int32, va uint64) uint64 {
	ts := &p.timers
	ts.mu.Lock()
	it := ts.posix[id]
	if it == nil {
		ts.mu.Unlock()
		return errno(unix.EINVAL)
	}
	var b [32]byte
	timespecBytes(b[0:], it.interval)
	timespecBytes(b[16:], it.left())
	ts.mu.Unlock()
	if err := p.as.CopyOut(va, b[:]); err != nil {
		return fault(err)
	}
	return 0
}

func (p *Process) timerGetoverrun(id int32) uint64 {
	ts := &p.timers
	ts.mu.Lock()
	defer ts.mu.Unlock()
	it := ts.posix[id]
	if it == nil {
		return errno(unix.EINVAL)
	}
	return uint64(it.overrun)
}

func (p *Process) timerDelete(id int32) uint64 {
	ts := &p.timers
	ts.mu.Lock()
	defer ts.mu.Unlock()
	it := ts.posix[id]
	if it == nil {
		return errno(unix.EINVAL)
	}
	it.disarm()
	delete(ts.posix, id)
	return 0
}
