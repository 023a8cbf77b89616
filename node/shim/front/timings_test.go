package front

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTimings: with EnvTimings set, the delete action records when it
// began and ended, for its container, in order; unset, nothing is
// written and Mark on the nil Timings does nothing.
func TestTimings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timings")
	t.Setenv(EnvTimings, path)
	before := time.Now()
	var out bytes.Buffer
	if code := Main([]string{"-namespace", "ns", "-id", "c1", "delete"}, &out, &bytes.Buffer{}); code != 0 {
		t.Fatalf("delete exited %d", code)
	}
	after := time.Now()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	want := []string{StepDeleteAction + Begin, StepDeleteAction + End}
	if len(lines) != len(want) {
		t.Fatalf("records %q, want %d", lines, len(want))
	}
	var last int64
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 || f[1] != "c1" || f[2] != want[i] {
			t.Fatalf("record %q, want <ns> c1 %s", l, want[i])
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || ns < before.UnixNano() || ns > after.UnixNano() || ns < last {
			t.Fatalf("record %q: time outside the call or out of order", l)
		}
		last = ns
	}

	t.Setenv(EnvTimings, "")
	if tm := OpenTimings(); tm != nil {
		t.Fatal("OpenTimings without the variable returned a file")
	}
	var tm *Timings
	tm.Mark("c2", StepCreate+Begin, time.Now()) // must not panic
}
