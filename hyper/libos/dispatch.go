//go:build linux && amd64

package libos

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/abi"
	"nexusos/hyper"
)

// maxIO bounds one read or write; longer requests are served partially, as
// Linux does for large transfers.
const maxIO = 1 << 20

// dispatch serves system call nr. A non-nil error ends the vCPU (thread
// exit) or the program.
func (p *Process) dispatch(ctx context.Context, c *hyper.CPU, t *thread, nr uint64, a [6]uint64) (uint64, error) {
	switch nr {
	// The NexusOS host ABI (reserved numbers, see package abi).
	case abi.SysNexusABIVersion:
		return abi.Version, nil
	case abi.SysNexusCall:
		return p.hostCall(ctx, t, a), nil
	case abi.SysNexusTake:
		return p.hostTake(t, a[0], a[1]), nil

	// Files.
	case unix.SYS_READ:
		return p.files.read(p, t, int32(a[0]), a[1], a[2], -1), nil
	case unix.SYS_PREAD64:
		if int64(a[3]) < 0 {
			return errno(unix.EINVAL), nil
		}
		return p.files.read(p, t, int32(a[0]), a[1], a[2], int64(a[3])), nil
	case unix.SYS_WRITE:
		return p.files.write(p, t, int32(a[0]), a[1], a[2], -1), nil
	case unix.SYS_PWRITE64:
		if int64(a[3]) < 0 {
			return errno(unix.EINVAL), nil
		}
		return p.files.write(p, t, int32(a[0]), a[1], a[2], int64(a[3])), nil
	case unix.SYS_WRITEV:
		return p.files.writev(p, t, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_READV:
		return p.files.readv(p, t, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_PIPE:
		return p.files.pipe2(p, a[0], 0), nil
	case unix.SYS_PIPE2:
		return p.files.pipe2(p, a[0], a[1]), nil
	case unix.SYS_SOCKETPAIR:
		return p.files.socketpair(p, a[0], a[1], a[2], a[3]), nil
	case unix.SYS_SENDTO:
		return p.files.sendto(p, t, int32(a[0]), a[1], a[2], a[3]), nil
	case unix.SYS_RECVFROM:
		return p.files.recvfrom(p, t, int32(a[0]), a[1], a[2], a[3], a[5]), nil
	case unix.SYS_SENDMSG:
		return p.files.msg(p, t, int32(a[0]), a[1], a[2], true), nil
	case unix.SYS_RECVMSG:
		return p.files.msg(p, t, int32(a[0]), a[1], a[2], false), nil
	case unix.SYS_SHUTDOWN:
		return p.files.shutdown(int32(a[0]), a[1]), nil
	case unix.SYS_SOCKET:
		return p.files.socket(p, a[0], a[1], a[2]), nil
	case unix.SYS_BIND:
		return p.files.bind(p, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_LISTEN:
		return p.files.listen(int32(a[0]), int(int32(a[1]))), nil
	case unix.SYS_CONNECT:
		return p.files.connect(p, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_ACCEPT:
		return p.files.accept4(p, t, int32(a[0]), a[1], a[2], 0), nil
	case unix.SYS_ACCEPT4:
		return p.files.accept4(p, t, int32(a[0]), a[1], a[2], a[3]), nil
	case unix.SYS_GETSOCKNAME:
		return p.files.sockname(p, int32(a[0]), a[1], a[2], false), nil
	case unix.SYS_GETPEERNAME:
		return p.files.sockname(p, int32(a[0]), a[1], a[2], true), nil
	case unix.SYS_SETSOCKOPT:
		return p.files.setsockopt(int32(a[0])), nil
	case unix.SYS_GETSOCKOPT:
		return p.files.getsockopt(p, int32(a[0]), a[1], a[2], a[3], a[4]), nil
	case unix.SYS_POLL:
		return p.poll(t, a[0], a[1], pollTimeoutMs(int64(int32(a[2])))), nil
	case unix.SYS_PPOLL:
		return p.ppoll(t, a[0], a[1], a[2], a[3], a[4]), nil
	case unix.SYS_SELECT:
		return p.selectCall(t, int(int32(a[0])), [3]uint64{a[1], a[2], a[3]}, a[4], false, 0), nil
	case unix.SYS_PSELECT6:
		return p.selectCall(t, int(int32(a[0])), [3]uint64{a[1], a[2], a[3]}, a[4], true, a[5]), nil
	case unix.SYS_OPEN:
		return p.files.openat(p, unix.AT_FDCWD, a[0], a[1], a[2]), nil
	case unix.SYS_CREAT:
		return p.files.openat(p, unix.AT_FDCWD, a[0], unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, a[1]), nil
	case unix.SYS_OPENAT:
		return p.files.openat(p, int32(a[0]), a[1], a[2], a[3]), nil
	case unix.SYS_MKDIR:
		return p.files.mkdirat(p, unix.AT_FDCWD, a[0], a[1]), nil
	case unix.SYS_MKDIRAT:
		return p.files.mkdirat(p, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_UNLINK:
		return p.files.unlinkat(p, unix.AT_FDCWD, a[0], 0), nil
	case unix.SYS_RMDIR:
		return p.files.unlinkat(p, unix.AT_FDCWD, a[0], unix.AT_REMOVEDIR), nil
	case unix.SYS_UNLINKAT:
		return p.files.unlinkat(p, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_RENAME:
		return p.files.renameat(p, unix.AT_FDCWD, a[0], unix.AT_FDCWD, a[1], 0), nil
	case unix.SYS_RENAMEAT:
		return p.files.renameat(p, int32(a[0]), a[1], int32(a[2]), a[3], 0), nil
	case unix.SYS_RENAMEAT2:
		return p.files.renameat(p, int32(a[0]), a[1], int32(a[2]), a[3], a[4]), nil
	case unix.SYS_TRUNCATE:
		return p.files.truncatePath(p, a[0], int64(a[1])), nil
	case unix.SYS_FTRUNCATE:
		return p.files.ftruncate(int32(a[0]), int64(a[1])), nil
	case unix.SYS_FSYNC, unix.SYS_FDATASYNC, unix.SYS_SYNCFS:
		return p.files.fsync(int32(a[0])), nil
	case unix.SYS_SYNC:
		return 0, nil
	case unix.SYS_CHMOD:
		return p.files.fchmodat(p, unix.AT_FDCWD, a[0], a[1]), nil
	case unix.SYS_FCHMODAT:
		return p.files.fchmodat(p, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_UMASK:
		return uint64(p.files.umask.Swap(uint32(a[0]) & 0o777)), nil
	case unix.SYS_FCHMOD:
		return p.files.fchmod(int32(a[0]), a[1]), nil
	case unix.SYS_CLOSE:
		return p.files.close(int32(a[0])), nil
	case unix.SYS_FSTAT:
		return p.files.fstat(p, int32(a[0]), a[1]), nil
	case unix.SYS_STAT, unix.SYS_LSTAT:
		return p.files.fstatat(p, unix.AT_FDCWD, a[0], a[1], 0), nil
	case unix.SYS_NEWFSTATAT:
		return p.files.fstatat(p, int32(a[0]), a[1], a[2], a[3]), nil
	case unix.SYS_LSEEK:
		return p.files.lseek(int32(a[0]), int64(a[1]), int(a[2])), nil
	case unix.SYS_GETDENTS64:
		return p.files.getdents64(p, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_READLINK:
		return p.files.readlinkat(p, unix.AT_FDCWD, a[0], a[1], a[2]), nil
	case unix.SYS_READLINKAT:
		return p.files.readlinkat(p, int32(a[0]), a[1], a[2], a[3]), nil
	case unix.SYS_ACCESS:
		return p.files.faccessat(p, unix.AT_FDCWD, a[0], a[1]), nil
	case unix.SYS_FACCESSAT, unix.SYS_FACCESSAT2:
		return p.files.faccessat(p, int32(a[0]), a[1], a[2]), nil
	case unix.SYS_FCNTL:
		return p.files.fcntl(int32(a[0]), int(a[1]), a[2]), nil
	case unix.SYS_DUP:
		return p.files.dup(int32(a[0]), 0, false), nil
	case unix.SYS_DUP2:
		return p.files.dup2(int32(a[0]), int32(a[1]), false, false), nil
	case unix.SYS_DUP3:
		if a[2]&^unix.O_CLOEXEC != 0 {
			return errno(unix.EINVAL), nil
		}
		return p.files.dup2(int32(a[0]), int32(a[1]), true, a[2] != 0), nil
	case unix.SYS_IOCTL:
		if p.files.get(int32(a[0])) == nil {
			return errno(unix.EBADF), nil
		}
		return errno(unix.ENOTTY), nil
	case unix.SYS_GETCWD:
		return p.getcwd(a[0], a[1]), nil
	case unix.SYS_CHDIR:
		return errno(unix.EACCES), nil
	case unix.SYS_EPOLL_CREATE1, unix.SYS_EPOLL_CREATE:
		return p.files.epollCreate(), nil
	case unix.SYS_EPOLL_CTL:
		return p.files.epollCtl(p, int32(a[0]), int(a[1]), int32(a[2]), a[3]), nil
	case unix.SYS_EPOLL_WAIT:
		return p.epollWait(t, int32(a[0]), a[1], int(int32(a[2])), pollTimeoutMs(int64(int32(a[3])))), nil
	case unix.SYS_EPOLL_PWAIT:
		if a[4] != 0 {
			if e := p.setTempMask(t, a[4], a[5]); e != 0 {
				return e, nil
			}
		}
		return p.epollWait(t, int32(a[0]), a[1], int(int32(a[2])), pollTimeoutMs(int64(int32(a[3])))), nil
	case unix.SYS_EVENTFD2, unix.SYS_EVENTFD:
		return p.files.eventfd(uint32(a[0])), nil

	// Memory.
	case unix.SYS_MMAP:
		return p.mmap(a[0], a[1], int(a[2]), int(a[3]), int32(a[4]), a[5]), nil
	case unix.SYS_MUNMAP:
		return p.mm.munmap(a[0], a[1]), nil
	case unix.SYS_MPROTECT:
		return p.mm.mprotect(a[0], a[1], int(a[2])), nil
	case unix.SYS_MADVISE:
		return p.mm.madvise(a[0], a[1], int(a[2])), nil
	case unix.SYS_BRK:
		return p.mm.brk(a[0]), nil
	case unix.SYS_MREMAP:
		return errno(unix.ENOMEM), nil

	// Threads and processes.
	case unix.SYS_CLONE:
		return p.clone(ctx, c, a[0], a[1], a[2], a[3], a[4]), nil
	case unix.SYS_FORK, unix.SYS_VFORK, unix.SYS_EXECVE, unix.SYS_EXECVEAT, unix.SYS_CLONE3:
		return errno(unix.ENOSYS), nil
	case unix.SYS_EXIT:
		return 0, p.exitThread(t, int(a[0]))
	case unix.SYS_EXIT_GROUP:
		return 0, p.exitGroup(int(a[0]), 0)
	case unix.SYS_FUTEX:
		return p.futexCall(t, a[0], int(a[1]), uint32(a[2]), a[3], a[4], uint32(a[5])), nil
	case unix.SYS_SET_TID_ADDRESS:
		t.clearTID = a[0]
		return uint64(t.tid), nil
	case unix.SYS_SET_ROBUST_LIST, unix.SYS_RSEQ:
		return errno(unix.ENOSYS), nil
	case unix.SYS_GETTID:
		return uint64(t.tid), nil
	case unix.SYS_GETPID, unix.SYS_GETPGRP, unix.SYS_GETSID:
		return pid, nil
	case unix.SYS_GETPPID:
		return 0, nil
	case unix.SYS_GETUID, unix.SYS_GETEUID, unix.SYS_GETGID, unix.SYS_GETEGID:
		return 1000, nil
	case unix.SYS_SCHED_YIELD:
		runtime.Gosched()
		return 0, nil
	case unix.SYS_SCHED_GETAFFINITY:
		return p.schedGetaffinity(a[1], a[2]), nil
	case unix.SYS_ARCH_PRCTL:
		return p.archPrctl(c, a[0], a[1]), nil
	case unix.SYS_PRLIMIT64, unix.SYS_GETRLIMIT:
		return errno(unix.ENOSYS), nil

	// Signals: actions are kept and synchronous faults delivered (signal.go).
	case unix.SYS_RT_SIGACTION:
		return p.rtSigaction(int(a[0]), a[1], a[2], a[3]), nil
	case unix.SYS_RT_SIGPROCMASK:
		return p.rtSigprocmask(t, int(a[0]), a[1], a[2], a[3]), nil
	case unix.SYS_RT_SIGPENDING:
		return p.rtSigpending(t, a[0], a[1]), nil
	case unix.SYS_RT_SIGSUSPEND:
		return p.sigsuspend(t, a[0], a[1]), nil
	case unix.SYS_RT_SIGTIMEDWAIT:
		return p.rtSigtimedwait(t, a[0], a[1], a[2], a[3]), nil
	case unix.SYS_PAUSE:
		p.block(t, nil, nil)
		return errno(unix.EINTR), nil
	case unix.SYS_ALARM:
		return p.alarm(t, a[0]), nil
	case unix.SYS_SETITIMER:
		return p.setitimer(int(a[0]), a[1], a[2]), nil
	case unix.SYS_GETITIMER:
		return p.getitimer(int(a[0]), a[1]), nil
	case unix.SYS_TIMER_CREATE:
		return p.timerCreate(t, int(a[0]), a[1], a[2]), nil
	case unix.SYS_TIMER_SETTIME:
		return p.timerSettime(int32(a[0]), int(a[1]), a[2], a[3]), nil
	case unix.SYS_TIMER_GETTIME:
		return p.timerGettime(int32(a[0]), a[1]), nil
	case unix.SYS_TIMER_GETOVERRUN:
		return p.timerGetoverrun(int32(a[0])), nil
	case unix.SYS_TIMER_DELETE:
		return p.timerDelete(int32(a[0])), nil
	case unix.SYS_SIGALTSTACK:
		return p.sigaltstack(c, t, a[0], a[1]), nil
	case unix.SYS_RT_SIGRETURN:
		if err := p.rtSigreturn(c, t); err != nil {
			return 0, err
		}
		return c.Regs.RAX, nil // the restored RAX, not a result
	case unix.SYS_KILL, unix.SYS_TKILL, unix.SYS_TGKILL:
		return p.kill(t, nr, a)

	// Time.
	case unix.SYS_CLOCK_GETTIME:
		return p.clockGettime(int(a[0]), a[1]), nil
	case unix.SYS_CLOCK_GETRES:
		return p.timespecOut(a[1], time.Nanosecond), nil
	case unix.SYS_GETTIMEOFDAY:
		return p.gettimeofday(a[0]), nil
	case unix.SYS_TIME:
		d, _ := p.clock(unix.CLOCK_REALTIME)
		now := uint64(d / time.Second)
		if a[0] != 0 {
			if err := p.put64(a[0], now); err != nil {
				return fault(err), nil
			}
		}
		return now, nil
	case unix.SYS_NANOSLEEP:
		return p.nanosleep(t, 0, 0, a[0], a[1]), nil
	case unix.SYS_CLOCK_NANOSLEEP:
		return p.nanosleep(t, int(a[0]), int(a[1]), a[2], a[3]), nil

	// Misc.
	case unix.SYS_GETRANDOM:
		n := min(a[1], maxIO)
		buf := make([]byte, n)
		rand.Read(buf)
		if err := p.as.CopyOut(a[0], buf); err != nil {
			return fault(err), nil
		}
		return n, nil
	case unix.SYS_UNAME:
		return p.uname(a[0]), nil
	}
	return p.unsupported(nr), nil
}

func (p *Process) put64(va, v uint64) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return p.as.CopyOut(va, b[:])
}

// kill handles kill, tkill and tgkill. kill sends to the process (any
// thread that does not block the signal takes it, the caller first);
// tkill and tgkill to one thread. A handled signal runs its handler when
// the taker next stops in its own code or returns from a system call.
// Without a handler, a signal that would kill ends the program with status
// 128+signal unless it is blocked (then it waits, pending); SIGURG,
// SIGCHLD, SIGWINCH, SIGCONT, ignored signals and 0 have no effect. Other
// processes do not exist (ESRCH).
func (p *Process) kill(t *thread, nr uint64, a [6]uint64) (uint64, error) {
	var sig uint64
	target := t
	switch nr {
	case unix.SYS_KILL:
		if pidArg := int64(a[0]); pidArg != pid && pidArg != 0 && pidArg != -1 {
			return errno(unix.ESRCH), nil
		}
		target, sig = nil, a[1]
	case unix.SYS_TGKILL:
		if int64(a[0]) != pid {
			return errno(unix.ESRCH), nil
		}
		target, sig = p.thread(int(int32(a[1]))), a[2]
		if target == nil {
			return errno(unix.ESRCH), nil
		}
	case unix.SYS_TKILL:
		target, sig = p.thread(int(int32(a[0]))), a[1]
		if target == nil {
			return errno(unix.ESRCH), nil
		}
	}
	if sig > numSignals {
		return errno(unix.EINVAL), nil
	}
	if sig == 0 {
		return 0, nil
	}
	if target == nil {
		return 0, p.signalProcess(t, int(sig))
	}
	return 0, p.signalThread(t, target, int(sig))
}

// thread returns the live thread tid, or nil.
func (p *Process) thread(tid int) *thread {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.threads[tid]
}

func (p *Process) schedGetaffinity(size, mask uint64) uint64 {
	if size < 8 || size%8 != 0 {
		return errno(unix.EINVAL)
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], (uint64(1)<<p.cfg.cpus)-1)
	if p.cfg.cpus == 64 {
		binary.LittleEndian.PutUint64(b[:], ^uint64(0))
	}
	if err := p.as.CopyOut(mask, b[:]); err != nil {
		return fault(err)
	}
	return 8
}

// arch_prctl codes from <asm/prctl.h>.
const (
	archSetGS = 0x1001
	archSetFS = 0x1002
	archGetFS = 0x1003
)

func (p *Process) archPrctl(c *hyper.CPU, code, addr uint64) uint64 {
	switch code {
	case archSetFS:
		if addr >= hyper.UserMax {
			return errno(unix.EPERM)
		}
		if err := c.SetFSBase(addr); err != nil {
			return errno(unix.EINVAL)
		}
		return 0
	case archGetFS:
		fs, err := c.FSBase()
		if err != nil {
			return errno(unix.EINVAL)
		}
		if err := p.put64(addr, fs); err != nil {
			return fault(err)
		}
		return 0
	}
	return errno(unix.EINVAL)
}

func (p *Process) uname(va uint64) uint64 {
	var b [6 * 65]byte
	for i, s := range []string{"Linux", "nexus", "6.1.0-nexusos", "#1 NexusOS libos", "x86_64", "(none)"} {
		copy(b[i*65:], s)
	}
	if err := p.as.CopyOut(va, b[:]); err != nil {
		return fault(err)
	}
	return 0
}

func (p *Process) getcwd(va, size uint64) uint64 {
	if size < 2 {
		return errno(unix.ERANGE)
	}
	if err := p.as.CopyOut(va, []byte("/\x00")); err != nil {
		return fault(err)
	}
	return 2
}

// ssDisable is SS_DISABLE from <signal.h>: no alternate signal stack.
const ssDisable = 2
