package api

import (
	"net/url"
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
