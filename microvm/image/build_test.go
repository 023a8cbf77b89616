package image_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/wasm"
)

// TestBuildGo seals the hello example pre-initialised and, when the
// snapshotter fails, as an ordinary command; both run and see their
// run-time arguments.
func TestBuildGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go for wasip1")
	}
	ctx := context.Background()
	eng, err := wasm.New(ctx, wasm.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(ctx)
	failing := func(context.Context, []byte, *microvm.Manifest, string) ([]byte, *microvm.Snapshot, error) {
		return nil, nil, errors.New("snapshotter broke")
	}
	cases := []struct {
		name    string
		preinit func(context.Context, []byte, *microvm.Manifest, string) ([]byte, *microvm.Snapshot, error)
		want    bool // pre-initialised
	}{
		{"preinit", wasm.Preinit, true},
		{"fallback", failing, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := image.Build(ctx, image.BuildOptions{Path: "../../examples/hello", Preinit: c.preinit})
			if err != nil {
				t.Fatal(err)
			}
			if got := b.Manifest.Preinit != nil; got != c.want {
				t.Fatalf("pre-initialised = %v, warning %q", got, b.Warning)
			}
			if !c.want && !strings.Contains(b.Warning, "snapshotter broke") {
				t.Fatalf("fallback warning %q", b.Warning)
			}
			if b.Manifest.Name != "hello" || b.Manifest.Source != "go" {
				t.Fatalf("manifest %+v", b.Manifest)
			}
			img, err := image.Decode(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			st, err := eng.Run(ctx, img.Program(), microvm.RunConfig{Args: []string{"a", "b"}, Stdout: &out})
			if err != nil || st.ExitCode != 0 || out.String() != "hello, a b, from a NexusOS microVM\n" {
				t.Fatalf("run: %v %+v %q", err, st, out.String())
			}
		})
	}
}
