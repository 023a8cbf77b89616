// Package shim is the containerd runtime shim of NexusOS (runtime
// io.containerd.nexus.v1; binary containerd-shim-nexus-v1-daemon, started
// by the front containerd executes, containerd-shim-nexus-v1 of package
// node/shim/front, which answers containerd's per-container `start` and
// `delete` actions without this package's start-up cost): containerd's
// task API v2 over ttrpc, served by containerd's own shim library
// (github.com/containerd/containerd v1.7 runtime/v2/shim, whose start-up
// protocol — the shim prints a plain socket address — containerd 1.6 and
// 1.7 speak), where each task is a sealed image run in a microVM inside
// the shim process on the engine of its tier (microvm/wasm, microvm/kvm),
// as `nexus run` runs it.
//
// # Finding the image
//
// `nexus image export --oci` writes the sealed image as the one layer
// (media type image.MediaTypeOCISealed) of an OCI manifest whose config
// is not a root-file-system config, so containerd stores it with `ctr
// image import --no-unpack` but cannot unpack it into a snapshot, and
// `ctr run IMAGE` cannot make a container of it. A container for the
// nexus runtime is therefore made with an empty root file system (ctr run
// --rootfs DIR) and names its image in the OCI spec:
//
//	ctr image import --no-unpack hello.tar
//	ctr run --rm --runtime io.containerd.nexus.v1 --rootfs /var/empty c1 hello:1.0 world
//
// The annotation io.nexusos.image, when set, names the image; else, for a
// Kubernetes container, the image the CRI plugin created it from
// (io.kubernetes.cri.image-name); else process.args[0] (as it names the
// executable for runc). Either way process.args[1:] are the app's
// arguments, after the image's own. The
// shim resolves the name through containerd's images service in the
// container's namespace, reads the manifest and the sealed layer from the
// content service (checking each blob's digest), decodes and verifies the
// sealed image (image.Decode, image.Image.Verify with the keys of
// NEXUS_TRUST) and checks it against the manifest's io.nexusos.image.digest.
// Decoded images are kept by layer digest for the shim's life.
//
// # Limits and capabilities
//
// The spec tightens the image's limits, never loosens them: the memory
// limit from linux.resources.memory.limit, the wall-time limit, output
// limit and vCPUs from the annotations io.nexusos.timeout,
// io.nexusos.output-limit and io.nexusos.vcpus. A folder the image was
// granted (build --mount) is mounted, read-only, only when a bind mount
// of the spec targets its guest path, from that mount's source; bind
// mounts to other paths and every other mount of the spec (proc, sysfs,
// tmpfs, the rootfs) are ignored. The app's environment is the image's;
// host services (MemexFS, Cortex) answer "not available".
//
// # Exit statuses
//
// A task exits with the app's exit code, or the code `nexus run` exits
// with when the host ends the microVM (124 wall time, 125 output limit,
// 126 host error, 134 trap or guest fault, 137 memory limit), preceded by
// a line on stderr saying why. Kill ends the microVM with 128+signal.
// The exit is reported (Wait, the TaskExit event) once the readers of the
// task's stdout and stderr FIFOs have read what it wrote, or closed them
// (at most 2 s): containerd 1.6's client (`ctr run`) closes its ends as
// soon as it has the exit status and would drop output still in a pipe.
//
// # Processes
//
// A shim process serves every container of its group: the annotation
// io.nexusos.shim.group, else the pod sandbox id Kubernetes sets
// (io.kubernetes.cri.sandbox-id), else DefaultGroup, so by default one
// shim process per containerd namespace hosts all its microVMs, isolated
// from each other as those of one `nexus serve` are. Each task's pid is
// the shim's. A shim left with no tasks lingers (3 s) so the next
// container finds its engines and compiled modules in memory, then removes
// its socket and exits; a container's `start` reserves the running shim
// (Service.Connect) before using it, so a shim never exits under a
// container that was sent to it (the front reserves it as Manager.Start
// does). A tier-2 task's VM is built between Create and Start
// (kvm.Prebuild). A Kubernetes pod sandbox runs no image:
// the shim holds the pod until it is stopped, as the pause program would.
// Exec, terminals, pause, checkpoints, updates and stats are refused with
// errdefs.ErrNotImplemented.
//
// # Timings
//
// When NEXUS_SHIM_TIMINGS (front.EnvTimings) names a file in the shim's
// environment (containerd's), the front's start and delete actions and
// the daemon's Create, Start and Delete calls, the microVM's end and the
// reported exit append a record each (front.Timings), by container:
// `nexus bench containerd` adds them up into the shim's own share of a
// ctr run.
//
// # Dependencies
//
// This package (and only it, with cmd/containerd-shim-nexus-v1-daemon:
// neither the nexus binary nor the front links it) uses github.com/containerd/containerd v1.7
// (its shim library, errdefs, events and the task API of
// github.com/containerd/containerd/api), github.com/containerd/ttrpc,
// github.com/containerd/fifo and the OCI runtime spec types. A shim must
// speak containerd's bootstrap protocol, task API and event forwarding
// exactly as the containerd it serves expects them; containerd's own
// library is the reference implementation every shim (runc, Kata, gVisor,
// runwasi) uses. v1.7 because its shim prints the plain socket address
// containerd 1.6 reads (the v2 module prints a JSON bootstrap record 1.6
// does not understand).
//
// Service is safe for concurrent use.
package shim
