//go:build linux && amd64

package libos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/abi"
	"nexusos/hyper"
	"nexusos/hyper/kvm"
)

// Pre-initialisation: a program runs once (at build time) until its first
// contact with the world outside its VM — the first read of stdin, write to
// stdout or stderr, host-ABI call, getrandom, or its exit — and is frozen
// there; Snapshot holds everything it had built by then. Resume starts new
// VMs from it: the snapshot's pages are mapped copy-on-write (shared by all
// VMs restored from one Snapshot), each thread gets a vCPU with its saved
// registers, and the library OS's state is rebuilt. A Go program thus
// skips its runtime's start-up (hundreds of system calls, ≈ 60 µs each on
// a kvm-pvm host).
//
// # The snapshot point
//
// Every thread is captured at a system-call boundary, so only registers
// the system-call ABI keeps are live (GPRs, FS base, x87/SSE state via
// KVM_GET_FPU; the upper halves of AVX registers are not saved: no
// compiler keeps values in them across a system call). When the trigger
// call is seen, no thread enters the guest again: threads entering a call
// park there, threads returning from one park with its result, and
// threads blocked in a call with no side effects (futex waits, sleeps,
// epoll waits, sched_yield) are captured at its entry. The first two kinds
// resume by re-executing their `syscall` instruction (RIP=RCX-2, RAX=the
// number), the trigger included: a restored Go hello starts by writing
// its greeting. A re-executed futex wait may return EAGAIN or look like a
// spurious wake-up, which futex users allow. A thread that runs guest code
// for longer than SnapshotQuiesce without a system call fails the
// snapshot.
//
// # What a run must share with the snapshot
//
// The arguments, environment and CPU count (the program read them while
// starting) and the clock mode (vDSO, system calls, fake); Resume refuses
// a Config that differs (ErrSnapshotMismatch) so callers can fall back to
// Run. The file tree must hold the same files (a sealed image's do), since
// what the program opened while starting is kept. Not kept: open regular
// files, directories, pipes and scratch files (a snapshot with one fails),
// pending signals (Go's SIGURG preemption requests are retried). The Go
// runtime's internal random seeds (from AT_RANDOM) are the snapshot's, as
// on tier 1; getrandom is never answered before the snapshot. CLOCK_MONOTONIC continues from its value at the snapshot,
// CLOCK_REALTIME is the host's. Signal masks and the signal states saved
// for handlers not yet returned from are kept; armed timers fail a
// snapshot.
//
// A Snapshot is immutable and safe for concurrent use by any number of
// Resume calls.

// Errors returned (wrapped) by TakeSnapshot, Resume and DecodeSnapshot.
var (
	// ErrSnapshotMismatch: Resume's Config differs from the snapshot's in
	// what the program read while starting.
	ErrSnapshotMismatch = errors.New("libos: configuration differs from the snapshot's")
	// ErrBadSnapshot: encoded snapshot bytes are malformed or out of
	// bounds.
	ErrBadSnapshot = errors.New("libos: malformed snapshot")
	// ErrNoSnapshotPoint: the program could not be frozen (a thread kept
	// running, or it held state a snapshot cannot keep).
	ErrNoSnapshotPoint = errors.New("libos: no snapshot point")
)

// SnapshotQuiesce is how long TakeSnapshot waits for every thread to reach
// a system call.
const SnapshotQuiesce = 2 * time.Second

// errSnapshotTaken stops the build-time VM once the snapshot is taken.
var errSnapshotTaken = errors.New("libos: snapshot taken")

// Clock modes a snapshot was taken under.
const (
	clockVDSO uint8 = iota
	clockSyscall
	clockFake
)

func clockMode(c Config) uint8 {
	switch {
	case c.fakeClock:
		return clockFake
	case c.noVDSO:
		return clockSyscall
	}
	return clockVDSO
}

// Snapshot is a program frozen at its first contact with the outside
// world (see the notes at the top of this file).
type Snapshot struct {
	args, env []string
	cpus      int
	clock     uint8

	mono      time.Duration // CLOCK_MONOTONIC at the snapshot
	fakeTicks int64
	nextTID   int
	total     int
	outBytes  int64

	vmas                      []vma
	brkStart, brkCur, heapEnd uint64
	actions                   [numSignals + 1]sigaction
	objs                      []snapFile
	fds                       []snapFD
	threads                   []snapThread
	// pages are the non-zero user pages, in address order; data holds
	// the bytes of those not fromExe, in that order, a page each.
	pages []snapPage
	data  []byte
	// exe is the executable the snapshot was taken from: pages still as
	// it loaded them are taken from it, not stored.
	exe exeImage

	sharedOnce sync.Once
	shared     *hyper.SharedPages
	sharedErr  error
	// restores counts the VMs restored from the snapshot (mapPages).
	restores atomic.Int64
	// closed is set by Close.
	closed atomic.Bool
}

type snapPage struct {
	va   uint64
	prot hyper.Prot
	// fromExe marks a page whose bytes are the executable's, as loaded.
	fromExe bool
}

type snapThread struct {
	tid                     int
	clearTID, altSP, altSiz uint64
	regs                    kvm.Regs
	fsBase                  uint64
	fpu                     kvm.FPU
	// mask is the thread's signal mask.
	mask uint64
	// sigFPU are the x87/SSE states saved at signal deliveries the
	// thread has not returned from (thread.fpu).
	sigFPU []sigFPU
}

type sigFPU struct {
	uc  uint64
	fpu kvm.FPU
}

// snapFile is an open file description: a standard stream, an eventfd or
// an epoll instance.
type snapFile struct {
	kind     fileKind
	counter  uint64
	interest []snapInterest
}

type snapInterest struct {
	fd     int32
	events uint32
	data   uint64
}

type snapFD struct {
	fd  int32
	obj int
}

// Threads returns how many threads the snapshot holds.
func (s *Snapshot) Threads() int { return len(s.threads) }

// Size returns the bytes of page data the snapshot holds (pages that are
// still as the executable loaded them are not held).
func (s *Snapshot) Size() int { return len(s.data) }

// Pages returns how many pages a restored VM starts with.
func (s *Snapshot) Pages() int { return len(s.pages) }

// exeImage is an executable as loading it leaves guest memory: its
// segments in address order (mm.load writes them in that order, so a
// later segment's bytes win where two share a page).
type exeImage struct {
	segs []hyper.Segment
}

func newExeImage(x *hyper.Executable) exeImage {
	segs := slices.Clone(x.Segments)
	slices.SortStableFunc(segs, func(a, b hyper.Segment) int {
		if a.VA < b.VA {
			return -1
		}
		if a.VA > b.VA {
			return 1
		}
		return 0
	})
	return exeImage{segs: segs}
}

// covers reports whether a segment covers the page at va.
func (e exeImage) covers(va uint64) bool {
	for _, seg := range e.segs {
		if va+hyper.PageSize > seg.VA && va < seg.VA+seg.Size {
			return true
		}
	}
	return false
}

// page returns the page at va as loading leaves it, and whether a segment
// covers it. When one segment alone covers the page and its file bytes
// fill it, the page is a slice of the executable (not a copy; callers do
// not write it); otherwise it is assembled in a new page.
func (e exeImage) page(va uint64) ([]byte, bool) {
	var only *hyper.Segment
	n := 0
	for i := range e.segs {
		seg := &e.segs[i]
		if va+hyper.PageSize > seg.VA && va < seg.VA+seg.Size {
			only = seg
			n++
		}
	}
	switch {
	case n == 0:
		return nil, false
	case n == 1 && va >= only.FileVA && va+hyper.PageSize <= only.FileVA+uint64(len(only.FileData)):
		off := va - only.FileVA
		return only.FileData[off : off+hyper.PageSize : off+hyper.PageSize], true
	}
	pg := make([]byte, hyper.PageSize)
	for _, seg := range e.segs {
		if va+hyper.PageSize <= seg.VA || va >= seg.VA+seg.Size {
			continue
		}
		lo, hi := max(va, seg.FileVA), min(va+hyper.PageSize, seg.FileVA+uint64(len(seg.FileData)))
		if lo < hi {
			copy(pg[lo-va:], seg.FileData[lo-seg.FileVA:hi-seg.FileVA])
		}
	}
	return pg, true
}

// Close releases the shared copy of the pages that Resume made (restored
// VMs that still run keep theirs).
func (s *Snapshot) Close() error {
	s.closed.Store(true)
	s.sharedOnce.Do(func() { s.sharedErr = hyper.ErrSharedClosed })
	if s.shared != nil {
		return s.shared.Close()
	}
	return nil
}

// freezer takes the snapshot: see the notes above.
type freezer struct {
	mu sync.Mutex
	// frozen is set at the trigger; parked holds the registers of threads
	// that will not run guest code again, inCall the entry registers of
	// threads inside a call without side effects; all guarded by mu.
	frozen bool
	parked map[int]kvm.Regs
	inCall map[int]kvm.Regs

	// exe is the program, for pages still as it loaded them.
	exe exeImage

	// snap and err are the outcome, set before the machine stops.
	snap *Snapshot
	err  error
}

// reexec returns the registers that re-execute the system call whose entry
// state is r.
func reexec(r kvm.Regs) kvm.Regs {
	nr := r.RAX
	r.RIP = r.RCX - 2 // `syscall` is 0f 05
	r.RFLAGS = hyper.UserRFLAGS(r.R11)
	r.RAX = nr
	return r
}

// trigger reports whether call nr reaches outside the VM.
func (p *Process) snapshotTrigger(nr uint64, a [6]uint64) bool {
	switch nr {
	case abi.SysNexusCall, abi.SysNexusTake, unix.SYS_GETRANDOM, unix.SYS_EXIT_GROUP:
		return true
	case unix.SYS_EXIT:
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.threads) == 1
	case unix.SYS_READ, unix.SYS_WRITE, unix.SYS_READV, unix.SYS_WRITEV, unix.SYS_PREAD64, unix.SYS_PWRITE64:
		f := p.files.get(int32(a[0]))
		return f != nil && (f.kind == kindStdin || f.kind == kindStdout || f.kind == kindStderr)
	}
	return false
}

// snapRestartable reports whether call nr may be captured while it blocks and
// re-executed on restore: it changes nothing before it returns.
func snapRestartable(nr uint64, a [6]uint64) bool {
	switch nr {
	case unix.SYS_FUTEX:
		cmd := int(a[1]) &^ (futexPrivate | futexClockRealtime)
		return cmd == futexWait || cmd == futexWaitBitset
	case unix.SYS_NANOSLEEP, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_EPOLL_WAIT, unix.SYS_EPOLL_PWAIT, unix.SYS_SCHED_YIELD:
		return true
	}
	return false
}

// enter is called at every system call's entry while a snapshot is being
// taken. It returns a non-nil error when the thread must stop.
func (f *freezer) enter(p *Process, c *hyper.CPU, t *thread) error {
	r := c.Regs
	a := [6]uint64{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9}
	// Decided before f.mu: snapshotTrigger takes p.mu, which quiet
	// holds while it takes f.mu.
	trigger, restart := p.snapshotTrigger(r.RAX, a), snapRestartable(r.RAX, a)
	f.mu.Lock()
	if f.frozen {
		f.parked[t.tid] = reexec(r)
		f.mu.Unlock()
		<-p.done
		return p.m.StopErr()
	}
	if trigger {
		f.frozen = true
		f.parked[t.tid] = reexec(r)
		f.mu.Unlock()
		f.snap, f.err = p.capture(f)
		p.m.Stop(errSnapshotTaken)
		p.finish()
		return errSnapshotTaken
	}
	if restart {
		f.inCall[t.tid] = reexec(r)
	}
	f.mu.Unlock()
	return nil
}

// leave is called when a system call has its result in c.Regs.RAX.
func (f *freezer) leave(p *Process, c *hyper.CPU, t *thread) error {
	f.mu.Lock()
	delete(f.inCall, t.tid)
	if !f.frozen {
		f.mu.Unlock()
		return nil
	}
	r := c.Regs
	if !c.ResumeSet() {
		r.RIP, r.RFLAGS = r.RCX, hyper.UserRFLAGS(r.R11)
	}
	f.parked[t.tid] = r
	f.mu.Unlock()
	<-p.done
	return p.m.StopErr()
}

// quiet returns every live thread's registers once each is parked or in a
// restartable call.
func (p *Process) quiet(f *freezer) (map[*thread]kvm.Regs, error) {
	deadline := time.Now().Add(SnapshotQuiesce)
	for {
		p.mu.Lock()
		f.mu.Lock()
		out := map[*thread]kvm.Regs{}
		for tid, t := range p.threads {
			if r, ok := f.parked[tid]; ok {
				out[t] = r
			} else if r, ok := f.inCall[tid]; ok {
				out[t] = r
			}
		}
		n := len(p.threads)
		f.mu.Unlock()
		p.mu.Unlock()
		if len(out) == n {
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: %d of %d threads did not reach a system call within %s", ErrNoSnapshotPoint, n-len(out), n, SnapshotQuiesce)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// capture copies the frozen program's state.
func (p *Process) capture(f *freezer) (*Snapshot, error) {
	regs, err := p.quiet(f)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{args: p.cfg.args, env: p.cfg.env, cpus: p.cfg.cpus, clock: clockMode(p.cfg), exe: f.exe}
	for t, r := range regs {
		if t.pending != nil {
			return nil, fmt.Errorf("%w: thread %d holds a host-call reply", ErrNoSnapshotPoint, t.tid)
		}
		if r.RIP < hyper.UserMin || r.RIP >= hyper.UserMax {
			return nil, fmt.Errorf("%w: thread %d is in a system call made outside user code", ErrNoSnapshotPoint, t.tid)
		}
		st := snapThread{tid: t.tid, clearTID: t.clearTID, altSP: t.altSP, altSiz: t.altSize, regs: r, mask: t.blocked.Load()}
		if t.restoreMask {
			// Inside a call that installed a temporary mask: the call
			// installs it again when re-executed.
			st.mask = t.savedMask
		}
		if st.fsBase, err = t.cpu.FSBase(); err != nil {
			return nil, err
		}
		fpu, err := t.cpu.SaveFPU()
		if err != nil {
			return nil, err
		}
		st.fpu = *fpu
		for _, f := range t.fpu {
			st.sigFPU = append(st.sigFPU, sigFPU{uc: f.uc, fpu: *f.fpu})
		}
		s.threads = append(s.threads, st)
	}
	slices.SortFunc(s.threads, func(a, b snapThread) int { return a.tid - b.tid })

	if p.timersArmed() {
		return nil, fmt.Errorf("%w: a timer is armed", ErrNoSnapshotPoint)
	}
	p.mu.Lock()
	s.nextTID, s.total = p.nextTID, p.total
	p.mu.Unlock()
	p.outMu.Lock()
	s.outBytes = p.outBytes
	p.outMu.Unlock()
	p.sigMu.Lock()
	s.actions = p.actions
	p.sigMu.Unlock()
	switch s.clock {
	case clockFake:
		s.fakeTicks = p.fakeTicks.Load()
	default:
		s.mono, _ = p.clock(unix.CLOCK_MONOTONIC)
	}
	if err := p.files.capture(s); err != nil {
		return nil, err
	}

	mm := p.mm
	mm.mu.Lock()
	defer mm.mu.Unlock()
	s.vmas = slices.Clone(mm.vmas)
	s.brkStart, s.brkCur, s.heapEnd = mm.brkStart, mm.brkCur, mm.heapEnd
	var vas []uint64
	mm.as.ForEachPresent(hyper.UserMin, hyper.UserMax, func(va, pa uint64) { vas = append(vas, va) })
	for _, va := range vas {
		pa, prot, _, ok := mm.as.Lookup(va)
		if !ok {
			continue
		}
		pg := p.m.Mem.Page(pa)
		if isZero(pg) {
			continue // faults back in as zero: every mapping is zero-filled
		}
		if orig, ok := f.exe.page(va); ok && bytes.Equal(orig, pg) {
			s.pages = append(s.pages, snapPage{va: va, prot: prot, fromExe: true})
			continue
		}
		s.pages = append(s.pages, snapPage{va: va, prot: prot})
		s.data = append(s.data, pg...)
	}
	return s, nil
}

// timersArmed reports whether an interval or POSIX timer is armed (a
// snapshot cannot carry host timers).
func (p *Process) timersArmed() bool {
	ts := &p.timers
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if !ts.real.deadline.IsZero() {
		return true
	}
	for _, it := range ts.posix {
		if !it.deadline.IsZero() {
			return true
		}
	}
	return len(ts.posix) > 0
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// capture records the descriptor table into s.
func (t *fileTable) capture(s *Snapshot) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	index := map[*openFile]int{}
	fds := make([]int32, 0, len(t.fds))
	for fd := range t.fds {
		fds = append(fds, fd)
	}
	slices.Sort(fds)
	for _, fd := range fds {
		f := t.fds[fd]
		i, ok := index[f]
		if !ok {
			sf := snapFile{kind: f.kind}
			switch f.kind {
			case kindStdin, kindStdout, kindStderr:
			case kindEventfd:
				sf.counter = f.counter
			case kindEpoll:
				for fd, in := range f.interest {
					sf.interest = append(sf.interest, snapInterest{fd: fd, events: in.events, data: in.data})
				}
				slices.SortFunc(sf.interest, func(a, b snapInterest) int { return int(a.fd - b.fd) })
			default:
				return fmt.Errorf("%w: descriptor %d (%s) is open", ErrNoSnapshotPoint, fd, f.name)
			}
			i = len(s.objs)
			index[f] = i
			s.objs = append(s.objs, sf)
		}
		s.fds = append(s.fds, snapFD{fd: fd, obj: i})
	}
	return nil
}

// TakeSnapshot runs the static executable elf under cfg until its first
// contact with the world outside the VM and returns it frozen there. The
// program's output and input are never reached. cfg's arguments,
// environment, CPU count and clock mode are those every Resume must use.
//
// # Errors
//
// As Run for an executable that cannot load or a program that faults
// first; ErrNoSnapshotPoint when the program cannot be frozen.
func TakeSnapshot(ctx context.Context, cfg Config, elf []byte) (*Snapshot, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	p, cpu, err := newProcess(cfg, elf, time.Now())
	if err != nil {
		return nil, err
	}
	x, err := hyper.ParseELF(elf)
	if err != nil {
		p.m.Close()
		return nil, err
	}
	f := &freezer{parked: map[int]kvm.Regs{}, inCall: map[int]kvm.Regs{}, exe: newExeImage(x)}
	p.freeze = f
	_, err = p.run(ctx, []*hyper.CPU{cpu})
	if f.snap != nil || f.err != nil {
		return f.snap, f.err
	}
	if err == nil {
		err = errors.New("program ended without a snapshot point")
	}
	return nil, fmt.Errorf("%w: %w", ErrNoSnapshotPoint, err)
}

// Resume starts a new VM from s under cfg and runs the program to
// completion, as Run does. cfg must agree with the Config the snapshot was
// taken under (arguments, environment, CPU count, clock mode), or Resume
// returns ErrSnapshotMismatch before starting anything; its streams,
// files, memory size and host caller are this run's.
func Resume(ctx context.Context, cfg Config, s *Snapshot) (Result, error) {
	start := time.Now()
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	if err := s.Compatible(cfg); err != nil {
		return Result{}, err
	}
	p, cpus, lazy, err := restoreProcess(cfg, s, start)
	if err != nil {
		return Result{}, err
	}
	for _, l := range lazy {
		p.resumeLazy(ctx, l.t, l.st)
	}
	return p.run(ctx, cpus)
}

// lazyThread is a restored thread blocked in a call the monitor serves
// without its vCPU.
type lazyThread struct {
	t  *thread
	st *snapThread
}

// servedWithoutCPU reports whether the thread resumes by re-executing a
// call that only waits (futex wait, sleeps, epoll_wait): the monitor then
// serves that call first and creates the thread's vCPU only when it
// returns. Most of a Go program's threads are parked in one at any time
// and many never wake before it exits.
func servedWithoutCPU(r *kvm.Regs) bool {
	if r.RIP != r.RCX-2 {
		return false // resumes after a call, not at one
	}
	a := [6]uint64{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9}
	switch r.RAX {
	case unix.SYS_FUTEX, unix.SYS_NANOSLEEP, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_EPOLL_WAIT:
		return snapRestartable(r.RAX, a)
	}
	return false
}

// resumeLazy serves the call t was blocked in when the snapshot was taken,
// then gives t a vCPU that returns from it.
func (p *Process) resumeLazy(ctx context.Context, t *thread, st *snapThread) {
	release := p.m.Hold()
	go func() {
		defer release()
		r := st.regs
		p.syscalls.Add(1)
		ret, err := p.dispatch(ctx, nil, t, r.RAX, [6]uint64{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9})
		if err == nil && p.m.Stopping() {
			return // the program ended while the thread waited
		}
		var c *hyper.CPU
		if err == nil {
			c, err = p.m.NewCPU()
		}
		if err == nil {
			err = p.setThreadCPU(c, t, st)
		}
		if err != nil {
			if !p.m.Stopping() {
				p.m.Stop(fmt.Errorf("libos: resume thread %d: %w", t.tid, err))
			}
			p.finish()
			return
		}
		r.RAX, r.RIP, r.RFLAGS = ret, r.RCX, hyper.UserRFLAGS(r.R11)
		c.Regs = r
		p.m.Go(ctx, c, p, func(err error) { p.threadDone(t, err) })
	}()
}

// setThreadCPU gives t the vCPU c with the snapshot's FS base and
// x87/SSE state.
func (p *Process) setThreadCPU(c *hyper.CPU, t *thread, st *snapThread) error {
	if err := c.SetFSBase(st.fsBase); err != nil {
		return err
	}
	fpu := st.fpu
	if err := c.RestoreFPU(&fpu); err != nil {
		return err
	}
	c.Data = t
	t.cpu = c
	return nil
}

// Compatible reports whether cfg can resume s (ErrSnapshotMismatch if
// not).
func (s *Snapshot) Compatible(cfg Config) error {
	args := cfg.args
	if len(args) == 0 {
		args = []string{"program"}
	}
	sargs := s.args
	if len(sargs) == 0 {
		sargs = []string{"program"}
	}
	switch {
	case !slices.Equal(args, sargs):
		return fmt.Errorf("%w: arguments", ErrSnapshotMismatch)
	case !slices.Equal(cfg.env, s.env):
		return fmt.Errorf("%w: environment", ErrSnapshotMismatch)
	case cfg.cpus != s.cpus:
		return fmt.Errorf("%w: %d CPUs, the snapshot's %d", ErrSnapshotMismatch, cfg.cpus, s.cpus)
	case clockMode(cfg) != s.clock:
		return fmt.Errorf("%w: clock mode", ErrSnapshotMismatch)
	case len(s.threads) > cfg.maxThreads:
		return fmt.Errorf("%w: %d threads, at most %d allowed", ErrSnapshotMismatch, len(s.threads), cfg.maxThreads)
	case uint64(len(s.pages))*hyper.PageSize > cfg.memory/2:
		return fmt.Errorf("%w: %d pages in %d bytes of guest memory", ErrSnapshotMismatch, len(s.pages), cfg.memory)
	}
	return nil
}

// pageData returns the bytes of s.pages, a page each, in order: slices
// of the executable and of the snapshot's data where they are (no copy).
func (s *Snapshot) pageData() [][]byte {
	pages := make([][]byte, 0, max(1, len(s.pages)))
	rest := s.data
	for _, pg := range s.pages {
		if pg.fromExe {
			b, _ := s.exe.page(pg.va) // DecodeSnapshot checked it
			pages = append(pages, b)
			continue
		}
		pages, rest = append(pages, rest[:hyper.PageSize:hyper.PageSize]), rest[hyper.PageSize:]
	}
	return pages
}

func (s *Snapshot) sharedPages() (*hyper.SharedPages, error) {
	s.sharedOnce.Do(func() {
		// The pages go from where they are straight into the memfd.
		pages := s.pageData()
		if len(pages) == 0 {
			pages = append(pages, make([]byte, hyper.PageSize)) // memfds cannot map empty
		}
		s.shared, s.sharedErr = hyper.NewSharedPagesOf(pages)
	})
	return s.shared, s.sharedErr
}

// mapPages puts the snapshot's pages into m's guest-physical memory and
// returns the first one's address (page i is at base + i*PageSize). The
// first restore of a snapshot copies them into the VM (Memory.CopyIn):
// a process that restores it once (`nexus run`) never builds the memfd
// that sharing needs. Later restores map one shared copy copy-on-write
// (Memory.MapShared), which a long-running node amortises over its runs.
func (s *Snapshot) mapPages(m *hyper.Machine) (uint64, error) {
	if s.restores.Add(1) == 1 {
		return m.Mem.CopyIn(s.pageData())
	}
	shared, err := s.sharedPages()
	if err != nil {
		return 0, err
	}
	return m.Mem.MapShared(shared)
}

// restoreProcess builds the VM and process state of s and returns the
// threads' vCPUs ready to run. The caller closes p.m.
func restoreProcess(cfg Config, s *Snapshot, start time.Time) (*Process, []*hyper.CPU, []lazyThread, error) {
	if s.closed.Load() {
		// A closed snapshot restores nothing, whether or not it built its
		// shared copy.
		return nil, nil, nil, hyper.ErrSharedClosed
	}
	var m *hyper.Machine
	var err error
	var cpu0 *hyper.CPU
	if cfg.pool != nil && cfg.pool.MemBytes() == cfg.memory {
		m, cpu0, err = cfg.pool.Get()
	} else if m, err = hyper.New(cfg.memory); err == nil {
		if cpu0, err = m.NewCPU(); err != nil {
			m.Close()
		}
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create VM: %w", err)
	}
	fail := func(err error) (*Process, []*hyper.CPU, []lazyThread, error) {
		m.Close()
		return nil, nil, nil, fmt.Errorf("restore snapshot: %w", err)
	}
	p := &Process{
		cfg: cfg, log: cfg.logger, m: m, as: m.AS,
		threads: map[int]*thread{}, start: start,
		done: make(chan struct{}),
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.mm = newMemoryManager(m)
	m.AS.Fault = p.mm.fault
	p.files = newFileTable(cfg)
	p.actions = s.actions
	p.outBytes = s.outBytes

	// Pages: a private copy or one copy-on-write mapping of the shared
	// data (mapPages), then the page tables, a run of consecutive pages of
	// one protection at a time.
	base, err := s.mapPages(m)
	if err != nil {
		return fail(err)
	}
	for i := 0; i < len(s.pages); {
		j := i + 1
		for j < len(s.pages) && s.pages[j].va == s.pages[j-1].va+hyper.PageSize && s.pages[j].prot == s.pages[i].prot {
			j++
		}
		pas := make([]uint64, j-i)
		for k := range pas {
			pas[k] = base + uint64(i+k)*hyper.PageSize
		}
		if err := m.AS.MapPages(s.pages[i].va, pas, s.pages[i].prot, true); err != nil {
			return fail(err)
		}
		i = j
	}
	p.mm.vmas = slices.Clone(s.vmas)
	p.mm.brkStart, p.mm.brkCur, p.mm.heapEnd = s.brkStart, s.brkCur, s.heapEnd

	switch s.clock {
	case clockVDSO:
		clk, err := m.EnableVDSO(cpu0, s.mono, time.Duration(cfg.now().UnixNano()))
		if err != nil {
			return fail(err)
		}
		p.tsc = clk
	case clockSyscall:
		p.start = start.Add(-(s.mono - monoOffset))
	case clockFake:
		p.fakeTicks.Store(s.fakeTicks)
	}

	files := make([]*openFile, len(s.objs))
	for i, o := range s.objs {
		f := &openFile{kind: o.kind}
		switch o.kind {
		case kindStdin:
			f.name = "dev/stdin"
		case kindStdout:
			f.name = "dev/stdout"
		case kindStderr:
			f.name = "dev/stderr"
		case kindEventfd:
			f.name, f.counter = "anon_inode:[eventfd]", o.counter
		case kindEpoll:
			f.name, f.interest = "anon_inode:[eventpoll]", map[int32]epollInterest{}
			for _, in := range o.interest {
				f.interest[in.fd] = epollInterest{events: in.events, data: in.data}
			}
		}
		files[i] = f
	}
	p.files.fds = map[int32]*openFile{}
	for _, d := range s.fds {
		p.files.fds[d.fd] = files[d.obj]
	}

	cpus := make([]*hyper.CPU, 0, len(s.threads))
	var lazy []lazyThread
	for i := range s.threads {
		st := &s.threads[i]
		p.nextTID = st.tid
		t := p.newThread() // as any thread is made, with the snapshot's id
		t.clearTID, t.altSP, t.altSize = st.clearTID, st.altSP, st.altSiz
		t.blocked.Store(st.mask)
		for _, f := range st.sigFPU {
			t.fpu = append(t.fpu, savedFPU{uc: f.uc, fpu: &f.fpu})
		}
		// The first running thread takes the machine's first vCPU; one
		// thread runs even when all of them wait.
		if servedWithoutCPU(&st.regs) && (len(cpus) > 0 || i < len(s.threads)-1) {
			lazy = append(lazy, lazyThread{t, st})
			continue
		}
		c := cpu0
		if len(cpus) > 0 {
			if c, err = m.NewCPU(); err != nil {
				return fail(err)
			}
		}
		if err := p.setThreadCPU(c, t, st); err != nil {
			return fail(err)
		}
		c.Regs = st.regs
		c.Regs.RFLAGS = hyper.UserRFLAGS(st.regs.RFLAGS)
		cpus = append(cpus, c)
	}
	p.nextTID, p.total = s.nextTID, s.total
	return p, cpus, lazy, nil
}
