package examples

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/wasm"
)

var names = []string{"hello", "invoices", "summarize", "hostile"}

// Built once per test binary: compiling Go to wasm is slow on a busy
// machine, so every test shares the modules and one engine (which keeps
// each compiled module in memory).
var (
	buildDir string
	engine   *wasm.Engine
	// reactors holds each example built as a reactor for pre-initialisation.
	reactors = map[string][]byte{}
)

// modes are the two ways an app is sealed: an ordinary WASI command, and
// pre-initialised (snapshot of its Go runtime start-up).
var modes = []string{"command", "preinit"}

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "nexus-examples-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	buildDir = dir
	args := []string{"build", "-trimpath", "-o", dir + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./"+n)
	}
	cmd := exec.Command(image.GoToolchain(), args...)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build examples with GOOS=wasip1 GOARCH=wasm: %v\n%s", err, out)
		return 1
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var buildErr error
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := image.BuildGoReactor(context.Background(), n)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				buildErr = err
			}
			reactors[n] = b
		}()
	}
	wg.Wait()
	if buildErr != nil {
		fmt.Fprintln(os.Stderr, buildErr)
		return 1
	}
	engine, err = wasm.New(context.Background(), wasm.NewConfig().WithCacheDir(filepath.Join(dir, "cache")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer engine.Close(context.Background())
	return m.Run()
}

// seal builds the sealed image of example name with the given grants, in
// the given mode, and decodes it again, as `nexus run` would.
func seal(t *testing.T, mode, name string, caps microvm.Capabilities, lim microvm.Limits, env map[string]string) *microvm.Program {
	t.Helper()
	m := image.Manifest{Manifest: microvm.Manifest{ABI: 1, Name: name, Tier: microvm.TierWasm, Args: []string{name}, Env: env, Capabilities: caps, Limits: lim}, Source: "go"}
	var img *image.Image
	var err error
	if mode == "preinit" {
		mod, snap, perr := wasm.Preinit(t.Context(), reactors[name], &m.Manifest, image.PreinitEntry)
		if perr != nil {
			t.Fatal(perr)
		}
		img, err = image.SealSnapshot(m, mod, snap)
	} else {
		code, rerr := os.ReadFile(filepath.Join(buildDir, name))
		if rerr != nil {
			t.Fatal(rerr)
		}
		img, err = image.Seal(m, code)
	}
	if err != nil {
		t.Fatal(err)
	}
	dec, err := image.Decode(img.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return dec.Program()
}

func run(t *testing.T, p *microvm.Program, svc microvm.Services, args ...string) (microvm.Status, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	st, err := engine.Run(t.Context(), p, microvm.RunConfig{Args: args, Stdout: &out, Stderr: &errb, Services: svc})
	if err != nil {
		t.Fatalf("run %s: %v", p.Manifest.Name, err)
	}
	return st, out.String(), errb.String()
}

func wantExit(t *testing.T, st microvm.Status, code int, stderr string) {
	t.Helper()
	if st.State != microvm.StateExited || st.ExitCode != code {
		t.Fatalf("status %s/%s code %d (%s), want exit %d; stderr:\n%s", st.State, st.Reason, st.ExitCode, st.Detail, code, stderr)
	}
}

func TestHello(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) { testHello(t, mode) })
	}
}

func testHello(t *testing.T, mode string) {
	p := seal(t, mode, "hello", microvm.Capabilities{}, microvm.Limits{}, nil)
	st, out, errs := run(t, p, microvm.Services{}, "NexusOS")
	wantExit(t, st, 0, errs)
	if out != "hello, NexusOS, from a NexusOS microVM\n" || errs != "hello: done\n" {
		t.Fatalf("stdout %q stderr %q", out, errs)
	}
}

// fakeMemex is a test double of MemexFS holding a few documents. Like a
// careless service it ignores the folder restriction, so the test also
// shows the dispatcher filtering results outside the grant.
type fakeMemex struct {
	docs []microvm.Doc
}

func (f *fakeMemex) Query(_ context.Context, text string, opts microvm.QueryOptions) ([]microvm.Result, error) {
	words := strings.Fields(strings.ToLower(text))
	var out []microvm.Result
	for _, d := range f.docs {
		score := 0.0
		for _, w := range words {
			if strings.Contains(strings.ToLower(d.Text+" "+d.Path), strings.TrimSuffix(w, "s")) {
				score++
			}
		}
		if score > 0 {
			out = append(out, microvm.Result{ID: d.ID, Path: d.Path, Score: score, Facts: d.Facts})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	return out, nil
}

func (f *fakeMemex) Get(_ context.Context, id string) (microvm.Doc, error) {
	for _, d := range f.docs {
		if d.ID == id {
			return d, nil
		}
	}
	return microvm.Doc{}, fmt.Errorf("get %s: %w", id, microvm.ErrNotFound)
}

func invoice(id, party, status, amount, cur, due string) microvm.Doc {
	return microvm.Doc{
		ID: id, Path: "invoices/2026/" + id + ".txt",
		Text:  fmt.Sprintf("Invoice %s from %s, %s %s, due %s, %s", id, party, amount, cur, due, status),
		Facts: map[string]string{"kind": "invoice", "status": status, "amount": amount, "currency": cur, "due": due, "party": party},
	}
}

func testMemex() *fakeMemex {
	return &fakeMemex{docs: []microvm.Doc{
		invoice("acme-0142", "ACME", "unpaid", "1200.00", "EUR", "2026-09-30"),
		invoice("globex-0007", "Globex", "unpaid", "350.50", "EUR", "2026-10-15"),
		invoice("initech-0311", "Initech", "paid", "999.00", "EUR", "2026-08-01"),
		invoice("umbrella-88", "Umbrella", "unpaid", "80.00", "USD", "2026-11-01"),
		{ID: "salaries", Path: "private/hr/salaries-unpaid-invoice.txt", Text: "unpaid invoice salaries secret",
			Facts: map[string]string{"kind": "invoice", "status": "unpaid", "amount": "1000000", "currency": "EUR", "party": "HR"}},
		{ID: "q3", Path: "reports/q3.txt", Text: "Q3 report: revenue grew 12 percent; costs fell; two invoices remain unpaid."},
	}}
}

func TestInvoices(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) { testInvoices(t, mode) })
	}
}

func testInvoices(t *testing.T, mode string) {
	caps := microvm.Capabilities{Memex: &microvm.MemexGrant{Folders: []string{"invoices"}}}
	p := seal(t, mode, "invoices", caps, microvm.Limits{}, nil)
	st, out, errs := run(t, p, microvm.Services{Memex: testMemex()})
	wantExit(t, st, 0, errs)
	for _, want := range []string{"acme-0142", "globex-0007", "umbrella-88", "1550.50 EUR", "80.00 USD", "3 unpaid invoices"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range []string{"initech", "salaries", "private"} {
		if strings.Contains(out, leak) {
			t.Errorf("output shows %q:\n%s", leak, out)
		}
	}

	// Without MemexFS on the host the app reports it and fails.
	st, _, errs = run(t, p, microvm.Services{})
	wantExit(t, st, 1, errs)
	if !strings.Contains(errs, "not available") {
		t.Fatalf("stderr %q", errs)
	}
	// Without the capability the host refuses.
	denied := seal(t, mode, "invoices", microvm.Capabilities{}, microvm.Limits{}, nil)
	st, _, errs = run(t, denied, microvm.Services{Memex: testMemex()})
	wantExit(t, st, 1, errs)
	if !strings.Contains(errs, "capability denied") {
		t.Fatalf("stderr %q", errs)
	}
}

type fakeCortex struct{}

func (fakeCortex) Generate(_ context.Context, prompt string, opts microvm.GenerateOptions) (string, error) {
	i := strings.Index(prompt, "Q3 report")
	if i < 0 {
		return "", fmt.Errorf("prompt lacks the document")
	}
	return fmt.Sprintf("SUMMARY(max %d): revenue grew.", opts.MaxTokens), nil
}

func (fakeCortex) Embed(context.Context, string) ([]float32, error) { return []float32{1, 0}, nil }

func TestSummarize(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) { testSummarize(t, mode) })
	}
}

func testSummarize(t *testing.T, mode string) {
	caps := microvm.Capabilities{Memex: &microvm.MemexGrant{Folders: []string{"reports"}}, Cortex: true}
	p := seal(t, mode, "summarize", caps, microvm.Limits{}, nil)

	// No model configured: skips cleanly.
	st, out, errs := run(t, p, microvm.Services{Memex: testMemex()}, "q3", "report")
	wantExit(t, st, 0, errs)
	if !strings.Contains(out, "skipped") || !strings.Contains(out, "not available") {
		t.Fatalf("stdout %q", out)
	}
	// With a (test double) model.
	st, out, errs = run(t, p, microvm.Services{Memex: testMemex(), Cortex: fakeCortex{}}, "q3", "report")
	wantExit(t, st, 0, errs)
	if !strings.Contains(out, "reports/q3.txt") || !strings.Contains(out, "SUMMARY(max 160): revenue grew.") {
		t.Fatalf("stdout %q", out)
	}
}

func TestHostileProbes(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) { testHostileProbes(t, mode) })
	}
}

func testHostileProbes(t *testing.T, mode string) {
	t.Setenv("NEXUS_TEST_SECRET", "host-secret")
	p := seal(t, mode, "hostile", microvm.Capabilities{}, microvm.Limits{}, map[string]string{"GREETING": "hi"})
	st, out, errs := run(t, p, microvm.Services{Memex: testMemex(), Cortex: fakeCortex{}})
	wantExit(t, st, 0, errs)
	if strings.Contains(out, "ESCAPED") || !strings.Contains(out, "all escape attempts blocked") {
		t.Fatalf("escape attempts:\n%s", out)
	}
	for _, want := range []string{"read /etc/passwd", "sees only the manifest's 1 variables", "clock is fake", "memex query without the capability: nexus: memex.query: capability denied", "cortex generate without the capability: nexus: cortex.generate: capability denied"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe output lacks %q:\n%s", want, out)
		}
	}
}

// TestHostileMount grants a read-only directory: the app reads it and
// cannot change it. Apps with mounts are never pre-initialised (Go finds
// its preopened directories during start-up), so only the command mode
// applies.
func TestHostileMount(t *testing.T) {
	m := microvm.Manifest{ABI: 1, Name: "hostile", Tier: microvm.TierWasm, Capabilities: microvm.Capabilities{Mounts: []microvm.Mount{{Host: "/tmp", Guest: "/data"}}}}
	if _, _, err := wasm.Preinit(t.Context(), reactors["hostile"], &m, image.PreinitEntry); err == nil {
		t.Fatal("pre-initialised an app with a mount")
	}
	for _, mode := range modes[:1] {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "note.txt"), []byte("granted"), 0o644); err != nil {
				t.Fatal(err)
			}
			caps := microvm.Capabilities{Mounts: []microvm.Mount{{Host: dir, Guest: "/data"}}}
			p := seal(t, mode, "hostile", caps, microvm.Limits{}, nil)
			st, out, errs := run(t, p, microvm.Services{}, "fs", "/data/note.txt")
			wantExit(t, st, 0, errs)
			if !strings.Contains(out, `read /data/note.txt: "granted"`) || strings.Contains(out, "ESCAPED") {
				t.Fatalf("output:\n%s", out)
			}
			// Climbing out of the mount fails.
			st, out, errs = run(t, p, microvm.Services{}, "fs", "/data/../../etc/passwd")
			wantExit(t, st, 0, errs)
			if strings.Contains(out, "root:") || !strings.Contains(out, "read /data/../../etc/passwd: open") {
				t.Fatalf("escape through ..:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(dir, "note.txt.new")); err == nil {
				t.Fatal("the app wrote into a read-only mount")
			}
			if _, err := os.Stat(filepath.Join(dir, "note.txt")); err != nil {
				t.Fatal("the app removed a file from a read-only mount")
			}
		})
	}
}

// TestHostileAttacks runs every attack on the limits at once, beside a
// healthy app, on one engine: each attacker ends with its own status and
// the healthy app is undisturbed.
func TestHostileAttacks(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) { testHostileAttacks(t, mode) })
	}
}

func testHostileAttacks(t *testing.T, mode string) {
	// The deadline is generous so that, on a loaded machine, the memory and
	// output attacks reach their limits first; only the loop tightens it.
	lim := microvm.Limits{MemoryBytes: 32 << 20, Timeout: microvm.Duration(2 * time.Minute), OutputBytes: 64 << 10}
	p := seal(t, mode, "hostile", microvm.Capabilities{}, lim, nil)
	hello := seal(t, mode, "hello", microvm.Capabilities{}, microvm.Limits{}, nil)
	cases := []struct {
		attack  string
		timeout time.Duration
		reason  microvm.Reason
		code    int
	}{
		{"loop", 2 * time.Second, microvm.ReasonTimeout, microvm.ExitCodeTimeout},
		{"bomb", 0, microvm.ReasonMemory, microvm.ExitCodeMemory},
		{"stack", 0, microvm.ReasonMemory, microvm.ExitCodeMemory},
		{"flood", 0, microvm.ReasonOutput, microvm.ExitCodeOutput},
		{"panic", 0, microvm.ReasonExit, 2},
	}
	var wg sync.WaitGroup
	results := make([]microvm.Status, len(cases))
	stderrs := make([]string, len(cases))
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			st, err := engine.Run(context.Background(), p, microvm.RunConfig{Args: []string{c.attack}, Stdout: &out, Stderr: &errb,
				Limits: microvm.Limits{Timeout: microvm.Duration(c.timeout)}})
			if err != nil {
				st.Detail = err.Error()
			}
			results[i], stderrs[i] = st, errb.String()
		}()
	}
	st, out, errs := run(t, hello, microvm.Services{})
	wantExit(t, st, 0, errs)
	if !strings.HasPrefix(out, "hello, world") {
		t.Fatalf("healthy app beside the attackers printed %q", out)
	}
	wg.Wait()
	for i, c := range cases {
		st := results[i]
		if st.Reason != c.reason || st.ExitCode != c.code {
			t.Errorf("attack %s: %s/%s code %d (%s), want %s code %d; stderr:\n%.500s", c.attack, st.State, st.Reason, st.ExitCode, st.Detail, c.reason, c.code, stderrs[i])
		}
		if st.MemoryBytes > lim.MemoryBytes || st.OutputBytes > lim.OutputBytes {
			t.Errorf("attack %s went past its limits: memory %d, output %d", c.attack, st.MemoryBytes, st.OutputBytes)
		}
	}
	if !strings.Contains(stderrs[4], "deliberate panic") {
		t.Errorf("panic stderr: %q", stderrs[4])
	}
}
