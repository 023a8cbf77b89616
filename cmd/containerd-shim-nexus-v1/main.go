// Command containerd-shim-nexus-v1 is the containerd runtime shim of
// NexusOS (runtime io.containerd.nexus.v1): containerd starts it to run
// containers whose image is a sealed NexusOS image, each in a microVM
// inside the shim process. See docs/kubernetes.md and package
// nexusos/node/shim.
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
