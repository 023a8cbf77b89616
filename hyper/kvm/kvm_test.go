//go:build linux && amd64

package kvm

import (
	"testing"
	"unsafe"
)

// TestLayout checks the mirrored structs against the sizes and offsets of
// <linux/kvm.h> on x86-64.
func TestLayout(t *testing.T) {
	var r Run
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"kvm_regs", unsafe.Sizeof(Regs{}), 144},
		{"kvm_segment", unsafe.Sizeof(Segment{}), 24},
		{"kvm_sregs", unsafe.Sizeof(Sregs{}), 312},
		{"kvm_userspace_memory_region", unsafe.Sizeof(userspaceMemoryRegion{}), 32},
		{"kvm_cpuid_entry2", unsafe.Sizeof(CPUIDEntry{}), 40},
		{"kvm_msr_entry", unsafe.Sizeof(MSREntry{}), 16},
		{"kvm_fpu", unsafe.Sizeof(FPU{}), 416},
		{"kvm_run.exit_reason", unsafe.Offsetof(r.ExitReason), 8},
		{"kvm_run.io", unsafe.Offsetof(r.Exit), 32},
		{"kvm_run.kvm_valid_regs", unsafe.Offsetof(r.ValidRegs), 288},
		{"kvm_run.s.regs", unsafe.Offsetof(r.SyncRegs), 304},
		{"kvm_run.s.sregs", unsafe.Offsetof(r.SyncSregs), 448},
		{"kvm_sregs.interrupt_bitmap", unsafe.Offsetof(Sregs{}.InterruptBitmap), 280},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
}

func TestDecodeIO(t *testing.T) {
	var r Run
	copy(r.Exit[:], []byte{1, 1, 0x10, 0, 1, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0})
	io := r.IO()
	if io != (IO{Direction: KVM_EXIT_IO_OUT, Size: 1, Port: 0x10, Count: 1, DataOffset: 0x1000}) {
		t.Fatalf("IO() = %+v", io)
	}
}

func TestOpen(t *testing.T) {
	s, err := Open()
	if err != nil {
		t.Skipf("KVM not usable here: %v", err)
	}
	defer s.Close()
	vm, err := s.CreateVM()
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	c, err := vm.CreateVCPU(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var regs Regs
	if err := c.GetRegs(&regs); err != nil {
		t.Fatal(err)
	}
	if regs.RFLAGS&2 == 0 {
		t.Errorf("reset RFLAGS %#x lacks the always-one bit 1", regs.RFLAGS)
	}
}
