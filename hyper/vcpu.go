//go:build linux && amd64

package hyper

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"nexusos/hyper/kvm"
)

// Handler serves a guest's system calls; hyper/libos implements it.
type Handler interface {
	// Syscall serves the call whose number is in c.Regs.RAX and arguments
	// in RDI, RSI, RDX, R10, R8, R9, and leaves the result in c.Regs.RAX.
	// The monitor then returns to the guest at RCX with RFLAGS from R11.
	// A non-nil error ends c.Run with that error: ErrThreadExit ends only
	// this vCPU; anything else should come with Machine.Stop.
	Syscall(ctx context.Context, c *CPU) error
}

// FaultHandler is implemented by Handlers that turn guest faults into
// signals. Fault is called with c.Regs holding the interrupted user state
// (RIP, RSP and RFLAGS from the exception frame); returning true means it
// has set c.Regs to where the guest continues (a signal handler). Returning
// false stops the VM with f.
type FaultHandler interface {
	Fault(ctx context.Context, c *CPU, f *Fault) bool
}

// Interrupter is implemented by Handlers that deliver asynchronous
// signals. After CPU.Interrupt made the vCPU leave the guest, Interrupted
// is called with c.Regs holding the guest's registers; returning true
// means it changed c.Regs (to run a signal handler).
type Interrupter interface {
	Interrupted(ctx context.Context, c *CPU) bool
}

// ErrThreadExit is returned by a Handler to end one vCPU (thread exit).
var ErrThreadExit = errors.New("hyper: thread exited")

// CPU is one vCPU. Its fields belong to the goroutine running it.
type CPU struct {
	// ID is the vCPU number (the guest's thread id is the library OS's
	// business).
	ID   int
	slot int

	// Regs are the guest's general-purpose registers: set them before Run;
	// during a Handler call they hold the state at the `syscall`.
	Regs kvm.Regs

	// Exits counts exits to the monitor; Syscalls those that were system
	// calls.
	Exits, Syscalls uint64

	// Data is the Handler's per-thread state.
	Data any

	m *Machine
	v *kvm.VCPU

	tid atomic.Int32

	// vmx is set when `syscall` entered CPL 0 (a VMX host): returns must
	// then restore the user segments.
	vmx, vmxKnown bool
	// explicit is set by SetResume: the next syscall return uses Regs as
	// they are instead of RIP=RCX, RFLAGS=R11.
	explicit bool
	// sregsOnPage is set while Run is between two KVM_RUNs on a host that
	// synchronises the special registers (syncSregs): the kvm_run page
	// then holds them, as KVM stored them at the exit, and changes made
	// there (marked in DirtyRegs) reach the vCPU at the next KVM_RUN.
	// Outside that window they are read and written with ioctls, or kept
	// for Run (sregsPending). Only Run's goroutine sets it; others read
	// it while the vCPU waits in a Handler call.
	sregsOnPage atomic.Bool
	// sregs are special registers set before Run (setup, then SetFSBase
	// for a new thread) that KVM has not been given yet when
	// sregsPending is set: Run hands them over on the kvm_run page with
	// its first KVM_RUN, which saves a KVM_SET_SREGS and a KVM_GET_SREGS
	// per thread start (syncSregs hosts only). They belong to the
	// goroutine that sets the CPU up.
	sregs        kvm.Sregs
	sregsPending bool
}

// getSregs reads the vCPU's special registers: from the kvm_run page
// while Run is between two KVM_RUNs (sregsOnPage), from sregs when they
// wait for Run, with KVM_GET_SREGS otherwise.
func (c *CPU) getSregs(s *kvm.Sregs) error {
	switch {
	case c.sregsOnPage.Load():
		*s = c.v.Run().SyncSregs
		return nil
	case c.sregsPending:
		*s = c.sregs
		return nil
	}
	return c.v.GetSregs(s)
}

// setSregs writes the vCPU's special registers: into the kvm_run page,
// applied by the next KVM_RUN, while Run is between two KVM_RUNs; before
// Run, into sregs for Run's first KVM_RUN (where KVM takes them from the
// page); with KVM_SET_SREGS on other hosts.
func (c *CPU) setSregs(s *kvm.Sregs) error {
	switch {
	case c.sregsOnPage.Load():
		run := c.v.Run()
		run.SyncSregs = *s
		run.DirtyRegs |= kvm.KVM_SYNC_X86_SREGS
		return nil
	case syncSregs():
		c.sregs, c.sregsPending = *s, true
		return nil
	}
	return c.v.SetSregs(s)
}

// SetResume makes the current system call return to c.Regs as set by the
// Handler (rt_sigreturn, signal delivery) rather than to RCX.
func (c *CPU) SetResume() { c.explicit = true }

// ResumeSet reports whether SetResume was called during this system call.
func (c *CPU) ResumeSet() bool { return c.explicit }

// SaveFPU returns the vCPU's x87/SSE state.
func (c *CPU) SaveFPU() (*kvm.FPU, error) {
	f := new(kvm.FPU)
	return f, c.v.GetFPU(f)
}

// RestoreFPU sets the vCPU's x87/SSE state.
func (c *CPU) RestoreFPU(f *kvm.FPU) error { return c.v.SetFPU(f) }

// Machine returns the VM this vCPU belongs to.
func (c *CPU) Machine() *Machine { return c.m }

func (c *CPU) sysPage(va uint64, prot Prot) ([]byte, error) {
	as := c.m.AS
	if pa, _, _, ok := as.Lookup(va); ok {
		return c.m.Mem.Page(pa), nil
	}
	pa, err := c.m.Mem.AllocPage()
	if err != nil {
		return nil, err
	}
	// Supervisor-only: the guest cannot read or write its own descriptor
	// tables or exception stack (kvm-pvm delivers exceptions at CPL 0).
	if err := as.MapPage(va, pa, prot, false); err != nil {
		return nil, err
	}
	return c.m.Mem.Page(pa), nil
}

// setup builds the vCPU's descriptor tables and long-mode state.
func (c *CPU) setup(cpuid []kvm.CPUIDEntry) error {
	base := cpuArea + uint64(c.slot)*cpuAreaN
	gdt, err := c.sysPage(base+cpuGDT, ProtRead)
	if err != nil {
		return err
	}
	tss, err := c.sysPage(base+cpuTSS, ProtRead)
	if err != nil {
		return err
	}
	idt, err := c.sysPage(base+cpuIDT, ProtRead)
	if err != nil {
		return err
	}
	for off := uint64(0); off < excStack; off += PageSize {
		if _, err := c.sysPage(base+cpuStack+off, ProtRead|ProtWrite); err != nil {
			return err
		}
	}
	buildGDT(gdt, base+cpuTSS)
	buildTSS(tss, base+cpuStack+excStack)
	buildIDT(idt, vectorEntry)

	if cpuid != nil {
		if err := c.v.SetCPUID(cpuid); err != nil {
			return err
		}
	}
	var s kvm.Sregs
	if err := c.v.GetSregs(&s); err != nil {
		return err
	}
	code := kvm.Segment{Limit: 0xffffffff, Selector: selUserCode, Type: 11, Present: 1, DPL: 3, S: 1, L: 1, G: 1}
	data := kvm.Segment{Limit: 0xffffffff, Selector: selUserData, Type: 3, Present: 1, DPL: 3, S: 1, DB: 1, G: 1}
	s.CS = code
	s.DS, s.ES, s.FS, s.GS, s.SS = data, data, data, data, data
	s.TR = kvm.Segment{Base: base + cpuTSS, Limit: tssLimit, Selector: selTSS, Type: 11, Present: 1}
	s.LDT = kvm.Segment{Selector: 0, Type: 2, Present: 1, Limit: 0xffff}
	s.GDT = kvm.DTable{Base: base + cpuGDT, Limit: gdtEntries*8 - 1}
	s.IDT = kvm.DTable{Base: base + cpuIDT, Limit: 32*16 - 1}
	s.CR0 = cr0PE | cr0MP | cr0ET | cr0NE | cr0WP | cr0PG
	s.CR3 = c.m.AS.CR3()
	s.CR4 = cr4PAE | cr4OSFXSR | cr4OSXMMEXCPT
	s.EFER = eferSCE | eferLME | eferLMA | eferNXE
	if err := c.setSregs(&s); err != nil {
		return err
	}
	// STAR: SYSCALL loads CS=0x08, SS=0x10; SYSRET's base 0x10 gives user
	// CS 0x23 and SS 0x1b (SDM vol. 3A, 5.8.8). FMASK clears TF, DF, NT and
	// AC on entry but keeps IOPL, which the stub's `out` needs at CPL 3.
	const fmask = 1<<8 | 1<<10 | 1<<14 | 1<<18
	if err := c.v.SetMSRs([]kvm.MSREntry{
		{Index: kvm.MSR_STAR, Data: uint64(selKernelData)<<48 | uint64(selKernelCode)<<32},
		{Index: kvm.MSR_LSTAR, Data: stubVA + stubSyscallOff},
		{Index: kvm.MSR_SYSCALL_MASK, Data: fmask},
	}); err != nil {
		return err
	}
	c.Regs.RFLAGS = rflagsRsv | rflagsIOPL
	return nil
}

// userFlags are the RFLAGS bits a guest may keep across a system call:
// CF, PF, AF, ZF, SF, TF, DF, OF, AC, ID.
const userFlags = 1<<0 | 1<<2 | 1<<4 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11 | 1<<18 | 1<<21

// UserRFLAGS returns the RFLAGS a guest thread resumes with, given the
// value it had (R11 at a `syscall`): only arithmetic and user-controlled
// flags are kept.
func UserRFLAGS(r11 uint64) uint64 { return r11&userFlags | rflagsRsv | rflagsIOPL }

// kick makes the vCPU leave (or not enter) KVM_RUN.
func (c *CPU) kick() {
	c.v.SetImmediateExit(true)
	if tid := c.tid.Load(); tid != 0 {
		// SIGURG is the Go runtime's own preemption signal: harmless to any
		// Go thread, and it interrupts KVM_RUN with EINTR.
		unix.Tgkill(unix.Getpid(), int(tid), unix.SIGURG)
	}
}

// Interrupt makes the vCPU leave the guest soon, from any goroutine; its
// Handler's Interrupted is then called (if it is an Interrupter). A vCPU
// whose Run has returned is left alone (its kvm_run page may be gone).
func (c *CPU) Interrupt() {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	if c.m.cpus != nil && c.m.cpus[c.ID] == c {
		c.kick()
	}
}

// InUserCode reports whether the vCPU is stopped in the program's own code
// at CPL 3 (not in the monitor's stub), so its registers may be redirected.
func (c *CPU) InUserCode() bool {
	var s kvm.Sregs
	if err := c.getSregs(&s); err != nil {
		return false
	}
	return s.CS.Selector&3 == 3 && c.Regs.RIP >= UserMin && c.Regs.RIP < UserMax
}

// SetFSBase sets the FS segment base (arch_prctl(ARCH_SET_FS)).
func (c *CPU) SetFSBase(base uint64) error {
	if !canonical(base) {
		return ErrFault
	}
	var s kvm.Sregs
	if err := c.getSregs(&s); err != nil {
		return err
	}
	s.FS.Base = base
	return c.setSregs(&s)
}

// FSBase returns the FS segment base.
func (c *CPU) FSBase() (uint64, error) {
	var s kvm.Sregs
	if err := c.getSregs(&s); err != nil {
		return 0, err
	}
	return s.FS.Base, nil
}

// Run runs the vCPU on the calling goroutine, locked to its OS thread,
// until the guest faults, the Handler returns an error, or the machine is
// stopped. It returns why: a *Fault, the Handler's error, or the error given
// to Machine.Stop.
func (c *CPU) Run(ctx context.Context, h Handler) (err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c.tid.Store(int32(unix.Gettid()))
	run := c.v.Run()
	defer func() {
		if c.sregsOnPage.Load() {
			c.sregsOnPage.Store(false)
			// Changes no KVM_RUN took (the thread ended in between) are
			// made by ioctl, so the vCPU's state is what the page said.
			if run.DirtyRegs&kvm.KVM_SYNC_X86_SREGS != 0 {
				_ = c.v.SetSregs(&run.SyncSregs)
			}
		}
		run.DirtyRegs = 0
		c.tid.Store(0)
		c.m.releaseCPU(c, errors.Is(err, ErrThreadExit))
	}()
	// The registers reach the vCPU with the first KVM_RUN, on the page.
	run.ValidRegs = kvm.KVM_SYNC_X86_REGS
	run.SyncRegs = c.Regs
	run.DirtyRegs = kvm.KVM_SYNC_X86_REGS
	if syncSregs() {
		run.ValidRegs |= kvm.KVM_SYNC_X86_SREGS
		if c.sregsPending {
			run.SyncSregs = c.sregs
			run.DirtyRegs |= kvm.KVM_SYNC_X86_SREGS
			c.sregsPending = false
		}
	}
	for {
		if c.m.stopping.Load() {
			return c.m.StopErr()
		}
		err := c.v.RunOnce()
		// KVM stores the registers in the page at every return from
		// KVM_RUN, interrupted ones included.
		c.sregsOnPage.Store(run.ValidRegs&kvm.KVM_SYNC_X86_SREGS != 0 && (err == nil || errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN)))
		if err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				// A kick: clear immediate_exit (Stop sets stopping first,
				// so the check at the top of the loop cannot miss it).
				c.v.SetImmediateExit(false)
				if ih, ok := h.(Interrupter); ok && !c.m.stopping.Load() {
					c.Regs = run.SyncRegs
					if ih.Interrupted(ctx, c) && c.Regs.RIP >= UserMin && c.Regs.RIP < UserMax {
						c.Regs.RFLAGS = UserRFLAGS(c.Regs.RFLAGS)
						run.SyncRegs = c.Regs
						run.DirtyRegs |= kvm.KVM_SYNC_X86_REGS
					}
				}
				continue
			}
			return c.fail(fmt.Errorf("KVM_RUN on vCPU %d: %w", c.ID, err))
		}
		c.Exits++
		c.Regs = run.SyncRegs
		switch run.ExitReason {
		case kvm.KVM_EXIT_IO:
			io := run.IO()
			switch {
			case io.Direction == kvm.KVM_EXIT_IO_OUT && io.Port == portSyscall && c.Regs.RIP == stubSyscallRIP:
				if err := c.syscall(ctx, h); err != nil {
					return err
				}
			case io.Direction == kvm.KVM_EXIT_IO_OUT && io.Port >= portException && io.Port < portException+32 &&
				c.Regs.RIP == vectorRIP(int(io.Port-portException)):
				if err := c.exception(ctx, h, int(io.Port-portException)); err != nil {
					return c.fail(err)
				}
			default:
				return c.fail(&Fault{CPU: c.ID, Vector: -1, Kind: "I/O port access", Addr: uint64(io.Port), RIP: c.Regs.RIP})
			}
		case kvm.KVM_EXIT_MMIO:
			return c.fail(&Fault{CPU: c.ID, Vector: -1, Kind: "access outside guest memory", Addr: run.MMIO().PhysAddr, RIP: c.Regs.RIP})
		case kvm.KVM_EXIT_HLT:
			return c.fail(&Fault{CPU: c.ID, Vector: -1, Kind: "hlt", RIP: c.Regs.RIP})
		case kvm.KVM_EXIT_SHUTDOWN:
			return c.fail(&Fault{CPU: c.ID, Vector: -1, Kind: "triple fault", RIP: c.Regs.RIP})
		case kvm.KVM_EXIT_INTERNAL_ERROR, kvm.KVM_EXIT_FAIL_ENTRY:
			return c.fail(&Fault{CPU: c.ID, Vector: -1, Kind: fmt.Sprintf("KVM exit %d (suberror %d)", run.ExitReason, run.InternalSuberror()), RIP: c.Regs.RIP})
		default:
			return c.fail(&Fault{CPU: c.ID, Vector: -1, Kind: fmt.Sprintf("unexpected KVM exit %d", run.ExitReason), RIP: c.Regs.RIP})
		}
	}
}

// fail stops the whole machine with err and returns it (or the error that
// stopped the machine first).
func (c *CPU) fail(err error) error {
	c.m.Stop(err)
	return c.m.StopErr()
}

// syscall serves one system call and returns to the guest.
func (c *CPU) syscall(ctx context.Context, h Handler) error {
	c.Syscalls++
	if !c.vmxKnown {
		var s kvm.Sregs
		if err := c.getSregs(&s); err != nil {
			return c.fail(err)
		}
		c.vmx = s.CS.Selector&3 == 0
		c.vmxKnown = true
	}
	if err := h.Syscall(ctx, c); err != nil {
		return err
	}
	if c.explicit {
		c.explicit = false
		c.Regs.RFLAGS = UserRFLAGS(c.Regs.RFLAGS)
	} else {
		c.Regs.RIP = c.Regs.RCX
		c.Regs.RFLAGS = UserRFLAGS(c.Regs.R11)
	}
	if c.Regs.RIP < UserMin || c.Regs.RIP >= UserMax {
		// Only a jump into the stub (or a forged signal frame) gets here.
		return c.fail(&Fault{CPU: c.ID, Vector: -1, Kind: "system call return address outside user space", Addr: c.Regs.RIP, RIP: c.Regs.RIP})
	}
	return c.resume()
}

// resume writes c.Regs back for the next KVM_RUN, restoring user segments
// when the guest is not at CPL 3.
func (c *CPU) resume() error {
	run := c.v.Run()
	run.SyncRegs = c.Regs
	run.DirtyRegs |= kvm.KVM_SYNC_X86_REGS
	if !c.vmx {
		return nil
	}
	return c.toUser()
}

// toUser puts the vCPU back at CPL 3 with the user segments. With the
// special registers on the kvm_run page (sregsOnPage) this costs no
// ioctl: the change rides on the next KVM_RUN.
func (c *CPU) toUser() error {
	if c.sregsOnPage.Load() {
		run := c.v.Run()
		run.SyncSregs.CS = userCodeSegment
		run.SyncSregs.SS = userDataSegment
		run.DirtyRegs |= kvm.KVM_SYNC_X86_SREGS
		return nil
	}
	var s kvm.Sregs
	if err := c.v.GetSregs(&s); err != nil {
		return c.fail(err)
	}
	s.CS, s.SS = userCodeSegment, userDataSegment
	if err := c.v.SetSregs(&s); err != nil {
		return c.fail(err)
	}
	return nil
}

// The user code and data segments every vCPU runs the program with.
var (
	userCodeSegment = kvm.Segment{Limit: 0xffffffff, Selector: selUserCode, Type: 11, Present: 1, DPL: 3, S: 1, L: 1, G: 1}
	userDataSegment = kvm.Segment{Limit: 0xffffffff, Selector: selUserData, Type: 3, Present: 1, DPL: 3, S: 1, DB: 1, G: 1}
)

// exception handles vector v delivered to the stub: a page fault the
// address space can resolve resumes the guest; anything else is a Fault.
func (c *CPU) exception(ctx context.Context, h Handler, v int) error {
	var s kvm.Sregs
	if err := c.getSregs(&s); err != nil {
		return err
	}
	n := 5
	if hasErrorCode(v) {
		n = 6
	}
	frame := make([]byte, n*8)
	if err := c.readSys(c.Regs.RSP, frame); err != nil {
		return &Fault{CPU: c.ID, Vector: v, Kind: exceptionName(v) + " (unreadable exception frame)", RIP: c.Regs.RIP}
	}
	w := func(i int) uint64 { return binary.LittleEndian.Uint64(frame[i*8:]) }
	var code uint64
	if n == 6 {
		code, frame = w(0), frame[8:]
	}
	rip, cs, rflags, rsp := w(0), w(1), w(2), w(3)
	f := &Fault{CPU: c.ID, Vector: v, Kind: exceptionName(v), RIP: rip, ErrorCode: code}
	// The interrupted user state: the stub changed nothing but RIP, RSP
	// and RFLAGS, which the exception frame holds.
	resume := func() error {
		c.Regs.RIP, c.Regs.RSP = rip, rsp
		c.Regs.RFLAGS = rflags&userFlags | rflagsRsv | rflagsIOPL
		run := c.v.Run()
		run.SyncRegs = c.Regs
		run.DirtyRegs |= kvm.KVM_SYNC_X86_REGS
		if s.CS.Selector&3 != 3 {
			return c.toUser()
		}
		return nil
	}
	if v == 14 {
		f.Addr = s.CR2
		if code&1 == 0 && cs&3 == 3 && c.m.AS.Fault != nil && s.CR2 < UserMax {
			ferr := c.m.AS.Fault(s.CR2, code&2 != 0)
			if errors.Is(ferr, ErrNoMemory) {
				f.Kind += " (out of guest memory)"
			}
			if ferr == nil {
				return resume()
			}
		}
	}
	if fh, ok := h.(FaultHandler); ok && cs&3 == 3 && !strings.Contains(f.Kind, "out of guest memory") {
		saved := c.Regs
		c.Regs.RIP, c.Regs.RSP, c.Regs.RFLAGS = rip, rsp, rflags
		if fh.Fault(ctx, c, f) {
			rip, rsp, rflags = c.Regs.RIP, c.Regs.RSP, c.Regs.RFLAGS
			if rip < UserMin || rip >= UserMax {
				return f
			}
			return resume()
		}
		c.Regs = saved
	}
	return f
}

// readSys reads monitor-owned memory (the exception stack) at va.
func (c *CPU) readSys(va uint64, dst []byte) error {
	for len(dst) > 0 {
		pa, _, _, ok := c.m.AS.Lookup(va)
		if !ok || va < sysBase {
			return ErrFault
		}
		pg := c.m.Mem.Page(pa)
		k := copy(dst, pg[pa&(PageSize-1):])
		dst, va = dst[k:], va+uint64(k)
	}
	return nil
}
