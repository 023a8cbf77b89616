// Command nexus is the NexusOS host: the Qdrant-compatible vector engine,
// MemexFS, Cortex and the microVM runtime in one static binary.
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(doMain(os.Args[1:], os.Stdout, os.Stderr))
}

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
