//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
)

// monoOffset keeps CLOCK_MONOTONIC away from zero, as on a booted system.
const monoOffset = 10 * time.Second

// fakeEpoch is where a fake real-time clock starts: 2000-01-01T00:00:00Z.
const fakeEpoch = 946684800 * time.Second

// clock returns the value of a POSIX clock, or false for an unknown one.
//
// With a vDSO, the clocks it serves come from the same TSC formula, so a
// program mixing vDSO reads and system calls never sees time go back.
func (p *Process) clock(id int) (time.Duration, bool) {
	if p.cfg.fakeClock {
		switch id {
		case unix.CLOCK_REALTIME, unix.CLOCK_REALTIME_COARSE, unix.CLOCK_TAI:
			return fakeEpoch + time.Duration(p.fakeTicks.Add(1))*time.Millisecond, true
		case unix.CLOCK_MONOTONIC, unix.CLOCK_MONOTONIC_RAW, unix.CLOCK_MONOTONIC_COARSE,
			unix.CLOCK_BOOTTIME, unix.CLOCK_PROCESS_CPUTIME_ID, unix.CLOCK_THREAD_CPUTIME_ID:
			return monoOffset + time.Duration(p.fakeTicks.Add(1))*time.Millisecond, true
		}
		return 0, false
	}
	switch id {
	case unix.CLOCK_REALTIME, unix.CLOCK_REALTIME_COARSE, unix.CLOCK_TAI:
		if p.tsc != nil {
			return p.tsc.Realtime(), true
		}
		return time.Duration(p.cfg.now().UnixNano()), true
	case unix.CLOCK_MONOTONIC, unix.CLOCK_MONOTONIC_RAW, unix.CLOCK_MONOTONIC_COARSE,
		unix.CLOCK_BOOTTIME, unix.CLOCK_PROCESS_CPUTIME_ID, unix.CLOCK_THREAD_CPUTIME_ID:
		if p.tsc != nil {
			return p.tsc.Monotonic(), true
		}
		return time.Since(p.start) + monoOffset, true
	}
	return 0, false
}

func (p *Process) timespecOut(va uint64, d time.Duration) uint64 {
	if va == 0 {
		return 0
	}
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(d/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second))
	if err := p.as.CopyOut(va, b[:]); err != nil {
		return fault(err)
	}
	return 0
}

// timespecIn reads a struct timespec; ok is false (with an errno result)
// when it is unreadable or out of range.
func (p *Process) timespecIn(va uint64) (time.Duration, uint64, bool) {
	var b [16]byte
	if err := p.as.CopyIn(va, b[:]); err != nil {
		return 0, fault(err), false
	}
	sec, nsec := int64(binary.LittleEndian.Uint64(b[0:])), int64(binary.LittleEndian.Uint64(b[8:]))
	if sec < 0 || nsec < 0 || nsec >= 1e9 {
		return 0, errno(unix.EINVAL), false
	}
	if sec > int64(100*365*24*time.Hour/time.Second) {
		sec = int64(100 * 365 * 24 * time.Hour / time.Second)
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec), 0, true
}

func (p *Process) clockGettime(id int, va uint64) uint64 {
	d, ok := p.clock(id)
	if !ok {
		return errno(unix.EINVAL)
	}
	return p.timespecOut(va, d)
}

func (p *Process) gettimeofday(va uint64) uint64 {
	if va == 0 {
		return 0
	}
	d, _ := p.clock(unix.CLOCK_REALTIME)
	now := time.Unix(0, int64(d))
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(now.Unix()))
	binary.LittleEndian.PutUint64(b[8:], uint64(now.Nanosecond()/1000))
	if err := p.as.CopyOut(va, b[:]); err != nil {
		return fault(err)
	}
	return 0
}

// nanosleep serves nanosleep (clock 0, flags 0) and clock_nanosleep. A
// signal ends it early with EINTR, and the time left is stored at rem for
// a relative sleep.
func (p *Process) nanosleep(t *thread, clock, flags int, req, rem uint64) uint64 {
	d, e, ok := p.timespecIn(req)
	if !ok {
		return e
	}
	if flags&unix.TIMER_ABSTIME != 0 {
		now, ok := p.clock(clock)
		if !ok {
			return errno(unix.EINVAL)
		}
		d -= now
	} else if _, ok := p.clock(clock); !ok {
		return errno(unix.EINVAL)
	}
	if d <= 0 {
		return 0
	}
	start := time.Now()
	tm := time.NewTimer(d)
	defer tm.Stop()
	if p.block(t, nil, tm.C) == waitTimeout {
		return 0
	}
	if rem != 0 && flags&unix.TIMER_ABSTIME == 0 {
		if e := p.timespecOut(rem, max(d-time.Since(start), 0)); e != 0 {
			return e
		}
	}
	return errno(unix.EINTR)
}
