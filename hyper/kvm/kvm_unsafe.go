//go:build linux && amd64

package kvm

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctl issues an ioctl with an integer argument. KVM ioctls other than
// KVM_RUN may fail with EINTR when a signal is pending (Go's preemption
// signal reaches any thread at any time), so they are retried.
func ioctl(fd int, req, arg uintptr) (uintptr, error) {
	for {
		r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, arg)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return r, errno
		}
		return r, nil
	}
}

// ioctlPtr issues an ioctl whose argument is a pointer to a kernel struct,
// retrying on EINTR like ioctl.
func ioctlPtr(fd int, req uintptr, p unsafe.Pointer) error {
	_, err := ioctlPtrN(fd, req, p)
	return err
}

// ioctlPtrN is ioctlPtr returning the ioctl's result too.
func ioctlPtrN(fd int, req uintptr, p unsafe.Pointer) (uintptr, error) {
	for {
		// SAFETY: p points to a live Go value of the size encoded in req;
		// the kernel reads or writes only that many bytes during the call.
		r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(p))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return r, errno
		}
		return r, nil
	}
}

func cpuidPtr(c *cpuid2) unsafe.Pointer { return unsafe.Pointer(c) }

// enableCap is one capability to enable with its arguments.
//
// This mirrors struct kvm_enable_cap in <linux/kvm.h>.
type enableCap struct {
	Cap   uint32
	Flags uint32
	Args  [4]uint64
	_     [64]uint8
}

// EnableCap enables a VM capability (KVM_ENABLE_CAP on the VM) with up to
// four arguments.
func (vm *VM) EnableCap(capability uint32, args ...uint64) error {
	if len(args) > 4 {
		return fmt.Errorf("KVM_ENABLE_CAP %d: %d arguments, at most 4", capability, len(args))
	}
	c := enableCap{Cap: capability}
	copy(c.Args[:], args)
	if err := ioctlPtr(vm.fd(), _KVM_ENABLE_CAP, unsafe.Pointer(&c)); err != nil {
		return fmt.Errorf("KVM_ENABLE_CAP %d: %w", capability, err)
	}
	return nil
}

// mpState is a vCPU's multiprocessing state.
//
// This mirrors struct kvm_mp_state in <linux/kvm.h>.
type mpState struct {
	MPState uint32
}

// SetMPState sets the vCPU's multiprocessing state (KVM_MP_STATE_*).
func (c *VCPU) SetMPState(state uint32) error {
	st := mpState{MPState: state}
	return wrap("KVM_SET_MP_STATE", ioctlPtr(c.fd(), _KVM_SET_MP_STATE, unsafe.Pointer(&st)))
}

// SetUserMemoryRegion maps host memory mem as guest-physical memory at gpa
// in slot. Passing an empty mem deletes the slot.
func (vm *VM) SetUserMemoryRegion(slot uint32, gpa uint64, mem []byte) error {
	r := userspaceMemoryRegion{Slot: slot, GuestPhysAddr: gpa, MemorySize: uint64(len(mem))}
	if len(mem) > 0 {
		// SAFETY: mem is a host mapping the caller keeps alive (and does not
		// move: it comes from mmap) for as long as the slot exists.
		r.UserspaceAddr = uint64(uintptr(unsafe.Pointer(&mem[0])))
	}
	if err := ioctlPtr(vm.fd(), _KVM_SET_USER_MEMORY_REGION, unsafe.Pointer(&r)); err != nil {
		return fmt.Errorf("KVM_SET_USER_MEMORY_REGION slot %d: %w", slot, err)
	}
	return nil
}

// CreateVCPU creates vCPU id and maps its kvm_run page.
func (vm *VM) CreateVCPU(id int) (*VCPU, error) {
	fd, err := ioctl(vm.fd(), _KVM_CREATE_VCPU, uintptr(id))
	if err != nil {
		return nil, fmt.Errorf("KVM_CREATE_VCPU %d: %w", id, err)
	}
	unix.CloseOnExec(int(fd))
	f := os.NewFile(fd, "kvm-vcpu")
	raw, err := unix.Mmap(int(fd), 0, vm.sys.mmapSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("mmap kvm_run of vCPU %d: %w", id, err)
	}
	if len(raw) < int(unsafe.Sizeof(Run{})) {
		unix.Munmap(raw)
		f.Close()
		return nil, fmt.Errorf("kvm_run mapping of %d bytes is smaller than struct kvm_run", len(raw))
	}
	// SAFETY: raw is a page-aligned shared mapping at least as large as Run,
	// alive until Close; Run mirrors struct kvm_run's layout.
	run := (*Run)(unsafe.Pointer(&raw[0]))
	return &VCPU{ID: id, f: f, run: run, raw: raw}, nil
}

func (c *VCPU) fd() int { return int(c.f.Fd()) }

// RunOnce enters the guest until the next exit (KVM_RUN). EINTR is
// returned as unix.EINTR, not retried, so the caller can check why it was
// kicked.
func (c *VCPU) RunOnce() error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(c.fd()), _KVM_RUN, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// GetRegs reads the general-purpose registers.
func (c *VCPU) GetRegs(r *Regs) error {
	return wrap("KVM_GET_REGS", ioctlPtr(c.fd(), _KVM_GET_REGS, unsafe.Pointer(r)))
}

// SetRegs writes the general-purpose registers.
func (c *VCPU) SetRegs(r *Regs) error {
	return wrap("KVM_SET_REGS", ioctlPtr(c.fd(), _KVM_SET_REGS, unsafe.Pointer(r)))
}

// GetSregs reads the special registers.
func (c *VCPU) GetSregs(s *Sregs) error {
	return wrap("KVM_GET_SREGS", ioctlPtr(c.fd(), _KVM_GET_SREGS, unsafe.Pointer(s)))
}

// SetSregs writes the special registers.
func (c *VCPU) SetSregs(s *Sregs) error {
	return wrap("KVM_SET_SREGS", ioctlPtr(c.fd(), _KVM_SET_SREGS, unsafe.Pointer(s)))
}

// GetFPU reads the x87/SSE state.
func (c *VCPU) GetFPU(f *FPU) error {
	return wrap("KVM_GET_FPU", ioctlPtr(c.fd(), _KVM_GET_FPU, unsafe.Pointer(f)))
}

// SetFPU writes the x87/SSE state.
func (c *VCPU) SetFPU(f *FPU) error {
	return wrap("KVM_SET_FPU", ioctlPtr(c.fd(), _KVM_SET_FPU, unsafe.Pointer(f)))
}

// maxMSRs bounds one SetMSRs call.
const maxMSRs = 16

// msrs is a kvm_msrs header with room for maxMSRs entries.
//
// This mirrors struct kvm_msrs in <asm/kvm.h> with a fixed-size tail.
type msrs struct {
	NMSRs   uint32
	_       uint32
	Entries [maxMSRs]MSREntry
}

// SetMSRs writes model-specific registers.
func (c *VCPU) SetMSRs(entries []MSREntry) error {
	if len(entries) > maxMSRs {
		return fmt.Errorf("KVM_SET_MSRS: %d entries, at most %d", len(entries), maxMSRs)
	}
	m := msrs{NMSRs: uint32(len(entries))}
	copy(m.Entries[:], entries)
	n, err := ioctlPtrN(c.fd(), _KVM_SET_MSRS, unsafe.Pointer(&m))
	if err != nil {
		return fmt.Errorf("KVM_SET_MSRS: %w", err)
	}
	if int(n) != len(entries) {
		return fmt.Errorf("KVM_SET_MSRS: set %d of %d (first refused: %#x)", n, len(entries), entries[n].Index)
	}
	return nil
}

// GetMSRs reads model-specific registers: each entry's Index in, Data out.
func (c *VCPU) GetMSRs(entries []MSREntry) error {
	if len(entries) > maxMSRs {
		return fmt.Errorf("KVM_GET_MSRS: %d entries, at most %d", len(entries), maxMSRs)
	}
	m := msrs{NMSRs: uint32(len(entries))}
	copy(m.Entries[:], entries)
	n, err := ioctlPtrN(c.fd(), _KVM_GET_MSRS, unsafe.Pointer(&m))
	if err != nil {
		return fmt.Errorf("KVM_GET_MSRS: %w", err)
	}
	if int(n) != len(entries) {
		return fmt.Errorf("KVM_GET_MSRS: read %d of %d", n, len(entries))
	}
	copy(entries, m.Entries[:len(entries)])
	return nil
}

// TSCKHz returns the guest TSC frequency in kHz (KVM_GET_TSC_KHZ).
func (c *VCPU) TSCKHz() (uint32, error) {
	r, err := ioctl(c.fd(), _KVM_GET_TSC_KHZ, 0)
	if err != nil {
		return 0, fmt.Errorf("KVM_GET_TSC_KHZ: %w", err)
	}
	return uint32(r), nil
}

// SetCPUID sets the CPUID leaves the guest sees.
func (c *VCPU) SetCPUID(entries []CPUIDEntry) error {
	if len(entries) > maxCPUIDEntries {
		return fmt.Errorf("KVM_SET_CPUID2: %d entries, at most %d", len(entries), maxCPUIDEntries)
	}
	t := &cpuid2{Nent: uint32(len(entries))}
	copy(t.Entries[:], entries)
	return wrap("KVM_SET_CPUID2", ioctlPtr(c.fd(), _KVM_SET_CPUID2, unsafe.Pointer(t)))
}

func wrap(op string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// SetImmediateExit sets or clears kvm_run.immediate_exit. It may be called
// from any goroutine: it is how another thread stops a vCPU that is about
// to enter, or is in, KVM_RUN (together with a signal to its thread).
func (c *VCPU) SetImmediateExit(on bool) {
	if c.run == nil {
		return
	}
	var v uint32
	if on {
		v = 1 << 8 // byte 1 of the first word, little endian
	}
	// SAFETY: the first 4 bytes of kvm_run are request_interrupt_window,
	// immediate_exit and padding; the word is 4-byte aligned in the
	// page-aligned mapping, and this package never requests an interrupt
	// window, so byte 0 is always 0.
	atomic.StoreUint32((*uint32)(unsafe.Pointer(c.run)), v)
}
