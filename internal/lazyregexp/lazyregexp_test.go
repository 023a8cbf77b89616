package lazyregexp

import (
	"sync"
	"testing"
)

func TestCompiledOnFirstUse(t *testing.T) {
	bad := New(`(`) // no panic yet: nothing used it
	defer func() {
		if recover() == nil {
			t.Error("a bad expression did not panic on first use")
		}
	}()
	re := New(`^inv-(\d+)$`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if m := re.FindStringSubmatch("inv-42"); len(m) != 2 || m[1] != "42" {
				t.Errorf("FindStringSubmatch = %q", m)
			}
		})
	}
	wg.Wait()
	if re.Re() != re.Re() {
		t.Error("compiled twice")
	}
	bad.MatchString("x")
}
