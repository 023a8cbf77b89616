package rest

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/access/accesstest"
)

// TestAPIKeyRules checks the key rules of package access as this server
// applies them: Qdrant's 403 and messages.
func TestAPIKeyRules(t *testing.T) {
	c := newClient(t, Config{APIKey: "s3cret"})
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		code int
		msg  string
	}{
		{"none", nil, 403, "Must provide an API key"},
		{"api-key", map[string]string{"api-key": "s3cret"}, 200, ""},
		{"api-key wrong", map[string]string{"api-key": "nope"}, 403, "Invalid API key"},
		{"bearer", map[string]string{"Authorization": "Bearer s3cret"}, 200, ""},
		{"bearer lower case, spaced", map[string]string{"Authorization": "bearer   s3cret "}, 200, ""},
		{"bearer wrong", map[string]string{"Authorization": "Bearer nope"}, 403, "Invalid API key"},
		{"basic is no key", map[string]string{"Authorization": "Basic s3cret"}, 403, "Must provide an API key"},
		{"both agree", map[string]string{"api-key": "s3cret", "Authorization": "Bearer s3cret"}, 200, ""},
		{"both disagree, api-key right", map[string]string{"api-key": "s3cret", "Authorization": "Bearer nope"}, 403, "differ"},
		{"both disagree, bearer right", map[string]string{"api-key": "nope", "Authorization": "Bearer s3cret"}, 403, "differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.header = http.Header{}
			for k, v := range tc.hdr {
				c.header.Set(k, v)
			}
			if tc.code == 200 {
				c.ok("GET", "/collections", nil)
				return
			}
			if msg := c.fail("GET", "/collections", nil, tc.code); !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not contain %q", msg, tc.msg)
			}
		})
	}
}

// TestRecoverLinkSwap recovers snapshots from a file:// location that is
// a link a goroutine swaps between a snapshot inside the allowed folder
// (5 points) and one outside it (1 point): every recovery is refused or
// recovers the inside snapshot, and a direct copy never reads the outside
// file.
func TestRecoverLinkSwap(t *testing.T) {
	base := t.TempDir()
	allowed, outside := filepath.Join(base, "allowed"), filepath.Join(base, "outside")
	c := newClient(t, Config{RecoverRoots: []string{allowed}})
	setupPoints(t, c) // collection p, 5 points
	c.ok("PUT", "/collections/q", map[string]any{"vectors": map[string]any{"size": 4, "distance": "Cosine"}})
	c.ok("PUT", "/collections/q/points?wait=true", map[string]any{"points": []any{map[string]any{"id": 1, "vector": []float32{1, 0, 0, 0}}}})
	snapshot := func(coll string) []byte {
		name := at(c.ok("POST", "/collections/"+coll+"/snapshots", nil), "name").(string)
		code, data := c.raw("GET", "/collections/"+coll+"/snapshots/"+name, "", nil)
		if code != 200 {
			t.Fatalf("download snapshot of %s: HTTP %d", coll, code)
		}
		return data
	}
	in, out := snapshot("p"), snapshot("q")
	for dir, f := range map[string][]byte{allowed: in, outside: out} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "x.snapshot"), f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(allowed, "flip.snapshot")
	const inTarget, outTarget = "x.snapshot", "../outside/x.snapshot"

	t.Run("copy", func(t *testing.T) {
		h := &handler{cfg: Config{RecoverRoots: []string{allowed}}}
		var copies, refusals int
		accesstest.SwapLink(t, link, inTarget, outTarget, 5000, func() {
			tmp, err := h.copyFromRoots(link)
			if err != nil {
				refusals++
				return
			}
			b, _ := os.ReadFile(tmp)
			os.Remove(tmp)
			if !bytes.Equal(b, in) {
				t.Fatalf("copied %d bytes that are not the inside snapshot", len(b))
			}
			copies++
		})
		t.Logf("%d copies, %d refusals", copies, refusals)
		if copies == 0 || refusals == 0 {
			t.Errorf("the swap was not exercised: %d copies, %d refusals", copies, refusals)
		}
	})
	t.Run("recover", func(t *testing.T) {
		c.t = t
		counts := map[int]int{}
		accesstest.SwapLink(t, link, inTarget, outTarget, 100, func() {
			code, m := c.do("PUT", "/collections/r/snapshots/recover", map[string]any{"location": "file://" + link})
			counts[code]++
			switch code {
			case 200:
				if n := countOf(t, c, "r", nil); n != 5 {
					t.Fatalf("recovered %d points: the outside snapshot was read", n)
				}
			case 403:
			default:
				t.Fatalf("recover: HTTP %d %v", code, m["status"])
			}
		})
		// Recovery is slow next to the swaps, so most requests meet the
		// link pointing out at least once; the copy subtest covers the
		// inside reads.
		t.Logf("answers by status: %v", counts)
		if counts[403] == 0 {
			t.Errorf("the swap was not exercised: %v", counts)
		}
	})
}
