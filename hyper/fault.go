//go:build linux && amd64

package hyper

import (
	"errors"
	"fmt"
	"strings"
)

// ErrStopped is returned by CPU.Run when the machine was stopped from
// outside (Machine.Stop, a cancelled context) rather than by the guest.
var ErrStopped = errors.New("hyper: machine stopped")

// Exception vectors that callers tell apart (SDM vol. 3A, table 6-1).
const (
	VectorDE = 0  // #DE divide error
	VectorUD = 6  // #UD invalid opcode
	VectorPF = 14 // #PF page fault
)

// exceptionNames are the architectural exception mnemonics (SDM vol. 3A,
// table 6-1).
var exceptionNames = [32]string{
	0: "#DE divide error", 1: "#DB debug", 2: "NMI", 3: "#BP breakpoint",
	4: "#OF overflow", 5: "#BR bound range", 6: "#UD invalid opcode",
	7: "#NM device not available", 8: "#DF double fault",
	10: "#TS invalid TSS", 11: "#NP segment not present",
	12: "#SS stack fault", 13: "#GP general protection",
	14: "#PF page fault", 16: "#MF x87 error", 17: "#AC alignment check",
	18: "#MC machine check", 19: "#XM SIMD exception", 20: "#VE virtualization",
	21: "#CP control protection",
}

// hasErrorCode reports whether vector v pushes an error code.
func hasErrorCode(v int) bool {
	switch v {
	case 8, 10, 11, 12, 13, 14, 17, 21, 29, 30:
		return true
	}
	return false
}

// Fault is a guest fault that stopped the VM: a CPU exception the library
// OS could not resolve, a triple fault, or an access the monitor refuses
// (a port or MMIO access by the guest itself).
type Fault struct {
	CPU       int    // vCPU number
	Vector    int    // exception vector, or -1 when Kind says what happened
	Kind      string // human name ("#PF page fault", "triple fault", ...)
	RIP       uint64 // guest instruction pointer at the fault
	Addr      uint64 // faulting address (CR2 for #PF, port or MMIO address)
	ErrorCode uint64
}

func (f *Fault) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "guest fault on vCPU %d: %s", f.CPU, f.Kind)
	switch {
	case f.Vector == VectorPF:
		fmt.Fprintf(&b, " at address %#x (%s)", f.Addr, pfCause(f.ErrorCode))
	case f.Vector < 0 && f.Addr != 0:
		fmt.Fprintf(&b, " at %#x", f.Addr)
	case hasErrorCode(f.Vector) && f.ErrorCode != 0:
		fmt.Fprintf(&b, " (error code %#x)", f.ErrorCode)
	}
	fmt.Fprintf(&b, ", rip %#x", f.RIP)
	return b.String()
}

func pfCause(code uint64) string {
	var parts []string
	if code&16 != 0 {
		parts = append(parts, "instruction fetch")
	} else if code&2 != 0 {
		parts = append(parts, "write")
	} else {
		parts = append(parts, "read")
	}
	if code&1 != 0 {
		parts = append(parts, "protection violation")
	} else {
		parts = append(parts, "not present")
	}
	if code&4 == 0 {
		parts = append(parts, "supervisor")
	}
	return strings.Join(parts, ", ")
}

func exceptionName(v int) string {
	if v >= 0 && v < len(exceptionNames) && exceptionNames[v] != "" {
		return exceptionNames[v]
	}
	return fmt.Sprintf("vector %d", v)
}
