package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMemexReembed: with an embedding model added, questions are
// answered with GloVe-SIF (and a note) until `nexus memex reembed`, then
// through the model; --embedder glove-sif goes back.
func TestMemexReembed(t *testing.T) {
	home, data := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "bees.md"), []byte("# Bees\n\nBees pollinate flowers in the orchard.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string) {
		t.Helper()
		var out, errOut strings.Builder
		if code := doMain(append(args, "--home", home), &out, &errOut); code != 0 {
			t.Fatalf("nexus %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String(), errOut.String()
	}
	run("memex", "add", data)
	run("cortex", "add", "../../cortex/testdata/qwen3-embed-tiny-i2_s.gguf", "--name", "tiny-embed")
	out, errOut := run("memex", "query", "bees pollinate")
	if !strings.Contains(out, "answered with: glove-sif-100d-v2") || !strings.Contains(errOut, "nexus memex reembed") {
		t.Fatalf("before reembed:\n%s%s", out, errOut)
	}
	if out, _ = run("memex", "reembed"); !strings.Contains(out, "re-embedded 1 files") {
		t.Fatalf("reembed: %s", out)
	}
	if out, _ = run("memex", "query", "bees pollinate"); !strings.Contains(out, "answered with: cortex-embed:tiny-embed.gguf:") || !strings.Contains(out, "bees.md") {
		t.Fatalf("after reembed: %s", out)
	}
	if out, _ = run("memex", "--embedder", "glove-sif", "query", "bees pollinate"); !strings.Contains(out, "answered with: glove-sif-100d-v2") {
		t.Fatalf("--embedder glove-sif: %s", out)
	}
}
