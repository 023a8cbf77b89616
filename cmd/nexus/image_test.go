package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/microvm/wasmbin"
)

func TestImageExportImport(t *testing.T) {
	home, other, dir := t.TempDir(), t.TempDir(), t.TempDir()
	app := filepath.Join(dir, "greeter.wasm")
	os.WriteFile(app, wasmbin.Hello("hello from wasm\n", 0), 0o644)
	must := func(home string, args ...string) string {
		t.Helper()
		code, out, errs := nexus(t, append([]string{"--home", home}, args...)...)
		if code != 0 {
			t.Fatalf("nexus %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	must(home, "key", "gen", "release")
	must(home, "build", app, "--sign", "release", "--version", "1.0", "--no-compile")
	archive := filepath.Join(dir, "greeter.tar")
	out := must(home, "image", "export", "greeter", "--oci", archive)
	if !strings.Contains(out, "exported greeter sha256:") || !strings.Contains(out, "as greeter:1.0") {
		t.Fatalf("export: %s", out)
	}
	first, _ := os.ReadFile(archive)
	must(home, "image", "export", "greeter", "--oci", archive)
	if again, _ := os.ReadFile(archive); !bytes.Equal(first, again) {
		t.Fatal("exporting twice gave different archives")
	}

	// A tampered archive is refused and leaves the store empty.
	bad := bytes.Clone(first)
	bad[bytes.Index(bad, []byte("hello from wasm"))] ^= 1
	badPath := filepath.Join(dir, "bad.tar")
	os.WriteFile(badPath, bad, 0o644)
	code, _, errs := nexus(t, "--home", other, "image", "import", badPath)
	if code == 0 || !strings.Contains(errs, "tampered") {
		t.Fatalf("tampered archive: exit %d: %s", code, errs)
	}
	if out := must(other, "images"); strings.Contains(out, "greeter") {
		t.Fatalf("a refused import left an image:\n%s", out)
	}

	pub := filepath.Join(home, "keys", "release.key.pub")
	out = must(other, "image", "import", "--trust", pub, archive)
	if !strings.Contains(out, "imported greeter sha256:") || !strings.Contains(out, "from greeter:1.0") || !strings.Contains(out, "signed by") {
		t.Fatalf("import: %s", out)
	}
	if out := must(other, "run", "--trust", pub, "greeter"); out != "hello from wasm\n" {
		t.Fatalf("run the imported image: %q", out)
	}
	want := must(home, "inspect", "greeter")
	if got := must(other, "inspect", "greeter"); got != want {
		t.Fatalf("inspect after import:\n%s\nwant\n%s", got, want)
	}
	if code, _, errs := nexus(t, "--home", other, "image", "export", "greeter"); code == 0 || !strings.Contains(errs, "--oci") {
		t.Fatalf("export without --oci: exit %d: %s", code, errs)
	}
}
