package node

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"nexusos/demo"
	"nexusos/microvm"
	"nexusos/node/api"
	"nexusos/node/client"
	"nexusos/node/runtime"
)

// startUp runs `nexus up`'s configuration in-process on ":0" ports and
// returns the node API's base URL and a function that stops the node and
// returns Run's error.
func startUp(t *testing.T, home string, edit func(*Config)) (string, func() error) {
	t.Helper()
	cfg := UpConfig(home, nil, "")
	cfg.Addr, cfg.QdrantHTTP, cfg.QdrantGRPC = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if edit != nil {
		edit(&cfg)
	}
	ready := make(chan Addrs, 1)
	cfg.Ready = func(a Addrs) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	var a Addrs
	select {
	case a = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("node did not start: %v", err)
	}
	var banner bytes.Buffer
	PrintBanner(&banner, cfg, a)
	if !strings.Contains(banner.String(), "http://"+a.Node+"/") || !strings.Contains(banner.String(), "nexus cortex add") {
		t.Errorf("banner lacks the console URL or the Cortex hint:\n%s", banner.String())
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return "http://" + a.Node, stop
}

// waitIngest polls the status until the start-up ingest has ended.
func waitIngest(t *testing.T, base string) api.Status {
	t.Helper()
	for {
		st, err := client.New(base, "").Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Ingest.State == runtime.IngestDone || st.Ingest.State == runtime.IngestFailed {
			if st.Ingest.State == runtime.IngestFailed {
				t.Fatalf("ingest failed: %s", st.Ingest.Error)
			}
			return st
		}
		waitABit()
	}
}

func unpaidGold() []string {
	var gold []string
	for _, d := range demo.Corpus().Docs {
		if d.Meta.Kind == "invoice" && (d.Meta.Status == "unpaid" || d.Meta.Status == "overdue") {
			gold = append(gold, d.Name)
		}
	}
	sort.Strings(gold)
	return gold
}

func unpaidAnswer(t *testing.T, base string) []string {
	t.Helper()
	ans, err := client.New(base, "").Query(context.Background(), client.Question{Text: "unpaid invoices", Now: demo.Now.Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range ans.Results {
		got = append(got, filepath.ToSlash(r.Rel))
	}
	sort.Strings(got)
	if !ans.Set {
		t.Errorf("unpaid invoices was not answered as a set")
	}
	return got
}

// TestUp starts the node as `nexus up` does, asks it for unpaid invoices,
// stops it, and starts it again on the same home: nothing is lost and
// nothing is indexed twice.
func TestUp(t *testing.T) {
	home := t.TempDir()
	base, stop := startUp(t, home, nil)
	st := waitIngest(t, base)
	n := len(demo.Corpus().Docs)
	if st.Ingest.Summary.Indexed != n || st.MemexFiles != n {
		t.Errorf("first start indexed %d files (%d known), want %d", st.Ingest.Summary.Indexed, st.MemexFiles, n)
	}
	if st.Cortex.State != "no-model" || len(st.VMs) != 0 || st.Listen == nil {
		t.Errorf("status: cortex %+v, vms %v, listen %v", st.Cortex, st.VMs, st.Listen)
	}
	gold := unpaidGold()
	if got := unpaidAnswer(t, base); !slices.Equal(got, gold) {
		t.Errorf("unpaid invoices:\n got %v\nwant %v", got, gold)
	}
	if _, err := client.New(base, "").Apps(context.Background()); err != nil {
		t.Errorf("/v1/apps: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	base, stop = startUp(t, home, nil)
	st = waitIngest(t, base)
	if st.Ingest.Summary.Indexed != 0 || st.Ingest.Summary.Unchanged != n {
		t.Errorf("restart: indexed %d unchanged %d, want 0 and %d", st.Ingest.Summary.Indexed, st.Ingest.Summary.Unchanged, n)
	}
	var points int
	for _, c := range st.CollectionStats {
		points += c.Points
	}
	if points != n {
		t.Errorf("restart: %d points, want %d (one chunk per demo file, no duplicates)", points, n)
	}
	if got := unpaidAnswer(t, base); !slices.Equal(got, gold) {
		t.Errorf("unpaid invoices after restart:\n got %v\nwant %v", got, gold)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

func TestUpWithData(t *testing.T) {
	data := t.TempDir()
	os.WriteFile(filepath.Join(data, "a.md"), []byte("# Garden\n\nTomatoes need sun and water.\n"), 0o644)
	base, _ := startUp(t, t.TempDir(), func(c *Config) { *c = withData(*c, data) })
	st := waitIngest(t, base)
	if st.MemexFiles != 1 || !slices.Equal(st.MemexFolders, []string{data}) {
		t.Errorf("--data: %d files in %v, want 1 in %s", st.MemexFiles, st.MemexFolders, data)
	}
	fetched, err := client.New(base, "").Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	PrintStatus(&out, fetched)
	for _, want := range []string{"MemexFS     1 files in " + data, "collection  memex: 1 points", "Cortex      no model", "microVMs    0 running"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("nexus status output lacks %q:\n%s", want, out.String())
		}
	}
}

func withData(c Config, dirs ...string) Config {
	c.Data, c.DemoData = dirs, false
	return c
}

func TestUpRefusesPublicAddressWithoutKey(t *testing.T) {
	cfg := UpConfig(t.TempDir(), nil, "")
	cfg.Addr = "0.0.0.0:0"
	err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "--api-key") {
		t.Errorf("Run on 0.0.0.0 without a key: %v", err)
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{{"127.0.0.1:1", true}, {"[::1]:1", true}, {"localhost:1", true}, {":1", false}, {"0.0.0.0:1", false}, {"192.0.2.1:1", false}} {
		if got := isLoopback(tc.addr); got != tc.want {
			t.Errorf("isLoopback(%q) = %v", tc.addr, got)
		}
	}
}

// TestUpRunsInvoiceReport seals the invoice report app from this source
// tree, as `nexus up` does, and asks it about unpaid invoices through the
// node, the way `nexus memex query --app` does.
func TestUpRunsInvoiceReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go app to WebAssembly")
	}
	root := FindSourceRoot(".")
	if root == "" {
		t.Fatal("no NexusOS source tree above the test's directory")
	}
	var report []AppSource
	for _, a := range DefaultApps(root) {
		if filepath.Base(a.Dir) == "invoice-report" {
			report = append(report, a)
		}
	}
	if len(report) != 1 {
		t.Fatalf("DefaultApps(%s) has no invoice-report", root)
	}
	home := t.TempDir()
	base, stop := startUp(t, home, func(c *Config) { c.AppSources, c.AppSourceRoot = report, root })
	waitIngest(t, base)
	for {
		st, err := client.New(base, "").Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(st.Extra["apps_sealing"])
		var seal SealState
		json.Unmarshal(b, &seal)
		if seal.State == "done" {
			if len(seal.Apps) != 1 || seal.Apps[0].Status != "sealed" {
				t.Fatalf("sealing: %+v", seal)
			}
			break
		}
		waitABit()
	}
	var out, errOut bytes.Buffer
	st, err := RunAppQuery(context.Background(), AppQuery{App: "invoice-report", Query: "unpaid invoices", Node: base, Stdout: &out, Stderr: &errOut})
	if err != nil || st.State != microvm.StateExited || st.ExitCode != 0 {
		t.Fatalf("run: %+v %v\n%s%s", st, err, out.String(), errOut.String())
	}
	gold := unpaidGold()
	text := out.String()
	if !strings.Contains(text, "Invoices for \"unpaid invoices\": "+itoa(len(gold))+"\n") || !strings.Contains(text, "party,status,currency,invoices,total,due\n") {
		t.Errorf("report:\n%s", text)
	}
	// The CSV's TOTAL rows count every unpaid invoice once.
	count := 0
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Split(line, ","); len(f) == 6 && f[0] == "TOTAL" {
			count += atoi(f[3])
		}
	}
	if count != len(gold) {
		t.Errorf("CSV totals count %d invoices, want %d", count, len(gold))
	}

	// With the node stopped, the same question runs in-process over the
	// home the node left behind, with the same answer.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var local bytes.Buffer
	st, err = RunAppQuery(context.Background(), AppQuery{App: "invoice-report", Query: "unpaid invoices", Node: base, Home: home, Stdout: &local, Stderr: &errOut})
	if err != nil || st.State != microvm.StateExited || st.ExitCode != 0 {
		t.Fatalf("local run: %+v %v\n%s", st, err, errOut.String())
	}
	if local.String() != text {
		t.Errorf("local run printed:\n%s\nthe node printed:\n%s", local.String(), text)
	}
}
