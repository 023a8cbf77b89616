package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/microvm/wasmbin"
	nhome "nexusos/node/home"
	"nexusos/node/runtime"
)

func nexus(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := doMain(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestMicroVMCommands(t *testing.T) {
	home := t.TempDir()
	dir := t.TempDir()
	hello := filepath.Join(dir, "greeter.wasm")
	if err := os.WriteFile(hello, wasmbin.Hello("hello from wasm\n", 0), 0o644); err != nil {
		t.Fatal(err)
	}
	three := filepath.Join(dir, "three.wasm")
	os.WriteFile(three, wasmbin.Hello("bye\n", 3), 0o644)

	must := func(args ...string) string {
		t.Helper()
		code, out, errs := nexus(t, append([]string{"--home", home}, args...)...)
		if code != 0 {
			t.Fatalf("nexus %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}

	out := must("key", "gen", "release")
	if !strings.Contains(out, filepath.Join(home, "keys", "release.key")) {
		t.Fatalf("key gen: %s", out)
	}
	must("key", "gen", "other")
	sealedFile := filepath.Join(dir, "greeter.nxi")
	out = must("build", hello, "--sign", "release", "-o", sealedFile, "--memory", "16MiB", "--timeout", "10s")
	if !strings.Contains(out, "sealed greeter sha256:") || !strings.Contains(out, "signed by") || !strings.Contains(out, "compiled ahead of time") {
		t.Fatalf("build: %s", out)
	}
	if out := must("run", "greeter"); out != "hello from wasm\n" {
		t.Fatalf("run greeter: %q", out)
	}
	if out := must("run", "--trust", "release", sealedFile); out != "hello from wasm\n" {
		t.Fatalf("run sealed file: %q", out)
	}
	out = must("images")
	if !strings.Contains(out, "greeter") || strings.Contains(out, "greeter  ") && !strings.Contains(out, "*") {
		t.Fatalf("images: %s", out)
	}
	out = must("inspect", "greeter")
	for _, want := range []string{`"name": "greeter"`, `"signer": "`, `"memory_bytes": 16777216`, `"timeout": "10s"`, `"source": "wasm"`} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect lacks %s:\n%s", want, out)
		}
	}

	// Signed by a key we do not trust.
	code, _, errs := nexus(t, "--home", home, "run", "--trust", "other", "greeter")
	if code == 0 || !strings.Contains(errs, "untrusted key") {
		t.Fatalf("untrusted signer: exit %d %s", code, errs)
	}
	// Unsigned image where a signature is required.
	must("build", three, "--no-compile")
	code, _, errs = nexus(t, "--home", home, "run", "--trust", "release", "three")
	if code == 0 || !strings.Contains(errs, "not signed") {
		t.Fatalf("unsigned image: exit %d %s", code, errs)
	}
	// The app's exit code is nexus's exit code, with no extra noise.
	code, out, errs = nexus(t, "--home", home, "run", "three")
	if code != 3 || out != "bye\n" || errs != "" {
		t.Fatalf("exit code: %d %q %q", code, out, errs)
	}

	// Tampering with the module inside the sealed file is refused.
	b, _ := os.ReadFile(sealedFile)
	i := bytes.Index(b, []byte("hello from wasm"))
	b[i] = 'J'
	os.WriteFile(sealedFile, b, 0o644)
	code, _, errs = nexus(t, "--home", home, "run", sealedFile)
	if code == 0 || !strings.Contains(errs, "tampered") {
		t.Fatalf("tampered image: exit %d %s", code, errs)
	}
	// A non-wasm file is not built.
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, []byte("hi"), 0o644)
	if code, _, _ := nexus(t, "--home", home, "build", txt); code == 0 {
		t.Fatal("built a text file")
	}
	// Limits from the command line end a runaway app.
	if code, _, _ := nexus(t, "--home", home, "run", "--memory", "nonsense", "greeter"); code == 0 {
		t.Fatal("accepted --memory nonsense")
	}
}

// TestMicroVMOnNode drives ps, logs, stop and run --on-node/--detach
// against the manager mounted the way `nexus serve` mounts it.
func TestMicroVMOnNode(t *testing.T) {
	home := t.TempDir()
	w := filepath.Join(t.TempDir(), "greeter.wasm")
	os.WriteFile(w, wasmbin.Hello("hi from the node\n", 0), 0o644)
	if code, out, errs := nexus(t, "--home", home, "build", w, "--no-compile"); code != 0 {
		t.Fatalf("build: %s%s", out, errs)
	}
	rt, err := runtime.Open(context.Background(), nhome.At(home), runtime.Want{Apps: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	mgr := rt.VMs()
	mux := http.NewServeMux()
	mux.Handle("/v1/vms/", http.StripPrefix("/v1/vms", mgr.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	code, out, errs := nexus(t, "run", "--on-node", "--node", srv.URL, "greeter")
	if code != 0 || out != "hi from the node\n" {
		t.Fatalf("run --on-node: %d %q %q", code, out, errs)
	}
	code, out, _ = nexus(t, "run", "-d", "--node", srv.URL, "greeter")
	id := strings.TrimSpace(out)
	if code != 0 || len(id) != 36 {
		t.Fatalf("run -d: %d %q", code, out)
	}
	if _, err := mgr.Wait(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if code, out, _ = nexus(t, "logs", "--node", srv.URL, id); code != 0 || out != "hi from the node\n" {
		t.Fatalf("logs: %d %q", code, out)
	}
	if code, out, _ = nexus(t, "ps", "--all", "--node", srv.URL); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "exited") {
		t.Fatalf("ps: %d %s", code, out)
	}
	if code, out, _ = nexus(t, "stop", "--node", srv.URL, id); code != 0 || !strings.Contains(out, "exited") {
		t.Fatalf("stop of an ended vm: %d %s", code, out)
	}
	if code, _, errs = nexus(t, "logs", "--node", srv.URL, "nosuch"); code == 0 || !strings.Contains(errs, "no such microVM") {
		t.Fatalf("logs of a missing vm: %d %s", code, errs)
	}
}
