package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

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

// namedFactories are the factories of commands that a process can run
// without building the others (registerNamedCommand).
var namedFactories = map[string]func(*globalFlags) *cobra.Command{}

// registerNamedCommand is registerCommand for a command whose start-up
// counts (`nexus run`): when the arguments name it, newRootCmdFor builds
// it alone, not every command of the binary (about 0.3 ms and 170 KiB
// of a process that runs one microVM).
func registerNamedCommand(name string, f func(*globalFlags) *cobra.Command) {
	namedFactories[name] = f
	registerCommand(f)
}

// newRootCmdFor is newRootCmd for a process about to execute args: when
// the first word of args after the global flags names a command
// registered with registerNamedCommand, the root holds that command
// alone; it parses, runs and prints help for it as the full tree would.
// Anything else (no command, help, completion, another flag first) gets
// the full tree.
func newRootCmdFor(args []string) *cobra.Command {
	name := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--home" {
			i++
			continue
		}
		if !strings.HasPrefix(a, "-") {
			name = a
			break
		}
		if !strings.HasPrefix(a, "--home=") {
			break
		}
	}
	f := namedFactories[name]
	if f == nil {
		return newRootCmd()
	}
	return newRoot(func(g *globalFlags) []*cobra.Command { return []*cobra.Command{f(g)} })
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
	return newRoot(func(g *globalFlags) []*cobra.Command {
		cmds := make([]*cobra.Command, 0, len(commandFactories))
		for _, f := range commandFactories {
			cmds = append(cmds, f(g))
		}
		return cmds
	})
}

// newRoot builds the root command with the subcommands cmds returns.
func newRoot(cmds func(*globalFlags) []*cobra.Command) *cobra.Command {
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
	root.AddCommand(cmds(g)...)
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
