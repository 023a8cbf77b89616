package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"nexusos/internal/benchstat"
	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/kvm"
	"nexusos/microvm/wasm"
	"nexusos/node/home"
	"nexusos/node/runtime"
)

func init() {
	registerCommand(newBuildCmd)
	registerNamedCommand("run", newRunCmd)
	registerCommand(newImagesCmd)
	registerCommand(newInspectCmd)
	registerCommand(newKeyCmd)
}

// testAppServices, when set by a test, edits the host services the apps
// of `nexus run` get (to put a double in place of MemexFS).
var testAppServices func(svc *microvm.Services)

// openImageStore opens the sealed-image store under --home.
func openImageStore(g *globalFlags) (*image.Store, error) {
	rt, err := openImages(context.Background(), g)
	if err != nil {
		return nil, err
	}
	return rt.Images(), nil
}

// openImages opens the runtime of the image commands: the sealed-image
// store under --home. It holds nothing to release until an engine is
// asked of it (close it then).
func openImages(ctx context.Context, g *globalFlags) (*runtime.Runtime, error) {
	h, err := g.Dir()
	if err != nil {
		return nil, err
	}
	rt, err := runtime.Open(ctx, h, runtime.Want{Images: true})
	if oe := (*runtime.OpenError)(nil); errors.As(err, &oe) {
		return nil, oe.Err
	}
	return rt, err
}

// keyPath resolves a key argument: an existing file, else a key name under
// <home>/keys with the given suffix.
func keyPath(g *globalFlags, arg, suffix string) (string, error) {
	if _, err := os.Stat(arg); err == nil {
		return arg, nil
	}
	h, err := g.Dir()
	if err != nil {
		return "", err
	}
	p := h.Key(arg, suffix)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("key %q: no such file, and no %s", arg, p)
	}
	return p, nil
}

type limitFlags struct {
	memory, output string
	timeout        time.Duration
	vcpus          int
}

func (l *limitFlags) add(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&l.memory, "memory", "", what+" memory limit, e.g. 64MiB (default 256MiB)")
	cmd.Flags().DurationVar(&l.timeout, "timeout", 0, what+" wall-time limit, e.g. 30s (default 5m)")
	cmd.Flags().IntVar(&l.vcpus, "vcpus", 0, what+" limit on threads of a tier-2 app, one vCPU each (default 32)")
	cmd.Flags().StringVar(&l.output, "output-limit", "", what+" limit on stdout+stderr bytes (default 16MiB)")
}

func (l *limitFlags) limits() (microvm.Limits, error) {
	var out microvm.Limits
	if l.memory != "" {
		n, err := microvm.ParseSize(l.memory)
		if err != nil {
			return out, fmt.Errorf("--memory: %w", err)
		}
		out.MemoryBytes = n
	}
	if l.output != "" {
		n, err := microvm.ParseSize(l.output)
		if err != nil {
			return out, fmt.Errorf("--output-limit: %w", err)
		}
		out.OutputBytes = int64(n)
	}
	if l.timeout < 0 {
		return out, errors.New("--timeout: negative duration")
	}
	out.Timeout = microvm.Duration(l.timeout)
	if l.vcpus < 0 || l.vcpus > microvm.MaxVCPUs {
		return out, fmt.Errorf("--vcpus %d: want 1..%d", l.vcpus, microvm.MaxVCPUs)
	}
	out.VCPUs = l.vcpus
	return out, nil
}

func newBuildCmd(g *globalFlags) *cobra.Command {
	var (
		out, name, version, sign string
		memex, mounts, envs      []string
		args, handles            []string
		tier, files              string
		handlesQuery             string
		cortex, clock, noAOT     bool
		loopback                 bool
		scratch                  string
		noPreinit                bool
		lim                      limitFlags
	)
	cmd := &cobra.Command{
		Use:   "build PATH",
		Short: "Seal an app into an immutable microVM image",
		Long: `build turns PATH into a sealed image and stores it under --home/images.

PATH is either a Go main package directory, built unchanged with
GOOS=wasip1 GOARCH=wasm (any ordinary package main works; apps that call
MemexFS or Cortex import nexusos/sdk/go/nexus), or a .wasm file from any
language (a WASI command exporting _start).

With --tier kvm the image is for tier 2 (a KVM microVM with no guest
kernel, linux/amd64 hosts with /dev/kvm): PATH is a static x86-64 Linux
executable (musl-gcc -static, gcc -static, ...) or a Go main package built
with CGO_ENABLED=0 GOOS=linux GOARCH=amd64. The same Go source works on
both tiers: nexusos/sdk/go/nexus uses reserved system calls on tier 2.
The manifest, signing, content addressing and store are the same; the
manifest records the tier and 'nexus run' picks the engine from it.
--files DIR seals a directory into a tier-2 image as the app's read-only
"/" (regular files and directories only); --mount adds host directories
on top at run time. --vcpus bounds the threads of a tier-2 app (one vCPU
each).

A Go app is pre-initialised: it is built as a WASI reactor (an entry
function is added through go build -overlay; the source is untouched), its
Go runtime start-up and init functions run once at build time, and the
image stores the resulting memory and globals. Runs map that memory
copy-on-write and start in well under a millisecond. What init computes is
fixed for every run (including the Go runtime's internal random seeds, so
math/rand sequences repeat; crypto/rand stays fresh); os.Args is refreshed
per run. --no-preinit builds an ordinary command instead.

The image binds the module to its manifest: name, entry arguments,
environment, capabilities and limits. It is addressed by the SHA-256 of
the manifest, which records the module's SHA-256, and is optionally signed
with an ed25519 key from 'nexus key gen'. The build also compiles the
module to native code into the image store's cache, so the first run does
not pay for compilation.

By default an app may do nothing but compute and write to stdout/stderr:
no files, no network, no clock, no environment, no MemexFS, no Cortex.
Each grant is a flag.

--handles KIND declares that the app answers questions about MemexFS
documents of that kind, and --handles-query its default question: a node
then offers the app for such questions and passes it the question (or the
default one) as its last argument. Images sealed with the older
--env 'NEXUS_HANDLES=kind=KIND;query=TEXT' declaration are still read.

Examples:
  nexus build ./examples/hello
  nexus build ./examples/invoices --memex invoices
  nexus build app.wasm --name tool --mount /srv/data:/data --clock --sign release
  nexus build ./examples/summarize --memex reports --cortex -o summarize.nxi
  nexus build ./apps/invoice-report --memex / --handles invoice --handles-query invoices
  nexus build --tier kvm ./examples/invoices --memex invoices
  nexus build --tier kvm ./cmd/tool --files ./rootfs --vcpus 8
  nexus build --tier kvm ./cmd/server --loopback --scratch 64MiB
  musl-gcc -static -O2 hello.c -o hello && nexus build --tier kvm hello

Environment:
  NEXUS_GO   the go command used to build Go packages (default: go in PATH)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			l, err := lim.limits()
			if err != nil {
				return err
			}
			opts := image.BuildOptions{Tier: tier, Path: a[0], Files: files, Name: name, Version: version, Args: args, Limits: l}
			if tier != microvm.TierWasm && tier != microvm.TierKVM {
				return fmt.Errorf("--tier %q: want %s or %s", tier, microvm.TierWasm, microvm.TierKVM)
			}
			if !noPreinit && tier == microvm.TierWasm {
				opts.Preinit = wasm.Preinit
			}
			if !noPreinit && tier == microvm.TierKVM {
				opts.PreinitKVM = kvm.Preinit
			}
			if len(handles) > 0 || handlesQuery != "" {
				opts.Handles = &microvm.Handles{Kinds: handles, Query: handlesQuery}
			}
			opts.Capabilities.Cortex = cortex
			opts.Capabilities.Clock = clock
			opts.Capabilities.Loopback = loopback
			if scratch != "" {
				n, err := microvm.ParseSize(scratch)
				if err != nil {
					return fmt.Errorf("--scratch: %w", err)
				}
				opts.Capabilities.ScratchBytes = int64(n)
			}
			if len(memex) > 0 {
				opts.Capabilities.Memex = &microvm.MemexGrant{Folders: memex}
			}
			for _, m := range mounts {
				host, guest, ok := strings.Cut(m, ":")
				if !ok {
					return fmt.Errorf("--mount %q: want HOST:GUEST", m)
				}
				abs, err := filepath.Abs(host)
				if err != nil {
					return fmt.Errorf("--mount %q: %w", m, err)
				}
				opts.Capabilities.Mounts = append(opts.Capabilities.Mounts, microvm.Mount{Host: abs, Guest: guest})
			}
			for _, e := range envs {
				k, v, ok := strings.Cut(e, "=")
				if !ok {
					return fmt.Errorf("--env %q: want NAME=VALUE", e)
				}
				if opts.Env == nil {
					opts.Env = map[string]string{}
				}
				opts.Env[k] = v
			}
			if sign != "" {
				p, err := keyPath(g, sign, ".key")
				if err != nil {
					return fmt.Errorf("--sign: %w", err)
				}
				if opts.SignKey, err = image.ReadPrivateKey(p); err != nil {
					return fmt.Errorf("--sign: %w", err)
				}
			}
			rt, err := openImages(ctx, g)
			if err != nil {
				return err
			}
			defer rt.Close(context.WithoutCancel(ctx))
			store := rt.Images()
			start := time.Now()
			b, err := image.Build(ctx, opts)
			if err != nil {
				return err
			}
			built := time.Since(start)
			img := b.Image
			if b.Warning != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", b.Warning)
			}
			if err := store.Put(img); err != nil {
				return err
			}
			if out != "" {
				if err := os.WriteFile(out, img.Bytes(), 0o644); err != nil {
					return fmt.Errorf("write %s: %w", out, err)
				}
			}
			w := cmd.OutOrStdout()
			signed := "unsigned"
			if img.Signature != nil {
				signed = "signed by " + img.Signature.KeyID()
			}
			fmt.Fprintf(w, "sealed %s %s (tier %s, %s module from %s, %s) in %s\n", img.Manifest.Name, img.Digest, img.Manifest.Tier,
				benchstat.Bytes(len(img.Module)), img.Manifest.Source, signed, built.Round(time.Millisecond))
			if fb := img.Manifest.Files; fb != nil {
				fmt.Fprintf(w, "sealed files: %s\n", benchstat.Bytes(fb.Size))
			}
			if pi := img.Manifest.Preinit; pi != nil {
				fmt.Fprintf(w, "pre-initialised: %s memory snapshot, entry %s\n", benchstat.Bytes(pi.Memory.Size), pi.Entry)
			}
			if out != "" {
				fmt.Fprintf(w, "wrote %s\n", out)
			}
			if tier != microvm.TierWasm {
				// Nothing to compile: the executable runs as it is.
				return runtime.CheckImage(img.Program())
			}
			if noAOT {
				return nil
			}
			start = time.Now()
			eng, err := rt.EngineFor(ctx, img, nil)
			if err != nil {
				return err
			}
			if err := eng.Prepare(ctx, img.Program()); err != nil {
				return err
			}
			fmt.Fprintf(w, "compiled ahead of time in %s\n", time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "also write the sealed image to this file")
	f.StringVar(&name, "name", "", "image name (default: from PATH)")
	f.StringVar(&version, "version", "", "image version, free-form")
	f.StringVar(&sign, "sign", "", "sign with this key (a file, or a name under --home/keys)")
	f.StringArrayVar(&memex, "memex", nil, "grant MemexFS reads in this folder (repeatable; / for all)")
	f.BoolVar(&cortex, "cortex", false, "grant Cortex generation and embeddings")
	f.BoolVar(&clock, "clock", false, "grant the real clock (default: a fake clock)")
	f.StringVar(&scratch, "scratch", "", "grant a tier-2 app a writable /tmp of this size in host memory, e.g. 16MiB (default: none, read-only)")
	f.BoolVar(&loopback, "loopback", false, "grant a tier-2 app TCP sockets on 127.0.0.1 between its own threads (never the host network)")
	f.StringArrayVar(&mounts, "mount", nil, "preopen host directory HOST read-only at GUEST (repeatable)")
	f.StringArrayVar(&envs, "env", nil, "set NAME=VALUE in the app's environment (repeatable)")
	f.StringArrayVar(&handles, "handles", nil, "declare the app answers questions about MemexFS documents of this kind (repeatable)")
	f.StringVar(&handlesQuery, "handles-query", "", "declare the question the app answers when run without one")
	f.StringArrayVar(&args, "arg", nil, "fixed entry argument (repeatable), before run-time arguments")
	f.BoolVar(&noAOT, "no-compile", false, "skip compiling to native code ahead of time")
	f.StringVar(&files, "files", "", "seal this directory into a tier-2 image as the app's read-only /")
	f.StringVar(&tier, "tier", microvm.TierWasm, "microVM tier: wasm (WebAssembly, tier 1) or kvm (static x86-64 executable in a KVM microVM, tier 2)")
	f.BoolVar(&noPreinit, "no-preinit", false, "do not pre-initialise a Go app (by default its runtime start-up is snapshotted at build time)")
	lim.add(cmd, "the image's")
	return cmd
}

func loadImage(g *globalFlags, ref string, trust []string) (*image.Image, error) {
	return readImage(g, ref, trust, nil)
}

// readImage is loadImage; with mapped set, the image is mapped when that
// is safe (image.MapFile, with mapped's Prepare; its Trusted are the
// --trust keys) and the caller closes it after its last use.
func readImage(g *globalFlags, ref string, trust []string, mapped *image.MapOptions) (*image.Image, error) {
	var keys []ed25519.PublicKey
	for _, t := range trust {
		p, err := keyPath(g, t, ".key.pub")
		if err != nil {
			return nil, fmt.Errorf("--trust: %w", err)
		}
		k, err := image.ReadPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("--trust: %w", err)
		}
		keys = append(keys, k)
	}
	if mapped != nil {
		mapped.Trusted = keys
	}
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		if mapped != nil {
			return image.MapFile(ref, *mapped)
		}
		return image.ReadFile(ref, keys...)
	}
	store, err := openImageStore(g)
	if err != nil {
		return nil, err
	}
	if mapped != nil {
		return store.Map(ref, *mapped)
	}
	return store.Load(ref, keys...)
}

func newRunCmd(g *globalFlags) *cobra.Command {
	var (
		lim    limitFlags
		trust  []string
		detach bool
		onNode bool
		node   string
		model  string
	)
	cmd := &cobra.Command{
		Use:   "run [flags] IMAGE|NAME [-- ARGS...]",
		Short: "Run a sealed app in a fresh microVM",
		Long: `run starts the app in a fresh microVM, streams its stdout and stderr,
and exits with the app's exit code.

IMAGE is a sealed image file, a name from 'nexus images', a digest
(sha256:...) or an unambiguous digest prefix. ARGS are appended after the
image's entry arguments. The image is verified before it runs: a module or
manifest that does not match its hashes, or a bad signature, is refused.
With --trust, the image must be signed by one of the given keys.

The image's manifest says its tier: a WebAssembly app runs on tier 1, a
static executable (built with --tier kvm) in a KVM microVM on tier 2.

The flags tighten the image's limits; they can never loosen them. When the
microVM is ended by the host, run exits with:
  124  wall-time limit reached      134  trap (unreachable, bounds, stack;
  125  output limit reached              on tier 2 a guest fault, named
  126  the host could not run it         with its address)
  137  memory limit reached

Host services: MemexFS calls reach the index under --home (when 'nexus
serve' holds it, run with --detach instead); Cortex embeddings use the
built-in embedder; Cortex generation needs --model. A service that is not
there fails the call with "not available", and the app decides what to do.

With --detach the node started by 'nexus serve' runs the image from its
own store in the background; 'nexus ps', 'nexus logs ID' and 'nexus stop ID'
follow it.

Examples:
  nexus run hello -- world
  nexus run --timeout 2s --memory 32MiB hostile -- loop
  nexus run --trust release ./app.nxi`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			ctx := cmd.Context()
			l, err := lim.limits()
			if err != nil {
				return err
			}
			appArgs := a[1:]
			if len(appArgs) > 0 && appArgs[0] == "--" {
				appArgs = appArgs[1:]
			}
			if detach || onNode {
				c := vmClient(node)
				st, err := c.Start(ctx, microvm.StartRequest{Image: a[0], Args: appArgs, Limits: l})
				if err != nil {
					return err
				}
				if detach {
					fmt.Fprintln(cmd.OutOrStdout(), st.ID)
					return nil
				}
				if st, err = c.Wait(ctx, st.ID); err != nil {
					return err
				}
				out, err := c.Logs(ctx, st.ID)
				if err != nil {
					return err
				}
				cmd.OutOrStdout().Write(out)
				if err := st.Err(); err != nil {
					cmd.SilenceErrors = st.Reason == microvm.ReasonExit
					return err
				}
				return nil
			}
			if exitsAfterRun {
				// The process ends with this run: its VM's teardown and
				// its memory go to a helper that outlives it (main).
				releaseAtExit = true
				kvm.LeaveToExit()
			}
			// Tier 2 opens /dev/kvm and builds the VM while the image
			// is read and verified.
			kvm.Prewarm(home.At(g.home).KVMCPUID())
			img, err := readImage(g, a[0], trust, &image.MapOptions{Prepare: func(m *image.Manifest) {
				if m.Tier == microvm.TierKVM && m.Validate() == nil {
					kvm.Prebuild(uint64(m.Limits.Tighten(l).MemoryBytes))
				}
			}})
			if err != nil {
				kvm.ReleaseSpare()
				return err
			}
			defer img.Close()
			defer kvm.ReleaseSpare()
			h, err := g.Dir()
			if err != nil {
				return err
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
			// MemexFS calls reach the index under --home when there is one
			// and the app may read it; one that cannot be opened (a node
			// holds it) answers "not available". Services the manifest
			// does not grant are not opened: the dispatcher would refuse
			// their calls anyway.
			caps := img.Manifest.Capabilities
			want := runtime.Want{Images: true, MemexIfIndexed: caps.Memex != nil, AppCortex: caps.Cortex || model != "", Model: model}
			rt, err := runtime.Open(ctx, h, want)
			var oe *runtime.OpenError
			if errors.As(err, &oe) && (oe.Service == runtime.ServiceVectorDB || oe.Service == runtime.ServiceMemex) {
				logger.Warn("host service unavailable", "err", oe.Err)
				want.MemexIfIndexed = false
				rt, err = runtime.Open(ctx, h, want)
			}
			if errors.As(err, &oe) && oe.Service == runtime.ServiceModel {
				return fmt.Errorf("--model: %w", oe.Err)
			}
			if err != nil {
				return err
			}
			defer rt.Close(context.WithoutCancel(ctx))
			svc := rt.AppServices(logger)
			if testAppServices != nil {
				testAppServices(&svc)
			}
			eng, err := rt.EngineFor(ctx, img, logger)
			if err != nil {
				return err
			}
			st, err := eng.Run(ctx, img.Program(), microvm.RunConfig{
				Args: appArgs, Stdin: cmd.InOrStdin(), Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(),
				Limits: l, Services: svc, Logger: logger,
			})
			if err != nil {
				return err
			}
			if err := st.Err(); err != nil {
				if st.Reason == microvm.ReasonExit {
					// The app's own exit code: nothing to add to its output.
					cmd.SilenceErrors = true
				}
				return err
			}
			return nil
		},
	}
	cmd.Flags().SetInterspersed(false)
	lim.add(cmd, "tighten the")
	cmd.Flags().StringVar(&model, "model", "", "serve the app's Cortex generate calls with this model (a name from 'nexus cortex list' or a GGUF file)")
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run on the 'nexus serve' node in the background and print its id (see ps, logs, stop)")
	cmd.Flags().BoolVar(&onNode, "on-node", false, "run on the 'nexus serve' node (compiled modules stay warm there), wait, print its output (stdout and stderr interleaved, last MiB) and exit with its code")
	cmd.Flags().StringVar(&node, "node", defaultNode(), "node API address for --detach and --on-node (env NEXUS_NODE)")
	cmd.Flags().StringArrayVar(&trust, "trust", nil, "require a signature by this public key (a file, or a name under --home/keys; repeatable)")
	return cmd
}

func newImagesCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "images",
		Short: "List the sealed images in the image store",
		Long: `images lists the images under --home/images, newest first. LATEST marks
the image a name currently points at; older builds stay addressable by
digest.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := openImageStore(g)
			if err != nil {
				return err
			}
			list, err := store.List()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tTIER\tDIGEST\tSIZE\tSIGNED BY\tLATEST\tCREATED")
			for _, e := range list {
				latest, signer := "", e.Signer
				if e.Latest {
					latest = "*"
				}
				if signer == "" {
					signer = "-"
				}
				d := strings.TrimPrefix(e.Digest, "sha256:")
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, e.Version, e.Tier, d[:12], benchstat.Bytes(e.Size),
					signer, latest, e.Created.Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
}

func newInspectCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect IMAGE|NAME",
		Short: "Show a sealed image's manifest, digest and signature",
		Long: `inspect verifies the image (as run would) and prints, as JSON, its digest,
signer and manifest: capabilities, limits, entry arguments, environment and
the module's SHA-256.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			img, err := loadImage(g, a[0], nil)
			if err != nil {
				return err
			}
			out := struct {
				Digest   string         `json:"digest"`
				Signer   string         `json:"signer,omitempty"`
				Manifest image.Manifest `json:"manifest"`
			}{Digest: img.Digest, Manifest: img.Manifest}
			if img.Signature != nil {
				out.Signer = img.Signature.KeyID()
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
}

func newKeyCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage the ed25519 keys that sign images",
		Args:  cobra.NoArgs,
	}
	var out string
	gen := &cobra.Command{
		Use:   "gen [NAME]",
		Short: "Generate a signing key pair",
		Long: `gen creates an ed25519 key pair: the private key NAME.key (mode 0600)
and the public key NAME.key.pub, under --home/keys (or at --out). Sign with
'nexus build --sign NAME'; require the signature with 'nexus run --trust
NAME' (give others the .pub file). NAME defaults to "default".`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			name := "default"
			if len(a) == 1 {
				name = a[0]
			}
			p := out
			if p == "" {
				h, err := g.Dir()
				if err != nil {
					return err
				}
				if err := os.MkdirAll(h.Keys(), 0o700); err != nil {
					return err
				}
				p = h.Key(name, ".key")
			}
			pub, err := image.GenerateKey(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "key %s\nprivate %s\npublic  %s.pub\n", image.KeyID(pub), p, p)
			return nil
		},
	}
	gen.Flags().StringVar(&out, "out", "", "write the private key to this path (public key: PATH.pub)")
	cmd.AddCommand(gen)
	return cmd
}
