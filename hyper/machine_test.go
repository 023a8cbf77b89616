//go:build linux && amd64

package hyper

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"nexusos/hyper/kvm"
)

// needKVM skips the test when /dev/kvm cannot run guests here.
func needKVM(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("skipping: KVM unavailable on this machine: %v", err)
	}
}

const (
	codeVA  = 0x40_0000
	stackVA = 0x7f_f000
)

// snippetMachine maps code at codeVA and one stack page and returns a vCPU
// ready to run it.
func snippetMachine(t testing.TB, code []byte) (*Machine, *CPU) {
	t.Helper()
	m, err := New(16 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	for off := 0; off < len(code); off += PageSize {
		pa, err := m.Mem.AllocPage()
		if err != nil {
			t.Fatal(err)
		}
		copy(m.Mem.Page(pa), code[off:])
		if err := m.AS.MapPage(codeVA+uint64(off), pa, ProtRead|ProtExec, true); err != nil {
			t.Fatal(err)
		}
	}
	pa, err := m.Mem.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.AS.MapPage(stackVA, pa, ProtRead|ProtWrite, true); err != nil {
		t.Fatal(err)
	}
	c, err := m.NewCPU()
	if err != nil {
		t.Fatal(err)
	}
	c.Regs.RIP = codeVA
	c.Regs.RSP = stackVA + PageSize
	return m, c
}

// exitCode is returned by testHandler on exit.
type exitCode int

func (e exitCode) Error() string { return "exit" }

// testHandler serves write(2), getpid(2) and exit(2) for snippets.
type testHandler struct {
	out   bytes.Buffer
	calls int
}

func (h *testHandler) Syscall(_ context.Context, c *CPU) error {
	h.calls++
	switch c.Regs.RAX {
	case 1: // write
		buf := make([]byte, min(c.Regs.RDX, 4096))
		if err := c.m.AS.CopyIn(c.Regs.RSI, buf); err != nil {
			c.Regs.RAX = ^uint64(13) // -EFAULT
			return nil
		}
		h.out.Write(buf)
		c.Regs.RAX = uint64(len(buf))
	case 39: // getpid
		c.Regs.RAX = 1
	case 60, 231:
		return exitCode(c.Regs.RDI)
	default:
		c.Regs.RAX = ^uint64(37) // -ENOSYS
	}
	return nil
}

// helloSnippet is: write(1, msg, 6); exit(7); msg: "hello\n".
var helloSnippet = []byte{
	0xb8, 1, 0, 0, 0, // mov eax, 1
	0xbf, 1, 0, 0, 0, // mov edi, 1
	0x48, 0x8d, 0x35, 0x13, 0, 0, 0, // lea rsi, [rip+19]
	0xba, 6, 0, 0, 0, // mov edx, 6
	0x0f, 0x05, // syscall
	0xb8, 60, 0, 0, 0, // mov eax, 60
	0xbf, 7, 0, 0, 0, // mov edi, 7
	0x0f, 0x05, // syscall
	'h', 'e', 'l', 'l', 'o', '\n',
}

func TestSnippetWriteExit(t *testing.T) {
	needKVM(t)
	_, c := snippetMachine(t, helloSnippet)
	h := &testHandler{}
	err := c.Run(context.Background(), h)
	var code exitCode
	if !errors.As(err, &code) || code != 7 {
		t.Fatalf("Run = %v, want exit 7", err)
	}
	if got := h.out.String(); got != "hello\n" {
		t.Fatalf("output %q, want %q", got, "hello\n")
	}
}

// TestSecondCPURuns: a vCPU other than the first runs guest code. With
// the local APICs in the kernel (New), KVM would otherwise keep it waiting
// for a startup IPI forever.
func TestSecondCPURuns(t *testing.T) {
	needKVM(t)
	m, first := snippetMachine(t, helloSnippet)
	sys, err := openSystem()
	if err != nil {
		t.Fatal(err)
	}
	if sys.CheckExtension(kvm.KVM_CAP_SPLIT_IRQCHIP) > 0 && !m.LocalAPIC() {
		t.Errorf("KVM offers KVM_CAP_SPLIT_IRQCHIP, but the machine has no in-kernel local APICs")
	}
	c, err := m.NewCPU()
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == first.ID {
		t.Fatalf("second vCPU has the first one's id %d", c.ID)
	}
	c.Regs = first.Regs
	h := &testHandler{}
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background(), h) }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		// A vCPU blocked in the kernel for a startup IPI does not even
		// notice a stop; the test binary's exit ends it.
		t.Fatalf("vCPU %d did not run within 10 s", c.ID)
	}
	var code exitCode
	if !errors.As(err, &code) || code != 7 {
		t.Fatalf("vCPU %d: Run = %v, want exit 7", c.ID, err)
	}
	if got := h.out.String(); got != "hello\n" {
		t.Fatalf("output %q, want %q", got, "hello\n")
	}
}

func TestSnippetPageFault(t *testing.T) {
	needKVM(t)
	// mov rax, [0x123456789000]... use movabs: 48 a1 imm64
	code := []byte{0x48, 0xa1, 0, 0x90, 0x78, 0x56, 0x34, 0x12, 0, 0, 0x0f, 0x0b}
	_, c := snippetMachine(t, code)
	err := c.Run(context.Background(), &testHandler{})
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("Run = %v, want a *Fault", err)
	}
	t.Logf("fault: %v", f)
	if f.Vector != 14 || f.Addr != 0x1234_5678_9000 || f.RIP != codeVA {
		t.Fatalf("fault %+v, want #PF at 0x123456789000 from rip %#x", f, codeVA)
	}
}

func TestSnippetPrivileged(t *testing.T) {
	needKVM(t)
	for _, tc := range []struct {
		name string
		code []byte
		kind string
	}{
		{"hlt", []byte{0xf4}, "#GP"},
		{"ud2", []byte{0x0f, 0x0b}, "#UD"},
		{"mov cr3", []byte{0x0f, 0x22, 0xd8}, "#GP"},
		{"out to a port the TSS bitmap denies", []byte{0xe6, 0x42}, "#GP"},
		{"forged system-call port", []byte{0xe6, portSyscall}, "I/O port access"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := snippetMachine(t, tc.code)
			err := c.Run(context.Background(), &testHandler{})
			t.Logf("%s: %v", tc.name, err)
			var f *Fault
			if !errors.As(err, &f) || !bytes.Contains([]byte(f.Kind), []byte(tc.kind)) {
				t.Fatalf("Run = %v, want a %s fault", err, tc.kind)
			}
		})
	}
}

// TestDemandPaging maps a page from the Fault hook when the guest first
// writes it, then lets the guest read it back and exit with the value.
func TestDemandPaging(t *testing.T) {
	needKVM(t)
	const lazyVA = 0x1000_0000
	code := []byte{
		0x48, 0xc7, 0xc3, 0x00, 0x00, 0x00, 0x10, // mov rbx, 0x10000000
		0xc7, 0x03, 42, 0, 0, 0, // mov dword [rbx], 42
		0x8b, 0x3b, // mov edi, [rbx]
		0xb8, 60, 0, 0, 0, // mov eax, 60
		0x0f, 0x05, // syscall
	}
	m, c := snippetMachine(t, code)
	faults := 0
	m.AS.Fault = func(va uint64, write bool) error {
		faults++
		if va&^(PageSize-1) != lazyVA {
			return ErrFault
		}
		pa, err := m.Mem.AllocPage()
		if err != nil {
			return err
		}
		return m.AS.MapPage(lazyVA, pa, ProtRead|ProtWrite, true)
	}
	err := c.Run(context.Background(), &testHandler{})
	var code2 exitCode
	if !errors.As(err, &code2) || code2 != 42 || faults != 1 {
		t.Fatalf("Run = %v after %d faults, want exit 42 after 1", err, faults)
	}
}

// BenchmarkSyscallRoundTrip measures guest syscall -> monitor -> guest.
func BenchmarkSyscallRoundTrip(b *testing.B) {
	needKVM(b)
	n := uint32(b.N)
	code := []byte{
		0xbb, 0, 0, 0, 0, // mov ebx, N
		0xb8, 39, 0, 0, 0, // loop: mov eax, 39 (getpid)
		0x0f, 0x05, // syscall
		0xff, 0xcb, // dec ebx
		0x75, 0xf5, // jnz loop
		0xb8, 60, 0, 0, 0, // mov eax, 60
		0x0f, 0x05, // syscall
	}
	binary.LittleEndian.PutUint32(code[1:], n)
	_, c := snippetMachine(b, code)
	h := &testHandler{}
	b.ResetTimer()
	err := c.Run(context.Background(), h)
	b.StopTimer()
	var ec exitCode
	b.ReportMetric(float64(c.Exits)/float64(b.N), "exits/op")
	if !errors.As(err, &ec) || h.calls != b.N+1 {
		b.Fatalf("Run = %v after %d calls", err, h.calls)
	}
}

// remapHandler moves remapVA to another physical page holding a different
// value on each getpid, and exits with the sum of what the guest read.
type remapHandler struct {
	m      *Machine
	values [2]byte
	n      int
}

const remapVA = 0x2000_0000

func (h *remapHandler) Syscall(_ context.Context, c *CPU) error {
	switch c.Regs.RAX {
	case 39:
		h.n++
		pa, err := h.m.Mem.AllocPage() // a different page than the old one
		if err != nil {
			return err
		}
		old, _ := h.m.AS.UnmapPage(remapVA)
		h.m.Mem.FreePage(old)
		h.m.Mem.Page(pa)[0] = h.values[h.n%2]
		if err := h.m.AS.MapPage(remapVA, pa, ProtRead, true); err != nil {
			return err
		}
		c.Regs.RAX = 0
		return nil
	case 60:
		return exitCode(c.Regs.RDI)
	}
	return errors.New("unexpected syscall")
}

// TestTLBFlush checks that a mapping the monitor changes between two guest
// reads is seen by the second read (no stale translation survives).
func TestTLBFlush(t *testing.T) {
	needKVM(t)
	code := []byte{
		0x48, 0xc7, 0xc3, 0x00, 0x00, 0x00, 0x20, // mov rbx, 0x20000000
		0x8b, 0x3b, // mov edi, [rbx]   (page 0: 1)
		0xb8, 39, 0, 0, 0, 0x0f, 0x05, // getpid: remap to page 1
		0x03, 0x3b, // add edi, [rbx]   (page 1: 10)
		0xb8, 39, 0, 0, 0, 0x0f, 0x05, // getpid: remap to page 0
		0x03, 0x3b, // add edi, [rbx]   (page 0: 1)
		0xb8, 60, 0, 0, 0, 0x0f, 0x05, // exit(edi)
	}
	m, c := snippetMachine(t, code)
	h := &remapHandler{m: m, values: [2]byte{1, 10}}
	pa, err := m.Mem.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	m.Mem.Page(pa)[0] = 1
	if err := m.AS.MapPage(remapVA, pa, ProtRead, true); err != nil {
		t.Fatal(err)
	}
	err = c.Run(context.Background(), h)
	var ec exitCode
	if !errors.As(err, &ec) || ec != 12 {
		t.Fatalf("Run = %v (exit %d), want exit 12 = 1+10+1 (a stale TLB gives 3)", err, int(ec))
	}
}

type protectHandler struct{ m *Machine }

func (h protectHandler) Syscall(_ context.Context, c *CPU) error {
	if c.Regs.RAX == 39 {
		h.m.AS.ProtectPage(remapVA, ProtRead)
		return nil
	}
	return exitCode(c.Regs.RDI)
}

// TestProtectTakesEffect checks that write access removed by the monitor
// is gone for the guest immediately.
func TestProtectTakesEffect(t *testing.T) {
	needKVM(t)
	code := []byte{
		0x48, 0xc7, 0xc3, 0x00, 0x00, 0x00, 0x20, // mov rbx, 0x20000000
		0xc7, 0x03, 1, 0, 0, 0, // mov dword [rbx], 1
		0xb8, 39, 0, 0, 0, 0x0f, 0x05, // getpid: make the page read-only
		0xc7, 0x03, 2, 0, 0, 0, // mov dword [rbx], 2  -> #PF
		0xb8, 60, 0, 0, 0, 0x0f, 0x05,
	}
	m, c := snippetMachine(t, code)
	pa, err := m.Mem.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.AS.MapPage(remapVA, pa, ProtRead|ProtWrite, true); err != nil {
		t.Fatal(err)
	}
	err = c.Run(context.Background(), protectHandler{m})
	var f *Fault
	if !errors.As(err, &f) || f.Vector != 14 || f.ErrorCode&3 != 3 || f.Addr != remapVA {
		t.Fatalf("Run = %v, want a write protection #PF at %#x", err, remapVA)
	}
	if got := m.Mem.Page(pa)[0]; got != 1 {
		t.Fatalf("page holds %d, want 1", got)
	}
}

// TestPool runs snippets on machines taken from a pool, more of them than
// the pool holds, and closes it.
func TestPool(t *testing.T) {
	needKVM(t)
	p, err := NewPool(16<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := 0; i < 5; i++ {
		m, c, err := p.Get()
		if err != nil {
			t.Fatal(err)
		}
		pa, _ := m.Mem.AllocPage()
		copy(m.Mem.Page(pa), helloSnippet)
		if err := m.AS.MapPage(codeVA, pa, ProtRead|ProtExec, true); err != nil {
			t.Fatal(err)
		}
		c.Regs.RIP = codeVA
		h := &testHandler{}
		err = c.Run(context.Background(), h)
		m.Close()
		var code exitCode
		if !errors.As(err, &code) || code != 7 || h.out.String() != "hello\n" {
			t.Fatalf("run %d: %v, %q", i, err, h.out.String())
		}
	}
}

// TestLeaveToExit: after LeaveToExit, Close stops the machine but keeps
// its VM and vCPU descriptors open and lists them in LeftDescriptors.
func TestLeaveToExit(t *testing.T) {
	needKVM(t)
	leave.on.Store(true)
	defer leave.on.Store(false)
	before := len(LeftDescriptors())
	m, err := New(16 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.NewCPU(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.NewCPU(); !errors.Is(err, ErrStopped) {
		t.Fatalf("NewCPU after Close: %v, want ErrStopped", err)
	}
	left := LeftDescriptors()[before:]
	var kinds []string
	for _, fd := range left {
		target, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
		if err != nil {
			t.Fatalf("descriptor %d closed: %v", fd, err)
		}
		kinds = append(kinds, target)
	}
	if len(kinds) != 2 || !strings.Contains(kinds[0], "kvm-vcpu") || !strings.Contains(kinds[1], "kvm-vm") {
		t.Fatalf("left %v, want a vCPU and the VM", kinds)
	}
	// What the process's exit would free.
	leave.mu.Lock()
	for _, f := range leave.files[before:] {
		f.Close()
	}
	leave.files = leave.files[:before]
	leave.mu.Unlock()
	m.Mem.close()
}

// fsHandler serves arch_prctl(ARCH_SET_FS, addr) with SetFSBase, checks
// FSBase reads it back, and exits with RDI; with exitOnSet, the thread
// ends (ErrThreadExit) right after setting it.
type fsHandler struct {
	exitOnSet bool
	readBack  uint64
}

func (h *fsHandler) Syscall(_ context.Context, c *CPU) error {
	switch c.Regs.RAX {
	case 158:
		if err := c.SetFSBase(c.Regs.RSI); err != nil {
			return err
		}
		fs, err := c.FSBase()
		if err != nil {
			return err
		}
		h.readBack = fs
		if h.exitOnSet {
			return ErrThreadExit
		}
		c.Regs.RAX = 0
	case 60:
		return exitCode(c.Regs.RDI)
	default:
		c.Regs.RAX = ^uint64(37) // -ENOSYS
	}
	return nil
}

// fsSnippet is: arch_prctl(ARCH_SET_FS, stackVA); exit(fs:[8]).
var fsSnippet = []byte{
	0xb8, 158, 0, 0, 0, // mov eax, 158
	0xbf, 0x02, 0x10, 0, 0, // mov edi, 0x1002 (ARCH_SET_FS)
	0xbe, 0x00, 0xf0, 0x7f, 0, // mov esi, stackVA
	0x0f, 0x05, // syscall
	0x64, 0x48, 0x8b, 0x3c, 0x25, 8, 0, 0, 0, // mov rdi, fs:[8]
	0xb8, 60, 0, 0, 0, // mov eax, 60
	0x0f, 0x05, // syscall
}

// TestFSBaseSetInHandler: a Handler's SetFSBase reaches the guest (which
// then reads through FS) and FSBase reads it back, whether the special
// registers travel on the kvm_run page (syncSregs) or by ioctl.
func TestFSBaseSetInHandler(t *testing.T) {
	needKVM(t)
	t.Logf("special registers on the kvm_run page: %v", syncSregs())
	m, c := snippetMachine(t, fsSnippet)
	pa, _, _, ok := m.AS.Lookup(stackVA)
	if !ok {
		t.Fatal("stack page not mapped")
	}
	binary.LittleEndian.PutUint64(m.Mem.Page(pa)[8:], 42)
	h := &fsHandler{}
	err := c.Run(context.Background(), h)
	var code exitCode
	if !errors.As(err, &code) || code != 42 {
		t.Fatalf("Run = %v, want exit 42 (the word at FS base + 8)", err)
	}
	if h.readBack != stackVA {
		t.Fatalf("FSBase in the handler = %#x, want %#x", h.readBack, stackVA)
	}
}

// TestFSBaseKeptAfterThreadExit: an FS base set in the Handler call that
// ends the thread is the vCPU's when Run returns (changes left on the
// kvm_run page are made by ioctl), so the kept vCPU holds it.
func TestFSBaseKeptAfterThreadExit(t *testing.T) {
	needKVM(t)
	m, c := snippetMachine(t, fsSnippet)
	err := c.Run(context.Background(), &fsHandler{exitOnSet: true})
	if !errors.Is(err, ErrThreadExit) {
		t.Fatalf("Run = %v, want ErrThreadExit", err)
	}
	m.mu.Lock()
	idle := slices.Clone(m.idle)
	m.mu.Unlock()
	if len(idle) != 1 {
		t.Fatalf("%d idle vCPUs after a thread exit, want 1", len(idle))
	}
	var s kvm.Sregs
	if err := idle[0].GetSregs(&s); err != nil {
		t.Fatal(err)
	}
	if s.FS.Base != stackVA {
		t.Fatalf("FS base of the exited thread's vCPU = %#x, want %#x", s.FS.Base, stackVA)
	}
	if run := idle[0].Run(); run.DirtyRegs != 0 {
		t.Fatalf("kvm_run.kvm_dirty_regs = %#x after Run returned, want 0", run.DirtyRegs)
	}
}
