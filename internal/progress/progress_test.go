package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestBarPlain(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "indexing", "files")
	b.Update(1, 4, 100, 4000, "a.txt")
	b.Update(2, 4, 200, 4000, "b.txt") // within the gap: not drawn
	b.Update(4, 4, 4000, 4000, "d.txt")
	b.Done()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), buf.String())
	}
	if !strings.Contains(lines[1], "4/4 files") || !strings.Contains(lines[1], "3.9 KiB/3.9 KiB") {
		t.Fatalf("last line %q", lines[1])
	}
}
