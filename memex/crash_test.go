package memex

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"nexusos/memex/corpus"
	"nexusos/vectordb"
)

// TestKillDuringAdd kills a real `nexus memex add` with SIGKILL mid-ingest,
// re-runs it, and checks that every file is indexed exactly once: no
// duplicate chunks, nothing lost.
func TestKillDuringAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the nexus binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "nexus")
	build := exec.Command("go", "build", "-o", bin, "nexusos/cmd/nexus")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build nexus: %v\n%s", err, out)
	}
	// Large enough that the first run is still indexing when it is
	// killed, on a fast machine too (a run that finished first would test
	// no crash, and fails the test).
	c := corpus.Generate(corpus.Options{Seed: 3, Invoices: 8000})
	docs := filepath.Join(tmp, "docs")
	if err := c.WriteTo(docs); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(tmp, "home")
	// First run: killed once some files are recorded.
	cmd := exec.Command(bin, "--home", home, "memex", "add", docs)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		// The plain progress line comes at the first file, then every
		// 3 s: after the second one, several batches have been committed.
		if strings.Count(stderr.String(), "indexing") >= 2 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if cmd.Wait() == nil {
		t.Fatalf("the first run finished before it was killed: no crash was tested (grow the corpus)\n%s", stderr.String())
	}
	// Second run completes.
	out, err := exec.Command(bin, "--home", home, "memex", "add", "--json", docs).Output()
	if err != nil {
		t.Fatalf("re-run: %v", err)
	}
	t.Logf("re-run summary: %s", strings.Join(strings.Fields(string(out)), " "))
	var sum Summary
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Unchanged == 0 {
		t.Fatalf("nothing the killed run reported as indexed was kept: %+v\nfirst run: %s", sum, stderr.String())
	}
	db, err := vectordb.Open(filepath.Join(home, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := Open(context.Background(), Options{Dir: filepath.Join(home, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	files := m.Files()
	if len(files) != len(c.Docs) {
		t.Fatalf("%d files recorded, want %d", len(files), len(c.Docs))
	}
	want := 0
	for _, f := range files {
		want += f.Chunks
	}
	n, err := db.Count(context.Background(), DefaultCollection, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("%d chunks stored, records say %d: duplicates or losses", n, want)
	}
	for _, d := range c.Docs[:20] {
		if _, ok := m.File(filepath.Join(docs, d.Name)); !ok {
			t.Fatalf("%s not indexed", d.Name)
		}
	}
	_ = os.Remove(bin)
}
