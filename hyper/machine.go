//go:build linux && amd64

package hyper

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"nexusos/hyper/kvm"
)

var (
	sysOnce sync.Once
	sysKVM  *kvm.System
	sysErr  error

	cpuidOnce sync.Once
	sysCPUID  []kvm.CPUIDEntry
	cpuidErr  error

	sregsSyncOnce sync.Once
	sregsSync     bool
)

// syncSregs reports whether KVM hands the special registers over in the
// kvm_run page (KVM_CAP_SYNC_REGS with KVM_SYNC_X86_SREGS): then a vCPU
// reads them there after each exit and leaves its changes there for the
// next KVM_RUN, instead of a KVM_GET_SREGS and a KVM_SET_SREGS per system
// call on a host where `syscall` enters CPL 0 (CPU.toUser). Each of those
// ioctls loads and puts the vCPU, which on a nested (PVM) host reads MSRs
// that trap to the outer hypervisor.
func syncSregs() bool {
	sregsSyncOnce.Do(func() {
		if sys, err := openSystem(); err == nil {
			sregsSync = sys.CheckExtension(kvm.KVM_CAP_SYNC_REGS)&kvm.KVM_SYNC_X86_SREGS != 0
		}
	})
	return sregsSync
}

// openSystem opens /dev/kvm once per process.
func openSystem() (*kvm.System, error) {
	sysOnce.Do(func() { sysKVM, sysErr = kvm.Open() })
	return sysKVM, sysErr
}

// supportedCPUID reads KVM's CPUID table once per process (from the file
// of CacheCPUID when it holds this boot's). It is apart from openSystem
// because asking KVM is slow where CPUID traps to a hypervisor (about
// 0.3 ms of CPU here): a VM can be created while another goroutine reads
// it, and only a vCPU's setup waits for it.
func supportedCPUID() ([]kvm.CPUIDEntry, error) {
	cpuidOnce.Do(func() {
		sys, err := openSystem()
		if err != nil {
			cpuidErr = err
			return
		}
		sysCPUID, cpuidErr = cachedSupportedCPUID(sys)
	})
	return sysCPUID, cpuidErr
}

// system opens /dev/kvm once per process and caches the CPUID table.
func system() (*kvm.System, []kvm.CPUIDEntry, error) {
	sys, err := openSystem()
	if err != nil {
		return nil, nil, err
	}
	cpuid, err := supportedCPUID()
	return sys, cpuid, err
}

// HWCap returns CPUID.1:EDX as the guest sees it (the AT_HWCAP value).
func HWCap() uint64 {
	_, cpuid, _ := system()
	for _, e := range cpuid {
		if e.Function == 1 {
			return uint64(e.EDX)
		}
	}
	return 0
}

// Available reports whether KVM can run guests here, and why not.
func Available() error {
	_, _, err := system()
	return err
}

// Machine is one VM: guest memory, its page tables and its vCPUs.
// It is safe for concurrent use.
type Machine struct {
	vm  *kvm.VM
	Mem *Memory
	AS  *AddressSpace
	// lapic is set when KVM emulates the vCPUs' local APICs (New);
	// immutable.
	lapic bool

	stopping atomic.Bool
	exits    atomic.Uint64

	mu sync.Mutex
	// cpus are the live vCPUs, by number; guarded by mu.
	cpus map[int]*CPU
	// nextID is the next vCPU number; guarded by mu.
	nextID int
	// slotUsed marks the system-area slots of live vCPUs; guarded by mu.
	slotUsed [MaxVCPUs]bool
	// idle are the vCPUs of exited threads, ready for reuse; guarded by mu.
	idle []*kvm.VCPU
	// stopErr is why the machine stopped; guarded by mu.
	stopErr error
	// closed is set by Close; guarded by mu.
	closed bool

	running sync.WaitGroup
}

// maxVCPUIDs bounds the vCPU numbers handed out over a VM's life (KVM's
// own limit on ids is at least 1024).
const maxVCPUIDs = 1024

// New creates a VM with memBytes of guest-physical memory, the stub
// mapped, and no vCPU yet.
func New(memBytes uint64) (*Machine, error) {
	sys, err := openSystem()
	if err != nil {
		return nil, err
	}
	vm, err := sys.CreateVM()
	if err != nil {
		return nil, err
	}
	// The local APICs are emulated in the kernel (a "split" irqchip: no
	// PIC or I/O APIC, and no interrupt routes, so nothing ever raises an
	// interrupt; the guest runs at CPL 3 and cannot reach an APIC). KVM
	// counts the vCPUs that have no in-kernel APIC in a static key, whose
	// first increment and last decrement patch the host kernel's text with
	// an IPI to every CPU: without this, the first vCPU and the VM's
	// teardown of every short-lived process (`nexus run`) paid that,
	// 0.2-0.4 ms of CPU per run on this (nested, PVM) host. Kernels
	// without the capability run as before.
	lapic := vm.EnableCap(kvm.KVM_CAP_SPLIT_IRQCHIP, 0) == nil
	mem, err := newMemory(memBytes)
	if err != nil {
		vm.Close()
		return nil, err
	}
	if err := vm.SetUserMemoryRegion(0, 0, mem.mem); err != nil {
		mem.close()
		vm.Close()
		return nil, err
	}
	as, err := newAddressSpace(mem)
	if err != nil {
		mem.close()
		vm.Close()
		return nil, err
	}
	m := &Machine{vm: vm, Mem: mem, AS: as, lapic: lapic, cpus: map[int]*CPU{}}
	stub, err := mem.AllocPage()
	if err == nil {
		copy(mem.Page(stub), stubCode())
		err = as.MapPage(stubVA, stub, ProtRead|ProtExec, true)
	}
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("map stub: %w", err)
	}
	return m, nil
}

// NewCPU creates the next vCPU in 64-bit mode at CPL 3 with its own GDT,
// TSS, IDT and exception stack. Its registers are zero but for RFLAGS; set
// Regs before Run.
func (m *Machine) NewCPU() (*CPU, error) {
	m.mu.Lock()
	if m.closed || m.stopping.Load() {
		m.mu.Unlock()
		return nil, ErrStopped
	}
	if len(m.cpus) >= MaxVCPUs {
		m.mu.Unlock()
		return nil, fmt.Errorf("vCPU limit of %d reached", MaxVCPUs)
	}
	// Reuse the vCPU of an exited thread when there is one: KVM cannot
	// destroy a single vCPU, and reuse also skips KVM_CREATE_VCPU.
	var v *kvm.VCPU
	if n := len(m.idle); n > 0 {
		v = m.idle[n-1]
		m.idle = m.idle[:n-1]
	} else if m.nextID >= maxVCPUIDs {
		m.mu.Unlock()
		return nil, fmt.Errorf("vCPU limit reached (%d created)", m.nextID)
	}
	id := m.nextID
	if v == nil {
		m.nextID++
	}
	slot := 0
	for m.slotUsed[slot] {
		slot++
	}
	m.slotUsed[slot] = true
	m.mu.Unlock()

	// fail gives the slot back, and closes v when it is set.
	fail := func(v *kvm.VCPU, err error) (*CPU, error) {
		if v != nil {
			v.Close()
		}
		m.mu.Lock()
		m.slotUsed[slot] = false
		m.mu.Unlock()
		return nil, err
	}
	// A reused vCPU keeps its CPUID table (KVM refuses changes after
	// KVM_RUN); a fresh one gets it once created, so that reading the
	// table (supportedCPUID) overlaps creating the VM and the vCPU.
	var cpuid []kvm.CPUIDEntry
	if v == nil {
		var err error
		if v, err = m.vm.CreateVCPU(id); err != nil {
			return fail(nil, err)
		}
		// With in-kernel APICs, KVM starts every vCPU but the first
		// waiting for a startup IPI that never comes.
		if m.lapic && id != 0 {
			if err := v.SetMPState(kvm.KVM_MP_STATE_RUNNABLE); err != nil {
				return fail(v, err)
			}
		}
		if cpuid, err = supportedCPUID(); err != nil {
			return fail(v, err)
		}
	} else {
		id = v.ID
	}
	c := &CPU{ID: id, slot: slot, m: m, v: v}
	if err := c.setup(cpuid); err != nil {
		return fail(v, fmt.Errorf("set up vCPU %d: %w", id, err))
	}
	m.mu.Lock()
	m.cpus[id] = c
	m.mu.Unlock()
	return c, nil
}

// Stop makes every vCPU leave the guest and its Run return err (ErrStopped
// when err is nil). The first error given wins. Stop does not wait.
func (m *Machine) Stop(err error) {
	if err == nil {
		err = ErrStopped
	}
	m.mu.Lock()
	if m.stopErr == nil {
		m.stopErr = err
	}
	m.stopping.Store(true)
	// Kick under mu: releaseCPU (which closes the vCPU) takes mu too.
	for _, c := range m.cpus {
		c.kick()
	}
	m.mu.Unlock()
}

// Stopping reports whether Stop was called.
func (m *Machine) Stopping() bool { return m.stopping.Load() }

// StopErr returns the error given to the first Stop, or nil.
func (m *Machine) StopErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stopErr
}

// Go runs c on a new goroutine, locked to its own OS thread; when it
// returns, done (if not nil) is called with Run's error. Wait waits for
// all of them.
func (m *Machine) Go(ctx context.Context, c *CPU, h Handler, done func(error)) {
	m.running.Add(1)
	go func() {
		defer m.running.Done()
		err := c.Run(ctx, h)
		if done != nil {
			done(err)
		}
	}()
}

// Wait waits until every vCPU started with Go has returned, and every
// Hold has been released.
func (m *Machine) Wait() { m.running.Wait() }

// Hold makes Wait also wait until release is called: a thread that gets
// its vCPU later (after a blocking call the monitor serves without one)
// holds the machine until its vCPU has been started with Go, or it ended.
func (m *Machine) Hold() (release func()) {
	m.running.Add(1)
	var once sync.Once
	return func() { once.Do(m.running.Done) }
}

// Close stops the vCPUs, waits for them and releases the VM and its
// memory; after LeaveToExit, it keeps the VM and its memory for the
// process's exit instead.
func (m *Machine) Close() error {
	m.Stop(nil)
	m.Wait()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	cpus, idle := m.cpus, m.idle
	m.cpus, m.idle = nil, nil
	m.mu.Unlock()
	if leave.on.Load() {
		leave.mu.Lock()
		for _, c := range cpus {
			leave.files = append(leave.files, c.v.File())
		}
		for _, v := range idle {
			leave.files = append(leave.files, v.File())
		}
		leave.files = append(leave.files, m.vm.File())
		leave.mu.Unlock()
		return nil
	}
	var errs []error
	for _, c := range cpus {
		errs = append(errs, c.v.Close())
	}
	for _, v := range idle {
		errs = append(errs, v.Close())
	}
	errs = append(errs, m.vm.Close())
	m.Mem.close()
	return errors.Join(errs...)
}

// leave holds what Machine.Close leaves to the process's exit
// (LeaveToExit).
var leave struct {
	on atomic.Bool
	mu sync.Mutex
	// files are the descriptors of the VMs and vCPUs left; guarded by
	// mu. Holding them also keeps their finalizers from closing them.
	files []*os.File
}

// LeaveToExit makes every later Machine.Close of this process stop the
// machine's vCPUs and wait for them as usual, but keep the VM, its vCPUs
// and its guest memory instead of releasing them: for a process that
// exits once its VM has ended (`nexus run`), where KVM's teardown of the
// VM (0.6-0.9 ms here, mostly kvm_destroy_vm) then happens in the exit,
// or after it in a process that holds the descriptors
// (LeftDescriptors). A process that lives on (a node) must never call
// it: nothing would be freed.
func LeaveToExit() { leave.on.Store(true) }

// LeftDescriptors returns the descriptors of the VMs and vCPUs that
// Machine.Close left since LeaveToExit.
func LeftDescriptors() []int {
	leave.mu.Lock()
	defer leave.mu.Unlock()
	fds := make([]int, len(leave.files))
	for i, f := range leave.files {
		fds[i] = int(f.Fd())
	}
	return fds
}

// LocalAPIC reports whether KVM emulates the vCPUs' local APICs in the
// kernel (see New).
func (m *Machine) LocalAPIC() bool { return m.lapic }

// Exits returns the exits to the monitor of the vCPUs that have finished.
func (m *Machine) Exits() uint64 { return m.exits.Load() }

// releaseCPU forgets a vCPU whose Run returned; the vCPU of a thread that
// exited cleanly (reusable) is kept for the next NewCPU.
func (m *Machine) releaseCPU(c *CPU, reusable bool) {
	m.exits.Add(c.Exits)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cpus != nil && m.cpus[c.ID] == c {
		delete(m.cpus, c.ID)
		m.slotUsed[c.slot] = false
		if reusable && !m.stopping.Load() {
			m.idle = append(m.idle, c.v)
		} else {
			c.v.Close()
		}
	}
}

// CPUs returns the number of live vCPUs.
func (m *Machine) CPUs() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cpus)
}
