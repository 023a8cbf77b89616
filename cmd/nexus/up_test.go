package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpCLI drives `nexus up --data DIR` and `nexus status` as a person
// would, in-process, and stops the node as Ctrl-C does (by cancelling the
// command's context, which up watches along with SIGINT and SIGTERM).
func TestUpCLI(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "n.md"), []byte("# Bees\n\nBees pollinate flowers.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	pr, pw := io.Pipe()
	root := newRootCmd()
	root.SetArgs([]string{"up", "--home", home, "--data", data, "--no-seal",
		"--addr", "127.0.0.1:0", "--qdrant-http", "127.0.0.1:0", "--qdrant-grpc", "127.0.0.1:0"})
	root.SetOut(pw)
	root.SetErr(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		err := root.ExecuteContext(ctx)
		pw.CloseWithError(io.EOF)
		done <- err
	}()

	sc := bufio.NewScanner(pr)
	var node string
	var seen []string
	for sc.Scan() {
		line := sc.Text()
		seen = append(seen, line)
		if f := strings.Fields(line); len(f) == 5 && f[0] == "console" && f[3] == "API" {
			node = strings.TrimSuffix(f[4], "/")
		}
		if strings.HasPrefix(line, "• MemexFS:") {
			break
		}
	}
	if node == "" || !strings.Contains(strings.Join(seen, "\n"), "• MemexFS: 1 files indexed") {
		t.Fatalf("up printed:\n%s", strings.Join(seen, "\n"))
	}
	go io.Copy(io.Discard, pr) // the rest of up's output

	var out, errOut bytes.Buffer
	if code := doMain([]string{"status", "--node", node}, &out, &errOut); code != 0 {
		t.Fatalf("status: exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"MemexFS     1 files in " + data, "Cortex      no model", "microVMs    0 running"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, out.String())
		}
	}
	// The node owns --home: memex query asks the node instead.
	out.Reset()
	errOut.Reset()
	if code := doMain([]string{"memex", "query", "--home", home, "--node", node, "which insects pollinate flowers"}, &out, &errOut); code != 0 {
		t.Fatalf("memex query with the node running: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "n.md") {
		t.Errorf("memex query through the node:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("up ended with %v", err)
	}
}
