package api

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"nexusos/memex"
)

// TestFileSources: GET /v1/memex/file returns where each fact came from
// (page, line, label, how, confidence) and the document's language.
func TestFileSources(t *testing.T) {
	ts := newServer(t, srvConfig{})
	var files struct{ Files []memex.FileRecord }
	getJSON(t, ts.URL+"/v1/memex/files?kind=invoice", 200, &files)
	checked := 0
	for _, f := range files.Files {
		if _, ok := f.Facts["total"]; !ok {
			continue
		}
		var rec memex.FileRecord
		getJSON(t, ts.URL+"/v1/memex/file?"+url.Values{"path": {f.Path}}.Encode(), 200, &rec)
		src, ok := rec.Sources["total"]
		if !ok {
			t.Errorf("%s: total %v without a source: %+v", f.Rel, rec.Facts["total"], rec.Sources)
			continue
		}
		if src.How == "" || src.Confidence <= 0 || src.Confidence > 1 || src.Page > 0 && src.Line <= 0 {
			t.Errorf("%s: total source %+v", f.Rel, src)
		}
		if _, ok := rec.Sources["kind"]; !ok {
			t.Errorf("%s: no source for its kind", f.Rel)
		}
		if lang, _ := rec.Facts["language"].(string); lang == "" {
			t.Errorf("%s: no language in %v", f.Rel, rec.Facts)
		}
		if checked++; checked == 5 {
			break
		}
	}
	if checked == 0 {
		t.Fatal("no invoice with a total in the demo corpus")
	}
}

// TestCorrectFile: POST /v1/memex/correct replaces a misread fact, the
// file's record and questions see it at once, undo gives extraction's
// reading back; bad fields and paths outside the data folders are refused.
func TestCorrectFile(t *testing.T) {
	ts := newServer(t, srvConfig{})
	var files struct{ Files []memex.FileRecord }
	getJSON(t, ts.URL+"/v1/memex/files?kind=invoice", 200, &files)
	if len(files.Files) == 0 {
		t.Fatal("no invoice in the demo corpus")
	}
	f := files.Files[0]
	post := func(body string) (int, []byte) {
		t.Helper()
		code, b, _ := do(t, "POST", ts.URL+"/v1/memex/correct", strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
		return code, b
	}
	body, _ := json.Marshal(map[string]any{"path": f.Path, "set": map[string]string{"issuer": "Quillfeather Stationers Ltd", "total": "77.10"}})
	if code, b := post(string(body)); code != 200 {
		t.Fatalf("correct: %d %s", code, b)
	}
	t.Cleanup(func() {
		body, _ := json.Marshal(map[string]any{"path": f.Path, "undo": []string{"issuer", "total"}})
		if code, b := post(string(body)); code != 200 {
			t.Errorf("undo: %d %s", code, b)
		}
	})
	var rec memex.FileRecord
	getJSON(t, ts.URL+"/v1/memex/file?"+url.Values{"path": {f.Path}}.Encode(), 200, &rec)
	if rec.Party != "Quillfeather Stationers Ltd" || rec.Facts["total"] != 77.1 || rec.Sources["issuer"].How != "user" {
		t.Errorf("corrected record: party %q total %v sources %+v", rec.Party, rec.Facts["total"], rec.Sources)
	}
	var ans struct{ Results []memex.Result }
	getJSON(t, ts.URL+"/v1/memex/query?"+url.Values{"q": {"invoices from Quillfeather Stationers"}}.Encode(), 200, &ans)
	if len(ans.Results) != 1 || ans.Results[0].Path != f.Path {
		t.Errorf("invoices from the corrected issuer: %+v", ans.Results)
	}
	for _, c := range []struct {
		body string
		code int
	}{
		{`{"path": ` + strconv.Quote(f.Path) + `, "set": {"colour": "red"}}`, 400},
		{`{"path": ` + strconv.Quote(f.Path) + `, "set": {"total": "lots"}}`, 400},
		{`{"path": ` + strconv.Quote(f.Path) + `}`, 400},
		{`{"path": "/etc/passwd", "set": {"kind": "note"}}`, 403},
	} {
		if code, b := post(c.body); code != c.code {
			t.Errorf("%s: %d %s, want %d", c.body, code, b, c.code)
		}
	}
}
