//go:build linux && amd64

package kvm

// ioctl numbers from <linux/kvm.h>, as computed by _IO/_IOR/_IOW on x86-64.
const (
	_KVM_GET_API_VERSION        = 0xae00
	_KVM_CREATE_VM              = 0xae01
	_KVM_CHECK_EXTENSION        = 0xae03
	_KVM_GET_VCPU_MMAP_SIZE     = 0xae04
	_KVM_GET_SUPPORTED_CPUID    = 0xc008ae05
	_KVM_CREATE_VCPU            = 0xae41
	_KVM_SET_USER_MEMORY_REGION = 0x4020ae46
	_KVM_RUN                    = 0xae80
	_KVM_GET_REGS               = 0x8090ae81
	_KVM_SET_REGS               = 0x4090ae82
	_KVM_GET_SREGS              = 0x8138ae83
	_KVM_SET_SREGS              = 0x4138ae84
	_KVM_SET_MSRS               = 0x4008ae89
	_KVM_SET_CPUID2             = 0x4008ae90
	_KVM_GET_MSRS               = 0xc008ae88
	_KVM_GET_TSC_KHZ            = 0xaea3
	_KVM_GET_FPU                = 0x81a0ae8c
	_KVM_SET_FPU                = 0x41a0ae8d
	_KVM_SET_MP_STATE           = 0x4004ae99
	_KVM_ENABLE_CAP             = 0x4068aea3
)

// KVM_API_VERSION is the only API version this package speaks.
const KVM_API_VERSION = 12

// Capabilities from <linux/kvm.h> (KVM_CHECK_EXTENSION arguments).
const (
	KVM_CAP_NR_VCPUS       = 9
	KVM_CAP_MAX_VCPUS      = 66
	KVM_CAP_SYNC_REGS      = 74
	KVM_CAP_SPLIT_IRQCHIP  = 121
	KVM_CAP_IMMEDIATE_EXIT = 136
)

// Multiprocessing states from <linux/kvm.h> (kvm_mp_state.mp_state).
const (
	KVM_MP_STATE_RUNNABLE = 0
)

// Exit reasons from <linux/kvm.h> (kvm_run.exit_reason).
const (
	KVM_EXIT_UNKNOWN         = 0
	KVM_EXIT_EXCEPTION       = 1
	KVM_EXIT_IO              = 2
	KVM_EXIT_HYPERCALL       = 3
	KVM_EXIT_DEBUG           = 4
	KVM_EXIT_HLT             = 5
	KVM_EXIT_MMIO            = 6
	KVM_EXIT_IRQ_WINDOW_OPEN = 7
	KVM_EXIT_SHUTDOWN        = 8
	KVM_EXIT_FAIL_ENTRY      = 9
	KVM_EXIT_INTR            = 10
	KVM_EXIT_INTERNAL_ERROR  = 17
	KVM_EXIT_SYSTEM_EVENT    = 24
)

// Directions of a port I/O exit (kvm_run.io.direction).
const (
	KVM_EXIT_IO_IN  = 0
	KVM_EXIT_IO_OUT = 1
)

// kvm_run.kvm_valid_regs / kvm_dirty_regs bits from <asm/kvm.h>.
const (
	KVM_SYNC_X86_REGS  = 1 << 0
	KVM_SYNC_X86_SREGS = 1 << 1
)

// Model-specific registers from <asm/msr-index.h>.
const (
	MSR_IA32_TSC       = 0x00000010
	MSR_EFER           = 0xc0000080
	MSR_STAR           = 0xc0000081
	MSR_LSTAR          = 0xc0000082
	MSR_CSTAR          = 0xc0000083
	MSR_SYSCALL_MASK   = 0xc0000084
	MSR_FS_BASE        = 0xc0000100
	MSR_GS_BASE        = 0xc0000101
	MSR_KERNEL_GS_BASE = 0xc0000102
)
