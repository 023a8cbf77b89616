package main

import "github.com/spf13/cobra"

func init() { registerCommand(newBenchCmd) }

// benchFactories holds the constructors of the `nexus bench` subcommands.
// A benchmark file registers its subcommand from its own init with
// registerBenchCommand, so groups never edit this file.
var benchFactories []func(*globalFlags) *cobra.Command

// registerBenchCommand adds a subcommand to `nexus bench`. Call it from an
// init function.
func registerBenchCommand(f func(*globalFlags) *cobra.Command) {
	benchFactories = append(benchFactories, f)
}

func newBenchCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run the performance benchmarks and print their figures",
		Long: `bench runs NexusOS's benchmarks on this machine and prints what they
measure: throughput, latency, build times, memory.

Benchmarks are not tests: they assert nothing, they report. Run them on a
quiet machine and compare figures taken in the same run. Data they
download or derive is cached under --home, so a second run is faster.`,
		Args: cobra.NoArgs,
	}
	for _, f := range benchFactories {
		cmd.AddCommand(f(g))
	}
	return cmd
}
