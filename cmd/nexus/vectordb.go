package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"nexusos/node/runtime"
	"nexusos/vectordb"
)

func init() { registerCommand(newVectordbCmd) }

func newVectordbCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vectordb",
		Short: "Inspect the embedded vector engine's files under --home",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Open the vector store offline, replay its logs and describe its collections",
		Long: `status opens $NEXUS_HOME/vectordb the way nexus serve does: it loads each
collection's checkpoint and replays its write-ahead log (dropping a torn
last record, refusing a log damaged in the middle), then prints every
collection with its point count, vectors, payload indexes and aliases.
Closing checkpoints the collections, so the next start replays nothing.

It needs the store to itself: stop nexus serve on this --home first.

Examples:
  nexus vectordb status
  nexus --home /tmp/nexus-test vectordb status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := g.Dir()
			if err != nil {
				return err
			}
			dir := h.VectorDB()
			rt, err := runtime.Open(cmd.Context(), h, runtime.Want{VectorDB: true})
			if oe := (*runtime.OpenError)(nil); errors.As(err, &oe) {
				err = oe.Err
			}
			if errors.Is(err, vectordb.ErrLocked) {
				return fmt.Errorf("open vector store %s: in use (is nexus serve running on this --home?): %w", dir, err)
			}
			if err != nil {
				return fmt.Errorf("open vector store %s: %w", dir, err)
			}
			if err := rt.DB().WriteSummary(cmd.OutOrStdout()); err != nil {
				rt.Close(cmd.Context())
				return err
			}
			return rt.Close(cmd.Context())
		},
	})
	return cmd
}
