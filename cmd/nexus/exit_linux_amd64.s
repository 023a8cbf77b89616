#include "textflag.h"

// func cloneReleaser(stack uintptr, fd int32, keep *int32, n int) (pid int64, errno uint64)
//
// See exit_linux_amd64.go. NOSPLIT: the child half runs on the bare stack
// given, outside the Go runtime; it touches nothing but its registers,
// that stack and keep (which is on that stack too).
TEXT ·cloneReleaser(SB),NOSPLIT,$0-48
	MOVQ	stack+0(FP), SI
	MOVL	fd+8(FP), R12
	MOVQ	keep+16(FP), R13
	MOVQ	n+24(FP), BX
	MOVQ	$0x111, DI	// CLONE_VM | SIGCHLD: the same memory, another process
	MOVQ	$0, DX
	MOVQ	$0, R10
	MOVQ	$0, R8
	MOVQ	$56, AX	// SYS_clone
	SYSCALL
	CMPQ	AX, $0
	JEQ	child
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	NEGQ	AX
	MOVQ	$-1, pid+32(FP)
	MOVQ	AX, errno+40(FP)
	RET
ok:
	MOVQ	AX, pid+32(FP)
	MOVQ	$0, errno+40(FP)
	RET

child:
	// Block every signal: the handlers installed are the Go runtime's,
	// which must not run here (they are blocked already, by the caller).
	PUSHQ	$-1
	MOVQ	$2, DI	// SIG_SETMASK
	MOVQ	SP, SI
	MOVQ	$0, DX
	MOVQ	$8, R10
	MOVQ	$14, AX	// SYS_rt_sigprocmask
	SYSCALL
	// Close the copies of every descriptor but those in keep (sorted,
	// fd among them), so that nothing else the process held (its output
	// pipes, file locks) outlives it. R15 is the lowest not yet handled.
	MOVQ	$0, R15
next:
	CMPQ	BX, $0
	JEQ	rest
	MOVLQZX	(R13), R9
	ADDQ	$4, R13
	DECQ	BX
	CMPQ	R9, R15
	JLT	next
	JEQ	skip
	MOVQ	R15, DI
	MOVQ	R9, SI
	DECQ	SI
	MOVQ	$0, DX
	MOVQ	$436, AX	// SYS_close_range
	SYSCALL
skip:
	MOVQ	R9, R15
	INCQ	R15
	JMP	next
rest:
	MOVQ	R15, DI
	MOVQ	$0xffffffff, SI
	MOVQ	$0, DX
	MOVQ	$436, AX	// SYS_close_range
	SYSCALL
wait:
	// fd is the read end of a pipe whose write end only the parent
	// holds: read returns 0 once the parent has exited.
	MOVQ	R12, DI
	MOVQ	SP, SI
	MOVQ	$1, DX
	MOVQ	$0, AX	// SYS_read
	SYSCALL
	CMPQ	AX, $0
	JGT	wait
	CMPQ	AX, $-4	// EINTR
	JEQ	wait
	MOVQ	$0, DI
	MOVQ	$60, AX	// SYS_exit: the last user of the memory, which goes now
	SYSCALL
	JMP	wait
