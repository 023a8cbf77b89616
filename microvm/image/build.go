package image

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"nexusos/abi"
	"nexusos/microvm"
)

// wasmMagic is the start of every WebAssembly binary (Core spec §5.5.16).
var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// IsWasm reports whether b starts like a WebAssembly 1.0 binary.
func IsWasm(b []byte) bool { return bytes.HasPrefix(b, wasmMagic) }

// GoToolchain returns the go command used to build Go packages: $NEXUS_GO
// when set, else "go" from PATH.
func GoToolchain() string {
	if g := os.Getenv("NEXUS_GO"); g != "" {
		return g
	}
	return "go"
}

// BuildGo compiles the Go main package in dir with GOOS=wasip1
// GOARCH=wasm and returns the module. The package needs nothing from
// NexusOS: any ordinary package main works. Compiler output is returned in
// the error when the build fails.
func BuildGo(ctx context.Context, dir string) ([]byte, error) {
	return buildGo(ctx, dir, false)
}

// BuildGoReactor builds the Go main package in dir as a WASI reactor for
// pre-initialisation: it exports _initialize and PreinitEntry, which runs
// main. The app's source is not changed; the entry is added through go
// build -overlay.
func BuildGoReactor(ctx context.Context, dir string) ([]byte, error) {
	return buildGo(ctx, dir, true)
}

func buildGo(ctx context.Context, dir string, reactor bool) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "nexus-build-*")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "app.wasm")
	args := []string{"build", "-trimpath", "-o", out}
	if reactor {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", dir, err)
		}
		entry := filepath.Join(tmp, "entry.go")
		if err := os.WriteFile(entry, []byte(preinitEntry), 0o644); err != nil {
			return nil, fmt.Errorf("build %s: %w", dir, err)
		}
		ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(abs, "zz_nexus_preinit_entry.go"): entry}})
		overlay := filepath.Join(tmp, "overlay.json")
		if err := os.WriteFile(overlay, ov, 0o644); err != nil {
			return nil, fmt.Errorf("build %s: %w", dir, err)
		}
		args = append(args, "-buildmode=c-shared", "-overlay", overlay)
	}
	return runGoBuild(ctx, dir, out, args, "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
}

// runGoBuild runs the Go toolchain with args on the package in dir, with
// env added to the environment, and returns the file it wrote at out.
// Compiler output is returned in the error when the build fails.
func runGoBuild(ctx context.Context, dir, out string, args []string, env ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, GoToolchain(), append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build %s with %s: %w\n%s", dir, strings.Join(env, " "), err, strings.TrimSpace(stderr.String()))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	return b, nil
}

// readProgram returns the program that path stands for: a Go package
// directory built by build (kind "go"), or a file accepted by check (kind
// fileKind), at most MaxModuleSize bytes.
func readProgram(ctx context.Context, path string, build func(context.Context, string) ([]byte, error), fileKind string, check func([]byte) error) ([]byte, string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("build: %w", err)
	}
	if st.IsDir() {
		b, err := build(ctx, path)
		return b, "go", err
	}
	if st.Size() > MaxModuleSize {
		return nil, "", fmt.Errorf("build: %s is larger than %d bytes", path, MaxModuleSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("build: %w", err)
	}
	if err := check(b); err != nil {
		return nil, "", fmt.Errorf("build: %s %w", path, err)
	}
	return b, fileKind, nil
}

// ReadModule returns the module that path stands for: a .wasm file as is,
// or a Go package directory built by BuildGo. kind is "wasm" or "go".
func ReadModule(ctx context.Context, path string) (module []byte, kind string, err error) {
	return readProgram(ctx, path, BuildGo, "wasm", func(b []byte) error {
		if !IsWasm(b) {
			return errors.New("is neither a Go package directory nor a WebAssembly binary")
		}
		return nil
	})
}

// BuildOptions say what to seal.
type BuildOptions struct {
	// Tier is microvm.TierWasm (the default when empty) or
	// microvm.TierKVM.
	Tier string
	// Path is a Go package directory, or a .wasm file (tier wasm) or
	// static x86-64 ELF executable (tier kvm).
	Path    string
	Name    string // default: derived from Path
	Version string
	// Files is a directory sealed into a tier-2 image as the app's
	// read-only "/" (see ArchiveDir); manifest mounts are added on top.
	Files string
	// Args are the entry arguments after argv[0] (which is Name).
	Args         []string
	Env          map[string]string
	Capabilities microvm.Capabilities
	Limits       microvm.Limits
	// Handles declares what the app handles (microvm.Manifest.Handles).
	Handles *microvm.Handles
	// SignKey signs the image when not nil.
	SignKey ed25519.PrivateKey
	// Preinit, when set and Path is a Go package for tier wasm, builds
	// the app as a reactor and pre-initialises it with this function (the
	// tier's snapshotter, e.g. wasm.Preinit), so runs skip the Go
	// runtime's start-up. If that fails the build falls back to an
	// ordinary command and Build reports why in Warning.
	Preinit func(ctx context.Context, module []byte, m *microvm.Manifest, entry string) ([]byte, *microvm.Snapshot, error)
	// PreinitKVM, when set and Path is a Go package for tier kvm,
	// snapshots the built executable after its runtime's start-up with
	// this function (kvm.Preinit), given the sealed files as its "/", and
	// seals the snapshot into the image (Entry KVMSnapshotEntry). If that
	// fails the image is sealed without one and Build says why in
	// Warning.
	PreinitKVM func(ctx context.Context, exe []byte, files fs.FS, m *microvm.Manifest) (*microvm.Snapshot, error)
}

// Built is the result of Build.
type Built struct {
	*Image
	// Warning explains a fallback (e.g. why pre-initialisation was
	// skipped); empty when none.
	Warning string
}

// Build compiles (for a Go package) or reads (for .wasm or ELF) the
// module and seals it with its manifest.
func Build(ctx context.Context, o BuildOptions) (*Built, error) {
	name := o.Name
	if name == "" {
		name = DefaultName(o.Path)
	}
	tier := o.Tier
	if tier == "" {
		tier = microvm.TierWasm
	}
	m := Manifest{
		Manifest: microvm.Manifest{
			ABI: abi.Version, Name: name, Version: o.Version, Tier: tier,
			Args: append([]string{name}, o.Args...), Env: o.Env,
			Capabilities: o.Capabilities, Limits: o.Limits, Handles: o.Handles,
		},
	}
	switch tier {
	case microvm.TierWasm:
		if o.Files != "" {
			return nil, fmt.Errorf("build %s: sealed files need tier %s (tier %s apps get mounts)", o.Path, microvm.TierKVM, tier)
		}
	case microvm.TierKVM:
		return buildKVM(ctx, o, m)
	default:
		return nil, fmt.Errorf("build %s: tier %q: want %q or %q", o.Path, tier, microvm.TierWasm, microvm.TierKVM)
	}
	var warning string
	if st, err := os.Stat(o.Path); err == nil && st.IsDir() && o.Preinit != nil {
		img, err := buildPreinit(ctx, o, m)
		if err == nil {
			if o.SignKey != nil {
				img.Sign(o.SignKey)
			}
			return &Built{Image: img}, nil
		}
		warning = fmt.Sprintf("pre-initialisation skipped, built an ordinary command: %v", err)
	}
	module, kind, err := ReadModule(ctx, o.Path)
	if err != nil {
		return nil, err
	}
	m.Source = kind
	img, err := Seal(m, module)
	if err != nil {
		return nil, err
	}
	if o.SignKey != nil {
		img.Sign(o.SignKey)
	}
	return &Built{Image: img, Warning: warning}, nil
}

func buildPreinit(ctx context.Context, o BuildOptions, m Manifest) (*Image, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	reactor, err := BuildGoReactor(ctx, o.Path)
	if err != nil {
		return nil, err
	}
	mod, snap, err := o.Preinit(ctx, reactor, &m.Manifest, PreinitEntry)
	if err != nil {
		return nil, err
	}
	m.Source = "go"
	return SealSnapshot(m, mod, snap)
}

// DefaultName derives an image name from a build path: its last element,
// without ".wasm", lower-cased, other characters replaced by '-'.
func DefaultName(p string) string {
	abs, err := filepath.Abs(p)
	if err == nil {
		p = abs
	}
	base := strings.TrimSuffix(filepath.Base(p), ".wasm")
	var b strings.Builder
	for _, c := range strings.ToLower(base) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), ".-")
	if s == "" {
		s = "app"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
