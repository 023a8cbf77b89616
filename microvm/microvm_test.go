package microvm

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"nexusos/abi"
)

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"4096", 4096, true}, {"64MiB", 64 << 20, true}, {"64M", 64 << 20, true}, {"512k", 512 << 10, true},
		{"1G", 1 << 30, true}, {"2GB", 2 << 30, true}, {"", 0, false}, {"-1", 0, false}, {"12Q", 0, false},
		{"99999999999999999999G", 0, false},
	}
	for _, c := range cases {
		got, err := ParseSize(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v", c.in, got, err)
		}
	}
}

func TestLimitsTightenNeverLoosens(t *testing.T) {
	img := Limits{MemoryBytes: 64 << 20, Timeout: Duration(time.Minute)}
	got := img.Tighten(Limits{MemoryBytes: 1 << 30, Timeout: Duration(time.Second), OutputBytes: 10})
	want := Limits{MemoryBytes: 64 << 20, Timeout: Duration(time.Second), OutputBytes: 10}
	if got != want {
		t.Fatalf("Tighten = %+v, want %+v", got, want)
	}
	if d := (Limits{}).Effective(); d.MemoryBytes != DefaultMemoryBytes || time.Duration(d.Timeout) != DefaultTimeout || d.OutputBytes != DefaultOutputBytes {
		t.Fatalf("defaults = %+v", d)
	}
}

func TestManifestValidate(t *testing.T) {
	ok := Manifest{ABI: 1, Name: "app", Tier: TierWasm}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(m *Manifest){
		func(m *Manifest) { m.ABI = 99 },
		func(m *Manifest) { m.Name = "../x" },
		func(m *Manifest) { m.Name = "" },
		func(m *Manifest) { m.Tier = "vmware" },
		func(m *Manifest) { m.Env = map[string]string{"A=B": "c"} },
		func(m *Manifest) { m.Capabilities.Mounts = []Mount{{Host: "rel", Guest: "/data"}} },
		func(m *Manifest) { m.Capabilities.Memex = &MemexGrant{Folders: []string{"../etc"}} },
		func(m *Manifest) { m.Limits.MemoryBytes = 8 << 30 },
		func(m *Manifest) { m.Handles = &Handles{Kinds: []string{""}} },
		func(m *Manifest) { m.Handles = &Handles{Query: strings.Repeat("q", 4097)} },
	}
	for i, f := range bad {
		m := ok
		f(&m)
		if err := m.Validate(); !errors.Is(err, ErrInvalidManifest) {
			t.Errorf("case %d: Validate = %v", i, err)
		}
	}
	// Durations round-trip as strings.
	m := ok
	m.Limits.Timeout = Duration(90 * time.Second)
	b, _ := json.Marshal(m)
	if !strings.Contains(string(b), `"timeout":"1m30s"`) {
		t.Fatalf("manifest JSON %s", b)
	}
	var back Manifest
	if err := json.Unmarshal(b, &back); err != nil || back.Limits.Timeout != m.Limits.Timeout {
		t.Fatalf("round trip: %v %+v", err, back.Limits)
	}
}

// TestDeclaredHandles reads the typed Handles field and, for manifests
// sealed before it, the NEXUS_HANDLES environment form; the field wins.
func TestDeclaredHandles(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Manifest
		want Handles
	}{
		{"none", Manifest{}, Handles{}},
		{"typed", Manifest{Handles: &Handles{Kinds: []string{"invoice"}, Query: "invoices"}},
			Handles{Kinds: []string{"invoice"}, Query: "invoices"}},
		{"env", Manifest{Env: map[string]string{HandlesEnv: "kind=invoice"}}, Handles{Kinds: []string{"invoice"}}},
		{"env spaces and junk", Manifest{Env: map[string]string{HandlesEnv: " kind = invoice ; kind=receipt;query= unpaid invoices ;junk"}},
			Handles{Kinds: []string{"invoice", "receipt"}, Query: "unpaid invoices"}},
		{"typed wins", Manifest{Handles: &Handles{Kinds: []string{"receipt"}}, Env: map[string]string{HandlesEnv: "kind=invoice;query=x"}},
			Handles{Kinds: []string{"receipt"}}},
	} {
		got := tc.m.DeclaredHandles()
		if !slices.Equal(got.Kinds, tc.want.Kinds) || got.Query != tc.want.Query {
			t.Errorf("%s: DeclaredHandles = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	// The field is omitted when nil, so manifests without it (and their
	// digests) are unchanged, and round-trips when set.
	m := Manifest{ABI: 1, Name: "app", Tier: TierWasm}
	if b, _ := json.Marshal(m); strings.Contains(string(b), "handles") {
		t.Errorf("manifest without handles: %s", b)
	}
	m.Handles = &Handles{Kinds: []string{"invoice"}, Query: "invoices"}
	b, _ := json.Marshal(m)
	var back Manifest
	if err := json.Unmarshal(b, &back); err != nil || back.Handles == nil || !slices.Equal(back.Handles.Kinds, m.Handles.Kinds) || back.Handles.Query != "invoices" {
		t.Errorf("round trip of %s: %v %+v", b, err, back.Handles)
	}
}

type memexStub struct {
	gotFolders []string
	docs       map[string]Doc
}

func (m *memexStub) Query(_ context.Context, text string, opts QueryOptions) ([]Result, error) {
	m.gotFolders = opts.Folders
	var out []Result
	for _, d := range m.docs {
		out = append(out, Result{ID: d.ID, Path: d.Path})
	}
	return out, nil
}

func (m *memexStub) Get(_ context.Context, id string) (Doc, error) {
	d, ok := m.docs[id]
	if !ok {
		return Doc{}, ErrNotFound
	}
	return d, nil
}

func TestDispatcherMemexGrant(t *testing.T) {
	stub := &memexStub{docs: map[string]Doc{
		"a": {ID: "a", Path: "invoices/a.txt", Text: "A"},
		"b": {ID: "b", Path: "private/b.txt", Text: "B"},
		"c": {ID: "c", Path: "invoices-old/c.txt", Text: "C"},
	}}
	m := &Manifest{ABI: 1, Name: "app", Tier: TierWasm, Capabilities: Capabilities{Memex: &MemexGrant{Folders: []string{"/invoices/"}}}}
	d := NewDispatcher(m, Services{Memex: stub}, "vm1")
	ctx := context.Background()

	resp, e := d.Call(ctx, abi.OpMemexQuery, []byte(`{"text":"all"}`))
	if e != abi.OK {
		t.Fatalf("query: %s %s", e, resp)
	}
	var qr abi.QueryResponse
	if err := json.Unmarshal(resp, &qr); err != nil {
		t.Fatal(err)
	}
	if len(qr.Results) != 1 || qr.Results[0].ID != "a" {
		t.Fatalf("results outside the grant leaked: %+v", qr.Results)
	}
	if len(stub.gotFolders) != 1 || stub.gotFolders[0] != "invoices" {
		t.Fatalf("service saw folders %q", stub.gotFolders)
	}
	cases := []struct {
		op   abi.Op
		req  string
		want abi.Errno
	}{
		{abi.OpMemexQuery, `{"text":"x","folder":"private"}`, abi.ErrDenied},
		{abi.OpMemexQuery, `{"text":"x","folder":"invoices/../private"}`, abi.ErrInvalid},
		{abi.OpMemexQuery, `{"text":"x","folder":"invoices/2026"}`, abi.OK},
		{abi.OpMemexQuery, `{"text":"x","limit":5000}`, abi.ErrInvalid},
		{abi.OpMemexGet, `{"id":"a"}`, abi.OK},
		{abi.OpMemexGet, `{"id":"b"}`, abi.ErrNotFound}, // exists, but outside the grant
		{abi.OpMemexGet, `{"id":"zzz"}`, abi.ErrNotFound},
		{abi.OpMemexGet, `{"id":""}`, abi.ErrInvalid},
		{abi.OpCortexGenerate, `{"prompt":"x"}`, abi.ErrDenied},
		{abi.OpLog, "\x09bad level", abi.ErrInvalid},
		{abi.OpLog, "", abi.ErrInvalid},
		{abi.Op(77), "", abi.ErrUnknownOp},
	}
	for _, c := range cases {
		if _, e := d.Call(ctx, c.op, []byte(c.req)); e != c.want {
			t.Errorf("%s %s = %s, want %s", c.op, c.req, e, c.want)
		}
	}
	if _, e := d.Call(ctx, abi.OpLog, make([]byte, abi.MaxRequest+1)); e != abi.ErrTooLarge {
		t.Errorf("oversized request = %s", e)
	}
}
