//go:build linux && amd64

package libos

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/hyper"
)

// ExitError is how a program ended: its exit status, or the signal that
// killed it.
type ExitError struct {
	Code   int // exit status (0..255), or 128+Signal
	Signal int // the fatal signal, 0 for a normal exit
}

func (e *ExitError) Error() string {
	if e.Signal != 0 {
		return fmt.Sprintf("program killed by signal %d", e.Signal)
	}
	return fmt.Sprintf("program exited with status %d", e.Code)
}

// Result is what Run reports about a finished program.
type Result struct {
	ExitCode int
	// FirstInstruction is how long it took from Run's start to the
	// program's first instruction (the entry of its first vCPU).
	FirstInstruction time.Duration
	// Syscalls and Exits count what the vCPUs did.
	Syscalls, Exits uint64
	// PeakMemory is the most guest memory in use (bytes).
	PeakMemory uint64
	// Resident is the guest memory backed by host pages at exit (bytes).
	Resident uint64
	// Threads is how many threads the program had in all.
	Threads int
	// OutputBytes counts what the program wrote to stdout and stderr;
	// OutputLimited is set when a write was refused for the output limit.
	OutputBytes   int64
	OutputLimited bool
}

// Process is one program running in its own VM.
type Process struct {
	cfg   Config
	log   *slog.Logger
	m     *hyper.Machine
	as    *hyper.AddressSpace
	mm    *memoryManager
	files *fileTable
	futex futexTable
	start time.Time

	done     chan struct{}
	doneOnce sync.Once

	mu sync.Mutex
	// threads are the live threads by tid; guarded by mu.
	threads map[int]*thread
	// nextTID is the next thread id; guarded by mu.
	nextTID int
	// total counts threads ever started; guarded by mu.
	total int

	outMu sync.Mutex
	// outBytes counts output written; outLimited is set once a write hit
	// the limit; both guarded by outMu.
	outBytes   int64
	outLimited bool

	syscalls         atomic.Uint64
	firstInstruction time.Duration
	// tsc is the clock shared with the vDSO, nil without one.
	tsc *hyper.TSCClock
	// fakeTicks counts fake-clock readings (WithFakeClock).
	fakeTicks         atomic.Int64
	warnedUnsupported sync.Map

	sigMu sync.Mutex
	// actions are the installed signal actions; guarded by sigMu.
	actions [numSignals + 1]sigaction
	// procPending are the signals sent to the process and not yet taken
	// by a thread (a sigset_t).
	procPending atomic.Uint64

	// timers are the interval timers (ITIMER_REAL, timer_create).
	timers timers

	// freeze, set only while TakeSnapshot runs the program, stops it at
	// its first contact with the outside world (snapshot.go).
	freeze *freezer
}

// thread is a guest thread: one vCPU.
type thread struct {
	tid      int
	clearTID uint64 // CLONE_CHILD_CLEARTID / set_tid_address
	// pending is a host-call response too large for the caller's buffer,
	// waiting for abi.SysNexusTake. Only the thread itself touches it, as it
	// does the fields below.
	pending []byte
	// altSP and altSize are the sigaltstack; fpu holds the x87/SSE state
	// saved at each signal delivery, innermost last.
	altSP, altSize uint64
	fpu            []savedFPU
	// sigNest counts signals delivered since the thread's last system
	// call.
	sigNest int
	// cpu is the thread's vCPU; sigPending holds signals sent to it and
	// not yet delivered (a sigset_t: bit N-1 for signal N), set by any
	// thread. blocked is its signal mask (changed only by the thread,
	// read by all); waitSet the signals it waits for in rt_sigtimedwait.
	cpu        *hyper.CPU
	sigPending atomic.Uint64
	blocked    atomic.Uint64
	waitSet    atomic.Uint64
	// wake is signalled (never closed) when a signal arrives for the
	// thread, to end a waiting call.
	wake chan struct{}
	// savedMask is the mask to put back after a call that installed a
	// temporary one (restoreMask set): rt_sigsuspend, ppoll, pselect6,
	// epoll_pwait. Only the thread touches them.
	savedMask   uint64
	restoreMask bool
}

// pid is the process id the program sees (its main thread's tid).
const pid = 1

// Stack layout of the main thread.
const (
	stackTop  = 0x7fff_ffff_0000
	stackSize = 8 << 20
)

// Run loads the static x86-64 executable elf into a new VM, runs it to
// completion and returns its exit status. The VM is stopped when ctx is
// done (Run then returns ctx's error wrapped with hyper.ErrStopped).
//
// # Errors
//
// ErrBadELF-wrapped errors for executables it cannot load; a *hyper.Fault
// when the program faulted (segmentation fault, privileged instruction...);
// errors wrapping kvm.ErrUnavailable where KVM cannot be used.
func Run(ctx context.Context, cfg Config, elf []byte) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	p, cpu, err := newProcess(cfg, elf, time.Now())
	if err != nil {
		return Result{}, err
	}
	return p.run(ctx, []*hyper.CPU{cpu})
}

// check validates the Config's bounds.
func (cfg Config) check() error {
	if cfg.memory < 4<<20 || cfg.memory > 64<<30 {
		return fmt.Errorf("libos: guest memory %d bytes out of range [4 MiB, 64 GiB]", cfg.memory)
	}
	if cfg.maxThreads < 1 || cfg.maxThreads > hyper.MaxVCPUs {
		return fmt.Errorf("libos: max threads %d out of range [1, %d]", cfg.maxThreads, hyper.MaxVCPUs)
	}
	if cfg.scratch < 0 || cfg.scratch > 1<<40 {
		return fmt.Errorf("libos: scratch limit %d bytes out of range [0, 1 TiB]", cfg.scratch)
	}
	if cfg.cpus < 1 || cfg.cpus > 64 {
		return fmt.Errorf("libos: cpus %d out of range [1, 64]", cfg.cpus)
	}
	return nil
}

// run runs the program's threads, whose vCPUs are ready (cpus[i].Data is
// the thread), to completion, and closes the machine. p.start is when the
// run began.
func (p *Process) run(ctx context.Context, cpus []*hyper.CPU) (Result, error) {
	m := p.m
	defer m.Close()

	go func() {
		select {
		case <-ctx.Done():
			// Stop first, so the stop reason wins over whatever the
			// program does once its blocked calls return EINTR.
			m.Stop(fmt.Errorf("%w: %w", hyper.ErrStopped, context.Cause(ctx)))
			p.finish()
		case <-p.done:
		}
	}()
	p.firstInstruction = time.Since(p.start)
	for _, c := range cpus {
		t := c.Data.(*thread)
		m.Go(ctx, c, p, func(err error) { p.threadDone(t, err) })
	}
	m.Wait()
	p.finish()

	res := Result{
		FirstInstruction: p.firstInstruction,
		Syscalls:         p.syscalls.Load(), Exits: m.Exits(),
		PeakMemory: p.mm.peak(), Threads: p.totalThreads(),
		Resident: m.Mem.Resident(),
	}
	p.outMu.Lock()
	res.OutputBytes, res.OutputLimited = p.outBytes, p.outLimited
	p.outMu.Unlock()
	err := m.StopErr()
	var ee *ExitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.Code
		if ee.Signal == 0 {
			return res, nil
		}
		return res, ee
	}
	if err == nil {
		return res, nil
	}
	return res, err
}

// newProcess creates the VM, loads the program and its stack, and returns
// the main thread's vCPU ready to run. The caller closes p.m.
func newProcess(cfg Config, elf []byte, start time.Time) (*Process, *hyper.CPU, error) {
	x, err := hyper.ParseELF(elf)
	if err != nil {
		return nil, nil, err
	}
	var m *hyper.Machine
	var cpu *hyper.CPU
	if cfg.pool != nil && cfg.pool.MemBytes() == cfg.memory {
		m, cpu, err = cfg.pool.Get()
	} else if m, err = hyper.New(cfg.memory); err == nil {
		if cpu, err = m.NewCPU(); err != nil {
			m.Close()
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("create VM: %w", err)
	}
	p := &Process{
		cfg: cfg, log: cfg.logger, m: m, as: m.AS,
		threads: map[int]*thread{}, nextTID: pid, start: start,
		done: make(chan struct{}),
	}
	fail := func(err error) (*Process, *hyper.CPU, error) {
		m.Close()
		return nil, nil, err
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.mm = newMemoryManager(m)
	p.files = newFileTable(cfg)
	m.AS.Fault = p.mm.fault
	if err := p.mm.load(x); err != nil {
		return fail(fmt.Errorf("load program: %w", err))
	}
	if err := p.mm.mapFixed(stackTop-stackSize, stackSize, hyper.ProtRead|hyper.ProtWrite, vmaStack); err != nil {
		return fail(fmt.Errorf("map stack: %w", err))
	}
	var sc hyper.StackConfig
	sc.Args, sc.Env, sc.Exe, sc.HWCap = cfg.args, cfg.env, x, hyper.HWCap()
	if len(sc.Args) == 0 {
		sc.Args = []string{"program"}
	}
	if !cfg.noVDSO && !cfg.fakeClock {
		clk, err := m.EnableVDSO(cpu, time.Since(p.start)+monoOffset, time.Duration(cfg.now().UnixNano()))
		if err != nil {
			p.log.Debug("libos: no vDSO, clocks use system calls", "err", err)
		} else {
			p.tsc, sc.VDSO = clk, hyper.VDSOVA
		}
	}
	rand.Read(sc.Random[:])
	sp, err := hyper.BuildStack(m.AS, stackTop, sc)
	if err != nil {
		return fail(err)
	}
	cpu.Regs.RIP, cpu.Regs.RSP = x.Entry, sp
	t := p.newThread()
	t.cpu = cpu
	cpu.Data = t
	return p, cpu, nil
}

// threadDone is called when a vCPU's Run has returned (and the vCPU is
// released). For a thread exit, only now is the thread's CLONE_CHILD_CLEARTID
// word cleared and its joiner woken: a joiner that starts a new thread at
// once then finds the exited thread's vCPU ready for reuse.
func (p *Process) threadDone(t *thread, err error) {
	if errors.Is(err, hyper.ErrThreadExit) {
		if t.clearTID != 0 {
			var zero [4]byte
			if p.as.CopyOut(t.clearTID, zero[:]) == nil {
				p.futex.wake(t.clearTID, 1, ^uint32(0))
			}
		}
		return
	}
	// A fault or stop ends the whole program.
	p.finish()
}

// finish wakes every blocked system call so all vCPUs can leave.
func (p *Process) finish() {
	p.doneOnce.Do(func() {
		close(p.done)
		p.timers.stop()
	})
}

func (p *Process) totalThreads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

func (p *Process) newThread() *thread {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := &thread{tid: p.nextTID, wake: make(chan struct{}, 1)}
	p.nextTID++
	p.total++
	p.threads[t.tid] = t
	return t
}

// exitGroup ends the program with status code.
func (p *Process) exitGroup(code int, signal int) error {
	err := &ExitError{Code: code & 0xff, Signal: signal}
	if signal != 0 {
		err.Code = 128 + signal
	}
	p.m.Stop(err)
	p.finish()
	return err
}

// errno results are returned to the guest as -errno in RAX.
func errno(e unix.Errno) uint64 { return uint64(-int64(e)) }

// Syscall implements hyper.Handler.
func (p *Process) Syscall(ctx context.Context, c *hyper.CPU) error {
	p.syscalls.Add(1)
	r := &c.Regs
	t, _ := c.Data.(*thread)
	if t == nil {
		return fmt.Errorf("libos: vCPU %d has no thread", c.ID)
	}
	t.sigNest = 0
	if p.freeze != nil {
		if err := p.freeze.enter(p, c, t); err != nil {
			return err
		}
	}
	nr := r.RAX
	ret, err := p.dispatch(ctx, c, t, r.RAX, [6]uint64{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9})
	if err != nil {
		return err
	}
	r.RAX = ret
	if p.freeze != nil {
		if err := p.freeze.leave(p, c, t); err != nil {
			return err
		}
	}
	if nr != unix.SYS_RT_SIGRETURN && p.deliverable(t) != 0 {
		// Deliver signals sent to this thread on the way back, with the
		// context the system call returns to.
		back := *r
		if !c.ResumeSet() {
			back.RIP, back.RFLAGS = r.RCX, hyper.UserRFLAGS(r.R11)
			if ret == errno(unix.EINTR) && restartable(nr) && p.restarts(t) {
				// SA_RESTART: the handler returns to the `syscall`
				// instruction (2 bytes) with the call's number.
				back.RIP, back.RAX = r.RCX-2, nr
			}
		}
		saved := *r
		*r = back
		if p.deliverPending(c, t) {
			c.SetResume()
		} else {
			*r = saved
		}
	}
	if t.restoreMask {
		t.blocked.Store(t.savedMask)
		t.restoreMask = false
	}
	return nil
}

// restartable reports whether nr is restarted after a handler installed
// with SA_RESTART, instead of failing with EINTR (signal(7)).
func restartable(nr uint64) bool {
	switch nr {
	case unix.SYS_READ, unix.SYS_READV, unix.SYS_WRITE, unix.SYS_WRITEV,
		unix.SYS_PREAD64, unix.SYS_PWRITE64, unix.SYS_FUTEX, unix.SYS_ACCEPT,
		unix.SYS_ACCEPT4, unix.SYS_SENDTO, unix.SYS_RECVFROM, unix.SYS_SENDMSG,
		unix.SYS_RECVMSG:
		return true
	}
	return false
}

// restarts reports whether the signal t takes next has a handler
// installed with SA_RESTART.
func (p *Process) restarts(t *thread) bool {
	set := p.deliverable(t)
	if set == 0 {
		return false
	}
	act := p.action(bits.TrailingZeros64(set) + 1)
	return act.flags&saRestart != 0 && act.handler != sigDFL && act.handler != sigIGN
}

// guard wraps guest-memory errors as EFAULT.
func fault(err error) uint64 {
	if errors.Is(err, hyper.ErrFault) {
		return errno(unix.EFAULT)
	}
	if errors.Is(err, hyper.ErrNoMemory) {
		return errno(unix.ENOMEM)
	}
	return errno(unix.EIO)
}

// unsupported logs (once per call number at debug level) and returns
// ENOSYS.
func (p *Process) unsupported(nr uint64) uint64 {
	if _, seen := p.warnedUnsupported.LoadOrStore(nr, true); !seen {
		p.log.Debug("libos: unsupported system call", "nr", nr, "name", syscallName(nr))
	}
	return errno(unix.ENOSYS)
}

// write sends guest output to w, counting it against the output limit:
// a write that crosses the limit is cut short, and once it is reached
// writes fail with EFBIG (as for a file-size limit).
func (p *Process) write(w io.Writer, b []byte) uint64 {
	if w == nil {
		w = io.Discard
	}
	p.outMu.Lock()
	defer p.outMu.Unlock()
	room := p.cfg.maxOutput - p.outBytes
	if int64(len(b)) > room {
		p.outLimited = true
		if room <= 0 {
			return errno(unix.EFBIG)
		}
		b = b[:room]
	}
	n, err := w.Write(b)
	p.outBytes += int64(n)
	if err != nil && n == 0 {
		return errno(unix.EIO)
	}
	return uint64(n)
}
