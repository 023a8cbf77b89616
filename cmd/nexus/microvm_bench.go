package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"nexusos/microvm/image"
	"nexusos/microvm/wasm"
)

func init() { registerBenchCommand(newBenchVMCmd) }

func newBenchVMCmd(*globalFlags) *cobra.Command {
	var (
		cfg wasm.BenchConfig
		app string
	)
	cmd := &cobra.Command{
		Use:   "vm [--runs 1000] [--app DIR]",
		Short: "Measure microVM start-up, host calls and memory against plain wazero",
		Long: `vm builds a Go app (default ./examples/hello, run from the repository) as
a command and as a pre-initialised snapshot, then reports in one run,
variants interleaved run by run so machine load hits them alike:

  - build: pre-initialisation and compile time; the first run after a
    build (new engine, native code loaded from the file cache, run);
  - start-to-exit p50/p99 over --runs runs: NexusOS pre-initialised with a
    ready pool (as 'nexus serve' runs apps; the pool refills untimed
    between runs), pre-initialised without a pool, as a plain command, and
    plain wazero v1.12.0 instantiating the command;
  - the same for a minimal WASI module;
  - one host call round trip (guest -> nexus.call -> capability check ->
    back), in ns;
  - resident memory (PSS) per idle instance with --idle instances held at
    once (--idle-plain for plain wazero, whose instances cost MiBs).

Quote figures with the machine's load average, printed before and after.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "building %s as a command and as a reactor...\n", app)
			var err error
			if cfg.GoCommand, err = image.BuildGo(ctx, app); err != nil {
				return err
			}
			if cfg.GoReactor, err = image.BuildGoReactor(ctx, app); err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "nexus-bench-vm-*")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			cfg.CacheDir = dir
			return wasm.Bench(ctx, cfg, w)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Runs, "runs", 1000, "start-to-exit runs per variant")
	f.IntVar(&cfg.Idle, "idle", 1000, "idle NexusOS instances held at once")
	f.IntVar(&cfg.IdlePlain, "idle-plain", 100, "idle plain wazero instances held at once")
	f.IntVar(&cfg.HostCalls, "host-calls", 1_000_000, "host calls per measurement")
	f.StringVar(&app, "app", "./examples/hello", "Go main package to measure")
	return cmd
}
