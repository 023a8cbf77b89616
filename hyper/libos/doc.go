//go:build linux && amd64

// Package libos is the NexusOS library OS: the Linux x86-64 system calls of
// a tier-2 microVM, served in Go inside the monitor. A static program runs
// alone in a hyper.Machine at CPL 3; each of its `syscall` instructions
// arrives here as a hyper.Handler call and is answered from a read-only
// file tree (an fs.FS sealed into the image), the VM's own memory, vCPUs
// (one per thread) and the host clock, plus what lives only inside the VM:
// pipes, socketpairs, a size-limited scratch /tmp (Config.WithScratch),
// a loopback network between the program's own sockets
// (Config.WithLoopback), signals and timers. Nothing else on the host is
// reachable: there is no path from a guest request to a host file, socket
// or process.
//
// Every guest pointer and length is checked against the guest's mappings
// before use (EFAULT otherwise), and every size the guest passes is bounded
// before the monitor allocates anything for it. Calls not listed in
// docs/libos.md return ENOSYS and log one debug line naming them.
//
// A Process is safe for concurrent use by its vCPUs, which is how it is
// used: every guest thread calls into it from its own OS thread.
package libos
