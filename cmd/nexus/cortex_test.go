package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runNexus(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := doMain(args, &out, &errb); code != 0 {
		t.Fatalf("nexus %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

func TestCortexCLI(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	model := filepath.Join(dir, "tiny.gguf")
	out := runNexus(t, "cortex", "synth", "--preset", "tiny", "--type", "tq1_0", "--scales", "--out", model)
	if !strings.Contains(out, "TQ1_0") {
		t.Errorf("synth: %s", out)
	}
	out = runNexus(t, "cortex", "info", model)
	for _, want := range []string{"arch bitnet", "4 layers", "TQ1_0", "F16 KV cache"} {
		if !strings.Contains(out, want) {
			t.Errorf("info lacks %q:\n%s", want, out)
		}
	}
	runNexus(t, "--home", home, "cortex", "add", model, "--name", "tiny")
	if out := runNexus(t, "--home", home, "cortex", "list"); strings.TrimSpace(out) != "tiny" {
		t.Errorf("list = %q", out)
	}
	// The reference model by name through --home, greedy, as JSON.
	ref, _ := filepath.Abs("../../cortex/testdata/bitnet-tiny-tq2_0.gguf")
	runNexus(t, "--home", home, "cortex", "add", ref, "--name", "ref")
	out = runNexus(t, "--home", home, "cortex", "run", "--model", "ref", "--tokens",
		"1,302,415,17,88,263,499,140,3,77,351,259,402,68,211,330,45,481,126,299,9,384,172,450", "-n", "4", "--json", "--ignore-eos")
	var res struct {
		Prompt []int  `json:"prompt_tokens"`
		Tokens []int  `json:"tokens"`
		Text   string `json:"text"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("run --json: %v: %s", err, out)
	}
	if len(res.Prompt) != 24 || len(res.Tokens) != 4 || res.Tokens[0] != 176 || res.Tokens[1] != 67 {
		t.Errorf("run: %+v (llama.cpp greedy starts 176 67)", res)
	}
	logits := filepath.Join(dir, "logits.f32")
	runNexus(t, "cortex", "logits", "--model", ref, "--tokens", "1,302,415", "--out", logits)
	if st, err := os.Stat(logits); err != nil || st.Size() != 3*512*4 {
		t.Errorf("logits file: %v", err)
	}
	out = runNexus(t, "cortex", "bench", "--model", model, "-p", "8", "-n", "2", "--threads", "1", "--reps", "1")
	if !strings.Contains(out, "pp8") || !strings.Contains(out, "tg2") {
		t.Errorf("bench:\n%s", out)
	}
	var errb bytes.Buffer
	if code := doMain([]string{"cortex", "run", "--model", model}, &bytes.Buffer{}, &errb); code == 0 {
		t.Error("run without a prompt succeeded")
	}
}
