// Command nexus is the NexusOS host: the Qdrant-compatible vector engine,
// MemexFS, Cortex and the microVM runtime in one static binary.
package main

import (
	"io"
	"os"

	"nexusos/microvm/kvm"
)

func main() {
	exitsAfterRun = true
	code := doMain(os.Args[1:], os.Stdout, os.Stderr)
	if releaseAtExit {
		releaseMemoryAfterExit(kvm.LeftDescriptors())
	}
	os.Exit(code)
}

// exitsAfterRun is set by main: the process exits once doMain returns, so
// `nexus run` may leave its VM to the exit (kvm.LeaveToExit). Tests,
// which drive doMain in a process that goes on, leave it unset.
var exitsAfterRun bool

// releaseAtExit is set by a command after which the process only exits
// (`nexus run`): main then leaves freeing the process's memory and its
// VMs to a helper (releaseMemoryAfterExit), so that the caller is told of
// the exit sooner.
var releaseAtExit bool

// doMain runs the CLI with args and returns the exit code, so tests can
// drive the whole command line in-process.
func doMain(args []string, stdout, stderr io.Writer) int {
	root := newRootCmdFor(args)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		var ec exitCoder
		if asExitCoder(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}
