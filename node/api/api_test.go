package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"nexusos/access"
	"nexusos/demo"
	"nexusos/memex"
	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/node/home"
	"nexusos/node/runtime"
	"nexusos/vectordb"
)

// fixture is the demo folder indexed once per test binary.
type fixture struct {
	dir  string // the indexed demo folder
	db   *vectordb.DB
	mx   *memex.Memex
	errs error
}

var (
	fixOnce sync.Once
	fix     fixture
	tmpRoot string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fix.mx != nil {
		fix.mx.Close()
		fix.db.Close()
	}
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

// indexed returns the shared MemexFS over the demo folder, indexed through
// the Ingest tracker (so the tracker is exercised too).
func indexed(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		var err error
		if tmpRoot, err = os.MkdirTemp("", "nexus-api-*"); err != nil {
			fix.errs = err
			return
		}
		fix.dir = filepath.Join(tmpRoot, "data")
		if err := demo.Extract(fix.dir); err != nil {
			fix.errs = err
			return
		}
		if fix.db, err = vectordb.Open(filepath.Join(tmpRoot, "vectordb"), vectordb.Options{}); err != nil {
			fix.errs = err
			return
		}
		if fix.mx, err = memex.Open(context.Background(), memex.Options{Dir: filepath.Join(tmpRoot, "memex"), DB: fix.db}); err != nil {
			fix.errs = err
			return
		}
		in := runtime.Wrap(home.At(tmpRoot), runtime.Parts{DB: fix.db, Memex: fix.mx}).Ingest()
		if _, err := in.Start([]string{fix.dir}); err != nil {
			fix.errs = err
			return
		}
		st, err := in.Wait(context.Background())
		if err == nil && st.State != runtime.IngestDone {
			err = fmt.Errorf("ingest ended %s: %s", st.State, st.Error)
		}
		fix.errs = err
	})
	if fix.errs != nil {
		t.Fatalf("index the demo folder: %v", fix.errs)
	}
	return &fix
}

// srvConfig is a test server's Config and the parts of its runtime.
type srvConfig struct {
	Version         string
	APIKey          string
	MaxRequestBytes int64
	Listen          func() any
	Done            <-chan struct{}

	Home     string // with Cortex's endpoints over its models
	DataDirs []string
	VMs      *microvm.Manager
	Images   *image.Store
}

// newServer serves the node API over the shared demo index (and the
// parts in cfg).
func newServer(t *testing.T, cfg srvConfig) *httptest.Server {
	t.Helper()
	f := indexed(t)
	if cfg.DataDirs == nil {
		cfg.DataDirs = []string{f.dir}
	}
	rt := runtime.Wrap(home.At(cfg.Home), runtime.Parts{DB: f.db, Memex: f.mx, Images: cfg.Images, VMs: cfg.VMs,
		Cortex: cfg.Home != "", Data: cfg.DataDirs})
	srv := New(Config{Version: cfg.Version, APIKey: cfg.APIKey, MaxRequestBytes: cfg.MaxRequestBytes,
		Listen: cfg.Listen, Done: cfg.Done, Runtime: rt})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		rt.Close(context.Background())
	})
	return ts
}

func do(t *testing.T, method, u string, body io.Reader, hdr map[string]string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

func getJSON(t *testing.T, u string, want int, out any) {
	t.Helper()
	code, b, _ := do(t, "GET", u, nil, nil)
	if code != want {
		t.Fatalf("GET %s = %d %s, want %d", u, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v in %s", u, err, b)
		}
	}
}

// TestQueryUnpaidInvoices asks the question of the README and checks the
// answer against the demo corpus's ground truth.
func TestQueryUnpaidInvoices(t *testing.T) {
	ts := newServer(t, srvConfig{})
	var gold []string
	for _, d := range demo.Corpus().Docs {
		if d.Meta.Kind == "invoice" && (d.Meta.Status == "unpaid" || d.Meta.Status == "overdue") {
			gold = append(gold, d.Name)
		}
	}
	sort.Strings(gold)
	if len(gold) < 5 {
		t.Fatalf("demo corpus has only %d unpaid invoices", len(gold))
	}
	var ans struct {
		Set     bool
		Results []struct{ Rel, Kind string }
		Chips   []Chip
		Apps    []string
	}
	getJSON(t, ts.URL+"/v1/memex/query?"+url.Values{"q": {"unpaid invoices"}, "now": {"2026-11-26"}}.Encode(), 200, &ans)
	var got []string
	for _, r := range ans.Results {
		got = append(got, filepath.ToSlash(r.Rel))
	}
	sort.Strings(got)
	if !ans.Set || !slices.Equal(got, gold) {
		t.Errorf("unpaid invoices: set=%v\n got %v\nwant %v", ans.Set, got, gold)
	}
	var fields []string
	for _, c := range ans.Chips {
		fields = append(fields, c.Field+"="+c.Value)
	}
	for _, c := range ans.Chips {
		if c.Phrase == "" {
			t.Errorf("chip %+v has no phrase", c)
		}
	}
	if !slices.Contains(fields, "kind=invoice") || !slices.Contains(fields, "status=unpaid") {
		t.Errorf("chips = %v, want kind=invoice and status=unpaid", fields)
	}
	if ans.Apps == nil {
		t.Errorf("apps = nil, want a list")
	}
}

func TestChipPhrases(t *testing.T) {
	for _, tc := range []struct{ text, value, want string }{
		{"unpaid invoices from Northwind", "invoice", "invoices"},
		{"unpaid invoices from Northwind", "unpaid", "unpaid"},
		{"Outstanding bills", "unpaid", "Outstanding"},
		{"open POs last month", "purchase_order", "POs"},
		{"postcards", "purchase_order", ""},
		{"repaid invoices", "paid", ""},
	} {
		if got := phraseOf(tc.text, tc.value); got != tc.want {
			t.Errorf("phraseOf(%q, %q) = %q, want %q", tc.text, tc.value, got, tc.want)
		}
	}
}

func TestQueryBadRequests(t *testing.T) {
	ts := newServer(t, srvConfig{})
	for _, q := range []string{"", "q=x&limit=0", "q=x&limit=abc", "q=x&now=yesterday"} {
		code, b, _ := do(t, "GET", ts.URL+"/v1/memex/query?"+q, nil, nil)
		if code != http.StatusBadRequest || !strings.Contains(string(b), `"error"`) {
			t.Errorf("query ?%s = %d %s, want 400 with an error", q, code, b)
		}
	}
	long := strings.Repeat("a", MaxQueryBytes+1)
	if code, _, _ := do(t, "GET", ts.URL+"/v1/memex/query?q="+long, nil, nil); code != http.StatusRequestURITooLong {
		t.Errorf("long query string = %d, want 414", code)
	}
}

// TestPathsCannotEscape checks that requests naming paths outside the
// indexed folders are refused, whatever the spelling.
func TestPathsCannotEscape(t *testing.T) {
	f := indexed(t)
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(f.dir, "escape-link")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(link) })
	ts := newServer(t, srvConfig{})
	rec := f.mx.Files()[0]
	rel, _ := filepath.Rel(f.dir, rec.Path)
	relOut, _ := filepath.Rel(f.dir, secret) // ../../…/secret.txt

	for _, tc := range []struct {
		path string
		want int
	}{
		{rec.Path, 200},
		{rel, 200},
		{"/etc/passwd", 403},
		{"../../../../etc/passwd", 403},
		{relOut, 403},
		{filepath.Join(f.dir, "..", "vectordb"), 403},
		{secret, 403},
		{"escape-link/secret.txt", 403},
		{filepath.Join(link, "secret.txt"), 403},
		{"no-such-file.txt", 404},
		{"", 400},
	} {
		for _, ep := range []string{"file", "related"} {
			code, b, _ := do(t, "GET", ts.URL+"/v1/memex/"+ep+"?"+url.Values{"path": {tc.path}}.Encode(), nil, nil)
			if code != tc.want {
				t.Errorf("%s?path=%q = %d %s, want %d", ep, tc.path, code, b, tc.want)
			}
		}
	}
	for _, tc := range []struct {
		paths []string
		want  int
	}{
		{[]string{"/etc"}, 403},
		{[]string{"../"}, 403},
		{[]string{f.dir + "/../"}, 403},
		{[]string{"escape-link"}, 403},
		{[]string{filepath.Join(link, "secret.txt")}, 403},
		{[]string{}, 400},
	} {
		body, _ := json.Marshal(map[string]any{"paths": tc.paths})
		code, b, _ := do(t, "POST", ts.URL+"/v1/memex/add", strings.NewReader(string(body)), nil)
		if code != tc.want {
			t.Errorf("add %q = %d %s, want %d", tc.paths, code, b, tc.want)
		}
	}
}

func TestAddWithoutDataDirsIsRefused(t *testing.T) {
	ts := newServer(t, srvConfig{DataDirs: []string{}})
	code, b, _ := do(t, "POST", ts.URL+"/v1/memex/add", strings.NewReader(`{"paths":["x"]}`), nil)
	if code != http.StatusForbidden || !strings.Contains(string(b), "--data") {
		t.Errorf("add without data folders = %d %s, want 403 naming --data", code, b)
	}
}

func TestRequestSizeLimit(t *testing.T) {
	ts := newServer(t, srvConfig{MaxRequestBytes: 64})
	body := `{"paths":["` + strings.Repeat("a", 100) + `"]}`
	code, b, _ := do(t, "POST", ts.URL+"/v1/memex/add", strings.NewReader(body), nil)
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized add = %d %s, want 413", code, b)
	}
	code, b, _ = do(t, "POST", ts.URL+"/v1/memex/add", strings.NewReader(`{"paths":["a"],"bogus":1}`), nil)
	if code != http.StatusBadRequest {
		t.Errorf("add with an unknown field = %d %s, want 400", code, b)
	}
}

func TestForeignSitesAreRefused(t *testing.T) {
	ts := newServer(t, srvConfig{})
	for _, tc := range []struct {
		name, method string
		hdr          map[string]string
		want         int
	}{
		{"rebound host", "GET", map[string]string{"Host": "evil.example:7777"}, 403},
		{"localhost", "GET", map[string]string{"Host": "localhost:7777"}, 200},
		{"ipv6 loopback", "GET", map[string]string{"Host": "[::1]:7777"}, 200},
		{"cross-site post", "POST", map[string]string{"Origin": "http://evil.example"}, 403},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+"/v1/status", nil)
		if tc.method == "POST" {
			req, _ = http.NewRequest("POST", ts.URL+"/v1/memex/add", strings.NewReader(`{"paths":["x"]}`))
		}
		for k, v := range tc.hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	// A same-origin post (the console's) passes the origin check.
	req, _ := http.NewRequest("POST", ts.URL+"/v1/memex/add", strings.NewReader(`{"paths":["/etc"]}`))
	req.Header.Set("Origin", ts.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "outside the node's data folders") {
		t.Errorf("same-origin add of /etc = %d %s, want the path check's 403", resp.StatusCode, b)
	}
}

func TestAPIKey(t *testing.T) {
	const key = "s3cret"
	ts := newServer(t, srvConfig{APIKey: key})
	st := ts.URL + "/v1/status"
	for _, tc := range []struct {
		name string
		url  string
		hdr  map[string]string
		want int
	}{
		{"none", st, nil, 401},
		{"wrong", st, map[string]string{"api-key": "nope"}, 401},
		{"header", st, map[string]string{"api-key": key}, 200},
		{"bearer", st, map[string]string{"Authorization": "Bearer " + key}, 200},
		{"query", st + "?api_key=" + key, nil, 200},
		{"cookie", st, map[string]string{"Cookie": access.CookieName + "=" + key}, 200},
		{"bearer in lower case", st, map[string]string{"Authorization": "bearer " + key}, 200},
		{"headers disagree", st, map[string]string{"api-key": key, "Authorization": "Bearer nope"}, 401},
		{"query and header disagree", st + "?api_key=nope", map[string]string{"api-key": key}, 401},
		{"stale cookie, right header", st, map[string]string{"api-key": key, "Cookie": access.CookieName + "=old"}, 200},
		{"right cookie, wrong header", st, map[string]string{"api-key": "nope", "Cookie": access.CookieName + "=" + key}, 401},
		{"console without key", ts.URL + "/", nil, 401},
		{"healthz is open", ts.URL + "/healthz", nil, 200},
	} {
		code, _, h := do(t, "GET", tc.url, nil, tc.hdr)
		if code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
		if tc.name == "query" && !strings.Contains(h.Get("Set-Cookie"), access.CookieName) {
			t.Errorf("?api_key= set no cookie: %q", h.Get("Set-Cookie"))
		}
	}
}

func TestStatus(t *testing.T) {
	ts := newServer(t, srvConfig{Version: "test", Home: t.TempDir(), Listen: func() any { return "here" }})
	var st Status
	getJSON(t, ts.URL+"/v1/status", 200, &st)
	if st.Version != "test" || st.Listen != "here" || st.Memory.HeapBytes == 0 || st.UptimeSeconds <= 0 || st.UptimeSeconds > 3600 {
		t.Errorf("status = %+v", st)
	}
	if _, err := os.Stat("/proc/self/statm"); err == nil && st.Memory.RSSBytes == 0 {
		t.Errorf("rss = 0 on a system with /proc")
	}
	var points int
	for _, c := range st.CollectionStats {
		if c.Name == memex.DefaultCollection {
			points = c.Points
		}
	}
	if points == 0 || !slices.Contains(st.Collections, memex.DefaultCollection) {
		t.Errorf("collections = %v %+v, want %s with points", st.Collections, st.CollectionStats, memex.DefaultCollection)
	}
	if st.MemexFiles != len(demo.Corpus().Docs) || len(st.MemexFolders) != 1 {
		t.Errorf("memex files %d in %v, want %d in one folder", st.MemexFiles, st.MemexFolders, len(demo.Corpus().Docs))
	}
	if st.Cortex.State != "no-model" || !strings.Contains(st.Cortex.Hint, "nexus cortex add") || !strings.Contains(st.Cortex.Hint, "bitnet-b1.58-2B-4T-gguf") {
		t.Errorf("cortex = %+v, want no-model with a hint naming the official GGUF", st.Cortex)
	}
}

func TestIngestProgress(t *testing.T) {
	f := indexed(t)
	ts := newServer(t, srvConfig{})
	code, b, _ := do(t, "POST", ts.URL+"/v1/memex/add", strings.NewReader(`{"paths":["`+f.dir+`"]}`), nil)
	if code != http.StatusAccepted {
		t.Fatalf("add = %d %s", code, b)
	}
	var st runtime.IngestStatus
	for {
		getJSON(t, ts.URL+"/v1/memex/ingest", 200, &st)
		if st.State != runtime.IngestRunning {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	n := len(demo.Corpus().Docs)
	if st.State != runtime.IngestDone || st.Summary == nil || st.Summary.Unchanged != n || st.Files != n || st.TotalFiles != n {
		t.Errorf("re-adding the demo folder: %+v %+v, want %d files unchanged", st, st.Summary, n)
	}
}

func TestKnowledgeEndpoints(t *testing.T) {
	f := indexed(t)
	ts := newServer(t, srvConfig{})
	var g struct {
		Nodes []struct{ Path, Kind string }
		Edges []struct {
			From, To int
			Kind     string
		}
	}
	getJSON(t, ts.URL+"/v1/memex/graph", 200, &g)
	if len(g.Nodes) != len(f.mx.Files()) || len(g.Edges) == 0 {
		t.Fatalf("graph: %d nodes %d edges, want %d nodes and some edges", len(g.Nodes), len(g.Edges), len(f.mx.Files()))
	}
	getJSON(t, ts.URL+"/v1/memex/graph?kind=note", 200, &g)
	if len(g.Nodes) == 0 {
		t.Fatal("note graph is empty")
	}
	for _, n := range g.Nodes {
		if n.Kind != "note" {
			t.Errorf("note graph has a %s", n.Kind)
		}
	}
	for _, e := range g.Edges {
		if e.From >= len(g.Nodes) || e.To >= len(g.Nodes) {
			t.Errorf("edge %+v out of range", e)
		}
	}
	var rel struct {
		Related []struct{ Node struct{ Path string } }
	}
	getJSON(t, ts.URL+"/v1/memex/related?"+url.Values{"path": {g.Nodes[0].Path}}.Encode(), 200, &rel)
	if len(rel.Related) == 0 {
		t.Errorf("no notes related to %s", g.Nodes[0].Path)
	}
	var conn struct {
		Path []struct{ Node struct{ Path string } }
	}
	getJSON(t, ts.URL+"/v1/memex/connect?"+url.Values{"a": {"chlorophyll sunlight"}, "b": {"glucose energy mitochondria"}}.Encode(), 200, &conn)
	if len(conn.Path) < 2 {
		t.Errorf("connect: %d steps, want a path of at least 2", len(conn.Path))
	}
	var sum struct {
		Sentences []struct{ Text string }
		Sources   []string
	}
	getJSON(t, ts.URL+"/v1/memex/summary?topic=photosynthesis&n=3", 200, &sum)
	if len(sum.Sentences) == 0 || len(sum.Sentences) > 3 || len(sum.Sources) == 0 {
		t.Errorf("summary: %+v", sum)
	}
	getJSON(t, ts.URL+"/v1/memex/connect?a=x", 400, nil)
	getJSON(t, ts.URL+"/v1/memex/summary?topic=x&n=500", 400, nil)
}

func TestFilesAndTimeline(t *testing.T) {
	ts := newServer(t, srvConfig{})
	var invoices int
	for _, d := range demo.Corpus().Docs {
		if d.Meta.Kind == "invoice" {
			invoices++
		}
	}
	var files struct {
		Files []memex.FileRecord
		Count int
	}
	getJSON(t, ts.URL+"/v1/memex/files?kind=invoice", 200, &files)
	if files.Count != invoices || len(files.Files) != invoices {
		t.Errorf("files?kind=invoice: %d, want %d", files.Count, invoices)
	}
	var tl struct{ Entries []TimelineEntry }
	getJSON(t, ts.URL+"/v1/memex/timeline", 200, &tl)
	if len(tl.Entries) != invoices {
		t.Fatalf("timeline: %d entries, want %d", len(tl.Entries), invoices)
	}
	withTotal := 0
	for i, e := range tl.Entries {
		if e.Total != nil && e.Party != "" && e.Date != "" {
			withTotal++
		}
		if i > 0 && e.Date < tl.Entries[i-1].Date {
			t.Errorf("timeline not sorted by date at %d", i)
		}
	}
	if withTotal < invoices*9/10 {
		t.Errorf("only %d of %d timeline entries have party, date and total", withTotal, invoices)
	}
}

func TestConsolePlaceholderAndUnknownEndpoint(t *testing.T) {
	ts := newServer(t, srvConfig{})
	code, b, _ := do(t, "GET", ts.URL+"/", nil, nil)
	if code != 200 || !strings.Contains(string(b), "/v1/status") {
		t.Errorf("console placeholder = %d %s", code, b)
	}
	code, b, _ = do(t, "GET", ts.URL+"/v1/nope", nil, nil)
	if code != 404 || !strings.Contains(string(b), "docs/api.md") {
		t.Errorf("unknown endpoint = %d %s", code, b)
	}
	for _, p := range []string{"/v1/apps", "/v1/vms", "/v1/vms/x/logs"} {
		if code, _, _ := do(t, "GET", ts.URL+p, nil, nil); code != http.StatusServiceUnavailable {
			t.Errorf("%s without a microVM runtime = %d, want 503", p, code)
		}
	}
}

// readEvents reads server-sent events until the stream ends.
func readEvents(t *testing.T, r io.Reader) (data []string, events []string) {
	t.Helper()
	sc := bufio.NewScanner(r)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if event == "" {
				data = append(data, strings.TrimPrefix(line, "data: "))
			} else {
				events = append(events, event+" "+strings.TrimPrefix(line, "data: "))
			}
		case line == "":
			event = ""
		}
	}
	return data, events
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestStatusStreamEndsOnDone checks the live status stream and that a
// node shutting down ends it.
func TestStatusStreamEndsOnDone(t *testing.T) {
	done := make(chan struct{})
	ts := newServer(t, srvConfig{Done: done})
	req, _ := http.NewRequest("GET", ts.URL+"/v1/status", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "data: {") {
		t.Fatalf("first line %q, %v", line, err)
	}
	var st Status
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &st); err != nil || st.Status != "ok" {
		t.Fatalf("event %q: %v", line, err)
	}
	close(done)
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
}

// TestHammer runs requests of every kind at once while ingests run, for
// the race detector: every answer must be a success.
func TestHammer(t *testing.T) {
	f := indexed(t)
	ts := newServer(t, srvConfig{Home: t.TempDir()})
	paths := []string{"/v1/status", "/v1/memex/query?q=unpaid+invoices", "/v1/memex/query?q=photosynthesis",
		"/v1/memex/files", "/v1/memex/timeline", "/v1/memex/graph", "/v1/memex/ingest", "/v1/models"}
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 12; i++ {
				if g == 0 && i%4 == 0 {
					resp, err := http.Post(ts.URL+"/v1/memex/add", "application/json", strings.NewReader(`{"paths":["`+f.dir+`"]}`))
					if err != nil {
						errs <- err.Error()
						continue
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusConflict {
						errs <- fmt.Sprintf("add: %d", resp.StatusCode)
					}
					continue
				}
				p := paths[(g+i)%len(paths)]
				resp, err := http.Get(ts.URL + p)
				if err != nil {
					errs <- err.Error()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Sprintf("%s: %d", p, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Let the last ingest finish before the shared index is used again.
	var st runtime.IngestStatus
	for {
		getJSON(t, ts.URL+"/v1/memex/ingest", 200, &st)
		if st.State != runtime.IngestRunning {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}
