package image

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	tmp, err := os.MkdirTemp("", "nexus-build-*")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "app.wasm")
	cmd := exec.CommandContext(ctx, GoToolchain(), "build", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build %s with GOOS=wasip1 GOARCH=wasm: %w\n%s", dir, err, strings.TrimSpace(stderr.String()))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	return b, nil
}

// ReadModule returns the module that path stands for: a .wasm file as is,
// or a Go package directory built by BuildGo. kind is "wasm" or "go".
func ReadModule(ctx context.Context, path string) (module []byte, kind string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("build: %w", err)
	}
	if st.IsDir() {
		b, err := BuildGo(ctx, path)
		return b, "go", err
	}
	if st.Size() > MaxModuleSize {
		return nil, "", fmt.Errorf("build: %s is larger than %d bytes", path, MaxModuleSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("build: %w", err)
	}
	if !IsWasm(b) {
		return nil, "", fmt.Errorf("build: %s is neither a Go package directory nor a WebAssembly binary", path)
	}
	return b, "wasm", nil
}
