//go:build linux && amd64

// Package hyper is the NexusOS virtual machine monitor for tier-2 microVMs:
// it runs one static Linux x86-64 program in its own KVM virtual machine
// with no guest kernel. The program runs at CPL 3 in 64-bit mode; its
// `syscall` instructions and CPU exceptions land in a tiny stub (a few
// bytes assembled by this package) that exits to the monitor with an `out`
// to a reserved port, and the monitor hands them to a Handler (the library
// OS in hyper/libos).
//
// The package owns guest-physical memory (one mmap'd slot and a page
// allocator), the 4-level page tables (built and changed only by the
// monitor), the descriptor tables and MSRs of long mode, the vCPU run loops
// (each on a locked OS thread), ELF loading and the initial process stack.
//
// Guest layout (virtual addresses):
//
//	0x0000_0000_0001_0000 .. 0x0000_7fff_ffff_f000   the program: ELF, heap, mmap, stacks
//	0xffff_ff80_0000_0000                            stub page (user, read+execute)
//	0xffff_ff80_0000_1000                            vDSO image (user, read+execute)
//	0xffff_ff80_0000_2000                            vDSO data (user, read-only)
//	0xffff_ff80_0001_0000 + 64 KiB*n                 vCPU n: GDT, TSS, IDT, exception
//	                                                 stack (supervisor-only)
//
// Page tables are not mapped in the guest at all.
//
// SharedPages and Memory.MapShared let machines restored from one
// snapshot (hyper/libos, Resume) share its pages copy-on-write.
//
// A Machine is safe for concurrent use by its vCPUs; a CPU belongs to the
// goroutine that runs it. The tier-2 packages (hyper/...) and `nexus vm`
// build only on linux/amd64.
//
// # PVM and VMX hosts
//
// On hosts whose /dev/kvm is kvm-pvm (shadow paging without VMX), CPL-0
// guest code is emulated one instruction at a time and `syscall` does not
// change CPL, so everything the guest executes, stub included, is on user
// pages and the monitor itself performs the return from a system call by
// setting RIP=RCX and RFLAGS=R11. On VMX hosts `syscall` enters CPL 0; the
// monitor then also restores the user CS and SS.
package hyper
