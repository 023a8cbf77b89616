//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"errors"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/abi"
	"nexusos/hyper"
)

// tinyELF is a one-segment static executable whose code is `ud2`: enough
// for newProcess to build a VM; the fuzzer never runs it.
func tinyELF() []byte {
	le := binary.LittleEndian
	b := make([]byte, 64+56+2)
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1
	le.PutUint16(b[16:], 2)
	le.PutUint16(b[18:], 62)
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], 0x400000+120)
	le.PutUint64(b[32:], 64)
	le.PutUint16(b[52:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], 1)
	le.PutUint32(b[64:], 1)
	le.PutUint32(b[68:], 5)
	le.PutUint64(b[80:], 0x400000)
	le.PutUint64(b[96:], uint64(len(b)))
	le.PutUint64(b[104:], uint64(len(b)))
	b[120], b[121] = 0x0f, 0x0b
	return b
}

// fuzzCalls are the numbers the fuzzer picks from (plus raw numbers).
var fuzzCalls = []uint64{
	unix.SYS_READ, unix.SYS_WRITE, unix.SYS_OPENAT, unix.SYS_CLOSE, unix.SYS_FSTAT,
	unix.SYS_NEWFSTATAT, unix.SYS_LSEEK, unix.SYS_GETDENTS64, unix.SYS_READLINKAT,
	unix.SYS_PREAD64, unix.SYS_WRITEV, unix.SYS_READV, unix.SYS_MMAP, unix.SYS_MUNMAP,
	unix.SYS_MPROTECT, unix.SYS_MADVISE, unix.SYS_BRK, unix.SYS_FUTEX, unix.SYS_CLONE,
	unix.SYS_NANOSLEEP, unix.SYS_CLOCK_GETTIME, unix.SYS_GETRANDOM, unix.SYS_UNAME,
	unix.SYS_ARCH_PRCTL, unix.SYS_SCHED_GETAFFINITY, unix.SYS_RT_SIGACTION,
	unix.SYS_RT_SIGPROCMASK, unix.SYS_SIGALTSTACK, unix.SYS_EPOLL_CREATE1,
	unix.SYS_EPOLL_CTL, unix.SYS_EPOLL_PWAIT, unix.SYS_EVENTFD2, unix.SYS_FCNTL,
	unix.SYS_GETTID, unix.SYS_FACCESSAT, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_GETTIMEOFDAY,
	unix.SYS_SET_TID_ADDRESS, unix.SYS_DUP, unix.SYS_IOCTL, unix.SYS_GETCWD,
	abi.SysNexusCall, abi.SysNexusTake, abi.SysNexusABIVersion, unix.SYS_DUP2, unix.SYS_DUP3,
	unix.SYS_RT_SIGRETURN,
	unix.SYS_PIPE2, unix.SYS_POLL, unix.SYS_PPOLL, unix.SYS_SELECT, unix.SYS_PSELECT6,
	unix.SYS_EPOLL_WAIT, unix.SYS_PWRITE64, unix.SYS_MKDIRAT, unix.SYS_UNLINKAT,
	unix.SYS_RENAMEAT2, unix.SYS_FTRUNCATE, unix.SYS_TRUNCATE, unix.SYS_FSYNC,
	unix.SYS_FCHMODAT, unix.SYS_UMASK, unix.SYS_RT_SIGPENDING, unix.SYS_RT_SIGSUSPEND,
	unix.SYS_RT_SIGTIMEDWAIT, unix.SYS_KILL, unix.SYS_TGKILL, unix.SYS_ALARM,
	unix.SYS_SETITIMER, unix.SYS_GETITIMER, unix.SYS_TIMER_CREATE, unix.SYS_TIMER_SETTIME,
	unix.SYS_TIMER_GETTIME, unix.SYS_TIMER_DELETE, unix.SYS_PAUSE,
	unix.SYS_SOCKETPAIR, unix.SYS_SOCKET, unix.SYS_BIND, unix.SYS_LISTEN, unix.SYS_CONNECT,
	unix.SYS_ACCEPT4, unix.SYS_SENDTO, unix.SYS_RECVFROM, unix.SYS_SENDMSG, unix.SYS_RECVMSG,
	unix.SYS_SHUTDOWN, unix.SYS_GETSOCKNAME, unix.SYS_GETPEERNAME, unix.SYS_GETSOCKOPT,
}

// fuzzPick is the fuzzer's pick for system call nr.
func fuzzPick(nr uint64) uint16 {
	for i, c := range fuzzCalls {
		if c == nr {
			return uint16(i)
		}
	}
	panic("not in fuzzCalls")
}

// FuzzSyscall calls the library OS with random numbers and arguments, half
// of the pointers aimed at the program's stack so the calls get past their
// first checks. Every call must return a count/address or -errno in
// [-4095, -1], never panic and never block (the process is marked done, so
// waits return at once), and guest memory accounting must stay in bounds.
func FuzzSyscall(f *testing.F) {
	f.Add(uint16(0), uint8(0), uint64(1), uint64(0), uint64(16), uint64(0), uint64(0), uint64(0))
	f.Add(uint16(9), uint8(0x3f), uint64(0), uint64(1<<20), uint64(3), uint64(0x22), uint64(0xffffffffffffffff), uint64(0))
	f.Add(uint16(2), uint8(2), uint64(0xffffff9c), uint64(0x7ffffffe0000), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint16(17), uint8(1), uint64(0x7ffffffe0000), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	// pipe2, openat(O_CREAT) and mkdirat in the scratch tree, a poll.
	f.Add(fuzzPick(unix.SYS_PIPE2), uint8(1), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(fuzzPick(unix.SYS_OPENAT), uint8(2), uint64(0xffffff9c), uint64(6), uint64(0x42), uint64(0o644), uint64(0), uint64(0))
	f.Add(fuzzPick(unix.SYS_MKDIRAT), uint8(2), uint64(0xffffff9c), uint64(6), uint64(0o755), uint64(0), uint64(0), uint64(0))
	f.Add(fuzzPick(unix.SYS_POLL), uint8(1), uint64(0), uint64(3), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(fuzzPick(unix.SYS_SOCKET), uint8(0), uint64(2), uint64(1), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(fuzzPick(unix.SYS_SOCKETPAIR), uint8(8), uint64(1), uint64(1), uint64(0), uint64(0), uint64(0), uint64(0))
	if err := hyper.Available(); err != nil {
		f.Skipf("skipping: KVM unavailable on this machine: %v", err)
	}
	cfg := NewConfig().WithMemory(16 << 20).WithScratch(1 << 20).WithLoopback(true).WithFS(fstest.MapFS{
		"a.txt":   {Data: []byte("hello")},
		"d/b.txt": {Data: []byte("world")},
	})
	p, cpu, err := newProcess(cfg, tinyELF(), time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.m.Close() })
	p.m.Stop(nil)
	p.finish()
	t0 := cpu.Data.(*thread)
	stack := uint64(stackTop - 0x10000)
	// Put a path at the stack pointer target for the path-taking calls,
	// and a scratch path after it.
	p.as.CopyOut(stack, []byte("a.txt\x00/tmp/f\x00"))
	f.Fuzz(func(t *testing.T, pick uint16, ptrs uint8, a0, a1, a2, a3, a4, a5 uint64) {
		nr := uint64(pick)
		if int(pick) < 4*len(fuzzCalls) {
			nr = fuzzCalls[int(pick)%len(fuzzCalls)]
		}
		args := [6]uint64{a0, a1, a2, a3, a4, a5}
		for i := range args {
			if ptrs&(1<<i) != 0 {
				args[i] = stack + args[i]%0x8000
			}
		}
		ret, err := p.dispatch(t.Context(), cpu, t0, nr, args)
		if err != nil {
			var ee *ExitError
			if !errors.As(err, &ee) && !errors.Is(err, hyper.ErrThreadExit) {
				t.Fatalf("syscall %d%v: error %v", nr, args, err)
			}
			return
		}
		if int64(ret) < 0 && int64(ret) < -4095 {
			t.Fatalf("syscall %d%v returned %#x: neither a value nor -errno", nr, args, ret)
		}
		if used := p.m.Mem.Used(); used > p.m.Mem.Size() {
			t.Fatalf("guest memory accounting: %d used of %d", used, p.m.Mem.Size())
		}
	})
}
