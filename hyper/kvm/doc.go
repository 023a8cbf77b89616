//go:build linux && amd64

// Package kvm holds the Linux KVM ioctl bindings used by the NexusOS
// hypervisor: opening /dev/kvm, creating VMs, memory slots and vCPUs,
// running a vCPU and reading or writing its registers. It contains nothing
// but the kernel ABI (constants in kvm_const.go, structures mirroring
// <linux/kvm.h> in kvm.go) and thin wrappers around the ioctls.
//
// A System or VM may be used from several goroutines. A VCPU must be used by
// one goroutine at a time, and that goroutine should stay on one OS thread
// (runtime.LockOSThread) for the whole life of the vCPU, as KVM expects.
package kvm
