// Command containerd-shim-nexus-v1-daemon is the NexusOS containerd shim
// daemon: the process that serves containerd's task API and runs each
// container's microVM inside itself (package nexusos/node/shim, on
// containerd's own shim library). containerd runs the small front,
// containerd-shim-nexus-v1 (package nexusos/node/shim/front), which
// starts this daemon, installed next to it, when a group has no shim
// yet. Run directly as the runtime binary, it is a complete shim too,
// only slower to execute for containerd's per-container `start` and
// `delete` actions. See docs/kubernetes.md.
package main

import (
	"context"

	"github.com/containerd/containerd/runtime/v2/shim"

	nexusshim "nexusos/node/shim"
)

func main() {
	nexusshim.Register()
	shim.RunManager(context.Background(), nexusshim.Manager{}, func(c *shim.Config) {
		// A microVM is not a child process: there is nothing to reap.
		c.NoReaper = true
	})
}
