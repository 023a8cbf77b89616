package main

import (
	"runtime"
	"slices"

	"golang.org/x/sys/unix"
)

// cloneReleaser starts a process that shares this one's memory (clone
// with CLONE_VM and no other sharing) and runs on stack (the top of a
// stack of its own): it blocks every signal, closes every descriptor but
// the n sorted ones at keep (fd among them), waits until a read of fd
// returns 0, and exits. It returns the child's pid, or -1 and the errno.
// Implemented in exit_linux_amd64.s.
func cloneReleaser(stack uintptr, fd int32, keep *int32, n int) (pid int64, errno uint64)

// releaserStack is the size of the helper's stack (cloneReleaser) in
// bytes; the descriptors it keeps are listed at its bottom.
const releaserStack = 16 << 10

// maxKept bounds the descriptors the helper keeps.
const maxKept = 1024

// releaseMemoryAfterExit makes the kernel free this process's address
// space, and the KVM descriptors in keep, after the process has exited
// rather than before: a helper process shares the memory and holds
// copies of those descriptors, so this process's exit drops only
// references; the helper waits for that exit (its pipe's write end,
// which only this process holds, closes) and then exits itself, which
// unmaps everything and closes the VMs.
//
// The kernel tells a process's parent that it exited only after it has
// unmapped its memory and closed its files. For `nexus run` that is its
// binary's text and data faulted in (about 4,500 page-table entries),
// its heap and its mappings, about 1.3 ms from the last thread's exit to
// the parent's wait on this machine, and a VM's teardown (0.6-0.9 ms,
// mostly kvm_destroy_vm) when the VM is left to the exit
// (kvm.LeaveToExit). The work is the same; only the caller no longer
// waits for it. The helper is reparented to init (or a subreaper), which
// reaps it; it holds no descriptor but the pipe's read end and keep, so
// neither output streams nor file locks of this process outlive it. If
// anything fails the process exits as usual.
//
// Call it last, right before os.Exit: the helper only makes system calls
// on its own stack, but the memory stays allocated until it is gone.
// keep must hold only descriptors nobody else waits on (a VM's). It
// returns the helper's pid, 0 when there is none.
func releaseMemoryAfterExit(keep []int) (helper int) {
	if len(keep) > maxKept {
		keep = nil // cannot hand them over: the exit closes them
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return 0
	}
	stack, err := unix.Mmap(-1, 0, releaserStack, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return 0
	}
	kept := keptList(stack, append(slices.Clone(keep), p[0]))
	// The helper starts with this thread's signal mask: all blocked, so
	// that no handler of the Go runtime can run in it before it blocks
	// them itself.
	runtime.LockOSThread()
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	masked := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old) == nil
	pid, _ := cloneReleaser(stackTop(stack), int32(p[0]), &kept[0], len(kept))
	if masked {
		unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	}
	runtime.UnlockOSThread()
	unix.Close(p[0])
	if pid < 0 {
		unix.Close(p[1])
		return 0
	}
	// p[1] stays open: the process's exit closes it, which lets the
	// helper go.
	return int(pid)
}
