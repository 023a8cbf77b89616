package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"nexusos/node/shim/ctrbench"
)

func init() { registerBenchCommand(newBenchContainerdCmd) }

func newBenchContainerdCmd(*globalFlags) *cobra.Command {
	cfg := ctrbench.Config{}
	cmd := &cobra.Command{
		Use:   "containerd",
		Short: "Time microVMs started through containerd and the nexus shim, beside nexus run and runc",
		Long: `containerd builds the shim (containerd-shim-nexus-v1 and its daemon)
and two apps from a source checkout (--source): the Go hello (tier 1)
and, with musl-gcc and /dev/kvm, the static C hello (tier 2). It starts
a private containerd under a
temporary directory (Debian's containerd, run as root), imports each sealed
image with 'ctr image import --no-unpack', and times start to exit, p50 and
p99 over --runs runs:

  - nexus run of the image;
  - ctr run --runtime io.containerd.nexus.v1 of the same image;
  - ctr run of the same static C hello with runc (the container baseline);
  - what no shim takes part in: ctr version (ctr alone), and ctr
    container create plus rm (containerd's container records).

Beside each ctr run it prints containerd's task span (its
/containers/create to /tasks/delete events: containerd's and the
runtime's share, without ctr's process). For the nexus shim it prints
the shim's own time step by step (the records the front and the daemon
write to NEXUS_SHIM_TIMINGS, which it sets; a front process's start and
exit counted twice) and that time less nexus run: the shim's overhead.
It prints the load average: on a shared machine compare only figures
taken in the same run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			cfg.Nexus = exe
			cfg.Logf = func(f string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), f+"\n", a...) }
			cs, err := ctrbench.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			ctrbench.Print(cmd.OutOrStdout(), cs)
			return nil
		},
	}
	cmd.Flags().StringVar(&cfg.Source, "source", ".", "repository root holding cmd/containerd-shim-nexus-v1, examples and examples-kvm")
	cmd.Flags().IntVar(&cfg.Runs, "runs", 20, "timed runs of each case")
	return cmd
}
