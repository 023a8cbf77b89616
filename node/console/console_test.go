package console

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestFS(t *testing.T) {
	if err := fstest.TestFS(FS(), "index.html", "assets/app.js", "assets/app.css"); err != nil {
		t.Fatal(err)
	}
}

// TestIndexReferencesExist checks that every asset index.html loads is
// in the embedded bundle (a half-committed dist fails here, without
// Node.js; tests/console-bundle checks dist against web/).
func TestIndexReferencesExist(t *testing.T) {
	b, err := fs.ReadFile(FS(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:src|href)="(assets/[^"]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(refs) < 2 {
		t.Fatalf("index.html loads %d assets, want the script and the stylesheet:\n%s", len(refs), b)
	}
	for _, r := range refs {
		st, err := fs.Stat(FS(), r[1])
		if err != nil {
			t.Errorf("index.html loads %s: %v", r[1], err)
		} else if st.Size() == 0 {
			t.Errorf("%s is empty", r[1])
		}
	}
}

func TestHandler(t *testing.T) {
	h := Handler()
	for _, tc := range []struct {
		method, path string
		code         int
		ctype        string // prefix
		body         string // substring
	}{
		{"GET", "/", 200, "text/html", `<div id="app">`},
		{"GET", "/index.html", 200, "text/html", "assets/app.js"},
		{"HEAD", "/", 200, "text/html", ""},
		{"GET", "/assets/app.js", 200, "text/javascript", "Preact"},
		{"GET", "/assets/app.css", 200, "text/css", "--focus"},
		{"GET", "/assets/../index.html", 200, "text/html", "assets/app.js"},
		{"GET", "/assets/missing.js", 404, "", ""},
		{"GET", "/etc/passwd", 404, "", ""},
		{"GET", "/assets/../../console.go", 404, "", ""},
		{"POST", "/", 405, "", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "http://node"+tc.path, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.code, rec.Body)
			}
			if tc.code != 200 {
				return
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type %q, want %s", ct, tc.ctype)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body lacks %q", tc.body)
			}
			if tc.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD has a body of %d bytes", rec.Body.Len())
			}
		})
	}
}

// TestNoInlineCode checks that the page needs no 'unsafe-inline': the
// strict Content-Security-Policy would block inline scripts and styles.
func TestNoInlineCode(t *testing.T) {
	b, err := fs.ReadFile(FS(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(s) || strings.Contains(s, "<style") || strings.Contains(s, " style=") || strings.Contains(s, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(s) {
		t.Errorf("index.html has inline code or styles:\n%s", s)
	}
}

func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/", Handler())
	// The node API lives next to it, e.g. mux.Handle("/v1/", api)
	_ = mux
	// Output:
}
