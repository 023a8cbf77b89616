package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"nexusos/node/home"
	"nexusos/vectordb"
)

// TestOpenOwnsHome opens every service over one home, checks that a
// second Open of the same home is refused with the vector engine named,
// indexes a note through Ingest and reads the graph built from it (once
// per ingest), then closes and opens again.
func TestOpenOwnsHome(t *testing.T) {
	ctx := context.Background()
	h := home.At(filepath.Join(t.TempDir(), "home"))
	if err := h.Ensure(); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	note := "# Bees\n\nBees pollinate [[flowers]].\n"
	if err := os.WriteFile(filepath.Join(data, "bees.md"), []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	rt, err := Open(ctx, h, Want{Memex: true, Apps: true, Cortex: true, Data: []string{data}})
	if err != nil {
		t.Fatal(err)
	}
	if rt.DB() == nil || rt.Memex() == nil || rt.Images() == nil || rt.VMs() == nil || rt.OpenAI() == nil {
		t.Fatalf("Open left a service out: db %v memex %v images %v vms %v", rt.DB(), rt.Memex(), rt.Images(), rt.VMs())
	}
	if rt.Images().Dir() != h.Images() || !h.HasMemex() {
		t.Errorf("image store in %s, want %s; memex state present: %v", rt.Images().Dir(), h.Images(), h.HasMemex())
	}

	_, err = Open(ctx, h, Want{MemexIfIndexed: true})
	var oe *OpenError
	if !errors.As(err, &oe) || oe.Service != ServiceVectorDB || !errors.Is(err, vectordb.ErrLocked) {
		t.Fatalf("second Open: %v, want the vector engine locked", err)
	}

	if _, err := rt.Ingest().Start([]string{data}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Ingest().Start([]string{data}); err != nil && !errors.Is(err, ErrIngestRunning) {
		t.Fatalf("second Start: %v", err)
	}
	st, err := rt.Ingest().Wait(ctx)
	if err != nil || st.State != IngestDone || st.Summary == nil || st.Summary.Indexed != 1 {
		t.Fatalf("ingest: %+v %v", st, err)
	}
	g1, err := rt.Graph(ctx)
	if err != nil || len(g1.Nodes) == 0 {
		t.Fatalf("graph: %+v %v", g1, err)
	}
	if g2, _ := rt.Graph(ctx); g2 != g1 {
		t.Errorf("graph rebuilt without an ingest in between")
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}

	rt, err = Open(ctx, h, Want{MemexIfIndexed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	if rt.Memex() == nil || len(rt.Memex().Files()) != 1 {
		t.Errorf("reopened MemexFS does not hold the note")
	}
	if _, err := rt.Engine(ctx); err == nil {
		t.Errorf("Engine without an image store succeeded")
	}
}

// TestWrapLeavesPartsOpen: a wrapped runtime serves what it was given
// and Close leaves it open.
func TestWrapLeavesPartsOpen(t *testing.T) {
	ctx := context.Background()
	db, err := vectordb.Open(t.TempDir(), vectordb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rt := Wrap(home.Dir{}, Parts{DB: db})
	if _, err := rt.Ingest().Start([]string{t.TempDir()}); !errors.Is(err, ErrNoMemex) {
		t.Errorf("ingest without MemexFS: %v", err)
	}
	if _, err := rt.Graph(ctx); !errors.Is(err, ErrNoMemex) {
		t.Errorf("graph without MemexFS: %v", err)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CollectionInfo(ctx, "none"); errors.Is(err, vectordb.ErrClosed) {
		t.Errorf("Close closed a part it did not open")
	}
}
