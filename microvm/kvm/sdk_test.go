//go:build linux && amd64

package kvm

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"nexusos/microvm"
)

// memexDouble is an in-test MemexFS: two invoices and a private document
// it returns whatever the folders (the dispatcher must drop it), and a
// large text so the SDK needs its take call.
type memexDouble struct {
	mu      sync.Mutex
	queries int
}

var docs = []microvm.Doc{
	{ID: "acme", Path: "invoices/acme.txt", Text: "ACME invoice 42 " + strings.Repeat("x", 40<<10), Facts: map[string]string{"kind": "invoice"}},
	{ID: "globex", Path: "invoices/globex.txt", Text: "Globex invoice 7", Facts: map[string]string{"kind": "invoice"}},
	{ID: "outside", Path: "private/salaries.txt", Text: "secret", Facts: map[string]string{"kind": "invoice"}},
}

func (m *memexDouble) Query(_ context.Context, text string, opts microvm.QueryOptions) ([]microvm.Result, error) {
	m.mu.Lock()
	m.queries++
	m.mu.Unlock()
	if text != "unpaid invoices" {
		return nil, fmt.Errorf("unexpected query %q", text)
	}
	return []microvm.Result{
		{ID: "outside", Path: docs[2].Path, Score: 0.99, Facts: docs[2].Facts},
		{ID: "acme", Path: docs[0].Path, Score: 0.91, Facts: docs[0].Facts},
		{ID: "globex", Path: docs[1].Path, Score: 0.5, Facts: docs[1].Facts},
	}, nil
}

func (m *memexDouble) Get(_ context.Context, id string) (microvm.Doc, error) {
	for _, d := range docs {
		if d.ID == id {
			return d, nil
		}
	}
	return microvm.Doc{}, fmt.Errorf("get %s: %w", id, microvm.ErrNotFound)
}

type logRecords struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// TestSDKMemex runs a Go app that imports nexusos/sdk/go/nexus (the same
// source builds for tier 1) on tier 2: its MemexFS calls go through the
// reserved system calls to the capability-checked dispatcher and the
// in-test MemexFS.
func TestSDKMemex(t *testing.T) {
	e := newEngine(t, NewConfig())
	code := goStatic(t, "microvm/kvm/testdata/sdkapp")
	caps := microvm.Capabilities{Memex: &microvm.MemexGrant{Folders: []string{"invoices"}}}
	p := program("sdkapp", code, caps, microvm.Limits{})
	m := &memexDouble{}
	logs := &logRecords{}
	st, out, errs := run(t, e, p, microvm.RunConfig{
		Args:     []string{"unpaid", "invoices"},
		Services: microvm.Services{Memex: m, Logger: slog.New(logs)},
	})
	want := "abi version 1\n0.91 invoices/acme.txt invoice\n0.50 invoices/globex.txt invoice\n" +
		"best hit invoices/acme.txt: 40976 bytes, starts \"ACME invoice 42 \"\n" +
		"outside the grant: not found\n"
	expect(t, st, microvm.StateExited, microvm.ReasonExit, 0)
	if out != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", out, want, errs)
	}
	if m.queries != 4 || len(logs.msgs) != 1 || logs.msgs[0] != "sdkapp: querying unpaid invoices" {
		t.Fatalf("queries %d, log records %q", m.queries, logs.msgs)
	}

	// Without the capability, the host refuses before MemexFS sees it.
	p = program("sdkapp", code, microvm.Capabilities{}, microvm.Limits{})
	st, _, errs = run(t, e, p, microvm.RunConfig{Args: []string{"unpaid", "invoices"}, Services: microvm.Services{Memex: m}})
	if st.ExitCode != 3 || !strings.Contains(errs, "capability denied") || m.queries != 4 {
		t.Fatalf("denied: %+v, stderr %q, %d queries", st, errs, m.queries)
	}
}
