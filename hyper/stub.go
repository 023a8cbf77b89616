//go:build linux && amd64

package hyper

// The stub is the only code the monitor places in the guest. It is
// assembled here byte by byte (no assembler at build time):
//
//	offset 0x000  syscall entry (LSTAR):  out 0x10, al ; ud2
//	offset 0x100  vector v (0..31), 8 bytes each:  out 0x80+v, al ; ud2 ; int3 x4
//
// The `out` exits to the monitor with RIP just after it, which identifies
// the entry. The monitor never lets execution continue past the `out`: for
// a system call it sets RIP=RCX and RFLAGS=R11 itself (this is the return
// sequence `push r11; popfq; jmp rcx` without touching the guest stack and
// its red zone); for an exception it either resumes the interrupted
// instruction from the exception frame or stops the VM. The ud2 after each
// `out` is a tripwire should that ever change.
const (
	stubSyscallOff = 0x000
	stubVectorOff  = 0x100
	stubVectorLen  = 8
)

const (
	opOutImm8AL = 0xe6 // OUT imm8, AL
	opUD2a      = 0x0f
	opUD2b      = 0x0b
	opInt3      = 0xcc
)

// stubCode returns the stub page's contents.
func stubCode() []byte {
	p := make([]byte, PageSize)
	for i := range p {
		p[i] = opInt3
	}
	copy(p[stubSyscallOff:], []byte{opOutImm8AL, portSyscall, opUD2a, opUD2b})
	for v := 0; v < 32; v++ {
		copy(p[stubVectorOff+v*stubVectorLen:], []byte{opOutImm8AL, byte(portException + v), opUD2a, opUD2b})
	}
	return p
}

// stubSyscallRIP is RIP after the syscall entry's `out`.
const stubSyscallRIP = stubVA + stubSyscallOff + 2

// vectorRIP is RIP after vector v's `out`.
func vectorRIP(v int) uint64 { return stubVA + stubVectorOff + uint64(v)*stubVectorLen + 2 }

// vectorEntry is the handler address of vector v.
func vectorEntry(v int) uint64 { return stubVA + stubVectorOff + uint64(v)*stubVectorLen }
