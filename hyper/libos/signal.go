//go:build linux && amd64

package libos

import (
	"context"
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/hyper"
	"nexusos/hyper/kvm"
)

// Signals. A CPU fault the program has a handler for (SIGSEGV for page
// and protection faults, SIGILL, SIGFPE, SIGTRAP) runs that handler on a
// Linux-layout signal frame, and rt_sigreturn resumes from the (possibly
// edited) frame: that is how Go turns a nil dereference into a recoverable
// panic. Signals a thread sends with kill/tkill/tgkill to a thread with a
// handler are delivered asynchronously: the target vCPU is kicked out of
// the guest and redirected to the handler (Go's SIGURG preemption). Masks,
// pending sets, waiting calls and restarts are in sigmask.go; timers in
// timer.go.

// sigaction is struct sigaction as the x86-64 kernel sees it
// (<asm/signal.h>: handler, flags, restorer, mask).
type sigaction struct {
	handler, flags, restorer, mask uint64
}

// Signal numbers, flags and codes from <signal.h> and <asm/siginfo.h>.
const (
	numSignals  = 64
	sigDFL      = 0
	sigIGN      = 1
	saSiginfo   = 0x4
	saOnstack   = 0x08000000
	saRestorer  = 0x04000000
	ssOnstack   = 1
	minSigStack = 2048

	segvMaperr = 1
	segvAccerr = 2
	siKernel   = 0x80
	illIllopn  = 2
	fpeIntdiv  = 1
	trapBrkpt  = 1
	siTkill    = -6

	// maxSavedFPU bounds the saved x87/SSE states per thread (one per
	// delivered signal not yet returned from; handlers that siglongjmp out
	// never return, so the oldest are dropped).
	maxSavedFPU = 32
	// maxSigNest bounds signals delivered to a thread without a system
	// call in between (a handler that itself faults at once).
	maxSigNest = 64
)

// Layout of the signal frame (x86-64 rt_sigframe): the return address
// (sa_restorer), then struct ucontext, then siginfo.
const (
	ucFlags    = 0
	ucStack    = 16  // stack_t: ss_sp, ss_flags, ss_size
	ucMcontext = 40  // struct sigcontext: gregs[23], fpstate, reserved
	ucSigmask  = 296 // sigset_t
	ucSize     = 304
	infoSize   = 128
	frameSize  = 8 + ucSize + infoSize
)

// gregs order in struct sigcontext / mcontext_t.
const (
	gR8 = iota
	gR9
	gR10
	gR11
	gR12
	gR13
	gR14
	gR15
	gRDI
	gRSI
	gRBP
	gRBX
	gRDX
	gRAX
	gRCX
	gRSP
	gRIP
	gEFL
	gCSGSFS
	gERR
	gTRAPNO
	gOLDMASK
	gCR2
	nGregs
)

func (p *Process) rtSigaction(sig int, act, old, size uint64) uint64 {
	if sig < 1 || sig > numSignals || size != 8 {
		return errno(unix.EINVAL)
	}
	var in sigaction
	if act != 0 {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) {
			return errno(unix.EINVAL)
		}
		var b [32]byte
		if err := p.as.CopyIn(act, b[:]); err != nil {
			return fault(err)
		}
		le := binary.LittleEndian
		in = sigaction{le.Uint64(b[0:]), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:])}
	}
	p.sigMu.Lock()
	prev := p.actions[sig]
	if act != 0 {
		p.actions[sig] = in
	}
	p.sigMu.Unlock()
	if old != 0 {
		var b [32]byte
		le := binary.LittleEndian
		le.PutUint64(b[0:], prev.handler)
		le.PutUint64(b[8:], prev.flags)
		le.PutUint64(b[16:], prev.restorer)
		le.PutUint64(b[24:], prev.mask)
		if err := p.as.CopyOut(old, b[:]); err != nil {
			return fault(err)
		}
	}
	return 0
}

// onAltStack reports whether sp lies on t's alternate signal stack.
func (t *thread) onAltStack(sp uint64) bool {
	return t.altSize != 0 && sp > t.altSP && sp <= t.altSP+t.altSize
}

func (p *Process) sigaltstack(c *hyper.CPU, t *thread, ss, old uint64) uint64 {
	if old != 0 {
		var b [24]byte
		le := binary.LittleEndian
		switch {
		case t.altSize == 0:
			le.PutUint32(b[8:], ssDisable)
		case t.onAltStack(c.Regs.RSP):
			le.PutUint32(b[8:], ssOnstack)
		}
		le.PutUint64(b[0:], t.altSP)
		le.PutUint64(b[16:], t.altSize)
		if err := p.as.CopyOut(old, b[:]); err != nil {
			return fault(err)
		}
	}
	if ss == 0 {
		return 0
	}
	if t.onAltStack(c.Regs.RSP) {
		return errno(unix.EPERM)
	}
	var b [24]byte
	if err := p.as.CopyIn(ss, b[:]); err != nil {
		return fault(err)
	}
	le := binary.LittleEndian
	sp, flags, size := le.Uint64(b[0:]), le.Uint32(b[8:]), le.Uint64(b[16:])
	switch {
	case flags == ssDisable:
		t.altSP, t.altSize = 0, 0
	case flags != 0:
		return errno(unix.EINVAL)
	case size < minSigStack:
		return errno(unix.ENOMEM)
	case sp >= hyper.UserMax || size > hyper.UserMax-sp:
		return errno(unix.EFAULT)
	default:
		t.altSP, t.altSize = sp, size
	}
	return 0
}

// signalFor maps a CPU fault to a signal, its si_code and si_addr.
func signalFor(f *hyper.Fault, rip uint64) (sig, code int, addr uint64, ok bool) {
	switch f.Vector {
	case 14:
		code = segvMaperr
		if f.ErrorCode&1 != 0 {
			code = segvAccerr
		}
		return int(unix.SIGSEGV), code, f.Addr, true
	case 13, 12, 11, 10:
		return int(unix.SIGSEGV), siKernel, 0, true
	case 6:
		return int(unix.SIGILL), illIllopn, rip, true
	case 0, 16, 19:
		return int(unix.SIGFPE), fpeIntdiv, rip, true
	case 3, 1:
		return int(unix.SIGTRAP), trapBrkpt, rip, true
	}
	return 0, 0, 0, false
}

// Fault implements hyper.FaultHandler: it runs the program's handler for
// the fault's signal, if it installed one.
func (p *Process) Fault(_ context.Context, c *hyper.CPU, f *hyper.Fault) bool {
	t, _ := c.Data.(*thread)
	if t == nil || t.sigNest >= maxSigNest {
		// A handler that faults before making any system call, again
		// and again: give up, as Linux kills a thread it cannot deliver
		// a synchronous signal to.
		return false
	}
	sig, code, addr, ok := signalFor(f, c.Regs.RIP)
	if !ok {
		return false
	}
	// A synchronous signal cannot wait: Linux unblocks it (force_sig).
	t.blocked.And(^sigBit(sig))
	return p.deliver(c, t, sig, code, addr, uint64(f.Vector), f.ErrorCode, f.Addr)
}

// Interrupted implements hyper.Interrupter: a vCPU kicked by tgkill runs
// the handler of a pending signal if it stopped in the program's code and
// not already on its signal stack. Otherwise the signal stays pending: it
// is delivered when the thread returns from a system call (rt_sigreturn
// included), and the vCPU is kicked again shortly in case it makes none.
// (Dropping a signal is not an option: Go sends no new preemption request
// to a thread until the previous SIGURG has been handled.)
func (p *Process) Interrupted(_ context.Context, c *hyper.CPU) bool {
	t, _ := c.Data.(*thread)
	if t == nil || p.deliverable(t) == 0 {
		return false
	}
	if !c.InUserCode() || t.onAltStack(c.Regs.RSP) {
		time.AfterFunc(retryKick, func() {
			if p.deliverable(t) != 0 {
				c.Interrupt()
			}
		})
		return false
	}
	return p.deliverPending(c, t)
}

// retryKick is how long a signal that could not be delivered at a kick
// waits before the next one.
const retryKick = time.Millisecond

// deliverPending runs the handler of the lowest deliverable signal. A
// pending signal whose default action kills ends the program; ignored
// ones are dropped.
func (p *Process) deliverPending(c *hyper.CPU, t *thread) bool {
	for {
		sig := p.takeSignal(t, ^t.blocked.Load())
		if sig == 0 {
			return false
		}
		act := p.action(sig)
		if discarded(sig, act) {
			continue
		}
		if act.handler == sigDFL {
			p.exitGroup(0, sig)
			return false
		}
		if p.deliver(c, t, sig, siTkill, 0, 0, 0, 0) {
			return true
		}
	}
}

// deliver builds a signal frame for sig on the thread's stack (or its
// alternate stack) from c.Regs, saves the x87/SSE state, and points c.Regs
// at the handler. It reports false when there is no handler to run.
func (p *Process) deliver(c *hyper.CPU, t *thread, sig, code int, addr, trapno, errCode, cr2 uint64) bool {
	p.sigMu.Lock()
	act := p.actions[sig]
	p.sigMu.Unlock()
	if act.handler == sigDFL || act.handler == sigIGN || act.flags&saRestorer == 0 ||
		act.handler < hyper.UserMin || act.handler >= hyper.UserMax {
		return false // the default action
	}
	r := c.Regs
	sp := r.RSP
	if act.flags&saOnstack != 0 && t.altSize != 0 && !t.onAltStack(sp) {
		sp = t.altSP + t.altSize
	} else {
		sp -= 128 // the red zone
	}
	frame := (sp-frameSize)&^15 - 8
	uc, info := frame+8, frame+8+ucSize

	b := make([]byte, frameSize)
	le := binary.LittleEndian
	le.PutUint64(b[0:], act.restorer)
	u := b[8:]
	le.PutUint64(u[ucFlags:], 0)
	le.PutUint64(u[ucStack:], t.altSP)
	if t.altSize == 0 {
		le.PutUint32(u[ucStack+8:], ssDisable)
	}
	le.PutUint64(u[ucStack+16:], t.altSize)
	g := u[ucMcontext:]
	for i, v := range [...]uint64{
		gR8: r.R8, gR9: r.R9, gR10: r.R10, gR11: r.R11, gR12: r.R12, gR13: r.R13,
		gR14: r.R14, gR15: r.R15, gRDI: r.RDI, gRSI: r.RSI, gRBP: r.RBP, gRBX: r.RBX,
		gRDX: r.RDX, gRAX: r.RAX, gRCX: r.RCX, gRSP: r.RSP, gRIP: r.RIP, gEFL: r.RFLAGS,
		gCSGSFS: 0x33, gERR: errCode, gTRAPNO: trapno, gCR2: cr2,
	} {
		le.PutUint64(g[8*i:], v)
	}
	in := b[8+ucSize:]
	le.PutUint32(in[0:], uint32(sig))
	le.PutUint32(in[8:], uint32(int32(code)))
	if code == siTkill {
		le.PutUint32(in[16:], pid)  // si_pid
		le.PutUint32(in[20:], 1000) // si_uid
	} else {
		le.PutUint64(in[16:], addr)
	}
	mask := t.blocked.Load()
	if t.restoreMask {
		// Interrupted a call with a temporary mask: the handler returns
		// to the mask from before the call.
		mask, t.restoreMask = t.savedMask, false
	}
	le.PutUint64(u[ucSigmask:], mask)
	if err := p.as.CopyOut(frame, b); err != nil {
		return false // no room for a frame
	}
	// The handler runs with the current mask (a temporary one, if the
	// call installed it) plus sa_mask and the signal, as on Linux.
	during := t.blocked.Load() | act.mask
	if act.flags&saNodefer == 0 {
		during |= sigBit(sig)
	}
	t.blocked.Store(during &^ unblockable)
	fpu, err := c.SaveFPU()
	if err != nil {
		return false
	}
	if len(t.fpu) >= maxSavedFPU {
		t.fpu = t.fpu[1:]
	}
	t.fpu = append(t.fpu, savedFPU{uc: uc, fpu: fpu})
	t.sigNest++
	c.Regs.RIP = act.handler
	c.Regs.RSP = frame
	c.Regs.RDI, c.Regs.RSI, c.Regs.RDX = uint64(sig), info, uc
	c.Regs.RAX = 0
	c.Regs.RFLAGS &^= 1 << 10 // DF clear on entry, as the ABI requires
	return true
}

// rtSigreturn restores the state saved in the signal frame the handler
// returned from (its ucontext is at RSP: sa_restorer's `ret` popped the
// return address).
func (p *Process) rtSigreturn(c *hyper.CPU, t *thread) error {
	uc := c.Regs.RSP
	g := make([]byte, 8*nGregs)
	if err := p.as.CopyIn(uc+ucMcontext, g); err != nil {
		return p.exitGroup(0, int(unix.SIGSEGV))
	}
	le := binary.LittleEndian
	r := &c.Regs
	get := func(i int) uint64 { return le.Uint64(g[8*i:]) }
	r.R8, r.R9, r.R10, r.R11 = get(gR8), get(gR9), get(gR10), get(gR11)
	r.R12, r.R13, r.R14, r.R15 = get(gR12), get(gR13), get(gR14), get(gR15)
	r.RDI, r.RSI, r.RBP, r.RBX = get(gRDI), get(gRSI), get(gRBP), get(gRBX)
	r.RDX, r.RAX, r.RCX, r.RSP = get(gRDX), get(gRAX), get(gRCX), get(gRSP)
	r.RIP, r.RFLAGS = get(gRIP), get(gEFL)
	var mb [8]byte
	if p.as.CopyIn(uc+ucSigmask, mb[:]) == nil {
		t.blocked.Store(binary.LittleEndian.Uint64(mb[:]) &^ unblockable)
	}
	// The x87/SSE state saved when this frame was delivered, if the
	// monitor still has it (a forged frame only gets its registers).
	for i := len(t.fpu) - 1; i >= 0; i-- {
		if t.fpu[i].uc == uc {
			if err := c.RestoreFPU(t.fpu[i].fpu); err != nil {
				return err
			}
			t.fpu = t.fpu[:i]
			break
		}
	}
	c.SetResume()
	if p.deliverable(t) != 0 && !t.onAltStack(c.Regs.RSP) {
		// Signals sent while the handler ran.
		p.deliverPending(c, t)
	}
	return nil
}

// savedFPU is the x87/SSE state at a signal delivery, by frame.
type savedFPU struct {
	uc  uint64 // the frame's ucontext address (RSP at rt_sigreturn)
	fpu *kvm.FPU
}
