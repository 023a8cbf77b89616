//go:build linux && amd64

package kvm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Regs holds the general-purpose registers of a vCPU.
//
// This mirrors struct kvm_regs in <asm/kvm.h>.
type Regs struct {
	RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP uint64
	R8, R9, R10, R11, R12, R13, R14, R15   uint64
	RIP, RFLAGS                            uint64
}

// Segment is one segment register as KVM sees it.
//
// This mirrors struct kvm_segment in <asm/kvm.h>.
type Segment struct {
	Base     uint64
	Limit    uint32
	Selector uint16
	Type     uint8
	Present  uint8
	DPL      uint8
	DB       uint8
	S        uint8
	L        uint8
	G        uint8
	AVL      uint8
	Unusable uint8
	_        uint8
}

// DTable is a descriptor table register (GDTR or IDTR).
//
// This mirrors struct kvm_dtable in <asm/kvm.h>.
type DTable struct {
	Base  uint64
	Limit uint16
	_     [3]uint16
}

// Sregs holds the special registers of a vCPU.
//
// This mirrors struct kvm_sregs in <asm/kvm.h>.
type Sregs struct {
	CS, DS, ES, FS, GS, SS Segment
	TR, LDT                Segment
	GDT, IDT               DTable
	CR0, CR2, CR3, CR4     uint64
	CR8                    uint64
	EFER                   uint64
	APICBase               uint64
	InterruptBitmap        [4]uint64
}

// FPU is the x87/SSE state of a vCPU, kept opaque: the monitor only saves
// and restores it (around signal handlers, in snapshots).
//
// This mirrors struct kvm_fpu in <asm/kvm.h> (416 bytes).
type FPU struct {
	// Raw is struct kvm_fpu as bytes: fpr[8][16], fcw, fsw, ftwx, pad1,
	// last_opcode, last_ip, last_dp, xmm[16][16], mxcsr, pad2.
	Raw [416]uint8
}

// FPUMXCSROffset is where MXCSR lies in FPU.Raw.
const FPUMXCSROffset = 408

// MSREntry is one model-specific register value.
//
// This mirrors struct kvm_msr_entry in <asm/kvm.h>.
type MSREntry struct {
	Index uint32
	_     uint32
	Data  uint64
}

// userspaceMemoryRegion describes one guest memory slot.
//
// This mirrors struct kvm_userspace_memory_region in <linux/kvm.h>.
type userspaceMemoryRegion struct {
	Slot          uint32
	Flags         uint32
	GuestPhysAddr uint64
	MemorySize    uint64
	UserspaceAddr uint64
}

// CPUIDEntry is one CPUID leaf.
//
// This mirrors struct kvm_cpuid_entry2 in <asm/kvm.h>.
type CPUIDEntry struct {
	Function uint32
	Index    uint32
	Flags    uint32
	EAX      uint32
	EBX      uint32
	ECX      uint32
	EDX      uint32
	_        [3]uint32
}

// maxCPUIDEntries bounds the CPUID table fetched from the kernel.
const maxCPUIDEntries = 256

// cpuid2 is a CPUID table with room for maxCPUIDEntries leaves.
//
// This mirrors struct kvm_cpuid2 in <asm/kvm.h> with a fixed-size tail.
type cpuid2 struct {
	Nent    uint32
	_       uint32
	Entries [maxCPUIDEntries]CPUIDEntry
}

// Run is the shared page KVM fills on every exit from KVM_RUN.
//
// This mirrors struct kvm_run in <linux/kvm.h> up to and including the
// synchronised registers (kvm_sync_regs: regs, sregs, events).
type Run struct {
	RequestInterruptWindow     uint8
	ImmediateExit              uint8
	_                          [6]uint8
	ExitReason                 uint32
	ReadyForInterruptInjection uint8
	IFFlag                     uint8
	Flags                      uint16
	CR8                        uint64
	APICBase                   uint64
	// Exit holds the exit-reason-specific union (256 bytes).
	Exit      [256]uint8
	ValidRegs uint64
	DirtyRegs uint64
	SyncRegs  Regs
	SyncSregs Sregs
	_         [64]uint8 // struct kvm_vcpu_events
}

// IO is a decoded KVM_EXIT_IO exit.
type IO struct {
	Direction  uint8
	Size       uint8
	Port       uint16
	Count      uint32
	DataOffset uint64
}

// IO decodes the exit union as kvm_run.io (valid when ExitReason is
// KVM_EXIT_IO).
func (r *Run) IO() IO {
	u := r.Exit[:]
	return IO{
		Direction:  u[0],
		Size:       u[1],
		Port:       binary.LittleEndian.Uint16(u[2:]),
		Count:      binary.LittleEndian.Uint32(u[4:]),
		DataOffset: binary.LittleEndian.Uint64(u[8:]),
	}
}

// MMIO is a decoded KVM_EXIT_MMIO exit.
type MMIO struct {
	PhysAddr uint64
	Data     [8]uint8
	Len      uint32
	IsWrite  bool
}

// MMIO decodes the exit union as kvm_run.mmio.
func (r *Run) MMIO() MMIO {
	u := r.Exit[:]
	m := MMIO{
		PhysAddr: binary.LittleEndian.Uint64(u[0:]),
		Len:      binary.LittleEndian.Uint32(u[16:]),
		IsWrite:  u[20] != 0,
	}
	copy(m.Data[:], u[8:16])
	return m
}

// InternalSuberror returns kvm_run.internal.suberror (KVM_EXIT_INTERNAL_ERROR)
// or kvm_run.fail_entry.hardware_entry_failure_reason (KVM_EXIT_FAIL_ENTRY).
func (r *Run) InternalSuberror() uint64 {
	return binary.LittleEndian.Uint64(r.Exit[0:])
}

// ErrUnavailable is returned by Open when /dev/kvm is missing or cannot be
// used (no permission, wrong API version).
var ErrUnavailable = errors.New("kvm: /dev/kvm unavailable")

// System is an open /dev/kvm.
type System struct {
	f        *os.File
	mmapSize int
}

// Open opens /dev/kvm and checks the API version. Errors wrap
// ErrUnavailable when KVM cannot be used on this machine.
func Open() (*System, error) {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	s := &System{f: f}
	v, err := ioctl(s.fd(), _KVM_GET_API_VERSION, 0)
	if err != nil || v != KVM_API_VERSION {
		f.Close()
		return nil, fmt.Errorf("%w: API version %d (%v), want %d", ErrUnavailable, v, err, KVM_API_VERSION)
	}
	n, err := ioctl(s.fd(), _KVM_GET_VCPU_MMAP_SIZE, 0)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: KVM_GET_VCPU_MMAP_SIZE: %v", ErrUnavailable, err)
	}
	s.mmapSize = int(n)
	return s, nil
}

func (s *System) fd() int { return int(s.f.Fd()) }

// Stat returns the status of the open /dev/kvm: its device and inode
// change when the KVM module is loaded again.
func (s *System) Stat() (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstat(s.fd(), &st)
	return st, err
}

// Close closes /dev/kvm. VMs created from it stay valid.
func (s *System) Close() error { return s.f.Close() }

// CheckExtension returns the KVM_CHECK_EXTENSION value of a capability.
func (s *System) CheckExtension(capability uintptr) int {
	v, err := ioctl(s.fd(), _KVM_CHECK_EXTENSION, capability)
	if err != nil {
		return 0
	}
	return int(v)
}

// SupportedCPUID returns the CPUID leaves KVM can expose to a guest.
func (s *System) SupportedCPUID() ([]CPUIDEntry, error) {
	c := &cpuid2{Nent: maxCPUIDEntries}
	if err := ioctlPtr(s.fd(), _KVM_GET_SUPPORTED_CPUID, cpuidPtr(c)); err != nil {
		return nil, fmt.Errorf("KVM_GET_SUPPORTED_CPUID: %w", err)
	}
	n := min(int(c.Nent), maxCPUIDEntries)
	return append([]CPUIDEntry(nil), c.Entries[:n]...), nil
}

// VM is one KVM virtual machine.
type VM struct {
	sys *System
	f   *os.File
}

// File returns the VM's descriptor (for a process that hands it on,
// hyper.LeaveToExit).
func (v *VM) File() *os.File { return v.f }

// CreateVM creates an empty VM.
func (s *System) CreateVM() (*VM, error) {
	fd, err := ioctl(s.fd(), _KVM_CREATE_VM, 0)
	if err != nil {
		return nil, fmt.Errorf("KVM_CREATE_VM: %w", err)
	}
	unix.CloseOnExec(int(fd))
	return &VM{sys: s, f: os.NewFile(fd, "kvm-vm")}, nil
}

func (vm *VM) fd() int { return int(vm.f.Fd()) }

// Close releases the VM. Its vCPUs must be closed first.
func (vm *VM) Close() error { return vm.f.Close() }

// CheckExtension returns the KVM_CHECK_EXTENSION value of a capability
// for this VM.
func (vm *VM) CheckExtension(capability uintptr) int {
	v, err := ioctl(vm.fd(), _KVM_CHECK_EXTENSION, capability)
	if err != nil {
		return 0
	}
	return int(v)
}

// VCPU is one virtual CPU and its mapped kvm_run page.
type VCPU struct {
	ID  int
	f   *os.File
	run *Run
	raw []byte
}

// File returns the vCPU's descriptor (for a process that hands it on,
// hyper.LeaveToExit).
func (c *VCPU) File() *os.File { return c.f }

// Close unmaps the run page and closes the vCPU.
func (c *VCPU) Close() error {
	if c.raw != nil {
		unix.Munmap(c.raw)
		c.raw, c.run = nil, nil
	}
	return c.f.Close()
}

// Run returns the shared kvm_run page.
func (c *VCPU) Run() *Run { return c.run }

// IOData returns the n bytes of port I/O data at off within the kvm_run
// mapping, or nil if that range lies outside it.
func (c *VCPU) IOData(off uint64, n int) []byte {
	if n < 0 || off > uint64(len(c.raw)) || uint64(n) > uint64(len(c.raw))-off {
		return nil
	}
	return c.raw[off : off+uint64(n)]
}
