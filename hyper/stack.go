//go:build linux && amd64

package hyper

import (
	"encoding/binary"
	"fmt"
)

// Auxiliary vector keys from <elf.h> (System V x86-64 psABI, 3.4.3).
const (
	AT_NULL         = 0
	AT_PHDR         = 3
	AT_PHENT        = 4
	AT_PHNUM        = 5
	AT_PAGESZ       = 6
	AT_BASE         = 7
	AT_FLAGS        = 8
	AT_ENTRY        = 9
	AT_UID          = 11
	AT_EUID         = 12
	AT_GID          = 13
	AT_EGID         = 14
	AT_PLATFORM     = 15
	AT_HWCAP        = 16
	AT_CLKTCK       = 17
	AT_SECURE       = 23
	AT_RANDOM       = 25
	AT_HWCAP2       = 26
	AT_EXECFN       = 31
	AT_SYSINFO_EHDR = 33
)

// Limits on the initial stack's contents.
const (
	MaxArgs     = 4096
	MaxArgBytes = 256 << 10
)

// StackConfig is what goes on a new process's stack.
type StackConfig struct {
	Args, Env []string
	Exe       *Executable
	HWCap     uint64
	Random    [16]byte
	// VDSO is the vDSO's address (AT_SYSINFO_EHDR), 0 for none.
	VDSO uint64
}

// BuildStack writes argc, argv, envp, auxv and the strings they point to
// below top (System V x86-64 psABI, figure 3.9 "Initial Process Stack")
// and returns the initial RSP, 16-byte aligned, pointing at argc.
func BuildStack(as *AddressSpace, top uint64, sc StackConfig) (uint64, error) {
	if len(sc.Args)+len(sc.Env) > MaxArgs {
		return 0, fmt.Errorf("build stack: %d arguments and variables, at most %d", len(sc.Args)+len(sc.Env), MaxArgs)
	}
	n := 0
	for _, s := range append(append([]string(nil), sc.Args...), sc.Env...) {
		n += len(s) + 1
	}
	if n > MaxArgBytes {
		return 0, fmt.Errorf("build stack: %d bytes of arguments, at most %d", n, MaxArgBytes)
	}
	// Strings and the random bytes go at the top.
	sp := top
	put := func(b []byte) (uint64, error) {
		sp -= uint64(len(b))
		return sp, as.CopyOut(sp, b)
	}
	str := func(s string) (uint64, error) { return put(append([]byte(s), 0)) }
	random, err := put(sc.Random[:])
	if err != nil {
		return 0, fmt.Errorf("build stack: %w", err)
	}
	platform, err := str("x86_64")
	if err != nil {
		return 0, err
	}
	ptrs := make([]uint64, 0, len(sc.Args)+len(sc.Env)+2)
	var execfn uint64
	for i, a := range sc.Args {
		p, err := str(a)
		if err != nil {
			return 0, err
		}
		if i == 0 {
			execfn = p
		}
		ptrs = append(ptrs, p)
	}
	envp := make([]uint64, 0, len(sc.Env))
	for _, e := range sc.Env {
		p, err := str(e)
		if err != nil {
			return 0, err
		}
		envp = append(envp, p)
	}
	x := sc.Exe
	aux := []uint64{
		AT_PHDR, x.Phdr, AT_PHENT, elfPhdrSize, AT_PHNUM, uint64(x.Phnum),
		AT_PAGESZ, PageSize, AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, x.Entry,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_PLATFORM, platform, AT_HWCAP, sc.HWCap, AT_HWCAP2, 0, AT_CLKTCK, 100,
		AT_SECURE, 0, AT_RANDOM, random, AT_EXECFN, execfn,
	}
	if sc.VDSO != 0 {
		aux = append(aux, AT_SYSINFO_EHDR, sc.VDSO)
	}
	aux = append(aux, AT_NULL, 0)
	words := []uint64{uint64(len(sc.Args))}
	words = append(words, ptrs...)
	words = append(words, 0)
	words = append(words, envp...)
	words = append(words, 0)
	words = append(words, aux...)
	sp &^= 15
	if len(words)%2 == 1 {
		sp -= 8 // keep argc 16-byte aligned
	}
	sp -= uint64(len(words)) * 8
	buf := make([]byte, len(words)*8)
	for i, w := range words {
		binary.LittleEndian.PutUint64(buf[i*8:], w)
	}
	if err := as.CopyOut(sp, buf); err != nil {
		return 0, fmt.Errorf("build stack: %w", err)
	}
	return sp, nil
}
