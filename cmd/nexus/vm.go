//go:build linux && amd64

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"nexusos/hyper"
	"nexusos/hyper/libos"
	"nexusos/hyper/vmbench"
	"nexusos/microvm"
	"nexusos/node/runtime"
)

func init() {
	registerCommand(newVMCmd)
	registerBenchCommand(newBenchKVMCmd)
}

func newVMCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vm",
		Short: "Run static Linux programs in tier-2 (KVM) microVMs",
		Long: `vm runs an ordinary static Linux x86-64 executable in its own KVM virtual
machine with no guest kernel: the program runs at CPL 3 and its system
calls are served by the library OS inside nexus (see docs/libos.md for the
list). It needs a usable /dev/kvm.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newVMRunCmd(g))
	return cmd
}

func newVMRunCmd(g *globalFlags) *cobra.Command {
	var (
		dir, memory string
		envs        []string
		mounts      []string
		timeout     time.Duration
		threads     int
		cpus        int
		verbose     bool
	)
	cmd := &cobra.Command{
		Use:   "run ELF [-- ARGS...]",
		Short: "Run a static x86-64 executable in a new microVM",
		Long: `run loads ELF (a static, or static-PIE, x86-64 Linux executable: a musl
C program, a CGO_ENABLED=0 Go program, ...) into a fresh KVM microVM and
runs it to completion. Arguments after -- are the program's argv[1:].
stdin, stdout and stderr are the terminal's. The exit status of nexus is the
program's (128+N when it was killed by signal N; a memory or protection
fault exits 139 like SIGSEGV, an invalid instruction 132 like SIGILL).

The program sees only what is given to it: with --dir, that host directory
as a read-only file tree at "/"; with --mount, host directories at guest
paths (symbolic links cannot leave any of them); without either, an empty
"/". It cannot create files, open sockets, start processes or see
the host's. A fault (bad memory access, privileged instruction) stops the
VM with a message naming the fault and its address; so does --timeout.

Examples:
  musl-gcc -static -O2 hello.c -o hello && nexus vm run hello -- a b
  CGO_ENABLED=0 go build -o app ./cmd/app && nexus vm run --dir ./data app
  nexus vm run --mount ./invoices:/data/invoices --mount ./etc:/etc app -- -v
  nexus vm run --memory 64MiB --timeout 5s ./untrusted

Environment:
  NEXUS_HOME   state directory (default ~/.local/share/nexus; unused here)`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			elf, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("error reading executable: %w", err)
			}
			mem, err := microvm.ParseSize(memory)
			if err != nil {
				return fmt.Errorf("--memory: %w", err)
			}
			cfg := libos.NewConfig().
				WithArgs(append([]string{filepath.Base(args[0])}, args[1:]...)...).
				WithEnv(envs...).
				WithStdin(cmd.InOrStdin()).
				WithStdout(cmd.OutOrStdout()).
				WithStderr(cmd.ErrOrStderr()).
				WithMemory(mem).
				WithMaxThreads(threads).
				WithCPUs(cpus)
			if verbose {
				cfg = cfg.WithLogger(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelDebug})))
			}
			if dir != "" {
				mounts = append(mounts, dir+":/")
			}
			if len(mounts) > 0 {
				var ms []microvm.Mount
				for _, m := range mounts {
					host, guest, ok := strings.Cut(m, ":")
					if !ok || host == "" || !strings.HasPrefix(guest, "/") {
						return fmt.Errorf("--mount %q: want HOST_DIR:/GUEST/PATH", m)
					}
					ms = append(ms, microvm.Mount{Host: host, Guest: guest})
				}
				fsys, closeTree, err := runtime.MountTree(ms)
				var me *runtime.MountError
				if errors.As(err, &me) {
					return fmt.Errorf("--mount %s: %w", me.Host, me.Err)
				}
				if err != nil {
					return fmt.Errorf("--mount: %w", err)
				}
				defer closeTree()
				cfg = cfg.WithFS(fsys)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			res, err := libos.Run(ctx, cfg, elf)
			var ee *libos.ExitError
			var fault *hyper.Fault
			switch {
			case errors.As(err, &ee):
				return vmExit{code: ee.Code, msg: err.Error()}
			case errors.As(err, &fault):
				return vmExit{code: faultExitCode(fault), msg: fmt.Sprintf("error running %s: %v", args[0], err)}
			case err != nil:
				return fmt.Errorf("error running %s: %w", args[0], err)
			case res.ExitCode != 0:
				cmd.SilenceErrors = true
				return vmExit{code: res.ExitCode}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "host directory to expose read-only as the program's / (same as --mount DIR:/)")
	f.StringArrayVar(&mounts, "mount", nil, "HOST_DIR:/GUEST/PATH: expose a host directory read-only at a guest path (repeatable)")
	f.StringVar(&memory, "memory", "256MiB", "guest memory size")
	f.StringArrayVarP(&envs, "env", "e", nil, "environment variable KEY=VALUE for the program (repeatable)")
	f.DurationVar(&timeout, "timeout", 0, "stop the VM after this wall time, e.g. 10s (default: none)")
	f.IntVar(&threads, "threads", 32, "most threads (vCPUs) the program may run at once")
	f.IntVar(&cpus, "cpus", 2, "CPUs the program is told it has (sched_getaffinity)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log unsupported system calls and other library-OS events to stderr")
	return cmd
}

// Exit codes of `nexus vm run` when the guest faults: a shell's 128+N for
// the signal a native process would have been killed by.
const (
	exitSIGILL  = 128 + int(syscall.SIGILL)  // 132: invalid instruction (#UD)
	exitSIGFPE  = 128 + int(syscall.SIGFPE)  // 136: divide error (#DE)
	exitSIGSEGV = 128 + int(syscall.SIGSEGV) // 139: any other fault
)

// faultExitCode is the exit code for a guest fault that stopped the VM.
func faultExitCode(f *hyper.Fault) int {
	switch f.Vector {
	case hyper.VectorUD:
		return exitSIGILL
	case hyper.VectorDE:
		return exitSIGFPE
	}
	return exitSIGSEGV
}

// vmExit carries a guest's exit status out of the command.
type vmExit struct {
	code int
	msg  string
}

func (e vmExit) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return fmt.Sprintf("program exited with status %d", e.code)
}

func (e vmExit) ExitCode() int { return e.code }

func newBenchKVMCmd(*globalFlags) *cobra.Command {
	cfg := vmbench.Config{}
	cmd := &cobra.Command{
		Use:   "kvm",
		Short: "Measure tier-2 (KVM) microVMs: start-up, system calls, compute, memory",
		Long: `kvm builds the examples in examples-kvm (with musl-gcc and the go tool, so
run it from a source checkout or pass --source) and reports:

  - start -> first instruction and start -> exit, p50/p99 over --runs VMs,
    for the C and the Go hello, in-process and through 'nexus vm run';
  - the getpid round trip (guest syscall -> monitor -> guest) against native;
  - a compute-bound loop in the VM against the same binary run natively;
  - host memory per idle VM beyond the guest pages it touched;
  - 'nexus run' of the sealed hellos (the Go one with and without its
    pre-initialised snapshot), with --peer the same by another nexus
    binary (an earlier build), alternating run by run.

--run-only takes just the start-up figures of the sealed hellos: the
in-process runs and 'nexus run' (and --peer's).

It prints the load average with the figures: on a shared machine compare
only figures taken in the same run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(filepath.Join(cfg.Source, "examples-kvm")); err != nil {
				return fmt.Errorf("--source %s has no examples-kvm: %w", cfg.Source, err)
			}
			if cfg.CLIRuns > 0 {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("locating nexus for the CLI figures: %w", err)
				}
				cfg.Nexus = exe
			}
			cfg.Log = cmd.ErrOrStderr()
			rep, err := vmbench.Run(cmd.Context(), cfg)
			if err != nil {
				return fmt.Errorf("bench kvm: %w", err)
			}
			rep.Print(cmd.OutOrStdout())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Source, "source", ".", "repository root holding examples-kvm")
	f.IntVar(&cfg.Runs, "runs", 200, "VMs per start-up figure")
	f.IntVar(&cfg.CLIRuns, "cli-runs", 20, "'nexus vm run' processes per CLI figure (0 to skip)")
	f.IntVar(&cfg.Syscalls, "syscalls", 20000, "getpid calls timed")
	f.IntVar(&cfg.Compute, "compute", 300_000_000, "iterations of the compute loop")
	f.IntVar(&cfg.IdleVMs, "idle-vms", 16, "idle VMs for the memory figure")
	f.StringVar(&cfg.Peer, "peer", "", "another nexus binary whose 'nexus run' figures are taken beside this one's")
	f.BoolVar(&cfg.RunOnly, "run-only", false, "take only the start-up figures of the sealed hellos (in-process and 'nexus run')")
	return cmd
}
