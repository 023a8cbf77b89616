package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"nexusos/internal/benchstat"
	"nexusos/microvm"
	"nexusos/node/client"
)

func init() {
	registerCommand(newPsCmd)
	registerCommand(newLogsCmd)
	registerCommand(newStopCmd)
}

const detachedHelp = `
It talks to a running 'nexus serve' node's microVM API (mounted at /v1/vms
of the node API, --addr of serve).

Environment:
  NEXUS_NODE   node API address (default http://127.0.0.1:7777)`

func defaultNode() string {
	if n := os.Getenv("NEXUS_NODE"); n != "" {
		return n
	}
	return client.DefaultBase
}

// vmClient is the microVM API of the node at the address node.
func vmClient(node string) *microvm.Client { return client.New(node, "").VMs() }

func newPsCmd(*globalFlags) *cobra.Command {
	var node string
	var all bool
	cmd := &cobra.Command{
		Use:   "ps [--all]",
		Short: "List the detached microVMs of a running node",
		Long:  "ps lists running microVMs (with --all, recently ended ones too).\n" + detachedHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := vmClient(node).List(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSTATE\tREASON\tCODE\tSTARTED\tMEMORY")
			for _, s := range list {
				if !all && s.Done() {
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.Name, s.State, s.Reason, s.ExitCode,
					s.StartedAt.Format(time.DateTime), benchstat.Bytes(s.MemoryBytes))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&node, "node", defaultNode(), "node API address (env NEXUS_NODE)")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "also list ended microVMs")
	return cmd
}

func newLogsCmd(*globalFlags) *cobra.Command {
	var node string
	cmd := &cobra.Command{
		Use:   "logs ID",
		Short: "Print a detached microVM's recent output",
		Long:  "logs prints the last MiB of a microVM's stdout and stderr, interleaved.\n" + detachedHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			b, err := vmClient(node).Logs(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	cmd.Flags().StringVar(&node, "node", defaultNode(), "node API address (env NEXUS_NODE)")
	return cmd
}

func newStopCmd(*globalFlags) *cobra.Command {
	var node string
	cmd := &cobra.Command{
		Use:   "stop ID",
		Short: "Stop a detached microVM",
		Long:  "stop ends a running microVM at once and prints its final status.\n" + detachedHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			st, err := vmClient(node).Stop(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s (%s) code %d\n", st.ID, st.Name, st.State, st.Reason, st.ExitCode)
			return nil
		},
	}
	cmd.Flags().StringVar(&node, "node", defaultNode(), "node API address (env NEXUS_NODE)")
	return cmd
}
