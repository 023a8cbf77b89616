package microvm_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"nexusos/microvm"
	"nexusos/microvm/wasm"
	. "nexusos/microvm/wasmbin"
)

func prog(name string, code []byte) *microvm.Program {
	sum := sha256.Sum256(code)
	return &microvm.Program{ID: "sha256:" + hex.EncodeToString(sum[:]), Manifest: microvm.Manifest{ABI: 1, Name: name, Tier: microvm.TierWasm}, Code: code}
}

func newManager(t *testing.T) *microvm.Manager {
	t.Helper()
	eng, err := wasm.New(context.Background(), wasm.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	loop := (&Module{Funcs: []Func{{Type: Start, Body: []byte{OpLoop, BlockEmpty, OpBr, 0, OpEnd}, Export: "_start"}}, MemoryMin: 1}).Bytes()
	progs := map[string]*microvm.Program{
		"hello": prog("hello", Hello("hello, detached\n", 0)),
		"loop":  prog("loop", loop),
	}
	resolve := func(_ context.Context, ref string) (*microvm.Program, error) {
		if p, ok := progs[ref]; ok {
			return p, nil
		}
		return nil, fmt.Errorf("resolve %s: %w", ref, microvm.ErrNoSuchImage)
	}
	m := microvm.NewManager(eng, resolve, microvm.Services{}, microvm.ManagerConfig{MaxRunning: 4, MaxKept: 3})
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func TestManagerOverHTTP(t *testing.T) {
	m := newManager(t)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	c := &microvm.Client{Base: srv.URL}
	ctx := context.Background()

	st, err := c.Start(ctx, microvm.StartRequest{Image: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	end, err := c.Wait(ctx, st.ID)
	if err != nil || end.State != microvm.StateExited || end.ExitCode != 0 {
		t.Fatalf("wait hello: %+v %v", end, err)
	}
	logs, err := c.Logs(ctx, st.ID)
	if err != nil || string(logs) != "hello, detached\n" {
		t.Fatalf("logs = %q, %v", logs, err)
	}

	lp, err := c.Start(ctx, microvm.StartRequest{Image: "loop"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 2 || list[0].ID != lp.ID || list[0].State != microvm.StateRunning {
		t.Fatalf("list = %+v, %v", list, err)
	}
	stopped, err := c.Stop(ctx, lp.ID)
	if err != nil || stopped.State != microvm.StateStopped || stopped.Reason != microvm.ReasonStopped {
		t.Fatalf("stop = %+v, %v", stopped, err)
	}

	if _, err := c.Start(ctx, microvm.StartRequest{Image: "nosuch"}); err == nil || !strings.Contains(err.Error(), "no such image") {
		t.Fatalf("start of a missing image: %v", err)
	}
	if _, err := c.Get(ctx, "nosuch"); err == nil || !strings.Contains(err.Error(), "no such microVM") {
		t.Fatalf("get of a missing vm: %v", err)
	}
}

func TestManagerBounds(t *testing.T) {
	m := newManager(t)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 4; i++ {
		st, err := m.Start(ctx, microvm.StartRequest{Image: "loop"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, st.ID)
	}
	if _, err := m.Start(ctx, microvm.StartRequest{Image: "loop"}); !errors.Is(err, microvm.ErrTooMany) {
		t.Fatalf("fifth start: %v", err)
	}
	// Stop all at once (hammer the manager's lock); only MaxKept=3 stay listed.
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.Stop(ctx, id); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(m.List()); n != 3 {
		t.Fatalf("kept %d ended microVMs, want 3", n)
	}
}
