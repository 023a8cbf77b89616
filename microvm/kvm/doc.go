// Package kvm is tier 2 of NexusOS microVMs: a microvm.Engine that runs a
// sealed static Linux x86-64 program in its own KVM virtual machine with no
// guest kernel (package hyper), its system calls served by the library OS
// (package hyper/libos).
//
// The engine maps a microVM's manifest and run configuration onto a
// libos.Config: arguments and the manifest's environment, stdio, the memory,
// vCPU, output and wall-time limits, the image's sealed files and its
// read-only mounts as the guest's file tree, a fake clock unless the clock
// capability is granted, and the host ABI (MemexFS, Cortex, log) served by
// the same capability-checked microvm.Dispatcher as tier 1, reached through
// reserved system-call numbers (docs/abi.md, "Tier 2 transport").
//
//	eng, err := kvm.New(kvm.NewConfig())
//	st, err := eng.Run(ctx, prog, microvm.RunConfig{Stdout: os.Stdout, Stderr: os.Stderr})
//	// st.Reason is exit, trap (a guest fault, named with its address),
//	// memory, timeout, output or stopped, as on tier 1.
//
// An image sealed with a snapshot (Preinit, which `nexus build` runs for Go
// apps) is resumed from it (libos.Resume) when the run's arguments,
// environment, CPU count and clock mode are the snapshot's; otherwise, or
// when the snapshot does not decode, the app starts normally. Decoded
// snapshots are kept per image digest, so every run of an image maps the
// same pages copy-on-write.
//
// The engine builds only on linux/amd64; elsewhere New reports that the
// tier is unavailable. An Engine is safe for concurrent use: every Run has
// its own VM.
package kvm
