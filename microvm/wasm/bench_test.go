package wasm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"nexusos/microvm"
)

var (
	goHelloOnce    sync.Once
	goHelloCommand []byte
	goHelloErr     error
)

// goHello builds examples/hello for wasip1 (benchmarks only).
func goHello(b *testing.B) []byte {
	goHelloOnce.Do(func() {
		out := filepath.Join(b.TempDir(), "hello.wasm")
		cmd := exec.Command("go", "build", "-o", out, "../../examples/hello")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if o, err := cmd.CombinedOutput(); err != nil {
			goHelloErr = err
			b.Logf("%s", o)
			return
		}
		goHelloCommand, goHelloErr = os.ReadFile(out)
	})
	if goHelloErr != nil {
		b.Skipf("cannot build examples/hello: %v", goHelloErr)
	}
	return goHelloCommand
}

// BenchmarkStartGoHello compares start-to-exit of the Go hello command on
// NexusOS and on plain wazero. The pre-initialised variant is measured by
// `nexus bench vm` (it needs a reactor build).
func BenchmarkStartGoHello(b *testing.B) {
	ctx := context.Background()
	code := goHello(b)
	e := newEngine(b)
	p := &microvm.Program{ID: "sha256:gohello", Manifest: microvm.Manifest{ABI: 1, Name: "hello", Tier: microvm.TierWasm}, Code: code}
	if err := e.Prepare(ctx, p); err != nil {
		b.Fatal(err)
	}
	plain, err := newPlain(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	mod, err := plain.compile(ctx, code)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("nexus", func(b *testing.B) {
		for b.Loop() {
			if err := runNexus(ctx, e, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			if err := plain.run(ctx, mod); err != nil {
				b.Fatal(err)
			}
		}
	})
}
