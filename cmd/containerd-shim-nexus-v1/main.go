// Command containerd-shim-nexus-v1 is the containerd runtime shim of
// NexusOS (runtime io.containerd.nexus.v1) as containerd executes it: a
// small front (package nexusos/node/shim/front) that answers the `start`
// and `delete` actions containerd runs for every container and hands the
// rest to the shim daemon, containerd-shim-nexus-v1-daemon, which must be
// installed next to it and runs each container in a microVM inside its
// process. See docs/kubernetes.md and package nexusos/node/shim.
package main

import (
	"os"

	"nexusos/node/shim/front"
)

func main() {
	os.Exit(front.Main(os.Args[1:], os.Stdout, os.Stderr))
}
