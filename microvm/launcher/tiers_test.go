package launcher

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/wasmbin"
)

// TestManagerBothTiers runs a tier-1 and a tier-2 image (with sealed
// files) from one store through one Manager, as `nexus serve` does.
func TestManagerBothTiers(t *testing.T) {
	cc, err := exec.LookPath("musl-gcc")
	if err != nil {
		t.Skip("skipping: musl-gcc not installed (run .ci/deps.d/40-musl.sh)")
	}
	home, dir := t.TempDir(), t.TempDir()
	store, err := image.OpenStore(filepath.Join(home, "images"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng, err := NewEngine(ctx, store, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Unavailable[microvm.TierKVM]; err != nil {
		eng.Close(ctx)
		t.Skipf("skipping: KVM unavailable on this machine: %v", err)
	}
	mgr := microvm.NewManager(eng, Resolver(store), microvm.Services{}, microvm.ManagerConfig{})
	defer mgr.Close(ctx)

	exe := filepath.Join(dir, "hello")
	if b, err := exec.Command(cc, "-static", "-O2", "-o", exe, filepath.Join("..", "..", "examples-kvm", "hello-c", "hello.c")).CombinedOutput(); err != nil {
		t.Fatalf("musl-gcc: %v\n%s", err, b)
	}
	root := filepath.Join(dir, "root")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "motd"), []byte("sealed motd\n"), 0o644)
	b, err := image.Build(ctx, image.BuildOptions{Tier: microvm.TierKVM, Path: exe, Files: root, Args: []string{"cat", "/motd"}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := image.Seal(image.Manifest{Manifest: microvm.Manifest{ABI: 1, Name: "hi", Tier: microvm.TierWasm}}, wasmbin.Hello("hi there\n", 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []*image.Image{b.Image, w} {
		if err := store.Put(img); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"hello": "sealed motd\n", "hi": "hi there\n"} {
		st, err := mgr.Start(ctx, microvm.StartRequest{Image: name})
		if err != nil {
			t.Fatal(err)
		}
		if st, err = mgr.Wait(ctx, st.ID); err != nil || st.Reason != microvm.ReasonExit {
			t.Fatalf("%s: %+v %v", name, st, err)
		}
		if logs, _ := mgr.Logs(st.ID); !strings.HasSuffix(string(logs), want) {
			t.Fatalf("%s: logs %q", name, logs)
		}
	}

	// A tier this host does not run fails with a clear error.
	p := &microvm.Program{Manifest: microvm.Manifest{Name: "x", Tier: "riscv"}}
	if _, err := eng.Run(ctx, p, microvm.RunConfig{}); err == nil || !strings.Contains(err.Error(), `tier "riscv"`) {
		t.Fatalf("unknown tier: %v", err)
	}
	eng.Unavailable["gpu"] = errors.New("no GPU")
	p.Manifest.Tier = "gpu"
	if err := eng.Prepare(ctx, p); err == nil || !strings.Contains(err.Error(), "no GPU") {
		t.Fatalf("unavailable tier: %v", err)
	}
}
