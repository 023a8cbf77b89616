package demo

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// TestFilesMatchGenerator checks that the committed demo folder is what
// `go generate ./demo` writes: rerun it after changing memex/corpus.
func TestFilesMatchGenerator(t *testing.T) {
	c := Corpus()
	want := map[string][]byte{}
	var names []string
	for _, d := range c.Docs {
		want[d.Name] = d.Data
		names = append(names, d.Name)
	}
	n := 0
	err := fs.WalkDir(Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := fs.ReadFile(Files, p)
		if err != nil {
			return err
		}
		w, ok := want[p]
		switch {
		case !ok:
			t.Errorf("%s is committed but not generated (run go generate ./demo)", p)
		case !bytes.Equal(b, w):
			t.Errorf("%s differs from the generator's output (run go generate ./demo)", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("%d files committed, %d generated (run go generate ./demo)", n, len(want))
	}
	if err := fstest.TestFS(Files, names...); err != nil {
		t.Error(err)
	}
}

func TestExtractKeepsEdits(t *testing.T) {
	dir := t.TempDir()
	if err := Extract(dir); err != nil {
		t.Fatal(err)
	}
	name := Corpus().Docs[0].Name
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.WriteFile(p, []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Extract(dir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "edited" {
		t.Errorf("Extract overwrote a user's edit of %s", name)
	}
}
