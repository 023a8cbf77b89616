package memex

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAddWithin: confined to a folder, a symbolic link that leads out of
// it and a path outside it are skipped with the reason; unconfined, Add
// follows the link as before.
func TestAddWithin(t *testing.T) {
	base := t.TempDir()
	data, outside := filepath.Join(base, "data"), filepath.Join(base, "outside")
	for _, d := range []string{data, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(data, "in.md"), "# Inside\n\nApples grow inside.\n")
	write(filepath.Join(outside, "secret.md"), "# Secret\n\nzebra-42\n")
	if err := os.Symlink("../outside/secret.md", filepath.Join(data, "link.md")); err != nil {
		t.Fatal(err)
	}
	m, _, _ := openTest(t)
	sum, err := m.AddWithin(context.Background(), []string{data}, []string{data, filepath.Join(outside, "secret.md")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, s := range sum.Skipped {
		reasons[filepath.Base(s.Path)] = s.Reason
	}
	if !strings.Contains(reasons["link.md"], "outside") || !strings.Contains(reasons["secret.md"], "outside") || sum.Indexed != 1 {
		t.Errorf("added %d, skipped %v", sum.Indexed, reasons)
	}
	m2, _, _ := openTest(t)
	sum, err = m2.Add(context.Background(), []string{data}, nil)
	if err != nil || sum.Indexed != 2 {
		t.Errorf("unconfined add: %+v %v", sum, err)
	}
}
