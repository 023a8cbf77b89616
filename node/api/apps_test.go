package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/launcher"
)

// fakeEngine stands in for a tier: it prints its arguments, then a
// partial line, and finishes the line and exits once released.
type fakeEngine struct{ release chan struct{} }

func (e *fakeEngine) Prepare(context.Context, *microvm.Program) error { return nil }

func (e *fakeEngine) Run(ctx context.Context, p *microvm.Program, rc microvm.RunConfig) (microvm.Status, error) {
	st := microvm.Status{ID: rc.ID, Image: p.ID, Name: p.Manifest.Name, StartedAt: time.Now()}
	fmt.Fprintf(rc.Stdout, "args %s\n", strings.Join(rc.Args, "|"))
	fmt.Fprint(rc.Stdout, "partial")
	select {
	case <-e.release:
		fmt.Fprint(rc.Stdout, " done\n")
		st.State, st.Reason = microvm.StateExited, microvm.ReasonExit
	case <-ctx.Done():
		st.State, st.Reason, st.ExitCode = microvm.StateStopped, microvm.ReasonStopped, microvm.ExitCodeStopped
	}
	st.EndedAt = time.Now()
	return st, nil
}

func appServer(t *testing.T) (string, *fakeEngine) {
	t.Helper()
	store, err := image.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := image.Manifest{Manifest: microvm.Manifest{ABI: 1, Name: "report", Tier: microvm.TierWasm, Args: []string{"report"},
		Handles:      &microvm.Handles{Kinds: []string{"invoice"}, Query: "invoices"},
		Capabilities: microvm.Capabilities{Memex: &microvm.MemexGrant{Folders: []string{"/"}}}}}
	img, err := image.Seal(m, []byte("\x00asm\x01\x00\x00\x00"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Put(img); err != nil {
		t.Fatal(err)
	}
	eng := &fakeEngine{release: make(chan struct{})}
	mgr := microvm.NewManager(eng, launcher.Resolver(store), microvm.Services{}, microvm.ManagerConfig{})
	t.Cleanup(func() { mgr.Close(context.Background()) })
	ts := newServer(t, srvConfig{VMs: mgr, Images: store})
	return ts.URL, eng
}

func TestAppsRunOverAQueryWithLiveLogs(t *testing.T) {
	base, eng := appServer(t)
	var apps struct{ Apps []App }
	getJSON(t, base+"/v1/apps", 200, &apps)
	if len(apps.Apps) != 1 || apps.Apps[0].Name != "report" || !slices.Equal(apps.Apps[0].Handles.Kinds, []string{"invoice"}) ||
		apps.Apps[0].Manifest.Capabilities.Memex == nil {
		t.Fatalf("apps = %+v", apps.Apps)
	}
	var ans struct{ Apps []string }
	getJSON(t, base+"/v1/memex/query?q=unpaid+invoices", 200, &ans)
	if !slices.Equal(ans.Apps, []string{"report"}) {
		t.Errorf("apps for unpaid invoices = %v, want [report]", ans.Apps)
	}
	getJSON(t, base+"/v1/memex/query?q=notes+about+photosynthesis", 200, &ans)
	if len(ans.Apps) != 0 {
		t.Errorf("apps for a notes question = %v, want none", ans.Apps)
	}

	code, b, _ := do(t, "POST", base+"/v1/apps/report/run", strings.NewReader(`{"query":"unpaid invoices from Northwind"}`), nil)
	if code != http.StatusCreated {
		t.Fatalf("run = %d %s", code, b)
	}
	var st microvm.Status
	json.Unmarshal(b, &st)
	var vms []VM
	getJSON(t, base+"/v1/vms", 200, &vms)
	if len(vms) != 1 || vms[0].ID != st.ID || vms[0].Tier != microvm.TierWasm || vms[0].State != microvm.StateRunning {
		t.Fatalf("vms = %+v", vms)
	}

	req, _ := http.NewRequest("GET", base+"/v1/vms/"+url.PathEscape(st.ID)+"/logs", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("logs content type %q", ct)
	}
	// The first line arrives while the app still runs; then let it end.
	buf := make([]byte, 4096)
	n, err := resp.Body.Read(buf)
	if err != nil || !strings.Contains(string(buf[:n]), "data: args unpaid invoices from Northwind\n") {
		t.Fatalf("first event = %q, %v", buf[:n], err)
	}
	close(eng.release)
	data, events := readEvents(t, resp.Body)
	if !slices.Equal(data, []string{"partial done"}) || len(events) != 1 || !strings.HasPrefix(events[0], "end exited exit 0") {
		t.Errorf("rest of the stream: data %q events %q", data, events)
	}
	code, b, _ = do(t, "GET", base+"/v1/vms/"+st.ID+"/logs", nil, nil)
	if code != 200 || string(b) != "args unpaid invoices from Northwind\npartial done\n" {
		t.Errorf("plain logs = %d %q", code, b)
	}

	// Without a query the app gets the one its manifest declares.
	code, b, _ = do(t, "POST", base+"/v1/apps/report/run", nil, nil)
	if code != http.StatusCreated {
		t.Fatalf("run without body = %d %s", code, b)
	}
	json.Unmarshal(b, &st)
	var end microvm.Status
	getJSON(t, base+"/v1/vms/"+st.ID+"/wait", 200, &end)
	code, b, _ = do(t, "GET", base+"/v1/vms/"+st.ID+"/logs", nil, nil)
	if !strings.HasPrefix(string(b), "args invoices\n") {
		t.Errorf("logs of a run with the declared query = %q", b)
	}
	if code, b, _ := do(t, "POST", base+"/v1/apps/nosuch/run", nil, nil); code != 404 {
		t.Errorf("run nosuch = %d %s, want 404", code, b)
	}
	if code, b, _ := do(t, "POST", base+"/v1/apps/report/run", strings.NewReader(`{"query":`+fmt.Sprintf("%q", strings.Repeat("x", 5000))+`}`), nil); code != 400 {
		t.Errorf("run with a huge query = %d %s, want 400", code, b)
	}
}

func TestStopAVM(t *testing.T) {
	base, _ := appServer(t)
	code, b, _ := do(t, "POST", base+"/v1/apps/report/run", strings.NewReader(`{"args":["x"]}`), nil)
	if code != http.StatusCreated {
		t.Fatalf("run = %d %s", code, b)
	}
	var st microvm.Status
	json.Unmarshal(b, &st)
	code, b, _ = do(t, "POST", base+"/v1/vms/"+st.ID+"/stop", nil, nil)
	json.Unmarshal(b, &st)
	if code != 200 || st.State != microvm.StateStopped {
		t.Errorf("stop = %d %s", code, b)
	}
	for _, p := range []string{"/v1/vms", "/v1/vms/"} {
		code, b, _ = do(t, "POST", base+p, strings.NewReader(`{"image":"report"}`), nil)
		json.Unmarshal(b, &st)
		if code != http.StatusCreated || st.Name != "report" {
			t.Errorf("POST %s = %d %s", p, code, b)
		}
		do(t, "POST", base+"/v1/vms/"+st.ID+"/stop", nil, nil)
	}
	var status Status
	getJSON(t, base+"/v1/status", 200, &status)
	if len(status.VMs) != 0 {
		t.Errorf("status lists %d running microVMs after stop", len(status.VMs))
	}
}
