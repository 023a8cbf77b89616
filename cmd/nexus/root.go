package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"nexusos/node/home"
)

// commandFactories holds the constructors of the top-level commands. Each
// command group registers itself from its own file's init, so groups can be
// added without touching this file.
var commandFactories []func(*globalFlags) *cobra.Command

func registerCommand(f func(*globalFlags) *cobra.Command) {
	commandFactories = append(commandFactories, f)
}

// globalFlags are the flags every command shares.
type globalFlags struct {
	home string
}

// Home returns the state directory's path, creating it if needed.
func (g *globalFlags) Home() (string, error) {
	d, err := g.Dir()
	return d.Root(), err
}

// Dir returns the state directory, creating it if needed.
func (g *globalFlags) Dir() (home.Dir, error) {
	d := home.At(g.home)
	if err := d.Ensure(); err != nil {
		return home.Dir{}, err
	}
	return d, nil
}

func defaultHome() string {
	if h := os.Getenv("NEXUS_HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "nexus")
	}
	return ".nexus"
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "nexus",
		Short: "NexusOS: microVMs, a CPU-native LLM engine and a semantic file system in one binary",
		Long: `nexus turns a Linux machine into a NexusOS node:

  - a Qdrant-compatible vector engine (REST :6333, gRPC :6334),
  - MemexFS, a semantic file system that finds files by meaning,
  - Cortex, BitNet b1.58 inference on the CPU,
  - sealed microVMs: WebAssembly (tier 1) and KVM (tier 2).

All state lives under --home.

Environment:
  NEXUS_HOME   state directory (default ~/.local/share/nexus)`,
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.PersistentFlags().StringVar(&g.home, "home", defaultHome(), "state directory (env NEXUS_HOME)")
	for _, f := range commandFactories {
		root.AddCommand(f(g))
	}
	return root
}

// exitCoder is an error that carries a process exit code (for example a
// microVM's own exit status).
type exitCoder interface {
	error
	ExitCode() int
}

func asExitCoder(err error, target *exitCoder) bool {
	return errors.As(err, target)
}
