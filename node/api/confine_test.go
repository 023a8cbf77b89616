package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/access/accesstest"
	"nexusos/memex"
	"nexusos/node/home"
	"nexusos/node/runtime"
	"nexusos/vectordb"
)

// linkFixture is a data folder with a file inside and a link, flip, that
// the tests swap between that file and a secret outside the folder,
// served by a node over its own MemexFS (the shared demo index is not
// touched).
type linkFixture struct {
	data, link       string
	insideHash       string
	secret, secretID string // the secret's content and its hash
	srv              *Server
	rt               *runtime.Runtime
	ts               *httptest.Server
	mx               *memex.Memex
}

func newLinkFixture(t *testing.T) *linkFixture {
	t.Helper()
	base := t.TempDir()
	f := &linkFixture{data: filepath.Join(base, "data")}
	outside := filepath.Join(base, "outside")
	for _, d := range []string{f.data, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	inside := "# Apples\n\nA note about apples, inside the data folder.\n"
	f.secret = "# Secret\n\nThe vault code is zebra-42, outside the data folder.\n"
	if err := os.WriteFile(filepath.Join(f.data, "note.md"), []byte(inside), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.md"), []byte(f.secret), 0o644); err != nil {
		t.Fatal(err)
	}
	f.insideHash, f.secretID = sha(inside), sha(f.secret)
	f.link = filepath.Join(f.data, "flip.md")
	if err := os.Symlink("note.md", f.link); err != nil {
		t.Fatal(err)
	}
	db, err := vectordb.Open(filepath.Join(base, "vectordb"), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.mx, err = memex.Open(context.Background(), memex.Options{Dir: filepath.Join(base, "memex"), DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.mx.Close() })
	f.rt = runtime.Wrap(home.At(base), runtime.Parts{DB: db, Memex: f.mx, Data: []string{f.data}, Logger: discard()})
	f.srv = New(Config{Runtime: f.rt, Logger: discard()})
	f.ts = httptest.NewServer(f.srv)
	t.Cleanup(func() {
		f.ts.Close()
		f.rt.Close(context.Background())
	})
	return f
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestFileLookupLinkSwap: GET /v1/memex/file and /related name a link
// that a goroutine swaps between an indexed file inside the folder and a
// file outside it. Each answer is a refusal or the inside file's record:
// the lookup goes through an os.Root of the folder and reads nothing but
// the index.
func TestFileLookupLinkSwap(t *testing.T) {
	f := newLinkFixture(t)
	if _, err := f.mx.Add(context.Background(), []string{f.data}, nil); err != nil {
		t.Fatal(err)
	}
	if rec, ok := f.mx.File(f.link); !ok || rec.Hash != f.insideHash {
		t.Fatalf("the link was not indexed with the inside file's content: %+v", rec)
	}
	counts := map[int]int{}
	for _, ep := range []string{"file", "related"} {
		accesstest.SwapLink(t, f.link, "note.md", "../outside/secret.md", 300, func() {
			code, b, _ := do(t, "GET", f.ts.URL+"/v1/memex/"+ep+"?"+url.Values{"path": {"flip.md"}}.Encode(), nil, nil)
			counts[code]++
			switch {
			case code == http.StatusForbidden:
			case code == http.StatusOK && ep == "file":
				var rec memex.FileRecord
				if err := json.Unmarshal(b, &rec); err != nil || rec.Hash != f.insideHash {
					t.Fatalf("file?path=flip.md = %s, want the inside file's record", b)
				}
			case code == http.StatusOK:
			default:
				t.Fatalf("%s?path=flip.md = %d %s", ep, code, b)
			}
			if strings.Contains(string(b), "zebra") {
				t.Fatalf("%s?path=flip.md answered with the outside file: %s", ep, b)
			}
		})
	}
	t.Logf("answers by status: %v", counts)
	if counts[http.StatusOK] == 0 || counts[http.StatusForbidden] == 0 {
		t.Errorf("the swap was not exercised: %v", counts)
	}
}

// TestAddConfinement: nothing outside the data folders may reach the
// index through POST /v1/memex/add: not through a link the API's check
// saw pointing inside and that is swapped before memex opens it, and not
// through a link inside an added folder.
func TestAddConfinement(t *testing.T) {
	t.Run("link swapped during add", func(t *testing.T) {
		f := newLinkFixture(t)
		counts := map[int]int{}
		accesstest.SwapLink(t, f.link, "note.md", "../outside/secret.md", 200, func() {
			code, b, _ := do(t, "POST", f.ts.URL+"/v1/memex/add", strings.NewReader(`{"paths":["flip.md"]}`), nil)
			counts[code]++
			switch code {
			case http.StatusAccepted:
				st, err := f.rt.Ingest().Wait(context.Background())
				if err != nil || st.State != runtime.IngestDone {
					t.Fatalf("ingest: %+v %v", st, err)
				}
			case http.StatusForbidden, http.StatusBadRequest:
			default:
				t.Fatalf("add flip.md = %d %s", code, b)
			}
			if rec, ok := f.mx.File(f.link); ok && rec.Hash == f.secretID {
				t.Fatalf("the file outside the data folder was indexed through the swapped link (answer %d)", code)
			}
		})
		t.Logf("answers by status: %v", counts)
	})
	t.Run("link out in an added folder", func(t *testing.T) {
		f := newLinkFixture(t)
		if err := os.Remove(f.link); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../outside/secret.md", f.link); err != nil {
			t.Fatal(err)
		}
		code, b, _ := do(t, "POST", f.ts.URL+"/v1/memex/add", strings.NewReader(`{"paths":["."]}`), nil)
		if code != http.StatusAccepted {
			t.Fatalf("add . = %d %s", code, b)
		}
		if _, err := f.rt.Ingest().Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rec, ok := f.mx.File(f.link); ok && rec.Hash == f.secretID {
			t.Fatal("the file outside the data folder was indexed through a link in it")
		}
	})
}
